package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// certificateWarnDays is how far ahead the dashboard warns of signer
// certificates that expire.
const certificateWarnDays = 30

// crlWarnDays is how far ahead every dashboard warns that the CRL runs
// out: after its NextUpdate pdfsig and other checkers cannot tell whether
// a signer certificate was revoked.
const crlWarnDays = 7

// crlWarning is the dashboard's CRL notice.
type crlWarning struct {
	NextUpdate string // Indonesian date
	DaysLeft   int    // 0 or less: already expired
}

// dashboardPage is the landing page after login. Village staff see their
// village's register and this month's letters; the kabupaten admin sees the
// villages with their counts.
type dashboardPage struct {
	basePage
	Village    *surat.Village
	Residents  int64 // everyone in the register, alive or not
	Alive      int64
	Households int64
	// MonthName is the current month and year, e.g. "November 2026".
	MonthName string
	// MonthTotal is this month's letters; ByStatus and ByModule split it.
	MonthTotal int64
	ByStatus   []labelCount
	ByModule   []labelCount
	Chart      *barChart
	// Expiring are the signer certificates that expire within
	// certificateWarnDays.
	Expiring []expiringCertificate
	// CRL warns, on every dashboard, that the deployment's CRL runs out
	// within crlWarnDays; nil otherwise.
	CRL *crlWarning
	// IsAdmin shows the links to the certificate settings.
	IsAdmin bool
	// Requests are the residents' online requests that still need the
	// office, by the status they show.
	Requests []labelCount
	// Todo is "Menunggu Anda": what waits for the signed-in user.
	Todo []todoGroup
	// MonthFrom and MonthTo bound this month, for the status cards' links
	// to the archive.
	MonthFrom, MonthTo string

	// MyCertificates, for a penandatangan linked to an official, are
	// every certificate ever issued in that official's name.
	MyCertificates []certificateRow
	// IsSigner shows the link to the signer's own certificate page.
	IsSigner bool

	// Kabupaten admin only.
	// PendingEnrolments counts certificate enrolments awaiting the CA
	// holder.
	PendingEnrolments int
	// UnlistedRevocations counts the certificates revoked by village
	// admins that the CRL does not list yet, for the CA holder.
	UnlistedRevocations int
	Year                int
	Villages            []store.VillageSummary
	// VillageTotal counts every village; Villages is the first page.
	VillageTotal int64
}

// labelCount is a count under a human label.
type labelCount struct {
	Key, Label string
	N          int64
}

// expiringCertificate is a signer certificate nearing its end.
type expiringCertificate struct {
	ID       int64
	Official string
	Serial   string
	NotAfter string
	DaysLeft int
}

// handleDashboard shows the dashboard of the signed-in user.
func (s *Server) handleDashboard(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	p := dashboardPage{basePage: s.base(c, "Dasbor")}
	var err error
	if p.CRL, err = s.crlWarning(ctx); err != nil {
		return err
	}
	if u.VillageID == nil {
		from, to := yearRange(s.now())
		vs, err := s.store.VillageSummaries(ctx, from, to, store.VillageFilter{})
		if err != nil {
			return err
		}
		p.Year, p.Villages, p.VillageTotal = from.Year(), vs.Villages, vs.Total
		if p.PendingEnrolments, err = s.pendingEnrolmentCount(c); err != nil {
			return err
		}
		switch _, unlisted, err := s.issuance.UnlistedRevocations(ctx); {
		case err == nil:
			p.UnlistedRevocations = len(unlisted)
		case !errors.Is(err, issuance.ErrNoRoot):
			return err
		}
		s.render(c, http.StatusOK, "dashboard", p)
		return nil
	}
	vid := *u.VillageID
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	p.Village, p.IsAdmin, p.IsSigner = v, u.Role == surat.RoleAdminDesa, u.Role == surat.RoleSigner
	if p.MyCertificates, err = s.signerCertificateRows(c, u); err != nil {
		return err
	}
	if p.Todo, err = s.todoFor(c, u, vid); err != nil {
		return err
	}
	counts, err := s.store.VillageCounts(ctx, vid)
	if err != nil {
		return err
	}
	p.Residents, p.Alive, p.Households = counts.Residents, counts.Alive, counts.Households
	if err := s.monthLetters(c, vid, &p); err != nil {
		return err
	}
	year := surat.LetterTime(s.now()).Year()
	months, err := s.store.SignedPerMonth(ctx, vid, year)
	if err != nil {
		return err
	}
	p.Chart = newBarChart(year, months)
	if p.Expiring, err = s.expiringCertificates(ctx, vid); err != nil {
		return err
	}
	reqs, err := s.store.RequestCounts(ctx, vid)
	if err != nil {
		return err
	}
	for _, st := range []surat.RequestStatus{surat.RequestInReview, surat.RequestAwaitingSignature, surat.RequestReady} {
		p.Requests = append(p.Requests, labelCount{Key: string(st), Label: st.Label(), N: reqs[st]})
	}
	s.render(c, http.StatusOK, "dashboard", p)
	return nil
}

