package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The issuing village's identity on the public pages: its logo, served at
// /desa/<kode desa>/logo for the verification page's header and its Open
// Graph image.

// villageLogoURL is the path of a village's logo carrying its version, so
// that the URL changes with the logo and may be cached; "" when the village
// has no logo.
func villageLogoURL(villageCode, version string) string {
	if version == "" {
		return ""
	}
	return "/desa/" + villageCode + "/logo?v=" + version
}

// absolute is path under the public base URL, "" for "".
func (s *Server) absolute(path string) string {
	if path == "" {
		return ""
	}
	return s.cfg.BaseURL + path
}

// handleVillageLogo serves a village's logo (a PNG, re-encoded at upload)
// to anyone: it is printed on every letter anyway. A URL with the current
// version may be cached for a year, others for a day.
func (s *Server) handleVillageLogo(c *gin.Context) error {
	ctx := c.Request.Context()
	v, err := s.store.VillageByCode(ctx, c.Param("kode"))
	if err != nil {
		return err
	}
	b, err := s.issuance.VillageLogo(ctx, v)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("village %d has no logo: %w", v.ID, surat.ErrNotFound)
	}
	cache := "public, max-age=86400"
	if c.Query("v") == verify.LogoVersion(v.LogoPath) {
		cache = "public, max-age=31536000, immutable"
	}
	c.Header("Cache-Control", cache)
	c.Data(http.StatusOK, "image/png", b)
	return nil
}
