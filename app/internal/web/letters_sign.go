package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The signer's pages: the queue of letters to approve and to sign, approving,
// returning with a reason, and signing one letter or a batch with the
// passphrase of the signer's key.

// queuePage is /persetujuan.
type queuePage struct {
	basePage
	// ToVerify are letters waiting for the sekretaris desa's verification
	// (shown to them only).
	ToVerify []queueItem
	// Submitted are the signer's letters waiting for approval, Approved
	// those waiting for the signature; both are approved and signed in
	// one step.
	Submitted []queueItem
	Approved  []queueItem
	// Others are other signers' letters in progress, for reading.
	Others   []queueItem
	Verifier bool
	// Waiting counts Submitted and Approved.
	Waiting int
	// NoOfficial: the signer's login is linked to no official.
	NoOfficial bool
	// Results lists the outcome of a batch signature per letter.
	Results     []batchLine
	ActionError string
	Errors      map[string]string
	Selected    map[int64]bool
	// Revocations are clerks' revocation requests waiting for a signer.
	Revocations []queueItem
}

// queueItem is one letter in the queue.
type queueItem struct {
	ID          int64
	Version     int
	ModuleTitle string
	SubjectName string
	Date        string
	SignerName  string
	Status      surat.LetterStatus
	// Reason is the public reason of a revocation request.
	Reason string
}

// batchLine is one letter's outcome in a batch signature.
type batchLine struct {
	ID          int64
	ModuleTitle string
	SubjectName string
	Number      string
	Error       string
}

// handleQueue shows the letters waiting for the signer.
func (s *Server) handleQueue(c *gin.Context) error {
	return s.renderQueue(c, http.StatusOK, queuePage{Errors: map[string]string{}})
}

func (s *Server) renderQueue(c *gin.Context, status int, p queuePage) error {
	ctx, vid, u := c.Request.Context(), villageOf(c), currentUser(c)
	flash := p.Flash
	p.basePage = s.base(c, "Persetujuan surat")
	switch {
	case flash != "":
		p.Flash = flash
	case p.Flash == "":
		p.Flash = notice(c)
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	officials, err := s.officialNames(ctx, vid)
	if err != nil {
		return err
	}
	w, err := s.issuance.WorkOfSigner(ctx, actorOf(u), vid)
	if err != nil {
		return err
	}
	items := func(ls []surat.Letter) []queueItem {
		var out []queueItem
		for _, l := range ls {
			it := queueItem{ID: l.ID, Version: l.Version, ModuleTitle: l.Module, SubjectName: l.SubjectName,
				Date: surat.FormatDate(surat.LetterTime(l.UpdatedAt)), Status: l.Status}
			it.ModuleTitle = s.moduleTitleOf(c, l.Module)
			if l.SignerOfficialID != nil {
				it.SignerName = officials[*l.SignerOfficialID]
			}
			out = append(out, it)
		}
		return out
	}
	p.ToVerify, p.Submitted, p.Approved, p.Others = items(w.ToVerify), items(w.ToApprove), items(w.ToSign), items(w.Others)
	p.Verifier, p.NoOfficial = w.Verifier, w.OfficialID == 0
	p.Waiting = len(p.Submitted) + len(p.Approved)
	if p.Revocations, err = s.revocationQueue(c, vid); err != nil {
		return err
	}
	s.render(c, status, "letter_queue", p)
	return nil
}

// officialNames maps the village's officials to "Name — Jabatan".
func (s *Server) officialNames(ctx context.Context, vid int64) (map[int64]string, error) {
	os, err := s.store.Officials(ctx, vid)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(os))
	for _, o := range os {
		out[o.ID] = o.Name + " — " + o.Jabatan
	}
	return out, nil
}

// handleLetterApprove approves a submitted letter at the version the signer
// looked at.
func (s *Server) handleLetterApprove(c *gin.Context) error {
	version, err := strconv.Atoi(c.Request.PostFormValue("version"))
	if err != nil {
		return &badRequestError{Msg: "Versi surat tidak terbaca. Muat ulang halaman, lalu ulangi."}
	}
	return s.letterAction(c, "disetujui", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.Approve(ctx, a, vid, id, version)
	})
}

