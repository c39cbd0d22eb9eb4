package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Searches by NIK or No. KK never travel in a URL (URLs end up in browser
// history, proxy logs and Referer headers). The search form is therefore a
// POST: a query holding any digit is kept server-side in a form stash owned
// by the user, and the browser is sent to /penduduk?cari=<random key>; a
// name search, which is no such identifier, goes to /penduduk?q=<name> and
// can be bookmarked. A digit query typed into the URL by hand is moved into
// a stash the same way. The access log prints paths only, never query
// strings (see accessLog).
const searchStashTTL = 2 * time.Hour

// residentNotices are the fixed notices a redirect may ask a resident page
// to show (?pesan=key); the URL never carries free text.
var residentNotices = map[string]string{
	"dibuat":    "Penduduk baru tersimpan.",
	"disimpan":  "Perubahan data penduduk tersimpan.",
	"meninggal": "Penduduk dicatat meninggal. Datanya tetap tersimpan dan tidak dapat dipilih untuk surat baru.",
	"pindah":    "Penduduk dicatat pindah. Datanya tetap tersimpan dan tidak dapat dipilih untuk surat baru.",
	"kedaluwarsa": "Pencarian dengan NIK/No. KK sudah kedaluwarsa atau bukan milik Anda; " +
		"silakan cari lagi.",
}

// residentSearch is the list's search form and query string.
type residentSearch struct {
	Q      string `form:"q" json:"q"`
	Dusun  string `form:"dusun" json:"dusun"`
	RW     string `form:"rw" json:"rw"`
	RT     string `form:"rt" json:"rt"`
	Sex    string `form:"jk" json:"jk"`
	Status string `form:"status" json:"status"`
}

func (f *residentSearch) trim() {
	for _, p := range []*string{&f.Q, &f.Dusun, &f.RW, &f.RT, &f.Sex, &f.Status} {
		*p = strings.TrimSpace(*p)
	}
	if len([]rune(f.Q)) > 100 {
		f.Q = string([]rune(f.Q)[:100])
	}
}

// sensitive reports whether the search holds a digit: a NIK, a No. KK or a
// part of one.
func (f residentSearch) sensitive() bool {
	return strings.IndexFunc(f.Q, unicode.IsDigit) >= 0
}

// values is the query string of a search that may travel in a URL.
func (f residentSearch) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "dusun": f.Dusun, "rw": f.RW, "rt": f.RT, "jk": f.Sex, "status": f.Status} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// query converts the search to a store query; a filter value that is not
// one of the options is ignored, the select offers only valid ones.
func (f residentSearch) query() store.ResidentQuery {
	q := store.ResidentQuery{Text: f.Q, Dusun: f.Dusun, RW: f.RW, RT: f.RT}
	if n, err := strconv.Atoi(f.Sex); err == nil && surat.Sex.Valid(n) {
		q.Sex = n
	}
	if n, err := strconv.Atoi(f.Status); err == nil && surat.LifeStatus.Valid(n) {
		q.LifeStatus = n
	}
	return q
}

// residentListPage is /penduduk.
type residentListPage struct {
	basePage
	enumLabels
	Search   residentSearch
	Results  *store.ResidentResults
	Dusuns   []string
	CanWrite bool
	Notice   string
	// PrevURL and NextURL page through the results; "" when there is no
	// such page.
	PrevURL, NextURL string
	FirstURL         string
	Sexes, Statuses  []surat.Option
}

// canWriteResidents reports whether the user may change the register.
func canWriteResidents(u *surat.User) bool {
	return u != nil && u.VillageID != nil && (u.Role == surat.RoleAdminDesa || u.Role == surat.RoleOperator)
}

