package importer_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// benchRegister is the 10,000-resident workbook of the benchmarks and the
// number of households in it.
func benchRegister(b *testing.B) ([]byte, int) {
	rows := register(10000)
	kks := map[any]bool{}
	for _, r := range rows[1:] {
		kks[r[5]] = true
	}
	return buildXLSX(b, sheet{name: "Penduduk", rows: rows}), len(kks)
}

// BenchmarkImportXLSX10k times what a clerk waits for when importing a
// village of 10,000 residents in about 2,900 households from XLSX: Parse
// plus store.ImportResidents into a fresh SQLite database.
func BenchmarkImportXLSX10k(b *testing.B) {
	data, households := benchRegister(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := storetest.Open(b, storetest.SQLite, nil)
		v := newVillage(b, st)
		b.StartTimer()

		recs, problems, err := importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		if err != nil || problems.Count() != 0 {
			b.Fatalf("parse: %v, %d problems", err, problems.Count())
		}
		res, err := st.ImportResidents(ctx, clerk, v.ID, recs, false)
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != 10000 || res.HouseholdsCreated != households {
			b.Fatalf("result %+v, want 10000 residents in %d households", res, households)
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "MB/file")
}

// BenchmarkParseXLSX10k is the Parse part of BenchmarkImportXLSX10k alone.
func BenchmarkParseXLSX10k(b *testing.B) {
	data, _ := benchRegister(b)
	for b.Loop() {
		recs, problems, err := importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		if err != nil || problems.Count() != 0 || len(recs) != 10000 {
			b.Fatalf("parse: %v, %d problems, %d records", err, problems.Count(), len(recs))
		}
	}
}
