package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The transactional outbox (docs/design.md §12): every state change that
// someone should hear about writes an outbox_events row in its own
// transaction (enqueueEvent); package notify's worker claims pending rows
// with a lease, turns each into notifications (one message to one address
// over one channel), and sends those with retries and backoff. Several
// replicas may run workers: a row is claimed by one conditional UPDATE, and
// a worker that dies leaves a lease that simply runs out.

// maxErrorText bounds a stored error message.
const maxErrorText = 500

// enqueueEvent writes an outbox event of the village inside tx, the
// transaction of the change it announces.
func (s *Store) enqueueEvent(tx *gorm.DB, villageID int64, kind string, entityID int64, actor surat.Actor) error {
	e := surat.OutboxEvent{VillageID: villageID, Kind: kind, EntityID: entityID, ActorID: optionalID(actor.UserID),
		Status: surat.NotificationPending, CreatedAt: s.now()}
	if err := tx.Table("outbox_events").Create(&e).Error; err != nil {
		return fmt.Errorf("outbox %s: %w", kind, err)
	}
	return nil
}

// ClaimEvents leases up to limit pending outbox events to owner until
// now+lease and returns them, oldest first. An event another worker holds
// under an unexpired lease is skipped.
func (s *Store) ClaimEvents(ctx context.Context, owner string, lease time.Duration, limit int) ([]surat.OutboxEvent, error) {
	now := s.now()
	var ids []int64
	err := s.db.WithContext(ctx).Table("outbox_events").
		Where("status = ? AND (lease_until IS NULL OR lease_until < ?)", surat.NotificationPending, now).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, translate("claim events", err)
	}
	claimed, err := s.claim(ctx, "outbox_events", ids, "", owner, now, lease)
	if err != nil || len(claimed) == 0 {
		return nil, err
	}
	var es []surat.OutboxEvent
	err = s.db.WithContext(ctx).Table("outbox_events").Where("id IN ? AND lease_owner = ?", claimed, owner).
		Order("id").Find(&es).Error
	return es, translate("claimed events", err)
}

// claim leases the rows ids of table to owner, one conditional UPDATE
// each, and returns those it got. extra narrows the condition further.
func (s *Store) claim(ctx context.Context, table string, ids []int64, extra, owner string, now time.Time,
	lease time.Duration) ([]int64, error) {
	var got []int64
	for _, id := range ids {
		q := s.db.WithContext(ctx).Table(table).
			Where("id = ? AND status = ? AND (lease_until IS NULL OR lease_until < ?)", id, surat.NotificationPending, now)
		if extra != "" {
			q = q.Where(extra, now)
		}
		res := q.Updates(map[string]any{"lease_owner": owner, "lease_until": now.Add(lease)})
		if res.Error != nil {
			return got, translate("claim "+table, res.Error)
		}
		if res.RowsAffected == 1 {
			got = append(got, id)
		}
	}
	return got, nil
}

// NewNotification is a message the worker made of an event.
type NewNotification struct {
	surat.Notification
	// Coalesce skips the message when one of the same kind to the same
	// recipient over the same channel is still waiting to be sent (a
	// signer with ten letters waiting gets one message, not ten).
	Coalesce bool
}

// CompleteEvent stores the notifications made of event id, leased to
// owner, and marks the event done, in one transaction. A lease that was
// lost (it ran out and another worker took the event) is surat.ErrConflict
// and nothing is stored.
func (s *Store) CompleteEvent(ctx context.Context, id int64, owner string, ns []NewNotification) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		var e surat.OutboxEvent
		if err := tx.Table("outbox_events").Where("id = ?", id).Take(&e).Error; err != nil {
			return err
		}
		if e.Status != surat.NotificationPending || e.LeaseOwner != owner {
			return fmt.Errorf("event %d is no longer leased to this worker: %w", id, surat.ErrConflict)
		}
		for _, n := range ns {
			if n.Coalesce {
				var waiting int64
				if err := tx.Table("notifications").Where("village_id = ? AND recipient = ? AND kind = ? AND channel = ? AND status = ?",
					n.VillageID, n.Recipient, n.Kind, n.Channel, surat.NotificationPending).Count(&waiting).Error; err != nil {
					return err
				}
				if waiting > 0 {
					continue
				}
			}
			row := n.Notification
			row.ID, row.EventID, row.Status, row.Attempts = 0, &e.ID, surat.NotificationPending, 0
			row.NextAttemptAt, row.CreatedAt, row.LeaseOwner, row.LeaseUntil = now, now, "", nil
			if err := tx.Table("notifications").Create(&row).Error; err != nil {
				return fmt.Errorf("notification of event %d: %w", id, err)
			}
		}
		res := tx.Table("outbox_events").Where("id = ? AND lease_owner = ?", id, owner).Updates(map[string]any{
			"status": "done", "done_at": now, "lease_until": nil})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("event %d: %w", id, surat.ErrConflict)
		}
		return nil
	})
	return translate(fmt.Sprintf("complete event %d", id), err)
}

