package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// MaxFileSize is the largest file Parse accepts, in bytes. Ten thousand
// residents take about 1 MB as XLSX and 2 MB as CSV.
const MaxFileSize = 20 << 20

// Errors a caller may want to map to an HTTP status; every error Parse
// returns has an Indonesian message that can be shown to the clerk as is.
var (
	// ErrTooLarge means the file is larger than MaxFileSize (413).
	ErrTooLarge = errors.New("melebihi batas 20 MB; pecah data menjadi beberapa berkas")
	// ErrUnsupportedFormat means the content is neither XLSX nor CSV (415),
	// whatever its name says.
	ErrUnsupportedFormat = errors.New("format tidak didukung; unggah berkas .xlsx (Excel Workbook) atau .csv")
	// ErrTooManyRows means the file has more than MaxRows data rows (422);
	// reading stops at the first row beyond the limit.
	ErrTooManyRows = fmt.Errorf("memuat lebih dari %s baris data; batas satu berkas adalah %s baris, pecah data menjadi beberapa berkas",
		thousands(MaxRows), thousands(MaxRows))
)

// MaxRows is the most data rows (rows below the header with a cell that is
// not empty) one file may hold: a large village has a few tens of thousands of
// residents, and the records of a file are kept in memory for the single
// transaction that applies it.
const MaxRows = 100_000

// thousands writes n with Indonesian thousands separators: 100.000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

// headerScanRows is how many rows may precede the header row (a title such
// as "DATA PENDUDUK DESA ..." above the table).
const headerScanRows = 20

// Parse reads a CSV or XLSX file of residents. The format is detected from
// the content, not from filename (which only appears in messages): a zip
// holding an Office Open XML workbook is XLSX, other text is CSV separated by
// commas, semicolons or tabs, and anything else (PDF, images, programs, old
// .xls) is refused with ErrUnsupportedFormat. At most MaxFileSize bytes are
// read; a longer stream gives ErrTooLarge after reading MaxFileSize+1 bytes.
//
// The header row may be preceded by title rows; headers match regardless of
// case, spaces, underscores and dots (see the package documentation for the
// names). Enumerations take OpenSID's numeric id or the label; dates take
// Excel date cells and serials, YYYY-MM-DD, DD-MM-YYYY and DD/MM/YYYY.
// Citizenship defaults to WNI and status dasar to HIDUP.
//
// recs holds the rows without problems, each with Row set to the row number
// the spreadsheet shows. problems, nil when there are none, holds the first
// surat.MaxReportedRows problems of the other rows in file order (Row,
// Column as the header is written in the file, an Indonesian Reason) and
// their total count; a row with problems is not in recs. err is non-nil
// only when the file as a whole cannot be used: unreadable, too large (more
// than MaxFileSize bytes, ErrTooLarge, or more than MaxRows data rows,
// ErrTooManyRows), not a spreadsheet, no header row, a required column
// missing or named twice. Warnings lists what the clerk should check but
// does not block an import.
//
// Memory stays bounded by the limits, not by what the file claims: the file
// is read once, rows are streamed from it (an XLSX part is refused by its
// size in the zip directory before it is opened, and again while it is
// inflated), and only the records and the reported problems are kept.
func Parse(r io.Reader, filename string) (recs []surat.ImportRecord, problems *surat.ImportError, err error) {
	return parse(r, filename, time.Now())
}