// handleResidentList shows one page of the village's residents.
func (s *Server) handleResidentList(c *gin.Context) error {
	u := currentUser(c)
	f, ls, err := readListSearch[residentSearch](s, c, "/penduduk")
	if err != nil || ls.Redirected {
		return err
	}
	notice := residentNotices[c.Query("pesan")]
	if ls.Expired {
		notice = residentNotices["kedaluwarsa"]
	}
	ctx := c.Request.Context()
	q := f.query()
	q.After, _ = strconv.ParseInt(c.Query("setelah"), 10, 64)
	q.Before, _ = strconv.ParseInt(c.Query("sebelum"), 10, 64)
	res, err := s.store.FindResidents(ctx, villageOf(c), q)
	if err != nil {
		return err
	}
	dusuns, err := s.store.Dusuns(ctx, villageOf(c))
	if err != nil {
		return err
	}
	p := residentListPage{basePage: s.base(c, "Penduduk"), Search: f, Results: res, Dusuns: dusuns,
		CanWrite: canWriteResidents(u), Notice: notice, Sexes: surat.Sex.Options, Statuses: surat.LifeStatus.Options}
	if n := len(res.Residents); n > 0 {
		if res.HasPrev {
			p.PrevURL = ls.link("sebelum", res.Residents[0].ID)
			p.FirstURL = ls.link("", 0)
		}
		if res.HasNext {
			p.NextURL = ls.link("setelah", res.Residents[n-1].ID)
		}
	}
	s.render(c, http.StatusOK, "resident_list", p)
	return nil
}

// handleResidentSearch takes the search form and redirects to the list
// (POST-redirect-GET), keeping a NIK or No. KK out of the URL.
func (s *Server) handleResidentSearch(c *gin.Context) error {
	return submitListSearch[residentSearch](s, c, "/penduduk")
}

// residentDetailPage is /penduduk/:id.
type residentDetailPage struct {
	basePage
	enumLabels
	Resident  *surat.Resident
	Members   []surat.Resident
	Events    []store.ResidentEvent
	Letters   []surat.Letter
	Warnings  []string
	CanWrite  bool
	Notice    string
	Today     string
	Exit      exitForm
	ExitError map[string]string
	// ExitKind is the form ("mati" or "pindah") the errors belong to.
	ExitKind string
}

// exitForm is the mark-dead and mark-moved forms' input.
type exitForm struct {
	Date        string `form:"tanggal"`
	Destination string `form:"tujuan"`
	Reason      string `form:"keterangan"`
	Version     int    `form:"version"`
}

// handleResidentShow shows a resident of the village with household,
// recorded events, letters and the actions the user may take.
func (s *Server) handleResidentShow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.residentDetail(c, id)
	if err != nil {
		return err
	}
	p.Notice = residentNotices[c.Query("pesan")]
	s.render(c, http.StatusOK, "resident_detail", *p)
	return nil
}

func (s *Server) residentDetail(c *gin.Context, id int64) (*residentDetailPage, error) {
	ctx := c.Request.Context()
	vid := villageOf(c)
	r, err := s.store.ResidentByID(ctx, vid, id)
	if err != nil {
		return nil, err
	}
	p := &residentDetailPage{basePage: s.base(c, r.Name), Resident: r, Warnings: r.Warnings(),
		CanWrite: canWriteResidents(currentUser(c)), Today: s.now().Format(dateLayout)}
	if r.HouseholdID != nil {
		if p.Members, err = s.store.HouseholdMembers(ctx, vid, *r.HouseholdID); err != nil {
			return nil, err
		}
	}
	if p.Events, err = s.store.ResidentEvents(ctx, vid, id); err != nil {
		return nil, err
	}
	if p.Letters, err = s.store.LettersOfResident(ctx, vid, id, 50); err != nil {
		return nil, err
	}
	return p, nil
}

