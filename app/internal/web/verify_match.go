package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The paper match of the verification page ("Cocokkan dengan kertas"):
// POST /v/<code>/cocokkan with a NIK or a full name typed from the paper,
// and its JSON twin POST /api/v1/verify/<code>/match. verify.Service.Match
// decides; these handlers parse and render. What was typed is never
// written back into a page, an answer or a log line.

// The form fields of the paper match.
const (
	matchNIKField  = "nik"
	matchNameField = "nama"
)

// handleVerifyMatch answers the paper match on the verification page.
func (s *Server) handleVerifyMatch(c *gin.Context) error {
	code, ok := verify.NormalizeCode(c.Param("code"))
	if !ok || code != c.Param("code") {
		return s.verifyNotFound(c)
	}
	if err := checkSameOrigin(c, s.cfg.BaseURL); err != nil {
		return err
	}
	ctx := c.Request.Context()
	r, err := s.verify.Lookup(ctx, code)
	if errors.Is(err, surat.ErrNotFound) {
		return s.verifyNotFound(c)
	}
	if err != nil {
		return err
	}
	in := verify.MatchInput{NIK: c.PostForm(matchNIKField), Name: c.PostForm(matchNameField)}
	out, err := s.verify.Match(ctx, r, in, clientAddress(c))
	if err != nil {
		p := classify(err, s.now())
		if !inlineRefusal(p) {
			return err
		}
		s.logProblem(c, p, err)
		s.retryAfter(c, p)
		s.renderVerifyPage(c, p.Status, r, verifyPage{MatchError: matchRefusal(p)})
		return nil
	}
	s.log.InfoContext(ctx, "paper matched", "kind", out.Kind, "match", out.Match)
	s.renderVerifyPage(c, http.StatusOK, r, verifyPage{Match: out})
	return nil
}

// matchRefusal is the sentence shown in place of a verdict: the field
// message of a malformed input, or the refusal itself.
func matchRefusal(p problem) string {
	if len(p.Fields) == 0 {
		return p.Message
	}
	msgs := make([]string, 0, len(p.Fields))
	for _, m := range p.Fields {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	return strings.Join(msgs, ". ") + "."
}

// matchInput is the body of POST /api/v1/verify/<code>/match: one of the
// two.
type matchInput struct {
	NIK  string `json:"nik"`
	Nama string `json:"nama"`
}

// matchJSON is the answer: whether the typed value is that of one of the
// letter's subjects, and nothing else.
type matchJSON struct {
	Match bool `json:"match"`
}

// handleAPIVerifyMatch is the JSON twin of handleVerifyMatch.
func (s *Server) handleAPIVerifyMatch(c *gin.Context) error {
	code, ok := verify.NormalizeCode(c.Param("code"))
	if !ok {
		return fmt.Errorf("malformed verify code: %w", surat.ErrNotFound)
	}
	var in matchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	r, err := s.verify.Lookup(ctx, code)
	if err != nil {
		return err
	}
	out, err := s.verify.Match(ctx, r, verify.MatchInput{NIK: in.NIK, Name: in.Nama}, clientAddress(c))
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "paper matched", "kind", out.Kind, "match", out.Match)
	c.JSON(http.StatusOK, matchJSON{Match: out.Match})
	return nil
}
