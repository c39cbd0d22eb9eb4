package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// csvSource reads rows of a CSV (or tab-separated) text. Row numbers are the
// ones a spreadsheet shows when it opens the file: the line a record starts
// on, minus the line breaks inside quoted cells of earlier records.
type csvSource struct {
	r        *csv.Reader
	embedded int // line breaks inside quoted cells so far
}

// newCSVSource streams the records of b; UTF-8 text is read in place, other
// encodings are converted once. A record of more than maxColumns fields or
// maxRecordBytes bytes is refused before any record is parsed.
func newCSVSource(b []byte) (*csvSource, error) {
	text := decodeText(b)
	comma, err := chooseDelimiter(text)
	if err != nil {
		return nil, err
	}
	return &csvSource{r: csvReader(text, comma)}, nil
}

// maxRecordBytes bounds one record of a CSV: a resident's row is a few
// hundred bytes, and encoding/csv holds a record whole, several times over
// while it grows.
const maxRecordBytes = 1 << 20

func wideRecordError(line int) error {
	return fmt.Errorf("baris %d memuat lebih dari %d kolom; berkas data penduduk hanya memerlukan beberapa puluh kolom", line, maxColumns)
}

// oversizedRecord refuses the first record of more than maxColumns fields
// or maxRecordBytes bytes, naming its line. encoding/csv keeps a string, an
// offset and a position for every field of a record, some 40 bytes, and the
// importer a cell of 24 more: a 10 MB row of commas took 1.5 GB. So the
// records are measured first, in one pass that follows encoding/csv's rules
// with LazyQuotes: a field that starts with a quote runs to a quote followed
// by the separator or the end of a line (two quotes are one, and with
// LazyQuotes any other quote is text), and may span lines; a quote
// elsewhere is text. It may count more fields than encoding/csv finds
// (it counts empty lines as records), never fewer.
func oversizedRecord(text []byte, comma byte) error {
	line, start, from := 1, 1, 0
	fields := 1
	atFieldStart, quoted := true, false
	for i := 0; i < len(text); i++ {
		if i-from > maxRecordBytes {
			return fmt.Errorf("baris %d lebih panjang dari %d KB; periksa apakah berkas ini benar data penduduk", start, maxRecordBytes>>10)
		}
		c := text[i]
		if quoted {
			switch {
			case c == '\n':
				line++
			case c != '"':
			case i+1 < len(text) && text[i+1] == '"':
				i++ // an escaped quote
			case i+1 == len(text), text[i+1] == comma, text[i+1] == '\n',
				text[i+1] == '\r' && i+2 < len(text) && text[i+2] == '\n':
				quoted = false
			}
			continue
		}
		switch {
		case c == '"' && atFieldStart:
			quoted, atFieldStart = true, false
		case c == comma:
			if fields++; fields > maxColumns {
				return wideRecordError(start)
			}
			atFieldStart = true
		case c == '\n':
			line++
			start, from, fields, atFieldStart = line, i+1, 1, true
		default:
			atFieldStart = false
		}
	}
	return nil
}

func csvReader(text []byte, comma rune) *csv.Reader {
	r := csv.NewReader(bytes.NewReader(text))
	r.ReuseRecord = true
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	return r
}

var delimiters = []rune{',', ';', '\t', '|'}

// chooseDelimiter picks the separator under which the first rows hold the
// best header: Excel in an Indonesian locale saves "CSV" with semicolons,
// elsewhere with commas, and "Text" with tabs. Without any header it falls
// back to sniffDelimiter, and findHeader reports the missing header. err
// is oversizedRecord's for the separator chosen: each separator's records
// are measured once.
func chooseDelimiter(text []byte) (rune, error) {
	idx := headerIndex()
	best, bestMatched := rune(0), 0
	oversized := make(map[rune]error, len(delimiters))
	for _, d := range delimiters {
		if oversized[d] = oversizedRecord(text, byte(d)); oversized[d] != nil {
			continue // not parsed: see oversizedRecord
		}
		r := csvReader(text, d)
		for i := 0; i < headerScanRows; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			cells := make([]cell, len(rec))
			for j, f := range rec {
				cells[j] = cell{text: f}
			}
			if _, matched, _ := mapHeader(row{cells: cells}, idx); matched > bestMatched {
				best, bestMatched = d, matched
			}
		}
	}
	if bestMatched == 0 {
		best = sniffDelimiter(text)
	}
	err, measured := oversized[best]
	if !measured {
		err = oversizedRecord(text, byte(best))
	}
	return best, err
}

func (s *csvSource) next() (row, bool, error) {
	for {
		rec, err := s.r.Read()
		if err == io.EOF {
			return row{}, false, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return row{}, false, fmt.Errorf("CSV tidak dapat dibaca pada baris %d: %v", pe.StartLine-s.embedded, pe.Err)
			}
			return row{}, false, err
		}
		line, _ := s.r.FieldPos(0)
		if len(rec) > maxColumns { // oversizedRecord counted wrong
			return row{}, false, wideRecordError(line - s.embedded)
		}
		r := row{num: line - s.embedded, cells: make([]cell, len(rec))}
		empty := true
		for i, f := range rec {
			r.cells[i] = cell{text: f}
			s.embedded += strings.Count(f, "\n")
			if strings.TrimFunc(f, isSpace) != "" {
				empty = false
			}
		}
		if !empty {
			return r, true, nil
		}
	}
}

// decodeText returns b as UTF-8: a UTF-8 byte-order mark is dropped, UTF-16
// (Excel's "Unicode Text") is converted, and text that is not valid UTF-8 is
// read as Windows-1252, the code page Excel on Windows saves CSV in. Valid
// UTF-8 is returned without a copy.
func decodeText(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return []byte(decodeUTF16(b))
	}
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		if c >= 0x80 && c < 0xA0 {
			out = utf8.AppendRune(out, cp1252[c-0x80])
		} else {
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

func decodeUTF16(b []byte) string {
	big := b[0] == 0xFE
	b = b[2:]
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// cp1252 maps Windows-1252 bytes 0x80-0x9F; the rest equals Latin-1.
var cp1252 = [32]rune{
	'€', '\u0081', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u008d', 'Ž', '\u008f',
	'\u0090', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u009d', 'ž', 'Ÿ',
}

// sniffDelimiter picks the separator that splits one of the first lines into
// the most cells, so a title line above the header does not decide.
func sniffDelimiter(text []byte) rune {
	candidates := delimiters
	best := map[rune]int{}
	for i := 0; i < 20 && len(text) > 0; i++ {
		var lineB []byte
		lineB, text, _ = bytes.Cut(text, []byte("\n"))
		line := string(lineB)
		counts := map[rune]int{}
		inQuote := false
		for _, r := range line {
			switch {
			case r == '"':
				inQuote = !inQuote
			case !inQuote:
				counts[r]++
			}
		}
		for _, c := range candidates {
			best[c] = max(best[c], counts[c])
		}
	}
	sep, n := ',', 0
	for _, c := range candidates {
		if best[c] > n {
			sep, n = c, best[c]
		}
	}
	return sep
}
