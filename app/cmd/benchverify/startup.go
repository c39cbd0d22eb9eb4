package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"syscall"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/serverproc"
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
// two-core machine, and a figure measured with it held up to two). After the
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
		err := serverproc.WaitHealthy(ctx, client, url, time.Millisecond, 30*time.Second, exited)
		took := time.Since(start)
		if errors.Is(err, serverproc.ErrExited) {
			err = fmt.Errorf("%w: %v", err, waitErr)
		}
		if err == nil && i == runs-1 {
			time.Sleep(idle)
			var mem map[string]int64
			if mem, err = serverproc.Memory(cmd.Process.Pid); err == nil {
				res.RSSKB = mem["VmRSS"]
			}
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
