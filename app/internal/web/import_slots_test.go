package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const slotsImportHeader = "nik,nama,no_kk,tempat_lahir,tanggal_lahir,jenis_kelamin,agama,status_kawin,hubungan_keluarga,alamat,rt,rw,dusun\n"

// importFile is a valid resident file of one resident whose NIK ends in n.
func importFile(n int) []byte {
	return []byte(slotsImportHeader + "35051215018" + strconv.Itoa(10000+n) + ",Budi Santoso " + strconv.Itoa(n) +
		",35051201010800" + strconv.Itoa(10+n%90) + ",Blitar,1980-01-15,1,1,2,1,Jl. Melati 3,001,002,Krajan\n")
}

// waitImport polls a job's status until it is done and returns it.
func waitImport(t *testing.T, br *browser, job string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		st := br.get(job + "/status")
		if strings.Contains(st.Body, `"done":true`) {
			return st.Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s did not finish: %s", job, st.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestImportLimits: a process parses and imports at most two resident
// files at once, and an upload that finds no slot in time is turned away
// as busy instead of adding its file's memory; a village keeps at most five
// checked uploads waiting, however many are sent at once; and a village
// runs one import at a time, unless the running one died with its process.
func TestImportLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		e.srv.importSlotWait = 200 * time.Millisecond
		br := e.browser()
		br.login("operator")
		tok := br.csrf("/penduduk/impor")
		api := e.token("operator")

		// Both slots busy (two imports in progress elsewhere in the process).
		for range maxConcurrentImports {
			e.srv.importSlots <- struct{}{}
		}
		free := func() {
			for range maxConcurrentImports {
				<-e.srv.importSlots
			}
		}
		start := time.Now()
		r := br.upload("/penduduk/impor", tok, "data.csv", importFile(1))
		if r.Code != http.StatusServiceUnavailable || !strings.Contains(r.Body, "sedang mengimpor berkas penduduk lain") ||
			r.Header.Get("Retry-After") == "" || time.Since(start) > 20*time.Second {
			t.Errorf("upload with the slots busy = %d, Retry-After %q, after %v", r.Code, r.Header.Get("Retry-After"), time.Since(start))
		}
		if code, eb, _ := e.upload("/api/v1/residents/import?dry_run=1", api, "data.csv", importFile(1)); code != http.StatusServiceUnavailable || eb.Error != "server_busy" {
			t.Errorf("API import with the slots busy = %d %+v", code, eb)
		}
		free()

		// Eight uploads at once: all checked, five kept (the newest).
		var mu sync.Mutex
		var jobs []int
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := br.upload("/penduduk/impor", tok, "data.csv", importFile(i))
				if r.Code != http.StatusSeeOther {
					t.Errorf("upload %d = %d", i, r.Code)
					return
				}
				id, err := strconv.Atoi(strings.TrimPrefix(r.Header.Get("Location"), "/penduduk/impor/"))
				if err != nil {
					t.Errorf("upload %d went to %q", i, r.Header.Get("Location"))
					return
				}
				mu.Lock()
				jobs = append(jobs, id)
				mu.Unlock()
			}()
		}
		wg.Wait()
		sort.Ints(jobs)
		var kept []int
		for _, id := range jobs {
			switch code := br.get("/penduduk/impor/" + strconv.Itoa(id)).Code; code {
			case http.StatusOK:
				kept = append(kept, id)
			case http.StatusNotFound:
			default:
				t.Errorf("job %d = %d", id, code)
			}
		}
		if len(jobs) != 8 || len(kept) != 5 || kept[0] != jobs[3] {
			t.Fatalf("jobs %v, kept %v; want the newest %d", jobs, kept, 5)
		}

		// One import at a time per village: the first waits for a slot
		// (held here), so it stays running, and the second is refused.
		for range maxConcurrentImports {
			e.srv.importSlots <- struct{}{}
		}
		first, second := "/penduduk/impor/"+strconv.Itoa(kept[3]), "/penduduk/impor/"+strconv.Itoa(kept[4])
		run := url.Values{csrfField: {tok}}
		if r := br.post(first+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run first = %d", r.Code)
		}
		r = br.post(second+"/jalankan", run)
		if r.Code != http.StatusConflict || !strings.Contains(textByID(t, r.Body, "import-error"), "sedang berjalan") {
			t.Fatalf("run second while the first runs = %d %q", r.Code, textByID(t, r.Body, "import-error"))
		}
		if st := br.get(second + "/status"); !strings.Contains(st.Body, `"status":"siap"`) {
			t.Errorf("refused job changed: %s", st.Body)
		}
		free()
		if st := waitImport(t, br, first); !strings.Contains(st, `"status":"selesai"`) {
			t.Fatalf("first import: %s", st)
		}
		if r := br.post(second+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run second after the first = %d", r.Code)
		}
		if st := waitImport(t, br, second); !strings.Contains(st, `"status":"selesai"`) {
			t.Fatalf("second import: %s", st)
		}

		// A job left running by a process that died does not block the
		// village once it is stale.
		for range maxConcurrentImports {
			e.srv.importSlots <- struct{}{}
		}
		third := "/penduduk/impor/" + strconv.Itoa(kept[2])
		if r := br.post(third+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run third = %d", r.Code)
		}
		e.clock.Advance(importStale + time.Minute)
		fourth := "/penduduk/impor/" + strconv.Itoa(kept[1])
		if r := br.post(fourth+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run after the running job went stale = %d %q", r.Code, textByID(t, r.Body, "import-error"))
		}
		free()
		waitImport(t, br, fourth)
		waitImport(t, br, third)
	})
}

// TestImportStopsWithTheServer: a confirmed import still waiting or
// running when the server closes (a rolling deploy's SIGTERM) is rolled
// back and its job ended as stopped, before the store closes.
func TestImportStopsWithTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		br := e.browser()
		br.login("operator")
		tok := br.csrf("/penduduk/impor")
		run := url.Values{csrfField: {tok}}

		r := br.upload("/penduduk/impor", tok, "data.csv", importFile(1))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d", r.Code)
		}
		job := r.Header.Get("Location")
		for range maxConcurrentImports {
			e.srv.importSlots <- struct{}{} // the import waits for a slot
		}
		if r := br.post(job+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run = %d", r.Code)
		}
		closed := make(chan struct{})
		go func() { e.srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return while an import waited")
		}
		st := br.get(job + "/status")
		if !strings.Contains(st.Body, `"status":"gagal"`) || !strings.Contains(st.Body, "server dimatikan") {
			t.Errorf("job after Close: %s", st.Body)
		}
		if n, _ := e.st.CountResidents(t.Context(), v.ID, 0); n != 0 {
			t.Errorf("%d residents after the stopped import", n)
		}
	})
}
