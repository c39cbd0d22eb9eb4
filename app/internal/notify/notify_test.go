package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// clock is a settable clock shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// mailbox is a real SMTP server (github.com/emersion/go-smtp) on a local
// port that keeps what it receives; it requires AUTH PLAIN with
// user/secret.
type mailbox struct {
	mu   sync.Mutex
	msgs []mailMsg
	srv  *smtp.Server
	addr string
}

type mailMsg struct {
	from string
	to   []string
	data string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

type mailSession struct {
	box    *mailbox
	authed bool
	cur    mailMsg
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "user" || pass != "secret" {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = mailMsg{from: from}
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.cur = mailMsg{} }
func (s *mailSession) Logout() error { return nil }

// mailTLS is the test mail server's certificate for 127.0.0.1 and the pool
// that trusts it, made once.
var mailTLS = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		panic(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(crand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
})

// startMailbox serves SMTP with STARTTLS on addr ("127.0.0.1:0" for any
// port).
func startMailbox(t *testing.T, addr string, box *mailbox) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	cert, _ := mailTLS()
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	box.srv, box.addr = srv, ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func (m *mailbox) messages() []mailMsg {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mailMsg(nil), m.msgs...)
}

// receiver is a local HTTP endpoint standing in for a WhatsApp gateway.
type receiver struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
	fail   bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		http.Error(w, "gateway down", http.StatusBadGateway)
		return
	}
	r.bodies = append(r.bodies, string(b))
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	w.Write([]byte(`{"status":true}`))
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// fixture is a village with a kepala desa who signs (login kades, e-mail),
// an operator (e-mail) and a resident with a Layanan Mandiri account who
// opted in with a phone number and an e-mail address.
type fixture struct {
	ctx      context.Context
	st       *store.Store
	clock    *clock
	village  *surat.Village
	head     *surat.Official
	kades    *surat.User
	operator *surat.User
	resident *surat.Resident
	account  *surat.ResidentAccount
}

const residentNIK = "3505124507950991"

