// Package importertest writes resident files for tests, benchmarks and the
// memory measurement of scripts/import-rss: a valid register of any size and
// the hostile files the importer must refuse cheaply. It writes the zip XML
// directly, so a file of hundreds of thousands of rows takes a second.
package importertest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// header is the header row of the generated files: every column the
// importer requires.
var header = []string{"NIK", "Nama", "No. KK", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir",
	"Agama", "Status Perkawinan", "Hubungan dalam Keluarga", "Alamat", "RT", "RW", "Dusun"}

// ValidRow returns row i (0-based) of a valid register: every resident is
// the head of a household of their own, with a unique NIK and No. KK that
// agree with the birth date, for any i below 160,000.
func ValidRow(i int) []string {
	region := fmt.Sprintf("3505%02d", 10+i/9999)
	nik := fmt.Sprintf("%s170580%04d", region, 1+i%9999)
	kk := fmt.Sprintf("35051201%08d", i+1)
	names := []string{"Budi Santoso", "Agus Wibowo", "Slamet Susanto", "Joko Purnomo", "Bambang Setiawan"}
	return []string{nik, names[i%len(names)], kk, "L", "Blitar", "17-05-1980", "ISLAM", "KAWIN",
		"KEPALA KELUARGA", fmt.Sprintf("Jl. Melati No. %d", 1+i%90), fmt.Sprintf("%03d", 1+i%12),
		fmt.Sprintf("%03d", 1+i%6), "Krajan"}
}

// ValidXLSX is a workbook of n valid residents (see ValidRow), written as
// inline strings.
func ValidXLSX(n int) []byte {
	return workbook(func(w io.Writer) {
		writeInlineRow(w, 1, header)
		for i := 0; i < n; i++ {
			writeInlineRow(w, i+2, ValidRow(i))
		}
	}, nil)
}

// ValidCSV is the CSV twin of ValidXLSX.
func ValidCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(header, ",") + "\n")
	for i := 0; i < n; i++ {
		b.WriteString(strings.Join(ValidRow(i), ",") + "\n")
	}
	return b.Bytes()
}

// HostileXLSX is the attack of issue 12: a header row and then rows rows
// of a single cell that points to the one shared string, about 100 KB
// zipped for 700,000 rows and 22 MB unzipped. Each such row has every
// required field missing.
func HostileXLSX(rows int) []byte {
	return workbook(func(w io.Writer) {
		writeInlineRow(w, 1, header)
		for r := 0; r < rows; r++ {
			io.WriteString(w, `<row><c t="s"><v>0</v></c></row>`)
		}
	}, []string{"xxxxxxxxxx"})
}

// GarbageCSV is a CSV of about size bytes: a valid header and then lines of
// random printable garbage, each a row with a problem in every required
// column.
func GarbageCSV(size int) []byte {
	rng := rand.New(rand.NewPCG(12, 12))
	var b bytes.Buffer
	b.WriteString(strings.Join(header, ",") + "\n")
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ;:!?"
	for b.Len() < size {
		for c := 0; c < len(header); c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			for k := 0; k < 10+rng.IntN(16); k++ {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// HostileCSV is the CSV twin of HostileXLSX: a header and rows lines of
// one short cell.
func HostileCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(header, ",") + "\n")
	for i := 0; i < rows; i++ {
		b.WriteString("x\n")
	}
	return b.Bytes()
}

// ZipBombXLSX is a workbook whose worksheet claims (in the zip directory)
// and holds unzipped bytes of spaces inside its sheetData: a few hundred KB
// zipped for hundreds of MB.
func ZipBombXLSX(unzipped int) []byte {
	return workbook(func(w io.Writer) {
		writeInlineRow(w, 1, header)
		chunk := bytes.Repeat([]byte("<x/>      "), 1<<14)
		for n := 0; n < unzipped; n += len(chunk) {
			w.Write(chunk)
		}
	}, nil)
}

func writeInlineRow(w io.Writer, r int, cells []string) {
	fmt.Fprintf(w, `<row r="%d">`, r)
	for c, v := range cells {
		fmt.Fprintf(w, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, string(rune('A'+c)), r, xmlEscape(v))
	}
	io.WriteString(w, "</row>")
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ManySheetsXLSX is a workbook whose workbook part lists listed sheets
// over parts distinct worksheet parts (sheet i is part i mod parts), each
// holding the sheetData body writes: a few KB that name 100,000 sheets, or
// a few parts of empty rows listed many times.
func ManySheetsXLSX(listed, parts int, body func(io.Writer)) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, content string) {
		w, _ := zw.Create(name)
		io.WriteString(w, content)
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i := 0; i < listed; i++ {
		fmt.Fprintf(&wb, `<sheet name="S%d" sheetId="%d" r:id="rId%d"/>`, i+1, i+1, i%parts+1)
	}
	wb.WriteString(`</sheets></workbook>`)
	put("xl/workbook.xml", wb.String())
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 0; i < parts; i++ {
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	rels.WriteString(`</Relationships>`)
	put("xl/_rels/workbook.xml.rels", rels.String())
	for i := 0; i < parts; i++ {
		w, _ := zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		body(w)
		io.WriteString(w, `</sheetData></worksheet>`)
	}
	zw.Close()
	return buf.Bytes()
}

// ValidRows writes the header row and n valid residents as sheetData rows,
// for ManySheetsXLSX.
func ValidRows(n int) func(io.Writer) {
	return func(w io.Writer) {
		writeInlineRow(w, 1, header)
		for i := 0; i < n; i++ {
			writeInlineRow(w, i+2, ValidRow(i))
		}
	}
}

// EmptyRows writes about size bytes of rows without cells, for
// ManySheetsXLSX: a header search reads through all of them.
func EmptyRows(size int) func(io.Writer) {
	return func(w io.Writer) {
		chunk := bytes.Repeat([]byte(`<row r="1"/>`), 1<<14)
		for n := 0; n < size; n += len(chunk) {
			w.Write(chunk)
		}
	}
}

// workbook zips a one-sheet workbook whose sheetData body writes, with the
// given shared strings.
func workbook(body func(io.Writer), shared []string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, content string) {
		w, _ := zw.Create(name)
		io.WriteString(w, content)
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Penduduk" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	var ss strings.Builder
	fmt.Fprintf(&ss, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(shared), len(shared))
	for _, s := range shared {
		fmt.Fprintf(&ss, "<si><t>%s</t></si>", xmlEscape(s))
	}
	ss.WriteString("</sst>")
	put("xl/sharedStrings.xml", ss.String())
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	body(w)
	io.WriteString(w, `</sheetData></worksheet>`)
	zw.Close()
	return buf.Bytes()
}