func parse(r io.Reader, filename string, now time.Time) ([]surat.ImportRecord, *surat.ImportError, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("berkas %s tidak dapat dibaca: %w", filename, err)
	}
	if len(b) > MaxFileSize {
		return nil, nil, fmt.Errorf("berkas %s %w", filename, ErrTooLarge)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil, fmt.Errorf("berkas %s kosong", filename)
	}
	sheets, date1904, err := openSheets(b, filename)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		for _, s := range sheets {
			s.close()
		}
	}()
	h, src, err := findHeader(sheets)
	if err != nil {
		return nil, nil, err
	}
	p := newRowParser(h, now, date1904)
	var recs []surat.ImportRecord
	var problems surat.ImportError
	rows := 0
	for {
		rw, ok, err := src.next()
		if err != nil {
			return nil, nil, fmt.Errorf("berkas %s rusak atau terpotong setelah baris %d: %v", filename, p.lastRow, readErr(err))
		}
		if !ok {
			break
		}
		rec, probs, status := p.parse(rw)
		if status == rowEnd {
			break
		}
		// Every row with a cell counts, also one with cells only in
		// columns the import ignores: each costs reading time.
		if rows++; rows > MaxRows {
			return nil, nil, fmt.Errorf("berkas %s %w", filename, ErrTooManyRows)
		}
		for _, pr := range probs {
			problems.Add(pr)
		}
		if status == rowOK {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 && problems.Count() == 0 {
		return nil, nil, fmt.Errorf("berkas %s tidak berisi data penduduk di bawah baris judul (baris %d)", filename, h.row)
	}
	if problems.Count() == 0 {
		return recs, nil, nil
	}
	return recs, &problems, nil
}

// sheet is a candidate table: the only one of a CSV, or one worksheet.
type sheet struct {
	name  string
	src   rowSource
	close func()
}

// openSheets detects the format and opens every candidate sheet.
func openSheets(b []byte, filename string) ([]sheet, bool, error) {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		zr, err := zipReader(b)
		if err != nil {
			return nil, false, fmt.Errorf("berkas %s adalah arsip ZIP yang rusak: %w", filename, ErrUnsupportedFormat)
		}
		if !isXLSX(zr) {
			return nil, false, fmt.Errorf("berkas %s adalah %s: %w", filename, zipKind(zr), ErrUnsupportedFormat)
		}
		wb, err := openWorkbook(zr)
		if err != nil {
			return nil, false, fmt.Errorf("berkas XLSX %s rusak: %v", filename, readErr(err))
		}
		var out []sheet
		opened := map[string]bool{}
		for _, s := range wb.sheets {
			// OpenSID's template carries its code lists on a "Kode Data" sheet.
			if s.hidden || strings.EqualFold(strings.TrimSpace(s.name), "Kode Data") {
				continue
			}
			// Two sheets naming the same part are one table, read once; the
			// header is searched in the first maxSheets tables.
			part := strings.ToLower(s.part)
			if opened[part] {
				continue
			}
			if len(out) == maxSheets {
				break
			}
			opened[part] = true
			sr, err := wb.openSheet(s)
			if err != nil {
				for _, o := range out {
					o.close()
				}
				return nil, false, fmt.Errorf("berkas XLSX %s rusak: %v", filename, readErr(err))
			}
			out = append(out, sheet{name: s.name, src: sr, close: func() { sr.close() }})
		}
		if len(out) == 0 {
			return nil, false, fmt.Errorf("berkas XLSX %s tidak berisi lembar kerja", filename)
		}
		return out, wb.date1904, nil
	}
	if kind := binaryKind(b); kind != "" {
		return nil, false, fmt.Errorf("berkas %s adalah %s: %w", filename, kind, ErrUnsupportedFormat)
	}
	src, err := newCSVSource(b)
	if err != nil {
		return nil, false, fmt.Errorf("berkas %s: %w", filename, err)
	}
	return []sheet{{name: filename, src: src, close: func() {}}}, false, nil
}

// binaryKind names a non-text format recognised by its first bytes, or
// returns "" for text that can be read as CSV.
func binaryKind(b []byte) string {
	magic := []struct {
		prefix, kind string
	}{
		{"%PDF", "dokumen PDF"},
		{"\x89PNG", "gambar PNG"},
		{"\xFF\xD8\xFF", "gambar JPEG"},
		{"GIF8", "gambar GIF"},
		{"MZ", "program Windows (EXE)"},
		{"\x7FELF", "program"},
		{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "berkas Excel 97-2003 (.xls) atau berkas Office berkata sandi; buka di Excel lalu simpan sebagai Excel Workbook (.xlsx)"},
		{"Rar!", "arsip RAR"},
		{"7z\xBC\xAF", "arsip 7z"},
		{"\x1F\x8B", "arsip gzip"},
		{"{\\rtf", "dokumen RTF"},
	}
	for _, m := range magic {
		if bytes.HasPrefix(b, []byte(m.prefix)) {
			return m.kind
		}
	}
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return "" // UTF-16 text
	}
	head := b[:min(len(b), 8192)]
	trimmed := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(string(head), "\uFEFF")))
	for _, p := range []string{"<!doctype", "<html", "<?xml", "<table", "<meta"} {
		if strings.HasPrefix(trimmed, p) {
			return "halaman HTML/XML (seperti ekspor .xls lama OpenSID); buka di Excel lalu simpan sebagai Excel Workbook (.xlsx)"
		}
	}
	control := 0
	for _, c := range head {
		if c == 0 {
			return "berkas biner"
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			control++
		}
	}
	if control > len(head)/100+2 {
		return "berkas biner"
	}
	return ""
}

