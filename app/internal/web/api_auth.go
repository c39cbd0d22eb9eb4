package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// tokenRequest is the body of POST /api/v1/auth/token.
type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenResponse is a new bearer token. The token is shown once; the server
// keeps only its hash.
type tokenResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleAPITokenCreate exchanges a username and password for a bearer token
// valid for 30 days. The lock-out rules of the login form apply: a wrong
// password or unknown user is 401 invalid_credentials, a locked account is
// 429 account_locked with Retry-After.
func (s *Server) handleAPITokenCreate(c *gin.Context) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Username = normalizeUsername(req.Username)
	p := surat.Problems{}
	if req.Username == "" {
		p.Add("username", "Nama pengguna wajib diisi")
	}
	if req.Password == "" {
		p.Add("password", "Kata sandi wajib diisi")
	}
	if err := p.Err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	u, err := s.authenticate(ctx, req.Username, req.Password, clientAddress(c))
	if err != nil {
		return err
	}
	token, sess, err := s.newSession(ctx, u.ID, sessionKindAPI, apiTokenTTL)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "api token issued", "user_id", u.ID)
	c.JSON(http.StatusOK, tokenResponse{Token: token, TokenType: "Bearer", ExpiresAt: sess.ExpiresAt.UTC()})
	return nil
}

// handleAPITokenDelete revokes the bearer token used for the request.
func (s *Server) handleAPITokenDelete(c *gin.Context) error {
	if err := s.store.DeleteSession(c.Request.Context(), currentSession(c).TokenHash); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
