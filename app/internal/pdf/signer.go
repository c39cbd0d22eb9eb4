package pdf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Signature geometry, in millimetres and points.
const (
	signerGap = 6.0  // between the body and the first signature row
	rowGap    = 4.0  // between two signature rows
	colGap    = 10.0 // between the two signature columns
	sigSpace  = 27.0 // the signature space between the caption and the name
	qrSize    = 22.0 // the QR code with its quiet zone; docs/signing.md §5 asks >= 20
	sealPt    = 7.5  // the words under the QR code and the footer note (>= 7)
	sealLine  = 3.1
	materaiW  = 32.0 // the revenue-stamp box
	materaiH  = 18.0
)

// sealWords are printed under the QR code in the official's signature
// space, where a wet signature would be.
const sealWords = "Ditandatangani secara elektronik"

// sigBlock is one signature block laid out but not yet drawn.
type sigBlock struct {
	b        surat.SignatureBlock
	official bool
	top      []string // caption lines; for the official: date, caption, a.n. lines, office
	name     []string // bold, underlined
	below    []string
	dotted   bool // no name: a dotted line for one written by hand
	x, w     float64
}

// sigRow is a row of one or two signature blocks, the left or right column
// possibly empty. A row is drawn whole on one page.
type sigRow struct {
	heading    []string // the group's heading, on the group's first row
	cells      [2]*sigBlock
	headH      float64
	topH, botH float64
	h          float64 // heading, caption, signature space, name and lines below
}

// columns are the x and width of the left and right signature column.
func (l *layout) columns() (leftX, rightX, w float64) {
	w = (l.width() - colGap) / 2
	return l.left, l.right - w, w
}

// planSignatures lays the signature groups out in rows. When addOfficial
// is set (the letter itself) and no group holds an Official block, the
// official's block ends the letter in the right column of a row of its
// own.
func (l *layout) planSignatures(groups []surat.SignatureGroup, official surat.SignerBlock, addOfficial bool) []sigRow {
	hasOfficial := !addOfficial
	for _, g := range groups {
		for _, b := range g.Blocks {
			hasOfficial = hasOfficial || b.Official
		}
	}
	if !hasOfficial {
		groups = append(append([]surat.SignatureGroup(nil), groups...),
			surat.SignatureGroup{Blocks: []surat.SignatureBlock{{Official: true}}})
	}
	leftX, rightX, colW := l.columns()
	var rows []sigRow
	for _, g := range groups {
		var cur sigRow
		first := true
		flush := func() {
			if cur.cells[0] == nil && cur.cells[1] == nil {
				return
			}
			if first {
				cur.heading = l.headingLines(g.Heading)
				first = false
			}
			l.measureRow(&cur)
			rows = append(rows, cur)
			cur = sigRow{}
		}
		for _, b := range g.Blocks {
			blk := l.planBlock(b, official, colW)
			switch {
			case b.Official && cur.cells[1] == nil:
				cur.cells[1] = blk
			case b.Official:
				flush()
				cur.cells[1] = blk
			case cur.cells[0] == nil && cur.cells[1] == nil:
				cur.cells[0] = blk
			default:
				cur.cells[1] = blk
			}
			if cur.cells[1] != nil {
				flush()
			}
		}
		flush()
	}
	for i := range rows {
		if c := rows[i].cells[0]; c != nil {
			c.x, c.w = leftX, colW
		}
		if c := rows[i].cells[1]; c != nil {
			c.x, c.w = rightX, colW
		}
	}
	return rows
}

func (l *layout) headingLines(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	l.setFont("", l.pt)
	return l.lines(s, l.width())
}

// planBlock wraps the lines of one block to the column width.
func (l *layout) planBlock(b surat.SignatureBlock, official surat.SignerBlock, colW float64) *sigBlock {
	blk := &sigBlock{b: b, official: b.Official}
	var top []string
	name := strings.TrimSpace(b.Name)
	below := b.Below
	if b.Official {
		date := surat.FormatDate(l.doc.Date)
		if date == "" {
			date = "...................."
		}
		if place := strings.TrimSpace(l.doc.Place); place != "" {
			date = place + ", " + date
		}
		top = append(top, date)
		top = append(top, b.Caption...)
		top = append(top, official.Above...)
		top = append(top, official.Jabatan)
		name = strings.TrimSpace(official.Name)
		below = []string{official.NIP}
	} else {
		top = b.Caption
	}
	l.setFont("", l.pt)
	for _, t := range top {
		if strings.TrimSpace(t) != "" {
			blk.top = append(blk.top, l.lines(t, colW)...)
		}
	}
	for _, t := range below {
		if strings.TrimSpace(t) != "" {
			blk.below = append(blk.below, l.lines(t, colW)...)
		}
	}
	if name == "" {
		blk.dotted = true
		blk.name = []string{"(" + strings.Repeat(".", 40) + ")"}
	} else {
		l.setFont("B", l.pt)
		blk.name = l.lines(name, colW)
	}
	return blk
}

// measureRow sets the heights of a row: the caption lines of its blocks
// end level, so that their signature spaces and names line up.
func (l *layout) measureRow(r *sigRow) {
	top, bot := 0, 0
	for _, c := range r.cells {
		if c != nil {
			top = max(top, len(c.top))
			bot = max(bot, len(c.name)+len(c.below))
		}
	}
	if len(r.heading) > 0 {
		r.headH = float64(len(r.heading))*l.lh + 1
	}
	r.topH, r.botH = float64(top)*l.lh, float64(bot)*l.lh
	r.h = r.headH + r.topH + sigSpace + r.botH
}

