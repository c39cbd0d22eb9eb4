package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The XLSX reader below reads only what an import needs: the sheets in
// order, shared strings, which cell styles are dates, and each cell's value
// together with its type. The type is what tells a NIK typed as a number
// (its 16th digit already lost by Excel) from a NIK typed as text, and
// excelize's streaming reader returns only text; its DOM reader has types but
// took 2.4 s to load a 10,000-row sheet here, against 0.6 s for this reader
// (and 1.6 s for excelize's stream). excelize still writes the test fixtures.

// maxUnzipped bounds how much XML one part of the workbook may expand to, so
// a small zip bomb cannot keep the server busy. A worksheet of MaxRows rows
// of OpenSID's 37 columns is about 150 MB of XML. The worksheets read from
// one file share the same budget (workbook.sheetBytes): a workbook listing
// twenty sheets of 80 MB of empty rows each took two minutes of CPU.
const maxUnzipped = 8 * MaxFileSize

// maxStructurePart bounds the workbook and relationship parts, decoded
// whole into lists: a workbook of 32 sheets takes a few kilobytes, and
// 100,000 <sheet> elements listed in an 8 KB upload took 4.8 GB.
const maxStructurePart = 1 << 20

// maxStylesPart bounds the styles part, decoded whole (a few MB in the
// largest workbooks).
const maxStylesPart = 16 << 20

// maxSheets bounds the worksheets searched for the header row: the first
// maxSheets visible ones, each a different part.
const maxSheets = 32

// maxSharedBytes bounds the shared-string part, which is held in memory
// whole: MaxRows residents with a few distinct texts each fit in a few
// tens of MB.
const maxSharedBytes = 64 << 20

// maxSharedCount bounds the number of shared strings (an empty <si/> is 6
// bytes, so maxSharedBytes alone would allow ten million).
const maxSharedCount = 4 << 20

// maxTextRun bounds the bytes between two tags of a part: the XML decoder
// buffers a whole text node, and no cell of a resident file is longer than
// a few hundred bytes.
const maxTextRun = 1 << 20

// maxCellText bounds the text kept of one cell; longer text is cut and then
// fails the field's own checks.
const maxCellText = 4096

// maxColumns bounds how many columns of a row are kept; a resident file
// needs a few dozen.
const maxColumns = 512

var (
	errUnzippedTooLarge = errors.New("isi file Excel terlalu besar setelah diekstrak")
	errTextTooLong      = errors.New("file Excel memuat teks yang terlalu panjang (lebih dari 1 MB dalam satu sel)")
	errTooManyStrings   = errors.New("file Excel memuat terlalu banyak teks berbeda")
)

// cell is one spreadsheet cell: its text and, for XLSX, whether Excel stored
// it as a number (and whether its style shows it as a date).
type cell struct {
	text    string
	numeric bool // stored as a number (an <c> without t, or t="n")
	date    bool // numeric with a date format, or t="d" (ISO 8601 text)
}

// row is one spreadsheet row with the number the user sees.
type row struct {
	num   int
	cells []cell
}

// rowSource yields the rows of one sheet in order.
type rowSource interface {
	// next returns the next row, or ok == false at the end.
	next() (r row, ok bool, err error)
}

type xlsxSheet struct {
	name   string
	part   string // zip path of the worksheet XML
	hidden bool
}

type workbook struct {
	files  map[string]*zip.File // by lower-cased path
	sheets []xlsxSheet
	// sheetBytes is what is left of maxUnzipped for all the worksheets
	// read together.
	sheetBytes int64
	shared     sharedStrings
	dateStyles []bool
	date1904   bool
}

// isXLSX reports whether the zip holds an Office Open XML workbook.
func isXLSX(zr *zip.Reader) bool {
	var types, wb bool
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case "[content_types].xml":
			types = true
		case "xl/workbook.xml":
			wb = true
		}
	}
	if types && !wb {
		// The main part may live elsewhere; _rels/.rels names it.
		wb = strings.HasSuffix(strings.ToLower(officeDocument(zr)), ".xml")
	}
	return types && wb
}