// zipKind names what a zip that is not an XLSX workbook holds.
func zipKind(zr *zip.Reader) string {
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case name == "mimetype":
			rc, err := f.Open()
			if err == nil {
				b, _ := io.ReadAll(io.LimitReader(rc, 100))
				rc.Close()
				if strings.Contains(string(b), "opendocument.spreadsheet") {
					return "spreadsheet OpenDocument (.ods); simpan sebagai Excel Workbook (.xlsx)"
				}
			}
		case strings.HasPrefix(name, "word/"):
			return "dokumen Word"
		case strings.HasPrefix(name, "ppt/"):
			return "presentasi PowerPoint"
		}
	}
	return "arsip ZIP, bukan spreadsheet"
}

// readErr turns the reader's internal errors into Indonesian where it can.
func readErr(err error) string {
	if errors.Is(err, errUnzippedTooLarge) {
		return errUnzippedTooLarge.Error()
	}
	return err.Error()
}

// findHeader looks for the header row in the first headerScanRows rows of
// each sheet in turn and returns the first sheet whose header names the
// required columns. When none does, the error names the columns missing from
// the most promising header.
func findHeader(sheets []sheet) (header, rowSource, error) {
	idx := headerIndex()
	var best header
	bestMatched, bestSheet := 0, ""
	for _, s := range sheets {
		for i := 0; i < headerScanRows; i++ {
			r, ok, err := s.src.next()
			if err != nil {
				return header{}, nil, fmt.Errorf("lembar %s tidak dapat dibaca: %v", s.name, readErr(err))
			}
			if !ok {
				break
			}
			h, matched, dup := mapHeader(r, idx)
			isHeader := matched >= 3 || (h.col[fNIK] >= 0 && h.col[fName] >= 0)
			if isHeader && dup != "" {
				return header{}, nil, fmt.Errorf("kolom %q muncul lebih dari sekali pada baris judul (baris %d); hapus atau ganti nama salah satunya", dup, h.row)
			}
			if isHeader && len(h.missing()) == 0 {
				return h, s.src, nil
			}
			if matched > bestMatched {
				best, bestMatched, bestSheet = h, matched, s.name
			}
			if isHeader {
				break // the header of this sheet, but incomplete; try the next sheet
			}
		}
	}
	if bestMatched >= 2 { // one match may be a title such as "Nama Desa: ..."
		return header{}, nil, missingColumns(best.missing(), best.row, bestSheet, len(sheets) > 1)
	}
	return header{}, nil, fmt.Errorf("baris judul kolom tidak ditemukan dalam %d baris pertama; baris judul harus memuat kolom %s",
		headerScanRows, requiredList())
}

func missingColumns(missing []field, row int, sheetName string, named bool) error {
	names := make([]string, len(missing))
	for i, f := range missing {
		names[i] = fmt.Sprintf("%q (atau %s)", fields[f].label, fields[f].names[0])
	}
	where := fmt.Sprintf("baris judul (baris %d)", row)
	if named {
		where = fmt.Sprintf("baris judul lembar %q (baris %d)", sheetName, row)
	}
	return fmt.Errorf("kolom wajib tidak ada di %s: %s", where, strings.Join(names, ", "))
}

func requiredList() string {
	var names []string
	for f := field(0); f < numFields; f++ {
		if fields[f].required {
			names = append(names, fields[f].label)
		}
	}
	return strings.Join(names, ", ")
}

// rowStatus says what became of a row.
type rowStatus int

const (
	rowOK      rowStatus = iota // a record
	rowProblem                  // problems, no record
	rowEmpty                    // nothing in the known columns; skipped
	rowEnd                      // OpenSID's end marker: stop reading
)

// rowParser turns data rows into records and problems and remembers what
// earlier rows said, for duplicate checks.
type rowParser struct {
	h        header
	now      time.Time
	date1904 bool
	byKey    map[string]field
	nikRow   map[string]int // first row of each NIK
	headRow  map[string]int // row of each No. KK's Kepala Keluarga
	lastRow  int
}

func newRowParser(h header, now time.Time, date1904 bool) *rowParser {
	p := &rowParser{h: h, now: now, date1904: date1904, byKey: map[string]field{},
		nikRow: map[string]int{}, headRow: map[string]int{}, lastRow: h.row}
	for f := field(0); f < numFields; f++ {
		p.byKey[fields[f].key] = f
	}
	return p
}

// enumFields are parsed with parseEnum, into these resident fields.
var enumFields = []field{fSex, fReligion, fMarital, fRelation, fEducation, fOccupation, fCitizenship, fBloodType, fLifeStatus}

