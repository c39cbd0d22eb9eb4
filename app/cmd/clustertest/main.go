// Command clustertest drives several suratdesa replicas that share one
// database cluster, as scripts/cluster-test.sh starts them: it drafts
// letters, signs them concurrently across the replicas, revokes one and
// times until every replica shows it, and downloads every PDF from every
// replica. A request to a replica that fails (its database node was
// killed) is sent again to the next one, as a load balancer would; a
// letter that turns out signed already counts as signed. It prints one
// line per figure and exits non-zero when a check fails. The numbering is
// checked in SQL by the script.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type letter struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
	Number  string `json:"number"`
	SHA256  string `json:"sha256"`
	Verify  string `json:"verify_url"`
}

type client struct {
	replicas []string
	http     *http.Client
	next     atomic.Int64
	failover atomic.Int64
}

// call sends one JSON request to a replica chosen round robin, moving on
// to the next replica when one does not answer or answers 5xx. It returns
// the status and body of the first replica that answered below 500.
func (c *client) call(method, path, token string, body any) (int, []byte, error) {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	start := int(c.next.Add(1))
	var last error
	for i := range len(c.replicas) * 3 {
		base := c.replicas[(start+i)%len(c.replicas)]
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			last = err
			c.failover.Add(1)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			last = fmt.Errorf("%s %s%s: %d %s", method, base, path, resp.StatusCode, b)
			c.failover.Add(1)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		return resp.StatusCode, b, nil
	}
	return 0, nil, last
}

