package importer_test

import (
	"bytes"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/importer/importertest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// checkParse is what must hold for any file: no panic, the limits, and
// only valid records.
func checkParse(t *testing.T, data []byte, name string) {
	recs, problems, err := importer.Parse(bytes.NewReader(data), name)
	if err != nil && (recs != nil || problems != nil) {
		t.Fatalf("refused file with %d records and %d problems", len(recs), problems.Count())
	}
	if len(recs) > importer.MaxRows {
		t.Fatalf("%d records, over MaxRows", len(recs))
	}
	if problems != nil && (len(problems.Rows) > surat.MaxReportedRows || problems.Count() < len(problems.Rows) || problems.Count() == 0) {
		t.Fatalf("problems: %d kept of %d", len(problems.Rows), problems.Count())
	}
	for _, r := range recs {
		if msg := surat.ValidateDigits16(r.Resident.NIK, "NIK"); msg != "" {
			t.Fatalf("row %d accepted with NIK %q: %s", r.Row, r.Resident.NIK, msg)
		}
		if msg := surat.ValidateDigits16(r.Household.NoKK, "No. KK"); msg != "" {
			t.Fatalf("row %d accepted with No. KK %q: %s", r.Row, r.Household.NoKK, msg)
		}
	}
}

// FuzzParseCSV feeds the importer arbitrary text as a .csv file.
//
//	go test -run '^$' -fuzz FuzzParseCSV -fuzztime 1m ./app/internal/importer
func FuzzParseCSV(f *testing.F) {
	f.Add(importertest.ValidCSV(3))
	f.Add(importertest.HostileCSV(3))
	f.Add(importertest.GarbageCSV(2000))
	f.Add([]byte("nik;nama;no_kk\n3505121501800001;Budi;3505120101080001\n"))
	f.Add([]byte("\xFF\xFEn\x00i\x00k\x00,\x00n\x00a\x00m\x00a\x00\n\x00"))
	f.Add([]byte("NIK,Nama,No. KK\n\"3505121501800001,\"Budi\"\"\n,x"))
	f.Add([]byte("DATA PENDUDUK\n\nNIK\tNama\tNo KK\tJK\n1\t2\t3\t4\n"))
	f.Add([]byte("Andr\xe9,\x93Ucok\x94\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data, "fuzz.csv") })
}

// FuzzParseXLSX feeds the importer arbitrary bytes starting from small
// workbooks; most mutations break the zip, which must be refused cleanly.
//
//	go test -run '^$' -fuzz FuzzParseXLSX -fuzztime 1m ./app/internal/importer
func FuzzParseXLSX(f *testing.F) {
	f.Add(importertest.ValidXLSX(2))
	f.Add(importertest.HostileXLSX(3))
	f.Add(importertest.ZipBombXLSX(1 << 10))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data, "fuzz.xlsx") })
}
