package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// childDelay is how long the test's server waits before it listens.
const childDelay = 150 * time.Millisecond

// TestMain runs this test binary as the server TestStartup starts when
// BENCHVERIFY_TEST_SERVER names its address: it waits childDelay, then
// answers /healthz.
func TestMain(m *testing.M) {
	if addr := os.Getenv("BENCHVERIFY_TEST_SERVER"); addr != "" {
		time.Sleep(childDelay)
		http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
			}
		}))
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestStartup measures a server that takes childDelay to listen: the
// figure is at least that, its RSS is read, and a command that exits
// without serving is an error rather than a figure.
func TestStartup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("BENCHVERIFY_TEST_SERVER", addr)
	res, err := startup(context.Background(), addr, 2, 10*time.Millisecond, []string{os.Args[0]})
	if err != nil {
		t.Fatal(err)
	}
	if res.Best < childDelay || res.Best > 10*time.Second {
		t.Errorf("start-up %v of a server that listens after %v", res.Best, childDelay)
	}
	if res.RSSKB <= 0 {
		t.Errorf("RSS %d KiB", res.RSSKB)
	}
	if _, err := startup(context.Background(), addr, 1, 0, []string{"false"}); err == nil ||
		!strings.Contains(err.Error(), "exited before /healthz answered") {
		t.Errorf("a command that exits: %v", err)
	}
}
