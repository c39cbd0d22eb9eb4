package serverproc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// TestWaitHealthy waits through two 503s for the 200, gives up on a
// server that has exited, and names the limit of one that never answers
// 200.
func TestWaitHealthy(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := WaitHealthy(ctx, srv.Client(), srv.URL+"/healthz", time.Millisecond, 10*time.Second, nil); err != nil ||
		calls.Load() != 3 {
		t.Fatalf("after %d calls: %v", calls.Load(), err)
	}
	exited := make(chan struct{})
	close(exited)
	if err := WaitHealthy(ctx, srv.Client(), srv.URL+"/other", time.Millisecond, 10*time.Second, exited); !errors.Is(err, ErrExited) {
		t.Errorf("a server that exited: %v", err)
	}
	if err := WaitHealthy(ctx, srv.Client(), srv.URL+"/other", time.Millisecond, 20*time.Millisecond, nil); err == nil {
		t.Error("a server that never answers 200 was waited for without an error")
	}
}

// TestMemory reads this process's own memory: a resident set, and a peak
// at least as large.
func TestMemory(t *testing.T) {
	m, err := Memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m["VmRSS"] <= 0 || m["VmHWM"] < m["VmRSS"] {
		t.Errorf("VmRSS %d kB, VmHWM %d kB", m["VmRSS"], m["VmHWM"])
	}
	if _, err := Memory(-1); err == nil {
		t.Error("a process that does not exist has memory")
	}
}
