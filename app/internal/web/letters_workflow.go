package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The ways out of a letter's dead ends on the letter page (issue 18):
// deleting a draft, withdrawing a submitted letter, the sekretaris desa's
// verification, "Setujui dan tandatangani", a new signer for a letter
// whose signer cannot sign, and a number chosen by the admin desa.

// workflowNotices are the ?ok= notices of the workflow actions.
var workflowNotices = map[string]string{
	"dihapus":       "Draf surat dihapus.",
	"ditarik":       "Surat ditarik kembali ke draf. Perbaiki, lalu ajukan lagi.",
	"diverifikasi":  "Surat diverifikasi dan diteruskan kepada penandatangan.",
	"penandatangan": "Penandatangan surat diganti. Surat menunggu persetujuan penandatangan yang baru.",
	"nomor":         "Nomor surat manual disimpan; surat diberi nomor itu saat ditandatangani.",
	"nomor-hapus":   "Nomor manual dihapus; surat mendapat nomor urut berikutnya saat ditandatangani.",
}

// handleLetterDelete deletes a draft and shows the archive.
func (s *Server) handleLetterDelete(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.issuance.DeleteDraft(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), id); err != nil {
		return s.letterRefusal(c, id, err, letterPage{})
	}
	c.Redirect(http.StatusSeeOther, "/surat?ok=dihapus")
	return nil
}

// handleLetterWithdraw takes a submitted letter back to draft.
func (s *Server) handleLetterWithdraw(c *gin.Context) error {
	return s.letterAction(c, "ditarik", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.Withdraw(ctx, a, vid, id)
	})
}

// handleLetterVerify records the sekretaris desa's verification of the
// version they looked at.
func (s *Server) handleLetterVerify(c *gin.Context) error {
	version, err := strconv.Atoi(c.Request.PostFormValue("version"))
	if err != nil {
		return &badRequestError{Msg: "Versi surat tidak terbaca. Muat ulang halaman, lalu ulangi."}
	}
	return s.letterAction(c, "diverifikasi", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.Verify(ctx, a, vid, id, version)
	})
}

// handleLetterApproveSign approves (when diajukan, at the version looked
// at) and signs a letter with the passphrase in one step.
func (s *Server) handleLetterApproveSign(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.Request.PostFormValue("version"))
	if err != nil {
		return &badRequestError{Msg: "Versi surat tidak terbaca. Muat ulang halaman, lalu ulangi."}
	}
	pass := c.Request.PostFormValue("passphrase")
	if pass == "" {
		return s.letterRefusal(c, id, surat.Invalid("passphrase", surat.ProblemPassphraseRequired), letterPage{})
	}
	l, err := s.issuance.ApproveAndSign(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), id, version, pass)
	if err != nil {
		return s.letterRefusal(c, id, err, letterPage{})
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=ditandatangani", l.ID))
	return nil
}

// handleLetterChangeSigner gives the letter another signing official.
func (s *Server) handleLetterChangeSigner(c *gin.Context) error {
	official, err := strconv.ParseInt(c.Request.PostFormValue(signerField), 10, 64)
	if err != nil || official <= 0 {
		id, _ := pathID(c, "id")
		return s.letterRefusal(c, id, &surat.ValidationError{Fields: map[string]string{
			signerField: "Pilih pejabat penandatangan dari daftar"}}, letterPage{})
	}
	return s.letterAction(c, "penandatangan", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.ChangeSigner(ctx, a, vid, id, official)
	})
}

// handleLetterManualNumber sets (or, with an empty number, clears) the
// sequence number the admin desa chose for the letter.
func (s *Server) handleLetterManualNumber(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.Request.PostFormValue("manual_seq"))
	reason := c.Request.PostFormValue("manual_reason")
	seq := 0
	if raw != "" {
		if seq, err = strconv.Atoi(raw); err != nil || seq < 1 {
			return s.letterRefusal(c, id, surat.Invalid("manual_seq", surat.ProblemManualSeqInvalid),
				letterPage{ManualSeq: raw, ManualReason: reason})
		}
	}
	if _, err := s.issuance.SetManualNumber(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), id, seq, reason); err != nil {
		return s.letterRefusal(c, id, err, letterPage{ManualSeq: raw, ManualReason: reason})
	}
	ok := "nomor"
	if seq == 0 {
		ok = "nomor-hapus"
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=%s", id, ok))
	return nil
}

// signerStates maps the village's officials to whether they can sign.
func (s *Server) signerStates(ctx context.Context, vid int64) (map[int64]surat.SignerState, []surat.SignerState, error) {
	states, err := s.issuance.SignerStates(ctx, vid)
	if err != nil {
		return nil, nil, err
	}
	by := make(map[int64]surat.SignerState, len(states))
	for _, st := range states {
		by[st.Official.ID] = st
	}
	return by, states, nil
}