// FailEvent records that event id could not be turned into notifications:
// it is tried again at retryAt, or given up (status failed) when retryAt is
// zero.
func (s *Store) FailEvent(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error {
	set := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": clip(msg), "lease_until": retryAt.UTC()}
	if retryAt.IsZero() {
		set["status"], set["lease_until"] = surat.NotificationFailed, nil
	}
	err := s.db.WithContext(ctx).Table("outbox_events").Where("id = ? AND lease_owner = ?", id, owner).Updates(set).Error
	return translate(fmt.Sprintf("fail event %d", id), err)
}

// ClaimNotifications leases up to limit pending notifications that are due
// to owner until now+lease, oldest due first.
func (s *Store) ClaimNotifications(ctx context.Context, owner string, lease time.Duration, limit int) ([]surat.Notification, error) {
	now := s.now()
	var ids []int64
	err := s.db.WithContext(ctx).Table("notifications").
		Where("status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)",
			surat.NotificationPending, now, now).
		Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, translate("claim notifications", err)
	}
	claimed, err := s.claim(ctx, "notifications", ids, "next_attempt_at <= ?", owner, now, lease)
	if err != nil || len(claimed) == 0 {
		return nil, err
	}
	var ns []surat.Notification
	err = s.db.WithContext(ctx).Table("notifications").Where("id IN ? AND lease_owner = ?", claimed, owner).
		Order("next_attempt_at, id").Find(&ns).Error
	return ns, translate("claimed notifications", err)
}

// RenewNotificationLease extends owner's lease on notification id to now +
// lease, provided the lease is still owner's and has not run out: false
// means another worker may have claimed it, and owner must not send it. A
// worker renews before each send of its batch, since a batch of slow sends
// outlasts the lease it was claimed with.
func (s *Store) RenewNotificationLease(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	now := s.now()
	held := func(db *gorm.DB) *gorm.DB {
		return db.Table("notifications").
			Where("id = ? AND lease_owner = ? AND status = ? AND lease_until >= ?", id, owner, surat.NotificationPending, now)
	}
	res := held(s.db.WithContext(ctx)).Update("lease_until", now.Add(lease))
	if res.Error != nil {
		return false, translate(fmt.Sprintf("renew lease of notification %d", id), res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	// MySQL counts only the rows an UPDATE changed: a renewal in the same
	// second as the claim (DATETIME) writes the same value and counts 0.
	var n int64
	if err := held(s.db.WithContext(ctx)).Count(&n).Error; err != nil {
		return false, translate(fmt.Sprintf("renew lease of notification %d", id), err)
	}
	return n == 1, nil
}

// NotificationSent records that notification id, leased to owner, was
// delivered.
func (s *Store) NotificationSent(ctx context.Context, id int64, owner string) error {
	now := s.now()
	err := s.db.WithContext(ctx).Table("notifications").Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"status": surat.NotificationSent, "attempts": gorm.Expr("attempts + 1"),
			"sent_at": now, "lease_until": nil, "last_error": ""}).Error
	return translate(fmt.Sprintf("notification %d sent", id), err)
}

