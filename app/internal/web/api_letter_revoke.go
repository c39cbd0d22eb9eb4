package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Revoking a signed letter over the API. POST /api/v1/letters/<id>/revoke
// revokes at once for a signer of the village (200 with the letter) and
// records a request for a clerk (202 with the request); a signer confirms
// (…/revoke/confirm) or rejects (…/revoke/reject) a request.

// revokeInput is the body of revoke: a public reason code (one of
// surat.RevocationReason; "replaced" with replaced_by), an internal note,
// and the id of the replacing letter of the same village, if any.
type revokeInput struct {
	ReasonCode surat.RevocationReason `json:"reason_code"`
	Note       string                 `json:"note"`
	ReplacedBy int64                  `json:"replaced_by"`
}

// revocationRequestJSON is a pending revocation request.
type revocationRequestJSON struct {
	LetterID    int64                  `json:"letter_id"`
	ReasonCode  surat.RevocationReason `json:"reason_code"`
	Reason      string                 `json:"reason"`
	Note        string                 `json:"note,omitempty"`
	ReplacedBy  *int64                 `json:"replaced_by,omitempty"`
	RequestedBy *int64                 `json:"requested_by,omitempty"`
	CreatedAt   time.Time              `json:"created_at"`
	Links       letterLinks            `json:"links"`
}

func revocationRequestOut(q *surat.RevocationRequest) revocationRequestJSON {
	return revocationRequestJSON{LetterID: q.LetterID, ReasonCode: q.Reason, Reason: q.Reason.Label(), Note: q.Note,
		ReplacedBy: q.ReplacedByID, RequestedBy: q.RequestedBy, CreatedAt: q.CreatedAt.UTC(),
		Links: letterLinks{Self: letterPath(q.LetterID), PDF: letterPath(q.LetterID) + "/pdf"}}
}

// handleAPILetterRevoke revokes a signed letter (a signer) or asks for it
// (a clerk).
func (s *Server) handleAPILetterRevoke(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	var in revokeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, u, vid := c.Request.Context(), currentUser(c), villageOf(c)
	r := surat.Revocation{Reason: in.ReasonCode, Note: in.Note, ReplacedBy: in.ReplacedBy}
	if isSigner(u) {
		after, err := s.issuance.Revoke(ctx, actorOf(u), vid, l.ID, r)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, s.letterOut(c, after))
		return nil
	}
	q, err := s.issuance.RequestRevocation(ctx, actorOf(u), vid, l.ID, r)
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, revocationRequestOut(q))
	return nil
}

// handleAPILetterRevokeConfirm carries out a clerk's revocation request.
func (s *Server) handleAPILetterRevokeConfirm(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		return s.issuance.ConfirmRevocation(ctx, actor, villageID, l.ID)
	})
}

// handleAPILetterRevokeReject turns a clerk's revocation request down:
// {"reason"} is required; the answer is the letter, still valid.
func (s *Server) handleAPILetterRevokeReject(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in reasonInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		if in.ReplacedBy != 0 {
			return nil, &badRequestError{Msg: `Kolom "replaced_by" tidak dipakai di sini.`}
		}
		if _, err := s.issuance.RejectRevocation(ctx, actor, villageID, l.ID, in.Reason); err != nil {
			return nil, err
		}
		return s.store.LetterByID(ctx, villageID, l.ID)
	})
}
