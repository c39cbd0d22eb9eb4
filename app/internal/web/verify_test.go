package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The subject of the letters signed in these tests. Every personal datum
// here must stay off the public page and out of the JSON.
const (
	vfNIK        = "3505125708850003" // born 17-08-1985, woman (+40)
	vfKK         = "3505121208090017"
	vfName       = "Sulastri Widya Ningrum"
	vfBirthPlace = "Tulungagung"
	vfStreet     = "Jl. Kenanga Indah No. 41"
	vfDusun      = "Karangrejo"
	vfPurpose    = "Persyaratan pendaftaran beasiswa Universitas Brawijaya"
	vfRootPass   = "akar-rahasia-123"
	vfSignPass   = "tanda-tangan-456"
)

var vfBirth = time.Date(1985, 8, 17, 0, 0, 0, 0, time.UTC)

// cheapKDF keeps Argon2id sealing of test keys fast.
var cheapKDF = testParams

// withVerifyIssuance wires a real issuance service on the env's store.
func withVerifyIssuance(t *testing.T) envOption {
	return func(d *Deps) { d.Issuance = testIssuance(t, d, "") }
}

// testVerify is the verify service every test server gets (newEnv).
func testVerify(t testing.TB, st *store.Store, now func() time.Time, key *surat.MatchKey) *verify.Service {
	t.Helper()
	v, err := verify.New(verify.Deps{Store: st, Catalogue: testCatalogue(t), Now: now, MatchKey: key})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}

func withRateLimits(rl RateLimits) envOption { return func(d *Deps) { d.RateLimits = &rl } }

// verifyFixture is a village with a kepala desa holding a signer
// certificate, a clerk, and one resident to write letters about.
type verifyFixture struct {
	e        *env
	iss      *issuance.Service
	village  *surat.Village
	official *surat.Official
	clerk    surat.Actor
	signer   surat.Actor
	resident *surat.Resident
	cert     *surat.SignerCertificate
}

func newVerifyFixture(t *testing.T, b storetest.Backend, opts ...envOption) *verifyFixture {
	t.Helper()
	// Rate limits are off here; TestVerifyRateLimit covers them.
	base := []envOption{withVerifyIssuance(t), withRateLimits(RateLimits{Disabled: true})}
	e := newEnv(t, b, append(base, opts...)...)
	// The CMS signing time is the wall clock; keep the fake clock next to it
	// so that the signature is not "from the future" for the check.
	e.clock.mu.Lock()
	e.clock.t = time.Now().UTC().Truncate(time.Second)
	e.clock.mu.Unlock()
	ctx := context.Background()
	f := &verifyFixture{e: e, iss: e.srv.issuance}
	f.village = e.village("3505122001", "Sumberejo")
	f.official = &surat.Official{Name: "Bambang Sutejo", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := e.st.CreateOfficial(ctx, surat.Actor{Username: "test"}, f.village.ID, f.official); err != nil {
		t.Fatalf("create official: %v", err)
	}
	op := e.user(f.village, "operator", surat.RoleOperator)
	sg := &surat.User{Username: "kades", FullName: "Bambang Sutejo", PasswordHash: "x", Role: surat.RoleSigner,
		VillageID: &f.village.ID, OfficialID: &f.official.ID}
	if err := e.st.CreateUser(ctx, surat.Actor{Username: "test"}, sg); err != nil {
		t.Fatalf("create signer: %v", err)
	}
	f.clerk = surat.Actor{UserID: op.ID, Username: op.Username, Role: op.Role, VillageID: f.village.ID}
	f.signer = surat.Actor{UserID: sg.ID, Username: sg.Username, Role: sg.Role, VillageID: f.village.ID}
	admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
	if _, err := f.iss.InitRoot(ctx, admin, "suratdesa Test Root CA", vfRootPass); err != nil {
		t.Fatalf("init root: %v", err)
	}
	cert, err := f.iss.IssueCertificate(ctx, admin, f.village.ID, f.official.ID, vfRootPass, vfSignPass)
	if err != nil {
		t.Fatalf("issue certificate: %v", err)
	}
	f.cert = cert
	f.resident = &surat.Resident{NIK: vfNIK, Name: vfName, BirthPlace: vfBirthPlace, BirthDate: vfBirth,
		Sex: surat.SexFemale, Religion: 1, MaritalStatus: 1, Relation: surat.RelationHead, Citizenship: 1,
		Occupation: 3, LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: vfKK, Address: vfStreet, RT: "004", RW: "007", Dusun: vfDusun}
	if err := e.st.CreateResident(ctx, surat.Actor{Username: "test"}, f.village.ID, f.resident, h); err != nil {
		t.Fatalf("create resident: %v", err)
	}
	return f
}

// sign drafts, submits, approves and signs a sk_domisili about the
// resident and returns the signed letter.
func (f *verifyFixture) sign(t *testing.T) *surat.Letter {
	t.Helper()
	ctx := context.Background()
	req := issuance.Request{Module: "sk_domisili",
		Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: f.resident.ID}},
		Fields:   map[string]string{"keperluan": vfPurpose, "status_tinggal": "Tetap"}}
	l, err := f.iss.CreateDraft(ctx, f.clerk, f.village.ID, req)
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	return f.signDraft(t, l)
}

