package pdf

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// bareLetter draws doc with gofpdf's own calls and a core font (Helvetica,
// nothing embedded): the same page, kop with logo and double rule, title,
// number, paragraphs, data rows, place and date, signer block, QR code as
// one rectangle per run of dark modules and the TTE sentence. It is the
// floor BenchmarkRenderOnePage is measured against (issue 15: at most 1.3
// times this in the same run); it has none of the renderer's layout rules.
// logo is a prepared PNG, tr gofpdf's UTF-8 to cp1252 translator.
func bareLetter(doc *surat.Document, logo []byte, tr func(string) string) ([]byte, error) {
	const left, right, top = 20.0, 20.0, 12.0
	w, h, err := paperSize(doc.Paper)
	if err != nil {
		return nil, err
	}
	f := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: gofpdf.SizeType{Wd: w, Ht: h}})
	f.SetMargins(left, top, right)
	f.SetAutoPageBreak(false, 0)
	f.SetCatalogSort(true)
	f.SetCreationDate(doc.Date)
	f.SetModificationDate(doc.Date)
	f.SetTitle(doc.Title, true)
	f.AddPage()
	width := w - left - right

	// Kop.
	f.RegisterImageOptionsReader("logo", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(logo))
	f.ImageOptions("logo", left, top, 20, 24, false, gofpdf.ImageOptions{}, 0, "")
	v := doc.Village
	kop := []struct {
		style string
		pt    float64
		text  string
	}{
		{"", 14, "PEMERINTAH " + strings.ToUpper(v.SebutanKab+" "+v.Kabupaten)},
		{"", 14, "KECAMATAN " + strings.ToUpper(v.Kecamatan)},
		{"B", 17, strings.ToUpper(v.Sebutan + " " + v.Name)},
		{"", 10, v.Address + ", Kode Pos " + v.PostalCode},
		{"", 10, "Telepon " + v.Phone + " · Email " + v.Email},
	}
	f.SetXY(left+22, top)
	for _, k := range kop {
		f.SetFont("Helvetica", k.style, k.pt)
		f.CellFormat(width-22, k.pt*0.43, tr(k.text), "", 2, "C", false, 0, "")
	}
	y := f.GetY() + 2
	f.SetLineWidth(0.8)
	f.Line(left, y, w-right, y)
	f.SetLineWidth(0.25)
	f.Line(left, y+1.5, w-right, y+1.5)

	// Title and number.
	f.SetXY(left, y+8)
	f.SetFont("Helvetica", "BU", 13)
	f.CellFormat(width, 6, tr(strings.ToUpper(doc.Title)), "", 2, "C", false, 0, "")
	f.SetFont("Helvetica", "", 12)
	f.CellFormat(width, 6, tr("Nomor : "+doc.Number), "", 2, "C", false, 0, "")
	f.Ln(4)

	// Body.
	for _, b := range doc.Blocks {
		switch b.Kind {
		case surat.Rows:
			for _, r := range b.Rows {
				f.SetX(left + 10)
				f.CellFormat(50, 5.6, tr(r.Label), "", 0, "L", false, 0, "")
				f.CellFormat(4, 5.6, ":", "", 0, "L", false, 0, "")
				f.MultiCell(width-64, 5.6, tr(r.Value), "", "L", false)
			}
		default:
			f.SetX(left)
			f.MultiCell(width, 5.6, tr(b.Text), "", "J", false)
		}
		f.Ln(2.4)
	}

	// Place, date and signer.
	colX, colW := w-right-72, 72.0
	f.SetX(colX)
	f.CellFormat(colW, 5.6, tr(doc.Place+", "+surat.FormatDate(doc.Date)), "", 2, "C", false, 0, "")
	for _, a := range doc.Signer.Above {
		f.CellFormat(colW, 5.6, tr(a), "", 2, "C", false, 0, "")
	}
	f.CellFormat(colW, 5.6, tr(doc.Signer.Jabatan), "", 2, "C", false, 0, "")
	sigTop := f.GetY()
	f.SetY(sigTop + 28)
	f.SetX(colX)
	f.SetFont("Helvetica", "BU", 12)
	f.CellFormat(colW, 5.6, tr(doc.Signer.Name), "", 2, "C", false, 0, "")
	f.SetFont("Helvetica", "", 12)
	f.CellFormat(colW, 5.6, tr(doc.Signer.NIP), "", 2, "C", false, 0, "")

	// QR code and TTE sentence.
	if doc.Seal != nil {
		q, err := qrcode.New(doc.Seal.VerifyURL, qrcode.Medium)
		if err != nil {
			return nil, err
		}
		bm := q.Bitmap()
		m := 26.0 / float64(len(bm))
		for r, row := range bm {
			for c := 0; c < len(row); {
				if !row[c] {
					c++
					continue
				}
				start := c
				for c < len(row) && row[c] {
					c++
				}
				f.Rect(left+float64(start)*m, sigTop+float64(r)*m, float64(c-start)*m, m, "F")
			}
		}
		f.SetFont("Helvetica", "", 7.5)
		f.SetXY(left+29, sigTop)
		f.MultiCell(colX-left-32, 3.1, tr(doc.Seal.Footer), "", "L", false)
	}

	var buf bytes.Buffer
	buf.Grow(48 << 10)
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BenchmarkRenderFloor is the bare gofpdf render of BenchmarkRenderOnePage's
// letter (see bareLetter); compare its cpu-ms/op and median-ms with that
// benchmark's in the same run.
func BenchmarkRenderFloor(b *testing.B) {
	doc := onePageDoc()
	doc.Seal = testSeal()
	logo, err := prepareLogo(testLogo())
	if err != nil {
		b.Fatal(err)
	}
	tr := gofpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	benchmarkLoop(b, func() ([]byte, error) { return bareLetter(doc, logo.data, tr) })
}

