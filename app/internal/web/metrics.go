package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// countRequests records every request's route template (never the raw
// path: /v/<code> is one series, not one per letter), method, status and
// duration.
func (s *Server) countRequests() gin.HandlerFunc {
	if s.metrics == nil {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.ObserveHTTP(route, c.Request.Method, c.Writer.Status(), time.Since(start))
	}
}

// countLookup counts a public verification lookup on channel by the
// status it answered.
func (s *Server) countLookup(channel string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		s.metrics.VerifyLookup(channel, c.Writer.Status())
	}
}

// handleMetrics serves the Prometheus metrics to a scraper on this machine
// (a loopback peer that came through no proxy) or to one presenting
// "Authorization: Bearer APP_METRICS_TOKEN". Anyone else gets the same
// 404 as an unknown page: behind the reverse proxy the public never
// learns that /metrics exists. A request forwarded by a proxy on the same
// machine carries X-Forwarded-For or Forwarded and is not loopback.
func (s *Server) handleMetrics(c *gin.Context) {
	if !s.metricsAllowed(c.Request) {
		c.Status(http.StatusNotFound)
		return
	}
	s.metrics.Handler().ServeHTTP(c.Writer, c.Request)
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if tok := s.cfg.MetricsToken; tok != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 {
			return true
		}
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
