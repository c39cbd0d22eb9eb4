// Command loginload is the memory benchmark of issue 12: it starts the real
// server binary in demo mode on a fresh storage folder, sends parallel
// logins (staff API tokens for unknown and known usernames with wrong
// passwords, and resident PIN logins), each from its own client address
// (X-Forwarded-For behind a trusted proxy, like a botnet, so the per-address
// limits do not stop them before the hashing), and reports the server's peak
// resident memory (VmHWM of /proc/PID/status) with the answers it gave:
//
//	go build -o /tmp/suratdesa ./app
//	go run ./app/cmd/loginload --bin /tmp/suratdesa --n 200 --rounds 3
//
// scripts/login-load.sh does both. Linux only (it reads /proc).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/serverproc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loginload:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "", "the suratdesa binary (go build -o FILE ./app)")
	n := flag.Int("n", 200, "parallel logins per round")
	rounds := flag.Int("rounds", 3, "rounds")
	flag.Parse()
	if *bin == "" {
		return errors.New("--bin is required")
	}
	dir, err := os.MkdirTemp("", "loginload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(*bin, "--demo")
	cmd.Env = append(os.Environ(), "APP_ADDR="+addr, "APP_STORAGE="+dir, "APP_LOG_LEVEL=error",
		"APP_BASE_URL=http://"+addr, "APP_TRUSTED_PROXIES=127.0.0.1")
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	if err := serverproc.WaitHealthy(context.Background(), http.DefaultClient, base+"/healthz", 200*time.Millisecond,
		120*time.Second, nil); err != nil {
		return err
	}
	before, _ := serverproc.Memory(cmd.Process.Pid)
	fmt.Printf("server pid %d ready: VmRSS %d kB, VmHWM %d kB\n", cmd.Process.Pid, before["VmRSS"], before["VmHWM"])

	client := &http.Client{Timeout: 120 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *n, MaxConnsPerHost: 0}}
	answers := map[string]int{}
	var mu sync.Mutex
	start := time.Now()
	for r := range *rounds {
		var wg sync.WaitGroup
		for i := range *n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ip := fmt.Sprintf("10.%d.%d.%d", r, i/250, i%250+1)
				var path string
				var body any
				switch i % 4 {
				case 0, 1: // an unknown username: the dummy hash
					path, body = "/api/v1/auth/token", map[string]string{"username": fmt.Sprintf("tidakada%d", i), "password": "tebakan-salah"}
				case 2: // a known one, wrong password
					path, body = "/api/v1/auth/token", map[string]string{"username": "operator", "password": fmt.Sprintf("tebakan-%d", i)}
				default: // a resident PIN for an unknown NIK
					path, body = "/api/v1/mandiri/auth/token", map[string]string{"nik": fmt.Sprintf("35051299%08d", i), "pin": "583920"}
				}
				code := post(client, base+path, ip, body)
				mu.Lock()
				answers[code]++
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	after, err := serverproc.Memory(cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("%d rounds of %d parallel logins in %v\nanswers: %v\n", *rounds, *n, elapsed.Round(time.Millisecond), answers)
	fmt.Printf("server VmRSS %d kB, peak VmHWM %d kB\n", after["VmRSS"], after["VmHWM"])
	return nil
}

// post sends one JSON login from client address ip and returns its answer:
// the status and the error code.
func post(c *http.Client, url, ip string, body any) string {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(context.Background(), "POST", url, bytes.NewReader(b))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := c.Do(req)
	if err != nil {
		return "transport error"
	}
	defer resp.Body.Close()
	var eb struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return fmt.Sprintf("%d %s", resp.StatusCode, eb.Error)
}
