package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestResidentSearchKeepsNIKOutOfURLs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		e.user(v, "kades", surat.RoleSigner)
		target := e.resident(v, "3505121501800001", "Budi Santoso")
		for i := range 60 {
			r := &surat.Resident{NIK: fmt.Sprintf("35051202028%05d", i), Name: fmt.Sprintf("Warga %02d", i), BirthPlace: "Blitar",
				BirthDate: time.Date(1980, 2, 2, 0, 0, 0, 0, time.UTC), Sex: surat.SexMale, Religion: 1, MaritalStatus: 1,
				Relation: 4, LifeStatus: surat.LifeAlive}
			h := &surat.Household{NoKK: "3505120101080009", Dusun: "Ngemplak", RT: "003", RW: "001"}
			if err := e.st.CreateResident(context.Background(), surat.Actor{Username: "test"}, v.ID, r, h); err != nil {
				t.Fatal(err)
			}
		}
		br := e.browser()
		br.login("operator")
		tok := br.csrf("/penduduk")

		r := br.post("/penduduk", url.Values{csrfField: {tok}, "q": {target.NIK}})
		loc := r.Header.Get("Location")
		if r.Code != http.StatusSeeOther || strings.Contains(loc, "350512") || !strings.HasPrefix(loc, "/penduduk?cari=") {
			t.Fatalf("NIK search = %d to %q", r.Code, loc)
		}
		page := br.get(loc)
		if page.Code != 200 || !strings.Contains(textByID(t, page.Body, "residents"), "Budi Santoso") ||
			strings.Contains(textByID(t, page.Body, "residents"), "Warga") {
			t.Fatalf("NIK search page %d: %q", page.Code, textByID(t, page.Body, "residents"))
		}
		if got := attr(t, page.Body, "input", "name", "q", "value"); got != target.NIK {
			t.Errorf("search box = %q, want the NIK kept", got)
		}
		// The key is the user's own: another user gets a fresh search.
		other := e.browser()
		other.login("kades")
		if p := other.get(loc); textByID(t, p.Body, "notice") == "" || attr(t, p.Body, "input", "name", "q", "value") != "" {
			t.Fatal("another user could use the search key")
		}
		// A NIK typed into the URL is moved out of it.
		r = br.get("/penduduk?q=" + target.NIK)
		if r.Code != http.StatusSeeOther || strings.Contains(r.Header.Get("Location"), target.NIK) {
			t.Fatalf("NIK in URL = %d to %q", r.Code, r.Header.Get("Location"))
		}
		if strings.Contains(e.logs.String(), target.NIK) || strings.Contains(e.logs.String(), "3505120101080001") {
			t.Fatal("a NIK or KK reached the log")
		}

		// A name search goes into the URL; paging walks the dusun filter.
		r = br.post("/penduduk", url.Values{csrfField: {tok}, "q": {"warga"}, "dusun": {"Ngemplak"}})
		if loc := r.Header.Get("Location"); loc != "/penduduk?dusun=Ngemplak&q=warga" {
			t.Fatalf("name search to %q", loc)
		}
		seen := map[string]bool{}
		path := "/penduduk?dusun=Ngemplak&q=warga"
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			p := br.get(path)
			if !strings.Contains(textByID(t, p.Body, "result-count"), "60") {
				t.Fatalf("count: %q", textByID(t, p.Body, "result-count"))
			}
			for i := range 60 {
				name := fmt.Sprintf("Warga %02d", i)
				if strings.Contains(textByID(t, p.Body, "residents"), name) {
					seen[name] = true
				}
			}
			path = attr(t, p.Body, "a", "id", "next", "href")
		}
		if len(seen) != 60 {
			t.Fatalf("paging showed %d of 60", len(seen))
		}
	})
}

func TestResidentExitAndHouseholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		ctx := context.Background()
		head := e.resident(v, "3505121501800001", "Budi Santoso")
		child := &surat.Resident{NIK: "3505124203100002", Name: "Sari Santoso", BirthPlace: "Blitar",
			BirthDate: time.Date(2010, 3, 2, 0, 0, 0, 0, time.UTC), Sex: surat.SexFemale, Religion: 1, MaritalStatus: 1,
			Relation: 4, LifeStatus: surat.LifeAlive}
		if err := e.st.CreateResident(ctx, surat.Actor{Username: "test"}, v.ID, child,
			&surat.Household{NoKK: "3505120101080001"}); err != nil {
			t.Fatal(err)
		}
		br := e.browser()
		br.login("operator")
		detail := fmt.Sprintf("/penduduk/%d", head.ID)
		tok := br.csrf(detail)

		// Bad input keeps what was typed and changes nothing.
		r := br.post(detail+"/pindah", url.Values{csrfField: {tok}, "version": {"1"}, "tanggal": {"2030-01-01"},
			"tujuan": {"Kota Malang"}, "keterangan": {""}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-tanggal") == "" ||
			textByID(t, r.Body, "e-keterangan") == "" {
			t.Fatalf("bad move = %d", r.Code)
		}
		if got := attr(t, r.Body, "input", "name", "tujuan", "value"); got != "Kota Malang" {
			t.Fatalf("destination kept = %q", got)
		}
		// A stale version is told.
		r = br.post(detail+"/meninggal", url.Values{csrfField: {tok}, "version": {"7"}, "tanggal": {"2026-11-20"},
			"keterangan": {"sakit"}})
		if r.Code != http.StatusConflict {
			t.Fatalf("stale exit = %d, want 409", r.Code)
		}
		r = br.post(detail+"/meninggal", url.Values{csrfField: {tok}, "version": {"1"}, "tanggal": {"2026-11-20"},
			"keterangan": {"sakit"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("mark dead = %d", r.Code)
		}
		got, _ := e.st.ResidentByID(ctx, v.ID, head.ID)
		if got.LifeStatus != surat.LifeDead || got.CanBeSubject() {
			t.Fatalf("status %d after mark dead", got.LifeStatus)
		}
		evs, err := e.st.ResidentEvents(ctx, v.ID, head.ID)
		if err != nil || len(evs) != 1 || evs[0].Kind != store.EventDeath || evs[0].Reason != "sakit" {
			t.Fatalf("events %+v %v", evs, err)
		}
		if countAudit(t, e.st, v.ID, "resident.mark_dead") != 1 {
			t.Fatalf("audit %v", residentAuditActions(t, e.st, v.ID))
		}
		page := br.get(r.Header.Get("Location"))
		if textByID(t, page.Body, "life-status") != "MATI" || strings.Contains(page.Body, "/meninggal\"") {
			t.Fatalf("detail after death: %q", textByID(t, page.Body, "life-status"))
		}
		// Marking again is refused: the resident is no longer HIDUP.
		if r := br.post(detail+"/pindah", url.Values{csrfField: {tok}, "version": {"2"}, "tanggal": {"2026-11-21"},
			"tujuan": {"Malang"}, "keterangan": {"x"}}); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("move of the dead = %d", r.Code)
		}
		cd := fmt.Sprintf("/penduduk/%d", child.ID)
		if r := br.post(cd+"/pindah", url.Values{csrfField: {tok}, "version": {"1"}, "tanggal": {"2026-11-21"},
			"tujuan": {"Kota Malang"}, "keterangan": {"kuliah"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("move = %d", r.Code)
		}
		if c, _ := e.st.ResidentByID(ctx, v.ID, child.ID); c.LifeStatus != surat.LifeMoved {
			t.Fatalf("child status %d", c.LifeStatus)
		}

		// The household lists both, with SHDK and status.
		hp := br.get(fmt.Sprintf("/keluarga/%d", *head.HouseholdID))
		members := textByID(t, hp.Body, "members")
		for _, want := range []string{"Budi Santoso", "KEPALA KELUARGA", "Sari Santoso", "ANAK", "MATI", "PINDAH"} {
			if !strings.Contains(members, want) {
				t.Errorf("household members lack %q: %q", want, members)
			}
		}
		r = br.post("/keluarga", url.Values{csrfField: {tok}, "q": {"3505120101080001"}})
		if strings.Contains(r.Header.Get("Location"), "3505") {
			t.Fatalf("KK search in URL: %q", r.Header.Get("Location"))
		}
		if list := br.get(r.Header.Get("Location")); !strings.Contains(textByID(t, list.Body, "households"), "Budi Santoso") {
			t.Fatalf("KK search: %q", textByID(t, list.Body, "households"))
		}
		// A household search may be an address: no query text travels in
		// the URL, typed into the form or into the address bar.
		for _, q := range []string{"Budi", "Melati"} {
			r = br.post("/keluarga", url.Values{csrfField: {tok}, "q": {q}})
			loc := r.Header.Get("Location")
			if r.Code != http.StatusSeeOther || strings.Contains(loc, q) || !strings.HasPrefix(loc, "/keluarga?cari=") {
				t.Fatalf("household search %q = %d to %q", q, r.Code, loc)
			}
			if list := br.get(loc); !strings.Contains(textByID(t, list.Body, "households"), "Budi Santoso") {
				t.Errorf("household search %q: %q", q, textByID(t, list.Body, "households"))
			}
			if r := br.get("/keluarga?q=" + q); r.Code != http.StatusSeeOther || strings.Contains(r.Header.Get("Location"), q) {
				t.Errorf("household search %q typed into the URL = %d to %q", q, r.Code, r.Header.Get("Location"))
			}
		}
	})
}

// upload posts a file to the import page with the browser's cookies.
func (b *browser) upload(path, csrf, name string, content []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField(csrfField, csrf); err != nil {
		b.t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func TestImportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		vb := e.village("3505122002", "Kalipang")
		e.user(v, "operator", surat.RoleOperator)
		e.user(vb, "opb", surat.RoleOperator)
		ctx := context.Background()
		existing := e.resident(v, "3505121501800001", "Budi Santoso")
		br := e.browser()
		br.login("operator")
		tok := br.csrf("/penduduk/impor")

		// Not a spreadsheet: 415 with the reason beside the file input.
		r := br.upload("/penduduk/impor", tok, "foto.png", []byte("\x89PNG\r\n\x1a\nxxxxxxxx"))
		if r.Code != http.StatusUnsupportedMediaType || !strings.Contains(textByID(t, r.Body, "e-file"), "gambar PNG") {
			t.Fatalf("png = %d %q", r.Code, textByID(t, r.Body, "e-file"))
		}
		header := "nik,nama,no_kk,tempat_lahir,tanggal_lahir,jenis_kelamin,agama,status_kawin,hubungan_keluarga,alamat,rt,rw,dusun\n"
		bad := header + "3505121501800001,Budi Santoso Baru,3505120101080001,Blitar,1980-01-15,1,1,2,1,Jl. Melati 3,001,002,Krajan\n" +
			"12345,Tanpa NIK,3505120101080001,Blitar,1990-01-01,1,1,1,4,,,,\n"
		r = br.upload("/penduduk/impor", tok, "data.csv", []byte(bad))
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "import-problems"), "3") {
			t.Fatalf("bad rows = %d %q", r.Code, textByID(t, r.Body, "import-problems"))
		}
		if got, _ := e.st.ResidentByID(ctx, v.ID, existing.ID); got.Name != "Budi Santoso" {
			t.Fatal("a rejected file changed data")
		}
		good := header + "3505121501800001,Budi Santoso Baru,3505120101080001,Blitar,1980-01-15,1,1,2,1,Jl. Melati 3,001,002,Krajan\n" +
			"3505124203100002,Sari Santoso,3505120101080001,Blitar,2010-03-02,2,1,1,4,Jl. Melati 3,001,002,Krajan\n"
		r = br.upload("/penduduk/impor", tok, "data.csv", []byte(good))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("good file = %d %s", r.Code, textByID(t, r.Body, "e-file"))
		}
		job := r.Header.Get("Location")
		report := br.get(job)
		if dr := textByID(t, report.Body, "dry-run"); !strings.Contains(dr, "1 penduduk baru") || !strings.Contains(dr, "1 penduduk diperbarui") {
			t.Fatalf("dry run report: %q", dr)
		}
		if n, _ := e.st.CountResidents(ctx, v.ID, 0); n != 1 {
			t.Fatalf("dry run wrote: %d residents", n)
		}
		// Another village's operator cannot see or run the job.
		brb := e.browser()
		brb.login("opb")
		if r := brb.get(job); r.Code != http.StatusNotFound {
			t.Fatalf("job of other village = %d", r.Code)
		}
		if r := brb.post(job+"/jalankan", url.Values{csrfField: {brb.csrf("/penduduk/impor")}}); r.Code != http.StatusNotFound {
			t.Fatalf("run other village's job = %d", r.Code)
		}

		run := url.Values{csrfField: {tok}}
		if r := br.post(job+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("run = %d", r.Code)
		}
		// A double click does not import twice.
		if r := br.post(job+"/jalankan", run); r.Code != http.StatusSeeOther {
			t.Fatalf("second run = %d", r.Code)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := br.get(job + "/status")
			if strings.Contains(st.Body, `"done":true`) {
				if !strings.Contains(st.Body, `"status":"selesai"`) || !strings.Contains(st.Body, `"percent":100`) {
					t.Fatalf("status %s", st.Body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("import did not finish: %s", st.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		done := br.get(job)
		if msg := textByID(t, done.Body, "import-message"); !strings.Contains(msg, "1 penduduk baru, 1 diperbarui") {
			t.Fatalf("done page: %q", msg)
		}
		if got, _ := e.st.ResidentByID(ctx, v.ID, existing.ID); got.Name != "Budi Santoso Baru" {
			t.Fatalf("import did not update: %q", got.Name)
		}
		if n, _ := e.st.CountResidents(ctx, v.ID, 0); n != 2 {
			t.Fatalf("after import: %d residents, want 2", n)
		}
		if countAudit(t, e.st, v.ID, "resident.import") != 1 {
			t.Fatalf("audit %v", residentAuditActions(t, e.st, v.ID))
		}
	})
}
