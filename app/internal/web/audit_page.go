package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The audit log page /audit: a village admin reads their village's log, the
// kabupaten admin every village's or one of them. Entries show who did
// what to which record, never personal data: the log stores ids and hashes,
// and the summary masks anything that looks like a NIK or KK number.

// auditEntities are the kinds of record the log names, with their labels.
var auditEntities = []struct{ Value, Label string }{
	{"village", "Profil desa"}, {"official", "Pejabat"}, {"user", "Pengguna"},
	{"resident", "Penduduk"}, {"household", "Keluarga (KK)"}, {"letter", "Surat"},
	{"letter_setting", "Pengaturan jenis surat"}, {"signer_certificate", "Sertifikat TTE"},
	{"pki_root", "Root CA"}, {"letter_template", "Templat surat"}, {"letter_request", "Permohonan warga"},
	{"resident_account", "Akun Layanan Mandiri"}, {"notification", "Pemberitahuan"},
}

// auditActions are the Indonesian names of the logged actions.
var auditActions = map[string]string{
	"village.create": "Desa dibuat", "village.update": "Profil desa diubah",
	"official.create": "Pejabat ditambahkan", "official.update": "Pejabat diubah",
	"user.create": "Pengguna dibuat", "user.update": "Pengguna diubah", "user.lock": "Akun dikunci",
	"user.password_reset": "Kata sandi direset",
	"resident.create":     "Penduduk ditambahkan", "resident.update": "Penduduk diubah",
	"resident.import": "Impor penduduk", "resident.mark_dead": "Penduduk dicatat meninggal",
	"household.create": "Keluarga ditambahkan",
	"letter.create":    "Draf surat dibuat", "letter.update": "Draf surat diubah", "letter.submit": "Surat diajukan",
	"letter.return": "Surat dikembalikan", "letter.approve": "Surat disetujui", "letter.finalize": "Surat ditandatangani",
	"letter.revoke": "Surat dicabut", "letter.replace": "Surat pengganti dibuat", "letter.replaced": "Surat diganti",
	"letter_setting.create": "Pengaturan surat dibuat", "letter_setting.update": "Pengaturan surat diubah",
	"pki.certificate.issue": "Sertifikat diterbitkan", "pki.certificate.revoke": "Sertifikat dicabut",
	"pki.certificate.lock": "Penandatanganan dikunci", "pki.root.create": "Root CA dibuat",
	"pki.crl.update": "CRL diperbarui", "pki.certificate.passphrase": "Frasa sandi sertifikat diganti",
	"template.save": "Templat surat disimpan", "template.restore": "Versi templat dipulihkan",
	"template.remove": "Penyesuaian templat dihapus", "template.import": "Templat surat diimpor",
	"template.import_opensid": "Templat OpenSID diimpor sebagai draf",
	"resident.mark_moved":     "Penduduk dicatat pindah",
	"letter.delete":           "Draf surat dihapus", "letter.withdraw": "Surat ditarik kembali ke draf",
	"letter.verify": "Surat diverifikasi sekretaris desa", "letter.change_signer": "Penandatangan surat diganti",
	"letter.manual_number": "Nomor urut manual diatur", "letter_counter.start": "Nomor urut dilanjutkan",
	"workflow.update": "Alur surat dan pemberitahuan diubah", "notification.retry": "Pemberitahuan dikirim ulang",
	"request.create": "Permohonan warga masuk", "request.update": "Permohonan diperbaiki warga",
	"request.resubmit":        "Lampiran ditambahkan, permohonan dikirim ulang",
	"resident_account.create": "Akun Layanan Mandiri dibuat", "resident_account.reset": "PIN warga diatur ulang",
	"resident_account.lock": "Akun warga dikunci", "resident_account.change_pin": "Warga mengganti PIN",
	"resident_account.notify": "Warga mengatur pemberitahuan",
}

// auditAction is the Indonesian name of an action; a request's status
// change ("request.sudah_diambil") reads as the status.
func auditAction(action string) string {
	if s, ok := auditActions[action]; ok {
		return s
	}
	if st, ok := strings.CutPrefix(action, "request."); ok && surat.RequestStatus(st).Valid() {
		return "Permohonan: " + surat.RequestStatus(st).Label()
	}
	return action
}

// auditHref is the page of the record an entry touched, for a village
// admin, or "" when there is none to open (a deleted draft, the kabupaten
// admin, who may not open a village's pages).
func auditHref(e surat.AuditEntry, kabupaten bool) string {
	if kabupaten || e.EntityID == 0 {
		return ""
	}
	id := strconv.FormatInt(e.EntityID, 10)
	switch e.Entity {
	case "letter":
		if e.Action == "letter.delete" {
			return ""
		}
		return "/surat/" + id
	case "resident":
		return "/penduduk/" + id
	case "household":
		return "/keluarga/" + id
	case "letter_request":
		return "/permohonan/" + id
	case "official":
		return "/pengaturan/pejabat/" + id
	case "user":
		return "/pengaturan/pengguna/" + id
	case "signer_certificate":
		return "/pengaturan/sertifikat/" + id
	case "letter_setting":
		if code := strings.TrimSpace(e.Detail); code != "" && !strings.ContainsAny(code, " /") {
			return "/pengaturan/surat/" + code
		}
		return "/pengaturan/surat"
	case "village":
		if e.Action == "letter_counter.start" {
			return "/pengaturan/penomoran"
		}
		if e.Action == "workflow.update" {
			return "/pengaturan/alur"
		}
		return "/pengaturan"
	case "notification":
		return "/pengaturan/pemberitahuan"
	}
	return ""
}

// longDigitsRE finds runs of 16 digits or more (NIK, KK) in a summary.
var longDigitsRE = regexp.MustCompile(`[0-9]{16,}`)

