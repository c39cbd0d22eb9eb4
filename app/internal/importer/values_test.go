package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestNormHeader(t *testing.T) {
	idx := headerIndex()
	tests := []struct {
		header string
		want   field
	}{
		{"nik", fNIK}, {"NIK*", fNIK}, {"No. KK", fNoKK}, {"no_kk", fNoKK}, {"NOMOR KK", fNoKK},
		{"Tanggal Lahir (DD-MM-YYYY)", fBirthDate}, {"tanggallahir", fBirthDate}, {"Tgl. Lahir", fBirthDate},
		{"Jenis Kelamin (L/P)", fSex}, {"sex", fSex}, {"agama_id", fReligion}, {"Agama", fReligion},
		{"Hubungan dalam Keluarga/SHDK", fRelation}, {"kk_level", fRelation}, {"SHDK", fRelation},
		{"Status Perkawinan", fMarital}, {"status_kawin", fMarital}, {"pendidikan_kk_id", fEducation},
		{"Golongan Darah", fBloodType}, {"warganegara_id", fCitizenship}, {"No. HP", fPhone},
		{"status_dasar", fLifeStatus}, {"Nama Ayah", fFatherName}, {"nama_ibu", fMotherName},
	}
	for _, tt := range tests {
		if got, ok := idx[normHeader(tt.header)]; !ok || got.f != tt.want {
			t.Errorf("%q: got %v (%v), want %v", tt.header, got.f, ok, tt.want)
		}
	}
	for _, h := range []string{"pendidikan_sedang_id", "ayah_nik", "alamat_sekarang", "akta_lahir", "No"} {
		if a, ok := idx[normHeader(h)]; ok {
			t.Errorf("%q should be ignored, maps to %v", h, a.f)
		}
	}
}

func TestStatusColumn(t *testing.T) {
	idx := headerIndex()
	cells := func(titles ...string) row {
		r := row{num: 1}
		for _, s := range titles {
			r.cells = append(r.cells, cell{text: s})
		}
		return r
	}
	// Alone, "Status" is the status dasar of a friendly file...
	h, _, _ := mapHeader(cells("NIK", "Nama", "Status"), idx)
	if h.col[fLifeStatus] != 2 {
		t.Errorf("Status alone: column %d", h.col[fLifeStatus])
	}
	// ...but next to status_dasar it is OpenSID's TETAP/TIDAK TETAP,
	h, _, dup := mapHeader(cells("nik", "nama", "status", "status_dasar"), idx)
	if h.col[fLifeStatus] != 3 || dup != "" {
		t.Errorf("status with status_dasar: column %d, dup %q", h.col[fLifeStatus], dup)
	}
	// and so it is in any file with OpenSID's id columns.
	h, _, _ = mapHeader(cells("nik", "nama", "kk_level", "status"), idx)
	if h.col[fLifeStatus] != -1 {
		t.Errorf("status in an OpenSID file: column %d, want ignored", h.col[fLifeStatus])
	}
	// Two names for one field: OpenSID's id column wins, whatever the order.
	h, _, dup = mapHeader(cells("agama", "nik", "agama_id"), idx)
	if h.col[fReligion] != 2 || dup != "" {
		t.Errorf("agama and agama_id: column %d, dup %q", h.col[fReligion], dup)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		c    cell
		want string // "" for an error
	}{
		{cell{text: "1980-01-15"}, "1980-01-15"},
		{cell{text: "1980-1-5"}, "1980-01-05"},
		{cell{text: "15-01-1980"}, "1980-01-15"},
		{cell{text: "5-1-1980"}, "1980-01-05"},
		{cell{text: "15/01/1980"}, "1980-01-15"},
		{cell{text: "15.01.1980"}, "1980-01-15"},
		{cell{text: "1980/01/15"}, "1980-01-15"},
		{cell{text: "1980-01-15 00:00:00"}, "1980-01-15"},
		{cell{text: "1980-01-15T00:00:00Z", date: true}, "1980-01-15"},
		{cell{text: "17 Agustus 1945"}, "1945-08-17"},
		{cell{text: "1 Jan. 2001"}, "2001-01-01"},
		{cell{text: "29235", numeric: true, date: true}, "1980-01-15"},
		{cell{text: "29235.75", numeric: true}, "1980-01-15"},
		{cell{text: "59", numeric: true}, "1900-02-28"},
		{cell{text: "61", numeric: true}, "1900-03-01"},
		{cell{text: "60", numeric: true}, ""}, // Excel's 29 February 1900
		{cell{text: "01/15/1980"}, ""},        // month first
		{cell{text: "15-01-80"}, ""},          // two-digit year
		{cell{text: "31-02-1980"}, ""},
		{cell{text: "kemarin"}, ""},
		{cell{text: "19800115", numeric: true}, ""},
		{cell{text: "30 Februari 1980"}, ""},
	}
	for _, tt := range tests {
		got, msg := parseDate(tt.c, false, "Tanggal lahir")
		if tt.want == "" {
			if msg == "" {
				t.Errorf("%+v: accepted as %s", tt.c, got.Format("2006-01-02"))
			}
			continue
		}
		if msg != "" || got.Format("2006-01-02") != tt.want || got.Location() != time.UTC {
			t.Errorf("%+v: got %s %q, want %s", tt.c, got, msg, tt.want)
		}
	}
	if got, _ := parseDate(cell{text: "27759", numeric: true}, true, "x"); got.Format("2006-01-02") != "1980-01-01" {
		t.Errorf("1904 date system: got %s", got)
	}
}

