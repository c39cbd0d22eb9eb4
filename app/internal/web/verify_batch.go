package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The bulk check for institutions: POST /api/v1/verify/batch with up to
// verify.MaxBatch codes and the institution's key in the X-Api-Key header
// answers each code's verdict. verify.Service.Batch checks the key, its
// limit and every code.

// apiKeyHeader carries an institution's key.
const apiKeyHeader = "X-Api-Key"

// batchInput is the body of the bulk check.
type batchInput struct {
	Codes []string `json:"codes"`
}

// batchItemJSON is one code's verdict: the status, and for a letter that
// exists what its verification page shows (never more).
type batchItemJSON struct {
	Code   string        `json:"code"`
	Status verify.Status `json:"status"`
	// Verification is the JSON of the letter's verification page; absent
	// for TIDAK DITEMUKAN.
	Verification *verifyJSON `json:"verification,omitempty"`
}

// batchJSON is the answer of the bulk check, in the order of the codes.
type batchJSON struct {
	Results []batchItemJSON `json:"results"`
}

// handleAPIVerifyBatch checks many codes at once for an institution.
func (s *Server) handleAPIVerifyBatch(c *gin.Context) error {
	var in batchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	verdicts, err := s.verify.Batch(ctx, strings.TrimSpace(c.GetHeader(apiKeyHeader)), in.Codes)
	if err != nil {
		return err
	}
	out := batchJSON{Results: make([]batchItemJSON, len(verdicts))}
	found := 0
	for i, v := range verdicts {
		out.Results[i] = batchItemJSON{Code: v.Code, Status: v.Status}
		if v.Result != nil {
			j := s.newVerifyJSON(v.Result)
			out.Results[i].Verification = &j
			found++
		}
	}
	s.log.InfoContext(ctx, "bulk check", "codes", len(verdicts), "found", found)
	c.JSON(http.StatusOK, out)
	return nil
}