// handleResidentExit records a death (kind "mati") or a move ("pindah")
// of a resident: 303 to the resident, or the detail page with the errors
// beside the form's fields (422), or with a notice that the resident
// changed meanwhile (409).
func (s *Server) handleResidentExit(kind string) handlerFunc {
	return func(c *gin.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		vid := villageOf(c)
		// A resident of another village is 404 before anything is read.
		if _, err := s.store.ResidentByID(ctx, vid, id); err != nil {
			return err
		}
		var f exitForm
		if err := c.ShouldBind(&f); err != nil {
			return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
		}
		ev := &store.ResidentEvent{Kind: kind, Destination: f.Destination, Reason: f.Reason}
		fields := map[string]string{}
		if d := strings.TrimSpace(f.Date); d != "" {
			t, err := time.Parse(dateLayout, d)
			if err != nil {
				fields["event_date"] = "Tanggal tidak dapat dibaca; pilih tanggal dari kalender (TTTT-BB-HH)"
			}
			ev.EventDate = t
		}
		if len(fields) == 0 {
			err = s.store.RecordResidentExit(ctx, actorOf(currentUser(c)), vid, id, f.Version, ev)
			if err == nil {
				c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/%d?pesan=%s", id, map[string]string{
					store.EventDeath: "meninggal", store.EventMoved: "pindah"}[kind]))
				return nil
			}
		}
		status := http.StatusUnprocessableEntity
		switch fe, ok := surat.FieldErrors(err); {
		case ok:
			for k, v := range fe {
				if k == "kind" {
					k = "form" // the resident is no longer HIDUP
				}
				fields[k] = v
			}
		case errors.Is(err, surat.ErrConflict):
			status = http.StatusConflict
			fields["form"] = "Data penduduk ini telah diubah oleh pengguna lain sejak halaman ini dibuka. " +
				"Periksa data terbaru di atas, lalu kirim lagi bila masih perlu."
		case err != nil && len(fields) == 0:
			return err
		}
		p, err := s.residentDetail(c, id)
		if err != nil {
			return err
		}
		// The form now carries the version shown on the page, so a resend
		// after reading the new data is a deliberate decision.
		p.Exit, p.ExitError, p.ExitKind = f, fields, kind
		p.Exit.Version = p.Resident.Version
		s.render(c, status, "resident_detail", *p)
		return nil
	}
}

// enumLabels gives resident pages the labels of register enumerations.
type enumLabels struct{}

// EnumLabel is the label of id in the enumeration with that machine name
// (agama, pekerjaan, ...), or "-" when it has none.
func (enumLabels) EnumLabel(name string, id int) string {
	for _, e := range surat.Enumerations() {
		if e.Name == name {
			if l := e.Label(id); l != "" {
				return l
			}
		}
	}
	return "-"
}

// LifeLabel is the status dasar label of id.
func (l enumLabels) LifeLabel(id int) string { return l.EnumLabel(surat.LifeStatus.Name, id) }

// FormatDate prints a date as 15-01-1980, "-" when zero.
func (enumLabels) FormatDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("02-01-2006")
}

// ExitErrors are the errors of the exit form kind ("mati", "pindah"),
// keyed by its input names; empty for the other form.
func (p residentDetailPage) ExitErrors(kind string) map[string]string {
	out := map[string]string{}
	if p.ExitKind != kind {
		return out
	}
	for k, msg := range p.ExitError {
		switch k {
		case "event_date":
			out["tanggal"] = msg
		case "destination":
			out["tujuan"] = msg
		case "reason":
			out["keterangan"] = msg
		}
	}
	return out
}

// ExitValue is what the user typed into field ("date", "destination",
// "reason") of the exit form kind, kept after a rejected post.
func (p residentDetailPage) ExitValue(kind, field string) string {
	if p.ExitKind != kind {
		return ""
	}
	switch field {
	case "date":
		return p.Exit.Date
	case "destination":
		return p.Exit.Destination
	}
	return p.Exit.Reason
}

// handleResidentDeath records that a resident died (see handleResidentExit).
func (s *Server) handleResidentDeath(c *gin.Context) error {
	return s.handleResidentExit(store.EventDeath)(c)
}

// handleResidentMoved records that a resident moved away (see
// handleResidentExit).
func (s *Server) handleResidentMoved(c *gin.Context) error {
	return s.handleResidentExit(store.EventMoved)(c)
}
