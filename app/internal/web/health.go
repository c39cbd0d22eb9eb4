package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthStatus is the body of /healthz.
type healthStatus struct {
	Status string `json:"status"`
}

// handleHealth answers 200 {"status":"ok"} when the database answers and
// 503 {"status":"unavailable"} when it does not, for load balancers and the
// compose healthcheck. The cause is logged, never returned.
func (s *Server) handleHealth(c *gin.Context) {
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.log.ErrorContext(c.Request.Context(), "health check failed", "err", err)
		c.JSON(http.StatusServiceUnavailable, healthStatus{Status: "unavailable"})
		return
	}
	c.JSON(http.StatusOK, healthStatus{Status: "ok"})
}
