package importer_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestParseOpenSIDExportXLSX(t *testing.T) {
	head := person{alamat: "Jl. Melati 3", dusun: "KRAJAN", rw: "2", rt: "001", nama: "BUDI SANTOSO",
		noKK: "3505120101080001", nik: "3505121501800001", sex: 1, tempat: "BLITAR", lahir: date(1980, 1, 15),
		agama: 1, pendidikan: 5, pekerjaan: 9, kawin: 2, shdk: 1, wn: 1, ayah: "SUPARNO", ibu: "SITI ROMLAH",
		darah: 4, status: 1}
	wife := head
	wife.nama, wife.nik, wife.sex, wife.lahir = "SITI AMINAH", "3505125505850002", "PEREMPUAN", "1985-05-15"
	wife.agama, wife.pendidikan, wife.pekerjaan, wife.kawin, wife.shdk = "ISLAM", "SLTP/SEDERAJAT", "MENGURUS RUMAH TANGGA", "KAWIN", "ISTRI"
	wife.wn, wife.darah, wife.status = "", "-", ""
	child := head
	child.nama, child.nik, child.sex, child.lahir, child.dusun = "AHMAD FAUZI", "3505121708100003", "L", "17/08/2010", "Dusun Krajan"
	child.shdk, child.kawin, child.pekerjaan, child.pendidikan = 4, 1, 3, 3
	afterEnd := head
	afterEnd.nik, afterEnd.dusun = "3505120101010009", "###"

	data := buildXLSX(t,
		sheet{name: "Kode Data", rows: [][]any{{"kode", "agama"}, {1, "ISLAM"}}},
		sheet{name: "Penduduk", rows: [][]any{openSIDHeader, head.row(), wife.row(), nil, child.row(), afterEnd.row(), head.row()}},
	)
	recs, problems, err := importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if problems.Count() != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if got, want := len(recs), 3; got != want {
		t.Fatalf("got %d records, want %d (rows after ### are not data)", got, want)
	}
	for i, want := range []int{2, 3, 5} {
		if recs[i].Row != want {
			t.Errorf("record %d: row %d, want %d", i, recs[i].Row, want)
		}
	}
	got := recs[0]
	wantRes := surat.Resident{NIK: "3505121501800001", Relation: 1, Name: "BUDI SANTOSO", BirthPlace: "BLITAR",
		BirthDate: date(1980, 1, 15), Sex: 1, Religion: 1, MaritalStatus: 2, Education: 5, Occupation: 9,
		Citizenship: 1, BloodType: 4, LifeStatus: 1, FatherName: "SUPARNO", MotherName: "SITI ROMLAH"}
	if got.Resident != wantRes {
		t.Errorf("head:\ngot  %+v\nwant %+v", got.Resident, wantRes)
	}
	wantHH := surat.Household{NoKK: "3505120101080001", Address: "Jl. Melati 3", RT: "001", RW: "002", Dusun: "KRAJAN"}
	if got.Household != wantHH {
		t.Errorf("household:\ngot  %+v\nwant %+v", got.Household, wantHH)
	}
	w := recs[1].Resident
	if w.Sex != surat.SexFemale || w.BirthDate != date(1985, 5, 15) || w.Religion != 1 || w.Education != 4 ||
		w.Occupation != 2 || w.MaritalStatus != 2 || w.Relation != 3 || w.Citizenship != surat.CitizenWNI ||
		w.LifeStatus != surat.LifeAlive || w.BloodType != 0 {
		t.Errorf("labels and defaults: %+v", w)
	}
	c := recs[2]
	if c.Resident.BirthDate != date(2010, 8, 17) || c.Resident.Sex != surat.SexMale || c.Household.Dusun != "Krajan" {
		t.Errorf("child: %+v %+v", c.Resident, c.Household)
	}
	if warns := importer.Warnings(recs); len(warns) != 0 {
		t.Errorf("warnings for a consistent file: %+v", warns)
	}
}

