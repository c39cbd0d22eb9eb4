package web

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDoc is the OpenAPI 3.0 description of /api/v1: the resident
// (Layanan Mandiri) API, the clerk API (tokens, residents, letters) and the
// public verification endpoint. A test checks it against routes.go and
// validates real responses against its schemas.
//
//go:embed openapi.json
var openAPIDoc []byte

// handleOpenAPI serves the OpenAPI document. It is public: it describes the
// API, not data. Clients may cache it for an hour.
func (s *Server) handleOpenAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
