package letters

import (
	"fmt"
	"strings"
)

// The loader writes its messages in English, for logs and CI, and keeps the
// format and arguments of each (LoadError, msgError) so that the template
// editor can say the same in Indonesian. Every format the loader uses has a
// row in idFormats, with the same verbs (a test walks the sources); the
// arguments are formatted again, nested messages translated first.

// msgError is an error whose English text is fmt.Sprintf(format, args...).
type msgError struct {
	format string
	args   []any
}

// msgf returns a *msgError.
func msgf(format string, args ...any) error { return &msgError{format: format, args: args} }

func (e *msgError) Error() string { return fmt.Sprintf(e.format, e.args...) }

// Indonesian is the problem in Indonesian, without file and line: what the
// template editor shows beside the line.
func (e *LoadError) Indonesian() string {
	if e.format == "" {
		return e.Msg
	}
	return indonesian(e.format, e.args)
}

// indonesian formats the translation of format with args, translating the
// arguments that are messages themselves.
func indonesian(format string, args []any) string {
	id, ok := idFormats[format]
	if !ok {
		id = format
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case *msgError:
			out[i] = indonesian(v.format, v.args)
		case string:
			out[i] = yamlProblem(v)
		default:
			out[i] = a
		}
	}
	return fmt.Sprintf(id, out...)
}

// idPhrases translate the fixed English phrases passed as arguments.
var idPhrases = map[string]string{
	"not a role of this module": "bukan peran (subjek) jenis surat ini",
	"use a list role (resident_list, person_list) or <household role>.anggota": "pakai peran daftar " +
		"(resident_list, person_list) atau <peran keluarga>.anggota",
	"did not find expected key": "kunci yang diharapkan tidak ditemukan (periksa indentasi baris ini dan " +
		"baris sebelumnya)",
	"mapping values are not allowed in this context": "tanda \": \" tidak boleh di sini; beri tanda kutip " +
		"pada teks yang memuat titik dua",
	"found character that cannot start any token": "ada karakter yang tidak boleh mengawali nilai " +
		"(mis. tab, @ atau `); beri tanda kutip",
	"could not find expected ':'":                     "tanda titik dua (:) tidak ditemukan",
	"did not find expected '-' indicator":             "tanda \"- \" untuk butir daftar tidak ditemukan",
	"did not find expected node content":              "isi yang diharapkan tidak ditemukan",
	"found undefined alias":                           "alias YAML (*nama) tidak dikenal",
	"found unexpected end of stream":                  "berkas berakhir sebelum waktunya (tanda kutip belum ditutup?)",
	"found a tab character that violates indentation": "ada karakter tab pada indentasi; pakai spasi",
}

