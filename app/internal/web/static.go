package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// handleStatic serves an embedded file under its content hash with a
// one-year immutable cache lifetime. A stale hash is a 404 rather than the
// new content, so a cached page never mixes with a newer stylesheet.
func (s *Server) handleStatic(c *gin.Context) error {
	f, ok := s.assets.byName[c.Param("name")]
	if !ok || f.hash != c.Param("hash") {
		return surat.ErrNotFound
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, f.contentType, f.body)
	return nil
}
