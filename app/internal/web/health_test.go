package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

func readyOf(t *testing.T, e *env) (int, readyStatus) {
	t.Helper()
	rec := e.do("GET", "/readyz", nil, nil)
	var st readyStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("GET /readyz: %d %s: %v", rec.Code, rec.Body, err)
	}
	return rec.Code, st
}

// TestReadyz: 200 with every check ok; 503 naming the check when the
// schema is behind, the storage is not writable or the database is gone.
func TestReadyz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		storage := t.TempDir()
		e := newEnv(t, b, withStorage(storage))
		code, st := readyOf(t, e)
		if code != http.StatusOK || st.Status != "ok" || st.Checks["database"] != "ok" || st.Checks["schema"] != "ok" ||
			st.Checks["storage"] != "ok" || st.Checks["blobs"] != "ok" || st.Checks["pdf"] != "ok" {
			t.Fatalf("ready server: %d %+v", code, st)
		}
		if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "APP_BASE_URL http://localhost:8080") {
			t.Errorf("warnings = %q, want the localhost APP_BASE_URL", st.Warnings)
		}

		// A schema that is behind: forget the newest migration.
		db := storetest.SQL(t, b, e.dsn)
		ms, err := e.st.MigrationStatus(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		newest := ms[len(ms)-1].Version
		if _, err := db.Exec("DELETE FROM goose_db_version WHERE version_id = ?", newest); err != nil {
			t.Fatal(err)
		}
		code, st = readyOf(t, e)
		if code != http.StatusServiceUnavailable || !strings.Contains(st.Checks["schema"], "1 migrations pending") {
			t.Errorf("schema behind: %d %+v, want 503 naming the pending migration", code, st)
		}
		if _, err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", newest, true); err != nil {
			t.Fatal(err)
		}
		if code, st = readyOf(t, e); code != http.StatusOK {
			t.Fatalf("schema restored: %d %+v", code, st)
		}

		// Storage that takes no writes.
		if os.Geteuid() != 0 { // root writes anyway
			os.Chmod(storage, 0o500)
			code, st = readyOf(t, e)
			os.Chmod(storage, 0o700)
			if code != http.StatusServiceUnavailable || st.Checks["storage"] != "not writable" {
				t.Errorf("read-only storage: %d %+v", code, st)
			}
		}
		// Storage that disappears under a running server (an unmounted
		// volume); the blob store made the folder at start.
		gone := filepath.Join(storage, "nope", "nope")
		missing := newEnv(t, b, withStorage(gone))
		if err := os.RemoveAll(filepath.Join(storage, "nope")); err != nil {
			t.Fatal(err)
		}
		if code, st := readyOf(t, missing); code != http.StatusServiceUnavailable || st.Checks["storage"] != "not writable" {
			t.Errorf("missing storage: %d %+v", code, st)
		}

		// The database gone.
		if err := e.st.Close(); err != nil {
			t.Fatal(err)
		}
		code, st = readyOf(t, e)
		if code != http.StatusServiceUnavailable || st.Checks["database"] != "unreachable" {
			t.Errorf("database closed: %d %+v, want 503 database unreachable", code, st)
		}
		if !strings.Contains(e.logs.String(), "readiness check failed") {
			t.Error("the failed readiness check was not logged")
		}
	})
}

