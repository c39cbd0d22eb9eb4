package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// envFor returns a getenv that sees only vars, so tests never read the
// developer's environment.
func envFor(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
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

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeDemoAndShutdown(t *testing.T) {
	storage := t.TempDir()
	addr := freeAddr(t)
	env := envFor(map[string]string{"APP_STORAGE": storage, "APP_ADDR": addr, "APP_LOG_LEVEL": "warn"})
	var first string
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"--demo"}, env, nil, out) }()
		waitHealthy(t, "http://"+addr, done)
		text := out.String()
		for _, want := range []string{"MODE DEMO", "admin", "operator", "kades", "demo12345"} {
			if !strings.Contains(text, want) {
				t.Errorf("round %d: start output lacks %q:\n%s", round, want, text)
			}
		}
		line := demoLine(text)
		if round == 1 {
			first = line
		} else if line != first || line == "" {
			t.Errorf("second --demo start reports %q, first %q: data duplicated?", line, first)
		}
		resp, err := http.Get("http://" + addr + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Masuk") {
			t.Errorf("GET /login: %d %.200s", resp.StatusCode, body)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: run returned %v after shutdown", round, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("server did not shut down")
		}
	}
	if _, err := os.Stat(filepath.Join(storage, "suratdesa.db")); err != nil {
		t.Errorf("database not under storage: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(storage, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("generated secret: %v %v", fi, err)
	}
}

