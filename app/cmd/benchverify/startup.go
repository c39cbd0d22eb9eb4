package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startupResult is what startup measured: the fastest start of the runs
// and the resident memory of the last run's server once idle.
type startupResult struct {
	Best  time.Duration
	RSSKB int64
}

// startup runs the command argv runs times, one after the other, and
// measures each time from just before exec until GET http://addr/healthz
// first answers 200. It polls every millisecond from this process, so the
// figure holds no process start of a probe (curl took 27 ms to start on a
// two-core machine, as long as a third of what it measured). After the
// last run answers, the server idles for idle before its RSS is read.
// Each server is stopped with SIGTERM and waited for.
func startup(ctx context.Context, addr string, runs int, idle time.Duration, argv []string) (startupResult, error) {
	if len(argv) == 0 || runs < 1 {
		return startupResult{}, errors.New("startup: a command and at least one run are required")
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/healthz"
	res := startupResult{Best: -1}
	for i := range runs {
		var output bytes.Buffer
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = &output, &output
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return res, err
		}
		// exited is closed once the command has ended, with waitErr.
		exited := make(chan struct{})
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(exited) }()
		took, err := untilHealthy(ctx, client, url, start, exited)
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w: %v", err, waitErr)
		}
		if err == nil && i == runs-1 {
			time.Sleep(idle)
			res.RSSKB, err = vmRSS(cmd.Process.Pid)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if err != nil {
			return res, fmt.Errorf("startup run %d: %w\n%s", i+1, err, output.Bytes())
		}
		if res.Best < 0 || took < res.Best {
			res.Best = took
		}
	}
	return res, nil
}

// errExited is untilHealthy's error for a server that ended first.
var errExited = errors.New("the server exited before /healthz answered")

// untilHealthy polls url every millisecond until it answers 200 and
// returns the time since start; it gives up when exited is closed (then
// errExited), after 30 seconds or when ctx ends.
func untilHealthy(ctx context.Context, client *http.Client, url string, start time.Time, exited <-chan struct{}) (time.Duration, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-exited:
			return 0, errExited
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, errors.New("/healthz did not answer 200 within 30 s")
		}
	}
}

// vmRSS is the resident set size of process pid, in KiB (Linux).
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
