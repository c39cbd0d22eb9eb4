package importer_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/importer/importertest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestParseRefusesTooManyRows replays the attack of issue 12: a 550 KB
// workbook of 700,000 rows of one shared-string cell used to become 2.8 GB
// of problems. It is refused with the row limit, and no records or
// problems come back.
func TestParseRefusesTooManyRows(t *testing.T) {
	data := importertest.HostileXLSX(700_000)
	if len(data) > 1<<20 {
		t.Fatalf("hostile file is %d bytes, want the small file of the attack", len(data))
	}
	recs, problems, err := importer.Parse(bytes.NewReader(data), "bom.xlsx")
	if !errors.Is(err, importer.ErrTooManyRows) {
		t.Fatalf("err = %v, want ErrTooManyRows", err)
	}
	if recs != nil || problems != nil {
		t.Errorf("got %d records and %d problems with the refusal", len(recs), problems.Count())
	}
	if msg := err.Error(); !strings.Contains(msg, "100.000 baris") || !strings.Contains(msg, "bom.xlsx") {
		t.Errorf("message %q does not name the file and the limit", msg)
	}
}

// TestParseRowLimitBoundary: exactly MaxRows data rows are read, one more
// is refused; the CSV and XLSX readers count alike, also rows whose every
// field is wrong.
func TestParseRowLimitBoundary(t *testing.T) {
	for _, tt := range []struct {
		name string
		file func(int) []byte
	}{
		{"a.xlsx", importertest.HostileXLSX},
		{"a.csv", importertest.HostileCSV},
	} {
		recs, problems, err := importer.Parse(bytes.NewReader(tt.file(importer.MaxRows)), tt.name)
		if err != nil || len(recs) != 0 || len(problems.Rows) != surat.MaxReportedRows || problems.Count() < importer.MaxRows {
			t.Fatalf("%s at the limit: err %v, %d records, %d of %d problems", tt.name, err, len(recs), len(problems.Rows), problems.Count())
		}
		_, _, err = importer.Parse(bytes.NewReader(tt.file(importer.MaxRows+1)), tt.name)
		if !errors.Is(err, importer.ErrTooManyRows) {
			t.Fatalf("%s over the limit: err %v, want ErrTooManyRows", tt.name, err)
		}
	}
}

// TestParseCapsProblems: a 9.9 MB garbage CSV has a problem in every
// column of every row; the first 1,000 are kept, in file order, with the
// total count.
func TestParseCapsProblems(t *testing.T) {
	data := importertest.GarbageCSV(9_900_000)
	recs, problems, err := importer.Parse(bytes.NewReader(data), "sampah.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Errorf("got %d records from garbage", len(recs))
	}
	if got := len(problems.Rows); got != surat.MaxReportedRows {
		t.Errorf("kept %d problems, want %d", got, surat.MaxReportedRows)
	}
	lines := bytes.Count(data, []byte("\n")) - 1
	if problems.Count() < lines {
		t.Errorf("total %d problems, want at least one per row (%d rows)", problems.Count(), lines)
	}
	if first := problems.Rows[0]; first.Row != 2 {
		t.Errorf("first problem on row %d, want 2", first.Row)
	}
}

// TestParseRefusesZipBomb: a worksheet that unzips to more than the part
// limit is refused by its size in the zip directory, before inflating.
func TestParseRefusesZipBomb(t *testing.T) {
	data := importertest.ZipBombXLSX(300 << 20)
	_, _, err := importer.Parse(bytes.NewReader(data), "bom.xlsx")
	if err == nil || !strings.Contains(err.Error(), "terlalu besar setelah diekstrak") {
		t.Fatalf("err = %v, want the unzipped-size refusal", err)
	}
}

// TestParseManySheetsOfOnePart: a workbook that lists 20,000 sheets, all
// the same small part, used to open an inflater and an XML decoder for
// every one of them at once (100,000 of them, 8 KB zipped, took 4.8 GB).
// Now the part is read once and the file imports; a workbook part of
// 100,000 sheets is refused by its size.
func TestParseManySheetsOfOnePart(t *testing.T) {
	data := importertest.ManySheetsXLSX(20_000, 1, importertest.ValidRows(5))
	var recs []surat.ImportRecord
	var err error
	n := importer.HeapGrowth(func() { recs, _, err = importer.Parse(bytes.NewReader(data), "lembar.xlsx") })
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d records, %v; want the 5 residents of the one part", len(recs), err)
	}
	t.Logf("20,000 sheets of one part: %d bytes, %.1f MB allocated", len(data), float64(n)/(1<<20))
	if n > 64<<20 {
		t.Errorf("parsing %d bytes listing 20,000 sheets allocated %d MB, want under 64 MB", len(data), n>>20)
	}

	data = importertest.ManySheetsXLSX(100_000, 1, importertest.ValidRows(5))
	n = importer.HeapGrowth(func() { _, _, err = importer.Parse(bytes.NewReader(data), "lembar.xlsx") })
	if err == nil || !strings.Contains(err.Error(), "terlalu besar setelah diekstrak") {
		t.Errorf("100,000 sheets: %v, want the unzipped-size refusal", err)
	}
	t.Logf("100,000 sheets: %d bytes, %.1f MB allocated", len(data), float64(n)/(1<<20))
	if n > 64<<20 {
		t.Errorf("refusing 100,000 sheets allocated %d MB, want under 64 MB", n>>20)
	}
}

// TestParseSheetsShareTheUnzippedBudget: two sheets of 81 MB of empty rows
// are each under the part limit, but read together for the header they are
// more than maxUnzipped of XML (twenty sheets of 80 MB took two minutes of
// CPU). The sheets share one budget, so the search stops with the size
// refusal rather than reading on and finding no header.
func TestParseSheetsShareTheUnzippedBudget(t *testing.T) {
	data := importertest.ManySheetsXLSX(2, 2, importertest.EmptyRows(81<<20))
	if len(data) > importer.MaxFileSize {
		t.Fatalf("test file of %d bytes is over the file limit", len(data))
	}
	_, _, err := importer.Parse(bytes.NewReader(data), "kosong.xlsx")
	if err == nil || !strings.Contains(err.Error(), "terlalu besar setelah diekstrak") {
		t.Fatalf("err = %v, want the unzipped-size refusal", err)
	}
}