// TestBareLetter keeps the floor honest: it is a valid one-page PDF with
// the letter's text.
func TestBareLetter(t *testing.T) {
	doc := onePageDoc()
	doc.Seal = testSeal()
	logo, err := prepareLogo(testLogo())
	if err != nil {
		t.Fatal(err)
	}
	tr := gofpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	out, err := bareLetter(doc, logo.data, tr)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pages(t, out), "\n")
	for _, want := range []string{"SURAT KETERANGAN DOMISILI", "AHMAD FAUZI BIN ABDULLAH", "Ni Luh Putu Ayu Wédari", "Dokumen ini ditandatangani"} {
		if !strings.Contains(text, want) {
			t.Errorf("bare letter lacks %q", want)
		}
	}
}

// BenchmarkRenderVsFloor renders BenchmarkRenderOnePage's letter and the
// bare floor letter alternately and reports the ratio of their median wall
// times (issue 15 asks at most 1.3). Alternating keeps a busy machine from
// favouring one side, which separate benchmarks cannot.
func BenchmarkRenderVsFloor(b *testing.B) {
	doc := onePageDoc()
	doc.LogoPNG = testLogo()
	doc.Seal = testSeal()
	r := newTestRenderer(b)
	render(b, r, doc)
	logo, err := prepareLogo(doc.LogoPNG)
	if err != nil {
		b.Fatal(err)
	}
	tr := gofpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	ours := make([]time.Duration, 0, b.N)
	floor := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := r.Render(doc, Options{}); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := bareLetter(doc, logo.data, tr); err != nil {
			b.Fatal(err)
		}
		ours, floor = append(ours, mid.Sub(start)), append(floor, time.Since(mid))
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	mo, mf := median(ours), median(floor)
	b.ReportMetric(float64(mo.Microseconds())/1000, "render-ms")
	b.ReportMetric(float64(mf.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(mo)/float64(mf), "ratio")
}
