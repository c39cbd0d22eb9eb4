package pdf

import (
	"slices"
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

// body draws the blocks of a letter or a form. lead is the height of what
// must follow the last block on its page (the first signature row): the
// last block keeps it, and the block before the last keeps the last one
// whole with it, so that a signature page always carries body text and not
// only a closing sentence.
func (l *layout) body(blocks []surat.Block, lead float64) {
	n := len(blocks)
	keeps := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		keep := 0.0
		if i == n-1 {
			keep = lead
		} else if h := l.blockHeight(blocks[n-1]); i == n-2 && lead > 0 && h+paraGap+lead <= l.pageRoom()*0.85 {
			keep = h + paraGap + lead
		}
		if i < n-1 && introduces(blocks[i]) {
			// A heading or a sentence ending in ":" stays with the start
			// of what it introduces, and with what must follow that when
			// it is kept whole.
			next := blocks[i+1]
			h := l.leadHeight(next)
			if keeps[i+1] > 0 && h >= l.blockHeight(next)-0.01 && h+paraGap+keeps[i+1] <= l.pageRoom()*0.8 {
				h += paraGap + keeps[i+1]
			}
			keep = max(keep, h)
		}
		keeps[i] = keep
	}
	for i, b := range blocks {
		l.block(b, keeps[i])
	}
}

// pageRoom is the height a continuation page offers the body.
func (l *layout) pageRoom() float64 { return l.bottom - contTop }

// blockHeight is the height b takes when drawn whole.
func (l *layout) blockHeight(b surat.Block) float64 {
	switch b.Kind {
	case surat.Rows:
		h := 0.0
		for _, r := range b.Rows {
			h += l.rowHeight(b, r)
		}
		return h
	case surat.Table:
		return l.tableHeight(b, len(b.Cells))
	case surat.Heading:
		l.setFont("B", l.pt)
		return float64(len(l.lines(b.Text, l.width())))*l.lh + paraGap/2
	}
	l.setFont("", l.pt)
	return float64(len(l.wrap(b.Text, l.width(), firstIndent))) * l.lh
}

// block draws one body block. keep is the height of what must follow the
// block's end on the same page (0 for nothing): the block then breaks its
// page earlier, so that its last lines go along to the next page.
func (l *layout) block(b surat.Block, keep float64) {
	switch b.Kind {
	case surat.Rows:
		l.rows(b, keep)
	case surat.Table:
		l.table(b, keep)
	case surat.Heading:
		l.heading(b.Text, keep)
	default:
		l.paragraph(b.Text, keep)
	}
}

// introduces reports whether b leads into the block after it and must not
// end a page: a heading, or a sentence ending in a colon ("... sebagai
// berikut:").
func introduces(b surat.Block) bool {
	switch b.Kind {
	case surat.Heading:
		return true
	case surat.Paragraph:
		return strings.HasSuffix(strings.TrimSpace(b.Text), ":")
	}
	return false
}

// leadHeight is the height of the start of b that an introducing block
// keeps on its page: two lines of a paragraph, a whole Rows block (which
// never splits) or two of its rows when it is longer than a page, or a
// table's header and first row.
func (l *layout) leadHeight(b surat.Block) float64 {
	switch b.Kind {
	case surat.Rows:
		if h := l.blockHeight(b); h <= l.pageRoom() {
			return h
		}
		h := 0.0
		for i := 0; i < min(2, len(b.Rows)); i++ {
			h += l.rowHeight(b, b.Rows[i])
		}
		return h
	case surat.Table:
		return l.tableHeight(b, 1)
	case surat.Heading:
		l.setFont("B", l.pt)
		return float64(len(l.lines(b.Text, l.width()))+1) * l.lh
	}
	l.setFont("", l.pt)
	return float64(min(2, len(l.wrap(b.Text, l.width(), firstIndent)))) * l.lh
}

