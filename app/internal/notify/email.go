package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// E-mail goes out through github.com/wneessen/go-mail: a maintained,
// dependency-light SMTP client (STARTTLS policies, implicit TLS, SMTP AUTH
// with the mechanism the server offers, correct MIME and header encoding),
// which net/smtp, frozen and without most of that, is not.

// mailTimeout bounds one SMTP conversation.
const mailTimeout = 30 * time.Second

// mailer sends plain-text e-mails through one SMTP server.
type mailer struct {
	host        string
	port        int
	user, pass  string
	implicitTLS bool
	from        string
	roots       *x509.CertPool // nil: the system's
}

// newMailer reads APP_SMTP_URL: smtp://[user:pass@]host[:port] uses
// STARTTLS when the server offers it (port 587 by default), smtps://
// speaks TLS from the start (port 465 by default).
//
// With a user name the password goes only over TLS: an SMTP AUTH
// mechanism that sends it in the clear is never chosen on a plain
// connection.
func newMailer(raw, from string, roots *x509.CertPool) (*mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("notify: APP_SMTP_URL must look like smtp://user:pass@host:587")
	}
	if from == "" {
		return nil, errors.New("notify: APP_MAIL_FROM is required with APP_SMTP_URL")
	}
	m := &mailer{host: u.Hostname(), port: 587, implicitTLS: u.Scheme == "smtps", from: from, roots: roots}
	if m.implicitTLS {
		m.port = 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("notify: APP_SMTP_URL has a port that is not a number")
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	return m, nil
}

// send delivers one plain-text message to one address.
func (m *mailer) send(ctx context.Context, to, subject, body string) error {
	msg := gomail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("alamat pengirim: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("alamat penerima: %w", err)
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, body)
	opts := []gomail.Option{gomail.WithPort(m.port), gomail.WithTimeout(mailTimeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: m.host, RootCAs: m.roots, MinVersion: tls.VersionTLS12})}
	if m.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if m.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(m.user),
			gomail.WithPassword(m.pass))
	}
	c, err := gomail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("klien SMTP: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, mailTimeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("kirim e-mail: %w", err)
	}
	return nil
}
