package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The kabupaten admin's pages: the villages with their counts, a new
// village with its first admin, and a kabupaten-wide count of letters per
// village and module. The kabupaten admin sees counts only, never a
// village's residents or letters.

// villageForm is a new village and its first admin as the form submits
// them.
type villageForm struct {
	Code            string `form:"code"`
	Name            string `form:"name"`
	Sebutan         string `form:"sebutan"`
	Kecamatan       string `form:"kecamatan"`
	Kabupaten       string `form:"kabupaten"`
	SebutanKab      string `form:"sebutan_kab"`
	Provinsi        string `form:"provinsi"`
	Address         string `form:"address"`
	FullName        string `form:"full_name"`
	Username        string `form:"username"`
	Password        string `form:"password"`
	PasswordConfirm string `form:"password_confirm"`
}

// normalize trims the form's text fields and normalizes the username.
func (f *villageForm) normalize() {
	for _, p := range []*string{&f.Code, &f.Name, &f.Sebutan, &f.Kecamatan, &f.Kabupaten, &f.SebutanKab, &f.Provinsi,
		&f.Address, &f.FullName} {
		*p = strings.TrimSpace(*p)
	}
	f.Username = normalizeUsername(f.Username)
}

// village is the village the form describes, with the default letter
// numbering and paper.
func (f *villageForm) village() *surat.Village {
	return &surat.Village{Code: f.Code, Name: f.Name, Sebutan: f.Sebutan, Kecamatan: f.Kecamatan, Kabupaten: f.Kabupaten,
		SebutanKab: f.SebutanKab, Provinsi: f.Provinsi, Address: f.Address, NumberFormat: surat.DefaultNumberFormat,
		NumberScope: surat.ScopeModule, Paper: surat.PaperF4}
}

// printableText is a text of a form that letters print, with its field
// and label for the message.
type printableText struct{ field, label, text string }

// checkPrintable adds to p, on its field, each text that holds a character
// the letters' fonts cannot print, and that every letter of the village
// would otherwise show as "?" (the kop, the signer block).
func (s *Server) checkPrintable(p surat.Problems, texts ...printableText) {
	for _, t := range texts {
		if c, bad := s.issuance.Unprintable(t.text); bad {
			p.Add(t.field, surat.UnprintableMessage(t.label, c))
		}
	}
}

// villageTexts are the texts of v that letters print in the kop.
func villageTexts(v *surat.Village) []printableText {
	return []printableText{{"name", "Nama desa", v.Name}, {"sebutan", "Sebutan desa", v.Sebutan},
		{"kecamatan", "Kecamatan", v.Kecamatan}, {"kabupaten", "Kabupaten/Kota", v.Kabupaten},
		{"sebutan_kab", "Sebutan kabupaten", v.SebutanKab}, {"provinsi", "Provinsi", v.Provinsi},
		{"address", "Alamat", v.Address}}
}

// check adds to p the problems of v (the form's village) and of the first
// admin; noName is the message for a missing full name.
func (f *villageForm) check(p surat.Problems, v *surat.Village, noName string) {
	mergeProblems(p, v.Validate())
	switch {
	case f.FullName == "":
		p.Add("full_name", noName)
	case len([]rune(f.FullName)) > 100:
		p.Add("full_name", "Nama lengkap paling banyak 100 karakter")
	default:
		if msg := surat.ValidateName(f.FullName); msg != "" {
			p.Add("full_name", msg)
		}
	}
	if f.Username == "" {
		p.Add("username", "Nama pengguna wajib diisi")
	}
	if msg := auth.ValidatePassword(f.Password, f.Username, f.FullName, v.Name); msg != "" {
		p.Add("password", msg)
	} else if f.Password != f.PasswordConfirm {
		p.Add("password_confirm", "Ulangi kata sandi yang sama")
	}
}

// kabupatenVillagesPage lists the villages with the form for a new one.
type kabupatenVillagesPage struct {
	basePage
	Year int
	// List is the page of villages the search asks for, with the totals.
	List   *store.VillageSummaryPage
	Query  string
	Pager  pager
	Form   villageForm
	Errors map[string]string
}

// yearRange is [1 January, 1 January next year) of the year of t, in
// letter time.
func yearRange(t time.Time) (time.Time, time.Time) {
	lt := surat.LetterTime(t)
	from := time.Date(lt.Year(), 1, 1, 0, 0, 0, 0, lt.Location())
	return from, from.AddDate(1, 0, 0)
}

// handleKabupatenVillages lists the villages with their counts.
func (s *Server) handleKabupatenVillages(c *gin.Context) error {
	f := villageForm{Sebutan: "Desa", SebutanKab: "Kabupaten"}
	// Most villages of a deployment share the kabupaten and provinsi:
	// offer the first village's.
	if vs, err := s.store.Villages(c.Request.Context()); err != nil {
		return err
	} else if len(vs) > 0 {
		f.Kabupaten, f.SebutanKab, f.Provinsi = vs[0].Kabupaten, vs[0].SebutanKab, vs[0].Provinsi
	}
	return s.renderKabupatenVillages(c, http.StatusOK, f, nil)
}

