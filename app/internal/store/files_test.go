package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSQLiteFilesPrivate checks that the database, its WAL and shared
// memory files are created 0600 in a folder created 0700, whatever the
// umask, and that an existing world-readable database is narrowed.
func TestSQLiteFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "storage")
	path := filepath.Join(dir, "suratdesa.db")
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// A write, so the WAL exists.
	if err := st.CreateVillage(ctx, surat.Actor{Username: "test"}, &surat.Village{Code: "3505122001", Name: "Sumberejo",
		Sebutan: "Desa", Kecamatan: "Sanankulon", Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur",
		NumberScope: "module", Paper: "F4"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	check := func(when string) {
		for p, mode := range want {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", when, err)
				continue
			}
			if got := fi.Mode().Perm(); got != mode {
				t.Errorf("%s: %s is %v, want %v", when, filepath.Base(p), got, mode)
			}
		}
	}
	check("new database")
	st.Close()

	for p := range want {
		if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	delete(want, dir) // an existing folder is run.go's to narrow
	st, err = store.Open(ctx, store.Options{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CountUsers(ctx); err != nil {
		t.Fatal(err)
	}
	check("reopened database")
}
