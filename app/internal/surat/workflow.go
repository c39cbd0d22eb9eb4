package surat

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// The workflow around a letter and a request (issue 18): who verifies,
// approves and signs, what a clerk may undo, required documents, and the
// notifications that tell each person what waits for them.

// Verification is a module's choice, overriding the village's, whether the
// sekretaris desa verifies its letters before the signer approves them
// (OpenSID's verifikasi_sekdes).
type Verification string

// The verification choices of a module.
const (
	// VerifyVillage follows the village's setting.
	VerifyVillage Verification = ""
	// VerifySekdes always has the sekretaris desa verify.
	VerifySekdes Verification = "sekdes"
	// VerifyNone never asks for verification: the signer approves at once.
	VerifyNone Verification = "langsung"
)

// Valid reports whether v is a known choice.
func (v Verification) Valid() bool { return v == VerifyVillage || v == VerifySekdes || v == VerifyNone }

// Label is the choice as an admin reads it.
func (v Verification) Label() string {
	switch v {
	case VerifySekdes:
		return "Selalu diverifikasi sekretaris desa"
	case VerifyNone:
		return "Langsung ke penandatangan"
	}
	return "Ikuti pengaturan desa"
}

// VerificationRequired is the approval rule of docs/design.md §4: a
// submitted letter waits for the sekretaris desa's verification when the
// module says so, or follows the village's setting (villageOn), except
// when its signer signs a.n. (the sekretaris desa themself: nobody verifies
// their own letter).
func VerificationRequired(villageOn bool, module Verification, signerSignsAN bool) bool {
	on := villageOn
	switch module {
	case VerifySekdes:
		on = true
	case VerifyNone:
		on = false
	}
	return on && !signerSignsAN
}

// ErrVerificationPending means a letter must be verified by the sekretaris
// desa before it is approved. It matches ErrConflict.
var ErrVerificationPending = fmt.Errorf("letter awaits the sekretaris desa's verification: %w", ErrConflict)

// ErrNotVerifier means the actor is not a sekretaris desa who verifies
// letters (a penandatangan linked to an active official who signs a.n.).
// It matches ErrForbidden.
var ErrNotVerifier = fmt.Errorf("actor does not verify letters: %w", ErrForbidden)

// SignerState says whether an official can sign a letter now: an active
// official with a usable certificate and an enabled login linked to them.
type SignerState struct {
	Official Official
	// HasLogin: an enabled penandatangan account is linked to the official.
	HasLogin bool
	// HasCertificate: the official has a certificate that may sign now.
	HasCertificate bool
}

// Ready reports whether the official can sign.
func (s SignerState) Ready() bool {
	return s.Official.Active && s.HasLogin && s.HasCertificate &&
		(s.Official.IsHead || s.Official.CanSignAN || s.Official.CanSignUB)
}

// Why says in Indonesian why the official cannot sign, or "" when they can.
func (s SignerState) Why() string {
	o := s.Official
	var why []string
	switch {
	case !o.Active:
		why = append(why, "tidak aktif")
	case !o.IsHead && !o.CanSignAN && !o.CanSignUB:
		why = append(why, "tidak berwenang menandatangani")
	}
	if !s.HasCertificate {
		why = append(why, "belum memiliki sertifikat TTE yang berlaku")
	}
	if !s.HasLogin {
		why = append(why, "belum memiliki akun penandatangan yang aktif")
	}
	return strings.Join(why, ", ")
}

// MaxRequirements bounds the required documents of one module.
const MaxRequirements = 10

// MaxRequirementLength bounds one requirement's label, in characters.
const MaxRequirementLength = 100

// StandardRequirements are OpenSID's standard documents (ref_syarat_surat),
// offered as suggestions when a village lists a module's requirements.
var StandardRequirements = []string{
	"Surat Pengantar RT/RW", "Fotokopi KK", "Fotokopi KTP", "Fotokopi Surat/Akta Nikah",
	"Fotokopi Akta Kelahiran", "Surat Pindah Datang", "SK Kematian dari RS/Puskesmas/visum",
	"Surat Keterangan Cerai", "Fotokopi Ijazah", "SK PNS/KARIP/TNI-POLRI", "SK Kematian dari Kades/Lurah",
	"Surat imigrasi/STMD",
}

// RequirementList decodes the module's required documents; a value that
// does not decode reads as none.
func (ls *LetterSettings) RequirementList() []string {
	if strings.TrimSpace(ls.Requirements) == "" {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(ls.Requirements), &out); err != nil {
		return nil
	}
	return out
}

