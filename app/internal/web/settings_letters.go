package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Per-module settings of /pengaturan/surat: each of the catalogue's modules
// enabled or not, its kode surat, a number-format override, its validity in
// days and whether residents may request it online.

// letterSettingRow is one module in the list, with the settings in force.
type letterSettingRow struct {
	Module   *letters.Module
	Settings surat.LetterSettings
	// Custom is true when the village has saved settings for the module.
	Custom bool
	// Format is the number format in force: the override or the village's.
	Format string
	// Template says where the module's file comes from: "Bawaan",
	// "Kabupaten versi 2", "Desa versi 3".
	Template string
	OwnFile  bool // the village's own file
}

// letterSettingsPage lists every module with its settings.
type letterSettingsPage struct {
	basePage
	Tabs []settingsTab
	Rows []letterSettingRow
	// Drafts are the village's template drafts waiting for review.
	Drafts []surat.LetterTemplate
}

// letterSettingForm is one module's settings as the form submits them.
type letterSettingForm struct {
	Enabled      bool   `form:"enabled"`
	KodeSurat    string `form:"kode_surat"`
	NumberFormat string `form:"number_format"`
	ValidityDays string `form:"validity_days"`
	Online       bool   `form:"online"`
}

// letterSettingPage edits one module's settings.
type letterSettingPage struct {
	basePage
	Tabs          []settingsTab
	Module        *letters.Module
	Form          letterSettingForm
	Errors        map[string]string
	VillageFormat string
	Example       string
}

// handleLetterSettings lists the modules with their settings.
func (s *Server) handleLetterSettings(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	cat, err := s.catalogue(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	saved, err := s.store.LetterSettings(ctx, vid)
	if err != nil {
		return err
	}
	p := letterSettingsPage{basePage: s.base(c, "Pengaturan jenis surat"), Tabs: settingsTabs("/pengaturan/surat")}
	for _, m := range cat.Modules() {
		row := letterSettingRow{Module: m, Settings: m.DefaultSettings(), Format: v.NumberFormat,
			Template: m.Origin.Label(), OwnFile: m.Origin.Layer == letters.LayerVillage}
		if ls, ok := saved[m.Code]; ok {
			row.Settings, row.Custom = ls, true
		}
		if row.Settings.KodeSurat == "" {
			row.Settings.KodeSurat = m.Klasifikasi
		}
		if row.Settings.NumberFormat != "" {
			row.Format = row.Settings.NumberFormat
		}
		p.Rows = append(p.Rows, row)
	}
	if p.Drafts, err = s.layerDrafts(c, templateScope{Layer: vid}); err != nil {
		return err
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, http.StatusOK, "settings_letters", p)
	return nil
}

// settingModule is the module named by the :module path parameter.
func (s *Server) settingModule(c *gin.Context) (*letters.Module, error) {
	cat, err := s.catalogue(c)
	if err != nil {
		return nil, err
	}
	m := cat.Module(c.Param("module"))
	if m == nil {
		return nil, fmt.Errorf("module %q: %w", c.Param("module"), surat.ErrNotFound)
	}
	return m, nil
}

// handleLetterSettingForm shows one module's settings.
func (s *Server) handleLetterSettingForm(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	m, err := s.settingModule(c)
	if err != nil {
		return err
	}
	ls := m.DefaultSettings()
	saved, err := s.store.LetterSetting(ctx, vid, m.Code)
	switch {
	case err == nil:
		ls = *saved
	case !errors.Is(err, surat.ErrNotFound):
		return err
	}
	if ls.KodeSurat == "" {
		ls.KodeSurat = m.Klasifikasi
	}
	f := letterSettingForm{Enabled: ls.Enabled, KodeSurat: ls.KodeSurat, NumberFormat: ls.NumberFormat,
		ValidityDays: strconv.Itoa(ls.ValidityDays), Online: ls.Online}
	return s.renderLetterSetting(c, http.StatusOK, vid, m, f, nil)
}

func (s *Server) renderLetterSetting(c *gin.Context, status int, vid int64, m *letters.Module, f letterSettingForm,
	errs map[string]string) error {
	v, err := s.store.VillageByID(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	p := letterSettingPage{basePage: s.base(c, m.Title), Tabs: settingsTabs("/pengaturan/surat"), Module: m, Form: f,
		Errors: errs, VillageFormat: v.NumberFormat}
	format := f.NumberFormat
	if strings.TrimSpace(format) == "" {
		format = v.NumberFormat
	}
	p.Example, _ = s.exampleNumber(c.Request.Context(), v, m.Code, format)
	s.render(c, status, "settings_letter", p)
	return nil
}

// handleLetterSettingSave stores one module's settings.
func (s *Server) handleLetterSettingSave(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	m, err := s.settingModule(c)
	if err != nil {
		return err
	}
	var f letterSettingForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.KodeSurat, f.NumberFormat, f.ValidityDays = strings.TrimSpace(f.KodeSurat), strings.TrimSpace(f.NumberFormat),
		strings.TrimSpace(f.ValidityDays)
	ls := surat.LetterSettings{Module: m.Code, Enabled: f.Enabled, KodeSurat: f.KodeSurat, NumberFormat: f.NumberFormat,
		Online: f.Online}
	p := surat.Problems{}
	if f.KodeSurat == "" {
		p.Add("kode_surat", "Kode surat wajib diisi, mis. "+m.Klasifikasi)
	}
	days, err := strconv.Atoi(f.ValidityDays)
	if err != nil || days < 1 || days > 3650 {
		p.Add("validity_days", "Masa berlaku harus angka 1 sampai 3650 hari")
	}
	ls.ValidityDays = days
	if fields, ok := surat.FieldErrors(ls.Validate()); ok {
		for k, msg := range fields {
			p.Add(k, msg)
		}
	}
	if len(p) > 0 {
		return s.renderLetterSetting(c, http.StatusUnprocessableEntity, vid, m, f, p)
	}
	err = s.store.SaveLetterSetting(c.Request.Context(), actorOf(currentUser(c)), vid, &ls)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderLetterSetting(c, http.StatusUnprocessableEntity, vid, m, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/surat", "surat")
	return nil
}
