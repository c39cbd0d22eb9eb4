package mandiri

import (
	"errors"
	"fmt"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		budi := f.account(f.v, f.budi, "583920")
		dead := f.resident(f.v, "3505121501800004", "Almarhum Tono", kkAni)
		f.account(f.v, dead, "583920")
		f.kill(f.v, dead)
		taken := f.recordVerify()

		const dummy, own = "dummy", "own"
		for _, tc := range []struct {
			name, nik, pin string
			// fields are the field messages expected; empty for none.
			fields map[string]string
			// verified is the hash the one PIN check used: dummy, own or
			// "" for no check at all.
			verified string
			ok       bool
		}{
			{name: "right PIN", nik: f.budi.NIK, pin: "583920", verified: own, ok: true},
			{name: "right PIN with spaces", nik: " " + f.budi.NIK + " ", pin: " 583920 ", verified: own, ok: true},
			{name: "wrong PIN", nik: f.budi.NIK, pin: "000001", verified: own},
			{name: "unknown NIK", nik: "3505129999990009", pin: "583920", verified: dummy},
			{name: "NIK without account", nik: f.siti.NIK, pin: "583920", verified: dummy},
			{name: "dead resident, right PIN", nik: dead.NIK, pin: "583920", verified: dummy},
			{name: "no NIK", nik: "", pin: "583920", fields: map[string]string{"nik": "NIK wajib diisi"}},
			{name: "short NIK", nik: "35051215", pin: "583920",
				fields: map[string]string{"nik": "NIK harus 16 digit angka (sekarang 8 karakter)"}},
			{name: "no PIN", nik: f.budi.NIK, pin: " ", fields: map[string]string{"pin": "PIN wajib diisi"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				login, err := f.svc.Login(f.ctx, Credentials{NIK: tc.nik, PIN: tc.pin, IP: "192.0.2.1"})
				got := taken()
				switch {
				case tc.ok:
					if err != nil || login.Resident.ID != f.budi.ID {
						t.Fatalf("login = %+v, %v", login, err)
					}
				case tc.fields != nil:
					fields, ok := surat.FieldErrors(err)
					if !ok || fmt.Sprint(fields) != fmt.Sprint(tc.fields) {
						t.Fatalf("err = %v, want fields %v", err, tc.fields)
					}
				case !errors.Is(err, ErrInvalidCredentials):
					t.Fatalf("err = %v, want ErrInvalidCredentials", err)
				}
				want := map[string]string{dummy: f.svc.dummyHash, own: budi.Account.PINHash}[tc.verified]
				switch {
				case tc.verified == "" && len(got) != 0:
					t.Errorf("%d PIN checks for a refused form, want none", len(got))
				case tc.verified != "" && (len(got) != 1 || got[0] != want):
					t.Errorf("PIN checked %d times, against the %s hash: %v", len(got), tc.verified,
						len(got) == 1 && got[0] == want)
				}
			})
		}
	})
}

