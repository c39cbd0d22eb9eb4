package importer

import (
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Warnings returns what the clerk should look at before importing recs but
// what does not stop the import, in row order: a NIK whose date or sex part
// disagrees with the recorded birth date or sex (surat.NIKWarnings; real
// registers hold NIKs issued with such mistakes), and a No. KK none of whose
// rows in the file is the Kepala Keluarga (reported on its first row; the
// head may already be in the register). Column is "NIK" or "Hubungan dalam
// Keluarga". Parse keeps warnings apart from problems because problems block
// an import and warnings do not.
func Warnings(recs []surat.ImportRecord) []surat.RowError {
	var out []surat.RowError
	hasHead := map[string]bool{}
	for _, r := range recs {
		if r.Resident.Relation == surat.RelationHead {
			hasHead[r.Household.NoKK] = true
		}
	}
	warned := map[string]bool{}
	for _, r := range recs {
		for _, w := range surat.NIKWarnings(r.Resident.NIK, r.Resident.BirthDate, r.Resident.Sex) {
			out = append(out, surat.RowError{Row: r.Row, Column: "NIK", Reason: w})
		}
		kk := r.Household.NoKK
		if !hasHead[kk] && !warned[kk] {
			warned[kk] = true
			out = append(out, surat.RowError{Row: r.Row, Column: "Hubungan dalam Keluarga",
				Reason: fmt.Sprintf("Tidak ada Kepala Keluarga untuk No. KK %s di berkas ini", kk)})
		}
	}
	return out
}