// handleLetterReturn sends a letter back to draft with a reason for the
// clerk.
func (s *Server) handleLetterReturn(c *gin.Context) error {
	reason := c.Request.PostFormValue("reason")
	return s.letterAction(c, "dikembalikan", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.Return(ctx, a, vid, id, reason)
	})
}

// handleLetterSign signs one approved letter with the signer's passphrase.
// The passphrase is never logged, stored or sent back.
func (s *Server) handleLetterSign(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pass := c.Request.PostFormValue("passphrase")
	if pass == "" {
		return s.letterRefusal(c, id, surat.Invalid("passphrase", surat.ProblemPassphraseRequired), letterPage{})
	}
	l, err := s.issuance.Sign(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), id, pass)
	if err != nil {
		return s.letterRefusal(c, id, err, letterPage{})
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=ditandatangani", l.ID))
	return nil
}

// handleBatchSign signs the selected approved letters with one passphrase
// and shows the outcome of each.
func (s *Server) handleBatchSign(c *gin.Context) error {
	form := c.Request.PostForm
	p := queuePage{Errors: map[string]string{}, Selected: map[int64]bool{}}
	var ids []int64
	var items []issuance.SignItem
	for _, v := range form["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return &badRequestError{Msg: "Pilihan surat tidak terbaca. Muat ulang halaman, lalu ulangi."}
		}
		if !p.Selected[id] {
			ids = append(ids, id)
			p.Selected[id] = true
			// The version the signer saw, for letters still diajukan:
			// they are approved at that version in the signing step.
			version, _ := strconv.Atoi(form.Get("v" + strconv.FormatInt(id, 10)))
			items = append(items, issuance.SignItem{LetterID: id, Version: version})
		}
	}
	pass := form.Get("passphrase")
	if fields, ok := surat.FieldErrors(issuance.CheckBatch(ids)); ok {
		p.Errors["id"] = fields["ids"]
	}
	if pass == "" {
		p.Errors["passphrase"] = surat.ProblemPassphraseRequired.Message()
	}
	if len(p.Errors) > 0 {
		return s.renderQueue(c, http.StatusUnprocessableEntity, p)
	}
	ctx, vid := c.Request.Context(), villageOf(c)
	results, err := s.issuance.ApproveAndSignBatch(ctx, actorOf(currentUser(c)), vid, items, pass)
	if err != nil {
		pr := classify(err, s.now())
		if !inlineRefusal(pr) {
			return err
		}
		s.retryAfter(c, pr)
		p.ActionError = pr.Message
		for k, v := range pr.Fields {
			p.Errors[k] = v
		}
		return s.renderQueue(c, pr.Status, p)
	}
	signed := 0
	for _, r := range results {
		line := batchLine{ID: r.LetterID}
		l := r.Letter
		if l == nil {
			if l, err = s.store.LetterByID(ctx, vid, r.LetterID); err != nil && !errors.Is(err, surat.ErrNotFound) {
				return err
			}
		}
		if l != nil {
			line.SubjectName, line.ModuleTitle, line.Number = l.SubjectName, l.Module, l.NumberString()
			line.ModuleTitle = s.moduleTitleOf(c, l.Module)
		}
		if r.Err != nil {
			pr := classify(r.Err, s.now())
			s.logProblem(c, pr, r.Err)
			line.Error = pr.Message
		} else {
			signed++
			p.Selected[r.LetterID] = false
		}
		p.Results = append(p.Results, line)
	}
	p.Flash = fmt.Sprintf("%d dari %d surat berhasil ditandatangani.", signed, len(results))
	status := http.StatusOK
	if signed < len(results) {
		status = http.StatusUnprocessableEntity
	}
	return s.renderQueue(c, status, p)
}
