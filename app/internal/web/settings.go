package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // logos may be uploaded as JPEG
	"image/png"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	appfiles "github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/imgscale"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The village profile of /pengaturan: names and address for the kop, the
// paper size, the letter-number format with a live example, and the logo.

// Logo upload policy.
const (
	maxLogoBytes = 1 << 20 // 1 MB as uploaded
	// maxLogoSide is the longer side of a stored logo: printed 25 mm high
	// it is 400 dpi, sharper than any office printer.
	maxLogoSide = 400
	// logoDir is where logos live inside the storage directory; a
	// village's LogoPath is relative to the storage directory.
	logoDir = "logos"
)

// exampleModule is the module whose kode surat the number-format example
// uses when no module is named.
const exampleModule = "sk_domisili"

// settingsForm is the village profile as the form submits it.
type settingsForm struct {
	Name         string `form:"name"`
	Sebutan      string `form:"sebutan"`
	Kecamatan    string `form:"kecamatan"`
	Kabupaten    string `form:"kabupaten"`
	SebutanKab   string `form:"sebutan_kab"`
	Provinsi     string `form:"provinsi"`
	Address      string `form:"address"`
	PostalCode   string `form:"postal_code"`
	Phone        string `form:"phone"`
	Email        string `form:"email"`
	Website      string `form:"website"`
	Paper        string `form:"paper"`
	NumberFormat string `form:"number_format"`
	NumberScope  string `form:"number_scope"`
}

// settingsPage is the village profile form.
type settingsPage struct {
	basePage
	Tabs    []settingsTab
	Village *surat.Village
	Form    settingsForm
	Errors  map[string]string
	// Example is a number the current format gives, or "" when the format
	// is not valid.
	Example string
	// LogoURL is the address of the current logo, "" without one.
	LogoURL string
}

// settingsTab is one entry of the settings pages' sub-menu.
type settingsTab struct {
	Label, Href string
	Active      bool
}

// settingsTabs is the sub-menu of the settings pages with the page at
// current marked.
func settingsTabs(current string) []settingsTab {
	tabs := []settingsTab{
		{Label: "Profil desa", Href: "/pengaturan"}, {Label: "Jenis surat", Href: "/pengaturan/surat"},
		{Label: "Pejabat", Href: "/pengaturan/pejabat"}, {Label: "Pengguna", Href: "/pengaturan/pengguna"},
		{Label: "Sertifikat TTE", Href: "/pengaturan/sertifikat"},
		{Label: "Penomoran", Href: "/pengaturan/penomoran"},
		{Label: "Alur & pemberitahuan", Href: "/pengaturan/alur"},
		{Label: "Riwayat pemberitahuan", Href: "/pengaturan/pemberitahuan"},
	}
	for i := range tabs {
		tabs[i].Active = tabs[i].Href == current
	}
	return tabs
}

// adminVillage is the signed-in user's village; requireRole has already let
// only village roles through, so a user without one is refused.
func adminVillage(c *gin.Context) (int64, error) {
	u := currentUser(c)
	if u == nil {
		return 0, surat.ErrUnauthorized
	}
	if u.VillageID == nil {
		return 0, fmt.Errorf("user %d has no village: %w", u.ID, surat.ErrForbidden)
	}
	return *u.VillageID, nil
}

// formFromVillage fills the profile form with the stored village.
func formFromVillage(v *surat.Village) settingsForm {
	return settingsForm{Name: v.Name, Sebutan: v.Sebutan, Kecamatan: v.Kecamatan, Kabupaten: v.Kabupaten,
		SebutanKab: v.SebutanKab, Provinsi: v.Provinsi, Address: v.Address, PostalCode: v.PostalCode,
		Phone: v.Phone, Email: v.Email, Website: v.Website, Paper: string(v.Paper), NumberFormat: v.NumberFormat,
		NumberScope: string(v.NumberScope)}
}

// handleSettings shows the village profile.
func (s *Server) handleSettings(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	return s.renderSettings(c, http.StatusOK, v, formFromVillage(v), nil)
}

func (s *Server) renderSettings(c *gin.Context, status int, v *surat.Village, f settingsForm, errs map[string]string) error {
	p := settingsPage{basePage: s.base(c, "Pengaturan desa"), Tabs: settingsTabs("/pengaturan"), Village: v, Form: f,
		Errors: errs}
	p.Example, _ = s.exampleNumber(c.Request.Context(), v, exampleModule, f.NumberFormat)
	if v.LogoPath != "" {
		// The random file name changes with every upload, so it also
		// busts the browser's cache.
		p.LogoURL = "/pengaturan/logo?v=" + strings.TrimSuffix(path.Base(v.LogoPath), ".png")
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "settings", p)
	return nil
}

