package issuance_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// cheapKDF keeps key sealing fast in tests; production uses auth.DefaultParams.
var cheapKDF = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

const baseURL = "https://surat.example.id"

// The catalogue and renderer are immutable and safe to share; preparing them
// once keeps the tests short.
var shared = sync.OnceValues(func() (*letters.Catalogue, *pdf.Renderer) {
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		panic(err)
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		panic(err)
	}
	return cat, r
})

// clock is the injected clock: the wall clock plus an offset a test can
// move forward (the CMS signing time is always the wall clock, so the test
// clock must stay close to it).
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// signFailures is the number of signing attempts with certificate certID
// counted in the current window (wrong passphrases since the last right
// one).
func (e *env) signFailures(t testing.TB, certID int64) int {
	t.Helper()
	n, err := e.attempts.Hits(e.ctx, attempt.Rule{Bucket: e.attempts.Bucket("sign-cert", strconv.FormatInt(certID, 10)),
		Max: surat.MaxSignFailures, Window: surat.SignLockDuration})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testMatchKey is the match key of the test services.
var testMatchKey = surat.NewMatchKey("issuance-test-secret-0123456789abcdef")

// env is the demo village with its root CA and the kepala desa's
// certificate (passphrase demo.SigningPassphrase), and the service.
type env struct {
	ctx      context.Context
	st       *store.Store
	dsn      string
	svc      *issuance.Service
	attempts *attempt.Counter
	clock    *clock
	storage  string
	log      *syncBuffer
	village  *surat.Village
	kades    surat.Actor // linked to the kepala desa, who holds the certificate
	operator surat.Actor
	admin    surat.Actor
	cert     *surat.SignerCertificate
}

func newEnv(t testing.TB, b storetest.Backend) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{}
	st, dsn := storetest.OpenDSN(t, b, clk.Now)
	res, err := demo.Seed(ctx, st, cheapKDF, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, st: st, dsn: dsn, clock: clk, storage: t.TempDir(), log: &syncBuffer{}, village: res.Village}
	cat, r := shared()
	if e.attempts, err = attempt.New(st, "test-secret"); err != nil {
		t.Fatal(err)
	}
	e.svc, err = issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: e.storage,
		BaseURL: baseURL, Now: clk.Now, KDF: cheapKDF, MatchKey: testMatchKey, Attempts: e.attempts,
		Log: slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	pk, err := demo.SeedPKI(ctx, st, e.svc, res.Village)
	if err != nil {
		t.Fatal(err)
	}
	if !pk.RootCreated || !pk.CertificateCreated {
		t.Fatalf("demo PKI: %+v", pk)
	}
	e.kades, e.operator, e.admin = e.actor(t, "kades"), e.actor(t, "operator"), e.actor(t, "admin")
	u, _ := st.UserByUsername(ctx, "kades")
	if e.cert, err = st.ActiveCertificateForOfficial(ctx, e.village.ID, *u.OfficialID); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) actor(t testing.TB, username string) surat.Actor {
	t.Helper()
	u, err := e.st.UserByUsername(e.ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	return surat.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, VillageID: *u.VillageID}
}

// residents returns n living adult residents of the village, in name order.
func (e *env) residents(t testing.TB, n int) []surat.Resident {
	t.Helper()
	page, err := e.st.SearchResidents(e.ctx, e.village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []surat.Resident
	for _, r := range page.Residents {
		if surat.AgeOn(r.BirthDate, e.clock.Now()) >= 21 {
			out = append(out, r)
		}
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("only %d living adults", len(out))
	return nil
}

// domisili is a valid sk_domisili request for resident r.
func domisili(r surat.Resident) issuance.Request {
	return issuance.Request{Module: "sk_domisili",
		Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: r.ID}},
		Fields:   map[string]string{"keperluan": "Persyaratan melamar pekerjaan"}}
}

// approvedDomisili approves a domisili letter for each of the first n
// residents of the register and returns their ids.
func (e *env) approvedDomisili(t testing.TB, n int) []int64 {
	t.Helper()
	var ids []int64
	for _, r := range e.residents(t, n) {
		ids = append(ids, e.approved(t, domisili(r)).ID)
	}
	return ids
}

// approved creates, submits and approves a letter of req and returns it.
func (e *env) approved(t testing.TB, req issuance.Request) *surat.Letter {
	t.Helper()
	l, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, req)
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	if l, err = e.svc.Submit(e.ctx, e.operator, e.village.ID, l.ID); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if l, err = e.svc.Approve(e.ctx, e.kades, e.village.ID, l.ID, l.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return l
}

func (e *env) letter(t testing.TB, id int64) *surat.Letter {
	t.Helper()
	l, err := e.st.LetterByID(e.ctx, e.village.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
