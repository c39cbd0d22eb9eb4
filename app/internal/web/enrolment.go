package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Certificate enrolment, the separation of duties for signing keys:
// /sertifikat-saya is the official's own page (a penandatangan login asks
// for a certificate with a passphrase only they know, and sees every
// certificate issued in their official's name); /kabupaten/sertifikat is
// the CA holder's, where the kabupaten admin approves an enrolment with
// the root passphrase or rejects it, and issues the CRL that lists the
// certificates village admins revoked. A village admin reaches neither.

// maxEnrolmentsListed bounds the decided enrolments the CA holder's page
// lists under the pending ones.
const maxEnrolmentsListed = 50

// enrolmentRow is an enrolment as the pages list it.
type enrolmentRow struct {
	surat.CertificateEnrolment
	Village  string
	Official string
	// Login is the enrolling login: username and full name.
	Login string
	// Current describes the official's active certificate and the login
	// linked to the official now, which approval replaces; "" when none.
	Current string
	// OtherLogin is set when another login signs for the official now:
	// approving moves the official to the enrolling login.
	OtherLogin string
}

// CreatedWIB is when the official asked, in WIB.
func (r enrolmentRow) CreatedWIB() string { return minuteWIB(r.CreatedAt) }

// DecidedWIB is when the CA holder decided, in WIB.
func (r enrolmentRow) DecidedWIB() string {
	if r.DecidedAt == nil {
		return ""
	}
	return minuteWIB(*r.DecidedAt)
}

// minuteWIB is t to the minute in WIB, as the certificate pages show times.
func minuteWIB(t time.Time) string { return surat.LetterTime(t).Format("02-01-2006 15:04") + " WIB" }

// villageNames names villages and their officials for the CA holder's
// page, reading each village and its officials once per page.
type villageNames struct {
	s         *Server
	ctx       context.Context
	villages  map[int64]string
	officials map[int64]map[int64]string
}

func newVillageNames(s *Server, ctx context.Context) *villageNames {
	return &villageNames{s: s, ctx: ctx, villages: map[int64]string{}, officials: map[int64]map[int64]string{}}
}

// names returns the village's name ("Desa Sumberejo") and the name of its
// official officialID.
func (n *villageNames) names(villageID, officialID int64) (village, official string, err error) {
	if _, ok := n.villages[villageID]; !ok {
		v, err := n.s.store.VillageByID(n.ctx, villageID)
		if err != nil {
			return "", "", err
		}
		os, err := n.s.certOfficialNames(n.ctx, villageID)
		if err != nil {
			return "", "", err
		}
		n.villages[villageID], n.officials[villageID] = v.Sebutan+" "+v.Name, os
	}
	return n.villages[villageID], n.officials[villageID][officialID], nil
}

// KeyGroups is the public key fingerprint in groups of four, to read aloud
// and compare between the official's page and the CA holder's.
func (r enrolmentRow) KeyGroups() string {
	var parts []string
	for i := 0; i < len(r.KeyFingerprint); i += 4 {
		parts = append(parts, r.KeyFingerprint[i:min(i+4, len(r.KeyFingerprint))])
	}
	return strings.Join(parts, " ")
}

// myCertificatesPage is the official's own page.
type myCertificatesPage struct {
	basePage
	// Official is the official the login signs as; nil before its first
	// approved enrolment.
	Official *surat.Official
	// Officials are the choices of an unlinked login.
	Officials    []officialChoice
	OfficialID   string
	Certificates []certificateRow
	Enrolments   []enrolmentRow
	Pending      bool
	Errors       map[string]string
	FormError    string
}

// handleMyCertificates shows the signed-in penandatangan's certificates and
// enrolments, with the enrolment form.
func (s *Server) handleMyCertificates(c *gin.Context) error {
	return s.renderMyCertificates(c, http.StatusOK, "", nil, "")
}

