package pdf

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Signer block geometry, in millimetres and points.
const (
	signerGap  = 6.0  // between the body and the signer block
	signerMinW = 72.0 // the signer column, at the right margin
	sigSpace   = 28.0 // the signature space between the office and the name
	qrSize     = 26.0 // the QR code with its quiet zone; docs/signing.md §5 asks >= 20
	qrTextGap  = 3.0  // between the QR code and the seal sentence
	sealPt     = 7.5
	sealLine   = 3.1
	sealMinW   = 38.0 // narrower than this, the seal sentence goes below the block
)

// signerPlan is the signer block laid out but not yet drawn: its lines,
// column and height, so that the body can keep its last lines with it.
type signerPlan struct {
	colX, colW                      float64
	upperLines, nameLines, nipLines []string
	seal                            *surat.Seal
	sealLines                       []string
	sealBelow                       bool
	qrTop, textX, textW             float64
	h                               float64 // the whole block, seal included
}

// planSigner lays out the place and date, the signer's office, the
// signature space, the name and the NIP line in a column at the right
// margin, and the seal (QR code and TTE sentence) at the left of the
// signature space. Its height does not depend on whether the letter is
// sealed, unless the seal sentence must go below the block, so a draft and
// the signed letter break their pages alike.
func (l *layout) planSigner() signerPlan {
	s := l.doc.Signer
	l.setFont("", bodyPt)

	date := surat.FormatDate(l.doc.Date)
	if date == "" {
		date = "...................."
	}
	if place := strings.TrimSpace(l.doc.Place); place != "" {
		date = place + ", " + date
	}
	upper := []string{date}
	for _, a := range s.Above {
		if strings.TrimSpace(a) != "" {
			upper = append(upper, a)
		}
	}
	if strings.TrimSpace(s.Jabatan) != "" {
		upper = append(upper, s.Jabatan)
	}
	name := strings.TrimSpace(s.Name)
	if name == "" {
		name = "(..............................)"
	}

	// The column is as wide as its longest line, within bounds; the lines
	// are centred in it.
	widest := 0.0
	for _, t := range upper {
		widest = max(widest, l.textWidth(l.clean(t)))
	}
	widest = max(widest, l.textWidth(l.clean(s.NIP)))
	l.setFont("B", bodyPt)
	widest = max(widest, l.textWidth(l.clean(name)))
	var p signerPlan
	p.colW = min(max(signerMinW, widest+4), l.width()*0.6)
	p.colX = l.right - p.colW

	l.setFont("", bodyPt)
	for _, t := range upper {
		p.upperLines = append(p.upperLines, l.lines(t, p.colW)...)
	}
	p.nipLines = l.lines(s.NIP, p.colW)
	l.setFont("B", bodyPt)
	p.nameLines = l.lines(name, p.colW)

	sigTop := float64(len(p.upperLines)) * bodyLine
	p.h = sigTop + sigSpace + float64(len(p.nameLines)+len(p.nipLines))*bodyLine

	// The seal: the QR code at the left of the signature space, its sentence
	// beside it, or below the block when the column leaves no room.
	if !l.doc.Draft {
		p.seal = l.doc.Seal
	}
	p.qrTop = sigTop + (sigSpace-qrSize)/2
	p.textX = l.left + qrSize + qrTextGap
	p.textW = p.colX - 4 - p.textX
	p.sealBelow = p.textW < sealMinW
	if p.seal != nil && strings.TrimSpace(p.seal.Footer) != "" {
		l.setFont("", sealPt)
		if p.sealBelow {
			p.sealLines = l.lines(p.seal.Footer, l.width())
			p.h += 2 + float64(len(p.sealLines))*sealLine
		} else {
			p.sealLines = l.lines(p.seal.Footer, p.textW)
			p.h = max(p.h, p.qrTop+max(qrSize, float64(len(p.sealLines))*sealLine))
		}
	}
	return p
}

// signer draws the planned signer block. The whole block stays on one
// page: if it does not fit under the body it moves to the next page (the
// body's last lines were kept with it, see Render).
func (l *layout) signer(p signerPlan) {
	if l.y+signerGap+p.h > l.bottom {
		l.newPage()
	} else {
		l.y += signerGap
	}
	top := l.y

	l.setFont("", bodyPt)
	y := top
	for _, t := range p.upperLines {
		l.drawText(t, p.colX, p.colW, y, bodyLine, alignCenter)
		y += bodyLine
	}
	y += sigSpace
	l.setFont("B", bodyPt)
	for _, t := range p.nameLines {
		w := l.textWidth(t)
		x := p.colX + (p.colW-w)/2
		l.drawText(t, x, w, y, bodyLine, alignLeft)
		l.underline(x, w, y, bodyLine, 0.25)
		y += bodyLine
	}
	l.setFont("", bodyPt)
	for _, t := range p.nipLines {
		l.drawText(t, p.colX, p.colW, y, bodyLine, alignCenter)
		y += bodyLine
	}

	if p.seal != nil {
		l.drawQR(p.seal.VerifyURL, l.left, top+p.qrTop, qrSize)
		l.setFont("", sealPt)
		l.f.SetTextColor(40, 40, 40)
		ty := top + p.qrTop + (qrSize-float64(len(p.sealLines))*sealLine)/2
		tx, tw := p.textX, p.textW
		if p.sealBelow {
			ty, tx, tw = y+2, l.left, l.width()
		}
		for _, t := range p.sealLines {
			l.drawText(t, tx, tw, ty, sealLine, alignLeft)
			ty += sealLine
		}
		l.f.SetTextColor(0, 0, 0)
	}
	l.y = top + p.h
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
	var b strings.Builder
	b.Grow(n * n * 4)
	// A white ground, in case anything was drawn there before.
	fmt.Fprintf(&b, "q 1 g %.3f %.3f %.3f %.3f re f 0 g\n", x0, y0-size*k, size*k, size*k)
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
			fmt.Fprintf(&b, "%.3f %.3f %.3f %.3f re\n",
				x0+float64(start)*m, y0-float64(r+1)*m, float64(c-start)*m, m)
		}
	}
	b.WriteString("f Q")
	l.f.RawWriteStr(b.String())
}
