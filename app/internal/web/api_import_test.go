package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const importHeader = "NIK,Nama,No. KK,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Agama,Status Perkawinan,Hubungan dalam Keluarga,Alamat,RT,RW,Dusun\n"

// goodCSV has two valid rows; the second's NIK carries another birth date,
// which is a warning and not a problem.
const goodCSV = importHeader +
	"3505121501800001,Budi Santoso,3505120101080001,LAKI-LAKI,Blitar,1980-01-15,ISLAM,KAWIN,KEPALA KELUARGA,Jl. Melati 3,001,002,Krajan\n" +
	"3505125502820002,Ani Lestari,3505120101080001,PEREMPUAN,Blitar,1982-02-16,ISLAM,KAWIN,ISTRI,Jl. Melati 3,001,002,Krajan\n"

// upload posts content as the multipart field "file".
func (e *env) upload(path, token, filename string, content []byte) (int, errorBody, importReport) {
	e.t.Helper()
	return e.uploadBody(path, token, filename, content, false)
}

// uploadBody is upload that can hide the body's length (chunked), so the
// size limit trips while the multipart form is being read.
func (e *env) uploadBody(path, token, filename string, content []byte, chunked bool) (int, errorBody, importReport) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	var body io.Reader = &buf
	if chunked {
		body = io.MultiReader(&buf)
	}
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if chunked {
		req.ContentLength = -1
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var eb errorBody
	var rep importReport
	if rec.Code == http.StatusOK {
		decode(e.t, rec, &rep)
	} else {
		decode(e.t, rec, &eb)
	}
	return rec.Code, eb, rep
}

func TestAPIResidentImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		va := e.village("3505122001", "Sumberejo")
		vb := e.village("3505122002", "Kalipang")
		e.user(va, "operator", surat.RoleOperator)
		e.user(va, "kades", surat.RoleSigner)
		e.user(vb, "admin_b", surat.RoleAdminDesa)
		tok := e.token("operator")
		count := func(v *surat.Village) int64 {
			n, err := e.st.CountResidents(t.Context(), v.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Dry run: a full report, nothing written.
		code, eb, rep := e.upload("/api/v1/residents/import?dry_run=1", tok, "penduduk.csv", []byte(goodCSV))
		if code != http.StatusOK {
			t.Fatalf("dry run = %d %+v", code, eb)
		}
		if !rep.DryRun || rep.Rows != 2 || rep.Created != 2 || rep.HouseholdsCreated != 1 || len(rep.Warnings) != 1 {
			t.Errorf("dry run report %+v", rep)
		}
		if n := count(va); n != 0 {
			t.Fatalf("dry run wrote %d residents", n)
		}

		// Bad rows: every one reported, nothing written.
		bad := goodCSV + "12345,Tanpa NIK,3505120101080001,LAKI-LAKI,Blitar,1990-01-01,ISLAM,KAWIN,ANAK,,,,\n" +
			"3505121501800009,,3505120101080001,X,Blitar,1990-01-01,ISLAM,KAWIN,ANAK,,,,\n"
		code, eb, _ = e.upload("/api/v1/residents/import", tok, "penduduk.csv", []byte(bad))
		if code != http.StatusUnprocessableEntity || eb.Error != "import_rejected" || len(eb.Rows) < 3 {
			t.Fatalf("bad file = %d %+v", code, eb)
		}
		rows := map[int]bool{}
		for _, r := range eb.Rows {
			rows[r.Row] = true
			if r.Reason == "" || r.Column == "" {
				t.Errorf("row error without column or reason: %+v", r)
			}
		}
		if !rows[4] || !rows[5] || rows[2] || rows[3] {
			t.Errorf("rows reported %v, want 4 and 5", rows)
		}
		if n := count(va); n != 0 {
			t.Fatalf("a rejected file wrote %d residents", n)
		}

		// The real import lands in the caller's village only.
		code, eb, rep = e.upload("/api/v1/residents/import", tok, "penduduk.csv", []byte(goodCSV))
		if code != http.StatusOK || rep.DryRun || rep.Created != 2 {
			t.Fatalf("import = %d %+v %+v", code, eb, rep)
		}
		if a, b := count(va), count(vb); a != 2 || b != 0 {
			t.Errorf("residents after import: A %d, B %d; want 2, 0", a, b)
		}
		// Again: the same rows are updates, not duplicates.
		if code, _, rep = e.upload("/api/v1/residents/import", tok, "penduduk.csv", []byte(goodCSV)); code != http.StatusOK || rep.Updated != 2 || rep.Created != 0 {
			t.Errorf("re-import = %d %+v", code, rep)
		}

		tests := []struct {
			name     string
			user     string
			filename string
			content  []byte
			want     int
			wantCode string
		}{
			{"not a spreadsheet", "operator", "foto.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
			{"no header row", "operator", "kosong.csv", []byte("a,b,c\n1,2,3\n"), http.StatusUnprocessableEntity, "validation_failed"},
			{"signer may not import", "kades", "penduduk.csv", []byte(goodCSV), http.StatusForbidden, "forbidden"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, eb, _ := e.upload("/api/v1/residents/import", e.token(tt.user), tt.filename, tt.content)
				if code != tt.want || eb.Error != tt.wantCode || eb.Message == "" {
					t.Errorf("upload = %d %+v, want %d %s", code, eb, tt.want, tt.wantCode)
				}
				if tt.wantCode == "validation_failed" && !strings.HasPrefix(eb.Fields["file"], "Berkas ditolak: ") {
					t.Errorf("file message %q", eb.Fields["file"])
				}
			})
		}

		// No file at all.
		rec := e.api("POST", "/api/v1/residents/import", tok, map[string]string{})
		var missing errorBody
		decode(t, rec, &missing)
		if rec.Code != http.StatusUnprocessableEntity || missing.Fields["file"] == "" {
			t.Errorf("no file = %d %s", rec.Code, rec.Body)
		}

		// 50 MB is refused before it is read.
		big := append([]byte(importHeader), bytes.Repeat([]byte("x"), 50<<20)...)
		if code, eb, _ := e.upload("/api/v1/residents/import", tok, "besar.csv", big); code != http.StatusRequestEntityTooLarge ||
			eb.Error != "payload_too_large" {
			t.Errorf("50 MB upload = %d %+v", code, eb)
		}
		if code, eb, _ := e.uploadBody("/api/v1/residents/import", tok, "besar.csv", big, true); code != http.StatusRequestEntityTooLarge ||
			eb.Error != "payload_too_large" {
			t.Errorf("50 MB chunked upload = %d %+v", code, eb)
		}
		if n := count(va); n != 2 {
			t.Errorf("residents after refused uploads: %d, want 2", n)
		}
	})
}