func (s *Server) renderMyCertificates(c *gin.Context, status int, officialID string, errs map[string]string, formErr string) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	vid := *u.VillageID
	p := myCertificatesPage{basePage: s.base(c, "Sertifikat saya"), OfficialID: officialID, Errors: errs, FormError: formErr}
	names, err := s.certOfficialNames(ctx, vid)
	if err != nil {
		return err
	}
	if u.OfficialID != nil {
		if p.Official, err = s.store.OfficialByID(ctx, vid, *u.OfficialID); err != nil {
			return err
		}
		certs, err := s.store.OfficialCertificates(ctx, vid, *u.OfficialID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, cert := range certs {
			p.Certificates = append(p.Certificates, certificateRowOf(cert, names[cert.OfficialID], now))
		}
	} else {
		os, err := s.store.Officials(ctx, vid)
		if err != nil {
			return err
		}
		p.Officials = []officialChoice{{"", "— pilih pejabat yang Anda jabat —"}}
		for _, o := range os {
			if o.Active && (o.IsHead || o.CanSignAN || o.CanSignUB) {
				p.Officials = append(p.Officials, officialChoice{idString(o.ID), officialLabel(o)})
			}
		}
	}
	es, err := s.store.UserEnrolments(ctx, vid, u.ID)
	if err != nil {
		return err
	}
	for _, e := range es {
		p.Enrolments = append(p.Enrolments, enrolmentRow{CertificateEnrolment: e, Official: names[e.OfficialID]})
		p.Pending = p.Pending || e.Status == surat.EnrolmentPending
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "my_certificates", p)
	return nil
}

// handleEnrol records the signed-in penandatangan's enrolment: the key
// pair is made and sealed under the passphrase they typed twice.
func (s *Server) handleEnrol(c *gin.Context) error {
	u := currentUser(c)
	officialID := c.PostForm("official_id")
	if u.OfficialID != nil {
		// A linked login renews its own official's certificate only.
		officialID = idString(*u.OfficialID)
	}
	oid, err := strconv.ParseInt(officialID, 10, 64)
	if err != nil || oid <= 0 {
		return s.renderMyCertificates(c, http.StatusUnprocessableEntity, officialID,
			map[string]string{"official_id": "Pilih pejabat yang Anda jabat"}, "")
	}
	_, err = s.issuance.Enrol(c.Request.Context(), actorOf(u), oid, c.PostForm("passphrase"), c.PostForm("passphrase_confirm"))
	if err != nil {
		pr := classify(err, s.now())
		if !inlineRefusal(pr) {
			return err
		}
		s.retryAfter(c, pr)
		msg := ""
		if len(pr.Fields) == 0 {
			msg = pr.Message
		}
		return s.renderMyCertificates(c, pr.Status, officialID, pr.Fields, msg)
	}
	redirectWithNotice(c, "/sertifikat-saya", "sertifikat-diajukan")
	return nil
}

// caEnrolmentsPage is the CA holder's list of enrolments.
type caEnrolmentsPage struct {
	basePage
	Pending []enrolmentRow
	Decided []enrolmentRow
	// FormFor is the enrolment whose form Errors and FormError concern.
	FormFor   int64
	Errors    map[string]string
	FormError string
	Reason    string
	// CRL is the active root's CRL and the revocations it does not list
	// yet; nil before `app pki init`.
	CRL *caCRL
	// CRLError is the refusal of the last CRL renewal, for its form.
	CRLError string
}

// caCRL is the CRL section of the CA holder's page.
type caCRL struct {
	Number     int64
	IssuedWIB  string
	NextUpdate string // Indonesian date
	Expired    bool
	Unlisted   []unlistedRevocation
}

// unlistedRevocation is a certificate revoked by a village admin that the
// current CRL does not list.
type unlistedRevocation struct {
	ID         int64
	Village    string
	Official   string
	Serial     string
	RevokedWIB string
	Reason     string
}

// handleCAEnrolments lists pending enrolments of every village and the
// latest decided ones.
func (s *Server) handleCAEnrolments(c *gin.Context) error {
	return s.renderCAEnrolments(c, http.StatusOK, caEnrolmentsPage{})
}

