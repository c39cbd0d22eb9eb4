package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestPKICommands(t *testing.T) {
	storage := t.TempDir()
	env := envFor(map[string]string{"APP_STORAGE": storage, "APP_LOG_LEVEL": "warn"})
	ctx := context.Background()
	const rootPass, signerPass = "akar-rahasia-123", "kades-rahasia-9"
	pki := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"pki"}, args...), env, strings.NewReader(stdin), &out)
		for _, secret := range []string{rootPass, signerPass} {
			if strings.Contains(out.String(), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
				t.Errorf("pki %v printed a passphrase", args)
			}
		}
		return out.String(), err
	}
	wantErr := func(err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one saying %q", err, want)
		}
	}

	_, err := pki("", "issue", "--village", "3505122001", "--official", "1")
	wantErr(err, "tidak ditemukan")
	_, err = pki(rootPass+"\nlain-sekali-123\n", "init", "--name", "Otoritas Sertifikat Kabupaten Uji")
	wantErr(err, "tidak sama")
	_, err = pki("", "init", "--name", "Otoritas Sertifikat Kabupaten Uji")
	wantErr(err, "stdin")
	_, err = pki(rootPass+"\n", "init", "--name", "X", "--passphrase", rootPass)
	wantErr(err, "flag provided but not defined")
	out, err := pki(rootPass+"\n"+rootPass+"\n", "init", "--name", "Otoritas Sertifikat Kabupaten Uji")
	if err != nil || !regexp.MustCompile(`SHA-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}`).MatchString(out) {
		t.Fatalf("init: %v\n%s", err, out)
	}
	_, err = pki(rootPass+"\n"+rootPass+"\n", "init", "--name", "Lagi")
	wantErr(err, "sudah ada")

	// A village with a kepala desa, straight in the database.
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", DSN: filepath.Join(storage, "suratdesa.db")})
	if err != nil {
		t.Fatal(err)
	}
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberFormat: surat.DefaultNumberFormat,
		NumberScope: "module", Paper: "F4"}
	o := &surat.Official{Name: "H. Suparman, S.Sos.", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := st.CreateVillage(ctx, surat.Actor{Username: "test"}, v); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateOfficial(ctx, surat.Actor{Username: "test"}, v.ID, o); err != nil {
		t.Fatal(err)
	}
	st.Close()
	official := fmt.Sprint(o.ID)

	_, err = pki("salah-akar-123\n"+signerPass+"\n"+signerPass+"\n", "issue", "--village", v.Code, "--official", official)
	wantErr(err, "frasa sandi root CA salah")
	_, err = pki(rootPass+"\n"+signerPass+"\nbeda-frasa-99\n", "issue", "--village", v.Code, "--official", official)
	wantErr(err, "tidak sama")
	_, err = pki(rootPass+"\npendek\npendek\n", "issue", "--village", v.Code, "--official", official)
	wantErr(err, "paling sedikit 8")
	_, err = pki(rootPass+"\n"+signerPass+"\n"+signerPass+"\n", "issue", "--village", v.Code, "--official", "999")
	wantErr(err, "tidak ditemukan")
	if out, _ := pki("", "list", "--village", v.Code); !strings.Contains(out, "belum ada sertifikat") {
		t.Errorf("refused issues stored a certificate:\n%s", out)
	}
	out, err = pki(rootPass+"\n"+signerPass+"\n"+signerPass+"\n", "issue", "--village", v.Code, "--official", official)
	m := regexp.MustCompile(`nomor seri: ([0-9a-f]+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("issue: %v\n%s", err, out)
	}
	serial := m[1]
	out, err = pki("", "list", "--village", v.Code)
	if err != nil || !strings.Contains(out, "sertifikat "+serial) || !strings.Contains(out, "berlaku") ||
		!strings.Contains(out, "H. Suparman") {
		t.Errorf("list: %v\n%s", err, out)
	}

	// The official changes the passphrase: the old one stops working.
	const newPass = "kades-baru-rahasia-8"
	_, err = pki("salah-sekali-1\n"+newPass+"\n"+newPass+"\n", "passphrase", "--serial", serial)
	wantErr(err, "frasa sandi penandatangan saat ini salah")
	_, err = pki(signerPass+"\n"+newPass+"\nlain-lagi-999\n", "passphrase", "--serial", serial)
	wantErr(err, "tidak sama")
	_, err = pki("", "passphrase")
	wantErr(err, "--serial")
	out, err = pki(signerPass+"\n"+newPass+"\n"+newPass+"\n", "passphrase", "--serial", serial)
	if err != nil || !strings.Contains(out, "diganti") || strings.Contains(out, newPass) {
		t.Fatalf("passphrase: %v\n%s", err, out)
	}
	_, err = pki(signerPass+"\n"+signerPass+"\n"+signerPass+"\n", "passphrase", "--serial", serial)
	wantErr(err, "saat ini salah")
	if _, err := pki(newPass+"\n"+signerPass+"\n"+signerPass+"\n", "passphrase", "--serial", serial); err != nil {
		t.Errorf("changing back with the new passphrase: %v", err)
	}

	_, err = pki(rootPass+"\n", "revoke", "--serial", serial)
	wantErr(err, "--reason")
	_, err = pki("salah-akar-123\n", "revoke", "--serial", serial, "--reason", "Kunci hilang")
	wantErr(err, "frasa sandi root CA salah")
	if out, _ := pki("", "list"); strings.Contains(out, "dicabut") {
		t.Errorf("wrong root passphrase revoked the certificate:\n%s", out)
	}
	out, err = pki(rootPass+"\n", "revoke", "--serial", strings.ToUpper(serial), "--reason", "Kunci hilang")
	if err != nil || !strings.Contains(out, "dicabut") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if out, _ := pki("", "list"); !strings.Contains(out, "dicabut") || !strings.Contains(out, "Kunci hilang") ||
		!strings.Contains(out, "CRL nomor 2") {
		t.Errorf("list after revocation:\n%s", out)
	}
	_, err = pki(rootPass+"\n", "revoke", "--serial", serial, "--reason", "lagi")
	wantErr(err, "sudah dicabut")
	_, err = pki(signerPass+"\n"+newPass+"\n"+newPass+"\n", "passphrase", "--serial", serial)
	wantErr(err, "sudah dicabut")
	_, err = pki(rootPass+"\n", "revoke", "--serial", "abcdef", "--reason", "x")
	wantErr(err, "tidak ditemukan")
	_, err = pki(rootPass+"\n", "revoke", "--serial", "abcdef")
	wantErr(err, "--reason wajib diisi")
	_, err = pki(rootPass+"\n", "revoke", "--reason", "x")
	wantErr(err, "--serial HEX wajib diisi")
	_, err = pki(signerPass+"\n", "passphrase")
	wantErr(err, "--serial HEX wajib diisi")
	if out, _ := pki("", "list"); strings.Contains(out, "belum tercantum") {
		t.Errorf("list after a revocation with the CRL names one waiting:\n%s", out)
	}
	// A certificate revoked by a village admin (no root key) waits for the
	// next CRL, and the list says so until app pki crl.
	if _, err := pki(rootPass+"\n"+signerPass+"\n"+signerPass+"\n", "issue", "--village", "3505122001", "--official",
		strconv.FormatInt(o.ID, 10)); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(ctx, store.Options{Driver: "sqlite", DSN: filepath.Join(storage, "suratdesa.db")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.ActiveCertificateForOfficial(ctx, v.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeCertificate(ctx, surat.Actor{Username: "admin-desa"}, v.ID, second.ID, "Pindah tugas", nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if out, _ := pki("", "list"); !strings.Contains(out, "belum tercantum dalam CRL: sertifikat "+second.Serial) {
		t.Errorf("list after a revocation without the CRL:\n%s", out)
	}
	if out, err := pki(rootPass+"\n", "crl"); err != nil || !strings.Contains(out, "CRL nomor 3") {
		t.Errorf("crl: %v\n%s", err, out)
	}
	if out, _ := pki("", "list"); strings.Contains(out, "belum tercantum") {
		t.Errorf("list after app pki crl:\n%s", out)
	}
	_, err = pki("", "rotate")
	wantErr(err, "tidak dikenal")
}

// TestDemoSetsUpSigning starts --demo twice: the first start creates the
// root CA and the kepala desa's certificate and prints the passphrase, the
// second creates nothing new.
func TestDemoSetsUpSigning(t *testing.T) {
	storage := t.TempDir()
	for round := 1; round <= 2; round++ {
		out := &syncBuffer{}
		if err := serveBriefly(t, envFor(map[string]string{"APP_STORAGE": storage, "APP_LOG_LEVEL": "warn"}), out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Frasa sandi tanda tangan elektronik (kades, juga root CA demo): demo12345") {
			t.Errorf("round %d: demo notice lacks the signing passphrase:\n%s", round, out.String())
		}
	}
	var list bytes.Buffer
	env := envFor(map[string]string{"APP_STORAGE": storage, "APP_LOG_LEVEL": "warn"})
	if err := run(context.Background(), []string{"pki", "list"}, env, nil, &list); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(list.String(), "root CA \""); n != 1 {
		t.Errorf("%d roots after two demo starts:\n%s", n, list.String())
	}
	if n := strings.Count(list.String(), "  sertifikat "); n != 1 || !strings.Contains(list.String(), "H. Suparman") {
		t.Errorf("%d certificates after two demo starts, want 1 for the kepala desa:\n%s", n, list.String())
	}
}

// serveBriefly runs `app --demo` until /healthz answers, then stops it.
func serveBriefly(t *testing.T, env func(string) string, out *syncBuffer) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	wrapped := func(k string) string {
		if k == "APP_ADDR" {
			return addr
		}
		return env(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--demo"}, wrapped, nil, out) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("demo server stopped: %v\n%s", err, out.String())
		default:
		}
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			cancel()
			return <-done
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("demo server did not start")
}