func (s *Server) renderKabupatenVillages(c *gin.Context, status int, f villageForm, errs map[string]string) error {
	from, to := yearRange(s.now())
	q := strings.TrimSpace(c.Query("q"))
	page, _ := strconv.Atoi(c.Query("halaman"))
	list, err := s.store.VillageSummaries(c.Request.Context(), from, to, store.VillageFilter{Query: q, Page: page})
	if err != nil {
		return err
	}
	f.Password, f.PasswordConfirm = "", ""
	p := kabupatenVillagesPage{basePage: s.base(c, "Desa"), Year: from.Year(), List: list, Query: q, Form: f, Errors: errs,
		Pager: newPager("/kabupaten/desa", url.Values{"q": {q}}, list.Page, list.PerPage, list.Total)}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "kabupaten_villages", p)
	return nil
}

// handleKabupatenVillageCreate creates a village and its first admin_desa.
func (s *Server) handleKabupatenVillageCreate(c *gin.Context) error {
	ctx := c.Request.Context()
	var f villageForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.normalize()
	f.Code = strings.NewReplacer(".", "", " ", "").Replace(f.Code) // 35.05.12.2001 as printed
	v := f.village()
	p := surat.Problems{}
	f.check(p, v, "Nama lengkap admin wajib diisi")
	s.checkPrintable(p, villageTexts(v)...)
	if len(p) > 0 {
		return s.renderKabupatenVillages(c, http.StatusUnprocessableEntity, f, p)
	}
	hash, err := s.hashing.Hash(f.Password, s.params)
	if err != nil {
		return err
	}
	u := &surat.User{Username: f.Username, FullName: f.FullName, PasswordHash: hash}
	err = s.store.CreateVillageWithAdmin(ctx, actorOf(currentUser(c)), v, u)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderKabupatenVillages(c, http.StatusUnprocessableEntity, f, fields)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "village created", "village_id", v.ID, "admin_user_id", u.ID)
	redirectWithNotice(c, "/kabupaten/desa", "desa")
	return nil
}

// recapVillage is one village's letters by module in the recap.
type recapVillage struct {
	Village surat.Village
	Modules []recapCount
	Total   int64
}

// recapCount is a number of letters of one module.
type recapCount struct {
	Module, Title string
	N             int64
}

// kabupatenRecapPage counts the letters of a period per village and
// module.
type kabupatenRecapPage struct {
	basePage
	From, To string // yyyy-mm-dd as typed, To inclusive
	Errors   map[string]string
	Villages []recapVillage // the page's villages
	Modules  []recapCount   // every matching village, per module
	Total    int64
	Query    string
	// VillageTotal counts the matching villages; Pager pages them.
	VillageTotal int64
	Pager        pager
}

// handleKabupatenRecap counts the letters signed from ?dari= to ?sampai=
// (both inclusive days; this year by default) per village and module.
func (s *Server) handleKabupatenRecap(c *gin.Context) error {
	ctx := c.Request.Context()
	yFrom, yTo := yearRange(s.now())
	p := kabupatenRecapPage{basePage: s.base(c, "Rekap surat"), From: c.Query("dari"), To: c.Query("sampai"),
		Errors: map[string]string{}}
	if p.From == "" && p.To == "" {
		p.From, p.To = yFrom.Format("2006-01-02"), yTo.AddDate(0, 0, -1).Format("2006-01-02")
	}
	from, ok := parseFilterDay(p.From)
	if !ok || from.IsZero() {
		p.Errors["dari"] = "Isi tanggal awal dengan format tahun-bulan-tanggal"
	}
	to, ok := parseFilterDay(p.To)
	if !ok || to.IsZero() {
		p.Errors["sampai"] = "Isi tanggal akhir dengan format tahun-bulan-tanggal"
	} else if !from.IsZero() && to.Before(from) {
		p.Errors["sampai"] = "Tanggal akhir tidak boleh sebelum tanggal awal"
	}
	if len(p.Errors) > 0 {
		s.render(c, http.StatusUnprocessableEntity, "kabupaten_recap", p)
		return nil
	}
	p.Query = strings.TrimSpace(c.Query("q"))
	page, _ := strconv.Atoi(c.Query("halaman"))
	recap, err := s.store.LetterRecapPage(ctx, from, to.AddDate(0, 0, 1), store.VillageFilter{Query: p.Query, Page: page})
	if err != nil {
		return err
	}
	p.VillageTotal, p.Total = recap.VillageTotal, recap.Total
	p.Pager = newPager("/kabupaten/rekap", url.Values{"dari": {p.From}, "sampai": {p.To}, "q": {p.Query}},
		recap.Page, recap.PerPage, recap.VillageTotal)
	byVillage := map[int64]*recapVillage{}
	for _, v := range recap.Villages {
		byVillage[v.ID] = &recapVillage{Village: v}
	}
	for _, r := range recap.Rows {
		rv := byVillage[r.VillageID]
		if rv == nil {
			continue
		}
		rv.Modules = append(rv.Modules, recapCount{Module: r.Module, Title: s.moduleTitleOf(c, r.Module), N: r.N})
		rv.Total += r.N
	}
	for _, v := range recap.Villages {
		p.Villages = append(p.Villages, *byVillage[v.ID])
	}
	for _, m := range recap.Modules {
		p.Modules = append(p.Modules, recapCount{Module: m.Module, Title: s.moduleTitleOf(c, m.Module), N: m.N})
	}
	sort.Slice(p.Modules, func(i, j int) bool {
		if p.Modules[i].N != p.Modules[j].N {
			return p.Modules[i].N > p.Modules[j].N
		}
		return p.Modules[i].Module < p.Modules[j].Module
	})
	s.render(c, http.StatusOK, "kabupaten_recap", p)
	return nil
}
