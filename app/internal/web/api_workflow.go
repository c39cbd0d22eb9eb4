package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The workflow routes of the letter API (issue 18): delete a draft,
// withdraw, verify, approve and sign in one step (one letter or many),
// a new signer, a manual number, and who can sign.

// handleAPILetterDelete deletes a draft: 204.
func (s *Server) handleAPILetterDelete(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	if err := s.issuance.DeleteDraft(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), l.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// handleAPILetterWithdraw takes a submitted letter back to draft.
func (s *Server) handleAPILetterWithdraw(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		return s.issuance.Withdraw(ctx, actor, villageID, l.ID)
	})
}

// handleAPILetterVerify records the sekretaris desa's verification; with
// {"version": n} it fails with 409 when the letter changed since.
func (s *Server) handleAPILetterVerify(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		in := versionInput{Version: l.Version}
		if err := optionalJSON(c, &in); err != nil {
			return nil, err
		}
		return s.issuance.Verify(ctx, actor, villageID, l.ID, in.Version)
	})
}

// approveSignInput is the body of approve-sign: the version reviewed
// (required for a letter still diajukan) and the passphrase.
type approveSignInput struct {
	Version    int    `json:"version"`
	Passphrase string `json:"passphrase"`
}

// handleAPILetterApproveSign approves (when diajukan) and signs a letter in
// one step: 200 with the signed letter.
func (s *Server) handleAPILetterApproveSign(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in approveSignInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		p := surat.Problems{}
		requirePassphrase(in.Passphrase, p)
		if l.Status == surat.LetterSubmitted && in.Version == 0 {
			p.Add("version", "Sebutkan versi surat yang diperiksa")
		}
		if err := p.Err(); err != nil {
			return nil, err
		}
		return s.issuance.ApproveAndSign(ctx, actor, villageID, l.ID, in.Version, in.Passphrase)
	})
}

// approveSignBatchInput is the body of /letters/approve-sign.
type approveSignBatchInput struct {
	Items []struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	} `json:"items"`
	Passphrase string `json:"passphrase"`
}

// handleAPILetterApproveSignBatch approves (the diajukan ones, at their
// version) and signs several letters with one passphrase; problems of one
// letter are reported per letter, as in sign-batch.
func (s *Server) handleAPILetterApproveSignBatch(c *gin.Context) error {
	var in approveSignBatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	items := make([]issuance.SignItem, len(in.Items))
	ids := make([]int64, len(in.Items))
	for i, it := range in.Items {
		items[i], ids[i] = issuance.SignItem{LetterID: it.ID, Version: it.Version}, it.ID
	}
	p := surat.Problems{}
	requirePassphrase(in.Passphrase, p)
	if fields, ok := surat.FieldErrors(issuance.CheckBatch(ids)); ok {
		p.Add("items", fields["ids"])
	}
	if err := p.Err(); err != nil {
		return err
	}
	results, err := s.issuance.ApproveAndSignBatch(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), items, in.Passphrase)
	if err != nil {
		return err
	}
	return s.writeBatch(c, results)
}

// writeBatch answers the outcome of a batch signature per letter.
func (s *Server) writeBatch(c *gin.Context, results []issuance.BatchResult) error {
	out := struct {
		Signed  int         `json:"signed"`
		Failed  int         `json:"failed"`
		Results []batchItem `json:"results"`
	}{Results: make([]batchItem, 0, len(results))}
	for _, r := range results {
		it := batchItem{ID: r.LetterID}
		if r.Err == nil && r.Letter != nil {
			lj := s.letterOut(c, r.Letter)
			it.OK, it.Letter = true, &lj
			out.Signed++
		} else {
			pr := classify(r.Err, s.now())
			s.logProblem(c, pr, r.Err)
			it.Error, it.Message = pr.Code, pr.Message
			out.Failed++
		}
		out.Results = append(out.Results, it)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// signerInput is the body of PUT /letters/:id/signer.
type signerInput struct {
	SignerOfficialID int64 `json:"signer_official_id"`
}

// handleAPILetterSigner gives a letter not yet signed another signer who
// can sign now.
func (s *Server) handleAPILetterSigner(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in signerInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		if in.SignerOfficialID <= 0 {
			return nil, surat.Invalid("signer_official_id", surat.ProblemOfficialNotInVillage)
		}
		return s.issuance.ChangeSigner(ctx, actor, villageID, l.ID, in.SignerOfficialID)
	})
}

