package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// tool returns the path of a command-line tool, or skips the test with a
// message saying which Debian package provides it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install -y %s); skipping", name, pkg)
	}
	return p
}

// writePDF stores a rendered PDF in the test's temporary directory.
func writePDF(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs a tool and returns its standard output, failing the test when
// the tool fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// pages extracts the text of a PDF with pdftotext -layout, one string per
// page.
func pages(t *testing.T, data []byte) []string {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	text := run(t, bin, "-layout", "-enc", "UTF-8", writePDF(t, data), "-")
	ps := strings.Split(text, "\f")
	if n := len(ps); n > 1 && strings.TrimSpace(ps[n-1]) == "" {
		ps = ps[:n-1]
	}
	return ps
}

// pageOf is the index of the first page whose text contains s (white space
// squashed), or -1.
func pageOf(ps []string, s string) int {
	for i, p := range ps {
		if strings.Contains(squash(p), squash(s)) {
			return i
		}
	}
	return -1
}

// count is how often s occurs in the whole text.
func count(ps []string, s string) int {
	return strings.Count(squash(strings.Join(ps, "\n")), squash(s))
}

func TestRenderOnePageText(t *testing.T) {
	r := newTestRenderer(t)
	doc := onePageDoc()
	doc.Seal = testSeal()
	ps := pages(t, render(t, r, doc))
	if len(ps) != 1 {
		t.Fatalf("got %d pages, want 1", len(ps))
	}
	for _, want := range []string{
		"PEMERINTAH KABUPATEN BLITAR",
		"KECAMATAN WLINGI",
		"DESA SUMBEREJO",
		"Jl. Raya Sumberejo No. 1, Wlingi, Kode Pos 66184",
		"Telepon (0342) 691234 · Email pemdes@sumberejo.desa.id",
		"SURAT KETERANGAN DOMISILI",
		"Nomor : 470/012/35.05.12.2001/XI/2026",
		"Nama Lengkap : AHMAD FAUZI BIN ABDULLAH",
		"Status Perkawinan : Kawin",
		"Alamat : Dusun Krajan RT 002 / RW 001 Desa Sumberejo, Kecamatan",
		"Keterangan : -",
		"Sumberejo, 23 November 2026",
		"a.n. Kepala Desa Sumberejo",
		"Sekretaris Desa",
		"NIPD. 19870412 201001 2 003",
		"Dokumen ini ditandatangani secara elektronik",
	} {
		if pageOf(ps, want) < 0 {
			t.Errorf("text lacks %q\n%s", want, ps[0])
		}
	}
	if n := count(ps, "Ni Luh Putu Ayu Wédari"); n != 1 {
		t.Errorf("signer name printed %d times, want 1", n)
	}
	for _, unwanted := range []string{"DRAF", "Halaman", "<no value>"} {
		if pageOf(ps, unwanted) >= 0 {
			t.Errorf("one-page sealed letter contains %q", unwanted)
		}
	}
}

func TestRenderLongLetterFlowsToSecondPage(t *testing.T) {
	r := newTestRenderer(t)
	doc := longDoc()
	doc.Seal = testSeal()
	ps := pages(t, render(t, r, doc))
	if len(ps) != 2 {
		t.Fatalf("got %d pages, want 2", len(ps))
	}
	if got := pageOf(ps, "SURAT KETERANGAN AHLI WARIS"); got != 0 {
		t.Errorf("title on page %d, want 0", got)
	}
	if got := count(ps, "PEMERINTAH KABUPATEN BLITAR"); got != 1 {
		t.Errorf("letterhead printed %d times, want once (page 1 only)", got)
	}
	if !strings.Contains(squash(ps[1]), "SURAT KETERANGAN AHLI WARIS Nomor : 470/012/35.05.12.2001/XI/2026") {
		t.Errorf("page 2 does not repeat the letter number\n%s", ps[1])
	}
	for i := range ps {
		want := fmt.Sprintf("Halaman %d dari 2", i+1)
		if pageOf(ps, want) != i {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
	last := len(ps) - 1
	for _, s := range []string{"Sumberejo, 23 November 2026", "a.n. Kepala Desa Sumberejo", "u.b.",
		"Kepala Seksi Pemerintahan", "Nyoman Sukarsa", "NIP. 19750817 200501 1 004"} {
		if got := pageOf(ps, s); got != last {
			t.Errorf("%q on page %d, want the last page %d", s, got, last)
		}
	}
	if n := count(ps, "Nyoman Sukarsa"); n != 1 {
		t.Errorf("signer name printed %d times, want 1", n)
	}
	// Every block kind made it: headings, indented rows, the table.
	for _, s := range []string{"Pewaris", "Saksi", "Daftar Ahli Waris",
		"Nama : I Gusti Ngurah Rai Wirawan", "No Nama NIK Hubungan Tempat/Tgl. Lahir"} {
		if pageOf(ps, s) < 0 {
			t.Errorf("text lacks %q", s)
		}
	}
}

// TestLongNumberFitsTheRunningHeader gives a two-page letter a 92-character
// number, which a village's number format allows: page 2's header sets it
// smaller, whole, inside the printable area and clear of "Halaman 2 dari
// 2". It was printed at full size over the page count, past the margin.
func TestLongNumberFitsTheRunningHeader(t *testing.T) {
	doc := longDoc()
	doc.Seal = testSeal()
	doc.Number = "470/012/PEMERINTAHAN-DESA/SUMBEREJO/KECAMATAN-SANANKULON/KABUPATEN-BLITAR/3505122001/XI/2026"
	data := render(t, newTestRenderer(t), doc)
	ps := pages(t, data)
	if len(ps) != 2 {
		t.Fatalf("got %d pages, want 2", len(ps))
	}
	for _, want := range []string{"Nomor : " + doc.Number, "Halaman 2 dari 2"} {
		if !strings.Contains(squash(ps[1]), want) {
			t.Errorf("page 2 lacks %q\n%s", want, ps[1])
		}
	}
	checkWords(t, data)
}

// TestSignerBlockKeptTogether grows the body one paragraph at a time, so
// that the end of the body passes every position near the foot of page 1,
// and checks that the signer block is never split and that the page it is
// on carries body text: the closing paragraph and the end of the paragraph
// before it. The TTE note is at the foot of every page.
func TestSignerBlockKeptTogether(t *testing.T) {
	r := newTestRenderer(t)
	extra := surat.Block{Kind: surat.Paragraph, Text: "Bahwa orang tersebut di atas dikenal baik, berkelakuan baik dan tidak pernah tersangkut perkara pidana."}
	sawTwoPages := false
	for n := 0; n < 16; n++ {
		doc := onePageDoc()
		doc.Seal = testSeal()
		closing := doc.Blocks[len(doc.Blocks)-1]
		doc.Blocks = doc.Blocks[:len(doc.Blocks)-1]
		for i := 0; i < n; i++ {
			doc.Blocks = append(doc.Blocks, extra)
		}
		doc.Blocks = append(doc.Blocks, closing)
		ps := pages(t, render(t, r, doc))
		sawTwoPages = sawTwoPages || len(ps) > 1
		at := pageOf(ps, "Sumberejo, 23 November 2026")
		before := "perkara pidana."
		if n == 0 {
			before = "administrasi perbankan."
		}
		for _, s := range []string{"a.n. Kepala Desa Sumberejo", "Sekretaris Desa", "Ni Luh Putu Ayu Wédari", "NIPD. 19870412 201001 2 003",
			"Ditandatangani secara elektronik", "Demikian surat keterangan ini dibuat", "sebagaimana mestinya.", before} {
			if got := lastPageOf(ps, s); got != at || got != len(ps)-1 {
				t.Errorf("%d extra paragraphs: %q on page %d, date on page %d, %d pages", n, s, got, at, len(ps))
			}
		}
		for i, p := range ps {
			if !strings.Contains(squash(p), "Keaslian dokumen dapat diperiksa") {
				t.Errorf("%d extra paragraphs: page %d lacks the TTE note", n, i+1)
			}
		}
	}
	if !sawTwoPages {
		t.Error("no variant flowed onto a second page; the test does not test anything")
	}
}

// lastPageOf is the index of the last page whose text contains s (white
// space squashed), or -1.
func lastPageOf(ps []string, s string) int {
	for i := len(ps) - 1; i >= 0; i-- {
		if strings.Contains(squash(ps[i]), squash(s)) {
			return i
		}
	}
	return -1
}

func TestRenderDraft(t *testing.T) {
	r := newTestRenderer(t)
	doc := longDoc()
	doc.Draft = true
	doc.Number = ""
	doc.Seal = testSeal() // a draft never shows a seal, even when given one
	data := render(t, r, doc)
	ps := pages(t, data)
	if len(ps) != 2 {
		t.Fatalf("got %d pages, want 2", len(ps))
	}
	for i, p := range ps {
		if !strings.Contains(p, "DRAF") {
			t.Errorf("page %d lacks DRAF", i+1)
		}
	}
	if pageOf(ps, "Nomor : ....../....../......") != 0 {
		t.Errorf("draft lacks the dotted number line\n%s", ps[0])
	}
	if pageOf(ps, "Keaslian dokumen") >= 0 || pageOf(ps, "Ditandatangani secara elektronik") >= 0 {
		t.Error("draft prints the seal sentence")
	}
	// The watermark is drawn, not set as text, so the rows read as rows.
	if pageOf(ps, "Status Perkawinan : Kawin") != 0 {
		t.Errorf("watermark breaks the text of the data rows\n%s", ps[0])
	}
	if got := decodeQR(t, data, len(ps)); got != "" {
		t.Errorf("draft carries a QR code: %q", got)
	}
}

// decodeQR rasterises a page at 100 dpi in grey and returns what zbarimg
// reads from it: "" when it finds no code. 100 dpi is enough for the seal's
// QR code: the tests that expect one decode it at this resolution too.
func decodeQR(t *testing.T, data []byte, page int) string {
	t.Helper()
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	zbarimg := tool(t, "zbarimg", "zbar-tools")
	p := writePDF(t, data)
	prefix := filepath.Join(filepath.Dir(p), "page")
	run(t, pdftoppm, "-r", "100", "-gray", "-png", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile", p, prefix)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(zbarimg, "--raw", "-q", prefix+".png")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// zbarimg exits 4 when the image holds no symbol.
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 {
			return ""
		}
		t.Fatalf("zbarimg: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func TestSealQRDecodes(t *testing.T) {
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name string
		doc  *surat.Document
		page int
	}{
		{"one page F4", onePageDoc(), 1},
		{"two pages with logo", longDoc(), 2},
		{"A4", func() *surat.Document { d := onePageDoc(); d.Paper = "A4"; return d }(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.doc.Seal = testSeal()
			got := decodeQR(t, render(t, r, tc.doc), tc.page)
			if got != tc.doc.Seal.VerifyURL {
				t.Errorf("QR reads %q, want %q", got, tc.doc.Seal.VerifyURL)
			}
		})
	}
}

func TestPaperSize(t *testing.T) {
	bin := tool(t, "pdfinfo", "poppler-utils")
	r := newTestRenderer(t)
	for _, tc := range []struct {
		paper surat.Paper
		want  string
	}{
		{"F4", "609.45 x 935.43 pts"},
		{"", "609.45 x 935.43 pts"},
		{"A4", "595.28 x 841.89 pts (A4)"},
	} {
		doc := onePageDoc()
		doc.Paper = tc.paper
		info := run(t, bin, writePDF(t, render(t, r, doc)))
		if !strings.Contains(info, "Page size:       "+tc.want) {
			t.Errorf("paper %q: pdfinfo says\n%s\nwant page size %s", tc.paper, info, tc.want)
		}
	}
	doc := onePageDoc()
	doc.Paper = "Letter"
	if _, err := r.Render(doc, Options{}); err == nil {
		t.Error("paper Letter: got no error")
	}
}

func TestQPDFCheck(t *testing.T) {
	bin := tool(t, "qpdf", "qpdf")
	r := newTestRenderer(t)
	for name, doc := range fixtures() {
		out := run(t, bin, "--check", writePDF(t, render(t, r, doc)))
		if !strings.Contains(out, "No syntax or stream encoding errors found") {
			t.Errorf("%s: qpdf --check:\n%s", name, out)
		}
	}
}

// fixtures are the documents every whole-file check runs on.
func fixtures() map[string]*surat.Document {
	sealed := onePageDoc()
	sealed.Seal = testSeal()
	long := longDoc()
	long.Seal = testSeal()
	draft := longDoc()
	draft.Draft, draft.Number = true, ""
	a4 := onePageDoc()
	a4.Paper, a4.LogoPNG = "A4", testLogo()
	return map[string]*surat.Document{
		"plain": onePageDoc(), "sealed": sealed, "long": long, "draft": draft, "a4": a4,
	}
}

func TestSize(t *testing.T) {
	r := newTestRenderer(t)
	for name, doc := range fixtures() {
		if n := len(render(t, r, doc)); n > 100<<10 {
			t.Errorf("%s: %d bytes, want under 100 KB", name, n)
		}
	}
}

func TestDeterministic(t *testing.T) {
	r := newTestRenderer(t)
	doc := longDoc()
	doc.Seal = testSeal()
	a, b := render(t, r, doc), render(t, r, doc)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same document differ")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261123000000)")) {
		t.Error("creation date is not the document date")
	}
	signed := time.Date(2026, 11, 24, 9, 30, 15, 0, time.UTC)
	c, err := r.Render(doc, Options{Created: signed})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(c, []byte("/CreationDate (D:20261124093015)")) || !bytes.Contains(c, []byte("/ModDate (D:20261124093015)")) {
		t.Error("Options.Created is not the creation and modification date")
	}
}

func TestConcurrentRenders(t *testing.T) {
	r := newTestRenderer(t)
	docs := fixtures()
	want := map[string][]byte{}
	for name, doc := range docs {
		want[name] = render(t, r, doc)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		for name, doc := range docs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := r.Render(doc, Options{})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				if !bytes.Equal(got, want[name]) {
					t.Errorf("%s: a concurrent render differs", name)
				}
			}()
		}
	}
	wg.Wait()
}

