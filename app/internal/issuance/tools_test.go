package issuance_test

// Helpers running the independent tools of docs/signing.md §4 on our output: poppler's
// pdfsig/pdftotext/pdftoppm, NSS certutil, qpdf and zbarimg. A test skips,
// saying which package to install, only when a tool is missing.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireTool(t *testing.T, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (Debian package %s); CI installs it", tool, pkg)
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs a tool and returns its combined output; a non-zero exit fails
// the test only when mustSucceed.
func run(t *testing.T, mustSucceed bool, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && mustSucceed {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// nssWithRoot makes an NSS database trusting rootPEM for signing.
func nssWithRoot(t *testing.T, rootPEM []byte) string {
	t.Helper()
	dir := t.TempDir()
	run(t, true, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	run(t, true, "certutil", "-A", "-d", "sql:"+dir, "-n", "root", "-t", "C,C,C", "-i", writeTemp(t, "root.pem", rootPEM))
	return "sql:" + dir
}

func pdfsig(t *testing.T, nss string, pdf []byte) string {
	t.Helper()
	// pdfsig exits 0 also for bad signatures: callers check the text.
	return run(t, false, "pdfsig", "-nssdir", nss, writeTemp(t, "letter.pdf", pdf))
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	return run(t, true, "pdftotext", "-layout", writeTemp(t, "letter.pdf", pdf), "-")
}

// qrOf renders page 1 at 150 dpi and decodes its QR code.
func qrOf(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, true, "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", in, filepath.Join(dir, "p"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(pngs) != 1 {
		t.Fatalf("pdftoppm made %v", pngs)
	}
	// stdout only: zbarimg may complain about D-Bus on stderr.
	out, err := exec.Command("zbarimg", "--raw", "-q", pngs[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// flipInSignedRange changes one byte of the /Producer string, which lies in
// the signed part of the original PDF, keeping the file parseable.
func flipInSignedRange(t *testing.T, pdf []byte) []byte {
	t.Helper()
	i := bytes.Index(pdf, []byte("/Producer ("))
	if i < 0 {
		t.Fatal("no /Producer in PDF")
	}
	out := bytes.Clone(pdf)
	out[i+len("/Producer (")+1] ^= 0x01
	return out
}
