package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/store"
)

// A backup is one tar.gz archive:
//
//	database/suratdesa.db   a SQLite snapshot (VACUUM INTO), or
//	database/mysql.sql      mysqldump --single-transaction
//	secret.key              APP_STORAGE/secret.key, when the secret was generated there
//	blobs/<key>             every file a row of the snapshot names
//	manifest.json           row counts per table and each file's size and SHA-256
//
// The sealed signer and root keys are rows of the database, so they are in
// the snapshot; their passphrases are never stored anywhere.
const (
	entrySQLite   = "database/suratdesa.db"
	entryMySQL    = "database/mysql.sql"
	entrySecret   = "secret.key"
	entryManifest = "manifest.json"
	blobEntry     = "blobs/"
)

// manifest describes a backup.
type manifest struct {
	Format    int              `json:"format"`
	CreatedAt time.Time        `json:"created_at"`
	Database  string           `json:"database"`
	Tables    map[string]int64 `json:"tables"`
	Files     []manifestFile   `json:"files"`
}

type manifestFile struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// runBackup is "app backup --out FILE".
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var out string
	e, _, err := setup(ctx, "backup", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the archive to write (.tar.gz)")
	})
	if err != nil {
		return err
	}
	defer e.close()
	if out == "" {
		return errors.New("usage: app backup --out FILE")
	}
	bs, err := openBlobs(ctx, e.cfg)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(out), ".backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)

	m := manifest{Format: 1, CreatedAt: time.Now().UTC(), Database: e.st.Dialect()}
	type named struct{ key, sum string }
	var keys []named
	collect := func(key, sum string) error { keys = append(keys, named{key, sum}); return nil }
	var dbEntry, dbFile string
	switch e.st.Dialect() {
	case "sqlite":
		// One snapshot: the rows counted and the files listed are those of
		// the copied database, whatever is signed meanwhile.
		dbEntry, dbFile = entrySQLite, filepath.Join(work, "suratdesa.db")
		if err := e.st.VacuumInto(ctx, dbFile); err != nil {
			return err
		}
		snap, err := store.Open(ctx, store.Options{Driver: "sqlite", DSN: dbFile})
		if err != nil {
			return err
		}
		m.Tables, err = snap.TableCounts(ctx)
		if err == nil {
			err = snap.BlobKeys(ctx, collect)
		}
		snap.Close()
		if err != nil {
			return err
		}
	case "mysql":
		// mysqldump reads one snapshot; the files are listed after it
		// finished, so they include every file the dump names (files are
		// never changed in place, and a row's file is deleted only with
		// its row). Counts are taken then too and may be higher than the
		// dump's under concurrent writes.
		dbEntry, dbFile = entryMySQL, filepath.Join(work, "mysql.sql")
		if err := mysqlDump(ctx, e.cfg.DSN, dbFile); err != nil {
			return err
		}
		if m.Tables, err = e.st.TableCounts(ctx); err != nil {
			return err
		}
		if err := e.st.BlobKeys(ctx, collect); err != nil {
			return err
		}
	}

	f, err := os.CreateTemp(filepath.Dir(out), ".backup-*.tar.gz")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := tarFile(tw, dbEntry, dbFile); err != nil {
		return err
	}
	if b, err := os.ReadFile(filepath.Join(e.cfg.Storage, "secret.key")); err == nil {
		if err := tarBytes(tw, entrySecret, b); err != nil {
			return err
		}
	}
	for _, k := range keys {
		b, err := bs.Get(ctx, k.key)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		sum := sha256Hex(b)
		if k.sum != "" && sum != k.sum {
			return fmt.Errorf("backup: file %s does not match its recorded SHA-256; check the blob store", k.key)
		}
		if err := tarBytes(tw, blobEntry+k.key, b); err != nil {
			return err
		}
		m.Files = append(m.Files, manifestFile{Key: k.key, Size: int64(len(b)), SHA256: sum})
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tarBytes(tw, entryManifest, mb); err != nil {
		return err
	}
	err = errors.Join(tw.Close(), gz.Close())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), out)
	}
	if err != nil {
		return fmt.Errorf("backup: write %s: %w", out, err)
	}
	fmt.Fprintf(stdout, "Cadangan ditulis ke %s: basis data %s, %d tabel, %d surat, %d berkas.\n",
		out, m.Database, len(m.Tables), m.Tables["letters"], len(m.Files))
	return nil
}

func tarBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(),
		Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func tarFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(),
		Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// mysqlClient is the mysqldump or mysql command for dsn, with the
// password in the environment rather than on the command line.
func mysqlClient(ctx context.Context, dsn string, names []string, args ...string) (*exec.Cmd, error) {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("APP_DSN: %w", err)
	}
	var bin string
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		return nil, fmt.Errorf("%s is not installed (Debian package mariadb-client or default-mysql-client)", names[0])
	}
	host, port := cfg.Addr, "3306"
	if h, p, ok := strings.Cut(cfg.Addr, ":"); ok {
		host, port = h, p
	}
	full := []string{"--host=" + host, "--port=" + port, "--user=" + cfg.User, "--default-character-set=utf8mb4"}
	if cfg.Net == "unix" {
		full = []string{"--socket=" + cfg.Addr, "--user=" + cfg.User, "--default-character-set=utf8mb4"}
	}
	cmd := exec.CommandContext(ctx, bin, append(append(full, args...), cfg.DBName)...)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+cfg.Passwd)
	return cmd, nil
}