// SetRequirements stores labels as the module's required documents, one
// label a line as typed: blank lines and repeats are dropped, spaces
// trimmed.
func (ls *LetterSettings) SetRequirements(labels []string) {
	var out []string
	seen := map[string]bool{}
	for _, l := range labels {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || seen[strings.ToLower(l)] {
			continue
		}
		seen[strings.ToLower(l)] = true
		out = append(out, l)
	}
	if len(out) == 0 {
		ls.Requirements = ""
		return
	}
	b, _ := json.Marshal(out)
	ls.Requirements = string(b)
}

func checkRequirements(rs []string) string {
	if len(rs) > MaxRequirements {
		return fmt.Sprintf("Paling banyak %d persyaratan", MaxRequirements)
	}
	for _, r := range rs {
		if len([]rune(r)) > MaxRequirementLength {
			return fmt.Sprintf("Setiap persyaratan paling banyak %d karakter", MaxRequirementLength)
		}
	}
	return ""
}

// WorkflowSettings are a village's workflow choices: verification by the
// sekretaris desa, and the webhook that carries notifications to a
// WhatsApp gateway or a Telegram bot.
type WorkflowSettings struct {
	VillageID int64 `gorm:"primaryKey;autoIncrement:false"`
	// VerifySekdes has the sekretaris desa verify every submitted letter
	// whose module does not say otherwise.
	VerifySekdes bool
	// WebhookURL receives one POST per notification; "" for no webhook.
	WebhookURL string
	// WebhookAuth is sent as the Authorization header, "" for none (the
	// token of a WhatsApp gateway).
	WebhookAuth string
	// WebhookBody is the body template with WebhookPlaceholders.
	WebhookBody string
	// WebhookFormat is "json" (values escaped as JSON strings) or "form"
	// (URL-encoded).
	WebhookFormat string
	// WebhookStaff also sends the notifications for staff (letters waiting,
	// new requests) to the webhook, e.g. the office's Telegram group.
	WebhookStaff bool
	UpdatedAt    time.Time
}