func officeDocument(zr *zip.Reader) string {
	for _, f := range zr.File {
		if strings.ToLower(f.Name) != "_rels/.rels" {
			continue
		}
		rels, err := readRels(f)
		if err != nil {
			return ""
		}
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				return strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	return ""
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func readRels(f *zip.File) ([]relationship, error) {
	var doc struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := decodePart(f, &doc, maxStructurePart); err != nil {
		return nil, err
	}
	return doc.Rels, nil
}

func decodePart(f *zip.File, v any, limit int64) error {
	rc, err := openPartMax(f, limit)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// openPartMax opens a zip entry, refusing it before inflating anything when
// the zip directory says it expands beyond limit, and failing once it
// really expands beyond limit (the directory may lie) or holds a text run
// longer than maxTextRun.
func openPartMax(f *zip.File, limit int64) (*limitedPart, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, errUnzippedTooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return &limitedPart{rc: rc, left: limit}, nil
}

type limitedPart struct {
	rc   io.ReadCloser
	left int64
	// shared, when not nil, is a budget this part shares with others and
	// draws on as it is read.
	shared *int64
	run    int // bytes since the last '<'
}

func (l *limitedPart) Read(p []byte) (int, error) {
	left := l.left
	if l.shared != nil {
		left = min(left, *l.shared)
	}
	if left <= 0 {
		return 0, errUnzippedTooLarge
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.shared != nil {
		*l.shared -= int64(n)
	}
	if i := bytes.LastIndexByte(p[:n], '<'); i >= 0 {
		l.run = n - 1 - i
	} else {
		l.run += n
	}
	if l.run > maxTextRun {
		return 0, errTextTooLong
	}
	return n, err
}

func (l *limitedPart) Close() error { return l.rc.Close() }

// openWorkbook reads the workbook structure, shared strings and styles.
func openWorkbook(zr *zip.Reader) (*workbook, error) {
	wb := &workbook{files: make(map[string]*zip.File, len(zr.File)), sheetBytes: maxUnzipped}
	for _, f := range zr.File {
		wb.files[strings.ToLower(f.Name)] = f
	}
	main := officeDocument(zr)
	if main == "" {
		main = "xl/workbook.xml"
	}
	wbFile := wb.files[strings.ToLower(main)]
	if wbFile == nil {
		return nil, fmt.Errorf("bagian %s tidak ada", main)
	}
	var doc struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(wbFile, &doc, maxStructurePart); err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}
	wb.date1904 = doc.Pr.Date1904 == "1" || doc.Pr.Date1904 == "true"

	dir := path.Dir(main)
	relsPath := path.Join(dir, "_rels", path.Base(main)+".rels")
	targets := map[string]string{}
	var sharedPart, stylesPart string
	if f := wb.files[strings.ToLower(relsPath)]; f != nil {
		rels, err := readRels(f)
		if err != nil {
			return nil, fmt.Errorf("workbook rels: %w", err)
		}
		for _, r := range rels {
			target := r.Target
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join(dir, target)
			}
			targets[r.ID] = target
			switch {
			case strings.HasSuffix(r.Type, "/sharedStrings"):
				sharedPart = target
			case strings.HasSuffix(r.Type, "/styles"):
				stylesPart = target
			}
		}
	}
	for i, s := range doc.Sheets {
		var rid string
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space != "" {
				rid = a.Value
			}
		}
		part := targets[rid]
		if part == "" {
			part = fmt.Sprintf("%s/worksheets/sheet%d.xml", dir, i+1)
		}
		wb.sheets = append(wb.sheets, xlsxSheet{name: s.Name, part: part,
			hidden: s.State == "hidden" || s.State == "veryHidden"})
	}
	if sharedPart == "" {
		sharedPart = path.Join(dir, "sharedStrings.xml")
	}
	if stylesPart == "" {
		stylesPart = path.Join(dir, "styles.xml")
	}
	if f := wb.files[strings.ToLower(sharedPart)]; f != nil {
		ss, err := readSharedStrings(f)
		if err != nil {
			return nil, fmt.Errorf("shared strings: %w", err)
		}
		wb.shared = ss
	}
	if f := wb.files[strings.ToLower(stylesPart)]; f != nil {
		ds, err := readDateStyles(f)
		if err != nil {
			return nil, fmt.Errorf("styles: %w", err)
		}
		wb.dateStyles = ds
	}
	return wb, nil
}

// sharedStrings is the shared string table packed in one buffer: string i
// is text[end[i-1]:end[i]], so a table costs its text plus 4 bytes a
// string, not a string header and an allocation each.
type sharedStrings struct {
	text []byte
	end  []uint32
}

func (ss *sharedStrings) len() int { return len(ss.end) }

func (ss *sharedStrings) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = ss.end[i-1]
	}
	return string(ss.text[start:ss.end[i]])
}

// readSharedStrings returns the shared string table; rich-text runs are
// joined and phonetic hints (rPh) left out, as Excel displays them. The
// part may expand to maxSharedBytes and hold maxSharedCount strings, each
// cut to maxCellText bytes.
func readSharedStrings(f *zip.File) (sharedStrings, error) {
	var ss sharedStrings
	rc, err := openPartMax(f, maxSharedBytes)
	if err != nil {
		return ss, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	inT, inPh, start := false, 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return ss, nil
		}
		if err != nil {
			return sharedStrings{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sst":
				// uniqueCount is the file's claim; trust it only as far as
				// the part's real size allows.
				if n, err := strconv.Atoi(attr(t.Attr, "uniqueCount")); err == nil && n > 0 &&
					uint64(n) <= f.UncompressedSize64/6 && n <= maxSharedCount {
					ss.end = make([]uint32, 0, n)
				}
			case "si":
				start = len(ss.text)
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if len(ss.end) >= maxSharedCount {
					return sharedStrings{}, errTooManyStrings
				}
				ss.end = append(ss.end, uint32(len(ss.text)))
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case xml.CharData:
			if inT && inPh == 0 {
				room := maxCellText - (len(ss.text) - start)
				ss.text = append(ss.text, t[:min(len(t), max(room, 0))]...)
			}
		}
	}
}

