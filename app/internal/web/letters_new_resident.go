package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleLetterNewResident is "Tambahkan ke data penduduk" of a signed
// letter whose module offers it (SK Kelahiran of a newborn typed without
// NIK): the resident form, pre-filled from the letter with the newborn in
// the mother's (or father's) KK. The clerk types the NIK once Dukcapil has
// issued it and saves through the ordinary form (POST /penduduk/baru),
// which checks it like any new resident. A letter of another village, not
// signed, or offering nobody is 404.
func (s *Server) handleLetterNewResident(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.issuance.NewResidentFromLetter(c.Request.Context(), villageOf(c), id)
	if err != nil {
		return err
	}
	p, err := s.newResidentFormPage(c, "Tambah penduduk")
	if err != nil {
		return err
	}
	p.Action = "/penduduk/baru"
	p.Form = residentValues(r)
	p.Form.Version = ""
	p.Flash = "Data diisi dari surat yang sudah ditandatangani. Lengkapi NIK bila sudah terbit, periksa isian lain, lalu simpan."
	s.render(c, http.StatusOK, "resident_form", p)
	return nil
}
