package mandiri

import (
	"fmt"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestIssuePIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		other := f.village("3505122002", "Sumberagung", true)
		stranger := f.resident(other, "3505126607700005", "Warga Desa Lain", kkAni)
		dead := f.resident(f.v, "3505121501800004", "Almarhum Tono", kkAni)
		f.kill(f.v, dead)

		for _, tc := range []struct {
			name, nik string
			field     string // the message on "nik", or "" for an issued PIN
			reset     bool
		}{
			{name: "first PIN", nik: f.budi.NIK},
			{name: "reset", nik: " " + f.budi.NIK + " ", reset: true},
			{name: "malformed NIK", nik: "35051215018000", field: "NIK harus 16 digit angka (sekarang 14 karakter)"},
			{name: "letters in the NIK", nik: "35051215018000AB", field: "NIK hanya boleh berisi angka"},
			{name: "nobody in the village", nik: "3505129999990009", field: "Penduduk dengan NIK ini tidak ada di desa Anda"},
			{name: "resident of another village", nik: stranger.NIK, field: "Penduduk dengan NIK ini tidak ada di desa Anda"},
			{name: "dead resident", nik: dead.NIK, field: "Penduduk ini berstatus MATI dan tidak dapat memakai layanan mandiri"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := f.svc.IssuePIN(f.ctx, f.clerk, f.v.ID, tc.nik)
				if tc.field != "" {
					if fields, _ := surat.FieldErrors(err); fields["nik"] != tc.field {
						t.Fatalf("err = %v, want nik %q", err, tc.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Resident.ID != f.budi.ID || got.Reset != tc.reset || surat.ValidatePIN(got.PIN) != "" {
					t.Errorf("issued %+v, want Budi, reset %v, a valid PIN", got, tc.reset)
				}
				login, err := f.st.ResidentLoginByNIK(f.ctx, f.v.ID, f.budi.NIK)
				if err != nil {
					t.Fatal(err)
				}
				if !login.Account.MustChange || auth.Verify(got.PIN, login.Account.PINHash) != nil {
					t.Errorf("stored account %+v does not hold the issued PIN to be changed", login.Account)
				}
			})
		}
	})
}

func TestChangePIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		const issued = "583920"
		for _, tc := range []struct {
			name, current, next, again string
			fields                     map[string]string // expected messages, nil for a change
		}{
			{name: "no current PIN", current: "", next: "480917", again: "480917",
				fields: map[string]string{"pin_lama": "PIN lama wajib diisi"}},
			{name: "trivial", current: issued, next: "123456", again: "123456",
				fields: map[string]string{"pin_baru": "PIN terlalu mudah ditebak (mis. 123456, 000000 atau 121212); pilih angka lain"}},
			{name: "too short", current: issued, next: "48091", again: "48091",
				fields: map[string]string{"pin_baru": "PIN harus 6 digit angka"}},
			{name: "the same", current: issued, next: issued, again: issued,
				fields: map[string]string{"pin_baru": "PIN baru harus berbeda dari PIN lama"}},
			{name: "typed differently", current: issued, next: "480917", again: "480918",
				fields: map[string]string{"pin_ulang": "Ulangi PIN baru dengan angka yang sama"}},
			{name: "wrong current", current: "000001", next: "480917", again: "480917",
				fields: map[string]string{"pin_lama": "PIN lama salah"}},
			{name: "changed", current: issued, next: "480917", again: "480917"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				login := f.account(f.v, f.budi, issued)
				err := f.svc.ChangePIN(f.ctx, login, "", tc.current, tc.next, tc.again)
				after, lerr := f.st.ResidentLoginByNIK(f.ctx, f.v.ID, f.budi.NIK)
				if lerr != nil {
					t.Fatal(lerr)
				}
				if tc.fields != nil {
					fields, ok := surat.FieldErrors(err)
					if !ok || fmt.Sprint(fields) != fmt.Sprint(tc.fields) {
						t.Errorf("err = %v, want %v", err, tc.fields)
					}
					if after.Account.PINHash != login.Account.PINHash {
						t.Error("a refused change stored a new PIN")
					}
					return
				}
				if err != nil || after.Account.MustChange || auth.Verify(tc.next, after.Account.PINHash) != nil {
					t.Errorf("change: %v; account %+v", err, after.Account)
				}
			})
		}
	})
}

func TestNewPIN(t *testing.T) {
	for pin, ok := range map[string]bool{
		"583920": true, "104729": true, "123456": false, "000000": false, "999999": false, "987654": false,
		"890123": false, "121212": false, "123123": false, "12345": false, "12a456": false, "1234567": false,
	} {
		if got := surat.ValidatePIN(pin) == ""; got != ok {
			t.Errorf("ValidatePIN(%q) ok = %v, want %v", pin, got, ok)
		}
	}
	seen := map[string]bool{}
	for range 200 {
		p, err := newPIN()
		if err != nil || surat.ValidatePIN(p) != "" {
			t.Fatalf("newPIN = %q, %v", p, err)
		}
		seen[p] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 PINs drawn, only %d distinct", len(seen))
	}
}