// manualNumberInput is the body of PUT /letters/:id/number.
type manualNumberInput struct {
	Seq    int    `json:"seq"`
	Reason string `json:"reason"`
}

// handleAPILetterNumber sets (seq > 0) or clears (seq 0) the sequence
// number the admin desa chose for a letter not yet signed.
func (s *Server) handleAPILetterNumber(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in manualNumberInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return s.issuance.SetManualNumber(ctx, actor, villageID, l.ID, in.Seq, in.Reason)
	})
}

// signerJSON is one official and whether they can sign now.
type signerJSON struct {
	OfficialID int64  `json:"official_id"`
	Name       string `json:"name"`
	Jabatan    string `json:"jabatan"`
	Ready      bool   `json:"ready"`
	Reason     string `json:"reason,omitempty"`
}

// handleAPISigners lists the village's officials who sign by their office,
// with whether they can sign now (a usable certificate and a login) and why
// not.
func (s *Server) handleAPISigners(c *gin.Context) error {
	states, err := s.issuance.SignerStates(c.Request.Context(), villageOf(c))
	if err != nil {
		return err
	}
	out := struct {
		Items []signerJSON `json:"items"`
	}{Items: []signerJSON{}}
	for _, st := range states {
		o := st.Official
		if !o.IsHead && !o.CanSignAN && !o.CanSignUB {
			continue
		}
		out.Items = append(out.Items, signerJSON{OfficialID: o.ID, Name: o.Name, Jabatan: o.Jabatan, Ready: st.Ready(),
			Reason: st.Why()})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handleAPIMandiriRequestResubmit sends a returned request back as it is.
func (s *Server) handleAPIMandiriRequestResubmit(c *gin.Context) error {
	login, r, err := s.apiResidentRequest(c)
	if err != nil {
		return err
	}
	if _, err := s.mandiri.Resubmit(c.Request.Context(), login, r.ID); err != nil {
		return err
	}
	fresh, err := s.store.RequestOfResident(c.Request.Context(), login.Account.VillageID, login.Resident.ID, r.ID)
	if err != nil {
		return err
	}
	return s.writeMandiriRequest(c, http.StatusOK, fresh)
}

// contactJSON is a resident's notification settings.
type contactJSON struct {
	Telepon string `json:"telepon"`
	Email   string `json:"email"`
	Setuju  bool   `json:"setuju"`
}

func contactOut(acc *surat.ResidentAccount) contactJSON {
	return contactJSON{Telepon: acc.NotifyPhone, Email: acc.NotifyEmail, Setuju: acc.NotifyConsentAt != nil}
}

// handleAPIMandiriContact shows the resident's notification settings.
func (s *Server) handleAPIMandiriContact(c *gin.Context) error {
	acc := currentResident(c).Account
	c.JSON(http.StatusOK, contactOut(&acc))
	return nil
}

// handleAPIMandiriContactSave stores them: {"telepon", "email", "setuju"};
// "setuju": false clears both.
func (s *Server) handleAPIMandiriContactSave(c *gin.Context) error {
	var in contactJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	phone, email := strings.TrimSpace(in.Telepon), strings.TrimSpace(in.Email)
	if !in.Setuju {
		phone, email = "", ""
	}
	acc, err := s.mandiri.SetContact(c.Request.Context(), currentResident(c), phone, email, in.Setuju)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, contactOut(acc))
	return nil
}