// monthLetters fills this month's letter counts by status and by module.
func (s *Server) monthLetters(c *gin.Context, vid int64, p *dashboardPage) error {
	ctx := c.Request.Context()
	now := surat.LetterTime(s.now())
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	to := from.AddDate(0, 1, 0)
	p.MonthName = surat.MonthName(now.Month()) + " " + fmt.Sprint(now.Year())
	p.MonthFrom, p.MonthTo = from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02")
	byStatus, err := s.store.LetterCountsByStatus(ctx, vid, from, to)
	if err != nil {
		return err
	}
	counts := map[string]int64{}
	for _, kc := range byStatus {
		counts[kc.Key] = kc.N
		p.MonthTotal += kc.N
	}
	// Every status, in workflow order, zeros included: a clerk reads the
	// row as a pipeline.
	for _, st := range surat.LetterStatuses() {
		p.ByStatus = append(p.ByStatus, labelCount{Key: string(st), Label: st.Label(), N: counts[string(st)]})
	}
	byModule, err := s.store.LetterCountsByModule(ctx, vid, from, to)
	if err != nil {
		return err
	}
	for _, kc := range byModule {
		p.ByModule = append(p.ByModule, labelCount{Key: kc.Key, Label: s.moduleTitleOf(c, kc.Key), N: kc.N})
	}
	return nil
}

// crlWarning reports the active root's CRL when it runs out within
// crlWarnDays (issuance.CRLValidity after it was issued), nil when it does
// not or there is no root or CRL yet.
func (s *Server) crlWarning(ctx context.Context) (*crlWarning, error) {
	root, err := s.store.ActiveRoot(ctx)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if root.CRLUpdatedAt == nil {
		return nil, nil
	}
	now := s.now()
	next := root.CRLUpdatedAt.Add(issuance.CRLValidity)
	if next.Sub(now) > crlWarnDays*24*time.Hour {
		return nil, nil
	}
	return &crlWarning{NextUpdate: surat.FormatDate(surat.LetterTime(next)),
		DaysLeft: int(math.Ceil(next.Sub(now).Hours() / 24))}, nil
}

// expiringCertificates lists the village's signer certificates that expire
// within certificateWarnDays.
func (s *Server) expiringCertificates(ctx context.Context, vid int64) ([]expiringCertificate, error) {
	now := s.now()
	certs, err := s.store.ExpiringCertificates(ctx, vid, now.AddDate(0, 0, certificateWarnDays))
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, nil
	}
	names, err := s.certOfficialNames(ctx, vid)
	if err != nil {
		return nil, err
	}
	out := make([]expiringCertificate, 0, len(certs))
	for _, cert := range certs {
		out = append(out, expiringCertificate{ID: cert.ID, Official: names[cert.OfficialID], Serial: cert.Serial,
			NotAfter: surat.FormatDate(surat.LetterTime(cert.NotAfter)),
			DaysLeft: int(math.Ceil(cert.NotAfter.Sub(now).Hours() / 24))})
	}
	return out, nil
}

// Chart geometry, in SVG user units; the SVG scales to its container.
const (
	chartW, chartH = 640, 240
	chartTop       = 24 // room for the value labels above the bars
	chartBottom    = 28 // room for the month labels
	chartLeft      = 8
	chartGap       = 10
)

// barChart is the signed-letters-per-month chart, laid out on the server
// so the page needs no script.
type barChart struct {
	Year        int
	Title, Desc string
	W, H        int
	Bars        []bar
	Total       int64
	BaselineY   int
}

// bar is one month of the chart.
type bar struct {
	Label, Name string // "Jan", "Januari"
	N           int64
	X, Y, W, H  int
	// TextX and TextY place the value above the bar, LabelY the month
	// below it.
	TextX, TextY, LabelY int
}

// newBarChart lays out twelve monthly counts.
func newBarChart(year int, months [12]int64) *barChart {
	ch := &barChart{Year: year, W: chartW, H: chartH}
	var top int64
	for _, n := range months {
		top = max(top, n)
		ch.Total += n
	}
	plotH := chartH - chartTop - chartBottom
	ch.BaselineY = chartTop + plotH
	slot := (chartW - 2*chartLeft) / 12
	var parts []string
	for i, n := range months {
		name := surat.MonthName(time.Month(i + 1))
		h := 0
		if top > 0 {
			h = int(int64(plotH) * n / top)
		}
		if n > 0 && h < 2 {
			h = 2 // a month with letters never looks empty
		}
		x := chartLeft + i*slot + chartGap/2
		b := bar{Label: name[:3], Name: name, N: n, X: x, W: slot - chartGap, H: h, Y: ch.BaselineY - h}
		b.TextX, b.TextY, b.LabelY = x+b.W/2, b.Y-6, ch.BaselineY+18
		ch.Bars = append(ch.Bars, b)
		parts = append(parts, fmt.Sprintf("%s %d", name, n))
	}
	ch.Title = fmt.Sprintf("Surat ditandatangani per bulan, tahun %d", year)
	ch.Desc = fmt.Sprintf("Jumlah %d surat. %s.", ch.Total, strings.Join(parts, ", "))
	return ch
}