// fillWorkflow adds to the letter page what the workflow offers the user
// now: verification, approve-and-sign, delete, withdraw, a new signer, a
// manual number, and the resident's request the letter came from.
func (s *Server) fillWorkflow(ctx context.Context, u *surat.User, l *surat.Letter, p *letterPage) error {
	vid := *u.VillageID
	clerk, signer := isClerk(u), isSigner(u)
	open := l.Status == surat.LetterDraft || l.Status == surat.LetterSubmitted || l.Status == surat.LetterApproved
	pending, err := s.issuance.VerificationPending(ctx, vid, l)
	if err != nil {
		return err
	}
	p.VerifyPending = pending
	if l.VerifiedAt != nil {
		p.VerifiedAt = mandiriDateTime(*l.VerifiedAt)
		if l.VerifiedBy != nil {
			if vu, err := s.store.UserByID(ctx, *l.VerifiedBy); err == nil {
				p.VerifiedBy = vu.Username
				if vu.FullName != "" {
					p.VerifiedBy = vu.FullName
				}
			}
		}
	}
	mine := false
	if signer && u.OfficialID != nil && l.SignerOfficialID != nil && *u.OfficialID == *l.SignerOfficialID {
		mine = true
	}
	if signer && pending {
		ok, err := s.issuance.IsVerifier(ctx, actorOf(u), vid)
		if err != nil {
			return err
		}
		p.CanVerify = ok
	}
	p.CanApprove = p.CanApprove && !pending
	p.CanApproveSign = mine && l.Status == surat.LetterSubmitted && !pending
	p.CanSign = mine && l.Status == surat.LetterApproved
	p.CanDelete = clerk && l.Status == surat.LetterDraft
	p.CanWithdraw = clerk && l.Status == surat.LetterSubmitted
	p.CanNumber = u.Role == surat.RoleAdminDesa && open
	if l.ManualSeq != nil {
		p.ManualCurrent = fmt.Sprintf("%d (tahun %d)", *l.ManualSeq, derefInt(l.ManualYear))
		if p.ManualSeq == "" && p.ManualReason == "" {
			p.ManualSeq, p.ManualReason = strconv.Itoa(*l.ManualSeq), l.ManualReason
		}
	}
	if open && l.SignerOfficialID != nil {
		by, states, err := s.signerStates(ctx, vid)
		if err != nil {
			return err
		}
		st, known := by[*l.SignerOfficialID]
		if !known || !st.Ready() {
			p.SignerNotReady = "Pejabat penandatangan surat ini sudah tidak dapat menandatangani"
			if known {
				p.SignerNotReady = st.Official.Name + " (" + st.Official.Jabatan + ") " + st.Why() + "."
			}
			p.CanChangeSigner = clerk || signer
			for _, st := range states {
				if st.Ready() {
					p.SignerChoices = append(p.SignerChoices, signerOption{ID: idString(st.Official.ID),
						Label: st.Official.Name + " — " + st.Official.Jabatan})
				}
			}
			// Nobody can sign it as it is: only the new signer can.
			p.CanSign, p.CanApprove, p.CanApproveSign = false, false, false
		}
	}
	// The resident's request the letter was drafted from, with its
	// documents, for the signer and the clerk.
	r, err := s.store.RequestOfLetter(ctx, vid, l.ID)
	switch {
	case errors.Is(err, surat.ErrNotFound):
	case err != nil:
		return err
	default:
		panel, err := s.requestPanelOf(ctx, r)
		if err != nil {
			return err
		}
		p.Request = panel
	}
	return nil
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// requestPanel is a resident's request as the letter page shows it.
type requestPanel struct {
	ID          int64
	Requester   string
	SubmittedAt string
	Status      surat.RequestStatus
	Attachments []attachmentView
	Checklist   []requirementView
}

// attachmentView is one document with the addresses to open it.
type attachmentView struct {
	ID          int64
	Kind        string
	Size        string
	Requirement string
	Download    string
	// Inline is the address that shows it in the page (an image or a
	// PDF), "" for neither.
	Inline  string
	IsImage bool
	IsPDF   bool
}

// requirementView is one required document and whether it came.
type requirementView struct {
	Label string
	Met   bool
	IDs   []int64
}

// requestPanelOf describes request r with its documents and checklist.
func (s *Server) requestPanelOf(ctx context.Context, r *surat.LetterRequest) (*requestPanel, error) {
	p := &requestPanel{ID: r.ID, SubmittedAt: mandiriDateTime(r.SubmittedAt), Status: r.Effective}
	if res, err := s.store.ResidentByID(ctx, r.VillageID, r.ResidentID); err == nil {
		p.Requester = res.Name
	} else if !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	as, err := s.store.Attachments(ctx, r.VillageID, r.ID)
	if err != nil {
		return nil, err
	}
	p.Attachments = attachmentViews(r.ID, as)
	checks, err := s.mandiri.Requirements(ctx, r.VillageID, r, as)
	if err != nil {
		return nil, err
	}
	for _, rc := range checks {
		rv := requirementView{Label: rc.Label, Met: rc.Met()}
		for _, a := range rc.Attachments {
			rv.IDs = append(rv.IDs, a.ID)
		}
		p.Checklist = append(p.Checklist, rv)
	}
	return p, nil
}

// attachmentViews lists a request's documents with their addresses.
func attachmentViews(requestID int64, as []surat.Attachment) []attachmentView {
	var out []attachmentView
	for _, a := range as {
		base := fmt.Sprintf("/permohonan/%d/lampiran/%d", requestID, a.ID)
		v := attachmentView{ID: a.ID, Kind: a.Kind(), Size: fmt.Sprintf("%d KB", (a.Size+1023)/1024),
			Requirement: a.Requirement, Download: base, Inline: base + "/lihat"}
		switch a.ContentType {
		case "image/jpeg", "image/png":
			v.IsImage = true
		case "application/pdf":
			v.IsPDF = true
		default:
			v.Inline = ""
		}
		out = append(out, v)
	}
	return out
}
