package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Passphrases the officials choose at enrolment in these tests.
const (
	enrolPass  = "kopi pahit di pendopo"
	enrolPass2 = "hujan sore di sawah"
)

// custodyEnv is a letter server with village A set up the old way (the
// kepala desa's certificate issued directly, login akades linked) and a
// kabupaten admin, the CA holder.
type custodyEnv struct {
	*letterEnv
	a *letterVillage
}

func newCustodyEnv(t *testing.T, b storetest.Backend) *custodyEnv {
	t.Helper()
	e := &custodyEnv{letterEnv: newLetterEnv(t, b)}
	e.a = e.villageForLetters("3505122001", "Sumberejo", "a")
	e.user(nil, "kab", surat.RoleAdminKabupaten)
	return e
}

// enrol posts the enrolment form of /sertifikat-saya as br.
func enrol(br *browser, officialID int64, pass, confirm string) response {
	br.t.Helper()
	f := url.Values{csrfField: {br.csrf("/sertifikat-saya")}, "passphrase": {pass}, "passphrase_confirm": {confirm}}
	if officialID > 0 {
		f.Set("official_id", idString(officialID))
	}
	return br.post("/sertifikat-saya", f)
}

// pendingEnrolment is the one pending enrolment of a login.
func (e *custodyEnv) pendingEnrolment(villageID, userID int64) surat.CertificateEnrolment {
	e.t.Helper()
	es, err := e.st.UserEnrolments(context.Background(), villageID, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []surat.CertificateEnrolment
	for _, en := range es {
		if en.Status == surat.EnrolmentPending {
			out = append(out, en)
		}
	}
	if len(out) != 1 {
		e.t.Fatalf("pending enrolments of user %d: %d, want 1", userID, len(out))
	}
	return out[0]
}

// activeCertificates counts an official's certificates that may sign now.
func (e *custodyEnv) activeCertificates(villageID, officialID int64) []surat.SignerCertificate {
	e.t.Helper()
	cs, err := e.st.OfficialCertificates(context.Background(), villageID, officialID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []surat.SignerCertificate
	for _, c := range cs {
		if c.UsableAt(e.clock.Now()) {
			out = append(out, c)
		}
	}
	return out
}

// TestVillageAdminCannotTakeOverSigning replays the attack of issue 12 §4:
// a village admin who holds the root passphrase tries to issue a
// certificate for the kepala desa under a passphrase of their choosing,
// to link a second login to the kepala desa, and to sign as the kepala
// desa with it. Every step fails, and the pending request it leaves is
// shown to the CA holder with a warning, and rejected.
func TestVillageAdminCannotTakeOverSigning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newCustodyEnv(t, b)
		ctx := context.Background()
		a := e.a
		before := e.activeCertificates(a.v.ID, a.head.ID)
		if len(before) != 1 {
			t.Fatalf("kepala desa's active certificates before: %d", len(before))
		}
		admin := e.browser()
		admin.login("aadmin")
		tok := admin.csrf("/pengaturan/pengguna")

		// 1. Issue a certificate for the kepala desa with the root
		// passphrase and a passphrase the admin picks: not offered.
		r := admin.post("/pengaturan/sertifikat", url.Values{csrfField: {tok}, "official_id": {idString(a.head.ID)},
			"root_passphrase": {testRootPass}, "signer_passphrase": {"punya-admin-123"}, "signer_passphrase_confirm": {"punya-admin-123"}})
		if r.Code != http.StatusNotFound && r.Code != http.StatusForbidden && r.Code != http.StatusMethodNotAllowed {
			t.Errorf("admin issues a certificate: %d, want 404/403/405", r.Code)
		}
		// Nor through the CA holder's page.
		for _, path := range []string{"/kabupaten/sertifikat", "/sertifikat-saya"} {
			if r := admin.get(path); r.Code != http.StatusForbidden {
				t.Errorf("admin GET %s = %d, want 403", path, r.Code)
			}
		}

		// 2. Link a second login to the kepala desa: a new penandatangan
		// with official_id, and the existing unlinked one edited.
		r = admin.post("/pengaturan/pengguna", url.Values{csrfField: {tok}, "username": {"apalsu"}, "full_name": {"Kades Palsu"},
			"role": {"penandatangan"}, "official_id": {idString(a.head.ID)}, "password": {testPassword}, "password_confirm": {testPassword}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("create apalsu = %d", r.Code)
		}
		palsu, err := e.st.UserByUsername(ctx, "apalsu")
		if err != nil || palsu.OfficialID != nil {
			t.Fatalf("apalsu after creation: %+v %v, want no official", palsu, err)
		}
		petugas, err := e.st.UserByUsername(ctx, "apetugas")
		if err != nil {
			t.Fatal(err)
		}
		r = admin.post(fmt.Sprintf("/pengaturan/pengguna/%d", petugas.ID), url.Values{csrfField: {tok},
			"full_name": {"Petugas"}, "role": {"penandatangan"}, "official_id": {idString(a.head.ID)}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("edit apetugas = %d", r.Code)
		}
		if u, _ := e.st.UserByID(ctx, petugas.ID); u.OfficialID != nil {
			t.Errorf("apetugas linked to official %d by the village admin", *u.OfficialID)
		}
		if form := admin.get(fmt.Sprintf("/pengaturan/pengguna/%d", petugas.ID)); strings.Contains(form.Body, `name="official_id"`) {
			t.Error("the user form still offers an official")
		}

		// 3. Sign as the kepala desa with the second login: it is nobody's
		// signer, so the letter stays unsigned.
		l := e.approvedLetter(a)
		palsuToken := e.token("apalsu")
		var eb errorBody
		e.call("POST", letterPath(l.ID)+"/sign", palsuToken, map[string]string{"passphrase": "punya-admin-123"}, http.StatusForbidden, &eb)
		if eb.Error != "not_signer" {
			t.Errorf("sign as apalsu: %+v", eb)
		}
		if got, _ := e.st.LetterByID(ctx, a.v.ID, l.ID); got.Status == surat.LetterSigned {
			t.Fatal("the second login signed the kepala desa's letter")
		}

		// 4. The admin, knowing apalsu's password, enrols as apalsu for the
		// kepala desa. That is only a request: the admin cannot approve it.
		palsuBr := e.browser()
		palsuBr.login("apalsu")
		if r := enrol(palsuBr, a.head.ID, "punya-admin-123x", "punya-admin-123x"); r.Code != http.StatusSeeOther {
			t.Fatalf("apalsu enrols = %d: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		en := e.pendingEnrolment(a.v.ID, palsu.ID)
		for _, br := range []*browser{admin, palsuBr} {
			tok := br.csrf("/dashboard")
			if r := br.post(fmt.Sprintf("/kabupaten/sertifikat/%d/setujui", en.ID),
				url.Values{csrfField: {tok}, "root_passphrase": {testRootPass}}); r.Code != http.StatusForbidden {
				t.Errorf("approval by a village login = %d, want 403", r.Code)
			}
		}
		if _, err := e.iss.ApproveEnrolment(ctx, surat.Actor{UserID: 1, Username: "aadmin", Role: surat.RoleAdminDesa,
			VillageID: a.v.ID}, en.ID, testRootPass); err == nil {
			t.Error("the service let a village admin approve an enrolment")
		}

		// 5. The CA holder sees who asked and that another login signs for
		// the kepala desa now, and rejects it with a reason.
		kab := e.browser()
		kab.login("kab")
		page := kab.get("/kabupaten/sertifikat")
		if page.Code != http.StatusOK || !strings.Contains(textByID(t, page.Body, fmt.Sprintf("en-%d", en.ID)), "apalsu") ||
			!strings.Contains(textByID(t, page.Body, fmt.Sprintf("other-login-%d", en.ID)), "akades") {
			t.Fatalf("CA holder's page = %d, missing the request or the warning", page.Code)
		}
		r = kab.post(fmt.Sprintf("/kabupaten/sertifikat/%d/tolak", en.ID), url.Values{csrfField: {kab.csrf("/kabupaten/sertifikat")},
			"reason": {"Bukan akun kepala desa"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("reject = %d", r.Code)
		}
		mine := palsuBr.get("/sertifikat-saya")
		if got := textByID(t, mine.Body, fmt.Sprintf("e-%d", en.ID)); !strings.Contains(got, "Ditolak") || !strings.Contains(got, "Bukan akun kepala desa") {
			t.Errorf("apalsu's view of the rejection: %q", got)
		}

		// Nothing changed for the kepala desa: the same one certificate,
		// still signing with the old passphrase, and still akades.
		after := e.activeCertificates(a.v.ID, a.head.ID)
		if len(after) != 1 || after[0].ID != before[0].ID {
			t.Errorf("kepala desa's active certificates after the attack: %+v", after)
		}
		if u, _ := e.st.UserByID(ctx, palsu.ID); u.OfficialID != nil {
			t.Error("apalsu ended linked")
		}
		var signed letterJSON
		e.call("POST", letterPath(l.ID)+"/sign", a.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, &signed)
		acts := auditActionsOf(t, e.st, a.v.ID, "certificate_enrolment")
		if !contains(acts, "pki.enrolment.create") || !contains(acts, "pki.enrolment.reject") {
			t.Errorf("enrolment audit actions %v", acts)
		}
	})
}

// TestEnrolmentHappyPath: an official with an unlinked penandatangan login
// enrols, the CA holder approves, the login signs a letter that pdfsig
// finds valid; a second enrolment approved revokes the first certificate
// visibly; the dashboard lists both with who approved them.
func TestEnrolmentHappyPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newCustodyEnv(t, b)
		ctx := context.Background()
		v := e.village("3505122002", "Kedungrejo")
		head := &surat.Official{Name: "Wahyudi", Jabatan: "Kepala Desa", IsHead: true, Active: true}
		if err := e.st.CreateOfficial(ctx, surat.Actor{Username: "test"}, v.ID, head); err != nil {
			t.Fatal(err)
		}
		kadesUser := e.user(v, "bkades", surat.RoleSigner)
		e.user(v, "boperator", surat.RoleOperator)
		bv := &letterVillage{v: v, head: head, res: e.resident(v, "3505121501800002", "Sri Wahyuni"),
			tokens: map[string]string{"operator": e.token("boperator")}}

		kades := e.browser()
		kades.login("bkades")
		form := kades.get("/sertifikat-saya")
		if form.Code != http.StatusOK || !strings.Contains(form.Body, fmt.Sprintf(`value="%d"`, head.ID)) ||
			strings.Contains(form.Body, fmt.Sprintf(`value="%d"`, e.a.head.ID)) {
			t.Fatalf("enrolment form = %d, should offer this village's officials only", form.Code)
		}
		// The passphrase is the official's and must be strong.
		for name, tt := range map[string]struct{ pass, confirm, field string }{
			"short":        {"pendek", "pendek", "e-passphrase"},
			"common":       {"1234567890", "1234567890", "e-passphrase"},
			"one char":     {"aaaaaaaaaaaa", "aaaaaaaaaaaa", "e-passphrase"},
			"own name":     {"wahyudi-desa-2026", "wahyudi-desa-2026", "e-passphrase"},
			"mismatch":     {enrolPass, enrolPass + "x", "e-passphrase_confirm"},
			"other office": {enrolPass, enrolPass, "e-official_id"},
		} {
			oid := head.ID
			if name == "other office" {
				oid = e.a.head.ID
			}
			r := enrol(kades, oid, tt.pass, tt.confirm)
			if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, tt.field) == "" {
				t.Errorf("%s: %d, %s = %q", name, r.Code, tt.field, textByID(t, r.Body, tt.field))
			}
			if strings.Contains(r.Body, tt.pass) {
				t.Errorf("%s: the passphrase was sent back", name)
			}
		}
		if r := enrol(kades, head.ID, enrolPass, enrolPass); r.Code != http.StatusSeeOther {
			t.Fatalf("enrol = %d: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		en := e.pendingEnrolment(v.ID, kadesUser.ID)
		if strings.Contains(en.SealedKey, enrolPass) || en.OfficialID != head.ID {
			t.Fatalf("stored enrolment %+v", en.KeyFingerprint)
		}
		// Not signing yet: no certificate, no link.
		if u, _ := e.st.UserByID(ctx, kadesUser.ID); u.OfficialID != nil {
			t.Fatal("linked before approval")
		}

		kab := e.browser()
		kab.login("kab")
		if dash := kab.get("/dashboard"); textByID(t, dash.Body, "pending-enrolments") == "" {
			t.Error("the kabupaten dashboard does not announce the pending enrolment")
		}
		ktok := kab.csrf("/kabupaten/sertifikat")
		approve := fmt.Sprintf("/kabupaten/sertifikat/%d/setujui", en.ID)
		r := kab.post(approve, url.Values{csrfField: {ktok}, "root_passphrase": {"salah-sekali-1"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "enrolment-error"), "root CA salah") {
			t.Fatalf("approve with a wrong root passphrase = %d %q", r.Code, textByID(t, r.Body, "enrolment-error"))
		}
		if r := kab.post(approve, url.Values{csrfField: {ktok}, "root_passphrase": {testRootPass}}); r.Code != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", r.Code, textByID(t, r.Body, "enrolment-error"))
		}
		if r := kab.post(approve, url.Values{csrfField: {ktok}, "root_passphrase": {testRootPass}}); r.Code != http.StatusConflict {
			t.Errorf("second approval = %d, want 409", r.Code)
		}
		u, _ := e.st.UserByID(ctx, kadesUser.ID)
		if u.OfficialID == nil || *u.OfficialID != head.ID {
			t.Fatalf("bkades after approval: official %v, want %d", u.OfficialID, head.ID)
		}
		first := e.activeCertificates(v.ID, head.ID)
		if len(first) != 1 || first[0].ApprovedBy != "kab" {
			t.Fatalf("active certificates after approval: %+v", first)
		}

		// The official signs with the passphrase only they know; pdfsig
		// trusts the signature through our root.
		bv.tokens["kades"] = e.token("bkades")
		l := e.approvedLetter(bv)
		var eb errorBody
		e.call("POST", letterPath(l.ID)+"/sign", bv.tokens["kades"], map[string]string{"passphrase": testRootPass}, http.StatusUnprocessableEntity, &eb)
		var signed letterJSON
		e.call("POST", letterPath(l.ID)+"/sign", bv.tokens["kades"], map[string]string{"passphrase": enrolPass}, http.StatusOK, &signed)
		if signed.Status != surat.LetterSigned {
			t.Fatalf("letter after signing: %s", signed.Status)
		}
		e.pdfsigValid(bv.tokens["kades"], l.ID)

		// A second enrolment (a forgotten passphrase) revokes the first
		// certificate when approved, visibly.
		if r := enrol(kades, 0, enrolPass2, enrolPass2); r.Code != http.StatusSeeOther {
			t.Fatalf("second enrol = %d: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		en2 := e.pendingEnrolment(v.ID, kadesUser.ID)
		if page := kab.get("/kabupaten/sertifikat"); !strings.Contains(textByID(t, page.Body, fmt.Sprintf("en-%d", en2.ID)), first[0].Serial) {
			t.Error("the CA holder is not told which certificate approval replaces")
		}
		genBefore, err := e.st.PublicGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r := kab.post(fmt.Sprintf("/kabupaten/sertifikat/%d/setujui", en2.ID),
			url.Values{csrfField: {ktok}, "root_passphrase": {testRootPass}}); r.Code != http.StatusSeeOther {
			t.Fatalf("approve second = %d", r.Code)
		}
		// The letter signed with the first certificate now shows it
		// revoked: every replica must forget its cached copy.
		if gen, err := e.st.PublicGeneration(ctx); err != nil || gen <= genBefore {
			t.Errorf("public generation %d (%v) after the first certificate was revoked, was %d", gen, err, genBefore)
		}
		second := e.activeCertificates(v.ID, head.ID)
		if len(second) != 1 || second[0].ID == first[0].ID {
			t.Fatalf("active certificates after the second approval: %+v", second)
		}
		old, _ := e.st.CertificateByID(ctx, first[0].ID)
		if old.RevokedAt == nil || old.RevokeReason != surat.ReasonReplacedByNewCertificate {
			t.Fatalf("first certificate after the second approval: revoked %v, reason %q", old.RevokedAt, old.RevokeReason)
		}
		root, err := e.st.ActiveRoot(ctx)
		if err != nil || root.CRLNumber < 2 {
			t.Errorf("CRL not regenerated on replacement: %+v %v", root, err)
		}
		dash := kades.get("/dashboard")
		for _, c := range []surat.SignerCertificate{*old, second[0]} {
			row := textByID(t, dash.Body, fmt.Sprintf("mc-%d", c.ID))
			if !strings.Contains(row, c.Serial) || !strings.Contains(row, "kab") {
				t.Errorf("dashboard row of certificate %s: %q", c.Serial, row)
			}
		}
		if row := textByID(t, dash.Body, fmt.Sprintf("mc-%d", old.ID)); !strings.Contains(row, "Dicabut") || !strings.Contains(row, "diganti sertifikat baru") {
			t.Errorf("the replaced certificate on the dashboard: %q", row)
		}
		if row := textByID(t, dash.Body, fmt.Sprintf("mc-%d", second[0].ID)); !strings.Contains(row, "Aktif") {
			t.Errorf("the new certificate on the dashboard: %q", row)
		}
		// The old passphrase no longer signs; the new one does.
		l2 := e.approvedLetter(bv)
		e.call("POST", letterPath(l2.ID)+"/sign", bv.tokens["kades"], map[string]string{"passphrase": enrolPass}, http.StatusUnprocessableEntity, &eb)
		e.call("POST", letterPath(l2.ID)+"/sign", bv.tokens["kades"], map[string]string{"passphrase": enrolPass2}, http.StatusOK, &signed)
		e.pdfsigValid(bv.tokens["kades"], l2.ID)

		acts := auditActionsOf(t, e.st, v.ID, "certificate_enrolment")
		for _, want := range []string{"pki.enrolment.create", "pki.enrolment.approve"} {
			if !contains(acts, want) {
				t.Errorf("no %s in %v", want, acts)
			}
		}
		acts = auditActionsOf(t, e.st, v.ID, "signer_certificate")
		if !contains(acts, "pki.certificate.issue") || !contains(acts, "pki.certificate.revoke") {
			t.Errorf("certificate audit actions %v", acts)
		}
		if acts := auditActionsOf(t, e.st, v.ID, "user"); !contains(acts, "user.link_official") {
			t.Errorf("user audit actions %v", acts)
		}
		for _, secret := range []string{enrolPass, enrolPass2, testRootPass} {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("a passphrase appears in the log")
			}
		}
	})
}

// TestEnrolmentParallelApproval approves one enrolment from many
// goroutines at once: exactly one certificate is issued. The others are
// refused: as a conflict, or before the root key is opened, because every
// root passphrase attempt is counted first (five per user until one
// succeeds: 429) and runs in a hashing slot (503 when none is free).
func TestEnrolmentParallelApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newCustodyEnv(t, b)
		ctx := context.Background()
		a := e.a
		kades := e.browser()
		kades.login("akades")
		if r := enrol(kades, 0, enrolPass, enrolPass); r.Code != http.StatusSeeOther {
			t.Fatalf("enrol = %d: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		akades, _ := e.st.UserByUsername(ctx, "akades")
		en := e.pendingEnrolment(a.v.ID, akades.ID)
		certsBefore, _ := e.st.OfficialCertificates(ctx, a.v.ID, a.head.ID)

		const n = 8
		browsers := make([]*browser, n)
		toks := make([]string, n)
		for i := range browsers {
			browsers[i] = e.browser()
			browsers[i].login("kab")
			toks[i] = browsers[i].csrf("/kabupaten/sertifikat")
		}
		codes := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := browsers[i].c.PostForm(browsers[i].base+fmt.Sprintf("/kabupaten/sertifikat/%d/setujui", en.ID),
					url.Values{csrfField: {toks[i]}, "root_passphrase": {testRootPass}})
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case http.StatusSeeOther:
				ok++
			case http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable:
			default:
				t.Errorf("parallel approval answered %d", c)
			}
		}
		if ok != 1 {
			t.Errorf("%d approvals succeeded, want exactly 1 (codes %v)", ok, codes)
		}
		certsAfter, _ := e.st.OfficialCertificates(ctx, a.v.ID, a.head.ID)
		if len(certsAfter) != len(certsBefore)+1 {
			t.Errorf("certificates of the official: %d before, %d after, want one more", len(certsBefore), len(certsAfter))
		}
		if act := e.activeCertificates(a.v.ID, a.head.ID); len(act) != 1 {
			t.Errorf("active certificates: %d, want 1", len(act))
		}
		got, _ := e.st.EnrolmentByID(ctx, en.ID)
		if got.Status != surat.EnrolmentApproved || got.CertificateID == nil {
			t.Errorf("enrolment after the race: %s %v", got.Status, got.CertificateID)
		}
		if acts := auditActionsOf(t, e.st, a.v.ID, "certificate_enrolment"); countOf(acts, "pki.enrolment.approve") != 1 {
			t.Errorf("approval audited %d times", countOf(acts, "pki.enrolment.approve"))
		}
		// The kepala desa signs with the new passphrase.
		l := e.approvedLetter(a)
		var signed letterJSON
		e.call("POST", letterPath(l.ID)+"/sign", a.tokens["kades"], map[string]string{"passphrase": enrolPass}, http.StatusOK, &signed)
	})
}

// TestEnrolmentLimitHoldsInParallel sends many enrolments of one login at
// once: the limit is counted in the database before the key is made and
// sealed, so exactly issuance.MaxEnrolmentsPerDay get through and the rest
// are 429 with Retry-After.
func TestEnrolmentLimitHoldsInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newCustodyEnv(t, b)
		ctx := context.Background()
		kades := e.browser()
		kades.login("akades")
		tok := kades.csrf("/sertifikat-saya")
		const n = 12
		codes := make([]int, n)
		retry := make([]string, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := kades.c.PostForm(kades.base+"/sertifikat-saya", url.Values{csrfField: {tok},
					"passphrase": {enrolPass}, "passphrase_confirm": {enrolPass}})
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i], retry[i] = resp.StatusCode, resp.Header.Get("Retry-After")
			}()
		}
		close(start)
		wg.Wait()
		ok, limited := 0, 0
		for i, c := range codes {
			switch c {
			case http.StatusSeeOther:
				ok++
			case http.StatusTooManyRequests:
				limited++
				if retry[i] == "" {
					t.Error("429 without Retry-After")
				}
			default:
				t.Errorf("parallel enrolment answered %d", c)
			}
		}
		if ok != issuance.MaxEnrolmentsPerDay || limited != n-issuance.MaxEnrolmentsPerDay {
			t.Errorf("%d enrolments accepted, %d limited; want %d and %d", ok, limited, issuance.MaxEnrolmentsPerDay, n-issuance.MaxEnrolmentsPerDay)
		}
		akades, _ := e.st.UserByUsername(ctx, "akades")
		es, _ := e.st.UserEnrolments(ctx, e.a.v.ID, akades.ID)
		pending := 0
		for _, en := range es {
			if en.Status == surat.EnrolmentPending {
				pending++
			}
		}
		if len(es) != issuance.MaxEnrolmentsPerDay || pending != 1 {
			t.Errorf("stored enrolments %d (pending %d), want %d with one pending", len(es), pending, issuance.MaxEnrolmentsPerDay)
		}
		r := enrol(kades, 0, enrolPass, enrolPass)
		if r.Code != http.StatusTooManyRequests || !strings.Contains(textByID(t, r.Body, "form-error"), "per hari") {
			t.Errorf("enrolment past the limit = %d %q", r.Code, textByID(t, r.Body, "form-error"))
		}
		// A day later the login may enrol again.
		e.clock.Advance(issuance.EnrolmentWindow + time.Minute)
		kades = e.browser()
		kades.login("akades")
		if r := enrol(kades, 0, enrolPass, enrolPass); r.Code != http.StatusSeeOther {
			t.Errorf("enrolment a day later = %d", r.Code)
		}
	})
}

func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// pdfsigValid downloads a signed letter and checks with poppler's pdfsig,
// trusting only the deployment's root, that its signature is valid and
// covers the whole document.
func (e *custodyEnv) pdfsigValid(token string, letterID int64) {
	t := e.t
	t.Helper()
	for _, tool := range []string{"pdfsig", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("%s not installed (poppler-utils, libnss3-tools); CI installs it: signature check skipped", tool)
			return
		}
	}
	rec := e.api("GET", letterPath(letterID)+"/pdf", token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("download letter %d = %d", letterID, rec.Code)
	}
	root, err := e.st.ActiveRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rootFile, pdfFile := filepath.Join(dir, "root.pem"), filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(rootFile, []byte(root.CertPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pdfFile, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-N", "-d", "sql:" + nss, "--empty-password"},
		{"-A", "-d", "sql:" + nss, "-n", "root", "-t", "C,C,C", "-i", rootFile}} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, pdfFile).CombinedOutput()
	if !strings.Contains(string(out), "Signature Validation: Signature is Valid.") ||
		!strings.Contains(string(out), "Total document signed") {
		t.Errorf("pdfsig on letter %d:\n%s", letterID, out)
	}
}
