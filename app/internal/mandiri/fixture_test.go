package mandiri

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// cheapParams keeps PIN hashing fast in tests.
var cheapParams = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// The catalogue and the renderer are immutable; the tests share one of each.
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

// clock is a settable fake clock shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is the service on a fresh database with one village: Budi and
// Siti share a KK, Ani has her own, and the village has an active kepala
// desa.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	st      *store.Store
	iss     *issuance.Service
	svc     *Service
	clock   *clock
	storage string
	v       *surat.Village
	clerk   surat.Actor

	budi, siti, ani *surat.Resident
}

const (
	kkBudi = "3505120101080001"
	kkAni  = "3505120101080099"
)

func newFixture(t testing.TB, b storetest.Backend) *fixture {
	t.Helper()
	ck := &clock{t: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, ctx: context.Background(), clock: ck, storage: t.TempDir()}
	f.st = storetest.Open(t, b, ck.Now)
	cat, r := shared()
	var err error
	if f.iss, err = issuance.New(issuance.Deps{Store: f.st, Catalogue: cat, Renderer: r, StorageDir: t.TempDir(),
		BaseURL: "http://localhost:8080", Now: ck.Now, KDF: cheapParams}); err != nil {
		t.Fatal(err)
	}
	if f.svc, err = New(Deps{Store: f.st, Issuance: f.iss, StorageDir: f.storage, Now: ck.Now, PINParams: cheapParams}); err != nil {
		t.Fatal(err)
	}
	f.v = f.village("3505122001", "Sumberejo", true)
	f.clerk = surat.Actor{Username: "operator", Role: surat.RoleOperator, VillageID: f.v.ID}
	f.budi = f.resident(f.v, "3505121501800001", "Budi Santoso", kkBudi)
	f.siti = f.resident(f.v, "3505124512850002", "Siti Aminah", kkBudi)
	f.ani = f.resident(f.v, "3505124101900003", "Ani Lestari", kkAni)
	return f
}

// village adds a village, with an active kepala desa when withHead.
func (f *fixture) village(code, name string, withHead bool) *surat.Village {
	f.t.Helper()
	v := &surat.Village{Code: code, Name: name, Sebutan: "Desa", Kecamatan: "Sanankulon", Kabupaten: "Blitar",
		SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := f.st.CreateVillage(f.ctx, surat.Actor{Username: "test"}, v); err != nil {
		f.t.Fatalf("create village: %v", err)
	}
	if withHead {
		head := &surat.Official{Name: "Slamet Riyadi", Jabatan: "Kepala Desa", IsHead: true, Active: true}
		if err := f.st.CreateOfficial(f.ctx, surat.Actor{Username: "test"}, v.ID, head); err != nil {
			f.t.Fatalf("create official: %v", err)
		}
	}
	return v
}

// resident adds a living resident to KK noKK of village v.
func (f *fixture) resident(v *surat.Village, nik, name, noKK string) *surat.Resident {
	f.t.Helper()
	r := &surat.Resident{NIK: nik, Name: name, BirthPlace: "Blitar", BirthDate: time.Date(1980, 1, 15, 0, 0, 0, 0, time.UTC),
		Sex: surat.SexMale, Religion: 1, MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1,
		LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: noKK, Address: "Jl. Melati 3", RT: "001", RW: "002", Dusun: "Krajan"}
	if err := f.st.CreateResident(f.ctx, surat.Actor{Username: "test"}, v.ID, r, h); err != nil {
		f.t.Fatalf("create resident: %v", err)
	}
	return r
}

// kill records resident r of village v as dead.
func (f *fixture) kill(v *surat.Village, r *surat.Resident) {
	f.t.Helper()
	got, err := f.st.ResidentByID(f.ctx, v.ID, r.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	got.LifeStatus = surat.LifeDead
	if err := f.st.UpdateResident(f.ctx, surat.Actor{Username: "test"}, v.ID, got, got.Household); err != nil {
		f.t.Fatal(err)
	}
}

// account gives resident r of village v an account with pin and returns
// the login.
func (f *fixture) account(v *surat.Village, r *surat.Resident, pin string) *store.ResidentLogin {
	f.t.Helper()
	hash, err := auth.Hash(pin, cheapParams)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.IssueResidentPIN(f.ctx, f.clerk, v.ID, r.ID, hash); err != nil {
		f.t.Fatalf("issue PIN: %v", err)
	}
	login, err := f.st.ResidentLoginByNIK(f.ctx, v.ID, r.NIK)
	if err != nil {
		f.t.Fatal(err)
	}
	return login
}

// recordVerify wraps the service's PIN check and returns the hashes every
// check since used.
func (f *fixture) recordVerify() func() []string {
	var hashes []string
	real := f.svc.verify
	f.svc.verify = func(pin, hash string) error {
		hashes = append(hashes, hash)
		return real(pin, hash)
	}
	return func() []string {
		h := hashes
		hashes = nil
		return h
	}
}

// domisili is an sk_domisili form about subject.
func domisili(subject int64) surat.RequestForm {
	return surat.RequestForm{Subjects: map[string]surat.RequestSubject{"pemohon": {ResidentID: subject}},
		Fields: map[string]string{"keperluan": "Membuka rekening bank"}}
}

// requests counts the requests resident r made in the fixture's village.
func (f *fixture) requests(r *surat.Resident) int {
	f.t.Helper()
	rs, err := f.st.RequestsOfResident(f.ctx, f.v.ID, r.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(rs)
}

// files lists the files of the attachment store.
func (f *fixture) files() []string {
	f.t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(f.storage, "attachments"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
