package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The kabupaten admin's page of API keys for the bulk check: institutions
// (a bank, a school) get a key that opens POST /api/v1/verify/batch, shown
// once; a key can be revoked at any time. verify.Service decides and
// audits.

// apiKeyNotices are the notices of the keys page after a redirect.
var apiKeyNotices = map[string]string{
	"dicabut": "Kunci API dicabut; kunci itu tidak dapat dipakai lagi.",
}

// apiKeyRow is one key in the list.
type apiKeyRow struct {
	ID                       int64
	Institution, Prefix      string
	Created, LastUsed, State string
	Uses                     int64
	Active                   bool
}

// kabupatenKeysPage lists the keys, with the form for a new one and, once,
// the text of a key just issued.
type kabupatenKeysPage struct {
	basePage
	Keys        []apiKeyRow
	Institution string
	Errors      map[string]string
	// NewKey is the text of the key just issued, shown this once.
	NewKey         string
	NewInstitution string
	MaxBatch       int
	PerMinute      int
}

// handleAPIKeys lists the bulk-check keys.
func (s *Server) handleAPIKeys(c *gin.Context) error {
	p := kabupatenKeysPage{Errors: map[string]string{}}
	return s.renderAPIKeys(c, http.StatusOK, p)
}

func (s *Server) renderAPIKeys(c *gin.Context, status int, p kabupatenKeysPage) error {
	ks, err := s.verify.APIKeys(c.Request.Context(), actorOf(currentUser(c)))
	if err != nil {
		return err
	}
	p.basePage = s.base(c, "Kunci API verifikasi")
	if p.Flash == "" {
		p.Flash = apiKeyNotices[c.Query("ok")]
	}
	p.MaxBatch, p.PerMinute = verify.MaxBatch, verify.BatchPerKey
	for _, k := range ks {
		row := apiKeyRow{ID: k.ID, Institution: k.Institution, Prefix: k.KeyPrefix,
			Created: verify.TimeWIB(k.CreatedAt), Uses: k.Uses, Active: k.Active(), State: "Aktif", LastUsed: "belum pernah"}
		if k.LastUsedAt != nil {
			row.LastUsed = verify.TimeWIB(*k.LastUsedAt)
		}
		if k.RevokedAt != nil {
			row.State = "Dicabut " + verify.TimeWIB(*k.RevokedAt)
		}
		p.Keys = append(p.Keys, row)
	}
	s.render(c, status, "kabupaten_keys", p)
	return nil
}

// handleAPIKeyCreate issues a key and shows it once. The page is the
// answer to the POST itself (no redirect): the key must not travel in a
// URL or be kept anywhere.
func (s *Server) handleAPIKeyCreate(c *gin.Context) error {
	institution := c.Request.PostFormValue("institution")
	raw, k, err := s.verify.IssueAPIKey(c.Request.Context(), actorOf(currentUser(c)), institution)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderAPIKeys(c, http.StatusUnprocessableEntity, kabupatenKeysPage{Institution: institution, Errors: fields})
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request.Context(), "api key issued", "api_key_id", k.ID)
	return s.renderAPIKeys(c, http.StatusCreated, kabupatenKeysPage{NewKey: raw, NewInstitution: k.Institution,
		Errors: map[string]string{}})
}

// handleAPIKeyRevoke revokes a key.
func (s *Server) handleAPIKeyRevoke(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	k, err := s.verify.RevokeAPIKey(c.Request.Context(), actorOf(currentUser(c)), id)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request.Context(), "api key revoked", "api_key_id", k.ID)
	c.Redirect(http.StatusSeeOther, "/kabupaten/kunci-api?ok=dicabut")
	return nil
}