func TestParseFriendlyCSV(t *testing.T) {
	// Excel in an Indonesian locale: semicolons, a BOM, a title above the
	// header, labels instead of codes, day-first dates, a quoted address
	// over two lines, RT/RW that lost their zeros.
	csv := "\ufeffDATA PENDUDUK DESA SUMBEREJO;;;;\r\n" +
		";;;;\r\n" +
		"No;NIK;Nama;No. KK;Jenis Kelamin;Tempat Lahir;Tanggal Lahir (DD-MM-YYYY);Agama;Status Perkawinan;" +
		"Hubungan dalam Keluarga/SHDK;Pendidikan;Pekerjaan;Kewarganegaraan;Golongan Darah;Nama Ayah;Nama Ibu;" +
		"Alamat;RT;RW;Dusun;Telepon;Status\r\n" +
		"1;3505121501800001;Budi  Santoso;3505120101080001;L;Blitar;15-01-1980;Islam;Kawin;Kepala Keluarga;" +
		"SLTA / SEDERAJAT;Petani/Pekebun;WNI;O;Suparno;Siti;\"Jl. Melati 3\r\nGang Buntu\";1;2;Krajan;081234567890;HIDUP\r\n" +
		"2;3505125505850002;Siti Aminah;3505120101080001;Perempuan;Kediri;1985-05-15;ISLAM;KAWIN;ISTRI;" +
		"SMP;Mengurus Rumah Tangga;;;Sukirno;Painem;Jl. Melati 3;001;002;Krajan;;\r\n" +
		"3;3505124101300004;Mbah Painah;3505120101080001;P;Blitar;01/01/1930;1;4;7;1;1;1;13;;;;1;2;Krajan;;Meninggal\r\n"
	recs, problems, err := importer.Parse(strings.NewReader(csv), "penduduk.csv")
	if err != nil {
		t.Fatal(err)
	}
	if problems.Count() != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	// Rows as a spreadsheet shows them: the quoted line break does not count.
	for i, want := range []int{4, 5, 6} {
		if recs[i].Row != want {
			t.Errorf("record %d: row %d, want %d", i, recs[i].Row, want)
		}
	}
	b := recs[0]
	want := surat.Resident{NIK: "3505121501800001", Relation: 1, Name: "Budi Santoso", BirthPlace: "Blitar",
		BirthDate: date(1980, 1, 15), Sex: 1, Religion: 1, MaritalStatus: 2, Education: 5, Occupation: 9,
		Citizenship: 1, BloodType: 4, LifeStatus: 1, FatherName: "Suparno", MotherName: "Siti", Phone: "081234567890"}
	if b.Resident != want {
		t.Errorf("got  %+v\nwant %+v", b.Resident, want)
	}
	if got := b.Household; got.Address != "Jl. Melati 3 Gang Buntu" || got.RT != "001" || got.RW != "002" || got.Dusun != "Krajan" {
		t.Errorf("household %+v", got)
	}
	if s := recs[1].Resident; s.Education != 4 || s.Occupation != 2 || s.Sex != 2 || s.Citizenship != 1 {
		t.Errorf("aliases: %+v", s)
	}
	if m := recs[2].Resident; m.LifeStatus != surat.LifeDead || m.BloodType != 13 || m.Relation != 7 {
		t.Errorf("status column: %+v", m)
	}
}

