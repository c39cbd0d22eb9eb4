package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSeedAndServe runs the tool as scripts/bench-verify.sh does, on a
// small database: every seeded code opens its verification page, the
// copies as well as the letters signed for real, and the bare handler
// answers next to it.
func TestSeedAndServe(t *testing.T) {
	if testing.Short() {
		t.Skip("signs 24 letters; skipped in -short mode")
	}
	dir := t.TempDir()
	db, codesPath := filepath.Join(dir, "bench.db"), filepath.Join(dir, "codes.txt")
	ctx := context.Background()
	var log bytes.Buffer
	if err := run(ctx, []string{"seed", "--db", db, "--n", "80", "--codes", codesPath}, &log); err != nil {
		t.Fatalf("seed: %v\n%s", err, log.String())
	}
	b, err := os.ReadFile(codesPath)
	if err != nil {
		t.Fatal(err)
	}
	codes := strings.Fields(string(b))
	if len(codes) != 80 {
		t.Fatalf("%d codes, want 80", len(codes))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type addrs struct{ app, bare string }
	up := make(chan addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--bare-addr", "127.0.0.1:0",
			"--log", filepath.Join(dir, "access.log")}, io.Discard, func(app, bare string) { up <- addrs{app, bare} })
	}()
	var a addrs
	select {
	case a = <-up:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("http://" + a.bare + "/bare"); code != http.StatusOK || body != "ok" {
		t.Errorf("bare handler: %d %q", code, body)
	}
	// codes[0] was signed for real; codes[24+49] is the first revoked copy.
	for i, want := range map[int]string{0: "ASLI", 30: "ASLI", realLetters + 49: "DICABUT"} {
		if code, body := get("http://" + a.app + "/v/" + codes[i]); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /v/<code %d>: %d, want 200 with %s", i, code, want)
		}
	}
	// Rate limits are off: far more requests than one IP may send pass.
	for range 80 {
		if code, _ := get("http://" + a.app + "/api/v1/verify/" + codes[1]); code != http.StatusOK {
			t.Fatalf("GET /api/v1/verify = %d with rate limits off", code)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if fi, err := os.Stat(filepath.Join(dir, "access.log")); err != nil || fi.Size() == 0 {
		t.Errorf("access log: %v %v", fi, err)
	}
}