// metricValue reads one sample of the Prometheus text body, -1 when
// absent.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// scrape GETs /metrics as a loopback client.
func scrape(t *testing.T, e *env, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// TestMetrics: counters move after requests, by route template (one
// series for every /v/<code>), and the lookups, pool and backlog are
// there; only loopback or the token may read them.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rec := scrape(t, e, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics from loopback = %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		const notFound = `suratdesa_http_requests_total{method="GET",route="/v/:code",status="404"}`
		const lookups = `suratdesa_verify_lookups_total{channel="page",result="not_found"}`
		before, beforeLookups := metricValue(t, rec.Body.String(), notFound), metricValue(t, rec.Body.String(), lookups)
		for _, code := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBB", "CCCCCCCCCCCCCCCCCCCCCCCCCC"} {
			if rec := e.do("GET", "/v/"+code, nil, nil); rec.Code != http.StatusNotFound {
				t.Fatalf("GET /v/%s = %d", code, rec.Code)
			}
		}
		body := scrape(t, e, nil).Body.String()
		if got, want := metricValue(t, body, notFound), max(before, 0)+3; got != want {
			t.Errorf("%s = %v, want %v", notFound, got, want)
		}
		if got, want := metricValue(t, body, lookups), max(beforeLookups, 0)+3; got != want {
			t.Errorf("%s = %v, want %v", lookups, got, want)
		}
		if strings.Contains(body, "AAAAAAAAAAAAAAAAAAAAAAAAAA") {
			t.Error("a verification code became a label")
		}
		for _, series := range []string{
			`suratdesa_http_request_duration_seconds_count{method="GET",route="/v/:code"}`,
			`suratdesa_db_connections_max_open`, `suratdesa_notification_backlog{state="pending"}`,
			`suratdesa_db_transaction_retries_total`, `suratdesa_letters_signed_total`,
		} {
			if metricValue(t, body, series) < 0 {
				t.Errorf("/metrics lacks %s", series)
			}
		}

		// Not for the public: another address, or loopback through a proxy.
		if rec := e.do("GET", "/metrics", nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET /metrics from %s = %d, want 404", "192.0.2.1", rec.Code)
		}
		if rec := scrape(t, e, http.Header{"X-Forwarded-For": {"203.0.113.9"}}); rec.Code != http.StatusNotFound {
			t.Errorf("GET /metrics forwarded by a local proxy = %d, want 404", rec.Code)
		}
	})
}

// TestMetricsPublicReads: /metrics counts the codes the public check read
// from the database and its queries. Every scan reads the database while
// the letter cache has no fresh generation; a malformed code reads
// nothing; once Watch keeps the cache fresh, scans of a letter read before
// read nothing either.
func TestMetricsPublicReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		l := f.sign(t)
		const codes, queries = "suratdesa_verify_db_codes_total", "suratdesa_verify_db_queries_total"
		reads := func() (float64, float64) {
			t.Helper()
			body := scrape(t, e, nil).Body.String()
			c, q := metricValue(t, body, codes), metricValue(t, body, queries)
			if c < 0 || q < 0 {
				t.Fatalf("/metrics lacks %s or %s", codes, queries)
			}
			return c, q
		}
		get := func(code string, want int) {
			t.Helper()
			if rec := e.do("GET", "/v/"+code, nil, nil); rec.Code != want {
				t.Fatalf("GET /v/%s = %d, want %d", code, rec.Code, want)
			}
		}

		c0, q0 := reads()
		for range 3 {
			get(*l.VerifyCode, http.StatusOK)
		}
		get("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", http.StatusNotFound)
		get("not-a-code", http.StatusNotFound)
		c1, q1 := reads()
		// Four well-formed codes; a lookup in a kept SQLite snapshot that
		// misses queries once more.
		if c1-c0 != 4 || q1-q0 < 4 || q1-q0 > 8 {
			t.Fatalf("after 4 scans of well-formed codes: %v codes and %v queries read, want 4 and 4 to 8", c1-c0, q1-q0)
		}

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { e.srv.verify.Watch(ctx, nil) })
		defer func() { cancel(); wg.Wait() }()
		// Five scans in a row answered from the cache. Until Watch has read
		// the generation, and whenever a slow machine delays its poll past
		// the cache's bound, a scan reads the database: try again for a while.
		deadline := time.Now().Add(10 * time.Second)
		for {
			c2, q2 := reads()
			for range 5 {
				get(*l.VerifyCode, http.StatusOK)
			}
			c3, q3 := reads()
			if c3 == c2 && q3 == q2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("with Watch running, 5 scans still read %v codes and %v queries, want none", c3-c2, q3-q2)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestMetricsToken: with APP_METRICS_TOKEN a scraper elsewhere reads
// /metrics with the token, and nobody without it.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-token-0123456789"
	e := newEnv(t, storetest.SQLite, func(d *Deps) { d.Config.MetricsToken = token })
	for _, tt := range []struct {
		auth string
		want int
	}{
		{"Bearer " + token, http.StatusOK},
		{"Bearer wrong-token-0123456789", http.StatusNotFound},
		{token, http.StatusNotFound},
		{"", http.StatusNotFound},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = "198.51.100.7:5000"
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("Authorization %q: %d, want %d", tt.auth, rec.Code, tt.want)
		}
	}
}
