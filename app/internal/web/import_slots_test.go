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

	"github.com/suratdesa/suratdesa/app/internal/blob"
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

// TestImportStopsWithTheServer shuts a server down while a confirmed import
// waits for a slot: Close returns, nothing is imported, and the job is
// ready again with its file, so that the clerk starts it on another
// replica with one click instead of uploading the file again. A job whose
// process died (SIGKILL: it stays "running") can be started again once it
// is stale, and not before.
func TestImportStopsWithTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		br := e.browser()
		br.login("operator")
		tok := br.csrf("/penduduk/impor")

		r := br.upload("/penduduk/impor", tok, "data.csv", importFile(1))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d", r.Code)
		}
		job := r.Header.Get("Location")
		for range maxConcurrentImports {
			e.srv.importSlots <- struct{}{} // the import waits for a slot
		}
		if r := br.post(job+"/jalankan", url.Values{csrfField: {tok}}); r.Code != http.StatusSeeOther {
			t.Fatalf("run = %d", r.Code)
		}
		closed := make(chan struct{})
		go func() { e.srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return while an import waited")
		}
		if n, _ := e.st.CountResidents(t.Context(), v.ID, 0); n != 0 {
			t.Errorf("%d residents after the stopped import", n)
		}

		// Another replica on the same database, the same browser session.
		blobs, err := blob.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		rb := replicaOf(t, b, e, blobs)
		br2 := rb.browser()
		br2.c = br.c
		if st := br2.get(job + "/status"); !strings.Contains(st.Body, `"status":"siap"`) {
			t.Errorf("job after Close: %s", st.Body)
		}
		page := br2.get(job)
		for _, want := range []string{"dihentikan karena server dimatikan", "Tekan tombol Impor", `id="run-import"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("job page after Close lacks %q:\n%s", want, page.Body)
			}
		}
		tok2 := br2.csrf(job)
		// runAgain presses Impor on job's page and waits for the import of
		// its one resident; the village then has residents in all.
		runAgain := func(job string, residents int64) {
			t.Helper()
			if r := br2.post(job+"/jalankan", url.Values{csrfField: {tok2}}); r.Code != http.StatusSeeOther {
				t.Fatalf("run %s again = %d", job, r.Code)
			}
			if st := waitImport(t, br2, job); !strings.Contains(st, "1 penduduk baru") {
				t.Fatalf("import %s run again: %s", job, st)
			}
			if n, _ := rb.st.CountResidents(t.Context(), v.ID, 0); n != residents {
				t.Errorf("%d residents after %s ran again, want %d", n, job, residents)
			}
		}
		runAgain(job, 1)

		// A job left running by a process that died.
		r = br2.upload("/penduduk/impor", tok2, "data2.csv", importFile(2))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d", r.Code)
		}
		job2 := r.Header.Get("Location")
		id, err := strconv.ParseInt(job2[strings.LastIndex(job2, "/")+1:], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if err := rb.st.StartImportJob(t.Context(), v.ID, id, e.clock.Now().Add(-importStale)); err != nil {
			t.Fatal(err) // started by a process that then died
		}
		e.clock.Advance(5 * time.Minute)
		if r := br2.post(job2+"/jalankan", url.Values{csrfField: {tok2}}); r.Code != http.StatusSeeOther {
			t.Fatalf("run while running = %d", r.Code)
		}
		if st := br2.get(job2 + "/status"); !strings.Contains(st.Body, `"status":"berjalan"`) {
			t.Fatalf("a running job was started again before it was stale: %s", st.Body)
		}
		e.clock.Advance(importStale)
		if st := br2.get(job2 + "/status"); !strings.Contains(st.Body, `"status":"siap"`) || !strings.Contains(st.Body, "terputus") {
			t.Errorf("stale job: %s", st.Body)
		}
		if page := br2.get(job2); !strings.Contains(page.Body, `id="run-import"`) || !strings.Contains(page.Body, "terputus") {
			t.Errorf("stale job page:\n%s", page.Body)
		}
		runAgain(job2, 2)
	})
}
