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
	plainBlocks(&b, d.Blocks, width)
	plainSignatures(&b, d, d.Signatures, true, width)
	for _, f := range d.Forms {
		b.WriteString("\f" + strings.Repeat("-", width) + "\n")
		line := "LAMPIRAN " + f.Code
		if len(f.Reference) > 0 {
			line += " (" + strings.Join(f.Reference, ", ") + ")"
		}
		b.WriteString(line + "\n")
		if len(f.Header) > 0 {
			plainBlocks(&b, []surat.Block{{Kind: surat.Rows, Rows: f.Header}}, width)
		}
		center(strings.ToUpper(f.Title))
		if f.Number != "" {
			center("Nomor : " + f.Number)
		}
		b.WriteString("\n")
		plainBlocks(&b, f.Blocks, width)
		plainSignatures(&b, d, f.Signatures, false, width)
	}
	return b.String()
}

// plainBlocks writes body blocks.
func plainBlocks(b *strings.Builder, blocks []surat.Block, width int) {
	for _, blk := range blocks {
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
}

// plainSignatures writes the signature blocks one under the other, the
// right column's indented; with addOfficial the official's block ends the
// letter when no group holds it.
func plainSignatures(b *strings.Builder, d *surat.Document, groups []surat.SignatureGroup, addOfficial bool, width int) {
	has := !addOfficial
	for _, g := range groups {
		for _, blk := range g.Blocks {
			has = has || blk.Official
		}
	}
	if !has {
		groups = append(append([]surat.SignatureGroup(nil), groups...),
			surat.SignatureGroup{Blocks: []surat.SignatureBlock{{Official: true}}})
	}
	for _, g := range groups {
		if g.Heading != "" {
			b.WriteString(g.Heading + "\n")
		}
		for i, blk := range g.Blocks {
			pad := strings.Repeat(" ", 4)
			if blk.Official || i%2 == 1 {
				pad = strings.Repeat(" ", width/2)
			}
			put := func(s string) { b.WriteString(pad + s + "\n") }
			if blk.Official {
				put(d.Place + ", " + surat.FormatDate(d.Date))
				for _, l := range blk.Caption {
					put(l)
				}
				for _, l := range d.Signer.Above {
					put(l)
				}
				put(d.Signer.Jabatan)
				put("[tanda tangan elektronik]")
				put(d.Signer.Name)
				if d.Signer.NIP != "" {
					put(d.Signer.NIP)
				}
			} else {
				for _, l := range blk.Caption {
					put(l)
				}
				if blk.Materai {
					put("[Meterai 10.000]")
				}
				name := blk.Name
				if name == "" {
					name = "(..............................)"
				}
				put(name)
				for _, l := range blk.Below {
					put(l)
				}
			}
			b.WriteString("\n")
		}
	}
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
