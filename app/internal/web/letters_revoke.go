package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// Revoking a signed letter from its page: a clerk asks, a signer of the
// village revokes at once or confirms or rejects a clerk's request. The
// public sees only the reason's fixed label; the note stays with the
// village's staff.

// handleLetterRevoke revokes a signed letter for a public reason and an
// internal note: a signer of the village at once, a clerk by asking a
// signer to confirm (issuance decides who may do which).
func (s *Server) handleLetterRevoke(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, vid, u := c.Request.Context(), villageOf(c), currentUser(c)
	r := surat.Revocation{Reason: surat.RevocationReason(c.Request.PostFormValue("reason_code")),
		Note: c.Request.PostFormValue("note")}
	ok := "dicabut"
	if isSigner(u) {
		_, err = s.issuance.Revoke(ctx, actorOf(u), vid, id, r)
	} else {
		ok = "cabut-diajukan"
		_, err = s.issuance.RequestRevocation(ctx, actorOf(u), vid, id, r)
	}
	if err != nil {
		return s.letterRefusal(c, id, err, letterPage{ReasonCode: string(r.Reason), Note: r.Note})
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=%s", id, ok))
	return nil
}

// handleLetterRevokeConfirm carries out a clerk's revocation request.
func (s *Server) handleLetterRevokeConfirm(c *gin.Context) error {
	return s.letterAction(c, "dicabut", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.ConfirmRevocation(ctx, a, vid, id)
	})
}

// handleLetterRevokeReject turns a clerk's revocation request down with a
// reason.
func (s *Server) handleLetterRevokeReject(c *gin.Context) error {
	reason := c.Request.PostFormValue("reason")
	return s.letterAction(c, "cabut-ditolak", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		if _, err := s.issuance.RejectRevocation(ctx, a, vid, id, reason); err != nil {
			return nil, err
		}
		return &surat.Letter{ID: id}, nil
	})
}

// fillRevocation sets what the letter page offers and shows about
// revoking l: the pending request, who may act on it, the public reason of
// a revoked letter.
func (s *Server) fillRevocation(ctx context.Context, vid int64, l *surat.Letter, p *letterPage, clerk, signer bool) error {
	p.RevokeLabel = l.RevokeCode.Label()
	if l.Status != surat.LetterSigned {
		return nil
	}
	q, err := s.issuance.RevocationRequest(ctx, vid, l.ID)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		p.CanRevoke, p.CanRequestRevoke = signer, clerk
	case err != nil:
		return err
	default:
		rv := &revokeRequestView{Reason: q.Reason.Label(), Note: q.Note, At: verify.TimeWIB(q.CreatedAt)}
		if q.ReplacedByID != nil {
			rv.ReplacedByID = *q.ReplacedByID
		}
		if q.RequestedBy != nil {
			if u, err := s.store.UserByID(ctx, *q.RequestedBy); err == nil {
				rv.By = u.Username
				if u.FullName != "" {
					rv.By = u.FullName
				}
			}
		}
		p.RevokeRequest, p.CanDecideRevoke = rv, signer
	}
	p.RevokeReasons = revokeReasonOptions()
	return nil
}

// revocationQueue lists the village's pending revocation requests for the
// signer's queue, oldest first; Date is when the request was made.
func (s *Server) revocationQueue(c *gin.Context, vid int64) ([]queueItem, error) {
	ctx := c.Request.Context()
	qs, err := s.store.RevocationRequests(ctx, vid, surat.MaxSignBatch)
	if err != nil || len(qs) == 0 {
		return nil, err
	}
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.LetterID
	}
	ls, err := s.store.LettersByID(ctx, vid, ids)
	if err != nil {
		return nil, err
	}
	out := make([]queueItem, 0, len(qs))
	for _, q := range qs {
		l := ls[q.LetterID]
		if l == nil {
			continue
		}
		out = append(out, queueItem{ID: l.ID, ModuleTitle: s.moduleTitleOf(c, l.Module), SubjectName: l.SubjectName,
			Date: surat.FormatDate(surat.LetterTime(q.CreatedAt)), Reason: q.Reason.Label()})
	}
	return out, nil
}
