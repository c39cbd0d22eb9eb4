// Package pdf renders a letter (surat.Document) as a PDF with gofpdf: the
// village letterhead (kop) with its double rule, the title and number, the
// body blocks, the place and date, the signer block with its QR area, and on
// drafts a DRAF watermark. It is the only package that imports gofpdf; it
// does no database or HTTP work.
//
// Output is deterministic: the same Document and Options always give the
// same bytes, so a stored letter can be checked by its SHA-256.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Options are the per-render settings that are not part of the letter.
type Options struct {
	// Created is written into the PDF's metadata as its creation and
	// modification date. The zero value uses the document date, so a
	// document always renders to the same bytes; a signing step passes the
	// signing time.
	Created time.Time
}

// Renderer renders letters. It holds the fonts, prepared once, and is safe
// for concurrent use; create one at start-up and share it.
type Renderer struct {
	// load reads the font files; Ready prepares the fonts from them once,
	// behind once, setting err or the three fields below it, which are
	// only read afterwards.
	load      func() (regular, bold []byte, err error)
	once      sync.Once
	err       error
	fonts     parsedFonts
	glyphs    glyphSet
	watermark outline // "DRAF" in the bold font, as a vector path
	logos     logoCache
}

// NewRenderer prepares the embedded fonts and returns when they are ready.
// It fails only if the embedded font files are unreadable, which is a
// build defect.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{load: loadFonts}
	if err := r.Ready(); err != nil {
		return nil, err
	}
	return r, nil
}

// NewLazyRenderer returns a Renderer that prepares the embedded fonts
// (some 20-25 ms and a few MB) when they are first needed, by Render or
// Ready: a server starts without them. Concurrent first renders wait for
// the one preparation. If the fonts cannot be prepared, Ready and every
// Render return the error.
func NewLazyRenderer() *Renderer {
	return &Renderer{load: loadFonts}
}

// Ready prepares the fonts if that has not been done yet and returns the
// error that prevented it, or nil.
func (r *Renderer) Ready() error {
	r.once.Do(func() { r.fonts, r.glyphs, r.watermark, r.err = prepareFonts(r.load) })
	return r.err
}

// prepareFonts reads the fonts with load, cuts and parses them, and draws
// the watermark.
func prepareFonts(load func() (regular, bold []byte, err error)) (parsedFonts, glyphSet, outline, error) {
	regular, bold, err := load()
	if err != nil {
		return parsedFonts{}, nil, outline{}, err
	}
	glyphs, err := readGlyphSet(regular)
	if err != nil {
		return parsedFonts{}, nil, outline{}, err
	}
	boldGlyphs, err := readGlyphSet(bold)
	if err != nil {
		return parsedFonts{}, nil, outline{}, err
	}
	for r := range glyphs {
		if !boldGlyphs[r] {
			delete(glyphs, r)
		}
	}
	mark, err := wordOutline(bold, draftMark)
	if err != nil {
		return parsedFonts{}, nil, outline{}, err
	}
	fonts, err := parseFonts(regular, bold)
	if err != nil {
		return parsedFonts{}, nil, outline{}, err
	}
	return fonts, glyphs, mark, nil
}

// Page geometry and type sizes, in millimetres and points.
const (
	marginLeft   = 20.0
	marginRight  = 20.0
	marginTop    = 12.0 // the kop starts here on page 1, the running header on later pages
	contTop      = 22.0 // the text starts here on later pages, under the running header
	marginBottom = 25.0 // body text never comes closer to the bottom edge
	footerY      = 7.0  // baseline of the page number and the draft note, from the bottom edge
	noteBottom   = 10.0 // the TTE note ends this far above the bottom edge
	maxNoteLines = 4    // the TTE note's lines that fit under the body

	bodyPt      = 12.0
	bodyLine    = 5.6  // line height of 12 pt body text
	paraGap     = 2.4  // space after a paragraph or a block
	firstIndent = 12.5 // first-line indent of a paragraph
	rowsIndent  = 10.0 // a Rows block starts this far right of the margin
)

// paperSize maps Document.Paper to a page size in millimetres.
func paperSize(paper surat.Paper) (w, h float64, err error) {
	switch paper {
	case "", surat.PaperF4:
		return 215, 330, nil
	case surat.PaperA4:
		return 210, 297, nil
	}
	return 0, 0, fmt.Errorf("pdf: unknown paper size %q (want F4 or A4)", paper)
}

