package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// buildApp builds the real binary into a temporary folder.
func buildApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "app")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// signingFixture is a demo village with a root CA, the kepala desa's
// certificate (cheap key costs) and approved letters.
type signingFixture struct {
	iss     *issuance.Service
	kades   surat.Actor
	village int64
	ids     []int64
}

// approvedLetters seeds the demo village into st with n approved letters
// waiting for the kepala desa's signature; PDFs go to a folder blob store
// at storage.
func approvedLetters(t *testing.T, st *store.Store, storage string, n int) *signingFixture {
	t.Helper()
	ctx := context.Background()
	res, err := demo.Seed(ctx, st, cheapParams, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := loadCatalogue(lettertpl.FS, "templates/letters")
	if err != nil {
		t.Fatal(err)
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	iss, err := issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: storage, KDF: cheapParams,
		BaseURL: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedPKI(ctx, st, iss, res.Village); err != nil {
		t.Fatal(err)
	}
	actor := func(name string) surat.Actor {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return surat.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, VillageID: *u.VillageID}
	}
	op, kades := actor("operator"), actor("kades")
	page, err := st.SearchResidents(ctx, res.Village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	var adults []surat.Resident
	for _, r := range page.Residents {
		if surat.AgeOn(r.BirthDate, time.Now()) >= 21 {
			adults = append(adults, r)
		}
	}
	fx := &signingFixture{iss: iss, kades: kades, village: res.Village.ID}
	for i := range n {
		req := issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: adults[i%len(adults)].ID}},
			Fields:   map[string]string{"keperluan": "Persyaratan melamar pekerjaan"}}
		l, err := iss.CreateDraft(ctx, op, res.Village.ID, req)
		if err == nil {
			l, err = iss.Submit(ctx, op, res.Village.ID, l.ID)
		}
		if err == nil {
			_, err = iss.Approve(ctx, kades, res.Village.ID, l.ID, l.Version)
		}
		if err != nil {
			t.Fatalf("letter %d: %v", i, err)
		}
		fx.ids = append(fx.ids, l.ID)
	}
	return fx
}

// server is the binary serving one deployment.
type server struct {
	cmd  *exec.Cmd
	base string
	out  *syncBuffer
}

func startServer(t *testing.T, bin string, env map[string]string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "APP_ADDR=" + addr,
		"APP_LOG_LEVEL=warn", "APP_SECRET=" + strings.Repeat("s", 32)}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &server{cmd: cmd, base: "http://" + addr, out: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill SIGKILLs the server and waits for it to be gone.
func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// apiToken logs in as username through the API.
func (s *server) apiToken(t *testing.T, username, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := http.Post(s.base+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	return tok.Token
}

// TestCrashDuringBatchSigning builds the real binary, starts it on a
// SQLite database with approved letters and a folder blob store, starts a
// batch signature and SIGKILLs the process in the middle, several times.
// After a last start (whose sweep deletes the files of transactions that
// never committed) every stored PDF belongs to a signed letter, every
// signed letter has its PDF (matching SHA-256, valid for pdfsig), and the
// numbers have no gap and no duplicate.
func TestCrashDuringBatchSigning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed (Debian package poppler-utils); CI installs it")
	}
	const letters, cycles = 60, 6
	bin := buildApp(t)
	storage := t.TempDir()
	dsn := filepath.Join(storage, "suratdesa.db")
	func() {
		st, err := store.Open(context.Background(), store.Options{Driver: "sqlite", DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		approvedLetters(t, st, storage, letters)
	}()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	approved := func() []int64 {
		rows, err := db.Query("SELECT id FROM letters WHERE status = ? ORDER BY id", surat.LetterApproved)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	env := map[string]string{"APP_STORAGE": storage, "APP_DSN": dsn}
	interrupted := 0
	for c := range cycles {
		ids := approved()
		if len(ids) == 0 {
			break
		}
		s := startServer(t, bin, env)
		token := s.apiToken(t, "kades", demo.Password)
		body, _ := json.Marshal(map[string]any{"passphrase": demo.SigningPassphrase, "ids": ids})
		done := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/letters/sign-batch", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		// Kill while PDFs of an uncommitted chunk are being written, or
		// just after a chunk committed, alternately.
		signedBefore := countSigned(t, db)
		target := 1 + rand.IntN(20)
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if c%2 == 0 && countFiles(storage)-signedBefore >= target {
				break
			}
			if c%2 == 1 && countSigned(t, db) > signedBefore {
				time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		s.kill()
		if code := <-done; code == 0 {
			interrupted++
		} else {
			t.Logf("cycle %d: the batch of %d finished (%d) before the kill", c, len(ids), code)
		}
	}
	if interrupted == 0 {
		t.Fatal("no kill landed in the middle of a batch; the test proved nothing")
	}
	var pending int
	db.QueryRow("SELECT COUNT(*) FROM blob_pending").Scan(&pending)

	// The last start sweeps what the killed transactions left.
	env["APP_BLOB_SWEEP_AGE"] = "1ms"
	s := startServer(t, bin, env)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		db.QueryRow("SELECT COUNT(*) FROM blob_pending").Scan(&n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pending files left after the sweep:\n%s", n, s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()

	type row struct {
		path, sum, number string
		seq               int
	}
	rows, err := db.Query("SELECT pdf_path, pdf_sha256, number, number_seq FROM letters WHERE status = ?", surat.LetterSigned)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]row{}
	var seqs []int
	numbers := map[string]bool{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.path, &r.sum, &r.number, &r.seq); err != nil {
			t.Fatal(err)
		}
		if r.path == "" {
			t.Errorf("signed letter %s has no PDF", r.number)
		}
		if numbers[r.number] {
			t.Errorf("number %s given twice", r.number)
		}
		numbers[r.number] = true
		byPath[r.path] = r
		seqs = append(seqs, r.seq)
	}
	rows.Close()
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("numbering has a gap or a duplicate: sequence %v", seqs)
		}
	}
	stored := map[string]bool{}
	filepath.WalkDir(filepath.Join(storage, "letters"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(storage, p)
		stored[filepath.ToSlash(rel)] = true
		return nil
	})
	for p := range stored {
		if _, ok := byPath[p]; !ok {
			t.Errorf("stored file %s belongs to no signed letter", p)
		}
	}
	for p, r := range byPath {
		b, err := os.ReadFile(filepath.Join(storage, filepath.FromSlash(p)))
		if err != nil {
			t.Errorf("letter %s: %v", r.number, err)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != r.sum {
			t.Errorf("letter %s: PDF does not match its SHA-256", r.number)
		}
		out, _ := exec.Command("pdfsig", filepath.Join(storage, filepath.FromSlash(p))).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") || !strings.Contains(string(out), "Total document signed") {
			t.Errorf("letter %s: pdfsig:\n%s", r.number, out)
		}
	}
	t.Logf("%d cycles, %d batches killed mid-way, %d of %d letters signed, %d uncommitted files swept",
		cycles, interrupted, len(byPath), letters, pending)
	if len(byPath) == 0 {
		t.Fatal("no letter was signed")
	}
}

func countSigned(t *testing.T, db *sql.DB) int {
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM letters WHERE status = ?", surat.LetterSigned).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// countFiles counts the stored PDFs, complete or not.
func countFiles(storage string) int {
	n := 0
	filepath.WalkDir(filepath.Join(storage, "letters"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