func TestLoginKodeDesa(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		f.account(f.v, f.budi, "583920")
		// With one village the kode desa is not needed, and ignored.
		for _, kode := range []string{"", "9999999999"} {
			if _, err := f.svc.Login(f.ctx, Credentials{KodeDesa: kode, NIK: f.budi.NIK, PIN: "583920"}); err != nil {
				t.Errorf("one village, kode %q: %v", kode, err)
			}
		}
		if multi, err := f.svc.MultiVillage(f.ctx); err != nil || multi {
			t.Errorf("MultiVillage with one village = %v, %v", multi, err)
		}
		// A second village has a resident with Budi's NIK: the kode desa
		// decides who signs in.
		other := f.village("3505122002", "Sumberagung", true)
		twin := f.resident(other, f.budi.NIK, "Budi Kembar", kkAni)
		f.account(other, twin, "480917")
		if multi, err := f.svc.MultiVillage(f.ctx); err != nil || !multi {
			t.Errorf("MultiVillage with two villages = %v, %v", multi, err)
		}
		for _, tc := range []struct {
			kode, pin string
			want      int64  // resident signed in, or 0
			field     string // message on kode_desa, or ""
		}{
			{kode: "3505122001", pin: "583920", want: f.budi.ID},
			{kode: "35.05.12.2001", pin: "583920", want: f.budi.ID},
			{kode: " 3505122002 ", pin: "480917", want: twin.ID},
			{kode: "3505122002", pin: "583920"},
			{kode: "", pin: "583920", field: "Kode desa wajib diisi"},
			{kode: "3505129999", pin: "583920", field: "Kode desa tidak terdaftar"},
		} {
			login, err := f.svc.Login(f.ctx, Credentials{KodeDesa: tc.kode, NIK: f.budi.NIK, PIN: tc.pin})
			fields, _ := surat.FieldErrors(err)
			switch {
			case tc.want != 0 && (err != nil || login.Resident.ID != tc.want):
				t.Errorf("kode %q: %+v, %v; want resident %d", tc.kode, login, err, tc.want)
			case tc.field != "" && fields["kode_desa"] != tc.field:
				t.Errorf("kode %q: %v, want kode_desa %q", tc.kode, err, tc.field)
			case tc.want == 0 && tc.field == "" && !errors.Is(err, ErrInvalidCredentials):
				t.Errorf("kode %q: %v, want ErrInvalidCredentials", tc.kode, err)
			}
		}
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		f.account(f.v, f.budi, "583920")
		taken := f.recordVerify()
		login := func(nik, pin, ip string) error {
			_, err := f.svc.Login(f.ctx, Credentials{NIK: nik, PIN: pin, IP: ip})
			return err
		}
		var locked *LockedError
		// Wrong PINs lock the account on the fifth, until 15 minutes later,
		// in the database.
		for i := 1; i <= MaxPINFailures; i++ {
			err := login(f.budi.NIK, "000001", fmt.Sprintf("192.0.2.%d", i))
			if last := i == MaxPINFailures; last != errors.As(err, &locked) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if want := f.clock.Now().Add(LockoutDuration); !locked.Until.Equal(want) || !errors.Is(locked, surat.ErrLocked) {
			t.Errorf("locked until %v, want %v", locked.Until, want)
		}
		// While locked the right PIN is refused too, without any PIN being
		// checked, also by another replica (a second service on the same
		// database): the lock is in the database.
		taken()
		other, err := New(f.svc.d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Login(f.ctx, Credentials{NIK: f.budi.NIK, PIN: "583920", IP: "198.51.100.1"}); !errors.As(err, &locked) {
			t.Errorf("right PIN while locked: %v", err)
		}
		if h := taken(); len(h) != 0 {
			t.Errorf("a locked login checked %d hashes", len(h))
		}
		// A NIK without an account locks after as many failures.
		for i := 1; i <= MaxPINFailures; i++ {
			err := login("3505129999990007", "000001", fmt.Sprintf("198.51.100.%d", i+1))
			if last := i == MaxPINFailures; last != errors.As(err, &locked) {
				t.Fatalf("unknown NIK failure %d: %v", i, err)
			}
		}
		f.clock.Advance(LockoutDuration)
		if err := login(f.budi.NIK, "583920", "203.0.113.1"); err != nil {
			t.Errorf("after the lock-out: %v", err)
		}
		if err := login("3505129999990007", "000001", "203.0.113.1"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("unknown NIK after its lock-out: %v", err)
		}
	})
}

func TestLoginAddressLimit(t *testing.T) {
	f := newFixture(t, storetest.SQLite)
	f.account(f.v, f.budi, "583920")
	const ip = "192.0.2.7"
	for i := range MaxIPFailures {
		nik := fmt.Sprintf("35051299999900%02d", i)
		if _, err := f.svc.Login(f.ctx, Credentials{NIK: nik, PIN: "000001", IP: ip}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var blocked *IPBlockedError
	if _, err := f.svc.Login(f.ctx, Credentials{NIK: f.budi.NIK, PIN: "583920", IP: ip}); !errors.As(err, &blocked) ||
		!blocked.Until.Equal(f.clock.Now().Add(IPFailureWindow)) {
		t.Errorf("after %d failures from one address: %v", MaxIPFailures, err)
	}
	if _, err := f.svc.Login(f.ctx, Credentials{NIK: f.budi.NIK, PIN: "583920", IP: "192.0.2.8"}); err != nil {
		t.Errorf("another address: %v", err)
	}
	f.clock.Advance(IPFailureWindow)
	if _, err := f.svc.Login(f.ctx, Credentials{NIK: f.budi.NIK, PIN: "583920", IP: ip}); err != nil {
		t.Errorf("after the window: %v", err)
	}
}
