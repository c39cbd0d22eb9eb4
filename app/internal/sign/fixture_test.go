package sign

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/pki"
)

// cheapKDF keeps fixtures fast; production uses auth.DefaultParams.
var cheapKDF = auth.Params{Time: 1, Memory: 1024, Threads: 1}

// fixture is a root CA, a signer certificate under it and a LocalSigner.
type fixture struct {
	root    *x509.Certificate
	rootKey []byte // sealed under "root passphrase"
	roots   *x509.CertPool
	signer  *LocalSigner
}

// newFixture makes a fresh CA and signer. Certificates start a minute ago:
// the CMS signing time is the wall clock, so the certificates must be valid
// now.
func newFixture(t testing.TB, rootName string) *fixture {
	t.Helper()
	return newFixtureCRL(t, rootName, "http://127.0.0.1:1/pki/crl.der")
}

// newFixtureCRL is newFixture with the signer's CRL distribution point.
func newFixtureCRL(t testing.TB, rootName, crlURL string) *fixture {
	t.Helper()
	return newFixtureNames(t, rootName, pki.SignerSubject{
		Name: "SUTRISNO", Jabatan: "Kepala Desa", Village: "Sumberejo",
		Kabupaten: "Kabupaten Malang", VillageID: 1,
	}, crlURL)
}

// newFixtureSubject is a fixture whose root and signer certificate carry
// the given names, and its signer.
func newFixtureSubject(t testing.TB, name, jabatan, village, kabupaten, crlURL string) *LocalSigner {
	t.Helper()
	return newFixtureNames(t, "Root CA "+kabupaten, pki.SignerSubject{
		Name: name, Jabatan: jabatan, Village: village, Kabupaten: kabupaten, VillageID: 1,
	}, crlURL).signer
}

// newFixtureNames is newFixture with a subject and CRL distribution point.
func newFixtureNames(t testing.TB, rootName string, subject pki.SignerSubject, crlURL string) *fixture {
	t.Helper()
	now := time.Now().Add(-time.Minute)
	root, err := pki.NewRootCA(rootName, now, "root passphrase", cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := pki.DecryptKey(root.SealedKey, "root passphrase", root.Cert, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rootKey.Wipe()
	cred, err := pki.IssueSigner(root.Cert, rootKey, pki.SignerRequest{
		Subject:    subject,
		Passphrase: "demo12345",
		Now:        now,
		CRLURL:     crlURL,
		KDF:        cheapKDF,
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.DecryptKey(cred.SealedKey, "demo12345", cred.Cert, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(key.Wipe)
	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	return &fixture{
		root:    root.Cert,
		rootKey: root.SealedKey,
		roots:   roots,
		signer:  &LocalSigner{Cert: cred.Cert, Chain: []*x509.Certificate{root.Cert}, Key: key},
	}
}

// testMeta is what the tests sign with.
func testMeta() Meta {
	return Meta{
		Name:        "SUTRISNO",
		Reason:      "Surat Keterangan Domisili 470/12/2026",
		Location:    "Desa Sumberejo, Kabupaten Malang",
		SigningTime: time.Now(),
	}
}

// renderPDF makes a one-page letter-like PDF with gofpdf, the generator the
// application uses (a classic xref table, PDF 1.3).
func renderPDF(t testing.TB, lines ...string) []byte {
	t.Helper()
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	pdf.SetModificationDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	pdf.SetTitle("Surat Keterangan Domisili", true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 10, "PEMERINTAH DESA SUMBEREJO", "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	for _, l := range lines {
		pdf.MultiCell(0, 6, l, "", "L", false)
	}
	pdf.Rect(150, 240, 25, 25, "F") // where the QR code goes
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