// auditRow is one entry as the page shows it.
type auditRow struct {
	When, Who, Action, Summary string
	Village                    string
	// Href opens the record the entry touched, "" when there is none.
	Href string
}

// auditChoice is one option of a filter select.
type auditChoice struct {
	Value, Label string
	Selected     bool
}

// auditPage is the audit log with its filters and paging.
type auditPage struct {
	basePage
	Kabupaten         bool
	Villages          []auditChoice
	Entities          []auditChoice
	Users             []auditChoice
	From, To          string
	Errors            map[string]string
	Rows              []auditRow
	Total             int64
	Page, Pages       int
	PrevURL, NextURL  string
	FirstRow, LastRow int64
}

// handleAudit shows the audit log of the caller's scope.
func (s *Server) handleAudit(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	p := auditPage{basePage: s.base(c, "Log audit"), Kabupaten: u.Role == surat.RoleAdminKabupaten,
		From: c.Query("dari"), To: c.Query("sampai"), Errors: map[string]string{}}
	f := store.AuditFilter{Entity: c.Query("entitas"), PerPage: 50}
	page, err := strconv.Atoi(c.DefaultQuery("hal", "1"))
	if err != nil || page < 1 {
		page = 1
	}
	f.Page = page

	villageNames := map[int64]string{}
	if p.Kabupaten {
		vs, err := s.store.Villages(ctx)
		if err != nil {
			return err
		}
		if q := c.Query("desa"); q != "" {
			id, err := strconv.ParseInt(q, 10, 64)
			if err != nil || id <= 0 {
				p.Errors["desa"] = "Pilih desa dari daftar"
			} else {
				f.VillageID = id
			}
		}
		p.Villages = []auditChoice{{Value: "", Label: "Semua desa"}}
		for _, v := range vs {
			villageNames[v.ID] = v.Sebutan + " " + v.Name
			p.Villages = append(p.Villages, auditChoice{Value: idString(v.ID), Label: v.Sebutan + " " + v.Name,
				Selected: v.ID == f.VillageID})
		}
	} else {
		vid, err := adminVillage(c)
		if err != nil {
			return err
		}
		f.VillageID = vid // never from the request
	}

	var users []surat.User
	if f.VillageID != 0 {
		users, err = s.store.VillageUsers(ctx, f.VillageID)
	} else {
		users, err = s.store.Users(ctx)
	}
	if err != nil {
		return err
	}
	if q := c.Query("pengguna"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			p.Errors["pengguna"] = "Pilih pengguna dari daftar"
		} else {
			f.ActorID = id
		}
	}
	p.Users = []auditChoice{{Value: "", Label: "Semua pengguna"}}
	for _, us := range users {
		p.Users = append(p.Users, auditChoice{Value: idString(us.ID), Label: us.Username, Selected: us.ID == f.ActorID})
	}
	p.Entities = []auditChoice{{Value: "", Label: "Semua data"}}
	known := false
	for _, e := range auditEntities {
		p.Entities = append(p.Entities, auditChoice{Value: e.Value, Label: e.Label, Selected: e.Value == f.Entity})
		known = known || e.Value == f.Entity
	}
	if f.Entity != "" && !known {
		p.Errors["entitas"] = "Pilih jenis data dari daftar"
	}
	from, ok := parseFilterDay(p.From)
	if !ok {
		p.Errors["dari"] = "Tanggal awal harus berformat tahun-bulan-tanggal"
	}
	to, ok := parseFilterDay(p.To)
	if !ok {
		p.Errors["sampai"] = "Tanggal akhir harus berformat tahun-bulan-tanggal"
	}
	if len(p.Errors) > 0 {
		s.render(c, http.StatusUnprocessableEntity, "audit", p)
		return nil
	}
	f.From = from
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	res, err := s.store.AuditEntries(ctx, f)
	if err != nil {
		return err
	}
	p.Total, p.Page = res.Total, res.Page
	p.Pages = int((res.Total + int64(res.PerPage) - 1) / int64(res.PerPage))
	if res.Total > 0 {
		p.FirstRow = int64((res.Page-1)*res.PerPage) + 1
		p.LastRow = p.FirstRow + int64(len(res.Entries)) - 1
	}
	q := c.Request.URL.Query()
	pageURL := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("hal", strconv.Itoa(n))
		return "/audit?" + v.Encode()
	}
	if res.Page > 1 {
		p.PrevURL = pageURL(res.Page - 1)
	}
	if res.Page < p.Pages {
		p.NextURL = pageURL(res.Page + 1)
	}
	for _, e := range res.Entries {
		row := auditRow{When: surat.LetterTime(e.CreatedAt).Format("02-01-2006 15:04:05") + " WIB", Who: e.Actor,
			Action: auditAction(e.Action), Summary: auditSummary(e), Href: auditHref(e, p.Kabupaten)}
		if e.VillageID != nil {
			row.Village = villageNames[*e.VillageID]
		} else if p.Kabupaten {
			row.Village = "Seluruh kabupaten"
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(c, http.StatusOK, "audit", p)
	return nil
}

// auditSummary describes an entry: the record it touched and its detail,
// with anything that looks like a NIK or KK number masked.
func auditSummary(e surat.AuditEntry) string {
	label := e.Entity
	for _, en := range auditEntities {
		if en.Value == e.Entity {
			label = en.Label
		}
	}
	s := label
	if e.EntityID != 0 {
		s += fmt.Sprintf(" #%d", e.EntityID)
	}
	if d := strings.TrimSpace(e.Detail); d != "" {
		s += " · " + longDigitsRE.ReplaceAllString(d, "[disamarkan]")
	}
	return s
}
