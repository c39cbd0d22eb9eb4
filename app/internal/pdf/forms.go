package pdf

import (
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Attached form (lampiran) geometry, in millimetres and points.
const (
	formRefPt   = 8.0
	formRefLine = 3.6
	formCodePt  = 10.0
	formCodeH   = 6.0
	formPt      = 11.0 // forms carry many rows: their type is a point smaller
	formLine    = 5.0
	formIndent  = 4.0
	formLabelW  = 82.0
)

// form draws an attached form from a new page: the rule that sets it and
// the form code in a box at the top right, the identity lines, the title
// and number, the body and its signatures. Its Rows labels line up among
// themselves, not with the letter's.
func (l *layout) form(a *surat.AttachedForm) {
	l.newPage()
	if len(a.Reference) > 0 {
		l.setFont("", formRefPt)
		for _, s := range a.Reference {
			for _, ln := range l.lines(s, l.width()/2) {
				l.drawText(ln, l.left, l.width(), l.y, formRefLine, alignRight)
				l.y += formRefLine
			}
		}
		l.y++
	}
	if code := strings.TrimSpace(a.Code); code != "" {
		l.setFont("B", formCodePt)
		w := l.textWidth(l.clean(code)) + 6
		l.f.SetLineWidth(0.3)
		l.f.Rect(l.right-w, l.y, w, formCodeH, "D")
		l.drawText(l.clean(code), l.right-w, w, l.y, formCodeH, alignCenter)
		l.y += formCodeH + 3
	}
	saved := *l
	l.pt, l.lh, l.indent, l.labelMax = formPt, formLine, formIndent, formLabelW
	blocks := a.Blocks
	if len(a.Header) > 0 {
		blocks = append([]surat.Block{{Kind: surat.Rows, Rows: a.Header}}, blocks...)
	}
	l.labelW = l.rowLabelWidth(blocks)
	if len(a.Header) > 0 {
		l.rows(blocks[0], 0)
		l.y += 2
		blocks = blocks[1:]
	}
	if strings.TrimSpace(a.Title) != "" {
		title, number := a.Title, a.Number
		if number == "" {
			l.formTitle(title)
		} else {
			l.title(title, number)
		}
	}
	rows := l.planSignatures(a.Signatures, l.doc.Signer, false)
	l.body(blocks, l.signatureLead(rows))
	l.signatures(rows)
	l.pt, l.lh, l.indent, l.labelMax, l.labelW = saved.pt, saved.lh, saved.indent, saved.labelMax, saved.labelW
}

// formTitle draws a form's title without a number line.
func (l *layout) formTitle(title string) {
	const titlePt, titleLine = 13.0, 6.0
	l.setFont("B", titlePt)
	for _, s := range l.lines(strings.ToUpper(title), l.width()) {
		w := l.textWidth(s)
		x := l.left + (l.width()-w)/2
		l.drawText(s, x, w, l.y, titleLine, alignLeft)
		l.underline(x, w, l.y, titleLine, 0.3)
		l.y += titleLine
	}
	l.y += 5
}