// readDateStyles returns, per cell style index (cellXfs), whether its number
// format shows a date.
func readDateStyles(f *zip.File) ([]bool, error) {
	var doc struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := decodePart(f, &doc, maxStylesPart); err != nil {
		return nil, err
	}
	custom := make(map[int]string, len(doc.NumFmts))
	for _, n := range doc.NumFmts {
		custom[n.ID] = n.Code
	}
	out := make([]bool, len(doc.Xfs))
	for i, xf := range doc.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			out[i] = isDateFormat(code)
		} else {
			out[i] = isBuiltInDate(xf.NumFmtID)
		}
	}
	return out, nil
}

// isBuiltInDate reports whether a built-in number format id is a date or
// date-time format (ECMA-376 part 1, 18.8.30, plus the East Asian ids).
func isBuiltInDate(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
		(id >= 50 && id <= 58) || (id >= 71 && id <= 81)
}

// isDateFormat reports whether a custom number format code shows a date: it
// has a day, month or year token outside quoted text, escapes and [..]
// sections (where [Red] or [$-421] live).
func isDateFormat(code string) bool {
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i]
	}
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			inQuote = c != '"'
		case inBracket:
			inBracket = c != ']'
		case c == '"':
			inQuote = true
		case c == '[':
			inBracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == 'd' || c == 'D' || c == 'y' || c == 'Y' || c == 'm' || c == 'M':
			return true
		}
	}
	return false
}

// sheetReader streams the rows of one worksheet.
type sheetReader struct {
	wb      *workbook
	rc      io.ReadCloser
	d       *xml.Decoder
	lastRow int
	done    bool
}

func (wb *workbook) openSheet(s xlsxSheet) (*sheetReader, error) {
	f := wb.files[strings.ToLower(s.part)]
	if f == nil {
		return nil, fmt.Errorf("lembar %q: bagian %s tidak ada", s.name, s.part)
	}
	lp, err := openPartMax(f, maxUnzipped)
	if err != nil {
		return nil, err
	}
	lp.shared = &wb.sheetBytes
	return &sheetReader{wb: wb, rc: lp, d: xml.NewDecoder(lp)}, nil
}

func (s *sheetReader) close() error { return s.rc.Close() }

// next returns the next <row> that has at least one cell.
func (s *sheetReader) next() (row, bool, error) {
	for !s.done {
		r, ok, err := s.readRow()
		if err != nil || !ok {
			s.done = true
			return row{}, false, err
		}
		if len(r.cells) > 0 {
			return r, true, nil
		}
	}
	return row{}, false, nil
}

func (s *sheetReader) readRow() (row, bool, error) {
	// Find the next <row>.
	var r row
	for {
		tok, err := s.d.RawToken()
		if err == io.EOF {
			return row{}, false, nil
		}
		if err != nil {
			return row{}, false, err
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "row" {
			r.num = s.lastRow + 1
			if n, err := strconv.Atoi(attr(t.Attr, "r")); err == nil && n > 0 {
				r.num = n
			}
			s.lastRow = r.num
			break
		}
	}
	col := -1
	var c cell
	var typ, style, value string
	var b strings.Builder
	inV, inT, inPh, inCell := false, false, 0, false
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return row{}, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				inCell = true
				col++
				if ref := attr(t.Attr, "r"); ref != "" {
					if n := columnIndex(ref); n >= 0 {
						col = n
					}
				}
				typ, style, value = attr(t.Attr, "t"), attr(t.Attr, "s"), ""
				b.Reset()
			case "v":
				inV = true
				b.Reset()
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case xml.CharData:
			if (inV || (inT && inPh == 0)) && inCell && b.Len() < maxCellText {
				b.Write(t[:min(len(t), maxCellText-b.Len())])
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
				value = b.String()
			case "t":
				inT = false
			case "rPh":
				inPh--
			case "is":
				value = b.String()
			case "c":
				inCell = false
				c = s.wb.cellValue(typ, style, value)
				if c.text != "" && col < maxColumns {
					for len(r.cells) < col {
						r.cells = append(r.cells, cell{})
					}
					r.cells = append(r.cells, c)
				}
			case "row":
				return r, true, nil
			}
		}
	}
}

func (wb *workbook) cellValue(typ, style, v string) cell {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= wb.shared.len() {
			return cell{}
		}
		return cell{text: wb.shared.at(i)}
	case "d":
		return cell{text: v, date: true}
	case "", "n":
		c := cell{text: v, numeric: v != ""}
		if style != "" {
			if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(wb.dateStyles) {
				c.date = wb.dateStyles[i]
			}
		}
		return c
	default: // inlineStr, str (formula result), b, e
		return cell{text: v}
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// columnIndex turns the letters of a cell reference ("AB12") into a
// zero-based column index, or -1.
func columnIndex(ref string) int {
	n := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		n = n*26 + int(c-'A'+1)
		if n > 16384 {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return n - 1
}

// zipReader opens b as a zip archive.
func zipReader(b []byte) (*zip.Reader, error) {
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}
