package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", the one under gorm's SQLite dialector

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// Helpers of scripts/bench-verify.sh, the wrk benchmark of /v/<code>. They
// are not tests: both skip unless the script sets their environment, and
// they live here because only package web may import Gin (the bare Gin
// handler the page is compared with) and the benchmark must not add a
// command to the production binary.
//
//	BENCH_VERIFY_SEED=<sqlite file> BENCH_VERIFY_N=100000 BENCH_VERIFY_CODES=<file>
//	    -test.run '^TestBenchVerifySeed$'
//	BENCH_VERIFY_DB=<sqlite file> BENCH_VERIFY_ADDR=127.0.0.1:18080
//	BENCH_VERIFY_BARE_ADDR=127.0.0.1:18081 BENCH_VERIFY_LOG=<file>
//	    -test.run '^TestBenchVerifyServe$'

// benchRealLetters is how many letters the seed really renders and signs;
// the rest are copies of their rows with their own codes and numbers.
const benchRealLetters = 24

// TestBenchVerifySeed fills a new SQLite database with a village, a root
// CA, a signer certificate, benchRealLetters letters issued and signed
// through the issuance service, and then BENCH_VERIFY_N letters in all:
// the others are inserted in one transaction as copies of the real rows
// (same module, form data, signer, certificate, PDF path and SHA-256) with
// a fresh random verification code, number, sequence and subject name,
// and about 2% of them revoked. The verification page reads exactly the
// columns of such a row, so it does the same work for a copy as for a real
// letter. It writes every code, one a line, to BENCH_VERIFY_CODES.
func TestBenchVerifySeed(t *testing.T) {
	path := os.Getenv("BENCH_VERIFY_SEED")
	if path == "" {
		t.Skip("benchmark helper: set BENCH_VERIFY_SEED (see scripts/bench-verify.sh)")
	}
	n, err := strconv.Atoi(os.Getenv("BENCH_VERIFY_N"))
	if err != nil || n < benchRealLetters {
		t.Fatalf("BENCH_VERIFY_N must be a number >= %d", benchRealLetters)
	}
	codesPath := os.Getenv("BENCH_VERIFY_CODES")
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	iss, err := benchIssuance(st, "", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	sys := surat.Actor{Username: "bench"}
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(ctx, sys, v); err != nil {
		t.Fatal(err)
	}
	o := &surat.Official{Name: "Bambang Sutejo", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := st.CreateOfficial(ctx, sys, v.ID, o); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.Hash("bench-password", testParams)
	if err != nil {
		t.Fatal(err)
	}
	op := &surat.User{Username: "operator", PasswordHash: hash, Role: surat.RoleOperator, VillageID: &v.ID}
	kd := &surat.User{Username: "kades", PasswordHash: hash, Role: surat.RoleSigner, VillageID: &v.ID, OfficialID: &o.ID}
	for _, u := range []*surat.User{op, kd} {
		if err := st.CreateUser(ctx, sys, u); err != nil {
			t.Fatal(err)
		}
	}
	clerk := surat.Actor{UserID: op.ID, Username: op.Username, Role: op.Role, VillageID: v.ID}
	signer := surat.Actor{UserID: kd.ID, Username: kd.Username, Role: kd.Role, VillageID: v.ID}
	admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
	if _, err := iss.InitRoot(ctx, admin, "suratdesa Bench Root CA", vfRootPass); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.IssueCertificate(ctx, admin, v.ID, o.ID, vfRootPass, vfSignPass); err != nil {
		t.Fatal(err)
	}

	var realIDs []int64
	for i := range benchRealLetters {
		r := &surat.Resident{NIK: fmt.Sprintf("350512%02d0885%04d", 1+i%28, i+1), Name: benchName(i),
			BirthPlace: "Blitar", BirthDate: time.Date(1985, 8, 1+i%28, 0, 0, 0, 0, time.UTC), Sex: surat.SexMale,
			Religion: 1, MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1, Occupation: 3,
			LifeStatus: surat.LifeAlive}
		h := &surat.Household{NoKK: fmt.Sprintf("35051201010900%02d", i+1), Address: "Jl. Melati " + strconv.Itoa(i+1),
			RT: "001", RW: "002", Dusun: "Krajan"}
		if err := st.CreateResident(ctx, sys, v.ID, r, h); err != nil {
			t.Fatal(err)
		}
		l, err := iss.CreateDraft(ctx, clerk, v.ID, issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: r.ID}},
			Fields:   map[string]string{"keperluan": "Persyaratan pembukaan rekening tabungan", "status_tinggal": "Tetap"}})
		if err != nil {
			t.Fatal(err)
		}
		if l, err = st.Submit(ctx, clerk, v.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		if l, err = st.Approve(ctx, signer, v.ID, l.ID, l.Version); err != nil {
			t.Fatal(err)
		}
		if l, err = iss.Sign(ctx, signer, v.ID, l.ID, vfSignPass); err != nil {
			t.Fatal(err)
		}
		realIDs = append(realIDs, l.ID)
	}

	codes, err := benchCopyLetters(ctx, path, realIDs, n-benchRealLetters)
	if err != nil {
		t.Fatal(err)
	}
	if codesPath != "" {
		if err := os.WriteFile(codesPath, []byte(strings.Join(codes, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded %d letters (%d signed for real) into %s", len(codes), benchRealLetters, path)
}

// benchCopyLetters inserts count copies of the real letters in one
// transaction and returns the codes of all letters.
func benchCopyLetters(ctx context.Context, path string, realIDs []int64, count int) ([]string, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	// The real rows, column by column.
	rows, err := db.QueryContext(ctx, "SELECT * FROM letters WHERE id IN ("+
		strings.TrimSuffix(strings.Repeat("?,", len(realIDs)), ",")+") ORDER BY id", anySlice(realIDs)...)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var templates [][]any
	var codes []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		templates = append(templates, vals)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	col := map[string]int{}
	var insertCols []string
	for i, c := range cols {
		col[c] = i
		if c != "id" {
			insertCols = append(insertCols, c)
		}
	}
	for _, tpl := range templates {
		codes = append(codes, fmt.Sprint(tpl[col["verify_code"]]))
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO letters ("+strings.Join(insertCols, ",")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?,", len(insertCols)), ",")+")")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	for i := range count {
		vals := append([]any(nil), templates[i%len(templates)]...)
		code, err := benchCode()
		if err != nil {
			return nil, err
		}
		seq := 1000 + i
		vals[col["verify_code"]] = code
		vals[col["number"]] = fmt.Sprintf("470/%06d/3505122001/XI/2026", seq)
		vals[col["number_seq"]] = seq
		vals[col["subject_name"]] = benchName(i)
		vals[col["replaces_id"]] = nil
		vals[col["replaced_by_id"]] = nil
		if i%50 == 49 {
			vals[col["status"]] = string(surat.LetterRevoked)
			vals[col["revoked_at"]] = vals[col["signed_at"]]
			vals[col["revoke_reason"]] = "Data pemohon keliru"
		}
		args := make([]any, 0, len(insertCols))
		for j, c := range cols {
			if c != "id" {
				args = append(args, vals[j])
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return nil, fmt.Errorf("insert copy %d: %w", i, err)
		}
		codes = append(codes, code)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	_, err = db.ExecContext(ctx, "ANALYZE")
	return codes, err
}

func anySlice(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// benchCode is a verification code as issuance makes one: 128 random bits
// in unpadded base32.
func benchCode() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

var benchFirst = []string{"Slamet", "Sri", "Dimas", "Ayu", "Fajar", "Rina", "Kartini", "Rudi", "Wulan", "Rizki", "Hendra", "Dewi"}
var benchLast = []string{"Santoso", "Wahyuni", "Prasetyo", "Lestari", "Nugroho", "Yuliani", "Rahayu", "Hartono", "Sari", "Hidayat"}

func benchName(i int) string {
	return benchFirst[i%len(benchFirst)] + " " + benchLast[(i/len(benchFirst))%len(benchLast)]
}

// benchIssuance is the issuance service of the benchmark; signed PDFs go
// under storageDir/letters, next to the database.
func benchIssuance(st *store.Store, baseURL, storageDir string) (*issuance.Service, error) {
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		return nil, err
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		return nil, err
	}
	if baseURL == "" {
		baseURL = "http://127.0.0.1:18080"
	}
	return issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: storageDir, BaseURL: baseURL,
		KDF: testParams})
}

// TestBenchVerifyServe serves the seeded database the way `app serve`
// does (the real web.Server with every middleware, the access log at info
// level to BENCH_VERIFY_LOG, the same http.Server timeouts) but with the
// rate limits off, on BENCH_VERIFY_ADDR; and a bare Gin engine with one
// handler that writes "ok", on BENCH_VERIFY_BARE_ADDR. It runs until
// SIGTERM/SIGINT or BENCH_VERIFY_SECONDS (default 900).
func TestBenchVerifyServe(t *testing.T) {
	path := os.Getenv("BENCH_VERIFY_DB")
	if path == "" {
		t.Skip("benchmark helper: set BENCH_VERIFY_DB (see scripts/bench-verify.sh)")
	}
	addr := envOr("BENCH_VERIFY_ADDR", "127.0.0.1:18080")
	bareAddr := envOr("BENCH_VERIFY_BARE_ADDR", "127.0.0.1:18081")
	secs, _ := strconv.Atoi(envOr("BENCH_VERIFY_SECONDS", "900"))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second)
	defer cancel()

	var logw io.Writer = io.Discard
	if p := os.Getenv("BENCH_VERIFY_LOG"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		bw := bufio.NewWriterSize(f, 64<<10)
		defer bw.Flush()
		logw = &syncBuffered{w: bw}
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", DSN: path, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := "http://" + addr
	iss, err := benchIssuance(st, base, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	ver, err := verify.New(verify.Deps{Store: st, Catalogue: iss.Catalogue(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Log: log, Store: st, Config: config.Config{BaseURL: base, Secret: strings.Repeat("b", 32)},
		Now: time.Now, PasswordParams: auth.DefaultParams, Issuance: iss, Verify: ver, RateLimits: &RateLimits{Disabled: true}}
	d.Mandiri = testMandiri(t, d)
	srv, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	bare := gin.New()
	bare.GET("/bare", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	errc := make(chan error, 2)
	for _, s := range []struct {
		addr string
		h    http.Handler
	}{{addr, srv.Handler()}, {bareAddr, bare}} {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
			WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
		go func() { errc <- hs.Serve(ln) }()
		defer hs.Close()
	}
	fmt.Fprintf(os.Stderr, "bench-verify: app on %s, bare gin on %s\n", addr, bareAddr)
	select {
	case err := <-errc:
		t.Fatal(err)
	case <-ctx.Done():
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// syncBuffered serialises writes to a buffered file, as the server's
// logger writes from many goroutines.
type syncBuffered struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (s *syncBuffered) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