func TestParseReportsEveryBadRow(t *testing.T) {
	const kk = "3505120101080001"
	lines := []string{
		"nik,nama,no_kk,sex,tempatlahir,tanggallahir,agama_id,status_kawin,kk_level",
		"3505121501800001,Budi,3505120101080001,1,Blitar,1980-01-15,1,2,1",      // 2: good
		"350512150180,Ani,3505120101080001,2,Blitar,1980-01-15,1,2,4",           // 3
		"3505123201800003,Ani,3505120101080001,2,Blitar,1980-01-15,1,2,4",       // 4
		"3.50512E+15,Ani,3505120101080001,2,Blitar,1980-01-15,1,2,4",            // 5
		"3505121501800001,Budi Lagi,3505120101080001,1,Blitar,1980-01-15,1,2,4", // 6
		"3505125501850006,Ani,35051201,2,Blitar,1985-01-15,1,2,4",               // 7
		"3505125501850007,Ani,3505120101080001,2,Blitar,1985-01-15,9,2,4",       // 8
		"3505121501850008,Ani,3505120101080001,X,Blitar,1985-01-15,1,2,4",       // 9
		"3505125501850009,Ani,3505120101080001,2,Blitar,2999-01-15,1,2,4",       // 10
		"3505125501850010,Ani,3505120101080001,2,Blitar,31-02-1985,1,2,4",       // 11
		"3505125501850011,,3505120101080001,2,Blitar,1985-01-15,1,2,4",          // 12
		"3505121501850012,Joko,3505120101080001,1,Blitar,1985-01-15,1,2,1",      // 13
		"0350512200100013,Ani,3505120101080001,2,Blitar,1985-01-15,1,2,4",       // 14
		"12345,Ani,3505120101080001,2,,1985-01-15,1,duda,4",                     // 15
		"3505125501100015,Putri,3505120101080001,2,Blitar,2010-01-15,1,1,4",     // 16: good
		",,,,,,,,", // 17: empty, skipped
	}
	recs, problems, err := importer.Parse(strings.NewReader(strings.Join(lines, "\n")), "data.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row            int
		column, reason string
	}{
		{3, "nik", "NIK harus 16 digit angka (sekarang 12 karakter)"},
		{4, "nik", "tanggal lahir dalam NIK (digit 7-12) bukan tanggal yang benar"},
		{5, "nik", "NIK tersimpan sebagai angka di Excel sehingga digit terakhir hilang; format kolom sebagai Teks"},
		{6, "nik", "NIK 3505121501800001 sudah dipakai di baris 2"},
		{7, "no_kk", "Nomor KK harus 16 digit angka (sekarang 8 karakter)"},
		{8, "agama_id", "kode Agama 9 tidak dikenal"},
		{9, "sex", `Jenis Kelamin "X" tidak dikenal`},
		{10, "tanggallahir", "Tanggal lahir tidak boleh di masa depan"},
		{11, "tanggallahir", `Tanggal lahir "31-02-1985" tidak dikenali`},
		{12, "nama", "Nama wajib diisi"},
		{13, "kk_level", "No. KK " + kk + " sudah punya Kepala Keluarga di baris 2"},
		{14, "nik", "NIK sementara (diawali 0) tidak dapat diimpor"},
		{15, "nik", "NIK harus 16 digit angka"},
		{15, "tempatlahir", "Tempat lahir wajib diisi"},
		{15, "status_kawin", `Status Perkawinan "duda" tidak dikenal`},
	}
	if problems.Count() != len(want) {
		for _, p := range problems.Rows {
			t.Logf("%d %s: %s", p.Row, p.Column, p.Reason)
		}
		t.Fatalf("got %d problems, want %d", problems.Count(), len(want))
	}
	for i, w := range want {
		p := problems.Rows[i]
		if p.Row != w.row || p.Column != w.column || !strings.HasPrefix(p.Reason, w.reason) {
			t.Errorf("problem %d:\ngot  %d %s: %s\nwant %d %s: %s...", i, p.Row, p.Column, p.Reason, w.row, w.column, w.reason)
		}
	}
	if len(recs) != 2 || recs[0].Row != 2 || recs[1].Row != 16 {
		t.Errorf("good rows: got %d records %+v", len(recs), recs)
	}
}

