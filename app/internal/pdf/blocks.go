package pdf

import (
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Rows and Table geometry, in millimetres and points.
const (
	colonW      = 4.0  // the ":" column between label and value
	labelMinW   = 38.0 // label column bounds; the widest label sets it
	labelMaxW   = 68.0
	tablePt     = 10.0
	tableLine   = 4.4
	cellPadX    = 1.5
	cellPadY    = 1.0
	tableBorder = 0.2
)

// block draws one body block.
func (l *layout) block(b surat.Block) {
	switch b.Kind {
	case surat.Rows:
		l.rows(b)
	case surat.Table:
		l.table(b)
	case surat.Heading:
		l.heading(b.Text)
	default:
		l.paragraph(b.Text)
	}
}

// paragraph draws justified text with a first-line indent. A paragraph
// never leaves its first line alone at the foot of a page nor its last line
// alone at the head of the next.
func (l *layout) paragraph(text string) {
	l.setFont("", bodyPt)
	lines := l.wrap(text, l.width(), firstIndent)
	if len(lines) == 0 {
		return
	}
	l.ensure(float64(min(2, len(lines))) * bodyLine)
	for i, ln := range lines {
		if i >= 2 && i == len(lines)-2 && l.y+bodyLine <= l.bottom && l.y+2*bodyLine > l.bottom {
			l.newPage()
		}
		l.ensure(bodyLine)
		x, w := l.left, l.width()
		if i == 0 {
			x, w = x+firstIndent, w-firstIndent
		}
		if ln.last {
			l.drawText(ln.String(), x, w, l.y, bodyLine, alignLeft)
		} else {
			l.drawJustified(ln, x, w, l.y, bodyLine)
		}
		l.y += bodyLine
	}
	l.y += paraGap
}

// heading draws a bold line introducing what follows, kept on the same page
// as the first lines after it.
func (l *layout) heading(text string) {
	l.setFont("B", bodyPt)
	lines := l.lines(text, l.width())
	if len(lines) == 0 {
		return
	}
	l.ensure(float64(len(lines)+2) * bodyLine)
	for _, s := range lines {
		l.drawText(s, l.left, l.width(), l.y, bodyLine, alignLeft)
		l.y += bodyLine
	}
	l.y += paraGap / 2
}

// rowLabelWidth is the label column of every Rows block of the letter: wide
// enough for the widest label, within bounds, so that all the colons of a
// letter line up.
func (l *layout) rowLabelWidth(blocks []surat.Block) float64 {
	l.setFont("", bodyPt)
	w := 0.0
	for _, b := range blocks {
		if b.Kind != surat.Rows {
			continue
		}
		for _, r := range b.Rows {
			w = max(w, l.textWidth(l.clean(r.Label)))
		}
	}
	return min(max(w+4, labelMinW), labelMaxW)
}

// rows draws a borderless label : value table. Long values wrap under the
// value column; an empty value prints "-". A row is never split across
// pages.
func (l *layout) rows(b surat.Block) {
	l.setFont("", bodyPt)
	x := l.left + rowsIndent
	if b.Indent {
		x += rowsIndent
	}
	colon := x + l.labelW
	valueX := colon + colonW
	valueW := l.right - valueX
	for _, r := range b.Rows {
		value := r.Value
		if strings.TrimSpace(value) == "" {
			value = "-"
		}
		labels := l.lines(r.Label, l.labelW-1)
		values := l.lines(value, valueW)
		n := max(len(labels), len(values), 1)
		l.ensure(float64(n) * bodyLine)
		for i, s := range labels {
			l.drawText(s, x, l.labelW, l.y+float64(i)*bodyLine, bodyLine, alignLeft)
		}
		l.drawText(":", colon, colonW, l.y, bodyLine, alignLeft)
		for i, s := range values {
			l.drawText(s, valueX, valueW, l.y+float64(i)*bodyLine, bodyLine, alignLeft)
		}
		l.y += float64(n) * bodyLine
	}
	l.y += paraGap
}

// table draws a bordered table with a bold, shaded header row, repeated at
// the top of each page the table continues on. Columns are as wide as their
// content allows within the text width; long cells wrap.
func (l *layout) table(b surat.Block) {
	cols := len(b.Header)
	for _, row := range b.Cells {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return
	}
	widths := l.columnWidths(b.Header, b.Cells, cols)

	cellLines := func(row []string, style string) ([][]string, float64) {
		l.setFont(style, tablePt)
		out := make([][]string, cols)
		n := 1
		for c := 0; c < cols; c++ {
			if c < len(row) {
				out[c] = l.lines(row[c], widths[c]-2*cellPadX)
			}
			n = max(n, len(out[c]))
		}
		return out, float64(n)*tableLine + 2*cellPadY
	}
	drawRow := func(cells [][]string, h float64, header bool) {
		style := ""
		if header {
			style = "B"
		}
		l.setFont(style, tablePt)
		l.f.SetLineWidth(tableBorder)
		l.f.SetDrawColor(0, 0, 0)
		x := l.left
		for c := 0; c < cols; c++ {
			if header {
				l.f.SetFillColor(230, 230, 230)
				l.f.Rect(x, l.y, widths[c], h, "FD")
			} else {
				l.f.Rect(x, l.y, widths[c], h, "D")
			}
			align := alignLeft
			if header || shortNumber(cells[c]) {
				align = alignCenter
			}
			for i, s := range cells[c] {
				l.drawText(s, x+cellPadX, widths[c]-2*cellPadX, l.y+cellPadY+float64(i)*tableLine, tableLine, align)
			}
			x += widths[c]
		}
		l.y += h
	}

	header, headerH := cellLines(b.Header, "B")
	hasHeader := len(b.Header) > 0
	first := 0.0
	if len(b.Cells) > 0 {
		_, first = cellLines(b.Cells[0], "")
	}
	// The header never stands alone at the foot of a page.
	if hasHeader {
		l.ensure(headerH + first)
		drawRow(header, headerH, true)
	}
	for _, row := range b.Cells {
		cells, h := cellLines(row, "")
		if l.ensure(h) && hasHeader {
			drawRow(header, headerH, true)
		}
		drawRow(cells, h, false)
	}
	l.y += paraGap + 1
}

// shortNumber reports whether a cell is a short number, such as the "No"
// column, which is centred.
func shortNumber(lines []string) bool {
	if len(lines) != 1 || len(lines[0]) == 0 || len(lines[0]) > 4 {
		return false
	}
	for _, r := range strings.TrimSuffix(lines[0], ".") {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// columnWidths shares the text width among the columns of a table. Each
// column gets at least its longest word and at most its longest cell; the
// room left over goes to the columns in proportion to what they still
// need, and a table narrower than the page is stretched to the full width.
func (l *layout) columnWidths(header []string, cells [][]string, cols int) []float64 {
	natural := make([]float64, cols)
	minimum := make([]float64, cols)
	measure := func(c int, s string) {
		s = l.clean(s)
		for _, para := range strings.Split(s, "\n") {
			natural[c] = max(natural[c], l.textWidth(strings.Join(strings.Fields(para), " "))+2*cellPadX)
			for _, w := range strings.Fields(para) {
				minimum[c] = max(minimum[c], l.textWidth(w)+2*cellPadX)
			}
		}
	}
	l.setFont("B", tablePt)
	for c, s := range header {
		measure(c, s)
	}
	l.setFont("", tablePt)
	for _, row := range cells {
		for c, s := range row {
			measure(c, s)
		}
	}
	for c := range minimum {
		minimum[c] = max(minimum[c], 8)
		natural[c] = max(natural[c], minimum[c])
	}
	avail := l.width()
	var sumNat, sumMin float64
	for c := 0; c < cols; c++ {
		sumNat += natural[c]
		sumMin += minimum[c]
	}
	widths := make([]float64, cols)
	switch {
	case sumNat <= avail:
		for c := range widths {
			widths[c] = natural[c] * avail / sumNat
		}
	case sumMin >= avail:
		for c := range widths {
			widths[c] = minimum[c] * avail / sumMin
		}
	default:
		extra := (avail - sumMin) / (sumNat - sumMin)
		for c := range widths {
			widths[c] = minimum[c] + (natural[c]-minimum[c])*extra
		}
	}
	return widths
}
