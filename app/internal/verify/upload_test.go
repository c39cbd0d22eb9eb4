package verify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// foreignSigned is pdf signed by a certificate of a root CA that is not
// ours, with the same village and official names as ours.
func foreignSigned(t *testing.T, e *env, pdf []byte) []byte {
	t.Helper()
	now := e.clock.Now().Add(-time.Hour)
	root, err := pki.NewRootCA("Bukan CA Kami", now, "asing-rahasia-1", cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := pki.DecryptKey(root.SealedKey, "asing-rahasia-1", root.Cert, 0)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := pki.IssueSigner(root.Cert, rootKey, pki.SignerRequest{
		Subject: pki.SignerSubject{Name: e.official.Name, Jabatan: e.official.Jabatan, Village: e.village.Name,
			Kabupaten: e.village.Kabupaten, VillageID: e.village.ID},
		Passphrase: "asing-rahasia-2", CRLURL: "http://jahat.example/crl.der", Now: now, KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.DecryptKey(cred.SealedKey, "asing-rahasia-2", cred.Cert, e.village.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&sign.LocalSigner{Cert: cred.Cert, Key: key}).Sign(e.ctx, pdf, sign.Meta{Name: e.official.Name})
	if err != nil {
		t.Fatalf("foreign sign: %v", err)
	}
	return out
}

// The check lines of a verdict, by label, in order.
const (
	lineSame      = "Sama dengan PDF surat ini (SHA-256)"
	lineSigned    = "Tanda tangan elektronik"
	lineWhole     = "Tanda tangan mencakup seluruh berkas"
	lineUnchanged = "Isi tidak berubah sejak ditandatangani"
	lineTrusted   = "Sertifikat diterbitkan oleh CA akar aplikasi ini"
	lineCert      = "Status sertifikat penanda tangan"
)

// checks prints a verdict's check list as "label=ok" pairs.
func checks(v *Verdict) string {
	var b strings.Builder
	for _, c := range v.Checks {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Label)
		if c.OK {
			b.WriteString("=ok")
		} else {
			b.WriteString("=fail")
		}
	}
	return b.String()
}

func line(label string, ok bool) string {
	if ok {
		return label + "=ok"
	}
	return label + "=fail"
}

func lines(ls ...string) string { return strings.Join(ls, "; ") }

func TestCheckPDF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		l := e.signed(t)
		letterPDF := e.pdfOf(t, l)
		otherPDF := e.pdfOf(t, e.signed(t))
		r := e.lookup(t, *l.VerifyCode)

		// One byte flipped inside the signed range: the producer string.
		altered := bytes.Clone(letterPDF)
		i := bytes.Index(altered, []byte("/Producer"))
		if i < 0 {
			t.Fatal("no /Producer in the letter")
		}
		altered[i+12] ^= 0x01
		appended := append(bytes.Clone(letterPDF), []byte("\n% tambahan\n")...)
		unsigned, err := e.iss.PreviewPDF(e.ctx, e.village.ID, e.request())
		if err != nil {
			t.Fatalf("preview: %v", err)
		}
		foreign := foreignSigned(t, e, unsigned)

		allGood := lines(line(lineSame, true), line(lineSigned, true), line(lineWhole, true),
			line(lineUnchanged, true), line(lineTrusted, true), line(lineCert, true))
		tests := []struct {
			name   string
			pdf    []byte
			kind   VerdictKind
			ok     bool
			checks string
		}{
			{"identical", letterPDF, Identical, true, allGood},
			{"another letter of ours", otherPDF, OtherDocument, false, lines(line(lineSame, false), line(lineSigned, true),
				line(lineWhole, true), line(lineUnchanged, true), line(lineTrusted, true), line(lineCert, true))},
			{"not a pdf", []byte("Ini hanya teks, bukan PDF.\n"), NotPDF, false, ""},
			{"png", []byte("\x89PNG\r\n\x1a\n0000"), NotPDF, false, ""},
			{"no signature", unsigned, Unsigned, false, lines(line(lineSame, false), line(lineSigned, false))},
			{"signed by another CA", foreign, Untrusted, false, lines(line(lineSame, false), line(lineSigned, true),
				line(lineWhole, true), line(lineUnchanged, true), line(lineTrusted, false))},
			{"a byte flipped", altered, Altered, false, lines(line(lineSame, false), line(lineSigned, true),
				line(lineWhole, true), line(lineUnchanged, false), line(lineTrusted, true), line(lineCert, true))},
			{"bytes appended", appended, Appended, false, lines(line(lineSame, false), line(lineSigned, true),
				line(lineWhole, false), line(lineUnchanged, true), line(lineTrusted, true), line(lineCert, true))},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				v, err := e.svc.CheckPDF(e.ctx, r, tc.pdf)
				if err != nil {
					t.Fatal(err)
				}
				if v.Kind != tc.kind || v.OK != tc.ok {
					t.Errorf("verdict %s ok=%v, want %s ok=%v: %s", v.Kind, v.OK, tc.kind, tc.ok, v.Message)
				}
				if got := checks(v); got != tc.checks {
					t.Errorf("checks\n got %s\nwant %s", got, tc.checks)
				}
				if v.Title == "" || v.Message == "" {
					t.Errorf("verdict without words: %+v", v)
				}
				if len(v.SHA256) != 64 || (v.Kind == Identical) != (v.SHA256 == l.PDFSHA256) {
					t.Errorf("upload SHA-256 %q, letter's %s", v.SHA256, l.PDFSHA256)
				}
			})
		}

		// The certificate revoked after the signing: the signature holds.
		e.clock.Advance(time.Hour)
		if _, err := e.iss.RevokeCertificate(e.ctx, e.admin, e.village.ID, e.cert.ID, "Kepala desa berganti"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(-time.Hour)
		v, err := e.svc.CheckPDF(e.ctx, r, letterPDF)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != Identical || !v.OK || checks(v) != allGood ||
			!strings.HasSuffix(v.Checks[5].Result, "setelah dokumen ditandatangani (tanda tangan tetap sah)") {
			t.Errorf("after certificate revocation: %s ok=%v, %s, %q", v.Kind, v.OK, checks(v), v.Checks[5].Result)
		}

		// A revoked letter: even the identical file is not OK.
		if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID, surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
			t.Fatal(err)
		}
		v, err = e.svc.CheckPDF(e.ctx, e.lookup(t, *l.VerifyCode), letterPDF)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != Identical || v.OK || !strings.HasSuffix(v.Message, "Perhatikan status surat di atas: DICABUT.") {
			t.Errorf("identical file of a revoked letter: %s ok=%v %q", v.Kind, v.OK, v.Message)
		}
	})
}

