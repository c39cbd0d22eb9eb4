// Package serverproc serves the development tools that start the
// application as a process of its own (app/cmd/benchverify startup,
// app/cmd/loginload): waiting for its /healthz and reading its memory
// from /proc. It is not part of the application binary.
package serverproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrExited is WaitHealthy's error for a server that ended first.
var ErrExited = errors.New("the server exited before /healthz answered")

// WaitHealthy polls url with client every poll until it answers 200. It
// gives up when exited is closed (ErrExited; nil: never), after limit or
// when ctx ends.
func WaitHealthy(ctx context.Context, client *http.Client, url string, poll, limit time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return ErrExited
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s", url, limit)
		}
	}
}

// Memory reads the Vm* lines of /proc/PID/status (Linux), in KiB by
// name: VmRSS, VmHWM and the others.
func Memory(pid int) (map[string]int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(k, "Vm") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/status %s: %w", pid, k, err)
		}
		out[k] = kb
	}
	if _, ok := out["VmRSS"]; !ok {
		return nil, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return out, nil
}