// newFixture makes the village, staff and resident on a new database; a
// quota, when given, replaces the store's default request quota.
func newFixture(t testing.TB, b storetest.Backend, quota ...store.RequestQuota) *fixture {
	t.Helper()
	ck := &clock{t: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	q := store.DefaultRequestQuota
	if len(quota) > 0 {
		q = quota[0]
	}
	f := &fixture{ctx: context.Background(), st: storetest.OpenQuota(t, b, ck.Now, q), clock: ck}
	sys := surat.Actor{Username: "test"}
	f.village = &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	must(t, f.st.CreateVillage(f.ctx, sys, f.village))
	f.head = &surat.Official{Name: "H. Suparman", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	must(t, f.st.CreateOfficial(f.ctx, sys, f.village.ID, f.head))
	f.kades = &surat.User{Username: "kades", PasswordHash: "x", Role: surat.RoleSigner, VillageID: &f.village.ID,
		OfficialID: &f.head.ID, Email: "kades@sumberejo.example"}
	must(t, f.st.CreateUser(f.ctx, sys, f.kades))
	f.operator = &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator,
		VillageID: &f.village.ID, Email: "operator@sumberejo.example"}
	must(t, f.st.CreateUser(f.ctx, sys, f.operator))
	f.resident = &surat.Resident{NIK: residentNIK, Name: "Rina Wulandari", BirthPlace: "Blitar",
		BirthDate: time.Date(1995, 7, 5, 0, 0, 0, 0, time.UTC), Sex: surat.SexFemale, Religion: 1, MaritalStatus: 1,
		Relation: surat.RelationHead, Citizenship: 1, LifeStatus: surat.LifeAlive}
	must(t, f.st.CreateResident(f.ctx, sys, f.village.ID, f.resident,
		&surat.Household{NoKK: "3505122001950991", Address: "Jl. Kenanga 12"}))
	acc, err := f.st.IssueResidentPIN(f.ctx, sys, f.village.ID, f.resident.ID, "hash")
	must(t, err)
	f.account, err = f.st.SetResidentContact(f.ctx, f.village.ID, acc.ID, "6281234567890", "rina@example.org", true)
	must(t, err)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var testCatalogue = sync.OnceValues(func() (*letters.Catalogue, error) { return letters.Load(lettertpl.FS) })

// fixedModules gives every village the built-in catalogue.
type fixedModules struct{ cat *letters.Catalogue }

func (m fixedModules) ModulesFor(context.Context, int64) (*letters.Catalogue, error) {
	return m.cat, nil
}

func (f *fixture) service(t testing.TB, smtpURL string) *Service {
	t.Helper()
	cat, err := testCatalogue()
	must(t, err)
	_, roots := mailTLS()
	s, err := New(Deps{Store: f.st, Modules: fixedModules{cat}, BaseURL: "https://surat.sumberejo.example", SMTPURL: smtpURL,
		MailFrom: "suratdesa@sumberejo.example", MailRoots: roots, AllowPrivate: true, Now: f.clock.Now})
	must(t, err)
	return s
}

// submitLetter drafts and submits a letter about the resident, signed by
// the kepala desa, as the operator: an outbox event.
func (f *fixture) submitLetter(t testing.TB) *surat.Letter {
	t.Helper()
	op := surat.Actor{UserID: f.operator.ID, Username: "operator", Role: surat.RoleOperator, VillageID: f.village.ID}
	l := &surat.Letter{Module: "sk_domisili", SubjectResidentID: &f.resident.ID, FormData: "{}", SignerOfficialID: &f.head.ID}
	must(t, f.st.CreateLetter(f.ctx, op, f.village.ID, l))
	l, err := f.st.Submit(f.ctx, op, f.village.ID, l.ID)
	must(t, err)
	return l
}

// newRequest makes a request of the resident: an outbox event for the
// clerks.
func (f *fixture) newRequest(t testing.TB) *surat.LetterRequest {
	t.Helper()
	r := &surat.LetterRequest{ResidentID: f.resident.ID, SubjectResidentID: f.resident.ID, Module: "sk_domisili",
		FormData: `{"subjects":{},"fields":{}}`}
	must(t, f.st.CreateRequest(f.ctx, f.village.ID, r, nil))
	return r
}

// returnRequest makes a request of the resident and returns it as
// incomplete: an outbox event for the resident.
func (f *fixture) returnRequest(t testing.TB) *surat.LetterRequest {
	t.Helper()
	r := f.newRequest(t)
	op := surat.Actor{UserID: f.operator.ID, Username: "operator", Role: surat.RoleOperator, VillageID: f.village.ID}
	r, err := f.st.ReturnRequest(f.ctx, op, f.village.ID, r.ID, "Lampirkan surat pengantar RT")
	must(t, err)
	return r
}

func (f *fixture) webhook(t testing.TB, url string, staff bool) {
	t.Helper()
	ws := &surat.WorkflowSettings{WebhookURL: url, WebhookAuth: "token-rahasia", WebhookFormat: "json",
		WebhookBody: `{"target":"{{telepon}}","message":"{{pesan}}","jenis":"{{jenis}}"}`, WebhookStaff: staff}
	must(t, ws.ValidateWebhook(EscapeWebhook))
	must(t, f.st.SaveWorkflowSettings(f.ctx, surat.Actor{Username: "admin"}, f.village.ID, ws))
}

// TestNotificationsReachEveryoneOverEveryChannel walks the notification
// path: an operator submits a letter, and the kepala desa gets an e-mail
// (real SMTP with AUTH) and the office webhook a message; a clerk returns a
// resident's request, and the resident gets an e-mail and a WhatsApp
// gateway message to their number. Nothing sent carries the NIK or the
// birth date, and each message is delivered once.
func TestNotificationsReachEveryoneOverEveryChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		box := &mailbox{}
		startMailbox(t, "127.0.0.1:0", box)
		rcv := &receiver{}
		hook := httptest.NewServer(rcv)
		t.Cleanup(hook.Close)
		f.webhook(t, hook.URL+"/send", true)
		s := f.service(t, "smtp://user:secret@"+box.addr)
		w := s.NewWorker()

		// kades e-mail + office webhook (a letter waits); operator e-mail
		// + office webhook (a request arrived); resident e-mail + resident
		// webhook (the request was returned).
		total := 0
		for _, step := range []func(){func() { f.submitLetter(t) }, func() { f.newRequest(t) }, func() {
			r, err := f.st.RequestQueue(f.ctx, f.village.ID, "", 10)
			must(t, err)
			op := surat.Actor{UserID: f.operator.ID, Username: "operator", Role: surat.RoleOperator, VillageID: f.village.ID}
			_, err = f.st.ReturnRequest(f.ctx, op, f.village.ID, r[0].ID, "Lampirkan surat pengantar RT")
			must(t, err)
		}} {
			step()
			n, err := w.RunOnce(f.ctx)
			must(t, err)
			total += n
		}
		if total != 6 {
			t.Errorf("worker tried %d notifications, want 6", total)
		}
		mails := box.messages()
		byRcpt := map[string]string{}
		for _, m := range mails {
			for _, to := range m.to {
				byRcpt[to] += m.data
			}
		}
		if got := byRcpt["kades@sumberejo.example"]; !strings.Contains(got, "menunggu persetujuan dan tanda tangan") ||
			!strings.Contains(got, "https://surat.sumberejo.example/persetujuan") {
			t.Errorf("kades mail: %q", got)
		}
		if got := byRcpt["operator@sumberejo.example"]; !strings.Contains(got, "Permohonan warga menunggu diperiksa") {
			t.Errorf("operator mail: %q", got)
		}
		if got := byRcpt["rina@example.org"]; !strings.Contains(got, "perlu dilengkapi") ||
			!strings.Contains(got, "/mandiri/permohonan/") {
			t.Errorf("resident mail: %q", got)
		}
		if len(mails) != 3 {
			t.Errorf("%d mails, want 3", len(mails))
		}
		hooks := rcv.got()
		var toResident, toOffice int
		for _, h := range hooks {
			switch {
			case strings.Contains(h, `"target":"6281234567890"`):
				toResident++
			case strings.Contains(h, `"target":""`):
				toOffice++
			}
		}
		if toResident != 1 || toOffice != 2 {
			t.Errorf("webhook: %d to the resident, %d to the office; bodies %q", toResident, toOffice, hooks)
		}
		for _, a := range rcv.auth {
			if a != "token-rahasia" {
				t.Errorf("webhook Authorization %q", a)
			}
		}
		for _, text := range append(hooks, func() []string {
			var out []string
			for _, m := range mails {
				out = append(out, m.data)
			}
			return out
		}()...) {
			for _, secret := range []string{residentNIK, "3505122001950991", "1995-07-05", "05-07-1995", "5 Juli 1995"} {
				if strings.Contains(text, secret) {
					t.Errorf("a message carries %s: %q", secret, text)
				}
			}
		}
		page, err := f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
		must(t, err)
		if page.Counts[surat.NotificationSent] != 6 || page.Total != 6 {
			t.Errorf("notification states %v of %d", page.Counts, page.Total)
		}
		// A second run sends nothing again.
		if n, err := w.RunOnce(f.ctx); err != nil || n != 0 {
			t.Errorf("second run: %d, %v", n, err)
		}
		if got := len(box.messages()); got != 3 {
			t.Errorf("%d mails after the second run", got)
		}
	})
}