func (f *verifyFixture) signDraft(t *testing.T, l *surat.Letter) *surat.Letter {
	t.Helper()
	ctx := context.Background()
	l, err := f.e.st.Submit(ctx, f.clerk, f.village.ID, l.ID)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if l, err = f.e.st.Approve(ctx, f.signer, f.village.ID, l.ID, l.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if l, err = f.iss.Sign(ctx, f.signer, f.village.ID, l.ID, vfSignPass); err != nil {
		t.Fatalf("sign: %v", err)
	}
	if l.VerifyCode == nil {
		t.Fatal("signed letter has no verify code")
	}
	return l
}

func (f *verifyFixture) pdfOf(t *testing.T, l *surat.Letter) []byte {
	t.Helper()
	_, b, err := f.iss.SignedPDF(context.Background(), f.village.ID, l.ID)
	if err != nil {
		t.Fatalf("signed pdf: %v", err)
	}
	return b
}

// get sends GET path from a fixed client address.
func (e *env) getFrom(ip, path string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = ip + ":4711"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestVerifyPageStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		ctx := context.Background()
		l := f.sign(t)
		code := *l.VerifyCode

		rec := e.do("GET", "/v/"+code, nil, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /v/%s = %d, want 200\n%s", code, rec.Code, rec.Body)
		}
		page := rec.Body.String()
		checks := map[string]string{
			"status":           "ASLI",
			"number":           l.NumberString(),
			"village":          "Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar",
			"subject":          "S**** W**** N**** (disamarkan)",
			"signer":           "Bambang Sutejo, Kepala Desa",
			"cert-serial":      f.cert.Serial,
			"cert-status":      "Tidak dicabut",
			"pdf-sha256":       l.PDFSHA256,
			"issued":           surat.FormatDate(surat.LetterTime(*l.IssuedAt)),
			"signed":           verify.TimeWIB(*l.SignedAt),
			"cert-fingerprint": f.cert.Fingerprint,
		}
		for id, want := range checks {
			if got := textByID(t, page, id); got != want {
				t.Errorf("#%s = %q, want %q", id, got, want)
			}
		}
		if !strings.Contains(page, "Surat Keterangan Domisili") {
			t.Error("page does not name the letter type")
		}
		if !strings.HasSuffix(textByID(t, page, "signed"), "WIB") {
			t.Errorf("signing time %q is not in WIB", textByID(t, page, "signed"))
		}
		root, err := e.st.ActiveRoot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.ToLower(strings.ReplaceAll(textByID(t, page, "root-fingerprint"), ":", "")), root.Fingerprint; got != want {
			t.Errorf("root fingerprint = %q, want %q", got, want)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		if strings.Contains(page, "<script") {
			t.Error("the public page needs no JavaScript")
		}

		// Lower case typed by hand goes to the canonical URL.
		if rec := e.do("GET", "/v/"+strings.ToLower(code), nil, nil); rec.Code != http.StatusMovedPermanently ||
			rec.Header().Get("Location") != "/v/"+code {
			t.Errorf("lower-case code: %d to %q", rec.Code, rec.Header().Get("Location"))
		}

		// Revoking the signer's certificate afterwards does not void the
		// letter; the page says both.
		e.clock.Advance(time.Hour)
		if _, err := f.iss.RevokeCertificateWithCRL(ctx, surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten},
			f.village.ID, f.cert.ID, "Kepala desa berganti", vfRootPass); err != nil {
			t.Fatalf("revoke certificate: %v", err)
		}
		page = e.do("GET", "/v/"+code, nil, nil).Body.String()
		if got := textByID(t, page, "status"); got != "ASLI" {
			t.Errorf("after certificate revocation: status %q, want ASLI", got)
		}
		if got := textByID(t, page, "cert-status"); !strings.Contains(got, "setelah surat ini ditandatangani") {
			t.Errorf("after certificate revocation: certificate status %q", got)
		}

		// Expired: sk_domisili is valid for one month.
		e.clock.Advance(40 * 24 * time.Hour)
		page = e.do("GET", "/v/"+code, nil, nil).Body.String()
		if got := textByID(t, page, "status"); got != "KEDALUWARSA" {
			t.Errorf("after 40 days: status %q, want KEDALUWARSA", got)
		}
		if got := textByID(t, page, "expiry"); !strings.Contains(got, surat.FormatDate(surat.LetterTime(*l.ValidUntil))) {
			t.Errorf("expiry line %q does not give the end date", got)
		}
	})
}

func TestVerifyRevokeAndReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		ctx := context.Background()

		revoked := f.sign(t)
		if got := textByID(t, e.do("GET", "/v/"+*revoked.VerifyCode, nil, nil).Body.String(), "status"); got != "ASLI" {
			t.Fatalf("before revocation: %q", got)
		}
		// The clerk's note names the subject's NIK and street: it must not
		// reach the public page, only the reason's fixed label does.
		note := "Salah tulis alamat " + vfStreet + ", NIK " + vfNIK
		if _, err := f.iss.Revoke(ctx, f.signer, f.village.ID, revoked.ID,
			surat.Revocation{Reason: surat.ReasonDataError, Note: note}); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		page := e.do("GET", "/v/"+*revoked.VerifyCode, nil, nil).Body.String()
		if got := textByID(t, page, "status"); got != "DICABUT" {
			t.Errorf("after revocation: status %q, want DICABUT", got)
		}
		if got := textByID(t, page, "revocation"); !strings.Contains(got, "Data dalam surat keliru") || !strings.Contains(got, "WIB") {
			t.Errorf("revocation line %q lacks reason or time", got)
		}
		apiRevoked := e.do("GET", "/api/v1/verify/"+*revoked.VerifyCode, nil, nil).Body.String()
		for _, doc := range []string{page, apiRevoked} {
			for _, secret := range []string{"Salah tulis", vfNIK, "Kenanga"} {
				if strings.Contains(doc, secret) {
					t.Errorf("the public check shows the internal note (%q)", secret)
				}
			}
		}

		old := f.sign(t)
		draft, err := f.iss.Replace(ctx, f.clerk, f.village.ID, old.ID)
		if err != nil {
			t.Fatalf("replace: %v", err)
		}
		if got := textByID(t, e.do("GET", "/v/"+*old.VerifyCode, nil, nil).Body.String(), "status"); got != "ASLI" {
			t.Errorf("while the replacement is a draft: %q, want ASLI", got)
		}
		repl := f.signDraft(t, draft)
		page = e.do("GET", "/v/"+*old.VerifyCode, nil, nil).Body.String()
		if got := textByID(t, page, "status"); got != "DIGANTI" {
			t.Errorf("after replacement: status %q, want DIGANTI", got)
		}
		if got := attr(t, page, "a", "id", "replacement", "href"); got != "/v/"+*repl.VerifyCode {
			t.Errorf("replacement link %q, want /v/%s", got, *repl.VerifyCode)
		}

		var j verifyJSON
		rec := e.do("GET", "/api/v1/verify/"+*old.VerifyCode, nil, nil)
		decode(t, rec, &j)
		if j.Status != verify.Replaced || j.ReplacedBy == nil || j.ReplacedBy.Code != *repl.VerifyCode ||
			j.ReplacedBy.URL != "http://localhost:8080/v/"+*repl.VerifyCode {
			t.Errorf("JSON of the replaced letter: %+v", j)
		}
		decode(t, e.do("GET", "/api/v1/verify/"+*revoked.VerifyCode, nil, nil), &j)
		if j.Status != verify.Revoked || j.Revocation == nil || j.Revocation.Reason != "Data dalam surat keliru" ||
			j.Revocation.ReasonCode != surat.ReasonDataError {
			t.Errorf("JSON of the revoked letter: %+v", j)
		}
	})
}

func TestVerifyNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		l := f.sign(t)
		unknown := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		if unknown == *l.VerifyCode {
			t.Skip("astronomically unlikely")
		}
		reqID := regexp.MustCompile(`[0-9a-f]{16}`)
		var first string
		for _, code := range []string{unknown, "ABC", "abc!", "ABCDEFGHIJKLMNOPQRSTUVWXY1", strings.Repeat("A", 200), "%27%20OR%201=1--"} {
			rec := e.do("GET", "/v/"+code, nil, nil)
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET /v/%s = %d, want 404", code, rec.Code)
			}
			body := reqID.ReplaceAllString(rec.Body.String(), "")
			if first == "" {
				first = body
				if got := textByID(t, body, "status"); got != "TIDAK DITEMUKAN" {
					t.Errorf("404 status %q", got)
				}
			} else if body != first {
				t.Errorf("GET /v/%s: the 404 page differs from the one for an unknown code", code)
			}
			api := e.do("GET", "/api/v1/verify/"+code, nil, nil)
			if api.Code != http.StatusNotFound || !strings.Contains(api.Body.String(), `"error":"not_found"`) {
				t.Errorf("GET /api/v1/verify/%s = %d %s", code, api.Code, api.Body)
			}
		}
		// The upload route 404s the same way.
		rec := e.do("POST", "/v/"+unknown+"/periksa", nil, nil)
		if rec.Code != http.StatusNotFound || textByID(t, rec.Body.String(), "status") != "TIDAK DITEMUKAN" {
			t.Errorf("POST to an unknown code: %d", rec.Code)
		}
	})
}

// TestVerifyHidesPersonalData renders the page and the JSON of a signed
// letter and looks for every personal datum of the subject, in every
// format letters print them.
func TestVerifyHidesPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		l := f.sign(t)
		letterPDF := f.pdfOf(t, l)
		if !bytes.Contains(letterPDF, []byte("%PDF-")) {
			t.Fatal("no PDF")
		}
		page := f.e.do("GET", "/v/"+*l.VerifyCode, nil, nil).Body.String()
		api := f.e.do("GET", "/api/v1/verify/"+*l.VerifyCode, nil, nil).Body.String()
		upload := f.upload(t, *l.VerifyCode, letterPDF, "").Body.String()
		forbidden := []string{
			vfNIK, vfKK, "3505 1257", "350512570885",
			vfName, "Sulastri", "Widya", "Ningrum", "SULASTRI",
			vfBirthPlace, "17-08-1985", "17/08/1985", "1985-08-17", "17 Agustus 1985", "17 AGUSTUS 1985", "17-8-1985",
			vfStreet, "Kenanga", vfDusun, "RT 004", "RT. 004", "004/007",
			vfPurpose, "beasiswa", "Berdasarkan data yang ada pada kami", "benar bertempat tinggal",
		}
		for name, doc := range map[string]string{"page": page, "json": api, "upload verdict": upload} {
			for _, s := range forbidden {
				if strings.Contains(strings.ToLower(doc), strings.ToLower(s)) {
					t.Errorf("%s shows %q", name, s)
				}
			}
		}
		if !strings.Contains(api, `"subject":"S**** W**** N****"`) {
			t.Errorf("JSON subject is not masked the same way: %s", api)
		}
	})
}

func TestVerifyJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		l := f.sign(t)
		rec := f.e.do("GET", "/api/v1/verify/"+*l.VerifyCode, nil, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/v1/verify = %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		var j verifyJSON
		decode(t, rec, &j)
		root, err := f.e.st.ActiveRoot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := verifyJSON{
			Code: *l.VerifyCode, Status: verify.Authentic,
			Village: verifyVillageJSON{Name: "Desa Sumberejo", Code: "3505122001", Kecamatan: "Kecamatan Sanankulon",
				Kabupaten: "Kabupaten Blitar"},
			Letter: verifyLetterJSON{Module: "sk_domisili", Type: "Surat Keterangan Domisili", Number: l.NumberString(),
				IssuedOn: surat.LetterTime(*l.IssuedAt).Format(time.DateOnly), SignedAt: wibRFC3339(*l.SignedAt),
				ValidUntil: optWIB(l.ValidUntil)},
			Signer: verifySignerJSON{Name: "Bambang Sutejo", Office: "Kepala Desa"},
			Certificate: &verifyCertJSON{Serial: f.cert.Serial, SHA256: f.cert.Fingerprint,
				NotBefore: wibRFC3339(f.cert.NotBefore), NotAfter: wibRFC3339(f.cert.NotAfter)},
			Subject: "S**** W**** N****", PDFSHA256: l.PDFSHA256, RootSHA256: root.Fingerprint,
			Statement: verify.Statement,
		}
		gotB, _ := json.Marshal(j)
		wantB, _ := json.Marshal(want)
		if !bytes.Equal(gotB, wantB) {
			t.Errorf("JSON\n got %s\nwant %s", gotB, wantB)
		}
		if sum := sha256.Sum256(f.pdfOf(t, l)); hex.EncodeToString(sum[:]) != j.PDFSHA256 {
			t.Error("pdf_sha256 is not the SHA-256 of the stored PDF")
		}
		if !strings.HasSuffix(j.Letter.SignedAt, "+07:00") {
			t.Errorf("signed_at %q is not in WIB", j.Letter.SignedAt)
		}
	})
}