// paragraph draws justified text with a first-line indent. A paragraph
// never leaves its first line alone at the foot of a page nor its last line
// alone at the head of the next; a paragraph of up to three lines that
// cannot stay with what must follow it (keep) moves to the next page whole,
// a longer one takes its last two lines along.
func (l *layout) paragraph(text string, keep float64) {
	l.setFont("", l.pt)
	lines := l.wrap(text, l.width(), firstIndent)
	if len(lines) == 0 {
		return
	}
	n := len(lines)
	if keep > 0 && n <= 3 {
		l.ensure(float64(n)*l.lh + paraGap + keep)
	} else {
		l.ensure(float64(min(2, n)) * l.lh)
	}
	tail := 2 * l.lh
	if keep > 0 {
		tail += paraGap + keep
	}
	for i, ln := range lines {
		if i >= 2 && i == n-2 && l.y+l.lh <= l.bottom && l.y+tail > l.bottom {
			l.newPage()
		}
		l.ensure(l.lh)
		x, w := l.left, l.width()
		if i == 0 {
			x, w = x+firstIndent, w-firstIndent
		}
		if ln.last {
			l.drawText(ln.String(), x, w, l.y, l.lh, alignLeft)
		} else {
			l.drawJustified(ln, x, w, l.y, l.lh)
		}
		l.y += l.lh
	}
	l.y += paraGap
}

// heading draws a bold line introducing what follows, kept on the same page
// as the first lines after it (keep).
func (l *layout) heading(text string, keep float64) {
	l.setFont("B", l.pt)
	lines := l.lines(text, l.width())
	if len(lines) == 0 {
		return
	}
	l.ensure(float64(len(lines))*l.lh + paraGap/2 + max(keep, 2*l.lh))
	for _, s := range lines {
		l.drawText(s, l.left, l.width(), l.y, l.lh, alignLeft)
		l.y += l.lh
	}
	l.y += paraGap / 2
}

// rowLabelWidth is the label column of every Rows block of the letter: wide
// enough for the widest label, within bounds, so that all the colons of a
// letter line up.
func (l *layout) rowLabelWidth(blocks []surat.Block) float64 {
	l.setFont("", l.pt)
	w := 0.0
	for _, b := range blocks {
		if b.Kind != surat.Rows {
			continue
		}
		for _, r := range b.Rows {
			w = max(w, l.textWidth(l.clean(r.Label)))
		}
	}
	return min(max(w+4, labelMinW), l.labelMax)
}

// rowColumns are the x of a Rows block's labels and values, and the width
// of its values.
func (l *layout) rowColumns(b surat.Block) (x, colon, valueX, valueW float64) {
	x = l.left + l.indent
	if b.Indent {
		x += rowsIndent
	}
	colon = x + l.labelW
	valueX = colon + colonW
	return x, colon, valueX, l.right - valueX
}

// rowHeight is the height of one row of b.
func (l *layout) rowHeight(b surat.Block, r surat.Row) float64 {
	l.setFont("", l.pt)
	_, _, _, valueW := l.rowColumns(b)
	value := r.Value
	if strings.TrimSpace(value) == "" {
		value = "-"
	}
	return float64(max(len(l.lines(r.Label, l.labelW-1)), len(l.lines(value, valueW)), 1)) * l.lh
}