// TestDownMailServerDelaysAndLosesNothing: with the mail server down, the
// e-mail stays pending with its attempt counted and a later try set; once
// the server is up and the backoff has passed, it is delivered exactly
// once.
func TestDownMailServerDelaysAndLosesNothing(t *testing.T) {
	f := newFixture(t, storetest.SQLite)
	// Reserve a port, then leave it closed: the server is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	s := f.service(t, "smtp://user:secret@"+addr)
	w := s.NewWorker()
	for range 3 {
		f.submitLetter(t)
	}
	if n, err := w.RunOnce(f.ctx); err != nil || n != 1 {
		t.Fatalf("first run: %d, %v (three letters for one signer coalesce into one mail)", n, err)
	}
	page, err := f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
	must(t, err)
	if page.Total != 1 || page.Items[0].Status != surat.NotificationPending || page.Items[0].Attempts != 1 ||
		page.Items[0].LastError == "" || !page.Items[0].NextAttemptAt.After(f.clock.Now()) {
		t.Fatalf("after a failed try: %+v", page.Items)
	}
	if strings.Contains(page.Items[0].LastError, "secret") {
		t.Errorf("the error shows the SMTP password: %q", page.Items[0].LastError)
	}
	// Not due yet: nothing is tried.
	if n, _ := w.RunOnce(f.ctx); n != 0 {
		t.Errorf("retried %d before the backoff passed", n)
	}
	box := &mailbox{}
	startMailbox(t, addr, box)
	f.clock.Add(Backoff(1) + time.Minute)
	if n, err := w.RunOnce(f.ctx); err != nil || n != 1 {
		t.Fatalf("after the server came back: %d, %v", n, err)
	}
	if got := box.messages(); len(got) != 1 || got[0].to[0] != "kades@sumberejo.example" {
		t.Fatalf("delivered %+v", got)
	}
	page, err = f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
	must(t, err)
	if page.Items[0].Status != surat.NotificationSent || page.Items[0].Attempts != 2 {
		t.Errorf("after delivery: %+v", page.Items[0])
	}
}