// TestLatinNames prints names with every kind of Latin letter and checks
// they come out of the PDF as they went in.
func TestLatinNames(t *testing.T) {
	names := []string{
		"Ni Luh Putu Ayu Wédari",
		"Nyoman Sukarsa",
		"Ahmad Fauzi bin Abdullah",
		"Muhammad Ma'ruf",
		"Siti Nur’aini",
		"François Ñúñez Çelik",
		"Şükrü Gündoğdu",
		"Łukasz Żółć Dvořák",
		"Nguyễn Thị Minh Khai",
		"Ḥasan al-Ṣāliḥ",
		"Þórunn Ægisdóttir Øvergård",
		"Grüße Straße",
	}
	doc := onePageDoc()
	var rows []surat.Row
	for i, n := range names {
		rows = append(rows, surat.Row{Label: fmt.Sprintf("Nama %d", i+1), Value: n})
	}
	// Decomposed input (e + combining acute) is composed before printing.
	rows = append(rows, surat.Row{Label: "NFD", Value: "Wede\u0301ri"})
	doc.Blocks = []surat.Block{{Kind: surat.Rows, Rows: rows}}
	doc.Signer.Name = "I Ketut Ḍarma Wédana"
	ps := pages(t, render(t, newTestRenderer(t), doc))
	for i, n := range names {
		if want := fmt.Sprintf("Nama %d : %s", i+1, n); pageOf(ps, want) < 0 {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, want := range []string{"NFD : Wedéri", "I Ketut Ḍarma Wédana"} {
		if pageOf(ps, want) < 0 {
			t.Errorf("text lacks %q\n%s", want, ps[0])
		}
	}
}

func TestCharacterWithoutGlyph(t *testing.T) {
	doc := onePageDoc()
	doc.Blocks = []surat.Block{{Kind: surat.Paragraph, Text: "Nama: 王小明\tTab\u200bZero"}}
	ps := pages(t, render(t, newTestRenderer(t), doc))
	if pageOf(ps, "Nama: ??? TabZero") < 0 {
		t.Errorf("characters without a glyph are not replaced by ?\n%s", ps[0])
	}
}

func TestRenderErrors(t *testing.T) {
	r := newTestRenderer(t)
	noURL := onePageDoc()
	noURL.Seal = &surat.Seal{Footer: "x"}
	badLogo := onePageDoc()
	badLogo.LogoPNG = []byte("GIF89a not a logo")
	for name, doc := range map[string]*surat.Document{"nil": nil, "seal without URL": noURL, "bad logo": badLogo} {
		if _, err := r.Render(doc, Options{}); err == nil {
			t.Errorf("%s: got no error", name)
		} else if !strings.HasPrefix(err.Error(), "pdf: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// TestLogoFormats renders logos gofpdf cannot read directly: they are
// converted, not rejected.
func TestLogoFormats(t *testing.T) {
	shield, err := png.Decode(bytes.NewReader(testLogo()))
	if err != nil {
		t.Fatal(err)
	}
	big := image.NewNRGBA64(image.Rect(0, 0, 900, 900)) // 16-bit and large
	for y := 0; y < 900; y++ {
		for x := 0; x < 900; x++ {
			big.Set(x, y, color.NRGBA64{uint16(x * 72), uint16(y * 72), 0x8000, 0xFFFF})
		}
	}
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, shield, nil); err != nil {
		t.Fatal(err)
	}
	r := newTestRenderer(t)
	for name, logo := range map[string][]byte{
		"alpha PNG":      testLogo(),
		"16-bit big PNG": encode(big),
		"JPEG":           jpg.Bytes(),
		"opaque RGB PNG": encode(flattenLogo(shield, 400)),
		"paletted PNG":   encode(image.NewPaletted(image.Rect(0, 0, 40, 40), []color.Color{color.White, color.Black})),
		"grey 8-bit PNG": encode(image.NewGray(image.Rect(0, 0, 64, 64))),
		"small RGBA PNG": encode(image.NewRGBA(image.Rect(0, 0, 10, 30))),
	} {
		doc := onePageDoc()
		doc.LogoPNG = logo
		if _, err := r.Render(doc, Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPrepareLogoKeepsPlainImages(t *testing.T) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 50, 50)), nil); err != nil {
		t.Fatal(err)
	}
	p, err := prepareLogo(jpg.Bytes())
	if err != nil || p.kind != "JPG" || !bytes.Equal(p.data, jpg.Bytes()) {
		t.Errorf("small JPEG: got kind %q, same bytes %v, err %v; want it embedded as it is", p.kind, bytes.Equal(p.data, jpg.Bytes()), err)
	}
	p, err = prepareLogo(testLogo())
	if err != nil || p.kind != "PNG" || !plainPNG(p.data) {
		t.Errorf("alpha PNG: got kind %q, plain %v, err %v; want a flattened plain PNG", p.kind, plainPNG(p.data), err)
	}
}

func TestWrapSplitsLongWords(t *testing.T) {
	r := newTestRenderer(t)
	doc := onePageDoc()
	doc.Blocks = []surat.Block{{Kind: surat.Rows, Rows: []surat.Row{{Label: "Tautan", Value: "https://sumberejo.desa.id/" + strings.Repeat("abcdefghij", 12)}}}}
	ps := pages(t, render(t, r, doc))
	joined := regexp.MustCompile(`\s+`).ReplaceAllString(ps[0], "")
	if !strings.Contains(joined, "https://sumberejo.desa.id/"+strings.Repeat("abcdefghij", 12)) {
		t.Errorf("long value lost characters when wrapped\n%s", ps[0])
	}
}

// TestRowsBlockNeverSplits moves a block of twelve data rows down the page
// line by line, so that the foot of the page falls at every row, and checks
// that the block is always whole on one page. A block longer than a page
// does break, but never leaves one row alone on a page.
func TestRowsBlockNeverSplits(t *testing.T) {
	r := newTestRenderer(t)
	rowsOf := func(n int) []surat.Row {
		var rows []surat.Row
		for i := 1; i <= n; i++ {
			rows = append(rows, surat.Row{Label: fmt.Sprintf("Baris %02d", i), Value: "Nilai"})
		}
		return rows
	}
	line := surat.Block{Kind: surat.Paragraph, Text: "Satu baris pengisi."}
	moved := false
	for n := 0; n < 40; n++ {
		doc := onePageDoc()
		for i := 0; i < n; i++ {
			doc.Blocks = append([]surat.Block{line}, doc.Blocks...)
		}
		doc.Blocks = append(doc.Blocks[:len(doc.Blocks)-1], surat.Block{Kind: surat.Rows, Rows: rowsOf(12)}, doc.Blocks[len(doc.Blocks)-1])
		ps := pages(t, render(t, r, doc))
		for i, p := range ps {
			if k := strings.Count(p, "Baris "); k > 0 && k < 12 {
				t.Errorf("%d filler lines: page %d holds %d of the 12 rows", n, i+1, k)
			}
		}
		moved = moved || pageOf(ps, "Baris 01") > 0
	}
	if !moved {
		t.Error("the block never reached page 2; the test does not test anything")
	}

	// 70 rows do not fit on a page: the block breaks, never one row alone.
	doc := onePageDoc()
	doc.Blocks = append(doc.Blocks[:2], surat.Block{Kind: surat.Rows, Rows: rowsOf(70)}, doc.Blocks[3])
	ps := pages(t, render(t, r, doc))
	for i, p := range ps {
		if k := strings.Count(p, "Baris "); k == 1 {
			t.Errorf("page %d holds one row of the long block", i+1)
		}
	}
	if count(ps, "Baris ") != 70 {
		t.Errorf("the long block prints %d rows, want 70", count(ps, "Baris "))
	}
}