// TestCheckPDFCertificateRevokedBeforeSigning: a document signed with one
// of our certificates after it was revoked (a stolen key, say) is refused.
func TestCheckPDFCertificateRevokedBeforeSigning(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	l := e.signed(t)
	other := e.pdfOf(t, e.signed(t))
	r := e.lookup(t, *l.VerifyCode)
	// Record the revocation an hour before the signatures were made.
	e.clock.Advance(-time.Hour)
	if _, err := e.iss.RevokeCertificate(e.ctx, e.admin, e.village.ID, e.cert.ID, "Kunci dicuri"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)

	v, err := e.svc.CheckPDF(e.ctx, r, other)
	if err != nil {
		t.Fatal(err)
	}
	want := lines(line(lineSame, false), line(lineSigned, true), line(lineWhole, true), line(lineUnchanged, true),
		line(lineTrusted, true), line(lineCert, false))
	if v.Kind != RevokedCertificate || v.OK || checks(v) != want ||
		!strings.HasSuffix(v.Checks[5].Result, ", sebelum dokumen ditandatangani") {
		t.Errorf("verdict %s ok=%v, checks %s, %q", v.Kind, v.OK, checks(v), v.Checks[5].Result)
	}
	// The public page says the same of the letter's certificate.
	if r = e.lookup(t, *l.VerifyCode); r.Cert.RevokedAfterSigning ||
		!strings.Contains(r.Cert.State(), "sebelum surat ini ditandatangani") {
		t.Errorf("certificate state %q", r.Cert.State())
	}
}

func TestVerdictsWithoutFile(t *testing.T) {
	if v := VerdictTooBig(); v.Kind != TooBig || v.OK || !strings.Contains(v.Message, "20 MB") || v.Title == "" {
		t.Errorf("too big: %+v", v)
	}
	if v := VerdictNoFile(); v.Kind != NoFile || v.OK || v.Message == "" || v.Title == "" {
		t.Errorf("no file: %+v", v)
	}
}