func TestParseEnum(t *testing.T) {
	tests := []struct {
		e    *surat.Enum
		in   string
		want int // -1 for an error
	}{
		{&surat.Sex, "1", 1}, {&surat.Sex, "LAKI-LAKI", 1}, {&surat.Sex, "l", 1}, {&surat.Sex, "Pr", 2}, {&surat.Sex, "3", -1},
		{&surat.Religion, "Katolik", 3}, {&surat.Religion, "Buddha", 5}, {&surat.Religion, "7", 7}, {&surat.Religion, "0", -1},
		{&surat.Education, "SLTA/SEDERAJAT", 5}, {&surat.Education, "tidak / belum sekolah", 1}, {&surat.Education, "Strata-II", 9},
		{&surat.Occupation, "petani/pekebun", 9}, {&surat.Occupation, "89", 89}, {&surat.Occupation, "90", -1},
		{&surat.MaritalStatus, "CH", 3}, {&surat.MaritalStatus, "kawin tercatat", 2},
		{&surat.FamilyRelation, "Kepala Keluarga", 1}, {&surat.FamilyRelation, "orang tua", 7},
		{&surat.BloodType, "AB+", 9}, {&surat.BloodType, "-", 0}, {&surat.BloodType, "Z", -1},
		{&surat.LifeStatus, "PINDAH DALAM NEGERI", 3}, {&surat.LifeStatus, "5", -1}, {&surat.LifeStatus, "", 0},
	}
	for _, tt := range tests {
		got, msg := parseEnum(tt.e, cell{text: tt.in}, tt.e.Title)
		if tt.want < 0 {
			if msg == "" {
				t.Errorf("%s %q: accepted as %d", tt.e.Name, tt.in, got)
			}
			continue
		}
		if got != tt.want || msg != "" {
			t.Errorf("%s %q: got %d %q, want %d", tt.e.Name, tt.in, got, msg, tt.want)
		}
	}
}

func TestParseNumber16(t *testing.T) {
	tests := []struct {
		c        cell
		want     string
		lostMsg  bool
		anyError bool
	}{
		{c: cell{text: "3505121501800001"}, want: "3505121501800001"},
		{c: cell{text: " '3505121501800001 "}, want: "3505121501800001"},
		{c: cell{text: "3505 1215 0180 0001"}, want: "3505121501800001"},
		{c: cell{text: "3505121501800010"}, want: "3505121501800010"},
		{c: cell{text: "3505121501800001", numeric: true}, want: "3505121501800001"},
		{c: cell{text: "3505121501800000", numeric: true}, lostMsg: true},
		{c: cell{text: "3.5051215018E+15", numeric: true}, lostMsg: true},
		{c: cell{text: "3.50512E+15"}, lostMsg: true},
		{c: cell{text: "3,50512E+15"}, lostMsg: true},
		{c: cell{text: "350512150180", numeric: true}, anyError: true},
	}
	for _, tt := range tests {
		got, msg := parseNumber16(tt.c, "NIK")
		switch {
		case tt.lostMsg:
			if !strings.Contains(msg, "digit terakhir hilang") {
				t.Errorf("%+v: got %q %q, want the lost-digit message", tt.c, got, msg)
			}
		case tt.anyError:
			if msg == "" {
				t.Errorf("%+v: accepted %q", tt.c, got)
			}
		default:
			if got != tt.want || msg != "" {
				t.Errorf("%+v: got %q %q, want %q", tt.c, got, msg, tt.want)
			}
		}
	}
}