// TestFailedNotificationGivesUpAndCanBeRetried: a webhook that keeps
// failing is tried MaxAttempts times, then marked failed; the admin's
// retry puts it back and it is delivered once the gateway works.
func TestFailedNotificationGivesUpAndCanBeRetried(t *testing.T) {
	f := newFixture(t, storetest.SQLite)
	rcv := &receiver{fail: true}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	f.webhook(t, hook.URL, false)
	s := f.service(t, "")
	w := s.NewWorker()
	f.returnRequest(t)
	for i := 0; i < MaxAttempts; i++ {
		if _, err := w.RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(2 * time.Hour)
	}
	page, err := f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
	must(t, err)
	if page.Total != 1 || page.Items[0].Status != surat.NotificationFailed || page.Items[0].Attempts != MaxAttempts ||
		!strings.Contains(page.Items[0].LastError, "502") || strings.Contains(page.Items[0].LastError, hook.URL) {
		t.Fatalf("after every try: %+v", page.Items[0])
	}
	rcv.mu.Lock()
	rcv.fail = false
	rcv.mu.Unlock()
	admin := surat.Actor{Username: "admin", Role: surat.RoleAdminDesa, VillageID: f.village.ID}
	must(t, f.st.RetryNotification(f.ctx, admin, f.village.ID, page.Items[0].ID))
	if n, err := w.RunOnce(f.ctx); err != nil || n != 1 {
		t.Fatalf("after retry: %d, %v", n, err)
	}
	if got := rcv.got(); len(got) != 1 || !strings.Contains(got[0], "6281234567890") {
		t.Errorf("gateway got %q", got)
	}
	if err := f.st.RetryNotification(f.ctx, admin, f.village.ID, page.Items[0].ID); !errors.Is(err, surat.ErrConflict) {
		t.Errorf("retry of a sent notification: %v", err)
	}
}

