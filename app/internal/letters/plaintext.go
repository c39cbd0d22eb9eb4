package letters

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// PlainText lays a document out as monospaced text, roughly as the PDF
// shows it: kop, title, number, body, place and date, signer. It is for
// golden tests, logs and quick previews; the PDF renderer is the real
// layout.
func PlainText(d *surat.Document) string {
	const width = 88
	var b strings.Builder
	center := func(s string) {
		pad := (width - utf8.RuneCountInString(s)) / 2
		b.WriteString(strings.Repeat(" ", max(pad, 0)) + s + "\n")
	}
	v := &d.Village
	center(strings.ToUpper("PEMERINTAH " + sebutanKab(v) + " " + v.Kabupaten))
	center(strings.ToUpper("KECAMATAN " + v.Kecamatan))
	center(strings.ToUpper(villageName(v)))
	if v.Address != "" {
		center(v.Address)
	}
	b.WriteString(strings.Repeat("=", width) + "\n\n")
	if d.Draft {
		center("[ DRAF ]")
	}
	center(d.Title)
	number := d.Number
	if number == "" {
		number = "...................."
	}
	center("Nomor : " + number)
	b.WriteString("\n")
	for _, blk := range d.Blocks {
		switch blk.Kind {
		case surat.Paragraph:
			b.WriteString(wrap("    ", blk.Text, width, ""))
		case surat.Heading:
			b.WriteString(blk.Text + "\n")
		case surat.Rows:
			indent := "    "
			if blk.Indent {
				indent += "    "
			}
			lw := 0
			for _, r := range blk.Rows {
				lw = max(lw, utf8.RuneCountInString(r.Label))
			}
			for _, r := range blk.Rows {
				val := r.Value
				if val == "" {
					val = "-"
				}
				prefix := fmt.Sprintf("%s%-*s : ", indent, lw+(len(r.Label)-utf8.RuneCountInString(r.Label)), r.Label)
				b.WriteString(wrap(prefix, val, width, strings.Repeat(" ", utf8.RuneCountInString(prefix))))
			}
		case surat.Table:
			b.WriteString("| " + strings.Join(blk.Header, " | ") + " |\n")
			for _, row := range blk.Cells {
				b.WriteString("| " + strings.Join(row, " | ") + " |\n")
			}
		}
		b.WriteString("\n")
	}
	right := func(s string) { b.WriteString(strings.Repeat(" ", width/2) + s + "\n") }
	right(d.Place + ", " + surat.FormatDate(d.Date))
	for _, l := range d.Signer.Above {
		right(l)
	}
	right(d.Signer.Jabatan)
	b.WriteString("\n\n\n")
	right(d.Signer.Name)
	if d.Signer.NIP != "" {
		right(d.Signer.NIP)
	}
	return b.String()
}

// wrap breaks text into lines of at most width runes; the first line
// starts with first, the others with hang.
func wrap(first, text string, width int, hang string) string {
	var b strings.Builder
	line := first
	empty := true
	for _, w := range strings.Fields(text) {
		switch {
		case empty:
			line += w
			empty = false
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width:
			b.WriteString(line + "\n")
			line = hang + w
		default:
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}
