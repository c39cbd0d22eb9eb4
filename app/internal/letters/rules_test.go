package letters

import (
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// resident returns a demo persona as a subject of the given kind.
func persona(name string, k SubjectKind) Subject { return demoWorld(testNow).subject(name, k) }

func TestValidationRules(t *testing.T) {
	c := shipped(t)
	dead := func(in *Input, role string) {
		s := in.Subjects[role]
		s.Resident.LifeStatus = surat.LifeDead
		in.Subjects[role] = s
	}
	tests := []struct {
		name   string
		module string
		mutate func(in *Input)
		key    string // "" when the letter must build
		msg    string
	}{
		{"unknown module", "sk_tidak_ada", nil, "module", `Jenis surat "sk_tidak_ada" tidak dikenal`},
		{"module disabled by the village", "sk_pengantar", func(in *Input) {
			s := c.Module("sk_pengantar").DefaultSettings()
			s.Enabled = false
			in.Settings = &s
		}, "module", "Surat Keterangan Pengantar tidak diaktifkan untuk Desa Sumberejo"},

		// Subjects: register, village, life status.
		{"required subject missing", "sk_pengantar", func(in *Input) { delete(in.Subjects, "pemohon") },
			"subject.pemohon", "Pemohon wajib diisi"},
		{"unknown role", "sk_pengantar", func(in *Input) { in.Subjects["saksi"] = persona("istri", KindResident) },
			"subject.saksi", "Peran saksi tidak dikenal untuk Surat Keterangan Pengantar"},
		{"resident of another village", "sk_pengantar", func(in *Input) { in.Subjects["pemohon"].Resident.VillageID = 2 },
			"subject.pemohon", "Dimas Prasetyo bukan penduduk Desa Sumberejo"},
		{"household of another village", "sk_pengantar", func(in *Input) {
			h := *in.Subjects["pemohon"].Resident.Household
			h.VillageID = 2
			in.Subjects["pemohon"].Resident.Household = &h
		}, "subject.pemohon", "bukan penduduk Desa Sumberejo"},
		{"dead resident", "sk_pengantar", func(in *Input) { dead(in, "pemohon") },
			"subject.pemohon", "Dimas Prasetyo tercatat sudah meninggal dunia"},
		{"moved resident", "sk_domisili", func(in *Input) {
			s := persona("anak_dewasa", KindPerson)
			s.Resident.LifeStatus = surat.LifeMoved
			in.Subjects["pemohon"] = s
		}, "subject.pemohon", "Dimas Prasetyo tercatat sudah pindah dari Desa Sumberejo"},
		{"typed identity where a resident is required", "sk_pengantar", func(in *Input) {
			in.Subjects["pemohon"] = persona("luar_desa_pria", KindPerson)
		}, "subject.pemohon", "Pemohon harus dipilih dari data penduduk Desa Sumberejo"},
		{"typed identity with a bad NIK", "sk_domisili", func(in *Input) { in.Subjects["pemohon"].Person.NIK = "12345" },
			"subject.pemohon.nik", "NIK harus 16 digit angka"},
		{"typed identity born in the future", "sk_domisili", func(in *Input) {
			in.Subjects["pemohon"].Person.BirthDate = testNow.AddDate(0, 0, 3)
		}, "subject.pemohon.tanggal_lahir", "Tanggal lahir tidak boleh di masa depan"},
		{"typed identity without a name", "sk_domisili", func(in *Input) { in.Subjects["pemohon"].Person.Name = "" },
			"subject.pemohon.nama", "Nama wajib diisi"},

		// sk_belum_menikah: only BELUM KAWIN.
		{"belum menikah: married resident", "sk_belum_menikah", func(in *Input) {
			in.Subjects["pemohon"] = persona("kepala_keluarga", KindResident)
		}, "subject.pemohon", "Pemohon harus berstatus BELUM KAWIN; Slamet Santoso tercatat KAWIN"},
		{"belum menikah: divorced resident", "sk_belum_menikah", func(in *Input) {
			in.Subjects["pemohon"] = persona("duda", KindResident)
		}, "subject.pemohon", "tercatat CERAI HIDUP"},

		// sk_kematian: the deceased may still be recorded alive, or already dead.
		{"kematian: deceased recorded alive", "sk_kematian", func(in *Input) {
			in.Subjects["almarhum"] = persona("janda", KindPerson)
			in.Subjects["saksi1"] = persona("duda", KindPerson)
			in.Fields["tanggal_kematian"] = testNow.AddDate(0, 0, -2).Format("2006-01-02")
		}, "", ""},
		{"kematian: deceased recorded alive, no date typed", "sk_kematian", func(in *Input) {
			in.Subjects["almarhum"] = persona("janda", KindPerson)
			in.Subjects["saksi1"] = persona("duda", KindPerson)
		}, "field.tanggal_kematian", "Tanggal meninggal wajib diisi"},
		{"kematian: a date other than the register's", "sk_kematian", func(in *Input) {
			in.Fields["tanggal_kematian"] = testNow.AddDate(0, 0, -2).Format("2006-01-02")
		}, "field.tanggal_kematian", "Tanggal meninggal tercatat di data penduduk"},
		{"kematian: the register's date typed again", "sk_kematian", func(in *Input) {
			in.Fields["tanggal_kematian"] = in.Subjects["almarhum"].DeathDate.Format("2006-01-02")
		}, "", ""},
		{"kematian: death before birth", "sk_kematian", func(in *Input) {
			in.Subjects["almarhum"] = persona("janda", KindPerson)
			in.Subjects["saksi1"] = persona("duda", KindPerson)
			in.Fields["tanggal_kematian"] = "1950-01-01"
		}, "field.tanggal_kematian", "tidak boleh sebelum tanggal lahir"},
		{"kematian: deceased already recorded dead", "sk_kematian", nil, "", ""},
		{"kematian: moved resident", "sk_kematian", func(in *Input) {
			in.Subjects["almarhum"].Resident.LifeStatus = surat.LifeMoved
		}, "subject.almarhum", "Suparti tercatat sudah pindah"},
		{"kematian: death date in the future", "sk_kematian", func(in *Input) {
			in.Subjects["almarhum"] = persona("janda", KindPerson)
			in.Subjects["saksi1"] = persona("duda", KindPerson)
			in.Fields["tanggal_kematian"] = testNow.AddDate(0, 0, 1).Format("2006-01-02")
		}, "field.tanggal_kematian", "Tanggal meninggal tidak boleh melewati tanggal surat"},
		{"kematian: pelapor is the deceased", "sk_kematian", func(in *Input) {
			in.Subjects["pelapor"] = persona("nenek_almarhumah", KindPerson)
		}, "subject.pelapor", "Suparti tercatat sudah meninggal dunia"},
		{"kematian: witness twice", "sk_kematian", func(in *Input) {
			in.Subjects["saksi2"] = in.Subjects["saksi1"]
		}, "subject.saksi2", "Saksi kedua tidak boleh orang yang sama dengan saksi pertama"},
		{"kematian: typed witness with the pelapor's NIK", "sk_kematian", func(in *Input) {
			in.Subjects["saksi2"].Person.NIK = in.Subjects["pelapor"].Resident.NIK
		}, "subject.saksi2", "tidak boleh orang yang sama dengan pelapor"},

		// sk_ahli_waris: a deceased pewaris and at least one heir.
		{"ahli waris: pewaris alive", "sk_ahli_waris", func(in *Input) {
			in.Subjects["pewaris"] = persona("kepala_keluarga", KindPerson)
			in.Subjects["ahli_waris"] = Subject{Items: []Subject{withRelation(persona("anak_dewasa", KindPersonList), "Anak")}}
		}, "subject.pewaris", "Slamet Santoso tercatat masih hidup; catat dahulu peristiwa kematiannya"},
		{"ahli waris: typed pewaris", "sk_ahli_waris", func(in *Input) {
			in.Subjects["pewaris"] = persona("almarhum_luar", KindPerson)
			in.Fields["tanggal_meninggal"] = testNow.AddDate(0, -2, 0).Format("2006-01-02")
		}, "", ""},
		{"ahli waris: typed pewaris without date of death", "sk_ahli_waris", func(in *Input) {
			in.Subjects["pewaris"] = persona("almarhum_luar", KindPerson)
		}, "field.tanggal_meninggal", "Tanggal meninggal pewaris wajib diisi"},
		{"ahli waris: no heirs", "sk_ahli_waris", func(in *Input) { delete(in.Subjects, "ahli_waris") },
			"subject.ahli_waris", "Ahli waris wajib diisi"},
		{"ahli waris: heir without hubungan", "sk_ahli_waris", func(in *Input) {
			in.Subjects["ahli_waris"].Items[0].Relation = ""
		}, "subject.ahli_waris.1.hubungan", "Hubungan wajib dipilih"},
		{"ahli waris: unknown hubungan", "sk_ahli_waris", func(in *Input) {
			in.Subjects["ahli_waris"].Items[1].Relation = "Keponakan"
		}, "subject.ahli_waris.2.hubungan", "Hubungan harus salah satu dari: Istri, Suami, Anak"},
		{"ahli waris: hubungan in other case", "sk_ahli_waris", func(in *Input) {
			in.Subjects["ahli_waris"].Items[1].Relation = "saudara KANDUNG"
		}, "", ""},
		{"ahli waris: same heir twice", "sk_ahli_waris", func(in *Input) {
			s := in.Subjects["ahli_waris"]
			s.Items = append(s.Items, s.Items[0])
			in.Subjects["ahli_waris"] = s
		}, "subject.ahli_waris.3", "Slamet Santoso sudah tercantum sebagai ahli waris ke-1"},
		{"ahli waris: witness is an heir", "sk_ahli_waris", func(in *Input) {
			in.Subjects["saksi1"] = persona("kepala_keluarga", KindPerson)
		}, "subject.saksi1", "Saksi pertama tidak boleh orang yang sama dengan ahli waris"},

		// sk_penghasilan_ortu: the child's parents from the KK, or typed.
		{"penghasilan ortu: father from another KK", "sk_penghasilan_ortu", func(in *Input) {
			in.Subjects["ayah"] = persona("ayah_muda", KindPerson)
		}, "subject.ayah", "Fajar Nugroho harus satu KK dengan pelajar/mahasiswa"},
		{"penghasilan ortu: mother is a man", "sk_penghasilan_ortu", func(in *Input) {
			in.Subjects["ibu"] = persona("anak_dewasa", KindPerson)
		}, "subject.ibu", "Ibu harus perempuan; Dimas Prasetyo tercatat laki-laki"},
		{"penghasilan ortu: mother missing", "sk_penghasilan_ortu", func(in *Input) { delete(in.Subjects, "ibu") },
			"subject.ibu", "Ibu wajib diisi"},
		{"penghasilan ortu: typed parents", "sk_penghasilan_ortu", func(in *Input) {
			in.Subjects["ayah"] = persona("luar_desa_pria", KindPerson)
			in.Subjects["ibu"] = persona("luar_desa_wanita", KindPerson)
		}, "", ""},
		{"penghasilan ortu: typed father without sex", "sk_penghasilan_ortu", func(in *Input) {
			s := persona("luar_desa_pria", KindPerson)
			s.Person.Sex = 0
			in.Subjects["ayah"] = s
		}, "subject.ayah.jenis_kelamin", "Jenis kelamin wajib dipilih"},
		{"penghasilan ortu: deceased father", "sk_penghasilan_ortu", func(in *Input) { dead(in, "ayah") }, "", ""},
		{"penghasilan ortu: child is the KK head", "sk_penghasilan_ortu", func(in *Input) {
			in.Subjects["anak"] = persona("kepala_keluarga", KindResident)
		}, "subject.anak", "Pelajar/mahasiswa harus berkedudukan ANAK dalam KK; Slamet Santoso tercatat KEPALA KELUARGA"},

		// Households and lists.
		{"tidak mampu: applicant not the KK head", "sk_tidak_mampu", func(in *Input) {
			in.Subjects["keluarga"] = persona("istri", KindHousehold)
		}, "subject.keluarga", "Kepala keluarga harus berkedudukan KEPALA KELUARGA dalam KK"},
		{"tidak mampu: member of another KK", "sk_tidak_mampu", func(in *Input) {
			s := in.Subjects["keluarga"]
			s.Members = append(s.Members, *persona("bayi", KindResident).Resident)
			in.Subjects["keluarga"] = s
		}, "subject.keluarga", "Anggota keluarga tidak sesuai dengan KK Slamet Santoso"},
		{"tidak mampu: beneficiary of another KK", "sk_tidak_mampu", func(in *Input) {
			in.Subjects["penerima_manfaat"] = persona("bayi", KindResident)
		}, "subject.penerima_manfaat", "Anisa Putri Nugroho harus satu KK dengan kepala keluarga"},
		{"pindah: follower of another KK", "sk_pindah", func(in *Input) {
			s := in.Subjects["pengikut"]
			s.Items = append(s.Items, persona("bayi", KindResidentList))
			in.Subjects["pengikut"] = s
		}, "subject.pengikut.3", "Anisa Putri Nugroho harus satu KK dengan pemohon"},
		{"pindah: applicant follows himself", "sk_pindah", func(in *Input) {
			s := in.Subjects["pengikut"]
			s.Items = append(s.Items, in.Subjects["pemohon"])
			in.Subjects["pengikut"] = s
		}, "subject.pengikut.3", "Anggota keluarga yang ikut pindah tidak boleh orang yang sama dengan pemohon"},
		{"pindah: no followers", "sk_pindah", func(in *Input) { delete(in.Subjects, "pengikut") }, "", ""},
		{"bepergian: typed follower", "sk_bepergian", func(in *Input) {
			s := in.Subjects["pengikut"]
			s.Items = append(s.Items, persona("luar_desa_pria", KindPerson))
			in.Subjects["pengikut"] = s
		}, "subject.pengikut.3", "Pengikut harus dipilih dari data penduduk"},

		// Other subject rules.
		{"skck: under 17 and unmarried", "sp_skck", func(in *Input) {
			in.Subjects["pemohon"] = persona("remaja", KindResident)
		}, "subject.pemohon", "Rizki Hidayat belum wajib KTP-el (umur 15 tahun dan belum pernah kawin)"},
		{"nikah: bride recorded as married", "sp_nikah", func(in *Input) {
			in.Subjects["calon_istri"] = persona("ibu_muda", KindPerson)
		}, "subject.calon_istri", "Calon istri harus berstatus BELUM KAWIN, CERAI HIDUP atau CERAI MATI; Rina Yuliani tercatat KAWIN"},
		{"nikah: typed bride from elsewhere", "sp_nikah", func(in *Input) {
			in.Subjects["calon_istri"] = persona("luar_desa_wanita", KindPerson)
		}, "", ""},
		{"nikah: groom is a woman", "sp_nikah", func(in *Input) {
			in.Subjects["calon_suami"] = persona("luar_desa_wanita", KindPerson)
		}, "subject.calon_suami", "Calon suami harus laki-laki"},
		{"nikah: without wali", "sp_nikah", func(in *Input) { delete(in.Subjects, "wali") }, "", ""},

		// Fields.
		{"required field empty", "sk_pengantar", func(in *Input) { in.Fields["keperluan"] = "   " },
			"field.keperluan", "Keperluan wajib diisi"},
		{"required enum empty", "sk_tidak_mampu", func(in *Input) { delete(in.Fields, "keperluan") },
			"field.keperluan", "Keperluan wajib dipilih"},
		{"unknown field", "sk_pengantar", func(in *Input) { in.Fields["catatan"] = "x" },
			"field.catatan", "Isian tidak dikenal untuk Surat Keterangan Pengantar"},
		{"text too long", "sk_pengantar", func(in *Input) { in.Fields["keperluan"] = strings.Repeat("a", 301) },
			"field.keperluan", "Keperluan paling banyak 300 karakter (sekarang 301)"},
		{"int not a number", "sk_kelahiran", func(in *Input) { in.Fields["anak_ke"] = "pertama" },
			"field.anak_ke", "Kelahiran ke harus berupa bilangan bulat"},
		{"int below minimum", "sk_kelahiran", func(in *Input) { in.Fields["anak_ke"] = "0" },
			"field.anak_ke", "Kelahiran ke paling sedikit 1"},
		{"int above maximum", "sk_kelahiran", func(in *Input) { in.Fields["berat_gram"] = "12000" },
			"field.berat_gram", "Berat bayi (gram) paling banyak 8000"},
		{"enum not an option", "sk_kelahiran", func(in *Input) { in.Fields["penolong"] = "Tetangga" },
			"field.penolong", "Penolong kelahiran harus salah satu dari: Dokter, Bidan/Perawat, Dukun, Lainnya"},
		{"enum in other case and spacing", "sk_kelahiran", func(in *Input) { in.Fields["penolong"] = "bidan / perawat" }, "", ""},
		{"register enum by label", "sk_beda_identitas", func(in *Input) { in.Fields["pekerjaan"] = "petani/pekebun" }, "", ""},
		{"register enum by id", "sk_beda_identitas", func(in *Input) { in.Fields["agama"] = "2" }, "", ""},
		{"register enum unknown", "sk_beda_identitas", func(in *Input) { in.Fields["pekerjaan"] = "Astronot" },
			"field.pekerjaan", "Pekerjaan pada dokumen tidak dikenal"},
		{"date malformed", "sk_beda_identitas", func(in *Input) { in.Fields["tanggal_lahir"] = "31-02-1963" },
			"field.tanggal_lahir", "Tanggal lahir pada dokumen harus berupa tanggal yang benar (HH-BB-TTTT)"},
		{"birth date in the future", "sk_beda_identitas", func(in *Input) { in.Fields["tanggal_lahir"] = "24/11/2026" },
			"field.tanggal_lahir", "Tanggal lahir pada dokumen tidak boleh melewati tanggal surat"},
		{"date in dd-mm-yyyy", "sk_beda_identitas", func(in *Input) { in.Fields["tanggal_lahir"] = "12-04-1963" }, "", ""},
		{"planned date in the past", "sp_izin_keramaian", func(in *Input) { in.Fields["tanggal_mulai"] = "2026-11-22" },
			"field.tanggal_mulai", "Tanggal acara tidak boleh sebelum tanggal surat"},
		{"end before start", "sp_izin_keramaian", func(in *Input) {
			in.Fields["tanggal_mulai"], in.Fields["tanggal_selesai"] = "2026-12-14", "2026-12-13"
		}, "field.tanggal_selesai", "Tanggal selesai tidak boleh sebelum tanggal acara"},
		{"time malformed", "sp_izin_keramaian", func(in *Input) { in.Fields["jam_mulai"] = "25:00" },
			"field.jam_mulai", "Jam mulai harus berupa jam yang benar (JJ:MM, mis. 14:30)"},
		{"time with a dot", "sp_izin_keramaian", func(in *Input) { in.Fields["jam_mulai"] = "8.15" }, "", ""},
		{"money in words", "sk_jual_beli", func(in *Input) { in.Fields["harga"] = "18,5 juta" },
			"field.harga", "Harga harus berupa jumlah rupiah, mis. 1.500.000"},
		{"money with Rp and cents", "sk_jual_beli", func(in *Input) { in.Fields["harga"] = "Rp 18.500.000,00" }, "", ""},
		{"digits field", "sp_kartu_keluarga", func(in *Input) { in.Fields["no_kk_semula"] = "35051215030800" },
			"field.no_kk_semula", "Nomor KK semula harus 16 digit angka"},

		// Signer.
		{"no signer", "sk_pengantar", func(in *Input) { in.Signer = Signer{} },
			"penandatangan", "Penandatangan wajib dipilih"},
		{"secretary signs in own name", "sk_pengantar", func(in *Input) { in.Signer = Signer{Official: DemoOfficials()[1]} },
			"penandatangan", "Dwi Rahayu Lestari, S.E. bukan kepala desa; pilih tanda tangan a.n. atau u.b."},
		{"kasi signs a.n.", "sk_pengantar", func(in *Input) { in.Signer = Signer{Official: DemoOfficials()[2], Mode: SignAN} },
			"penandatangan", "tidak berwenang menandatangani atas nama (a.n.) kepala desa"},
		{"secretary signs u.b.", "sk_pengantar", func(in *Input) { in.Signer = Signer{Official: DemoOfficials()[1], Mode: SignUB} },
			"penandatangan", "tidak berwenang menandatangani untuk beliau (u.b.)"},
		{"official of another village", "sk_pengantar", func(in *Input) { in.Signer.Official.VillageID = 9 },
			"penandatangan", "H. Suparman, S.Sos. bukan perangkat Desa Sumberejo"},
		{"inactive official", "sk_pengantar", func(in *Input) { in.Signer.Official.Active = false },
			"penandatangan", "tidak lagi aktif"},
		{"official whose term ended", "sk_pengantar", func(in *Input) {
			end := testNow.AddDate(0, -1, 0)
			in.Signer.Official.ActiveUntil = &end
		}, "penandatangan", "tidak menjabat pada tanggal surat"},
		{"unknown signing mode", "sk_pengantar", func(in *Input) { in.Signer.Mode = "cap jempol" },
			"penandatangan", `Cara tanda tangan "cap jempol" tidak dikenal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in Input
			if m := c.Module(tt.module); m != nil {
				in = Demo(m, testNow)
			} else {
				in = Demo(c.Module("sk_pengantar"), testNow)
				in.Module = tt.module
			}
			if tt.mutate != nil {
				tt.mutate(&in)
			}
			doc, err := c.Build(in)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				if doc == nil {
					t.Fatal("Build returned no document")
				}
				return
			}
			fields, ok := surat.FieldErrors(err)
			if !ok {
				t.Fatalf("got %v, want a validation error on %s", err, tt.key)
			}
			if got := fields[tt.key]; !strings.Contains(got, tt.msg) {
				t.Errorf("%s: got %q, want %q (all: %v)", tt.key, got, tt.msg, fields)
			}
		})
	}
}

func withRelation(s Subject, rel string) Subject {
	s.Relation = rel
	s.Members = nil
	return s
}

func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	c := shipped(t)
	in := Demo(c.Module("sk_kematian"), testNow)
	in.Fields["tanggal_kematian"] = "kemarin"
	in.Fields["penyebab"] = "Tidak tahu"
	delete(in.Subjects, "saksi2")
	in.Signer = Signer{}
	fields, ok := surat.FieldErrors(func() error { _, err := c.Build(in); return err }())
	if !ok {
		t.Fatal("want a validation error")
	}
	for _, k := range []string{"field.tanggal_kematian", "field.penyebab", "subject.saksi2", "penandatangan"} {
		if fields[k] == "" {
			t.Errorf("no message for %s (got %v)", k, fields)
		}
	}
}

func TestOptionalValues(t *testing.T) {
	c := shipped(t)
	find := func(doc *surat.Document, label string) (string, bool) {
		for _, b := range doc.Blocks {
			for _, r := range b.Rows {
				if r.Label == label {
					return r.Value, true
				}
			}
		}
		return "", false
	}

	// A row with "if" disappears when its field is empty.
	in := Demo(c.Module("sk_pengantar"), testNow)
	delete(in.Fields, "instansi_tujuan")
	doc, err := c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := find(doc, "Ditujukan kepada"); ok || v != "" {
		t.Errorf("empty optional row printed: %q", v)
	}

	// "or" falls back to the resident's address.
	in = Demo(c.Module("sk_domisili"), testNow)
	in.Subjects["pemohon"] = persona("anak_dewasa", KindPerson)
	delete(in.Fields, "alamat_domisili")
	doc, err = c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "Jl. Melati No. 12 RT 002 / RW 001 Dusun Krajan, Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar"
	if v, _ := find(doc, "Alamat Domisili"); v != want {
		t.Errorf("alamat domisili = %q, want %q", v, want)
	}

	// An unconditional row whose placeholders are all empty prints "-".
	in = Demo(c.Module("sk_penghasilan_ortu"), testNow)
	delete(in.Fields, "penghasilan_ayah")
	dead := persona("kepala_keluarga", KindPerson)
	dead.Resident.LifeStatus = surat.LifeDead
	in.Subjects["ayah"] = dead
	doc, err = c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := find(doc, "Penghasilan per Bulan"); v != "-" {
		t.Errorf("empty money row = %q, want -", v)
	}
	if v, _ := find(doc, "Keterangan"); v != "Telah meninggal dunia" {
		t.Errorf("deceased father note = %q", v)
	}

	// A typed identity has no KK: its register-only rows print "-".
	in = Demo(c.Module("sk_domisili"), testNow)
	doc, err = c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := find(doc, "Alamat Sesuai KTP"); !strings.Contains(v, "Kota Kediri") {
		t.Errorf("typed address = %q", v)
	}
}

func TestConditionalParagraphs(t *testing.T) {
	c := shipped(t)
	texts := func(doc *surat.Document) string {
		var b strings.Builder
		for _, blk := range doc.Blocks {
			b.WriteString(blk.Text + "\n")
		}
		return b.String()
	}
	in := Demo(c.Module("sp_rujuk_cerai"), testNow)
	in.Fields["jenis"] = "cerai"
	doc, err := c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if s := texts(doc); !strings.Contains(s, "mengajukan perceraian") || strings.Contains(s, "melakukan rujuk") {
		t.Errorf("cerai letter:\n%s", s)
	}
	in = Demo(c.Module("sk_ktp_dalam_proses"), testNow)
	delete(in.Fields, "tanggal_perekaman")
	delete(in.Fields, "keperluan")
	doc, err = c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if s := texts(doc); strings.Contains(s, "perekaman") || strings.Contains(s, "untuk keperluan") {
		t.Errorf("optional paragraphs printed:\n%s", s)
	}
}

func TestDerivedValues(t *testing.T) {
	w := demoWorld(testNow)
	v := &partyView{res: w.residents["kepala_keluarga"], members: w.members[11], village: &w.village, at: testNow}
	tests := map[string]string{
		"ttl":             "Blitar, 15 Maret 1978",
		"usia":            "48 tahun",
		"alamat":          "Jl. Melati No. 12 RT 002 / RW 001 Dusun Krajan",
		"alamat_lengkap":  "Jl. Melati No. 12 RT 002 / RW 001 Dusun Krajan, Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar",
		"jenis_kelamin":   "LAKI-LAKI",
		"jk":              "L",
		"agama":           "ISLAM",
		"status_kawin":    "KAWIN",
		"pekerjaan":       "PETANI/PEKEBUN",
		"pendidikan":      "SLTA / SEDERAJAT",
		"hubungan_kk":     "KEPALA KELUARGA",
		"kepala_keluarga": "Slamet Santoso",
		"no_kk":           "3505121503080001",
		"golongan_darah":  "O",
		"status":          "HIDUP",
	}
	for attr, want := range tests {
		if got, ok := personAttr(v, attr); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", attr, got, ok, want)
		}
	}
	child := &partyView{res: w.residents["pelajar"], members: w.members[11], village: &w.village, at: testNow}
	if got := personAttrOf(child, "kepala_keluarga"); got != "Slamet Santoso" {
		t.Errorf("kepala_keluarga of a child = %q", got)
	}
	baby := &partyView{res: w.residents["bayi"], at: testNow}
	if got := personAttrOf(baby, "usia"); got != "9 hari" {
		t.Errorf("usia of a baby = %q", got)
	}
	typed := &partyView{per: w.persons["almarhum_luar"], at: testNow}
	for _, attr := range []string{"nik", "no_kk", "status_kawin", "rt"} {
		if got := personAttrOf(typed, attr); got != "" {
			t.Errorf("typed %s = %q, want empty", attr, got)
		}
	}
	if _, ok := personAttr(nil, "nama"); !ok {
		t.Error("nama unknown for a nil view")
	}
	if _, ok := personAttr(v, "nama_lengkap"); ok {
		t.Error("unknown attribute accepted")
	}
}

// TestValidUntil pins the meaning of ValidityDays shared with surat and
// store: no settings or 0 is the module's period in calendar units, N > 0
// is N days.
func TestValidUntil(t *testing.T) {
	c := shipped(t)
	m := c.Module("sk_pengantar")
	issued := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	modulePeriod := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC) // 1 bulan from 31 January
	if got, ok := m.ValidUntil(issued, nil); !ok || !got.Equal(modulePeriod) {
		t.Errorf("no settings: %v, want %v", got, modulePeriod)
	}
	s := m.DefaultSettings()
	if s.ValidityDays != 30 {
		t.Errorf("default settings: ValidityDays %d, want 30 (1 bulan in days, for the settings form)", s.ValidityDays)
	}
	s.ValidityDays = 0
	if got, ok := m.ValidUntil(issued, &s); !ok || !got.Equal(modulePeriod) {
		t.Errorf("ValidityDays 0: %v, want the module's period %v", got, modulePeriod)
	}
	s.ValidityDays = 14
	if got, ok := m.ValidUntil(issued, &s); !ok || !got.Equal(time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("14 days = %v", got)
	}
	// Calendar periods end on the same day of the month, or on the last
	// day of a shorter month; times of day are kept.
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	for _, c := range []struct {
		period string
		from   time.Time
		want   time.Time
	}{
		{"1 bulan", day(2026, 1, 15), day(2026, 2, 15)},
		{"1 bulan", day(2028, 1, 31), day(2028, 2, 29)},
		{"1 bulan", day(2026, 3, 31), day(2026, 4, 30)},
		{"1 bulan", day(2026, 12, 31), day(2027, 1, 31)},
		{"3 bulan", day(2026, 11, 30), day(2027, 2, 28)},
		{"6 bulan", day(2026, 8, 31), day(2027, 2, 28)},
		{"1 tahun", day(2028, 2, 29), day(2029, 2, 28)},
		{"1 tahun", day(2026, 7, 17), day(2027, 7, 17)},
		{"30 hari", day(2026, 1, 31), day(2026, 3, 2)},
		{"2 minggu", day(2026, 12, 25), day(2027, 1, 8)},
	} {
		v, err := parseValidity(c.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Until(c.from); !got.Equal(c.want) {
			t.Errorf("%s from %s: %s, want %s", c.period, c.from.Format("2 Jan 2006"), got.Format("2 Jan 2006 15:04"), c.want.Format("2 Jan 2006 15:04"))
		}
	}
	// What the village settings form shows as the default, and what
	// surat.LetterSettings.Validate accepts.
	if got := c.Module("sk_ahli_waris").Validity; got.String() != "3 bulan" || got.Days() != 90 {
		t.Errorf("ahli waris validity %q = %d days", got, got.Days())
	}
	for _, m := range c.Modules() {
		s := m.DefaultSettings()
		s.ValidityDays = m.Validity.Days()
		if err := s.Validate(); err != nil {
			t.Errorf("%s: its validity in days (%d) is rejected by the settings: %v", m.Code, s.ValidityDays, err)
		}
	}
}