// TestWorkersShareTheQueue runs four workers at once on one database (as
// four replicas would): every notification is sent exactly once.
func TestWorkersShareTheQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		// Twelve open requests of one resident: above the default cap of
		// five, so this database allows more.
		f := newFixture(t, b, store.RequestQuota{MaxOpen: 20})
		rcv := &receiver{}
		hook := httptest.NewServer(rcv)
		t.Cleanup(hook.Close)
		f.webhook(t, hook.URL, false)
		s := f.service(t, "")
		for range 12 {
			f.returnRequest(t)
		}
		var wg sync.WaitGroup
		for range 4 {
			w := s.NewWorker()
			wg.Go(func() {
				if _, err := w.RunOnce(f.ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// A worker may finish while another is still expanding events;
		// the next poll sends what that made.
		if _, err := s.NewWorker().RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		if got := rcv.got(); len(got) != 12 {
			t.Errorf("gateway got %d messages for 12 returned requests", len(got))
		}
		page, err := f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
		must(t, err)
		if page.Total != 12 || page.Counts[surat.NotificationSent] != 12 {
			t.Errorf("notifications %v of %d", page.Counts, page.Total)
		}
	})
}

// TestWebhookRefusesPrivateTargets: without APP_WEBHOOK_ALLOW_PRIVATE a
// webhook on a loopback, private or link-local address is refused when it
// is saved and when a message would be sent, and the error names neither
// the address nor the token.
func TestWebhookRefusesPrivateTargets(t *testing.T) {
	f := newFixture(t, storetest.SQLite)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	cat, err := testCatalogue()
	must(t, err)
	s, err := New(Deps{Store: f.st, Modules: fixedModules{cat}, BaseURL: "https://x.example", Now: f.clock.Now})
	must(t, err)
	for _, u := range []string{hook.URL, "http://localhost/x", "http://10.1.2.3/", "http://169.254.169.254/latest",
		"http://[::1]:8080/", "http://100.64.0.1/", "ftp://example.org/", "https://user:pw@example.org/"} {
		if err := s.CheckWebhook(f.ctx, u); err == nil {
			t.Errorf("CheckWebhook(%s) accepted", u)
		}
	}
	if err := s.CheckWebhook(f.ctx, "https://93.184.215.14/send"); err != nil {
		t.Errorf("a public address: %v", err)
	}
	// Saved anyway (say, before the setting was turned off): sending fails
	// without reaching the receiver.
	f.webhook(t, hook.URL+"/secret-path", false)
	w := s.NewWorker()
	f.returnRequest(t)
	if _, err := w.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.got(); len(got) != 0 {
		t.Errorf("a private webhook was reached: %q", got)
	}
	page, err := f.st.Notifications(f.ctx, f.village.ID, store.NotificationFilter{})
	must(t, err)
	if page.Total != 1 || !strings.Contains(page.Items[0].LastError, "jaringan lokal") ||
		strings.Contains(page.Items[0].LastError, "secret-path") {
		t.Errorf("refused delivery recorded as %+v", page.Items)
	}
}

// TestWebhookTemplates: the body template accepts only the closed set of
// placeholders, must stay valid JSON whatever the message holds, and form
// bodies are URL-encoded.
func TestWebhookTemplates(t *testing.T) {
	for _, tc := range []struct {
		body, format string
		ok           bool
	}{
		{`{"target":"{{telepon}}","message":"{{pesan}}"}`, "json", true},
		{`{"chat_id":"-1001","text":"{{judul}}\n{{pesan}}"}`, "json", true},
		{`target={{telepon}}&message={{pesan}}`, "form", true},
		{`{"target":"{{nik}}"}`, "json", false},
		{`{"target":{{telepon}}}`, "json", false},
		{`{"message":"{{ pesan }}"`, "json", false},
		{``, "json", false},
	} {
		ws := &surat.WorkflowSettings{WebhookURL: "https://gw.example/send", WebhookBody: tc.body, WebhookFormat: tc.format}
		if err := ws.ValidateWebhook(EscapeWebhook); (err == nil) != tc.ok {
			t.Errorf("template %q: %v, want ok %t", tc.body, err, tc.ok)
		}
	}
	got, err := surat.RenderWebhookBody(`t={{telepon}}&m={{pesan}}`, "form",
		surat.WebhookValues{Phone: "62812", Message: "a b&c"}, EscapeWebhook)
	if err != nil || got != "t=62812&m=a+b%26c" {
		t.Errorf("form body %q, %v", got, err)
	}
	got, err = surat.RenderWebhookBody(`{"m":"{{pesan}}"}`, "json", surat.WebhookValues{Message: "kutip \" dan\nbaris"},
		EscapeWebhook)
	if err != nil || got != `{"m":"kutip \" dan\nbaris"}` {
		t.Errorf("json body %q, %v", got, err)
	}
	_ = fmt.Sprint
}
