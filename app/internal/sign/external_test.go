package sign

// The independent checks of docs/signing.md §4: poppler's pdfsig with our root trusted in a
// fresh NSS database, and qpdf --check. Each test skips, saying why, only
// when its tool is not installed (Debian: poppler-utils qpdf libnss3-tools).

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/suratdesa/suratdesa/app/internal/pki"
)

func TestPdfsig(t *testing.T) {
	requireTool(t, "pdfsig", "poppler-utils")
	requireTool(t, "certutil", "libnss3-tools")
	f := newFixture(t, "Root CA Test")
	stranger := newFixture(t, "Root CA Lain")
	nss := newNSSDB(t, f.root)
	pdf := renderPDF(t, "Yang bertanda tangan di bawah ini, Kepala Desa Sumberejo, menerangkan ...")
	signed := mustSign(t, f.signer, pdf)

	tests := []struct {
		name     string
		input    []byte
		want     []string
		dontWant []string
		code     Code
	}{
		{
			name:  "signed",
			input: signed,
			want: []string{
				"Signature Validation: Signature is Valid.",
				"Certificate Validation: Certificate is Trusted.",
				"Total document signed",
				"Signature Type: ETSI.CAdES.detached",
			},
			dontWant: []string{"Not total document signed"},
			code:     CodeValid,
		},
		{
			name:  "one byte flipped",
			input: flip(signed, producerOffset(t, signed)),
			want:  []string{"Digest Mismatch"},
			code:  CodeDigestMismatch,
		},
		{
			name:  "bytes appended",
			input: append(bytes.Clone(signed), "\n% tambahan\n"...),
			want:  []string{"Signature Validation: Signature is Valid.", "Not total document signed"},
			code:  CodeNotWholeFile,
		},
		{
			name:     "another CA",
			input:    mustSign(t, stranger.signer, pdf),
			want:     []string{"Signature Validation: Signature is Valid.", "Total document signed"},
			dontWant: []string{"Certificate is Trusted."},
			code:     CodeUntrusted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := runPdfsig(t, nss, tt.input)
			t.Logf("pdfsig:\n%s", out)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("pdfsig output lacks %q", w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("pdfsig output contains %q", w)
				}
			}
			if res := Verify(tt.input, f.roots, time.Now()); res.Code != tt.code {
				t.Errorf("our Verify says %s, want %s (problems %v)", res.Code, tt.code, res.Problems)
			}
		})
	}

	t.Run("unsigned", func(t *testing.T) {
		out, _ := runPdfsig(t, nss, pdf)
		t.Logf("pdfsig:\n%s", out)
		if !strings.Contains(out, "does not contain any signatures") {
			t.Errorf("pdfsig output lacks %q", "does not contain any signatures")
		}
		if res := Verify(pdf, f.roots, time.Now()); res.Code != CodeUnsigned {
			t.Errorf("our Verify says %s, want %s", res.Code, CodeUnsigned)
		}
	})
}

func TestQpdfCheck(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	checkQpdf(t, mustSign(t, f.signer, renderPDF(t, "Isi surat.")))
}

// newNSSDB creates an NSS database in a temporary directory trusting root
// for S/MIME and returns its "sql:" name for pdfsig -nssdir.
func newNSSDB(t testing.TB, root *x509.Certificate) string {
	t.Helper()
	if _, err := exec.LookPath("certutil"); err != nil {
		t.Skip("certutil not installed (apt-get install -y libnss3-tools)")
	}
	dir := t.TempDir()
	rootPEM := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sql:" + filepath.Join(dir, "nss")
	if err := os.Mkdir(filepath.Join(dir, "nss"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", db, "--empty-password"},
		{"-A", "-d", db, "-n", "root", "-t", "C,C,C", "-i", rootPEM},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return db
}

// runPdfsig runs pdfsig on pdf and returns its combined output. pdfsig
// exits 0 for bad signatures too (and 2 for an unsigned file), so callers
// look at the text. ok is false when pdfsig is not installed; the test is
// then skipped.
func runPdfsig(t testing.TB, nssDB string, pdf []byte) (out string, ok bool) {
	t.Helper()
	requireTool(t, "pdfsig", "poppler-utils")
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command("pdfsig", "-nssdir", nssDB, path).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("pdfsig: %v", err)
	}
	return string(b), true
}

// checkQpdf fails the test unless qpdf --check exits 0 (no errors, no
// warnings) on pdf.
func checkQpdf(t testing.TB, pdf []byte) {
	t.Helper()
	requireTool(t, "qpdf", "qpdf")
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

func requireTool(t testing.TB, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (apt-get install -y %s)", name, pkg)
	}
}

// TestPdfcpuValidate runs pdfcpu's own signature validation in process, with
// our root as its only trusted certificate and a CRL served locally.
func TestPdfcpuValidate(t *testing.T) {
	var crl []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	}))
	defer srv.Close()
	f := newFixtureCRL(t, "Root CA Test", srv.URL+"/pki/crl.der")
	rootKey, err := pki.DecryptKey(f.rootKey, "root passphrase", f.root, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rootKey.Wipe()
	now := time.Now()
	if crl, err = pki.CreateCRL(f.root, rootKey, nil, 1, now.Add(-time.Minute), now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// pdfcpu keeps its trust store in a package variable; point it at a
	// directory holding only our root for the duration of the test.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "root.pem"), pki.CertificatePEM(f.root), 0o600); err != nil {
		t.Fatal(err)
	}
	saved := model.TrustedCertDir
	model.TrustedCertDir = dir
	t.Cleanup(func() { model.TrustedCertDir = saved })

	signed := mustSign(t, f.signer, renderPDF(t, "Isi surat."))
	conf := readConfig()
	conf.Timeout, conf.TimeoutCRL, conf.TimeoutOCSP = 5, 5, 5
	conf.PreferredCertRevocationChecker = model.CRL
	conf.AllowedRevocationHosts = []string{"127.0.0.1"}
	validate := func() *model.SignatureValidationResult {
		t.Helper()
		results, err := api.ValidateSignaturesRaw(bytes.NewReader(signed), true, conf)
		if err != nil {
			t.Fatalf("pdfcpu: %v", err)
		}
		if len(results) != 1 {
			t.Fatalf("pdfcpu found %d signatures, want 1", len(results))
		}
		return results[0]
	}

	r := validate()
	t.Logf("pdfcpu, empty CRL:\n%s", r)
	if r.Status != model.SignatureStatusValid {
		t.Errorf("pdfcpu status %v, want valid; problems %v", r.Status, r.Problems)
	}
	if !strings.Contains(r.String(), "PAdES:          B-B") {
		t.Error("pdfcpu does not classify the signature as PAdES B-B")
	}

	// Once the CRL lists the signer, pdfcpu no longer calls it valid.
	revoked := []pki.Revoked{{Serial: f.signer.Cert.SerialNumber, Time: now.Add(-30 * time.Second), ReasonCode: 1}}
	if crl, err = pki.CreateCRL(f.root, rootKey, revoked, 2, now, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r = validate()
	t.Logf("pdfcpu, signer revoked: status %v, reason %v", r.Status, r.Reason)
	if r.Status == model.SignatureStatusValid {
		t.Errorf("pdfcpu still calls a signature by a revoked certificate valid")
	}
}