func TestIsDateFormat(t *testing.T) {
	for code, want := range map[string]bool{
		"dd/mm/yyyy": true, "[$-421]dd mmmm yyyy;@": true, "d-mmm-yy": true, "yyyy-mm-dd hh:mm": true,
		"0": false, "@": false, "#,##0.00": false, `"Rp"#,##0`: false, "[Red]0.00": false, `0" hari"`: false,
	} {
		if got := isDateFormat(code); got != want {
			t.Errorf("%q: got %v, want %v", code, got, want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	if got := decodeText([]byte("\xEF\xBB\xBFnik;nama")); string(got) != "nik;nama" {
		t.Errorf("UTF-8 BOM: %q", got)
	}
	if got := decodeText([]byte("Andr\xe9 \x93Ucok\x94")); string(got) != "André “Ucok”" {
		t.Errorf("Windows-1252: %q", got)
	}
	if got := decodeText([]byte("\xFF\xFEn\x00i\x00k\x00")); string(got) != "nik" {
		t.Errorf("UTF-16LE: %q", got)
	}
	for text, want := range map[string]rune{
		"nik,nama,no_kk\n":                  ',',
		"nik;nama;no_kk\n1;\"a,b,c,d\";2\n": ';',
		"DATA PENDUDUK\nnik\tnama\tno_kk\n": '\t',
	} {
		if got := sniffDelimiter([]byte(text)); got != want {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

func TestColumnIndex(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "Z9": 25, "AA10": 26, "ab3": 27, "XFD1": 16383, "1": -1, "XFE1": -1} {
		if got := columnIndex(ref); got != want {
			t.Errorf("%s: got %d, want %d", ref, got, want)
		}
	}
}

// TestXLSXInlineStrings reads a workbook written by excelize's stream writer,
// which stores text as inline strings rather than shared strings.
func TestXLSXInlineStrings(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"NIK", "Nama"})
	sw.SetRow("A3", []any{"3505121501800001", "Budi & Ani <3"})
	sw.Flush()
	var b bytes.Buffer
	f.Write(&b)
	rows := readAll(t, b.Bytes())
	if len(rows) != 2 || rows[1].num != 3 || rows[1].cells[0].text != "3505121501800001" ||
		rows[1].cells[0].numeric || rows[1].cells[1].text != "Budi & Ani <3" {
		t.Errorf("rows %+v", rows)
	}
}

// TestXLSXPrefixedNamespaces reads a minimal workbook whose parts use an
// "x:" namespace prefix and no cell references, as some .NET libraries
// write them, with a rich-text shared string carrying a phonetic hint.
func TestXLSXPrefixedNamespaces(t *testing.T) {
	const ns = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0"?><x:workbook ` + ns + `><x:sheets><x:sheet name="Data" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/data.xml"/>` +
			`<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/></Relationships>`,
		"xl/strings.xml": `<?xml version="1.0"?><x:sst ` + ns + `><x:si><x:t>NIK</x:t></x:si>` +
			`<x:si><x:r><x:t>Bu</x:t></x:r><x:r><x:t>di</x:t></x:r><x:rPh><x:t>ぶ</x:t></x:rPh></x:si></x:sst>`,
		"xl/sheets/data.xml": `<?xml version="1.0"?><x:worksheet ` + ns + `><x:sheetData>` +
			`<x:row><x:c t="s"><x:v>0</x:v></x:c></x:row>` +
			`<x:row><x:c><x:v>3505121501800001</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>NIK</x:v></x:c></x:row>` +
			`</x:sheetData></x:worksheet>`,
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range parts {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	rows := readAll(t, b.Bytes())
	if len(rows) != 2 || rows[1].num != 2 || len(rows[1].cells) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	if c := rows[1].cells; c[0].text != "3505121501800001" || !c[0].numeric || c[1].text != "Budi" || c[2].text != "NIK" {
		t.Errorf("cells %+v", c)
	}
}

func readAll(t *testing.T, data []byte) []row {
	t.Helper()
	zr, err := zipReader(data)
	if err != nil {
		t.Fatal(err)
	}
	if !isXLSX(zr) {
		t.Fatal("not recognised as XLSX")
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := wb.openSheet(wb.sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	defer sr.close()
	var rows []row
	for {
		r, ok, err := sr.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return rows
		}
		rows = append(rows, r)
	}
}

// TestZipBomb: a part that expands beyond maxUnzipped is refused, not read.
func TestZipBomb(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zeros := make([]byte, 1<<20)
	for i := 0; i < maxUnzipped>>20+1; i++ {
		w.Write(zeros)
	}
	zw.Close()
	if b.Len() > MaxFileSize {
		t.Fatalf("bomb of %d bytes is over the file limit itself", b.Len())
	}
	zr, _ := zipReader(b.Bytes())
	if _, err := openPartMax(zr.File[2], maxUnzipped); err != errUnzippedTooLarge {
		t.Errorf("got %v, want errUnzippedTooLarge", err)
	}
}

// TestCSVRowNumbers: rows are numbered as a spreadsheet shows them, so a
// blank line counts and a line break inside a quoted cell does not. The
// header decides the separator, not the line with the most semicolons.
func TestCSVRowNumbers(t *testing.T) {
	src, err := newCSVSource([]byte("nik,nama\r\n\r\n\"1\",\"Jl. Melati\r\nGang 2\"\r\n;;\r\n2,b\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for {
		r, ok, err := src.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, r.num)
	}
	if want := []int{1, 3, 4, 5}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got rows %v, want %v", got, want)
	}
}