func (c *client) json(method, path, token string, body any, want int, out any) error {
	code, b, err := c.call(method, path, token, body)
	if err != nil {
		return err
	}
	if code != want {
		return fmt.Errorf("%s %s: %d %s", method, path, code, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func main() {
	replicas := flag.String("replicas", "", "comma-separated base URLs of the replicas")
	n := flag.Int("letters", 300, "letters to sign")
	workers := flag.Int("workers", 6, "concurrent signers")
	killAt := flag.Int("kill-at", 100, "run -kill after this many letters are signed (0: never)")
	kill := flag.String("kill", "", "shell command that kills a database node mid-run")
	pass := flag.String("password", "demo12345", "password of the demo logins")
	signPass := flag.String("passphrase", "", "signing passphrase of kades")
	pdfDir := flag.String("pdf-dir", "", "where to save one copy of each PDF (for pdfsig)")
	flag.Parse()
	c := &client{replicas: strings.Split(*replicas, ","), http: &http.Client{Timeout: 60 * time.Second}}
	if err := runAll(c, *n, *workers, *killAt, *kill, *pass, *signPass, *pdfDir); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func token(c *client, user, pass string) (string, error) {
	var t struct {
		Token string `json:"token"`
	}
	err := c.json("POST", "/api/v1/auth/token", "", map[string]string{"username": user, "password": pass}, 200, &t)
	return t.Token, err
}

func runAll(c *client, n, workers, killAt int, kill, pass, signPass, pdfDir string) error {
	op, err := token(c, "operator", pass)
	if err != nil {
		return err
	}
	kades, err := token(c, "kades", pass)
	if err != nil {
		return err
	}
	var res struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := c.json("GET", "/api/v1/residents?per_page=50", op, nil, 200, &res); err != nil {
		return err
	}
	if len(res.Items) == 0 {
		return errors.New("no residents")
	}

	// Drafts, submitted, spread over the replicas.
	t0 := time.Now()
	letters := make([]letter, n)
	if err := parallel(n, workers, func(i int) error {
		var l letter
		// Residents who moved away or died are refused (422); take the
		// next one.
		for k := range len(res.Items) {
			body := map[string]any{"module": "sk_domisili",
				"subjects": map[string]any{"pemohon": map[string]any{"resident_id": res.Items[(i+k)%len(res.Items)].ID}},
				"fields":   map[string]any{"keperluan": fmt.Sprintf("Uji klaster %d", i), "status_tinggal": "Tetap"}}
			code, b, err := c.call("POST", "/api/v1/letters", op, body)
			if err != nil {
				return err
			}
			if code == 422 {
				continue
			}
			if code != 201 {
				return fmt.Errorf("POST /api/v1/letters: %d %s", code, b)
			}
			if err := json.Unmarshal(b, &l); err != nil {
				return err
			}
			break
		}
		if l.ID == 0 {
			return errors.New("no resident can have a letter")
		}
		if err := c.json("POST", fmt.Sprintf("/api/v1/letters/%d/submit", l.ID), op, nil, 200, &l); err != nil {
			return err
		}
		letters[i] = l
		return nil
	}); err != nil {
		return err
	}
	fmt.Printf("drafted+submitted\t%d letters\t%.1fs\n", n, time.Since(t0).Seconds())

	// Signed concurrently across replicas; a database node is killed
	// after killAt letters.
	var signed atomic.Int64
	var killOnce sync.Once
	var conflicts atomic.Int64
	t0 = time.Now()
	err = parallel(n, workers, func(i int) error {
		l := &letters[i]
		path := fmt.Sprintf("/api/v1/letters/%d/approve-sign", l.ID)
		code, b, err := c.call("POST", path, kades, map[string]any{"passphrase": signPass, "version": l.Version})
		if err != nil {
			return err
		}
		switch code {
		case 200:
			if err := json.Unmarshal(b, l); err != nil {
				return err
			}
		case 409:
			// A replica that lost its node may have committed before
			// the answer was lost: the letter must be signed now.
			conflicts.Add(1)
			if err := c.json("GET", fmt.Sprintf("/api/v1/letters/%d", l.ID), kades, nil, 200, l); err != nil {
				return err
			}
			if l.Status != "ditandatangani" {
				return fmt.Errorf("letter %d: 409 %s and status %s", l.ID, b, l.Status)
			}
		default:
			return fmt.Errorf("sign letter %d: %d %s", l.ID, code, b)
		}
		if s := signed.Add(1); killAt > 0 && int(s) == killAt && kill != "" {
			killOnce.Do(func() {
				out, err := exec.Command("sh", "-c", kill).CombinedOutput()
				fmt.Printf("killed a node after %d letters\t%s%v\n", s, strings.TrimSpace(string(out)), errOrEmpty(err))
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	el := time.Since(t0).Seconds()
	fmt.Printf("signed\t%d letters\t%.1fs\t%.1f letters/s\tfailovers %d\talready-signed answers %d\n",
		signed.Load(), el, float64(signed.Load())/el, c.failover.Load(), conflicts.Load())

	// Numbers unique (the script checks consecutive in SQL).
	seen := map[string]bool{}
	for _, l := range letters {
		if l.Number == "" || seen[l.Number] {
			return fmt.Errorf("letter %d: number %q empty or repeated", l.ID, l.Number)
		}
		seen[l.Number] = true
	}

	// Every PDF from every live replica, the same bytes as signed.
	t0 = time.Now()
	var downloads atomic.Int64
	live := liveReplicas(c)
	err = parallel(n, workers, func(i int) error {
		l := letters[i]
		for _, base := range live {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/letters/%d/pdf", base, l.ID), nil)
			req.Header.Set("Authorization", "Bearer "+kades)
			resp, err := c.http.Do(req)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			sum := sha256.Sum256(b)
			if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != l.SHA256 {
				return fmt.Errorf("PDF of letter %d from %s: %d, sha256 %x want %s", l.ID, base, resp.StatusCode, sum, l.SHA256)
			}
			downloads.Add(1)
			if pdfDir != "" && base == live[0] {
				if err := os.WriteFile(fmt.Sprintf("%s/%d.pdf", pdfDir, l.ID), b, 0o644); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("pdf downloads\t%d (%d letters x %d live replicas)\t%.1fs\n", downloads.Load(), n, len(live), time.Since(t0).Seconds())

	// Revocation on one replica, seen on all.
	target := letters[0]
	code := target.Verify[strings.LastIndex(target.Verify, "/")+1:]
	st, b, err := c.call("POST", fmt.Sprintf("/api/v1/letters/%d/revoke", target.ID), kades,
		map[string]string{"reason_code": "data_error", "note": "Uji klaster"})
	if err != nil {
		return err
	}
	if st == 202 { // a request; the kepala desa confirms it
		st, b, err = c.call("POST", fmt.Sprintf("/api/v1/letters/%d/revoke/confirm", target.ID), kades, nil)
		if err != nil {
			return err
		}
	}
	if st != 200 {
		return fmt.Errorf("revoke letter %d: %d %s", target.ID, st, b)
	}
	revokedAt := time.Now()
	var worst time.Duration
	for _, base := range live {
		for {
			resp, err := c.http.Get(base + "/api/v1/verify/" + code)
			if err != nil {
				return err
			}
			var v struct {
				Status string `json:"status"`
			}
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if v.Status == "DICABUT" {
				worst = max(worst, time.Since(revokedAt))
				break
			}
			if time.Since(revokedAt) > 10*time.Second {
				return fmt.Errorf("revocation of letter %d not visible on %s after 10 s (status %s)", target.ID, base, v.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	fmt.Printf("revocation visible on %d replicas after\t%d ms\n", len(live), worst.Milliseconds())
	if worst > time.Second {
		return fmt.Errorf("revocation took %v to reach every replica, want at most 1 s", worst)
	}
	return nil
}

// liveReplicas are the replicas whose /readyz answers 200.
func liveReplicas(c *client) []string {
	var live []string
	for _, base := range c.replicas {
		if resp, err := c.http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				live = append(live, base)
			}
		}
	}
	return live
}

func parallel(n, workers int, fn func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}