// Render draws doc and returns the PDF bytes. It prepares the fonts of a
// Renderer from NewLazyRenderer on first use. It fails when they cannot be
// prepared, for a nil document, an unknown paper size, a seal without a
// verification URL, or a logo that is neither PNG nor JPEG.
func (r *Renderer) Render(doc *surat.Document, opt Options) ([]byte, error) {
	if err := r.Ready(); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("pdf: nil document")
	}
	w, h, err := paperSize(doc.Paper)
	if err != nil {
		return nil, err
	}
	if doc.Seal != nil && !doc.Draft && strings.TrimSpace(doc.Seal.VerifyURL) == "" {
		return nil, errors.New("pdf: seal without a verification URL")
	}

	f := gofpdf.NewCustom(&gofpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "mm",
		Size:           gofpdf.SizeType{Wd: w, Ht: h},
	})
	// The fonts are parsed once per Renderer; each document embeds the
	// subset of the glyphs it uses, cut from the parsed tables.
	f.AddUTF8FontFromParsed(fontFamily, "", r.fonts.regular)
	f.AddUTF8FontFromParsed(fontFamily, "B", r.fonts.bold)
	f.AliasNbPages(pageCountAlias)
	f.SetMargins(marginLeft, marginTop, marginRight)
	f.SetAutoPageBreak(false, 0)
	f.SetCatalogSort(true)
	created := opt.Created
	if created.IsZero() {
		created = doc.Date
	}
	if created.IsZero() {
		created = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetProducer("suratdesa", false)
	f.SetCreator("suratdesa", false)
	// UTF-16 only when needed: plain ASCII is half the bytes.
	f.SetTitle(doc.Title, !isASCII(doc.Title))
	f.SetAuthor(villageLine(doc.Village), !isASCII(villageLine(doc.Village)))

	l := &layout{
		f:        f,
		doc:      doc,
		glyphs:   r.glyphs,
		logos:    &r.logos,
		mark:     r.watermark,
		pageW:    w,
		pageH:    h,
		left:     marginLeft,
		right:    w - marginRight,
		bottom:   h - marginBottom,
		pt:       bodyPt,
		lh:       bodyLine,
		indent:   rowsIndent,
		labelMax: labelMaxW,
	}
	l.planNote()
	f.SetHeaderFunc(l.pageHeader)
	f.SetFooterFunc(l.pageFooter)
	f.AddPage()
	l.y = marginTop

	if err := l.kop(); err != nil {
		return nil, err
	}
	l.title(doc.Title, doc.Number)
	l.labelW = l.rowLabelWidth(doc.Blocks)
	rows := l.planSignatures(doc.Signatures, doc.Signer, true)
	l.body(doc.Blocks, l.signatureLead(rows))
	l.signatures(rows)
	for i := range doc.Forms {
		l.form(&doc.Forms[i])
	}

	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// pageCountAlias is replaced by gofpdf with the number of pages on output.
const pageCountAlias = "{#pages#}"

// layout is the state of one render: where the next line goes.
type layout struct {
	f      *gofpdf.Fpdf
	doc    *surat.Document
	glyphs glyphSet
	logos  *logoCache
	mark   outline

	pageW, pageH float64
	left, right  float64 // x of the content edges
	bottom       float64 // content must end above this y
	y            float64 // top of the next line

	// more is set while a page break is under way, so the footer of the
	// page being closed knows that the letter has more than one page.
	more bool

	labelW float64 // label column of Rows blocks, the same in the whole letter (or form)
	// The type of the body: size and line height, the shift of Rows blocks
	// and the widest label column; attached forms are set a little smaller.
	pt, lh, indent, labelMax float64
	note                     []string // the TTE note's lines, printed at the foot of every page
}

// width is the usable width between the margins.
func (l *layout) width() float64 { return l.right - l.left }

// ensure starts a new page unless h millimetres still fit above the bottom
// margin. It reports whether it broke the page.
func (l *layout) ensure(h float64) bool {
	if l.y+h <= l.bottom+0.01 || l.y <= contTop+0.01 {
		// It fits, or the page is still empty: a new page would not
		// offer more room.
		return false
	}
	l.newPage()
	return true
}

// newPage starts the next page; the letterhead is printed on page 1 only,
// later pages start under the running header.
func (l *layout) newPage() {
	l.more = true
	l.f.AddPage()
	l.y = contTop
}

// pageHeader runs at the start of every page, before its content, so that
// a draft's watermark lies under the text. Every page after the first
// repeats the letter number and says which page of how many it is, so that
// a loose sheet is still known to belong to the letter.
func (l *layout) pageHeader() {
	if l.doc.Draft {
		l.watermark()
	}
	n := l.f.PageNo()
	if n < 2 {
		return
	}
	l.setFont("", 9)
	l.f.SetTextColor(60, 60, 60)
	number := strings.TrimSpace(l.doc.Number)
	if number == "" {
		number = "....../....../......"
	}
	page := fmt.Sprintf("Halaman %d dari %s", n, pageCountAlias)
	// Measure with a number in place of the alias, which becomes one.
	pw := l.f.GetStringWidth(fmt.Sprintf("Halaman %d dari %d", n, n+1))
	head := l.clean(l.doc.Title)
	title := strings.ToUpper(head) + " Nomor : " + l.clean(number)
	avail := l.width() - pw - 6
	if l.textWidth(title) > avail {
		title = "Nomor : " + l.clean(number)
		// A village's number format may give 150 characters: such a
		// number is set smaller until it fits beside the page count,
		// never over it (the full number is on page 1 at its size).
		for pt := 8.5; l.textWidth(title) > avail && pt >= 4.5; pt -= 0.5 {
			l.setFont("", pt)
		}
	}
	l.drawText(title, l.left, l.width(), marginTop, 4, alignLeft)
	l.setFont("", 9)
	l.f.Text(l.right-pw, l.baseline(marginTop, 4), page)
	l.f.SetDrawColor(150, 150, 150)
	l.f.SetLineWidth(0.2)
	l.f.Line(l.left, marginTop+5, l.right, marginTop+5)
	l.f.SetDrawColor(0, 0, 0)
	l.f.SetTextColor(0, 0, 0)
}

// pageFooter runs when a page is closed: the TTE note of a signed letter
// on every page, the draft note on every page of a draft, and on page 1 of
// a letter of more than one page "Halaman 1 dari N" (later pages say it in
// their header).
func (l *layout) pageFooter() {
	n := l.f.PageNo()
	l.f.SetTextColor(60, 60, 60)
	if len(l.note) > 0 {
		l.setFont("", sealPt)
		y := l.pageH - noteBottom - float64(len(l.note))*sealLine
		for _, s := range l.note {
			l.drawText(s, l.left, l.width(), y, sealLine, alignLeft)
			y += sealLine
		}
	}
	l.setFont("", 9)
	if l.doc.Draft {
		l.f.Text(l.left, l.pageH-footerY, draftNote)
	}
	if n == 1 && l.more {
		s := fmt.Sprintf("Halaman %d dari %s", n, pageCountAlias)
		w := l.f.GetStringWidth(fmt.Sprintf("Halaman %d dari %d", n, n+1))
		l.f.Text(l.right-w, l.pageH-footerY, s)
	}
	l.f.SetTextColor(0, 0, 0)
}

// planNote wraps the TTE note of a sealed letter for the foot of every
// page. The body ends above it; a note longer than maxNoteLines (an unusual
// CA name or URL) takes the room it needs from the body.
func (l *layout) planNote() {
	if l.doc.Draft || l.doc.Seal == nil || strings.TrimSpace(l.doc.Seal.Footer) == "" {
		return
	}
	l.setFont("", sealPt)
	l.note = l.lines(l.doc.Seal.Footer, l.width())
	if n := len(l.note); n > maxNoteLines {
		l.bottom = min(l.bottom, l.pageH-noteBottom-float64(n)*sealLine-2)
	}
}

// draftMark is the watermark word of a draft.
const draftMark = "DRAF"

// draftNote is printed small at the foot of every page of a draft: the
// watermark is a drawing, and this line says the same in text.
const draftNote = draftMark + " – belum ditandatangani, tidak berlaku sebagai surat resmi"

// watermark draws a large light-grey "DRAF" along the page diagonal, as a
// filled outline of the bold font's letters rather than as text.
func (l *layout) watermark() {
	const capHeight = 48.0 // mm
	m := l.mark
	k := l.f.GetConversionRatio()
	scale := capHeight / m.height * k // points per font unit
	angle := math.Atan2(l.pageH, l.pageW)
	cos, sin := math.Cos(angle)*scale, math.Sin(angle)*scale
	cx, cy := l.pageW/2*k, l.pageH/2*k
	// Centre the word's box (width x cap height) on the page centre.
	ox, oy := -m.width/2, -m.height/2
	e := cx + cos*ox - sin*oy
	f := cy + sin*ox + cos*oy
	l.f.RawWriteStr(fmt.Sprintf("q 0.86 g %.5f %.5f %.5f %.5f %.3f %.3f cm\n%sf Q",
		cos, sin, -sin, cos, e, f, m.path))
}

// villageLine names the village for the PDF metadata: "Desa Sumberejo,
// Kabupaten Blitar".
func villageLine(v surat.Village) string {
	s := strings.TrimSpace(orDefault(v.Sebutan, "Desa") + " " + v.Name)
	if v.Kabupaten != "" {
		s += ", " + orDefault(v.SebutanKab, "Kabupaten") + " " + v.Kabupaten
	}
	return s
}

// orDefault is s, or def when s is blank.
func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}