// mysqlDump writes a consistent dump of the database to path.
func mysqlDump(ctx context.Context, dsn, path string) error {
	cmd, err := mysqlClient(ctx, dsn, []string{"mysqldump", "mariadb-dump"}, "--single-transaction",
		"--skip-lock-tables", "--no-tablespaces", "--hex-blob", "--result-file="+path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("backup: mysqldump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// runRestore is "app restore FILE": it restores a backup into an empty
// deployment (no village, user, letter or root CA in the database and no
// file in the blob store) and checks the result against the manifest:
// every file's SHA-256, every file a row names, and (SQLite) the row
// counts.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	e, rest, err := setup(ctx, "restore", args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	defer func() { e.close() }()
	if len(rest) != 1 {
		return errors.New("usage: app restore FILE")
	}
	bs, err := openBlobs(ctx, e.cfg)
	if err != nil {
		return err
	}
	if empty, err := e.st.Empty(ctx); err != nil {
		return err
	} else if !empty {
		return errors.New("restore: the database is not empty; restore only into a new, empty deployment")
	}
	for _, p := range blobPrefixes {
		err := bs.List(ctx, p, func(o blob.Object) error { return fmt.Errorf("file %s", o.Key) })
		if err != nil {
			return fmt.Errorf("restore: the blob store %s is not empty (%w); restore only into a new, empty deployment", bs, err)
		}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("restore: %s is not a backup: %w", rest[0], err)
	}
	tr := tar.NewReader(gz)
	var (
		m        *manifest
		restored = map[string]string{} // key → SHA-256 of what was put
		dbDone   bool
		// files puts the archive's files in groups, synced together.
		files = blob.NewBuffer(bs)
	)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("restore: read archive: %w", err)
		}
		switch name := h.Name; {
		case name == entrySQLite:
			if e.st.Dialect() != "sqlite" {
				return errors.New("restore: the backup is of a SQLite database; set APP_DB=sqlite")
			}
			if err := restoreSQLite(ctx, e, tr); err != nil {
				return err
			}
			dbDone = true
		case name == entryMySQL:
			if e.st.Dialect() != "mysql" {
				return errors.New("restore: the backup is of a MySQL database; set APP_DB=mysql")
			}
			cmd, err := mysqlClient(ctx, e.cfg.DSN, []string{"mysql", "mariadb"})
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			var stderr bytes.Buffer
			cmd.Stdin, cmd.Stderr = tr, &stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("restore: mysql: %w: %s", err, strings.TrimSpace(stderr.String()))
			}
			if _, err := e.st.Migrate(ctx); err != nil {
				return err
			}
			dbDone = true
		case name == entrySecret:
			b, err := io.ReadAll(io.LimitReader(tr, 1<<10))
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			path := filepath.Join(e.cfg.Storage, "secret.key")
			if old, err := os.ReadFile(path); err == nil && !bytes.Equal(old, b) {
				return fmt.Errorf("restore: %s exists with another secret; remove it first", path)
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		case strings.HasPrefix(name, blobEntry):
			key := strings.TrimPrefix(name, blobEntry)
			b, err := io.ReadAll(tr)
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			if err := files.Add(ctx, blob.Entry{Key: key, Data: b}); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			restored[key] = sha256Hex(b)
		case name == entryManifest:
			m = &manifest{}
			if err := json.NewDecoder(tr).Decode(m); err != nil {
				return fmt.Errorf("restore: manifest: %w", err)
			}
		default:
			return fmt.Errorf("restore: unknown entry %q in the archive", name)
		}
	}
	if err := files.Flush(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !dbDone || m == nil {
		return errors.New("restore: the archive lacks the database or the manifest; it is not a complete backup")
	}
	if err := e.st.ForgetPendingBlobs(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, mf := range m.Files {
		if restored[mf.Key] != mf.SHA256 {
			return fmt.Errorf("restore: file %s is missing from the archive or damaged", mf.Key)
		}
	}
	counts, err := e.st.TableCounts(ctx)
	if err != nil {
		return err
	}
	for _, t := range slices.Sorted(maps.Keys(m.Tables)) {
		if counts[t] != m.Tables[t] && t != "blob_pending" {
			if m.Database == "sqlite" {
				return fmt.Errorf("restore: table %s has %d rows, the backup had %d", t, counts[t], m.Tables[t])
			}
			fmt.Fprintf(stdout, "catatan: tabel %s %d baris, manifest %d (dihitung setelah mysqldump)\n", t, counts[t], m.Tables[t])
		}
	}
	checked, err := checkBlobs(ctx, e, bs)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// A MySQL backup lists its files after the dump, so it may hold files
	// of letters signed meanwhile, which the restored rows do not name.
	for key := range restored {
		used, err := e.st.BlobReferenced(ctx, key)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if !used {
			if err := bs.Delete(ctx, key); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		}
	}
	fmt.Fprintf(stdout, "Cadangan %s dipulihkan: %d surat, %d berkas diperiksa (SHA-256 cocok).\n"+
		"Periksa rantai audit dengan: app audit verify\n", m.CreatedAt.Format(time.RFC3339), counts["letters"], checked)
	return nil
}

// restoreSQLite replaces e's (empty, just migrated) SQLite database by the
// snapshot r holds, and reopens and migrates it.
func restoreSQLite(ctx context.Context, e *env, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(e.cfg.DSN), ".restore-*.db")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	e.st.Close()
	e.st = nil
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(e.cfg.DSN + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), e.cfg.DSN); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Chmod(e.cfg.DSN, 0o600); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	st, err := openStore(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	e.st = st
	return nil
}