// settingsNotices are the notices a settings page shows after a redirect,
// chosen by the ?ok= key; the URL never carries free text.
var settingsNotices = map[string]string{
	"profil":           "Profil desa disimpan.",
	"logo":             "Logo disimpan. Surat yang ditandatangani mulai sekarang memakai logo ini.",
	"logo-dihapus":     "Logo dihapus.",
	"surat":            "Pengaturan jenis surat disimpan.",
	"pejabat":          "Data pejabat disimpan.",
	"pengguna":         "Pengguna disimpan.",
	"sandi":            "Kata sandi baru disimpan. Sesi pengguna itu diakhiri.",
	"sertifikat":       "Sertifikat diterbitkan.",
	"sertifikat-cabut": "Sertifikat dicabut: tidak dapat lagi dipakai menandatangani. Surat yang sudah ditandatangani sebelumnya tetap sah. Admin kabupaten akan mencantumkannya dalam daftar pencabutan (CRL) berikutnya.",
	"sertifikat-diajukan": "Permohonan sertifikat dikirim. Pemegang CA di kabupaten akan memeriksanya; " +
		"setelah disetujui Anda dapat menandatangani dengan frasa sandi yang baru Anda pilih.",
	"sertifikat-disetujui": "Permohonan disetujui: sertifikat diterbitkan dan akun pemohon ditautkan ke pejabatnya.",
	"sertifikat-ditolak":   "Permohonan sertifikat ditolak. Pemohon melihat alasannya.",
	"crl":                  "CRL baru diterbitkan: semua sertifikat yang dicabut tercantum di dalamnya.",
	"desa":                 "Desa dan admin pertamanya dibuat.",
	"templat-dihapus":      "Penyesuaian templat dihapus. Templat di bawahnya berlaku lagi.",
	"alur":                 "Pengaturan alur surat dan pemberitahuan disimpan.",
	"penomoran":            "Nomor urut berikutnya disimpan.",
	"kirim-ulang":          "Pemberitahuan dimasukkan lagi ke antrean dan segera dikirim ulang.",
}

// settingsNotice shows the ?ok= notice of a redirect, unless a flash is shown.
func (s *Server) settingsNotice(c *gin.Context, b *basePage) {
	if b.Flash == "" {
		b.Flash = settingsNotices[c.Query("ok")]
	}
}

// redirectWithNotice sends the browser to path with the notice key ok.
func redirectWithNotice(c *gin.Context, path, ok string) {
	c.Redirect(http.StatusSeeOther, path+"?ok="+ok)
}

// ctxCatalogue keeps the catalogue of the request's village once read.
const ctxCatalogue = "suratdesa.catalogue"

// catalogue is the letter catalogue of the request's village: the signed-in
// staff user's, or the signed-in resident's; the kabupaten's for the
// kabupaten admin. It is read once per request.
func (s *Server) catalogue(c *gin.Context) (*letters.Catalogue, error) {
	if v, ok := c.Get(ctxCatalogue); ok {
		return v.(*letters.Catalogue), nil
	}
	vid := int64(0)
	if u := currentUser(c); u != nil && u.VillageID != nil {
		vid = *u.VillageID
	} else if r := currentResident(c); r != nil {
		vid = r.Account.VillageID
	}
	cat, err := s.issuance.ModulesFor(c.Request.Context(), vid)
	if err != nil {
		return nil, err
	}
	c.Set(ctxCatalogue, cat)
	return cat, nil
}

// moduleTitleOf is the title of a module of the request's village, or its
// code when unknown; a catalogue that cannot be read (the error is logged)
// shows the code too.
func (s *Server) moduleTitleOf(c *gin.Context, code string) string {
	cat, err := s.catalogue(c)
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "module title", "module", code, "err", err)
		return code
	}
	if m := cat.Module(code); m != nil {
		return m.Title
	}
	return code
}

var (
	phoneRE   = regexp.MustCompile(`^[0-9+()\- ]{0,20}$`)
	postalRE  = regexp.MustCompile(`^([0-9]{5})?$`)
	emailRE   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	websiteRE = regexp.MustCompile(`^[A-Za-z0-9:/._\-?=&%#~+]*$`)
)

