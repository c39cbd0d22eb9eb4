package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// A resident opts in to notifications on their Layanan Mandiri page
// (issue 18 §10): a mobile number for the village's WhatsApp/Telegram
// gateway and/or an e-mail address, with their consent.

// mandiriContactPage is /mandiri/pemberitahuan.
type mandiriContactPage struct {
	mandiriBase
	Phone, Email string
	Consent      bool
	Since        string
	Errors       map[string]string
}

// handleMandiriContactForm shows the resident's notification settings.
func (s *Server) handleMandiriContactForm(c *gin.Context) error {
	acc := currentResident(c).Account
	p := mandiriContactPage{mandiriBase: s.mandiriBaseFor(c, "Pemberitahuan"), Consent: acc.NotifyConsentAt != nil}
	if acc.NotifyConsentAt != nil {
		p.Phone, p.Email, p.Since = acc.NotifyPhone, acc.NotifyEmail, mandiriDateTime(*acc.NotifyConsentAt)
		if strings.HasPrefix(p.Phone, "62") {
			p.Phone = "0" + p.Phone[2:]
		}
	}
	s.render(c, http.StatusOK, "mandiri_contact", p)
	return nil
}

// handleMandiriContact stores the resident's notification settings.
func (s *Server) handleMandiriContact(c *gin.Context) error {
	phone, email := strings.TrimSpace(c.PostForm("telepon")), strings.TrimSpace(c.PostForm("email"))
	consent := c.PostForm("setuju") == "ya"
	if c.PostForm("berhenti") == "ya" {
		phone, email, consent = "", "", false
	}
	_, err := s.mandiri.SetContact(c.Request.Context(), currentResident(c), phone, email, consent)
	if fields, ok := surat.FieldErrors(err); ok {
		p := mandiriContactPage{mandiriBase: s.mandiriBaseFor(c, "Pemberitahuan"), Phone: phone, Email: email,
			Consent: consent, Errors: fields}
		s.render(c, http.StatusUnprocessableEntity, "mandiri_contact", p)
		return nil
	} else if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/mandiri?ok=pemberitahuan")
	return nil
}