// NotificationFailed records a failed delivery of notification id, leased
// to owner: tried again at retryAt, or given up (failed) when retryAt is
// zero. msg must hold no secret (no webhook token, no password).
func (s *Store) NotificationFailed(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error {
	set := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": clip(msg), "lease_until": nil,
		"next_attempt_at": retryAt.UTC()}
	if retryAt.IsZero() {
		set["status"] = surat.NotificationFailed
		delete(set, "next_attempt_at")
	}
	err := s.db.WithContext(ctx).Table("notifications").Where("id = ? AND lease_owner = ?", id, owner).Updates(set).Error
	return translate(fmt.Sprintf("notification %d failed", id), err)
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > maxErrorText {
		return string(r[:maxErrorText])
	}
	return s
}

// NotificationFilter narrows the admin's list of notifications.
type NotificationFilter struct {
	Status  string // "" for every state
	Page    int
	PerPage int
}

// NotificationPage is one page of a village's notifications, newest first.
type NotificationPage struct {
	Items   []surat.Notification
	Total   int64
	Page    int
	PerPage int
	// Counts are the village's notifications by delivery state.
	Counts map[string]int64
}

// Notifications lists the village's notifications with their delivery
// state, newest first.
func (s *Store) Notifications(ctx context.Context, villageID int64, f NotificationFilter) (*NotificationPage, error) {
	pg := pageOf(f.Page, f.PerPage, 50, 200)
	q := s.db.WithContext(ctx).Table("notifications").Where("village_id = ?", villageID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	out := &NotificationPage{Page: pg.Page, PerPage: pg.PerPage, Counts: map[string]int64{}}
	if err := q.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return nil, translate("count notifications", err)
	}
	if err := pg.apply(q.Order("id DESC")).Find(&out.Items).Error; err != nil {
		return nil, translate("notifications", err)
	}
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.db.WithContext(ctx).Table("notifications").Select("status, COUNT(*) AS n").
		Where("village_id = ?", villageID).Group("status").Scan(&rows).Error; err != nil {
		return nil, translate("notification counts", err)
	}
	for _, r := range rows {
		out.Counts[r.Status] = r.N
	}
	return out, nil
}

// RetryNotification puts a failed notification of the village back in the
// queue, due now, and audits it. One that is not failed is
// surat.ErrConflict; another village's is surat.ErrNotFound.
func (s *Store) RetryNotification(ctx context.Context, actor surat.Actor, villageID, id int64) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n surat.Notification
		if err := s.lockRow(tx, "notifications", villageID, id, &n); err != nil {
			return err
		}
		if n.Status != surat.NotificationFailed {
			return fmt.Errorf("notification %d is %s: %w", id, n.Status, surat.ErrConflict)
		}
		if err := tx.Table("notifications").Where("id = ?", id).Updates(map[string]any{
			"status": surat.NotificationPending, "next_attempt_at": s.now(), "attempts": 0, "lease_until": nil,
		}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "notification.retry", "notification", id, nil, nil, n.Kind)
	})
	return translate(fmt.Sprintf("retry notification %d", id), err)
}

// Backlog is the outbox's state for monitoring.
type Backlog struct {
	// Events are outbox events not yet turned into notifications.
	Events int64
	// Pending are notifications waiting to be sent (due or backing off).
	Pending int64
	// Failed are notifications given up after every retry.
	Failed int64
	// OldestPending is when the oldest pending notification was created;
	// zero when none is pending.
	OldestPending time.Time
}

// NotificationBacklog reports the outbox's backlog across every village,
// for metrics (a Prometheus gauge) and health pages.
func (s *Store) NotificationBacklog(ctx context.Context) (Backlog, error) {
	var b Backlog
	db := s.db.WithContext(ctx)
	if err := db.Table("outbox_events").Where("status = ?", surat.NotificationPending).Count(&b.Events).Error; err != nil {
		return b, translate("outbox backlog", err)
	}
	if err := db.Table("notifications").Where("status = ?", surat.NotificationPending).Count(&b.Pending).Error; err != nil {
		return b, translate("notification backlog", err)
	}
	if err := db.Table("notifications").Where("status = ?", surat.NotificationFailed).Count(&b.Failed).Error; err != nil {
		return b, translate("failed notifications", err)
	}
	if b.Pending > 0 {
		var n surat.Notification
		if err := db.Table("notifications").Where("status = ?", surat.NotificationPending).Order("created_at, id").
			Take(&n).Error; err != nil {
			return b, translate("oldest notification", err)
		}
		b.OldestPending = n.CreatedAt
	}
	return b, nil
}