// signatureLead is the height that must follow the body on its page, so
// that a signature never stands on a page without the text it signs: the
// whole signature section when it takes less than maxLeadShare of a page,
// else its first row.
func (l *layout) signatureLead(rows []sigRow) float64 {
	if len(rows) == 0 {
		return 0
	}
	all := signerGap + rows[0].h
	for _, r := range rows[1:] {
		all += rowGap + r.h
	}
	if all <= l.pageRoom()*maxLeadShare {
		return all
	}
	return signerGap + rows[0].h
}

// maxLeadShare bounds the signature section that moves whole with the end
// of the body: a longer one (many heirs) flows row by row.
const maxLeadShare = 0.7

// signatures draws the planned rows, each whole on one page.
func (l *layout) signatures(rows []sigRow) {
	for i, r := range rows {
		gap := rowGap
		if i == 0 {
			gap = signerGap
		}
		if l.y+gap+r.h > l.bottom+0.01 {
			l.newPage()
		} else {
			l.y += gap
		}
		l.sigRow(r)
	}
}

// sigRow draws one row at l.y.
func (l *layout) sigRow(r sigRow) {
	y := l.y
	l.setFont("", l.pt)
	for _, s := range r.heading {
		l.drawText(s, l.left, l.width(), y, l.lh, alignLeft)
		y += l.lh
	}
	y += r.headH - float64(len(r.heading))*l.lh
	for _, c := range r.cells {
		if c == nil {
			continue
		}
		l.setFont("", l.pt)
		ty := y + r.topH - float64(len(c.top))*l.lh
		for _, s := range c.top {
			l.drawText(s, c.x, c.w, ty, l.lh, alignCenter)
			ty += l.lh
		}
		space := y + r.topH
		switch {
		case c.official && l.doc.Seal != nil && !l.doc.Draft:
			qx := c.x + (c.w-qrSize)/2
			l.drawQR(l.doc.Seal.VerifyURL, qx, space+0.3, qrSize)
			l.setFont("", sealPt)
			l.f.SetTextColor(40, 40, 40)
			l.drawText(sealWords, c.x, c.w, space+0.3+qrSize+0.8, sealLine, alignCenter)
			l.f.SetTextColor(0, 0, 0)
		case c.b.Materai:
			l.materai(c.x+(c.w-materaiW)/2-8, space+(sigSpace-materaiH)/2)
		}
		ny := space + sigSpace
		if c.dotted {
			l.setFont("", l.pt)
			for _, s := range c.name {
				l.drawText(s, c.x, c.w, ny, l.lh, alignCenter)
				ny += l.lh
			}
		} else {
			l.setFont("B", l.pt)
			for _, s := range c.name {
				w := l.textWidth(s)
				x := c.x + (c.w-w)/2
				l.drawText(s, x, w, ny, l.lh, alignLeft)
				l.underline(x, w, ny, l.lh, 0.25)
				ny += l.lh
			}
		}
		l.setFont("", l.pt)
		for _, s := range c.below {
			l.drawText(s, c.x, c.w, ny, l.lh, alignCenter)
			ny += l.lh
		}
	}
	l.y += r.h
}

// materai draws the box where a party signs across a revenue stamp, its top
// left corner at x, y.
func (l *layout) materai(x, y float64) {
	l.f.SetDrawColor(120, 120, 120)
	l.f.SetLineWidth(0.2)
	l.f.SetDashPattern([]float64{1, 1}, 0)
	l.f.Rect(x, y, materaiW, materaiH, "D")
	l.f.SetDashPattern(nil, 0)
	l.f.SetDrawColor(0, 0, 0)
	l.setFont("", 8)
	l.f.SetTextColor(110, 110, 110)
	l.drawText("Meterai 10.000", x, materaiW, y+(materaiH-4)/2, 4, alignCenter)
	l.f.SetTextColor(0, 0, 0)
}

// drawQR draws url as a QR code (error correction M, with its four-module
// quiet zone) of size millimetres square, its top left corner at x, y. The
// modules are vector rectangles, one per horizontal run, filled as a single
// path so that no hairline seams show between neighbours.
func (l *layout) drawQR(url string, x, y, size float64) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		l.f.SetError(fmt.Errorf("qr code: %w", err))
		return
	}
	bm := q.Bitmap()
	n := len(bm)
	if n == 0 {
		return
	}
	k := l.f.GetConversionRatio()
	m := size / float64(n) * k // module size in points
	x0 := x * k
	y0 := (l.pageH - y) * k // PDF y of the top edge
	b := make([]byte, 0, n*n*4)
	// A white ground, in case anything was drawn there before.
	b = append(b, "q 1 g "...)
	b = appendRect(b, x0, y0-size*k, size*k, size*k)
	b = append(b, " f 0 g\n"...)
	for r, row := range bm {
		for c := 0; c < n; {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < n && row[c] {
				c++
			}
			b = appendRect(b, x0+float64(start)*m, y0-float64(r+1)*m, float64(c-start)*m, m)
			b = append(b, '\n')
		}
	}
	b = append(b, "f Q"...)
	l.f.RawWriteBuf(bytes.NewReader(b))
}

// appendRect appends the PDF operator "x y w h re", each number with three
// decimals as %.3f writes it. A QR code is several hundred of them, and
// formatting them with fmt was a sixth of a letter's render.
func appendRect(b []byte, x, y, w, h float64) []byte {
	for _, v := range [4]float64{x, y, w, h} {
		b = strconv.AppendFloat(b, v, 'f', 3, 64)
		b = append(b, ' ')
	}
	return append(b, "re"...)
}
