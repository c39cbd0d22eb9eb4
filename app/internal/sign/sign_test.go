package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

func TestSignProducesValidSignature(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	pdf := renderPDF(t, "Yang bertanda tangan di bawah ini menerangkan bahwa ...")
	original := bytes.Clone(pdf)
	meta := testMeta()

	signed, err := f.signer.Sign(context.Background(), pdf, meta)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.Equal(pdf, original) {
		t.Error("Sign modified its input")
	}
	if !bytes.HasPrefix(signed, original) {
		t.Fatal("signed PDF does not start with the original bytes (not an incremental update)")
	}
	res := Verify(signed, f.roots, time.Now())
	if !res.Valid || res.Code != CodeValid || len(res.Problems) != 0 {
		t.Fatalf("Verify: valid=%v code=%s problems=%v", res.Valid, res.Code, res.Problems)
	}
	if !res.Signed || !res.CoversWholeFile || !res.DigestOK || !res.SignatureOK || !res.Trusted {
		t.Errorf("Verify flags: %+v", res)
	}
	if !res.SignerCert.Equal(f.signer.Cert) {
		t.Error("SignerCert is not the signer's certificate")
	}
	if len(res.Chain) != 2 || !res.Chain[1].Equal(f.root) {
		t.Errorf("chain of %d certificates, want signer and root", len(res.Chain))
	}
	if d := res.SigningTime.Sub(meta.SigningTime); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("SigningTime %v, want about %v", res.SigningTime, meta.SigningTime)
	}
	if res.Message == "" {
		t.Error("no Indonesian message")
	}

	update := string(signed[len(original):])
	for _, want := range []string{
		"/Type /Sig", "/Filter /Adobe.PPKLite", "/SubFilter /ETSI.CAdES.detached",
		"/Reason (Surat Keterangan Domisili 470/12/2026)", "/Name (SUTRISNO)",
		"/Location (Desa Sumberejo, Kabupaten Malang)", "/M (D:",
		"/Subtype /Widget", "/FT /Sig", "/Rect [0 0 0 0]", "/F 132", "/SigFlags 3",
		"/Prev ", "startxref",
	} {
		if !strings.Contains(update, want) {
			t.Errorf("update lacks %q", want)
		}
	}
}

