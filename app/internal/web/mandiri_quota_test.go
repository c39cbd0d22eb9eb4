package web

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestMandiriRequestQuotas replays the resident attack of issue 12 (500 MB
// of disk in 4.4 s): twenty parallel submissions by one resident end with
// the open-request cap, one request's documents stop at the bytes limit,
// and cancelling a request deletes its files.
func TestMandiriRequestQuotas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		tok := e.residentToken(budi.NIK, e.issuePIN("operator", budi.NIK), "583920")

		var wg sync.WaitGroup
		var mu sync.Mutex
		var ids []int64
		limited := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := e.api("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, nil))
				mu.Lock()
				defer mu.Unlock()
				switch rec.Code {
				case http.StatusCreated:
					var r mandiriRequestJSON
					decode(t, rec, &r)
					ids = append(ids, r.ID)
				case http.StatusTooManyRequests, http.StatusConflict:
					limited++
				default:
					t.Errorf("parallel request: %d %s", rec.Code, rec.Body)
				}
			}()
		}
		wg.Wait()
		if max := store.DefaultRequestQuota.MaxOpen; len(ids) != max {
			t.Fatalf("%d requests created in parallel, want the cap %d (%d refused)", len(ids), max, limited)
		}
		var eb errorBody
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, nil), http.StatusTooManyRequests, &eb)
		if eb.Error != "limit_exceeded" || eb.Message == "" {
			t.Errorf("request over the cap: %+v", eb)
		}

		// Documents of one request: 4 MB twice fits, a third passes 10 MB.
		pdf := bigPDF(4 << 20)
		for i := 1; i <= 3; i++ {
			rec := e.uploadAPI(tok, ids[0], map[string][]byte{fmt.Sprintf("ktp%d.pdf", i): pdf})
			want := http.StatusCreated
			if i == 3 {
				want = http.StatusUnprocessableEntity
			}
			if rec.Code != want {
				t.Fatalf("upload %d: %d %s, want %d", i, rec.Code, rec.Body, want)
			}
		}
		files := func() int {
			n := 0
			filepath.WalkDir(filepath.Join(e.storage, "attachments"), func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			return n
		}
		if n := files(); n != 2 {
			t.Fatalf("%d attachment files, want 2 (the refused one is not kept)", n)
		}
		e.call("POST", fmt.Sprintf("/api/v1/mandiri/requests/%d/cancel", ids[0]), tok, nil, http.StatusOK, nil)
		if n := files(); n != 0 {
			t.Errorf("%d attachment files after the cancel, want 0", n)
		}
		// The cancel freed a place under the cap.
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, nil), http.StatusCreated, nil)
	})
}

// bigPDF is a PDF the attachment check accepts, padded to size bytes.
func bigPDF(size int) []byte {
	b := append([]byte{}, tinyPDF[:len(tinyPDF)-6]...)
	b = append(b, bytes.Repeat([]byte("%pad\n"), (size-len(tinyPDF))/5)...)
	return append(b, "%%EOF\n"...)
}
