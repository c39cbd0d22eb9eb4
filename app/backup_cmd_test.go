package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestBackupWhileSigningRestores takes a backup while letters are being
// signed, restores it into a fresh deployment and checks what an operator
// would after a disaster: every signed letter's PDF is there, matches its
// SHA-256 and is valid for pdfsig; the audit chains verify; the numbers
// have no gap; a second restore into the now non-empty deployment is
// refused.
func TestBackupWhileSigningRestores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b == storetest.MySQL {
			if _, err := exec.LookPath("mysqldump"); err != nil {
				t.Skip("mysqldump not installed (Debian package mariadb-client)")
			}
		}
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		storage := t.TempDir()
		const letters = 30
		fx := approvedLetters(t, st, storage, letters)
		env := envFor(map[string]string{"APP_DB": string(b), "APP_DSN": dsn, "APP_STORAGE": storage,
			"APP_LOG_LEVEL": "warn", "APP_SECRET": strings.Repeat("s", 32)})

		// Sign in batches of three while the backup runs.
		var wg sync.WaitGroup
		signed := make(chan int, letters)
		wg.Go(func() {
			defer close(signed)
			for ids := range slices.Chunk(fx.ids, 3) {
				res, err := fx.iss.SignBatch(ctx, fx.kades, fx.village, ids, demo.SigningPassphrase)
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range res {
					if r.Err != nil {
						t.Errorf("letter %d: %v", r.LetterID, r.Err)
					}
				}
				signed <- len(ids)
			}
		})
		<-signed // at least one batch is in
		archive := filepath.Join(t.TempDir(), "cadangan.tar.gz")
		var out bytes.Buffer
		if err := run(ctx, []string{"backup", "--out", archive}, env, nil, &out); err != nil {
			t.Fatalf("backup: %v\n%s", err, out.String())
		}
		wg.Wait()
		if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("archive: %v %v, want mode 0600", fi, err)
		}

		// A fresh deployment.
		storage2 := t.TempDir()
		vars := map[string]string{"APP_DB": string(b), "APP_STORAGE": storage2, "APP_LOG_LEVEL": "warn",
			"APP_SECRET": strings.Repeat("s", 32)}
		dsn2 := filepath.Join(storage2, "suratdesa.db")
		if b == storetest.MySQL {
			_, dsn2 = storetest.OpenDSN(t, b, nil)
		}
		vars["APP_DSN"] = dsn2
		env2 := envFor(vars)
		out.Reset()
		if err := run(ctx, []string{"restore", archive}, env2, nil, &out); err != nil {
			t.Fatalf("restore: %v\n%s", err, out.String())
		}
		t.Log(strings.TrimSpace(out.String()))
		out.Reset()
		if err := run(ctx, []string{"audit", "verify"}, env2, nil, &out); err != nil {
			t.Errorf("audit chain after restore: %v\n%s", err, out.String())
		}
		if err := run(ctx, []string{"restore", archive}, env2, nil, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("restore into a non-empty deployment: %v", err)
		}

		db, err := sql.Open(string(b), dsn2)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query("SELECT pdf_path, pdf_sha256, number_seq FROM letters WHERE status = 'ditandatangani' ORDER BY number_seq")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var path, sum string
			var seq int
			if err := rows.Scan(&path, &sum, &seq); err != nil {
				t.Fatal(err)
			}
			n++
			if seq != n {
				t.Errorf("number sequence %d where %d was due: a gap or a duplicate", seq, n)
			}
			file := filepath.Join(storage2, filepath.FromSlash(path))
			pdf, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("restored letter %d: %v", seq, err)
				continue
			}
			if s := sha256.Sum256(pdf); hex.EncodeToString(s[:]) != sum {
				t.Errorf("restored letter %d does not match its SHA-256", seq)
			}
			if _, err := exec.LookPath("pdfsig"); err == nil {
				if o, _ := exec.Command("pdfsig", file).CombinedOutput(); !strings.Contains(string(o), "Signature is Valid") {
					t.Errorf("restored letter %d: pdfsig:\n%s", seq, o)
				}
			}
		}
		if n == 0 {
			t.Fatal("the backup holds no signed letter")
		}
		var objects int
		filepath.WalkDir(filepath.Join(storage2, "letters"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				objects++
			}
			return nil
		})
		if objects != n {
			t.Errorf("%d PDFs restored for %d signed letters", objects, n)
		}
		t.Logf("%d of %d letters were signed when the backup was taken", n, letters)
	})
}