func TestSignedStructure(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	pdf := renderPDF(t, "Isi surat.")
	signed, err := f.signer.Sign(context.Background(), pdf, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	before := readCtx(t, pdf)
	after := readCtx(t, signed)

	// The page keeps every key it had and gains /Annots with the widget.
	p0, _, _, err := before.PageDict(1, false)
	if err != nil {
		t.Fatal(err)
	}
	p1, _, _, err := after.PageDict(1, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p0 {
		if got, ok := p1[k]; !ok || got.PDFString() != v.PDFString() {
			t.Errorf("page /%s = %v, want %v", k, got, v)
		}
	}
	annots, err := after.DereferenceArray(p1["Annots"])
	if err != nil || len(annots) != 1 {
		t.Fatalf("page /Annots = %v (%v), want one widget", p1["Annots"], err)
	}
	widget, err := after.DereferenceDict(annots[0])
	if err != nil {
		t.Fatal(err)
	}
	if widget.NameEntry("Subtype") == nil || *widget.NameEntry("Subtype") != "Widget" || *widget.NameEntry("FT") != "Sig" {
		t.Errorf("widget = %v", widget)
	}
	sig, err := after.DereferenceDict(widget["V"])
	if err != nil || *sig.NameEntry("SubFilter") != "ETSI.CAdES.detached" {
		t.Errorf("signature dictionary = %v (%v)", sig, err)
	}

	// The catalog keeps its keys and gains an AcroForm listing the field.
	c0, _ := before.Catalog()
	c1, _ := after.Catalog()
	for k, v := range c0 {
		if got, ok := c1[k]; !ok || got.PDFString() != v.PDFString() {
			t.Errorf("catalog /%s = %v, want %v", k, got, v)
		}
	}
	form, err := after.DereferenceDict(c1["AcroForm"])
	if err != nil {
		t.Fatal(err)
	}
	if n := form.IntEntry("SigFlags"); n == nil || *n != 3 {
		t.Errorf("/SigFlags = %v, want 3", form["SigFlags"])
	}
	if fields := form.ArrayEntry("Fields"); len(fields) != 1 || fields[0] != annots[0] {
		t.Errorf("/Fields = %v, want [%v]", fields, annots[0])
	}
	if after.PageCount != 1 {
		t.Errorf("page count %d, want 1", after.PageCount)
	}
	if *after.Info != *before.Info {
		t.Errorf("/Info %v, want %v", after.Info, before.Info)
	}
}

func TestVerifyVerdicts(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	stranger := newFixture(t, "Root CA Lain")
	pdf := renderPDF(t, "Isi surat.")
	signed := mustSign(t, f.signer, pdf)
	strangerSigned := mustSign(t, stranger.signer, pdf)
	br, _ := lastByteRange(signed)

	tests := []struct {
		name  string
		input []byte
		want  Code
		also  []Code
	}{
		{"ours", signed, CodeValid, nil},
		{"empty input", nil, CodeNotPDF, nil},
		{"not a PDF", []byte("PK\x03\x04 this is a zip"), CodeNotPDF, nil},
		{"unsigned PDF", pdf, CodeUnsigned, nil},
		{"one byte flipped in the first range", flip(signed, producerOffset(t, signed)), CodeDigestMismatch, nil},
		{"one byte flipped in the second range", flip(signed, len(signed)-10), CodeDigestMismatch, nil},
		{"bytes appended", append(bytes.Clone(signed), "\n% tambahan\n"...), CodeNotWholeFile, nil},
		{"truncated", signed[:len(signed)-20], CodeMalformed, nil},
		{"certificate in the CMS damaged", flipHex(signed, br[1]+200), CodeMalformed, nil},
		{"signature value flipped", flipHex(signed, signatureValueOffset(t, signed, br)), CodeBadSignature, nil},
		{"another CA", strangerSigned, CodeUntrusted, nil},
		{"another CA, bytes appended", append(bytes.Clone(strangerSigned), '\n'), CodeNotWholeFile, []Code{CodeUntrusted}},
		{"contents zeroed", zeroContents(signed, br), CodeMalformed, nil},
		{"padding after the CMS changed", flipHex(signed, br[2]-3), CodeMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Verify(tt.input, f.roots, time.Now())
			if res.Code != tt.want {
				t.Fatalf("Code = %s, want %s (problems %v)", res.Code, tt.want, res.Problems)
			}
			if res.Valid != (tt.want == CodeValid) {
				t.Errorf("Valid = %v", res.Valid)
			}
			if res.Message != tt.want.Message() || res.Message == "" {
				t.Errorf("Message = %q", res.Message)
			}
			for _, c := range tt.also {
				if !hasProblem(res, c) {
					t.Errorf("problems %v lack %s", res.Problems, c)
				}
			}
		})
	}

	// The flags say which check failed.
	if res := Verify(flipHex(signed, signatureValueOffset(t, signed, br)), f.roots, time.Now()); !res.DigestOK || res.SignatureOK {
		t.Errorf("flipped signature value: DigestOK=%v SignatureOK=%v, want true, false", res.DigestOK, res.SignatureOK)
	}
	if res := Verify(flip(signed, producerOffset(t, signed)), f.roots, time.Now()); res.DigestOK || !res.CoversWholeFile || !res.Trusted {
		t.Errorf("flipped content: DigestOK=%v CoversWholeFile=%v Trusted=%v, want false, true, true", res.DigestOK, res.CoversWholeFile, res.Trusted)
	}

	// A nil pool trusts nothing, never the system roots.
	if res := Verify(signed, nil, time.Now()); res.Code != CodeUntrusted {
		t.Errorf("nil roots: Code = %s, want %s", res.Code, CodeUntrusted)
	}
	// A signing time far ahead of "now" is refused.
	if res := Verify(signed, f.roots, time.Now().Add(-time.Hour)); !hasProblem(res, CodeFutureSignature) {
		t.Errorf("clock an hour behind: problems %v, want %s", res.Problems, CodeFutureSignature)
	}
	// Years later, after the certificate expired, the letter still verifies:
	// the chain is checked at the signing time.
	if res := Verify(signed, f.roots, time.Now().AddDate(5, 0, 0)); !res.Valid {
		t.Errorf("five years later: %s %v", res.Code, res.Problems)
	}
}

func TestSignTwice(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	first := mustSign(t, f.signer, renderPDF(t, "Isi surat."))
	second := mustSign(t, f.signer, first)
	if res := Verify(second, f.roots, time.Now()); !res.Valid {
		t.Fatalf("second signature: %s %v", res.Code, res.Problems)
	}
	ctx := readCtx(t, second)
	form, err := ctx.DereferenceDict(ctx.RootDict["AcroForm"])
	if err != nil {
		t.Fatal(err)
	}
	if n := len(form.ArrayEntry("Fields")); n != 2 {
		t.Errorf("%d fields after two signatures, want 2", n)
	}
	checkQpdf(t, second)
	if out, ok := runPdfsig(t, newNSSDB(t, f.root), second); ok {
		if n := strings.Count(out, "Signature Validation: Signature is Valid."); n != 2 {
			t.Errorf("pdfsig reports %d valid signatures, want 2:\n%s", n, out)
		}
		if !strings.Contains(out, "Total document signed") {
			t.Errorf("pdfsig: last signature does not cover the document:\n%s", out)
		}
	}
}

func TestSignErrors(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	ctx := context.Background()

	if _, err := f.signer.Sign(ctx, []byte("not a pdf"), testMeta()); !errors.Is(err, ErrUnsupportedPDF) {
		t.Errorf("non-PDF: err = %v, want ErrUnsupportedPDF", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.signer.Sign(cancelled, renderPDF(t), testMeta()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}

	doc, err := prepare(renderPDF(t), testMeta(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.fillContents(make([]byte, 2001)); !errors.Is(err, ErrSignatureTooLarge) {
		t.Errorf("oversized CMS: err = %v, want ErrSignatureTooLarge", err)
	}

	// A chain too long for MaxContentsSize is refused, not written.
	long := &LocalSigner{Cert: f.signer.Cert, Key: f.signer.Key}
	for range MaxContentsSize/len(f.root.Raw) + 1 {
		long.Chain = append(long.Chain, f.root)
	}
	if _, err := long.Sign(ctx, renderPDF(t), testMeta()); !errors.Is(err, ErrSignatureTooLarge) {
		t.Errorf("long chain: err = %v, want ErrSignatureTooLarge", err)
	}

	// A chain that did not issue the certificate is refused by pkcs7.
	stranger := newFixture(t, "Root CA Lain")
	wrong := &LocalSigner{Cert: f.signer.Cert, Chain: []*x509.Certificate{stranger.root}, Key: f.signer.Key}
	if _, err := wrong.Sign(ctx, renderPDF(t), testMeta()); err == nil {
		t.Error("signing with a wrong chain succeeded")
	}
}

func TestSignAndVerify(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	pdf := renderPDF(t, "Isi surat.")
	signed, res, err := SignAndVerify(context.Background(), f.signer, pdf, testMeta(), f.roots, time.Now())
	if err != nil || !res.Valid || len(signed) <= len(pdf) {
		t.Fatalf("SignAndVerify: err=%v valid=%v", err, res.Valid)
	}
	stranger := newFixture(t, "Root CA Lain")
	signed, res, err = SignAndVerify(context.Background(), f.signer, pdf, testMeta(), stranger.roots, time.Now())
	if !errors.Is(err, ErrSelfCheck) || signed != nil || res.Code != CodeUntrusted {
		t.Errorf("untrusted root: err=%v signed=%d bytes code=%s", err, len(signed), res.Code)
	}
}

func TestPDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SUTRISNO", "(SUTRISNO)"},
		{`a(b)\c`, `(a\(b\)\\c)`},
		{"Désa", "<FEFF004400E900730061>"},
		{"baris\nbaru", "<FEFF00620061007200690073000A0062006100720075>"},
	}
	for _, tt := range tests {
		if got := pdfText(tt.in); got != tt.want {
			t.Errorf("pdfText(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	wib := time.FixedZone("WIB", 7*3600)
	if got, want := pdfDate(time.Date(2026, 1, 2, 15, 4, 5, 0, wib)), "(D:20260102150405+07'00')"; got != want {
		t.Errorf("pdfDate = %s, want %s", got, want)
	}
}

func TestSignatureNonASCIIMeta(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	meta := testMeta()
	meta.Name = "Ni Luh Putu Ayu Déwi"
	signed := mustSignMeta(t, f.signer, renderPDF(t, "Isi."), meta)
	if res := Verify(signed, f.roots, time.Now()); !res.Valid {
		t.Fatalf("Verify: %s", res.Code)
	}
	ctx := readCtx(t, signed)
	page, _, _, err := ctx.PageDict(1, false)
	if err != nil {
		t.Fatal(err)
	}
	annots, _ := ctx.DereferenceArray(page["Annots"])
	widget, _ := ctx.DereferenceDict(annots[0])
	sig, _ := ctx.DereferenceDict(widget["V"])
	name, err := types.StringOrHexLiteral(sig["Name"])
	if err != nil || name == nil || *name != meta.Name {
		t.Errorf("/Name decodes to %v (%v), want %q", name, err, meta.Name)
	}
}

func mustSign(t testing.TB, s Signer, pdf []byte) []byte {
	t.Helper()
	return mustSignMeta(t, s, pdf, testMeta())
}

func mustSignMeta(t testing.TB, s Signer, pdf []byte, meta Meta) []byte {
	t.Helper()
	signed, err := s.Sign(context.Background(), pdf, meta)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return signed
}

func readCtx(t *testing.T, pdf []byte) *model.Context {
	t.Helper()
	ctx, err := api.ReadContext(bytes.NewReader(pdf), readConfig())
	if err != nil {
		t.Fatalf("pdfcpu cannot read the PDF: %v", err)
	}
	if err := ctx.EnsurePageCount(); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// flip returns a copy of b with the byte at i changed.
func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// flipHex returns a copy of b with the hex digit at i replaced by another.
func flipHex(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}

// producerOffset is a byte inside the /Producer string of the original
// part: a change there breaks nothing but the signature.
func producerOffset(t *testing.T, pdf []byte) int {
	t.Helper()
	i := bytes.Index(pdf, []byte("/Producer ("))
	if i < 0 {
		t.Fatal("no /Producer in the test PDF")
	}
	return i + len("/Producer (") + 1
}

// signatureValueOffset is a hex digit inside the ECDSA signature value, the
// last element of our CMS.
func signatureValueOffset(t *testing.T, signed []byte, br [4]int) int {
	t.Helper()
	der, err := hex.DecodeString(string(signed[br[1]+1 : br[2]-1]))
	if err != nil {
		t.Fatal(err)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		t.Fatal(err)
	}
	return br[1] + 1 + 2*(len(raw.FullBytes)-10)
}

func zeroContents(signed []byte, br [4]int) []byte {
	out := bytes.Clone(signed)
	for i := br[1] + 1; i < br[2]-1; i++ {
		out[i] = '0'
	}
	return out
}

func hasProblem(res Result, c Code) bool {
	for _, p := range res.Problems {
		if p.Code == c {
			return true
		}
	}
	return false
}

var byteRangeRE = regexp.MustCompile(`/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]`)

func TestByteRangeCoversFile(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	signed := mustSign(t, f.signer, renderPDF(t, "Isi."))
	m := byteRangeRE.FindAllSubmatch(signed, -1)
	if len(m) != 1 {
		t.Fatalf("%d /ByteRange arrays, want 1", len(m))
	}
	var br [4]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[0][i+1]))
	}
	if br[0] != 0 || br[2]+br[3] != len(signed) || signed[br[1]] != '<' || signed[br[2]-1] != '>' {
		t.Errorf("ByteRange %v for a %d-byte file", br, len(signed))
	}
	room, err := f.signer.contentsRoom()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := br[2]-br[1], 2*room+2; got != want {
		t.Errorf("gap %d bytes, want %d", got, want)
	}
}

// TestContentsRoomFitsCMS: the room Sign reserves in /Contents holds the
// CMS of every signature, with names and chains of every length our PKI
// issues, and wastes no more than the slack and the few bytes an ECDSA
// signature shorter than the longest saves. If the CMS ever outgrows the
// measure, this fails before a letter does.
func TestContentsRoomFitsCMS(t *testing.T) {
	long := strings.Repeat("Ñ", 100) // the columns hold 100 characters
	signers := map[string]*LocalSigner{
		"demo":       newFixture(t, "Root CA Test").signer,
		"long names": newFixtureSubject(t, long, long, long, long, "https://"+strings.Repeat("a", 200)+".example/pki/crl.der"),
	}
	root := signers["demo"].Chain
	signers["no chain"] = &LocalSigner{Cert: signers["demo"].Cert, Key: signers["demo"].Key}
	signers["chain of three"] = &LocalSigner{Cert: signers["demo"].Cert, Key: signers["demo"].Key, Chain: append(root, root...)}
	for name, s := range signers {
		room, err := s.contentsRoom()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		shortest, longest := room, 0
		for i := 0; i < 200; i++ {
			cms, err := buildCMS([]byte(fmt.Sprintf("isi %d", i)), s.Cert, s.Chain, s.Key)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(cms) > room {
				t.Fatalf("%s: CMS of %d bytes, room for %d", name, len(cms), room)
			}
			shortest, longest = min(shortest, room-len(cms)), max(longest, len(cms))
		}
		t.Logf("%s: room %d bytes, longest CMS %d", name, room, longest)
		if shortest > contentsSlack+8 {
			t.Errorf("%s: room %d wastes at least %d bytes, want at most %d", name, room, shortest, contentsSlack+8)
		}
		if name == "demo" && room > 2048 {
			t.Errorf("demo signer: room %d bytes, want at most 2048", room)
		}
	}
}