func (s *Server) renderCAEnrolments(c *gin.Context, status int, p caEnrolmentsPage) error {
	ctx := c.Request.Context()
	p.basePage = s.base(c, "Permohonan sertifikat")
	pending, err := s.store.Enrolments(ctx, surat.EnrolmentPending, 500)
	if err != nil {
		return err
	}
	all, err := s.store.Enrolments(ctx, "", maxEnrolmentsListed+len(pending))
	if err != nil {
		return err
	}
	describe := enrolmentDescriber(s, c)
	for _, e := range pending {
		r, err := describe(e, true)
		if err != nil {
			return err
		}
		p.Pending = append(p.Pending, r)
	}
	for _, e := range all {
		if e.Status == surat.EnrolmentPending || len(p.Decided) >= maxEnrolmentsListed {
			continue
		}
		r, err := describe(e, false)
		if err != nil {
			return err
		}
		p.Decided = append(p.Decided, r)
	}
	if p.CRL, err = s.caCRLState(c); err != nil {
		return err
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "kabupaten_certificates", p)
	return nil
}

// caCRLState describes the active root's CRL and the revocations waiting
// for the next one, naming each one's village and official.
func (s *Server) caCRLState(c *gin.Context) (*caCRL, error) {
	ctx := c.Request.Context()
	root, unlisted, err := s.issuance.UnlistedRevocations(ctx)
	if errors.Is(err, issuance.ErrNoRoot) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := &caCRL{Number: root.CRLNumber}
	if root.CRLUpdatedAt != nil {
		next := root.CRLUpdatedAt.Add(issuance.CRLValidity)
		out.IssuedWIB = minuteWIB(*root.CRLUpdatedAt)
		out.NextUpdate = surat.FormatDate(surat.LetterTime(next))
		out.Expired = !s.now().Before(next)
	}
	names := newVillageNames(s, ctx)
	for _, cert := range unlisted {
		village, official, err := names.names(cert.VillageID, cert.OfficialID)
		if err != nil {
			return nil, err
		}
		out.Unlisted = append(out.Unlisted, unlistedRevocation{ID: cert.ID, Village: village, Official: official,
			Serial: cert.Serial, RevokedWIB: minuteWIB(*cert.RevokedAt), Reason: cert.RevokeReason})
	}
	return out, nil
}

// handleCACRLRenew issues a new CRL of the active root with the root
// passphrase: it lists every revoked certificate and runs
// issuance.CRLValidity from now.
func (s *Server) handleCACRLRenew(c *gin.Context) error {
	_, err := s.issuance.RenewCRL(c.Request.Context(), actorOf(currentUser(c)), c.PostForm("root_passphrase"))
	if err != nil {
		pr := classify(err, s.now())
		if !inlineRefusal(pr) || pr.Status == http.StatusForbidden {
			return err
		}
		s.retryAfter(c, pr)
		msg := pr.Message
		if f := pr.Fields["root_passphrase"]; f != "" {
			msg = f
		}
		return s.renderCAEnrolments(c, pr.Status, caEnrolmentsPage{CRLError: msg})
	}
	redirectWithNotice(c, "/kabupaten/sertifikat", "crl")
	return nil
}

// enrolmentDescriber returns a function that names an enrolment's village,
// official and login, and for a pending one what approving it replaces.
// Villages and officials are read once per page.
func enrolmentDescriber(s *Server, c *gin.Context) func(surat.CertificateEnrolment, bool) (enrolmentRow, error) {
	ctx := c.Request.Context()
	names := newVillageNames(s, ctx)
	return func(e surat.CertificateEnrolment, pending bool) (enrolmentRow, error) {
		r := enrolmentRow{CertificateEnrolment: e}
		var err error
		if r.Village, r.Official, err = names.names(e.VillageID, e.OfficialID); err != nil {
			return r, err
		}
		u, err := s.store.VillageUser(ctx, e.VillageID, e.UserID)
		if err != nil {
			return r, err
		}
		r.Login = u.Username
		if u.FullName != "" {
			r.Login += " (" + u.FullName + ")"
		}
		if !pending {
			return r, nil
		}
		var current []string
		switch cert, err := s.store.ActiveCertificateForOfficial(ctx, e.VillageID, e.OfficialID); {
		case err == nil:
			current = append(current, "sertifikat aktif "+cert.Serial+" (akan dicabut: diganti sertifikat baru)")
		case !errors.Is(err, surat.ErrNotFound):
			return r, err
		}
		users, err := s.store.VillageUsers(ctx, e.VillageID)
		if err != nil {
			return r, err
		}
		for _, o := range users {
			if o.OfficialID != nil && *o.OfficialID == e.OfficialID {
				if o.ID != e.UserID {
					r.OtherLogin = o.Username
				}
				current = append(current, "ditandatangani lewat akun "+o.Username)
			}
		}
		r.Current = strings.Join(current, "; ")
		return r, nil
	}
}

