package notify

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The worker's rhythm.
const (
	// PollEvery is how often an idle worker looks for work.
	PollEvery = 5 * time.Second
	// lease is how long a claimed row stays a worker's: longer than a
	// send (mailTimeout) can take. A notification's lease is renewed
	// before it is sent (sendOne), so a batch may take longer.
	lease = 2 * time.Minute
	// MaxAttempts is how often a notification is tried before it is
	// given up (failed); with backoff doubling from 30 s to at most an
	// hour, that is about 14 hours of trying, so a mail server that is
	// down for a night delays mail and loses none.
	MaxAttempts = 20
	// maxEventAttempts bounds the retries of an event that cannot be
	// turned into notifications (the database failing).
	maxEventAttempts = 10
	batch            = 20
)

// Backoff is the wait before attempt number attempt+1 after attempt
// failures: 30 s, 1 min, 2 min, ... at most an hour, each up to 10%
// longer at random so that replicas do not retry in step.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// Worker expands outbox events and delivers notifications. Run it in every
// replica; rows are leased in the database.
type Worker struct {
	s     *Service
	owner string
}

// NewWorker returns a worker of s with an identity of its own
// (host name and random suffix) for its leases.
func (s *Service) NewWorker() *Worker {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	crand.Read(b)
	owner := host + "-" + hex.EncodeToString(b)
	if len(owner) > 64 {
		owner = owner[len(owner)-64:]
	}
	return &Worker{s: s, owner: owner}
}

// Run works until ctx ends, looking for work every PollEvery.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(PollEvery)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.s.d.Log.Warn("notification worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce expands every pending outbox event and sends every notification
// that is due, and reports how many notifications it tried. An error is a
// database failure; a failed delivery is recorded, not returned.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	for {
		es, err := w.s.d.Store.ClaimEvents(ctx, w.owner, lease, batch)
		if err != nil {
			return 0, err
		}
		for _, e := range es {
			w.expandOne(ctx, e)
		}
		if len(es) < batch {
			break
		}
	}
	tried := 0
	for {
		ns, err := w.s.d.Store.ClaimNotifications(ctx, w.owner, lease, batch)
		if err != nil {
			return tried, err
		}
		for i := range ns {
			sent, err := w.sendOne(ctx, &ns[i])
			if err != nil {
				return tried, err
			}
			if sent {
				tried++
			}
		}
		if len(ns) < batch || ctx.Err() != nil {
			return tried, ctx.Err()
		}
	}
}

func (w *Worker) expandOne(ctx context.Context, e surat.OutboxEvent) {
	ns, err := w.s.expand(ctx, e)
	if err == nil {
		err = w.s.d.Store.CompleteEvent(ctx, e.ID, w.owner, ns)
	}
	if err == nil || errors.Is(err, surat.ErrConflict) {
		return
	}
	w.s.d.Log.Warn("outbox event not expanded", "event_id", e.ID, "kind", e.Kind, "err", err)
	retry := w.s.d.Now().Add(Backoff(e.Attempts + 1))
	if e.Attempts+1 >= maxEventAttempts {
		retry = time.Time{}
	}
	if ferr := w.s.d.Store.FailEvent(ctx, e.ID, w.owner, err.Error(), retry); ferr != nil {
		w.s.d.Log.Warn("outbox event failure not recorded", "event_id", e.ID, "err", ferr)
	}
}

// sendOne delivers one claimed notification and records the outcome; only
// a failure to record is returned. The lease is renewed first: sends of
// up to mailTimeout each can outlast the lease the batch was claimed with,
// and then another replica may have claimed the rest. sent is false when
// the lease was lost and nothing was sent.
func (w *Worker) sendOne(ctx context.Context, n *surat.Notification) (sent bool, err error) {
	ok, err := w.s.d.Store.RenewNotificationLease(ctx, n.ID, w.owner, lease)
	if err != nil || !ok {
		return false, err
	}
	return true, w.record(ctx, n, w.s.deliver(ctx, n))
}

// record stores the outcome of one delivery.
func (w *Worker) record(ctx context.Context, n *surat.Notification, err error) error {
	if err == nil {
		return w.s.d.Store.NotificationSent(ctx, n.ID, w.owner)
	}
	attempts := n.Attempts + 1
	retry := w.s.d.Now().Add(Backoff(attempts))
	if attempts >= MaxAttempts {
		retry = time.Time{}
	}
	w.s.d.Log.Warn("notification not delivered", "notification_id", n.ID, "channel", n.Channel,
		"attempt", attempts, "given_up", retry.IsZero(), "err", err)
	return w.s.d.Store.NotificationFailed(ctx, n.ID, w.owner, err.Error(), retry)
}