func (p *rowParser) parse(r row) (surat.ImportRecord, []surat.RowError, rowStatus) {
	p.lastRow = r.num
	get := func(f field) cell {
		if i := p.h.col[f]; i >= 0 && i < len(r.cells) {
			return r.cells[i]
		}
		return cell{}
	}
	if cleanText(get(fDusun).text) == "###" {
		return surat.ImportRecord{}, nil, rowEnd
	}
	empty := true
	for f := field(0); f < numFields && empty; f++ {
		empty = cleanText(get(f).text) == ""
	}
	if empty {
		return surat.ImportRecord{}, nil, rowEmpty
	}

	var probs []surat.RowError
	var reported [numFields]bool
	add := func(f field, reason string) {
		if reported[f] {
			return
		}
		reported[f] = true
		probs = append(probs, surat.RowError{Row: r.num, Column: p.h.title(f), Reason: reason})
	}

	var res surat.Resident
	var hh surat.Household
	nik, msg := parseNumber16(get(fNIK), "NIK")
	if msg != "" {
		add(fNIK, msg)
	} else if strings.HasPrefix(nik, "0") {
		add(fNIK, "NIK sementara (diawali 0) tidak dapat diimpor; isi NIK 16 digit sesuai KK")
	}
	res.NIK = nik
	kk, msg := parseNumber16(get(fNoKK), "Nomor KK")
	if msg != "" {
		add(fNoKK, msg)
	}
	hh.NoKK = kk

	ids := map[field]*int{
		fSex: &res.Sex, fReligion: &res.Religion, fMarital: &res.MaritalStatus, fRelation: &res.Relation,
		fEducation: &res.Education, fOccupation: &res.Occupation, fCitizenship: &res.Citizenship,
		fBloodType: &res.BloodType, fLifeStatus: &res.LifeStatus,
	}
	for _, f := range enumFields {
		id, msg := parseEnum(fields[f].enum, get(f), fields[f].label)
		if msg != "" {
			add(f, msg)
		}
		*ids[f] = id
	}
	if res.Citizenship == 0 && !reported[fCitizenship] {
		res.Citizenship = surat.CitizenWNI
	}
	if res.LifeStatus == 0 && !reported[fLifeStatus] {
		res.LifeStatus = surat.LifeAlive
	}
	if d, msg := parseDate(get(fBirthDate), p.date1904, "Tanggal lahir"); msg != "" {
		add(fBirthDate, msg)
	} else {
		res.BirthDate = d
	}
	res.Name = collapseSpaces(cleanText(get(fName).text))
	res.BirthPlace = collapseSpaces(cleanText(get(fBirthPlace).text))
	res.FatherName = collapseSpaces(cleanText(get(fFatherName).text))
	res.MotherName = collapseSpaces(cleanText(get(fMotherName).text))
	res.Phone = cleanPhone(get(fPhone))
	hh.Address = collapseSpaces(cleanText(get(fAddress).text))
	hh.RT = cleanArea(get(fRT).text)
	hh.RW = cleanArea(get(fRW).text)
	hh.Dusun = cleanDusun(get(fDusun).text)

	// The register's own rules, reported under this file's column names.
	for _, err := range []error{res.Validate(p.now), hh.Validate()} {
		fe, _ := surat.FieldErrors(err)
		keys := make([]field, 0, len(fe))
		for k := range fe {
			if f, ok := p.byKey[k]; ok {
				keys = append(keys, f)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, f := range keys {
			add(f, fe[fields[f].key])
		}
	}

	if !reported[fNIK] {
		if first, ok := p.nikRow[nik]; ok {
			add(fNIK, fmt.Sprintf("NIK %s sudah dipakai di baris %d", nik, first))
		} else {
			p.nikRow[nik] = r.num
		}
	}
	if res.Relation == surat.RelationHead && !reported[fNoKK] && kk != "" {
		if first, ok := p.headRow[kk]; ok {
			add(fRelation, fmt.Sprintf("No. KK %s sudah punya Kepala Keluarga di baris %d", kk, first))
		} else {
			p.headRow[kk] = r.num
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return p.colOf(probs[i].Column) < p.colOf(probs[j].Column) })
	if len(probs) > 0 {
		return surat.ImportRecord{}, probs, rowProblem
	}
	return surat.ImportRecord{Row: r.num, Resident: res, Household: hh}, nil, rowOK
}

// colOf orders a row's problems left to right as the columns stand.
func (p *rowParser) colOf(title string) int {
	for i, t := range p.h.titles {
		if t == title {
			return i
		}
	}
	return len(p.h.titles)
}