// upload posts pdf to the letter's check form.
func (f *verifyFixture) upload(t *testing.T, code string, pdf []byte, origin string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if pdf != nil {
		w, err := mw.CreateFormFile("berkas", "surat.pdf")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(pdf)
	}
	mw.Close()
	h := http.Header{"Content-Type": {mw.FormDataContentType()}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return f.e.do("POST", "/v/"+code+"/periksa", &body, h)
}

// verdictKind is the data-kind of the verdict on an upload result page.
func verdictKind(t *testing.T, doc string) string {
	t.Helper()
	return attr(t, doc, "section", "id", "verdict", "data-kind")
}

func TestVerifyUploadVerdicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		ctx := context.Background()
		l := f.sign(t)
		other := f.sign(t)
		letterPDF := f.pdfOf(t, l)
		otherPDF := f.pdfOf(t, other)
		code := *l.VerifyCode

		// One byte flipped inside the signed range: the producer string.
		altered := bytes.Clone(letterPDF)
		i := bytes.Index(altered, []byte("/Producer"))
		if i < 0 {
			i = 200
		}
		altered[i+12] ^= 0x01

		appended := append(bytes.Clone(letterPDF), []byte("\n% tambahan\n")...)

		unsigned, err := f.iss.PreviewPDF(ctx, f.village.ID, issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: f.resident.ID}},
			Fields:   map[string]string{"keperluan": "Uji"}})
		if err != nil {
			t.Fatalf("preview: %v", err)
		}

		// The same letter signed again by a CA of someone else.
		foreignRoot, err := pki.NewRootCA("Bukan CA Kami", f.e.clock.Now().Add(-time.Hour), "asing-rahasia-1", cheapKDF)
		if err != nil {
			t.Fatal(err)
		}
		foreignRootKey, err := pki.DecryptKey(foreignRoot.SealedKey, "asing-rahasia-1", foreignRoot.Cert, 0)
		if err != nil {
			t.Fatal(err)
		}
		foreignSigner, err := pki.IssueSigner(foreignRoot.Cert, foreignRootKey, pki.SignerRequest{
			Subject:    pki.SignerSubject{Name: "Pemalsu", Jabatan: "Kepala Desa", Village: "Sumberejo", Kabupaten: "Blitar", VillageID: 1},
			Passphrase: "asing-rahasia-2", CRLURL: "http://jahat.example/crl.der", Now: f.e.clock.Now().Add(-time.Hour), KDF: cheapKDF})
		if err != nil {
			t.Fatal(err)
		}
		foreignKey, err := pki.DecryptKey(foreignSigner.SealedKey, "asing-rahasia-2", foreignSigner.Cert, 1)
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := (&sign.LocalSigner{Cert: foreignSigner.Cert, Chain: nil, Key: foreignKey}).Sign(ctx, unsigned, sign.Meta{Name: "Pemalsu"})
		if err != nil {
			t.Fatalf("foreign sign: %v", err)
		}

		tests := []struct {
			name       string
			pdf        []byte
			wantStatus int
			wantKind   string
		}{
			{"identical", letterPDF, http.StatusOK, "identical"},
			{"another letter of ours", otherPDF, http.StatusOK, "other_document"},
			{"not a pdf", []byte("Ini hanya teks, bukan PDF.\n"), http.StatusOK, "not_pdf"},
			{"png", []byte("\x89PNG\r\n\x1a\n0000"), http.StatusOK, "not_pdf"},
			{"no signature", unsigned, http.StatusOK, "unsigned"},
			{"signed by someone else", foreign, http.StatusOK, "untrusted"},
			{"ours with a byte flipped", altered, http.StatusOK, "altered"},
			{"ours with bytes appended", appended, http.StatusOK, "appended"},
			{"no file", nil, http.StatusBadRequest, "no_file"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := f.upload(t, code, tc.pdf, "")
				if rec.Code != tc.wantStatus {
					t.Errorf("status %d, want %d", rec.Code, tc.wantStatus)
				}
				doc := rec.Body.String()
				if got := verdictKind(t, doc); got != tc.wantKind {
					t.Errorf("verdict %q, want %q\n%s", got, tc.wantKind, textByID(t, doc, "verdict"))
				}
				if textByID(t, doc, "verdict") == "" {
					t.Error("no verdict text")
				}
				// The letter's facts stay on the page.
				if got := textByID(t, doc, "status"); got != "ASLI" {
					t.Errorf("status %q on the result page", got)
				}
			})
		}

		// After the letter is revoked, even the identical file is not OK.
		if _, err := f.iss.Revoke(ctx, f.signer, f.village.ID, l.ID, surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
			t.Fatal(err)
		}
		doc := f.upload(t, code, letterPDF, "").Body.String()
		if verdictKind(t, doc) != "identical" || !strings.Contains(textByID(t, doc, "verdict"), "DICABUT") {
			t.Errorf("identical upload of a revoked letter: %s", textByID(t, doc, "verdict"))
		}
		if n := strings.Count(doc, "verdict-ok"); n != 0 {
			t.Error("identical upload of a revoked letter is shown as OK")
		}
	})
}

func TestVerifyUploadLimits(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	l := f.sign(t)
	code := *l.VerifyCode

	// Declared too big: refused before the body is read. The body here
	// is empty; only the header claims 50 MB.
	req := httptest.NewRequest("POST", "/v/"+code+"/periksa", strings.NewReader(""))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.ContentLength = 50 << 20
	rec := httptest.NewRecorder()
	f.e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || verdictKind(t, rec.Body.String()) != "too_big" {
		t.Errorf("50 MB declared: %d %q", rec.Code, verdictKind(t, rec.Body.String()))
	}
	if !strings.Contains(rec.Body.String(), "20 MB") {
		t.Error("the too-big message does not name the limit")
	}

	// Really too big (21 MB, length unknown): cut off while reading.
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 21<<20)...)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("berkas", "besar.pdf")
	w.Write(big)
	mw.Close()
	req = httptest.NewRequest("POST", "/v/"+code+"/periksa", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	f.e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || verdictKind(t, rec.Body.String()) != "too_big" {
		t.Errorf("21 MB streamed: %d %q", rec.Code, verdictKind(t, rec.Body.String()))
	}

	// 15 MB is under the limit (the global 10 MB body limit does not apply).
	mid := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 15<<20)...)
	if rec := f.upload(t, code, mid, ""); rec.Code != http.StatusOK || verdictKind(t, rec.Body.String()) != "unsigned" {
		t.Errorf("15 MB: %d %q", rec.Code, verdictKind(t, rec.Body.String()))
	}

	// Posted from another site.
	if rec := f.upload(t, code, []byte("x"), "https://jahat.example"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-origin upload: %d, want 403", rec.Code)
	}
	if rec := f.upload(t, code, []byte("x"), "http://localhost:8080"); rec.Code != http.StatusOK {
		t.Errorf("same-origin upload: %d, want 200", rec.Code)
	}
}

func TestPKIPublicFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, withVerifyIssuance(t))
		for _, p := range []string{"/pki/root.crt", "/pki/crl.der"} {
			if rec := e.do("GET", p, nil, nil); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s before a root = %d, want 404", p, rec.Code)
			}
		}
		ctx := context.Background()
		admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
		r, err := e.srv.issuance.InitRoot(ctx, admin, "suratdesa Test Root CA", vfRootPass)
		if err != nil {
			t.Fatal(err)
		}
		rec := e.do("GET", "/pki/root.crt", nil, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pkix-cert" {
			t.Fatalf("GET /pki/root.crt = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		sum := sha256.Sum256(rec.Body.Bytes())
		if hex.EncodeToString(sum[:]) != r.Fingerprint {
			t.Error("root.crt is not the DER of the active root")
		}
		pemRec := e.do("GET", "/pki/root.crt?format=pem", nil, nil)
		if c, err := pki.ParseCertificatePEM(pemRec.Body.Bytes()); err != nil || pki.Fingerprint(c) != r.Fingerprint {
			t.Errorf("root.crt?format=pem: %v", err)
		}
		// The lookup page shows the fingerprint.
		if got := textByID(t, e.do("GET", "/periksa", nil, nil).Body.String(), "root-fingerprint"); !strings.HasPrefix(got,
			strings.ToUpper(r.Fingerprint[:2])+":") {
			t.Errorf("/periksa root fingerprint %q", got)
		}
		// InitRoot signs the first, empty CRL.
		rec = e.do("GET", "/pki/crl.der", nil, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pkix-crl" {
			t.Fatalf("GET /pki/crl.der = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		if len(r.CRLDER) == 0 || !bytes.Equal(rec.Body.Bytes(), r.CRLDER) {
			t.Error("crl.der is not the stored CRL")
		}
		if _, err := x509.ParseRevocationList(rec.Body.Bytes()); err != nil {
			t.Errorf("crl.der does not parse: %v", err)
		}
	})
}

func TestVerifyLookup(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	code := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, in := range []string{code, strings.ToLower(code), "http://localhost:8080/v/" + code, " ABCD-EFGH-IJKL-MNOP-QRST-UVWXYZ "} {
		rec := e.do("GET", "/periksa?kode="+urlQueryEscape(in), nil, nil)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/v/"+code {
			t.Errorf("kode=%q: %d to %q", in, rec.Code, rec.Header().Get("Location"))
		}
	}
	rec := e.do("GET", "/periksa?kode=12345", nil, nil)
	if rec.Code != http.StatusUnprocessableEntity || textByID(t, rec.Body.String(), "kode-error") == "" {
		t.Errorf("bad code: %d", rec.Code)
	}
	if rec := e.do("GET", "/periksa", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("GET /periksa = %d", rec.Code)
	}
}

func urlQueryEscape(s string) string {
	return strings.NewReplacer(" ", "+", ":", "%3A", "/", "%2F").Replace(s)
}

