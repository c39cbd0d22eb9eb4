package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
)

// healthStatus is the body of /healthz.
type healthStatus struct {
	Status string `json:"status"`
}

// handleHealth answers 200 {"status":"ok"} while the process serves HTTP:
// liveness, for the container's healthcheck and restarts. A database that
// is down does not make the process unhealthy (restarting would not help);
// /readyz reports it.
func (s *Server) handleHealth(c *gin.Context) {
	c.JSON(http.StatusOK, healthStatus{Status: "ok"})
}

// readyStatus is the body of /readyz: "ok" or "unavailable", each check's
// word, and warnings an operator must see (a localhost APP_BASE_URL).
// Causes are logged, never returned.
type readyStatus struct {
	Status   string            `json:"status"`
	Checks   map[string]string `json:"checks"`
	Warnings []string          `json:"warnings,omitempty"`
}

// handleReady answers 200 when this replica can serve: the database
// answers, its schema has every migration this binary knows, the storage
// directory takes a write, the blob store (APP_BLOB_URL) answers and the
// PDF fonts are prepared (the first check after start-up prepares them,
// 20-25 ms, unless a letter was rendered first). Otherwise 503, so a load
// balancer sends requests elsewhere.
func (s *Server) handleReady(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	st := readyStatus{Status: "ok", Checks: map[string]string{}}
	fail := func(check, word string, err error) {
		st.Status = "unavailable"
		st.Checks[check] = word
		s.log.ErrorContext(ctx, "readiness check failed", "check", check, "err", err)
	}
	if err := s.store.Ping(ctx); err != nil {
		fail("database", "unreachable", err)
		st.Checks["schema"] = "unknown"
	} else {
		st.Checks["database"] = "ok"
		if pending, err := s.store.PendingMigrations(ctx); err != nil {
			fail("schema", "unknown", err)
		} else if len(pending) > 0 {
			fail("schema", fmt.Sprintf("behind: %d migrations pending (app migrate up)", len(pending)),
				fmt.Errorf("%d migrations pending", len(pending)))
		} else {
			st.Checks["schema"] = "ok"
		}
	}
	if err := checkWritable(s.cfg.Storage); err != nil {
		fail("storage", "not writable", err)
	} else {
		st.Checks["storage"] = "ok"
	}
	if fs := s.issuance.Files(); fs != nil {
		if err := fs.Blobs.Ping(ctx); err != nil {
			fail("blobs", "unreachable", err)
		} else {
			st.Checks["blobs"] = "ok"
		}
	}
	if err := s.issuance.RendererReady(); err != nil {
		fail("pdf", "fonts unavailable", err)
	} else {
		st.Checks["pdf"] = "ok"
	}
	if s.cfg.LocalBaseURL() {
		st.Warnings = append(st.Warnings, "APP_BASE_URL "+s.cfg.BaseURL+
			" points at this machine: QR codes of signed letters cannot be checked elsewhere")
	}
	code := http.StatusOK
	if st.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	c.JSON(code, st)
}

// checkWritable creates and removes a file in dir.
func checkWritable(dir string) error {
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