// handleSettingsSave saves the village profile and number format.
func (s *Server) handleSettingsSave(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	var f settingsForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	for _, p := range []*string{&f.Name, &f.Sebutan, &f.Kecamatan, &f.Kabupaten, &f.SebutanKab, &f.Provinsi,
		&f.Address, &f.PostalCode, &f.Phone, &f.Email, &f.Website, &f.Paper, &f.NumberFormat, &f.NumberScope} {
		*p = strings.TrimSpace(*p)
	}
	old, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	v := *old
	v.Name, v.Sebutan, v.Kecamatan, v.Kabupaten, v.SebutanKab = f.Name, f.Sebutan, f.Kecamatan, f.Kabupaten, f.SebutanKab
	v.Provinsi, v.Address, v.PostalCode, v.Phone, v.Email, v.Website = f.Provinsi, f.Address, f.PostalCode, f.Phone, f.Email, f.Website
	v.Paper, v.NumberFormat, v.NumberScope = surat.Paper(f.Paper), f.NumberFormat, surat.NumberScope(f.NumberScope)
	p := surat.Problems{}
	mergeProblems(p, v.Validate())
	if fields, ok := surat.FieldErrors(func() error { _, err := surat.ParseNumberFormat(v.NumberFormat); return err }()); ok {
		p.Add("number_format", fields["number_format"])
	}
	s.checkPrintable(p, villageTexts(&v)...)
	if !postalRE.MatchString(v.PostalCode) {
		p.Add("postal_code", "Kode pos 5 digit angka")
	}
	if !phoneRE.MatchString(v.Phone) {
		p.Add("phone", "Telepon hanya angka, spasi, +, - atau tanda kurung, paling banyak 20 karakter")
	}
	if v.Email != "" && (len(v.Email) > 100 || !emailRE.MatchString(v.Email)) {
		p.Add("email", "Alamat email tidak valid, mis. desa@contoh.go.id")
	}
	if len(v.Website) > 100 || !websiteRE.MatchString(v.Website) {
		p.Add("website", "Alamat situs tidak valid, mis. sumberejo.desa.id")
	}
	if len(p) > 0 {
		return s.renderSettings(c, http.StatusUnprocessableEntity, old, f, p)
	}
	err = s.store.UpdateVillage(ctx, actorOf(currentUser(c)), &v)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderSettings(c, http.StatusUnprocessableEntity, old, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan", "profil")
	return nil
}

// exampleNumber is the number format gives the seventh letter of module
// this month, or the Indonesian message why the format is not valid.
func (s *Server) exampleNumber(ctx context.Context, v *surat.Village, module, format string) (string, string) {
	f, err := surat.ParseNumberFormat(format)
	if fields, ok := surat.FieldErrors(err); ok {
		return "", fields["number_format"]
	}
	if err != nil {
		return "", "Format nomor surat tidak valid"
	}
	kode := "470"
	if cat, err := s.issuance.ModulesFor(ctx, v.ID); err == nil {
		if m := cat.Module(module); m != nil {
			kode = m.Klasifikasi
		}
	}
	if ls, err := s.store.LetterSetting(ctx, v.ID, module); err == nil && ls.KodeSurat != "" {
		kode = ls.KodeSurat
	}
	now := surat.LetterTime(s.now())
	return f.Format(surat.NumberParts{KodeSurat: kode, KodeDesa: v.Code, Seq: 7, Month: int(now.Month()),
		Year: now.Year()}), ""
}

// numberExample is the JSON answer of the live example.
type numberExample struct {
	Example string `json:"example"`
	Error   string `json:"error,omitempty"`
}

// handleNumberExample answers the settings page's script with the example
// number for ?format= (and ?module=), so the admin sees the effect of a
// format while typing it.
func (s *Server) handleNumberExample(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	module, format := c.Query("module"), strings.TrimSpace(c.Query("format"))
	if module == "" {
		module = exampleModule
	} else if format == "" {
		// A module without an override uses the village format.
		format = v.NumberFormat
	}
	ex, msg := s.exampleNumber(c.Request.Context(), v, module, format)
	c.JSON(http.StatusOK, numberExample{Example: ex, Error: msg})
	return nil
}

// handleLogo serves the village's logo to its admin.
func (s *Server) handleLogo(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	if v.LogoPath == "" {
		return surat.ErrNotFound
	}
	b, err := s.issuance.Files().Get(c.Request.Context(), v.LogoPath)
	if errors.Is(err, blob.ErrNotExist) {
		return fmt.Errorf("logo of village %d: %w", vid, surat.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("web: read logo of village %d: %w", vid, err)
	}
	c.Header("Cache-Control", "private, max-age=3600")
	c.Data(http.StatusOK, "image/png", b)
	return nil
}

// handleLogoUpload takes a PNG or JPEG of at most 1 MB, re-encodes it as a
// PNG no larger than 400 px, stores it under a random name and makes it
// the village's logo.
func (s *Server) handleLogoUpload(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		return s.renderSettings(c, http.StatusUnprocessableEntity, v, formFromVillage(v), map[string]string{"logo": msg})
	}
	fh, err := c.FormFile("logo")
	if err != nil {
		return fail("Pilih berkas logo (PNG atau JPEG)")
	}
	if fh.Size > maxLogoBytes {
		return fail("Ukuran logo paling besar 1 MB")
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("web: open uploaded logo: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	if err != nil {
		return fmt.Errorf("web: read uploaded logo: %w", err)
	}
	if len(data) > maxLogoBytes {
		return fail("Ukuran logo paling besar 1 MB")
	}
	encoded, msg := reencodeLogo(data)
	if msg != "" {
		return fail(msg)
	}
	keeper := s.issuance.Files()
	rel := appfiles.NewKey(logoDir, vid, ".png")
	if err := keeper.Stage(ctx, rel, encoded); err != nil {
		return fmt.Errorf("web: store logo: %w", err)
	}
	old := v.LogoPath
	nv := *v
	nv.LogoPath = rel
	if err := s.store.UpdateVillage(ctx, actorOf(currentUser(c)), &nv); err != nil {
		keeper.Abandon(ctx, rel)
		return err
	}
	s.removeOldLogo(ctx, vid, old)
	redirectWithNotice(c, "/pengaturan", "logo")
	return nil
}

// handleLogoDelete removes the village's logo; letters then have a kop
// without one.
func (s *Server) handleLogoDelete(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	if v.LogoPath != "" {
		old := v.LogoPath
		v.LogoPath = ""
		if err := s.store.UpdateVillage(ctx, actorOf(currentUser(c)), v); err != nil {
			return err
		}
		s.removeOldLogo(ctx, vid, old)
	}
	redirectWithNotice(c, "/pengaturan", "logo-dihapus")
	return nil
}

// removeOldLogo deletes a replaced logo file. Signed letters embed their
// logo, so nothing needs the file any more; failing to delete it only
// wastes space and is logged.
func (s *Server) removeOldLogo(ctx context.Context, vid int64, old string) {
	if old == "" || !strings.HasPrefix(old, logoDir+"/") {
		return
	}
	if err := s.issuance.Files().Remove(ctx, old); err != nil {
		s.log.WarnContext(ctx, "remove old logo", "village_id", vid, "err", err)
	}
}

// reencodeLogo checks by content that data is a PNG or JPEG of at most
// imgscale.MaxSide pixels a side (from its header, before decoding), decodes it and
// returns it as a PNG whose longer side is at most maxLogoSide pixels, or an
// Indonesian message why it cannot be used. Re-encoding drops anything but
// the pixels (metadata, trailing data, a polyglot payload).
func reencodeLogo(data []byte) ([]byte, string) {
	switch http.DetectContentType(data) {
	case "image/png", "image/jpeg":
	default:
		return nil, "Logo harus berkas gambar PNG atau JPEG"
	}
	img, _, err := imgscale.Decode(data)
	switch {
	case errors.Is(err, imgscale.ErrTooLarge):
		return nil, fmt.Sprintf("Ukuran gambar logo terlalu besar; paling besar %d×%d piksel. Perkecil gambar lalu unggah lagi.",
			imgscale.MaxSide, imgscale.MaxSide)
	case err != nil:
		return nil, "Berkas logo rusak atau tidak dapat dibaca"
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, scaleDown(img, maxLogoSide)); err != nil {
		return nil, "Logo tidak dapat diproses"
	}
	return buf.Bytes(), ""
}

// scaleDown shrinks img by averaging so that its longer side is at most
// maxSide pixels, keeping transparency; a smaller image is only copied.
func scaleDown(img image.Image, maxSide int) *image.NRGBA {
	dw, dh := imgscale.Fit(img.Bounds(), maxSide)
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	imgscale.Boxes(img, dw, dh, func(x, y int, b imgscale.Box) {
		// Average premultiplied values, then un-premultiply, so
		// transparent pixels do not darken the edges.
		px := color.NRGBA64{}
		if b.A > 0 {
			px = color.NRGBA64{R: uint16(b.R * 0xFFFF / b.A), G: uint16(b.G * 0xFFFF / b.A), B: uint16(b.B * 0xFFFF / b.A),
				A: uint16(b.A / b.N)}
		}
		dst.Set(x, y, px)
	})
	return dst
}

// randomFileName is n random bytes in hex, for file names that reveal nothing.
func randomFileName(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web: random name: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// parseFilterDay reads a yyyy-mm-dd date from a filter as the start of that day
// in letter time; "" is the zero time.
func parseFilterDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, surat.LetterTime(time.Time{}).Location())
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