// handleCAEnrolmentApprove approves an enrolment with the root passphrase.
func (s *Server) handleCAEnrolmentApprove(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	_, err = s.issuance.ApproveEnrolment(c.Request.Context(), actorOf(currentUser(c)), id, c.PostForm("root_passphrase"))
	if err != nil {
		return s.enrolmentRefusal(c, id, err, "")
	}
	redirectWithNotice(c, "/kabupaten/sertifikat", "sertifikat-disetujui")
	return nil
}

// handleCAEnrolmentReject rejects an enrolment with a reason.
func (s *Server) handleCAEnrolmentReject(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	if _, err := s.issuance.RejectEnrolment(c.Request.Context(), actorOf(currentUser(c)), id, reason); err != nil {
		return s.enrolmentRefusal(c, id, err, reason)
	}
	redirectWithNotice(c, "/kabupaten/sertifikat", "sertifikat-ditolak")
	return nil
}

// enrolmentRefusal shows the CA holder's page again with the refusal of a
// decision on enrolment id, or returns err when it is not one to show
// inline.
func (s *Server) enrolmentRefusal(c *gin.Context, id int64, err error, reason string) error {
	if errors.Is(err, surat.ErrConflict) {
		err = &surat.ValidationError{Fields: map[string]string{
			"enrolment": "Permohonan ini sudah diputuskan sebelumnya (mungkin oleh admin lain). Muat ulang halaman."}}
		pr := classify(err, s.now())
		return s.renderCAEnrolments(c, http.StatusConflict, caEnrolmentsPage{FormFor: id, Errors: pr.Fields, Reason: reason})
	}
	pr := classify(err, s.now())
	if !inlineRefusal(pr) || pr.Status == http.StatusForbidden {
		return err
	}
	p := caEnrolmentsPage{FormFor: id, Errors: pr.Fields, Reason: reason}
	if len(pr.Fields) == 0 {
		p.FormError = pr.Message
	}
	return s.renderCAEnrolments(c, pr.Status, p)
}

// signerCertificateRows are the certificates ever issued in the name of
// the official a penandatangan signs as, for their dashboard.
func (s *Server) signerCertificateRows(c *gin.Context, u *surat.User) ([]certificateRow, error) {
	if u.Role != surat.RoleSigner || u.OfficialID == nil || u.VillageID == nil {
		return nil, nil
	}
	ctx := c.Request.Context()
	certs, err := s.store.OfficialCertificates(ctx, *u.VillageID, *u.OfficialID)
	if err != nil {
		return nil, err
	}
	names, err := s.certOfficialNames(ctx, *u.VillageID)
	if err != nil {
		return nil, err
	}
	rows := make([]certificateRow, 0, len(certs))
	now := s.now()
	for _, cert := range certs {
		rows = append(rows, certificateRowOf(cert, names[cert.OfficialID], now))
	}
	return rows, nil
}

// pendingEnrolmentCount is what the kabupaten dashboard announces.
func (s *Server) pendingEnrolmentCount(c *gin.Context) (int, error) {
	es, err := s.store.Enrolments(c.Request.Context(), surat.EnrolmentPending, 500)
	return len(es), err
}