// WebhookPlaceholders are the only placeholders a webhook body may use,
// with what each becomes.
var WebhookPlaceholders = []struct{ Name, Meaning string }{
	{"{{telepon}}", "nomor telepon penerima (warga); kosong untuk pemberitahuan petugas"},
	{"{{judul}}", "judul singkat pemberitahuan"},
	{"{{pesan}}", "isi pemberitahuan beserta tautannya"},
	{"{{tautan}}", "tautan ke halaman yang dimaksud"},
	{"{{desa}}", "nama desa"},
	{"{{jenis}}", "kode jenis pemberitahuan, mis. request_returned"},
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([a-z_]*)\s*\}\}`)

// WebhookValues are the values of one message for the placeholders.
type WebhookValues struct {
	Phone, Title, Message, Link, Village, Kind string
}

// RenderWebhookBody fills tpl with v, escaping each value for format
// ("json": inside a JSON string; "form": URL query encoding). An unknown
// placeholder is an error (Validate refuses it earlier).
func RenderWebhookBody(tpl, format string, v WebhookValues, escape func(format, s string) string) (string, error) {
	vals := map[string]string{"telepon": v.Phone, "judul": v.Title, "pesan": v.Message, "tautan": v.Link,
		"desa": v.Village, "jenis": v.Kind}
	var bad string
	out := placeholderRE.ReplaceAllStringFunc(tpl, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		val, ok := vals[name]
		if !ok {
			bad = m
			return m
		}
		return escape(format, val)
	})
	if bad != "" {
		return "", fmt.Errorf("unknown placeholder %s", bad)
	}
	return out, nil
}

// ValidateWebhook checks the webhook fields (not the target address, which
// needs the network; see package notify) and returns Indonesian messages.
func (w *WorkflowSettings) ValidateWebhook(escape func(format, s string) string) error {
	p := Problems{}
	w.WebhookURL = strings.TrimSpace(w.WebhookURL)
	w.WebhookAuth = strings.TrimSpace(w.WebhookAuth)
	if w.WebhookFormat == "" {
		w.WebhookFormat = "json"
	}
	if w.WebhookFormat != "json" && w.WebhookFormat != "form" {
		p.Add("webhook_format", "Pilih format isi: JSON atau formulir")
	}
	if len(w.WebhookURL) > 500 {
		p.Add("webhook_url", "Alamat webhook paling banyak 500 karakter")
	}
	if len(w.WebhookAuth) > 500 {
		p.Add("webhook_auth", "Nilai Authorization paling banyak 500 karakter")
	}
	if len(w.WebhookBody) > 4000 {
		p.Add("webhook_body", "Templat isi paling banyak 4000 karakter")
	}
	if w.WebhookURL == "" {
		if w.WebhookStaff {
			p.Add("webhook_url", "Isi alamat webhook, atau jangan kirim pemberitahuan petugas ke webhook")
		}
		return p.Err()
	}
	if strings.TrimSpace(w.WebhookBody) == "" {
		p.Add("webhook_body", "Templat isi wajib diisi bila webhook dipakai")
	} else {
		for _, m := range placeholderRE.FindAllStringSubmatch(w.WebhookBody, -1) {
			known := false
			for _, ph := range WebhookPlaceholders {
				known = known || ph.Name == "{{"+m[1]+"}}"
			}
			if !known {
				p.Add("webhook_body", "Kode "+m[0]+" tidak dikenal. Yang dapat dipakai: {{telepon}}, {{judul}}, "+
					"{{pesan}}, {{tautan}}, {{desa}}, {{jenis}}")
				break
			}
		}
		if _, ok := p["webhook_body"]; !ok && w.WebhookFormat == "json" {
			sample, err := RenderWebhookBody(w.WebhookBody, "json", WebhookValues{Phone: "081234567890",
				Title: "Contoh \"judul\"", Message: "Baris 1\nBaris 2", Link: "https://contoh.desa.id/x?a=1&b=2",
				Village: "Desa Contoh", Kind: "contoh"}, escape)
			if err != nil || !json.Valid([]byte(sample)) {
				p.Add("webhook_body", "Templat isi bukan JSON yang sah setelah kode diisi. Tulis kode di dalam tanda petik, "+
					"mis. {\"target\":\"{{telepon}}\",\"message\":\"{{pesan}}\"}")
			}
		}
	}
	return p.Err()
}

// The kinds of outbox event: what changed, announced by the store in the
// transaction of the change.
const (
	EventLetterSubmitted     = "letter.submitted"
	EventLetterVerified      = "letter.verified"
	EventLetterSignerChanged = "letter.signer_changed"
	EventLetterReturned      = "letter.returned"
	EventLetterSigned        = "letter.signed"
	EventRequestSubmitted    = "request.submitted"
	EventRequestReturned     = "request.returned"
)

// OutboxEvent is a state change waiting to be turned into notifications.
type OutboxEvent struct {
	ID         int64
	VillageID  int64
	Kind       string
	EntityID   int64
	ActorID    *int64
	Status     string
	Attempts   int
	LeaseOwner string
	LeaseUntil *time.Time
	LastError  string
	CreatedAt  time.Time
	DoneAt     *time.Time
}

// The notification channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// The delivery states of a notification.
const (
	NotificationPending = "pending"
	NotificationSent    = "sent"
	NotificationFailed  = "failed"
)

// NotificationStateLabel is a delivery state as the admin reads it.
func NotificationStateLabel(state string) string {
	switch state {
	case NotificationPending:
		return "Menunggu dikirim"
	case NotificationSent:
		return "Terkirim"
	case NotificationFailed:
		return "Gagal"
	}
	return state
}

// Notification is one message to one address over one channel, with its
// delivery state. Subject and Body hold a short description and a link,
// never a NIK, KK number or birth date.
type Notification struct {
	ID        int64
	VillageID int64
	EventID   *int64
	// Kind names the message, e.g. "letter_waiting", "request_returned".
	Kind    string
	Channel string
	// Recipient is "user:<id>", "resident:<id>" or "kantor" (the office's
	// webhook).
	Recipient     string
	Address       string
	Subject       string
	Body          string
	Link          string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    *time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// ValidateEmail returns an Indonesian message when s is not a plain e-mail
// address (one address, no name), or "" ("" is allowed: no address).
func ValidateEmail(s string) string {
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return "Alamat e-mail tidak valid, mis. nama@desa.id"
	}
	return ""
}

var phoneRE = regexp.MustCompile(`^\+?[0-9]{8,15}$`)

// NormalizePhone turns a typed Indonesian mobile number (with spaces,
// dashes or dots, 08..., 628... or +628...) into digits starting with 62,
// or returns an Indonesian message.
func NormalizePhone(s string) (string, string) {
	s = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return "", ""
	}
	if !phoneRE.MatchString(s) {
		return "", "Nomor HP harus 8-15 angka, mis. 081234567890"
	}
	s = strings.TrimPrefix(s, "+")
	if strings.HasPrefix(s, "0") {
		s = "62" + s[1:]
	}
	return s, ""
}

// ErrNoChannel means a notification setting cannot deliver anything (no
// webhook, no mail server).
var ErrNoChannel = errors.New("no notification channel configured")
