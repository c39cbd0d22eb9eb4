package web

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/importer/importertest"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestImportHostileFiles replays the import attacks of issue 12 through the
// router: three operators upload at once the small workbook of 700,000
// one-cell rows (it used to take 2.8 GB each), and a 9.9 MB garbage CSV (it
// used to give a 49 MB page). The workbook is refused with the row limit,
// the CSV with a bounded list of the first problems and their total, on
// the page and in the API.
func TestImportHostileFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		bomb := importertest.HostileXLSX(700_000)
		tok := e.token("operator")
		// Two of the three parse at once and the third waits for a slot:
		// long enough here that it is refused for its rows, not turned
		// away as busy, on a slow machine under the race detector (there
		// two parses took more than importSlotWait). TestImportLimits
		// tests the wait itself.
		e.srv.importSlotWait = 2 * time.Minute

		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, eb, _ := e.upload("/api/v1/residents/import?dry_run=1", tok, "bom.xlsx", bomb)
				if code != http.StatusUnprocessableEntity || !strings.Contains(eb.Fields["file"], "100.000 baris") {
					t.Errorf("API hostile xlsx = %d %+v", code, eb)
				}
			}()
		}
		wg.Wait()

		br := e.browser()
		br.login("operator")
		csrf := br.csrf("/penduduk/impor")
		r := br.upload("/penduduk/impor", csrf, "bom.xlsx", bomb)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "e-file"), "lebih dari 100.000 baris data") {
			t.Fatalf("page hostile xlsx = %d %q", r.Code, textByID(t, r.Body, "e-file"))
		}

		garbage := importertest.GarbageCSV(9_900_000)
		r = br.upload("/penduduk/impor", csrf, "sampah.csv", garbage)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("page garbage csv = %d", r.Code)
		}
		if len(r.Body) > 1<<20 {
			t.Errorf("error page is %d bytes, want under 1 MB", len(r.Body))
		}
		if got := strings.Count(r.Body, "<tr><td>"); got != surat.MaxReportedRows {
			t.Errorf("page lists %d problems, want %d", got, surat.MaxReportedRows)
		}
		if more := textByID(t, r.Body, "import-problems-more"); !strings.Contains(more, "1000 masalah pertama") {
			t.Errorf("page does not say the list is cut: %q", more)
		}

		code, eb, _ := e.upload("/api/v1/residents/import?dry_run=1", tok, "sampah.csv", garbage)
		if code != http.StatusUnprocessableEntity || len(eb.Rows) != surat.MaxReportedRows || eb.RowsTotal <= surat.MaxReportedRows {
			t.Errorf("API garbage csv = %d, %d rows of %d", code, len(eb.Rows), eb.RowsTotal)
		}
		if n, err := e.st.CountResidents(t.Context(), v.ID, 0); err != nil || n != 0 {
			t.Errorf("residents after refused files: %d, %v", n, err)
		}
	})
}