// rows draws a borderless label : value table. Long values wrap under the
// value column; an empty value prints "-". A Rows block is one person's or
// one thing's data and never splits across pages; keep is what must follow
// its last row on the same page. Only a block longer than a page breaks,
// between rows, never leaving one row alone at the foot or the head of a
// page.
func (l *layout) rows(b surat.Block, keep float64) {
	l.setFont("", l.pt)
	x, colon, valueX, valueW := l.rowColumns(b)
	heights := make([]float64, len(b.Rows))
	total := 0.0
	for i, r := range b.Rows {
		heights[i] = l.rowHeight(b, r)
		total += heights[i]
	}
	whole := total <= l.pageRoom()
	if whole {
		need := total
		if keep > 0 && total+paraGap+keep <= l.pageRoom() {
			need += paraGap + keep
		}
		l.ensure(need)
	}
	last := len(b.Rows) - 1
	for i, r := range b.Rows {
		value := r.Value
		if strings.TrimSpace(value) == "" {
			value = "-"
		}
		labels := l.lines(r.Label, l.labelW-1)
		values := l.lines(value, valueW)
		n := max(len(labels), len(values), 1)
		switch {
		case whole:
		case i == 0 && last <= 2:
			// Up to three rows stay together, with what must follow.
			need := 0.0
			for _, h := range heights {
				need += h
			}
			if keep > 0 {
				need += paraGap + keep
			}
			l.ensure(need)
		case i == 0:
			l.ensure(heights[0] + heights[1]) // no first row alone
		case i == last-1 && i >= 2:
			// The last two rows go together, with what must follow.
			tail := heights[i] + heights[last]
			if keep > 0 {
				tail += paraGap + keep
			}
			if l.y+tail > l.bottom+0.01 {
				l.newPage()
			}
		}
		l.ensure(float64(n) * l.lh)
		for i, s := range labels {
			l.drawText(s, x, l.labelW, l.y+float64(i)*l.lh, l.lh, alignLeft)
		}
		l.drawText(":", colon, colonW, l.y, l.lh, alignLeft)
		for i, s := range values {
			l.drawText(s, valueX, valueW, l.y+float64(i)*l.lh, l.lh, alignLeft)
		}
		l.y += float64(n) * l.lh
	}
	l.y += paraGap
}

// table draws a bordered table with a bold, shaded header row, repeated at
// the top of each page the table continues on. Columns are as wide as their
// content allows within the text width; long cells wrap.
func (l *layout) table(b surat.Block, keep float64) {
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
	for i, row := range b.Cells {
		cells, h := cellLines(row, "")
		need := h
		if i == len(b.Cells)-1 && keep > 0 {
			need += paraGap + 1 + keep
		}
		if l.ensure(need) && hasHeader {
			drawRow(header, headerH, true)
		}
		drawRow(cells, h, false)
	}
	l.y += paraGap + 1
}

// tableHeight is the height of a table's header and its first n rows.
func (l *layout) tableHeight(b surat.Block, n int) float64 {
	cols := len(b.Header)
	for _, row := range b.Cells {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return 0
	}
	widths := l.columnWidths(b.Header, b.Cells, cols)
	height := func(row []string, style string) float64 {
		l.setFont(style, tablePt)
		n := 1
		for c := 0; c < cols && c < len(row); c++ {
			n = max(n, len(l.lines(row[c], widths[c]-2*cellPadX)))
		}
		return float64(n)*tableLine + 2*cellPadY
	}
	h := 0.0
	if len(b.Header) > 0 {
		h += height(b.Header, "B")
	}
	for i := 0; i < min(n, len(b.Cells)); i++ {
		h += height(b.Cells[i], "")
	}
	return h + paraGap + 1
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
// When the longest words do not fit side by side, the narrow columns keep
// theirs whole (a number, a NIK, a one-word header) and only the columns
// with the longest words are cut down to one common width, where those
// words are split: shrinking every column alike split each heir's NIK in
// two because one heir's birthplace was a long unbroken word.
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
		limit := widestFitting(minimum, avail)
		for c := range widths {
			widths[c] = min(minimum[c], limit)
		}
	default:
		extra := (avail - sumMin) / (sumNat - sumMin)
		for c := range widths {
			widths[c] = minimum[c] + (natural[c]-minimum[c])*extra
		}
	}
	return widths
}

// widestFitting is the width w at which the columns, each min(want, w)
// wide, fill exactly avail; avail must not exceed the sum of want.
func widestFitting(want []float64, avail float64) float64 {
	sorted := slices.Sorted(slices.Values(want))
	for i, w := range sorted {
		rest := float64(len(sorted) - i)
		if w*rest >= avail {
			return avail / rest
		}
		avail -= w
	}
	return sorted[len(sorted)-1]
}