// demoLine is the "Desa Sumberejo (kode ...): N penduduk" line of the banner.
func demoLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "penduduk") && strings.Contains(l, "Desa") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func waitHealthy(t *testing.T, base string, done chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server stopped early: %v", err)
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func writeCSV(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "penduduk.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFirstRunPrintsSetupCode(t *testing.T) {
	addr := freeAddr(t)
	storage := filepath.Join(t.TempDir(), "storage")
	// An existing world-readable storage folder is narrowed too.
	if err := os.Mkdir(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	env := envFor(map[string]string{"APP_STORAGE": storage, "APP_ADDR": addr, "APP_LOG_LEVEL": "warn"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	// A schema that is behind stops a plain start, naming the command.
	err := run(ctx, nil, env, nil, out)
	if err == nil || !strings.Contains(err.Error(), "app migrate up") || !strings.Contains(err.Error(), "migrations pending") {
		t.Fatalf("serve on an empty database: %v, want a refusal naming \"app migrate up\"", err)
	}
	if err := run(ctx, []string{"migrate", "up"}, env, nil, out); err != nil {
		t.Fatal(err)
	}
	go func() { done <- run(ctx, nil, env, nil, out) }()
	waitHealthy(t, "http://"+addr, done)
	if !strings.Contains(out.String(), "PERINGATAN: APP_BASE_URL=http://localhost:8080") {
		t.Errorf("no warning for a localhost APP_BASE_URL outside --demo:\n%s", out.String())
	}
	// 128 bits: 26 base32 characters.
	codeRE := regexp.MustCompile(`Kode pengaturan \(sekali pakai\): ([A-Z2-7]+)\n`)
	m := codeRE.FindStringSubmatch(out.String())
	if m == nil || len(m[1]) != 26 || !strings.Contains(out.String(), "/setup") {
		t.Fatalf("first run output: %s", out.String())
	}
	// A second replica on the same database and secret prints the same
	// code, so the setup form works on whichever replica it reaches.
	addr2 := freeAddr(t)
	out2 := &syncBuffer{}
	done2 := make(chan error, 1)
	env2 := envFor(map[string]string{"APP_STORAGE": storage, "APP_ADDR": addr2, "APP_LOG_LEVEL": "warn"})
	go func() { done2 <- run(ctx, nil, env2, nil, out2) }()
	waitHealthy(t, "http://"+addr2, done2)
	if m2 := codeRE.FindStringSubmatch(out2.String()); m2 == nil || m2[1] != m[1] {
		t.Errorf("second replica's setup code: %q, want the first's %q", m2, m[1])
	}
	if other := setupCodeFor(strings.Repeat("x", 32), "http://localhost:8080"); other == m[1] || len(other) != 26 {
		t.Errorf("another secret's setup code: %q", other)
	}
	cancel()
	<-done
	<-done2
	for p, want := range map[string]os.FileMode{storage: 0o700, filepath.Join(storage, "suratdesa.db"): 0o600} {
		if fi, err := os.Stat(p); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

func TestCommands(t *testing.T) {
	storage := t.TempDir()
	env := envFor(map[string]string{"APP_STORAGE": storage, "APP_LOG_LEVEL": "warn"})
	ctx := context.Background()
	var out bytes.Buffer

	// status only reads: on a new database everything is pending, and
	// stays so.
	for range 2 {
		out.Reset()
		if err := run(ctx, []string{"migrate", "status"}, env, nil, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "00001_foundation.sql") || !strings.Contains(out.String(), "pending") ||
			strings.Contains(out.String(), "applied") {
			t.Errorf("migrate status on a new database: %s", out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "up"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "migrations applied") {
		t.Errorf("migrate up: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "status"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	// A migration's state is the third column ("00060_blob_pending.sql"
	// is a name, not a state).
	if !strings.Contains(out.String(), "00001_foundation.sql") || !strings.Contains(out.String(), "applied") ||
		regexp.MustCompile(`(?m)^\S+\s+\S+\s+pending`).MatchString(out.String()) {
		t.Errorf("migrate status after up: %s", out.String())
	}

	// Import into a village that does not exist: a clear error.
	good := writeCSV(t, "nik,nama,no_kk,jenis kelamin,tempat lahir,tanggal lahir,agama,status perkawinan,shdk\n"+
		"3505121501800001,Budi Santoso,3505120101080001,LAKI-LAKI,Blitar,1980-01-15,ISLAM,KAWIN,KEPALA KELUARGA\n")
	err := run(ctx, []string{"import", "residents", good, "--village", "9999999999"}, env, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "tidak ditemukan") {
		t.Errorf("unknown village: %v", err)
	}

	// Create a village through the demo seed, then import.
	if err := seedOnly(ctx, env); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"import", "residents", good, "--village", "3505122001", "--dry-run"}, env, nil, &out); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Uji coba") || !strings.Contains(out.String(), "1 penduduk baru") {
		t.Errorf("dry run output: %s", out.String())
	}
	bad := writeCSV(t, "nik,nama,no_kk,jenis kelamin,tempat lahir,tanggal lahir,agama,status perkawinan,shdk\n"+
		"35051215018,Salah NIK,3505120101080001,LAKI-LAKI,Blitar,1980-01-15,ISLAM,KAWIN,KEPALA KELUARGA\n")
	out.Reset()
	err = run(ctx, []string{"import", "residents", bad, "--village", "3505122001"}, env, nil, &out)
	if err == nil || !strings.Contains(out.String(), "baris 2") {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"import", "residents", good, "--village", "3505122001"}, env, nil, &out); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Diimpor") {
		t.Errorf("import output: %s", out.String())
	}

	out.Reset()
	err = run(ctx, []string{"user", "add", "--username", "sekdes", "--role", "operator", "--village", "3505122001"},
		env, strings.NewReader("rahasia-sekali\n"), &out)
	if err != nil || !strings.Contains(out.String(), "sekdes") || strings.Contains(out.String(), "rahasia") {
		t.Errorf("user add: %v %s", err, out.String())
	}
	err = run(ctx, []string{"user", "add", "--username", "sekdes", "--role", "operator", "--village", "3505122001"},
		env, strings.NewReader("rahasia-sekali\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "sudah dipakai") {
		t.Errorf("duplicate user: %v", err)
	}
	out.Reset()
	err = run(ctx, []string{"user", "add", "--username", "bupati", "--role", "admin_kabupaten"}, env, nil, &out)
	if err != nil || !strings.Contains(out.String(), "kata sandi (tampil sekali)") {
		t.Errorf("generated password: %v %s", err, out.String())
	}
}

// seedOnly runs the demo seed through "migrate" plus a short serve.
func seedOnly(ctx context.Context, env func(string) string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	addr := ""
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr = ln.Addr().String()
	ln.Close()
	wrapped := func(k string) string {
		if k == "APP_ADDR" {
			return addr
		}
		return env(k)
	}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--demo"}, wrapped, nil, io.Discard) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			cancel()
			return <-done
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("demo server did not start")
}

func TestBadConfigAndDatabaseDown(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate"}, envFor(map[string]string{"APP_DB": "oracle"}), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "APP_DB") {
		t.Errorf("bad APP_DB: %v", err)
	}
	err = run(context.Background(), []string{"migrate"}, envFor(map[string]string{
		"APP_DB": "mysql", "APP_DSN": "suratdesa:secretpw@tcp(127.0.0.1:1)/suratdesa?timeout=2s",
		"APP_STORAGE": t.TempDir(), "APP_SECRET": testSecret}), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("database down: %v", err)
	}
	if strings.Contains(fmt.Sprint(err)+out.String(), "secretpw") {
		t.Error("password leaked in error or log")
	}
}
