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
	// Validity is the validity in force as read ("1 bulan", "30 hari").
	Validity string
}

// letterSettingsPage lists every module with its settings.
type letterSettingsPage struct {
	basePage
	Tabs []settingsTab
	Rows []letterSettingRow
	// Drafts are the village's template drafts waiting for review.
	Drafts []surat.LetterTemplate
	// VillageFormat is the number format of modules without their own.
	VillageFormat string
}

// letterSettingForm is one module's settings as the form submits them.
type letterSettingForm struct {
	Enabled      bool   `form:"enabled"`
	KodeSurat    string `form:"kode_surat"`
	NumberFormat string `form:"number_format"`
	ValidityDays string `form:"validity_days"`
	Online       bool   `form:"online"`
	Verification string `form:"verification"`
	// Requirements are the required documents, one a line.
	Requirements string `form:"requirements"`
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
	// Verifications are the choices of the verification step.
	Verifications []surat.Verification
	Standard      []string
	// LastNumber is the last number of the module's sequence this year,
	// NextNumber the one the next letter gets.
	LastNumber, NextNumber string
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
	p := letterSettingsPage{basePage: s.base(c, "Pengaturan jenis surat"), Tabs: settingsTabs("/pengaturan/surat"),
		VillageFormat: v.NumberFormat}
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
		var set *surat.LetterSettings
		if row.Custom {
			set = &row.Settings
		}
		row.Validity = m.ValidityText(set)
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
	days := ls.ValidityDays
	if days == 0 {
		days = m.Validity.Days() // a saved 0 means the module's period
	}
	f := letterSettingForm{Enabled: ls.Enabled, KodeSurat: ls.KodeSurat, NumberFormat: ls.NumberFormat,
		ValidityDays: strconv.Itoa(days), Online: ls.Online, Verification: string(ls.Verification),
		Requirements: strings.Join(ls.RequirementList(), "\n")}
	return s.renderLetterSetting(c, http.StatusOK, vid, m, f, nil)
}

func (s *Server) renderLetterSetting(c *gin.Context, status int, vid int64, m *letters.Module, f letterSettingForm,
	errs map[string]string) error {
	v, err := s.store.VillageByID(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	p := letterSettingPage{basePage: s.base(c, m.Title), Tabs: settingsTabs("/pengaturan/surat"), Module: m, Form: f,
		Errors: errs, VillageFormat: v.NumberFormat, Standard: surat.StandardRequirements,
		Verifications: []surat.Verification{surat.VerifyVillage, surat.VerifySekdes, surat.VerifyNone}}
	if series, err := s.issuance.NumberSeriesOf(c.Request.Context(), vid); err == nil {
		scope, _, _ := s.store.SeriesScope(c.Request.Context(), vid, m.Code, m.Klasifikasi)
		for _, ns := range series {
			if ns.Scope == scope {
				p.LastNumber, p.NextNumber = ns.LastNumber, ns.Next
			}
		}
	} else {
		return err
	}
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
		Online: f.Online, Verification: surat.Verification(f.Verification)}
	ls.SetRequirements(strings.Split(f.Requirements, "\n"))
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
