package verify

import (
	"context"
	"sync"
	"testing"
	"time"

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

// cheapKDF keeps key sealing fast in tests.
var cheapKDF = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// The catalogue and renderer are immutable and safe to share.
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

// clock is the wall clock plus an offset a test can move: the CMS signing
// time of a signature is always the wall clock, so the clock of the store
// and the services must stay near it.
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

// env is the demo village with its root CA and the kepala desa's signer
// certificate, the issuance service that signs letters for real, and the
// verify service under test, all on one store and clock.
type env struct {
	ctx      context.Context
	st       *store.Store
	dsn      string // of st's database, for a second replica
	iss      *issuance.Service
	svc      *Service
	clock    *clock
	village  *surat.Village
	official *surat.Official // the kepala desa, holder of cert
	cert     *surat.SignerCertificate
	operator surat.Actor
	kades    surat.Actor
	admin    surat.Actor
	resident surat.Resident // the subject of every letter
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
	cat, r := shared()
	iss, err := issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: t.TempDir(),
		BaseURL: "https://surat.example.id", Now: clk.Now, KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedPKI(ctx, st, iss, res.Village); err != nil {
		t.Fatal(err)
	}
	svc, err := New(Deps{Store: st, Catalogue: cat, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, st: st, dsn: dsn, iss: iss, svc: svc, clock: clk, village: res.Village}
	e.operator, e.kades, e.admin = e.actor(t, "operator"), e.actor(t, "kades"), e.actor(t, "admin")
	u, err := st.UserByUsername(ctx, "kades")
	if err != nil {
		t.Fatal(err)
	}
	if e.official, err = st.OfficialByID(ctx, e.village.ID, *u.OfficialID); err != nil {
		t.Fatal(err)
	}
	if e.cert, err = st.ActiveCertificateForOfficial(ctx, e.village.ID, e.official.ID); err != nil {
		t.Fatal(err)
	}
	page, err := st.SearchResidents(ctx, e.village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Residents {
		if surat.AgeOn(r.BirthDate, clk.Now()) >= 21 {
			e.resident = r
			break
		}
	}
	if e.resident.ID == 0 {
		t.Fatal("no adult resident in the demo village")
	}
	return e
}

func (e *env) actor(t testing.TB, username string) surat.Actor {
	t.Helper()
	u, err := e.st.UserByUsername(e.ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	a := surat.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if u.VillageID != nil {
		a.VillageID = *u.VillageID
	}
	return a
}

// request is an sk_domisili about the env's resident.
func (e *env) request() issuance.Request {
	return issuance.Request{Module: "sk_domisili",
		Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: e.resident.ID}},
		Fields:   map[string]string{"keperluan": "Persyaratan pendaftaran beasiswa"}}
}

// signed drafts, submits, approves and signs an sk_domisili.
func (e *env) signed(t testing.TB) *surat.Letter {
	t.Helper()
	l, err := e.iss.CreateDraft(e.ctx, e.operator, e.village.ID, e.request())
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	return e.signDraft(t, l)
}

func (e *env) signDraft(t testing.TB, l *surat.Letter) *surat.Letter {
	t.Helper()
	l, err := e.st.Submit(e.ctx, e.operator, e.village.ID, l.ID)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if l, err = e.st.Approve(e.ctx, e.kades, e.village.ID, l.ID, l.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if l, err = e.iss.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
		t.Fatalf("sign: %v", err)
	}
	if l.VerifyCode == nil {
		t.Fatal("signed letter has no verification code")
	}
	return l
}

// pdfOf is the stored signed PDF of l.
func (e *env) pdfOf(t *testing.T, l *surat.Letter) []byte {
	t.Helper()
	_, b, err := e.iss.SignedPDF(e.ctx, e.village.ID, l.ID)
	if err != nil {
		t.Fatalf("signed pdf: %v", err)
	}
	return b
}

// lookup is Lookup that must succeed.
func (e *env) lookup(t *testing.T, code string) *Result {
	t.Helper()
	r, err := e.svc.Lookup(e.ctx, code)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", code, err)
	}
	return r
}