func TestVerifyRateLimit(t *testing.T) {
	e := newEnv(t, storetest.SQLite, withRateLimits(RateLimits{
		Verify: RateLimit{PerMinute: 60, Burst: 3},
		Upload: RateLimit{PerMinute: 6, Burst: 1},
	}))
	path := "/v/ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i := range 3 {
		if rec := e.getFrom("192.0.2.1", path); rec.Code != http.StatusNotFound {
			t.Fatalf("request %d = %d, want 404", i+1, rec.Code)
		}
	}
	rec := e.getFrom("192.0.2.1", path)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("4th request = %d, Retry-After %q; want 429, 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	if msg := textByID(t, rec.Body.String(), "error-message"); !strings.Contains(msg, "Terlalu banyak permintaan") {
		t.Errorf("429 page says %q", msg)
	}
	// The JSON twin shares the bucket and answers in JSON.
	rec = e.getFrom("192.0.2.1", "/api/v1/verify/ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"error":"rate_limited"`) ||
		rec.Header().Get("Retry-After") == "" {
		t.Errorf("JSON 429: %d %s", rec.Code, rec.Body)
	}
	// Another client is not affected.
	if rec := e.getFrom("192.0.2.2", path); rec.Code != http.StatusNotFound {
		t.Errorf("other client = %d, want 404", rec.Code)
	}
	// One token a second comes back.
	e.clock.Advance(time.Second)
	if rec := e.getFrom("192.0.2.1", path); rec.Code != http.StatusNotFound {
		t.Errorf("after 1 s = %d, want 404", rec.Code)
	}
	if rec := e.getFrom("192.0.2.1", path); rec.Code != http.StatusTooManyRequests {
		t.Errorf("second request after 1 s = %d, want 429", rec.Code)
	}

	// Uploads: one, then wait ten seconds.
	up := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path+"/periksa", strings.NewReader(""))
		req.RemoteAddr = "192.0.2.9:1234"
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	if rec := up(); rec.Code != http.StatusNotFound {
		t.Errorf("first upload = %d, want 404", rec.Code)
	}
	rec = up()
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "10" {
		t.Errorf("second upload = %d, Retry-After %q; want 429, 10", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestVerifyRateLimitDefault(t *testing.T) {
	e := newEnv(t, storetest.SQLite) // Deps.RateLimits nil: the defaults
	for i := range 30 {
		if rec := e.getFrom("192.0.2.1", "/api/v1/verify/ABC"); rec.Code != http.StatusNotFound {
			t.Fatalf("request %d = %d, want 404", i+1, rec.Code)
		}
	}
	if rec := e.getFrom("192.0.2.1", "/pki/root.crt"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("31st request = %d, want 429", rec.Code)
	}
}

func TestVerifyRateLimitDisabled(t *testing.T) {
	e := newEnv(t, storetest.SQLite, withRateLimits(RateLimits{Disabled: true}))
	for i := range 100 {
		if rec := e.getFrom("192.0.2.1", "/v/ABC"); rec.Code != http.StatusNotFound {
			t.Fatalf("request %d = %d", i, rec.Code)
		}
	}
}

func TestLimiterRefillAndEviction(t *testing.T) {
	ck := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{PerMinute: 60, Burst: 2}, ck.Now, 3)
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.allow("a"); ok != want {
			t.Fatalf("take %d: %v, want %v", i, ok, want)
		}
	}
	_, wait := l.allow("a")
	if wait != time.Second {
		t.Errorf("wait %v, want 1s", wait)
	}
	ck.Advance(500 * time.Millisecond)
	if ok, wait := l.allow("a"); ok || wait != 500*time.Millisecond {
		t.Errorf("after 0.5 s: %v %v, want false 500ms", ok, wait)
	}
	ck.Advance(time.Hour)
	for i, want := range []bool{true, true, false} { // refilled to the burst, not beyond
		if ok, _ := l.allow("a"); ok != want {
			t.Fatalf("after an hour, take %d: %v, want %v", i, ok, want)
		}
	}
	// The table is allocated once and never grows, however many clients
	// come; refilled buckets carry no information.
	slots := l.capacity()
	for i := range 10_000 {
		l.allow(fmt.Sprintf("client-%d", i))
	}
	if l.capacity() != slots || l.size() > slots {
		t.Fatalf("%d live buckets in %d slots (was %d)", l.size(), l.capacity(), slots)
	}
	ck.Advance(time.Minute)
	l.allow("late")
	if n := l.size(); n != 1 {
		t.Errorf("after a minute idle: %d live buckets, want 1", n)
	}
}
