package importer_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// openSIDHeader is the column list of OpenSID's penduduk import format
// (donjo-app/models/Import_model.php, KOLOM_IMPOR_KELUARGA), which its
// penduduk export also writes.
var openSIDHeader = []any{
	"alamat", "dusun", "rw", "rt", "nama", "no_kk", "nik", "sex", "tempatlahir", "tanggallahir",
	"agama_id", "pendidikan_kk_id", "pendidikan_sedang_id", "pekerjaan_id", "status_kawin", "kk_level",
	"warganegara_id", "nama_ayah", "nama_ibu", "golongan_darah_id", "akta_lahir", "dokumen_pasport",
	"tanggal_akhir_paspor", "dokumen_kitas", "ayah_nik", "ibu_nik", "akta_perkawinan", "tanggalperkawinan",
	"akta_perceraian", "tanggalperceraian", "cacat_id", "cara_kb_id", "hamil", "ktp_el", "status_rekam",
	"alamat_sekarang", "status_dasar",
}

// openSIDRow builds a row in openSIDHeader order from the values that
// matter; the rest of OpenSID's columns get plausible filler.
type person struct {
	alamat, dusun, rw, rt, nama, noKK, nik string
	sex                                    any
	tempat                                 string
	lahir                                  any
	agama, pendidikan, pekerjaan, kawin    any
	shdk, wn                               any
	ayah, ibu                              string
	darah, status                          any
}

func (p person) row() []any {
	return []any{
		p.alamat, p.dusun, p.rw, p.rt, p.nama, p.noKK, p.nik, p.sex, p.tempat, p.lahir,
		p.agama, p.pendidikan, 18, p.pekerjaan, p.kawin, p.shdk,
		p.wn, p.ayah, p.ibu, p.darah, "", "",
		"", "", "", "", "", "",
		"", "", 7, "", "", 2, 2,
		"", p.status,
	}
}

// nikIn composes a NIK from a region code, a birth date, sex and serial.
func nikIn(region string, birth time.Time, female bool, serial int) string {
	day := birth.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", region, day, int(birth.Month()), birth.Year()%100, serial)
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// sheet is one worksheet of a test workbook.
type sheet struct {
	name string
	rows [][]any // row i goes to spreadsheet row i+1; nil rows stay empty
}

// buildXLSX writes a workbook the way Excel does (shared strings, dates as
// styled serials) and returns its bytes.
func buildXLSX(t testing.TB, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, vals := range s.rows {
			if vals == nil {
				continue
			}
			cellRef, _ := excelize.CoordinatesToCellName(1, r+1)
			row := vals
			if err := f.SetSheetRow(s.name, cellRef, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// household generates realistic residents for benchmarks and end-to-end
// tests: household h (0-based) with its members, deterministic.
func household(h int) []person {
	kk := fmt.Sprintf("35051201%02d%02d%04d", 1+h%12, 8+h%17, 1000+h)
	dusuns := []string{"Krajan", "Sumberagung", "Karanganyar", "Ngadirejo"}
	streets := []string{"Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Jl. Flamboyan"}
	men := []string{"Budi", "Agus", "Slamet", "Joko", "Bambang", "Hadi", "Eko", "Wahyu", "Dedi", "Rudi"}
	women := []string{"Siti", "Sri", "Dewi", "Lestari", "Ratna", "Sumarni", "Yuliana", "Wati", "Endang", "Tri"}
	families := []string{"Santoso", "Wibowo", "Susanto", "Purnomo", "Setiawan", "Prasetyo", "Hartono", "Nugroho"}
	base := person{
		alamat: fmt.Sprintf("%s No. %d", streets[h%len(streets)], 1+h%90),
		dusun:  dusuns[h%len(dusuns)], rw: fmt.Sprintf("%03d", 1+h%6), rt: fmt.Sprintf("%03d", 1+h%12),
		noKK: kk, tempat: "Blitar", agama: 1, wn: 1, darah: 1 + h%13, status: 1,
	}
	// Up to six members per household, 1,600 households per kecamatan code:
	// every NIK is unique.
	region, serial := fmt.Sprintf("3505%02d", 10+h/1600), (h%1600)*6+1
	fam := families[h%len(families)]
	headBirth := date(1950+h%45, 1+h%12, 1+h%28)
	head := base
	head.nama, head.sex, head.lahir, head.shdk, head.kawin = men[h%len(men)]+" "+fam, 1, headBirth, 1, 2
	head.nik, head.pendidikan, head.pekerjaan = nikIn(region, headBirth, false, serial), 5, 9
	head.ayah, head.ibu = men[(h+3)%len(men)]+" "+fam, women[(h+5)%len(women)]
	out := []person{head}
	wifeBirth := date(headBirth.Year()+2, 1+(h+4)%12, 1+(h+9)%28)
	wife := base
	wife.nama, wife.sex, wife.lahir, wife.shdk, wife.kawin = women[h%len(women)]+" "+women[(h+1)%len(women)], 2, wifeBirth, 3, 2
	wife.nik, wife.pendidikan, wife.pekerjaan = nikIn(region, wifeBirth, true, serial+1), 4, 2
	wife.ayah, wife.ibu = men[(h+7)%len(men)], women[(h+2)%len(women)]
	out = append(out, wife)
	for k := 0; k < h%3+h%2; k++ { // 0 to 3 children, 1.33 on average
		year := min(wifeBirth.Year()+22+3*k, 2024-k)
		kidBirth := date(year, 1+(h+k)%12, 1+(h+3*k)%28)
		kid := base
		kid.sex = 1 + (h+k)%2
		if kid.sex == 1 {
			kid.nama = men[(h+k+1)%len(men)] + " " + fam
		} else {
			kid.nama = women[(h+k+3)%len(women)] + " " + fam
		}
		kid.lahir, kid.shdk, kid.kawin, kid.pendidikan, kid.pekerjaan = kidBirth, 4, 1, 3, 3
		kid.nik = nikIn(region, kidBirth, kid.sex == 2, serial+2+k)
		kid.ayah, kid.ibu = head.nama, wife.nama
		out = append(out, kid)
	}
	return out
}

// register returns the first n residents of consecutive generated
// households as OpenSID rows, header first.
func register(n int) [][]any {
	rows := [][]any{openSIDHeader}
	for h := 0; len(rows) <= n; h++ {
		for _, p := range household(h) {
			if len(rows) > n {
				break
			}
			rows = append(rows, p.row())
		}
	}
	return rows
}