// idFormats translate every format of the loader's messages.
var idFormats = map[string]string{
	"%s": "%s",
	"%v": "%v",

	"invalid YAML: %s":                                                           "YAML tidak valid: %s",
	"empty module file":                                                          "berkas templat kosong",
	"duplicate code %q (already defined in %s)":                                  "kode %q dipakai dua kali (sudah ada di %s)",
	"module file is %d bytes; at most %d are allowed":                            "berkas templat %d byte; paling besar %d byte",
	"YAML aliases expand the file to more than %d values; use fewer aliases":     "alias YAML membuat berkas melebihi %d nilai; kurangi alias",
	"YAML aliases expand the file to more than %d KB of text; use fewer aliases": "alias YAML membuat teks berkas melebihi %d KB; kurangi alias",

	// Values and structure.
	"expected a mapping of keys (%s)":                "harus berupa kumpulan kunci (%s)",
	"unknown key %q (allowed: %s)":                   "kunci %q tidak dikenal (yang boleh: %s)",
	"key %q given twice":                             "kunci %q ditulis dua kali",
	"missing required key %q":                        "kunci wajib %q belum ada",
	"expected a single value, not a list or mapping": "harus satu nilai, bukan daftar atau kumpulan kunci",
	"%s must not be empty":                           "%s tidak boleh kosong",
	"%s must be one line":                            "%s harus satu baris",
	"%s is longer than %d characters":                "%s lebih dari %d karakter",
	"expected true or false, got %q":                 "harus true atau false, bukan %q",
	"expected a whole number, got %q":                "harus bilangan bulat, bukan %q",
	"%s must be a list (lines starting with \"- \")": "%s harus berupa daftar (baris yang diawali \"- \")",
	"code %q must be lower case letters, digits and _ (e.g. sk_domisili)": "kode %q hanya boleh huruf kecil, angka " +
		"dan _ (mis. sk_domisili)",
	"klasifikasi %q: %s": "klasifikasi %q: %s",
	"validity %q must be a number and a unit, e.g. \"1 bulan\" or \"30 hari\"": "masa berlaku %q harus angka dan " +
		"satuan, mis. \"1 bulan\" atau \"30 hari\"",
	"validity %q: the number must be between 1 and 3650":     "masa berlaku %q: angkanya harus 1 sampai 3650",
	"validity %q: unit must be hari, minggu, bulan or tahun": "masa berlaku %q: satuannya hari, minggu, bulan atau tahun",
	"requirements: %q is longer than %d characters":          "persyaratan %q lebih dari %d karakter",
	"%s: empty option":               "%s: ada pilihan yang kosong",
	"%s: option %q given twice":      "%s: pilihan %q ditulis dua kali",
	"%s: option %q must be one line": "%s: pilihan %q harus satu baris",
	"%s: give at least one option":   "%s: isi paling sedikit satu pilihan",
	"signatures: the official's block (official: true) may appear once": "signatures: blok pejabat " +
		"(official: true) hanya boleh satu kali",

	// Subjects.
	"role %q must be lower case letters, digits and _": "peran %q hanya boleh huruf kecil, angka dan _",
	"role %q is a reserved placeholder name":           "peran %q memakai nama yang sudah dipakai sistem",
	"unknown subject kind %q (resident, person, household, resident_list, person_list)": "jenis subjek %q tidak " +
		"dikenal (resident, person, household, resident_list, person_list)",
	"unknown status %q (hidup, mati, pindah, hilang, pergi)": "status %q tidak dikenal (hidup, mati, pindah, " +
		"hilang, pergi)",
	"sex must be laki-laki or perempuan, got %q": "sex harus laki-laki atau perempuan, bukan %q",
	"typed_required: %q is not an attribute of a typed person (%s)": "typed_required: %q bukan data orang " +
		"yang diketik (%s)",
	"typed_required applies to kinds person and person_list only": "typed_required hanya untuk kind person " +
		"dan person_list",
	"unknown demo persona %q (%s)": "tokoh contoh %q tidak dikenal (%s)",
	"example %q: only list roles with hubungan take \"persona:Hubungan\"": "contoh %q: hanya peran daftar " +
		"dengan hubungan yang memakai \"tokoh:Hubungan\"",
	"example %q: %q is not one of hubungan (%s)":        "contoh %q: %q bukan salah satu hubungan (%s)",
	"role %s: min and max must satisfy 0 <= min <= max": "peran %s: min dan max harus 0 <= min <= max",
	"role %s: min, max and hubungan apply only to resident_list and person_list": "peran %s: min, max dan " +
		"hubungan hanya untuk resident_list dan person_list",
	"role %s holds one person: give one example persona": "peran %s berisi satu orang: beri satu tokoh contoh",
	"mark_dead_on_sign needs a single subject whose status allows hidup": "mark_dead_on_sign perlu satu " +
		"subjek yang statusnya boleh hidup",
	"unknown %s %q":                       "%s %q tidak dikenal",
	"role %q declared twice":              "peran %q ditulis dua kali",
	"a module needs at least one subject": "jenis surat perlu paling sedikit satu subjek",
	"the first (main) subject must be a single person or household": "subjek pertama (utama) harus satu " +
		"orang atau satu keluarga",
	"role %s: same_household names unknown role %q": "peran %s: same_household menyebut peran %q yang tidak ada",
	"role %s: same_household must name another single subject": "peran %s: same_household harus menyebut " +
		"subjek tunggal yang lain",
	"role %s: different_from names unknown role %q":   "peran %s: different_from menyebut peran %q yang tidak ada",
	"role %s: died_on must name a date field, not %q": "peran %s: died_on harus menyebut isian tanggal, bukan %q",
	"role %s: died_on needs a single subject whose status allows mati": "peran %s: died_on perlu satu " +
		"subjek yang statusnya boleh mati",
	"role %s: field %s must not be required: the register's date of death fills it when recorded": "peran " +
		"%s: isian %s tidak boleh wajib: tanggal kematian dari buku induk mengisinya bila tercatat",
	"role %s is never used in the body": "peran %s tidak pernah dipakai di isi surat",

	// Fields.
	"field name %q must be lower case letters, digits and _": "nama isian %q hanya boleh huruf kecil, angka dan _",
	"field %s: people are declared under subjects (kind: %s), not as fields": "isian %s: orang ditulis di " +
		"subjects (kind: %s), bukan sebagai isian",
	"unknown field type %q (text, textarea, date, time, int, money, enum)": "tipe isian %q tidak dikenal " +
		"(text, textarea, date, time, int, money, enum)",
	"field %s: max_length applies to text and textarea only": "isian %s: max_length hanya untuk text dan textarea",
	"field %s: max_length must be between 1 and 5000":        "isian %s: max_length harus 1 sampai 5000",
	"field %s: %s applies to int and money only":             "isian %s: %s hanya untuk int dan money",
	"field %s: min is greater than max":                      "isian %s: min lebih besar dari max",
	"unknown enum %q (%s)":                                   "enum %q tidak dikenal (%s)",
	"field %s: give either options or enum, not both":        "isian %s: isi options atau enum, tidak keduanya",
	"field %s: an enum field needs options or enum":          "isian %s: isian pilihan (enum) perlu options atau enum",
	"field %s: options and enum apply to type enum only":     "isian %s: options dan enum hanya untuk tipe enum",
	"field %s: not_future applies to dates only":             "isian %s: not_future hanya untuk tanggal",
	"field %s: not_past applies to dates only":               "isian %s: not_past hanya untuk tanggal",
	"field %s: not_past and not_future together leave only the letter date": "isian %s: not_past dan " +
		"not_future bersama-sama hanya menyisakan tanggal surat",
	"field %s: digits (1-30) applies to text fields only": "isian %s: digits (1-30) hanya untuk isian text",
	"field %s: not_before applies to dates only":          "isian %s: not_before hanya untuk tanggal",
	"field %s: default %q is not valid: %s":               "isian %s: nilai bawaan %q tidak valid: %s",
	"field %s: example %q is not valid: %s":               "isian %s: contoh %q tidak valid: %s",
	"field %s is required and needs an example (used by the letter preview)": "isian %s wajib diisi, jadi " +
		"perlu contoh (example) untuk pratinjau surat",
	"field %q declared twice": "isian %q ditulis dua kali",
	"field %s: not_before must name another date field, not %q": "isian %s: not_before harus menyebut " +
		"isian tanggal yang lain, bukan %q",
	"field %s is never used in the body": "isian %s tidak pernah dipakai di isi surat",

	// Body, placeholders and conditions.
	"a body block needs exactly one of paragraph, heading, rows, table": "blok isi surat perlu tepat satu dari " +
		"paragraph, heading, rows, table",
	"indent applies to rows only":                          "indent hanya untuk rows",
	"labels are plain text; placeholders belong in values": "label berupa teks biasa; kode isian ditulis di nilai",
	"label %q: write labels in Title Case (%q)":            "label %q: tulis setiap kata label berawal huruf besar (%q)",
	"table source %q: %s":                                  "sumber tabel %q: %s",
	"a column is one \"Header: value\" pair":               "satu kolom berupa satu pasangan \"Judul: nilai\"",
	"a table needs at least one column":                    "tabel perlu paling sedikit satu kolom",
	"empty text":                                           "teks kosong",
	"unknown placeholder {{%s}}: %v":                       "kode isian {{%s}} tidak dikenal: %v",
	"if %q: %v":                                            "if %q: %v",
	"\"}}\" without a matching \"{{\"":                     "ada \"}}\" tanpa \"{{\" pasangannya",
	"unclosed placeholder %q":                              "kode isian belum ditutup dengan \"}}\": %q",
	"malformed placeholder {{%s}}: expected a name such as pemohon.nama": "kode isian {{%s}} salah tulis: " +
		"harus nama seperti pemohon.nama",
	"unknown filter %q in {{%s}} (upper, lower, lcfirst, or <name>)": "filter %q di {{%s}} tidak dikenal " +
		"(upper, lower, lcfirst, atau or <nama>)",
	"use != instead of combining ! with a comparison":  "pakai != alih-alih menggabungkan ! dengan perbandingan",
	"compare with a value, e.g. field.jenis = Rujuk":   "bandingkan dengan sebuah nilai, mis. field.jenis = Rujuk",
	"expected a name such as field.keterangan, got %q": "harus nama seperti field.keterangan, bukan %q",
	"a role can only be tested for presence":           "peran hanya dapat diuji ada atau tidaknya",
	"%q is not an option of field %s (%s)":             "%q bukan pilihan isian %s (%s)",
	"table columns use {{no}}, {{hubungan}} or a person attribute such as {{nama}}": "kolom tabel memakai " +
		"{{no}}, {{hubungan}} atau data orang seperti {{nama}}",
	"a table row has no attribute %q (%s, no, hubungan)": "baris tabel tidak punya data %q (%s, no, hubungan)",
	"desa has no attribute %q (%s)":                      "desa tidak punya data %q (%s)",
	"penandatangan has no attribute %q (nama, jabatan, nip)": "penandatangan tidak punya data %q " +
		"(nama, jabatan, nip)",
	"surat has no attribute %q (judul, nomor, kode, tanggal, berlaku_mulai, berlaku_sampai)": "surat tidak " +
		"punya data %q (judul, nomor, kode, tanggal, berlaku_mulai, berlaku_sampai)",
	"%q is neither a role of this module nor desa, penandatangan, surat or field": "%q bukan peran jenis " +
		"surat ini, bukan pula desa, penandatangan, surat atau field",
	"use %s.<attribute>, e.g. %s.nama": "pakai %s.<data>, mis. %s.nama",
	"%s is a list: use {{%s.jumlah}} or a table with source %s": "%s berupa daftar: pakai {{%s.jumlah}} " +
		"atau tabel dengan sumber %s",
	"%s has no attribute %q (%s%s)":          "%s tidak punya data %q (%s%s)",
	"use field.<name>, e.g. field.keperluan": "pakai field.<nama>, mis. field.keperluan",
	"no field %q is declared":                "isian %q tidak ada di fields",
	"field %s (%s) has no %q (int and money have .terbilang, date has .hari)": "isian %s (%s) tidak punya " +
		"%q (int dan money punya .terbilang, date punya .hari)",

	// Signatures, forms and new residents.
	"a signature group needs at least one block":        "kelompok tanda tangan perlu paling sedikit satu blok",
	"official: false is the default; leave the key out": "official: false adalah bawaan; hapus kunci ini",
	"the official's block takes its name, office and NIP from the signer; %s is not allowed": "blok pejabat " +
		"mengambil nama, jabatan dan NIP dari penandatangan; %s tidak boleh",
	"role %q is not a subject of this module": "peran %q bukan subjek jenis surat ini",
	"a block with a role prints that person's name; name is for blocks without a role": "blok dengan role " +
		"mencetak nama orang itu; name hanya untuk blok tanpa role",
	"a signature block needs official: true, a role or a caption": "blok tanda tangan perlu official: true, " +
		"role atau caption",
	"reference lines are plain, non-empty text": "baris reference berupa teks biasa dan tidak kosong",
	"roles must be a mapping of short names to roles or fields (calon: calon_suami)": "roles harus berupa " +
		"pasangan nama pendek dengan peran atau isian (calon: calon_suami)",
	"roles: %q: %q must be names such as calon or field.bin": "roles: %q: %q harus nama seperti calon atau field.bin",
	"roles: %q is already a role or a reserved name":         "roles: %q sudah dipakai sebagai peran atau nama sistem",
	"roles: %s must name a role of this module, not %q":      "roles: %s harus menyebut peran jenis surat ini, bukan %q",
	"roles: %s must name a field (field.<name>), not %q":     "roles: %s harus menyebut isian (field.<nama>), bukan %q",
	"roles: %s is already a field":                           "roles: %s sudah dipakai sebagai isian",
	"roles: %q must be a short role name or field.<name>":    "roles: %q harus nama peran pendek atau field.<nama>",
	"new_resident: %s %q is not a subject of this module":    "new_resident: %s %q bukan subjek jenis surat ini",
	"new_resident: %s must be a single person (kind person)": "new_resident: %s harus satu orang (kind person)",
	"new_resident: %s must be a role restricted to sex %s":   "new_resident: %s harus peran yang dibatasi jenis kelamin %s",
	"new_resident: role %s needs typed_required: [jenis_kelamin, tempat_lahir, tanggal_lahir]": "new_resident: " +
		"peran %s perlu typed_required: [jenis_kelamin, tempat_lahir, tanggal_lahir]",
}

// yamlProblem translates a fixed phrase, or the start of a YAML syntax
// error where it is one of the common ones; other text stays as it is.
func yamlProblem(msg string) string {
	if id, ok := idPhrases[msg]; ok {
		return id
	}
	for en, id := range idPhrases {
		if strings.HasPrefix(msg, en) {
			return id + msg[len(en):]
		}
	}
	return msg
}
