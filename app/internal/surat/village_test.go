package surat

import (
	"strings"
	"testing"
)

// TestVillageValidate checks the profile every form and the store share:
// required names, the kode desa, and an address counted in characters,
// not bytes (a kop address may hold accented letters).
func TestVillageValidate(t *testing.T) {
	good := func() Village {
		return Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", Address: "Jl. Raya Sumberejo No. 1",
			NumberScope: ScopeModule, Paper: PaperF4}
	}
	v := good()
	if err := v.Validate(); err != nil {
		t.Fatalf("a good profile: %v", err)
	}
	v.Address = strings.Repeat("é", 200) // 400 bytes, 200 characters
	if err := v.Validate(); err != nil {
		t.Fatalf("an address of 200 characters: %v", err)
	}
	v.Address += "a"
	fields, _ := FieldErrors(v.Validate())
	if fields["address"] != "Alamat paling banyak 200 karakter" || len(fields) != 1 {
		t.Fatalf("an address of 201 characters: %v", fields)
	}
	v = good()
	v.Code, v.Name = "35051220", ""
	fields, _ = FieldErrors(v.Validate())
	if !strings.Contains(fields["code"], "10 digit") || fields["name"] != "Nama desa wajib diisi" || len(fields) != 2 {
		t.Fatalf("a short code and no name: %v", fields)
	}
}