func TestParseNIKStoredAsNumber(t *testing.T) {
	hdr := []any{"NIK", "Nama", "No. KK", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Agama", "Status Perkawinan", "SHDK", "Telepon"}
	data := buildXLSX(t, sheet{name: "Sheet1", rows: [][]any{
		hdr,
		// Typed into a General cell: Excel keeps 15 digits, the 16th turns to 0.
		{3505121501800000.0, "Budi", "3505120101080001", "L", "Blitar", date(1980, 1, 15), "Islam", "Kawin", "Kepala Keluarga", 81234567890},
		// A number with all 16 digits can only come from a program: kept.
		{int64(3505125505850002), "Siti", int64(3505120101080001), "P", "Blitar", "15-05-1985", "Islam", "Kawin", "Istri", ""},
		// The same NIK as text is fine, even ending in 0.
		{"3505121708100010", "Ahmad", 3505120101080000.0, "L", "Blitar", "17-08-2010", "Islam", "Belum Kawin", "Anak", ""},
	}})
	recs, problems, err := importer.Parse(bytes.NewReader(data), "angka.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := []surat.RowError{
		{Row: 2, Column: "NIK", Reason: "NIK tersimpan sebagai angka di Excel sehingga digit terakhir hilang; format kolom sebagai Teks lalu ketik ulang"},
		{Row: 4, Column: "No. KK", Reason: "Nomor KK tersimpan sebagai angka di Excel sehingga digit terakhir hilang; format kolom sebagai Teks lalu ketik ulang"},
	}
	if problems.Count() != len(want) {
		t.Fatalf("problems: %+v", problems)
	}
	for i := range want {
		if problems.Rows[i] != want[i] {
			t.Errorf("got  %+v\nwant %+v", problems.Rows[i], want[i])
		}
	}
	if len(recs) != 1 || recs[0].Resident.NIK != "3505125505850002" || recs[0].Household.NoKK != "3505120101080001" {
		t.Errorf("records: %+v", recs)
	}
}

func TestParseDateCellsAndSerials(t *testing.T) {
	hdr := []any{"nik", "nama", "no_kk", "sex", "tempatlahir", "tanggallahir", "agama_id", "status_kawin", "kk_level"}
	data := buildXLSX(t, sheet{name: "Sheet1", rows: [][]any{
		hdr,
		{"3505121501800001", "A", "3505120101080001", 1, "Blitar", date(1980, 1, 15), 1, 2, 1},
		{"3505122902000002", "B", "3505120101080001", 1, "Blitar", 36585, 1, 1, 4}, // 2000-02-29 as a bare serial
		{"3505120103000003", "C", "3505120101080001", 1, "Blitar", "2000-03-01 00:00:00", 1, 1, 4},
		{"3505121708450004", "D", "3505120101080001", 1, "Blitar", "17 Agustus 1945", 1, 1, 4},
	}})
	recs, problems, err := importer.Parse(bytes.NewReader(data), "tanggal.xlsx")
	if err != nil || problems.Count() != 0 {
		t.Fatalf("err %v, problems %+v", err, problems)
	}
	for i, want := range []string{"1980-01-15", "2000-02-29", "2000-03-01", "1945-08-17"} {
		if got := recs[i].Resident.BirthDate.Format("2006-01-02"); got != want {
			t.Errorf("row %d: got %s, want %s", recs[i].Row, got, want)
		}
	}
}

func TestParseRejectsFiles(t *testing.T) {
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("bukan excel"))
	zw.Close()
	header := "nik,nama,no_kk,sex,tempatlahir,tanggallahir,agama_id,status_kawin,kk_level\n"
	tests := []struct {
		name, file string
		data       []byte
		is         error
		msg        string
	}{
		{"pdf named xlsx", "penduduk.xlsx", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"), importer.ErrUnsupportedFormat, "dokumen PDF"},
		{"png", "penduduk.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), importer.ErrUnsupportedFormat, "gambar PNG"},
		{"exe", "penduduk.xlsx", []byte("MZ\x90\x00\x03\x00\x00\x00"), importer.ErrUnsupportedFormat, "program Windows"},
		{"old xls", "penduduk.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), importer.ErrUnsupportedFormat, "Excel 97-2003"},
		{"zip", "penduduk.xlsx", zipBuf.Bytes(), importer.ErrUnsupportedFormat, "arsip ZIP"},
		{"html export", "penduduk.xls", []byte("<html><body><table><tr><td>nik</td></tr></table></body></html>"), importer.ErrUnsupportedFormat, "HTML"},
		{"binary", "x.csv", []byte("nik\x00\x01\x02\x03"), importer.ErrUnsupportedFormat, "biner"},
		{"empty", "x.csv", []byte("  \n"), nil, "kosong"},
		{"no header", "x.csv", []byte("a,b,c\n1,2,3\n"), nil, "baris judul kolom tidak ditemukan"},
		{"missing columns", "x.csv", []byte("NIK,Nama,Jenis Kelamin,Agama,SHDK,Tempat Lahir,Status Perkawinan\n"), nil,
			`kolom wajib tidak ada di baris judul (baris 1): "No. KK" (atau no_kk), "Tanggal Lahir" (atau tanggallahir)`},
		{"twice", "x.csv", []byte("nik,nama,no_kk,NIK,sex,tempatlahir,tanggallahir,agama_id,status_kawin,kk_level\n"), nil, `kolom "NIK" muncul lebih dari sekali`},
		{"header only", "x.csv", []byte(header), nil, "tidak berisi data penduduk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, problems, err := importer.Parse(bytes.NewReader(tt.data), tt.file)
			if err == nil {
				t.Fatalf("accepted: %d records, %d problems", len(recs), problems.Count())
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

// endless is a reader of an infinite CSV-looking stream that counts what is
// read from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	const line = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	n := 0
	for n < len(p) {
		n += copy(p[n:], line[(e.n+int64(n))%int64(len(line)):])
	}
	e.n += int64(n)
	return n, nil
}

func TestParseRejectsOverLimit(t *testing.T) {
	r := &endless{}
	_, _, err := importer.Parse(r, "besar.csv")
	if !errors.Is(err, importer.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "melebihi batas 20 MB") {
		t.Errorf("message %q", err)
	}
	if r.n > importer.MaxFileSize+1 {
		t.Errorf("read %d bytes from an endless stream, want at most MaxFileSize+1 = %d", r.n, importer.MaxFileSize+1)
	}
	// Exactly the limit is still accepted as a file (here: one without a header).
	_, _, err = importer.Parse(io.LimitReader(&endless{}, importer.MaxFileSize), "pas.csv")
	if errors.Is(err, importer.ErrTooLarge) {
		t.Errorf("a file of exactly MaxFileSize was refused as too large")
	}
}

func TestWarnings(t *testing.T) {
	head := person{alamat: "Jl. Mawar 1", dusun: "Krajan", rw: "001", rt: "002", nama: "Budi", noKK: "3505120101080001",
		nik: "3505121501800001", sex: 1, tempat: "Blitar", lahir: "1980-01-16", agama: 1, kawin: 2, shdk: 1, wn: 1, status: 1}
	wife := head
	wife.nama, wife.nik, wife.sex, wife.lahir, wife.shdk = "Siti", "3505121505850002", 2, "1985-05-15", 3
	orphan := head
	orphan.nama, orphan.nik, orphan.noKK, orphan.shdk, orphan.lahir = "Joko", "3505121501900003", "3505120101080002", 4, "1990-01-15"
	data := buildXLSX(t, sheet{name: "Sheet1", rows: [][]any{openSIDHeader, head.row(), wife.row(), orphan.row()}})
	recs, problems, err := importer.Parse(bytes.NewReader(data), "w.xlsx")
	if err != nil || problems.Count() != 0 {
		t.Fatalf("err %v problems %+v", err, problems)
	}
	got := importer.Warnings(recs)
	want := []surat.RowError{
		{Row: 2, Column: "NIK", Reason: "Tanggal lahir dalam NIK (15-01-80) berbeda dengan tanggal lahir tercatat (16-01-1980)."},
		{Row: 3, Column: "NIK", Reason: "NIK menunjukkan jenis kelamin LAKI-LAKI, tetapi tercatat PEREMPUAN."},
		{Row: 4, Column: "Hubungan dalam Keluarga", Reason: "Tidak ada Kepala Keluarga untuk No. KK 3505120101080002 di berkas ini"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got  %+v\nwant %+v", got[i], want[i])
		}
	}
}
