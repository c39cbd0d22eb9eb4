package logbuf

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is the process's stdout: what the Writer has written out.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestInfoWaitsWarnGoesAtOnce(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, time.Hour)
	log := slog.New(w.Handler(slog.NewTextHandler(w, nil))).With("app", "suratdesa")
	log.Info("http request", "path", "/v/CODE")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written before the interval: %q", got)
	}
	log.Warn("disk almost full")
	got := out.String()
	if !strings.Contains(got, "http request") || !strings.Contains(got, "disk almost full") ||
		strings.Index(got, "http request") > strings.Index(got, "disk almost full") {
		t.Fatalf("after a warning: %q, want both lines in order", got)
	}
	log.WithGroup("g").Error("broken", "k", 1)
	if !strings.Contains(out.String(), "g.k=1") {
		t.Fatalf("an error in a group was held back: %q", out.String())
	}
	log.Info("last")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "last") {
		t.Fatalf("Close did not write out: %q", out.String())
	}
}

func TestIntervalWritesOut(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 20*time.Millisecond)
	defer w.Close()
	fmt.Fprintln(w, "line")
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not written out after the interval: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Many goroutines logging at once: every line arrives whole, and far fewer
// writes reach the output than lines.
func TestConcurrentLinesStayWhole(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, time.Hour)
	log := slog.New(w.Handler(slog.NewTextHandler(w, nil)))
	const goroutines, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range lines {
				log.Info("http request", "g", g, "i", i, "pad", strings.Repeat("x", 100))
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != goroutines*lines {
		t.Fatalf("%d lines, want %d", len(got), goroutines*lines)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "time=") || !strings.HasSuffix(l, strings.Repeat("x", 100)) {
			t.Fatalf("a broken line: %q", l)
		}
	}
	if out.writes*50 > len(got) {
		t.Errorf("%d writes for %d lines", out.writes, len(got))
	}
}

// failing is an output that refuses writes while broken is set.
type failing struct {
	lockedBuffer
	broken bool
}

func (f *failing) Write(p []byte) (int, error) {
	if f.broken {
		return 0, errors.New("pipe closed")
	}
	return f.lockedBuffer.Write(p)
}

// A failed write loses what was buffered, not every later line; after
// Close a line goes out at once.
func TestAfterAFailureAndAfterClose(t *testing.T) {
	out := &failing{broken: true}
	w := New(out, time.Hour)
	fmt.Fprintln(w, "lost")
	if err := w.Flush(); err == nil {
		t.Fatal("a failed flush reported no error")
	}
	out.broken = false
	fmt.Fprintln(w, "kept")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "kept\n" {
		t.Fatalf("after a failure: %q, want only the later line", got)
	}
	fmt.Fprintln(w, "late")
	if got := out.String(); got != "kept\nlate\n" {
		t.Fatalf("a line after Close: %q", got)
	}
}
