// Package notify tells people what waits for them outside the app (issue
// 18 §10): it turns the store's outbox events (written in the transaction
// of each state change) into notifications, one message to one address
// over one channel, and delivers them by e-mail (SMTP) and through the
// village's HTTP webhook (a WhatsApp gateway or a Telegram bot), with
// retries and backoff. A message holds a short description and a link,
// never a NIK, KK number or birth date.
//
// The Worker runs in every replica started by serve; rows are claimed
// with a lease in the database, so replicas never send the same message
// twice while a worker is alive, and a dead worker's lease simply runs out.
package notify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Deps is what the service needs, wired by main.
type Deps struct {
	// Store is the database; required.
	Store *store.Store
	// Modules names letter modules in messages, with each village's own
	// modules and titles; required.
	Modules Modules
	// BaseURL is the public address links in messages start with.
	BaseURL string
	// SMTPURL is the mail server (smtp://user:pass@host:587 or smtps://);
	// "" sends no e-mail.
	SMTPURL string
	// MailFrom is the sender of e-mails.
	MailFrom string
	// MailRoots, when set, are the certificate authorities the mail
	// server's TLS certificate is checked against instead of the system's
	// (a village's own mail server with a private CA; the tests' server).
	MailRoots *x509.CertPool
	// AllowPrivate lets webhooks reach private and loopback addresses.
	AllowPrivate bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives delivery failures (never a message body, a token or a
	// password); nil discards.
	Log *slog.Logger
}

// Service makes and sends notifications. It is safe for concurrent use.
type Service struct {
	d       Deps
	mail    *mailer // nil without SMTP
	webhook *webhookClient
}

// New checks d and returns the service. An APP_SMTP_URL that does not
// parse is an error.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Modules == nil {
		return nil, errors.New("notify: store and modules are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	s := &Service{d: d, webhook: newWebhookClient(d.AllowPrivate)}
	if d.SMTPURL != "" {
		m, err := newMailer(d.SMTPURL, d.MailFrom, d.MailRoots)
		if err != nil {
			return nil, err
		}
		s.mail = m
	}
	return s, nil
}

// EmailEnabled reports whether a mail server is configured.
func (s *Service) EmailEnabled() bool { return s.mail != nil }

// message is what a notification says.
type message struct {
	kind, subject, body, path string
	coalesce                  bool
}

// The kinds of notification.
const (
	KindLetterVerify    = "letter_verify"
	KindLetterWaiting   = "letter_waiting"
	KindLetterReturned  = "letter_returned"
	KindLetterReady     = "letter_ready"
	KindRequestWaiting  = "request_waiting"
	KindRequestReturned = "request_returned"
)

// KindLabel is a notification kind as the admin reads it.
func KindLabel(kind string) string {
	switch kind {
	case KindLetterVerify:
		return "Surat menunggu verifikasi"
	case KindLetterWaiting:
		return "Surat menunggu persetujuan/tanda tangan"
	case KindLetterReturned:
		return "Surat dikembalikan ke draf"
	case KindLetterReady:
		return "Surat warga siap diunduh"
	case KindRequestWaiting:
		return "Permohonan warga menunggu diperiksa"
	case KindRequestReturned:
		return "Permohonan warga dikembalikan"
	case "uji":
		return "Pesan uji"
	}
	return kind
}

// Modules is the letter catalogue a village uses (issuance.Service).
type Modules interface {
	ModulesFor(ctx context.Context, villageID int64) (*letters.Catalogue, error)
}

// moduleTitle names the village's module code; a catalogue that cannot be
// read falls back to a generic word, the message still goes out.
func (s *Service) moduleTitle(ctx context.Context, villageID int64, code string) string {
	cat, err := s.d.Modules.ModulesFor(ctx, villageID)
	if err != nil {
		s.d.Log.WarnContext(ctx, "notify: module title", "village", villageID, "module", code, "err", err)
		return "Surat"
	}
	if m := cat.Module(code); m != nil {
		return m.Title
	}
	return "Surat"
}

func villageLabel(v *surat.Village) string {
	seb := v.Sebutan
	if seb == "" {
		seb = "Desa"
	}
	return seb + " " + v.Name
}

// recipient is one person (or the office) a message goes to, with where.
type recipient struct {
	key   string // "user:7", "resident:12", "kantor"
	email string
	phone string
	// office: the village webhook's staff channel (no phone).
	office bool
}

// expand turns one outbox event into notifications: who is told what,
// over which channels. An event about something that moved on (a letter
// approved before the worker got to it) makes none.
func (s *Service) expand(ctx context.Context, e surat.OutboxEvent) ([]store.NewNotification, error) {
	v, err := s.d.Store.VillageByID(ctx, e.VillageID)
	if err != nil {
		return nil, err
	}
	ws, err := s.d.Store.WorkflowSettings(ctx, e.VillageID)
	if err != nil {
		return nil, err
	}
	desa := villageLabel(v)
	var (
		msg   message
		to    []recipient
		staff bool
	)
	switch e.Kind {
	case surat.EventLetterSubmitted, surat.EventLetterVerified, surat.EventLetterSignerChanged:
		l, err := s.d.Store.LetterByID(ctx, e.VillageID, e.EntityID)
		if errors.Is(err, surat.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if l.Status != surat.LetterSubmitted && l.Status != surat.LetterApproved {
			return nil, nil
		}
		title := s.moduleTitle(ctx, e.VillageID, l.Module)
		pending := false
		if l.Status == surat.LetterSubmitted && l.VerifiedAt == nil {
			if pending, err = s.d.Store.VerificationRequired(ctx, e.VillageID, l); err != nil {
				return nil, err
			}
		}
		var users []surat.User
		if pending {
			msg = message{kind: KindLetterVerify, subject: "Surat menunggu verifikasi Anda",
				body: "Ada surat di " + desa + " yang menunggu verifikasi Anda sebagai sekretaris desa, antara lain " +
					title + ".", path: "/persetujuan", coalesce: true}
			users, err = s.d.Store.Verifiers(ctx, e.VillageID)
		} else if l.SignerOfficialID != nil {
			msg = message{kind: KindLetterWaiting, subject: "Surat menunggu persetujuan dan tanda tangan Anda",
				body: "Ada surat di " + desa + " yang menunggu persetujuan dan tanda tangan elektronik Anda, antara lain " +
					title + ".", path: "/persetujuan", coalesce: true}
			users, err = s.d.Store.SignerUsers(ctx, e.VillageID, *l.SignerOfficialID)
		}
		if err != nil {
			return nil, err
		}
		to, staff = staffRecipients(users), true
	case surat.EventLetterReturned:
		l, err := s.d.Store.LetterByID(ctx, e.VillageID, e.EntityID)
		if errors.Is(err, surat.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if l.Status != surat.LetterDraft {
			return nil, nil
		}
		msg = message{kind: KindLetterReturned, subject: "Surat dikembalikan ke draf",
			body: fmt.Sprintf("%s (surat #%d) di %s dikembalikan ke draf oleh penandatangan. Buka surat untuk membaca "+
				"alasannya dan memperbaikinya.", s.moduleTitle(ctx, e.VillageID, l.Module), l.ID, desa),
			path: fmt.Sprintf("/surat/%d", l.ID)}
		var users []surat.User
		if l.CreatedBy != nil {
			u, err := s.d.Store.UserByID(ctx, *l.CreatedBy)
			if err == nil && !u.Disabled && u.VillageID != nil && *u.VillageID == e.VillageID {
				users = []surat.User{*u}
			} else if err != nil && !errors.Is(err, surat.ErrNotFound) {
				return nil, err
			}
		}
		if len(users) == 0 {
			if users, err = s.d.Store.Clerks(ctx, e.VillageID); err != nil {
				return nil, err
			}
		}
		to, staff = staffRecipients(users), true
	case surat.EventRequestSubmitted:
		r, err := s.d.Store.RequestByID(ctx, e.VillageID, e.EntityID)
		if errors.Is(err, surat.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if r.Effective != surat.RequestInReview {
			return nil, nil
		}
		msg = message{kind: KindRequestWaiting, subject: "Permohonan warga menunggu diperiksa",
			body: "Ada permohonan dari Layanan Mandiri di " + desa + " yang menunggu diperiksa, antara lain " +
				s.moduleTitle(ctx, e.VillageID, r.Module) + ".", path: "/permohonan", coalesce: true}
		users, err := s.d.Store.Clerks(ctx, e.VillageID)
		if err != nil {
			return nil, err
		}
		to, staff = staffRecipients(users), true
	case surat.EventRequestReturned:
		r, err := s.d.Store.RequestByID(ctx, e.VillageID, e.EntityID)
		if errors.Is(err, surat.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		msg = message{kind: KindRequestReturned, subject: "Permohonan Anda perlu dilengkapi",
			body: fmt.Sprintf("Permohonan %s Anda (#%d) dikembalikan petugas %s karena belum lengkap. Baca pesan "+
				"petugas dan lengkapi permohonan di Layanan Mandiri.", s.moduleTitle(ctx, e.VillageID, r.Module), r.ID, desa),
			path: fmt.Sprintf("/mandiri/permohonan/%d", r.ID)}
		if to, err = s.residentRecipient(ctx, e.VillageID, r.ResidentID); err != nil {
			return nil, err
		}
	case surat.EventLetterSigned:
		r, err := s.d.Store.RequestOfLetter(ctx, e.VillageID, e.EntityID)
		if errors.Is(err, surat.ErrNotFound) {
			return nil, nil // not from a resident's request
		} else if err != nil {
			return nil, err
		}
		msg = message{kind: KindLetterReady, subject: "Surat Anda sudah siap",
			body: fmt.Sprintf("%s Anda sudah ditandatangani %s secara elektronik dan dapat diunduh di Layanan "+
				"Mandiri.", s.moduleTitle(ctx, e.VillageID, r.Module), desa),
			path: fmt.Sprintf("/mandiri/permohonan/%d", r.ID)}
		if to, err = s.residentRecipient(ctx, e.VillageID, r.ResidentID); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	if msg.kind == "" {
		return nil, nil
	}
	if staff && ws.WebhookStaff && ws.WebhookURL != "" {
		to = append(to, recipient{key: "kantor", office: true})
	}
	return s.notifications(e.VillageID, desa, msg, to, ws), nil
}

// notifications makes one notification per recipient and channel.
func (s *Service) notifications(villageID int64, desa string, msg message, to []recipient, ws *surat.WorkflowSettings) []store.NewNotification {
	link := s.d.BaseURL + msg.path
	body := msg.body + "\n\n" + link
	subject := "[" + desa + "] " + msg.subject
	var out []store.NewNotification
	add := func(channel, rcpt, address string) {
		out = append(out, store.NewNotification{Coalesce: msg.coalesce, Notification: surat.Notification{
			VillageID: villageID, Kind: msg.kind, Channel: channel, Recipient: rcpt, Address: address,
			Subject: subject, Body: body, Link: link}})
	}
	for _, r := range to {
		if r.email != "" && s.mail != nil {
			add(surat.ChannelEmail, r.key, r.email)
		}
		if ws.WebhookURL != "" && (r.phone != "" || r.office) {
			add(surat.ChannelWebhook, r.key, r.phone)
		}
	}
	return out
}

func staffRecipients(us []surat.User) []recipient {
	var out []recipient
	for _, u := range us {
		if u.Email != "" && !u.Disabled {
			out = append(out, recipient{key: fmt.Sprintf("user:%d", u.ID), email: u.Email})
		}
	}
	return out
}

// residentRecipient is the requester, when they opted in.
func (s *Service) residentRecipient(ctx context.Context, villageID, residentID int64) ([]recipient, error) {
	acc, err := s.d.Store.ResidentAccountOf(ctx, villageID, residentID)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if acc.NotifyConsentAt == nil {
		return nil, nil
	}
	return []recipient{{key: fmt.Sprintf("resident:%d", residentID), email: acc.NotifyEmail, phone: acc.NotifyPhone}}, nil
}

// deliver sends one notification over its channel.
func (s *Service) deliver(ctx context.Context, n *surat.Notification) error {
	switch n.Channel {
	case surat.ChannelEmail:
		if s.mail == nil {
			return errors.New("server surat (APP_SMTP_URL) belum diatur")
		}
		return s.mail.send(ctx, n.Address, n.Subject, n.Body)
	case surat.ChannelWebhook:
		ws, err := s.d.Store.WorkflowSettings(ctx, n.VillageID)
		if err != nil {
			return err
		}
		if ws.WebhookURL == "" {
			return errors.New("webhook desa sudah dihapus")
		}
		v, err := s.d.Store.VillageByID(ctx, n.VillageID)
		if err != nil {
			return err
		}
		return s.webhook.send(ctx, ws, surat.WebhookValues{Phone: n.Address, Title: n.Subject, Message: n.Body,
			Link: n.Link, Village: villageLabel(v), Kind: n.Kind})
	}
	return fmt.Errorf("saluran %q tidak dikenal", n.Channel)
}

// SendTest sends a test message through the village's webhook as it is
// configured in ws (not yet saved, perhaps), to phone ("" for the office
// channel), and returns the outcome at once; nothing is stored.
func (s *Service) SendTest(ctx context.Context, v *surat.Village, ws *surat.WorkflowSettings, phone string) error {
	if ws.WebhookURL == "" {
		return surat.ErrNoChannel
	}
	link := s.d.BaseURL + "/dashboard"
	return s.webhook.send(ctx, ws, surat.WebhookValues{Phone: phone, Title: "[" + villageLabel(v) + "] Pesan uji",
		Message: "Pesan uji pemberitahuan suratdesa dari " + villageLabel(v) + ".\n\n" + link, Link: link,
		Village: villageLabel(v), Kind: "uji"})
}

// CheckWebhook checks a webhook address before it is saved: http or https,
// no user name or password in it, and a public address unless private
// targets are allowed. Problems are a *surat.ValidationError on
// "webhook_url".
func (s *Service) CheckWebhook(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	if err := s.webhook.checkURL(ctx, raw); err != nil {
		return &surat.ValidationError{Fields: map[string]string{"webhook_url": err.Error()}}
	}
	return nil
}

// EscapeWebhook escapes s for a webhook body of format ("json" or "form").
// It is what surat.WorkflowSettings.ValidateWebhook and sending use.
func EscapeWebhook(format, s string) string { return escapeValue(format, s) }
