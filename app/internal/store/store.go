// Package store is suratdesa's persistence: it opens SQLite or MySQL through
// GORM, runs the SQL migrations, and offers queries that return domain types
// and domain errors. It is the only package that imports GORM.
//
// Every function that reads or writes a village's data takes the village id
// as an argument that callers take from the authenticated actor, and puts it
// in the WHERE clause; a row of another village is reported as
// surat.ErrNotFound.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/migrations"
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	path    string // the SQLite file, for the migration lock
	now     func() time.Time
	quota   RequestQuota

	// publicStmts are the prepared lookups of the public verification
	// page, one per batch size (publicBatchSize), made at first use.
	publicMu    sync.Mutex
	publicStmts [publicBatchShift + 1]*sql.Stmt

	// revisionStmt reads the template layers' revisions, which every
	// catalogue lookup asks for (see TemplateRevisions).
	revisionMu   sync.Mutex
	revisionStmt *sql.Stmt

	// gramCounts remembers how common each name trigram is (rarestGram).
	gramCounts gramCountCache
	// searchAtOnce replaces the constant of that name when set (tests).
	searchAtOnce int

	// retries counts transactions run again after a conflict (retry.go).
	retries atomic.Int64

	// counterGate lets one sign-in counter write at a time run on SQLite
	// (see gateCounters).
	counterGate chan struct{}

	// publicBatches runs the public letter lookups through database/sql
	// (verify_batch.go); on SQLite publicReaders are the lookups' own
	// connections (publicLookupDirect), nil until opened.
	publicBatches *publicBatcher
	publicReaders chan *publicReader
	readerDSN     string
	closed        atomic.Bool

	// publicCodes and publicQueries count what the public lookups read
	// from the database (PublicReads); publicQueries counts the queries of
	// publicReaders, the batcher counts its own.
	publicCodes, publicQueries atomic.Int64

	// sweepPending is set while a sweep of the readers' snapshots is
	// scheduled (sweepSnapshots).
	sweepPending atomic.Bool

	// listeners are told of committed public changes (OnPublicChange).
	listenMu     sync.Mutex
	listeners    map[int]func(int64)
	nextListener int
}

// sqlitePool is the size of database/sql's pool on SQLite: one writer at a
// time, readers beside it in WAL, on a machine of a few cores.
const sqlitePool = 4

// Options configures Open.
type Options struct {
	Driver string // "sqlite" or "mysql"
	DSN    string // SQLite file path, or MySQL DSN
	// Now is the clock used for created_at/updated_at and lock-outs; time.Now
	// when nil. Times are stored in UTC.
	Now func() time.Time
	Log *slog.Logger
	// Quota bounds residents' requests and uploads; zero fields take
	// DefaultRequestQuota's.
	Quota RequestQuota
	// MaxOpen and MaxIdle size the MySQL connection pool (APP_DB_MAX_OPEN,
	// APP_DB_MAX_IDLE); 0 means 25 open and as many idle. Every replica
	// has its own pool: replicas × MaxOpen must stay below the server's
	// max_connections.
	MaxOpen, MaxIdle int
	// CreateDatabase lets Open create a missing MySQL database
	// (APP_DB_CREATE); without it a missing database is an error that
	// says so.
	CreateDatabase bool
}

// Open connects to the database and checks that it answers. It does not
// migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	utcNow := func() time.Time { return now().UTC() }
	var dialector gorm.Dialector
	switch o.Driver {
	case "sqlite":
		if err := privateSQLiteFiles(o.DSN); err != nil {
			return nil, err
		}
		dialector = sqlite.New(sqlite.Config{DriverName: sqliteDriver(), DSN: sqliteDSN(o.DSN)})
	case "mysql":
		if err := ensureMySQLDatabase(ctx, mysqlDSN(o.DSN), o.CreateDatabase, o.Log); err != nil {
			return nil, err
		}
		dialector = mysql.Open(mysqlDSN(o.DSN))
	default:
		return nil, fmt.Errorf("store: unknown driver %q", o.Driver)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		TranslateError:         true,
		NowFunc:                utcNow,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		// No GORM statement cache: on SQLite each connection keeps its
		// compiled statements (stmtCachingDriver), for transactions too.
		// GORM's cache prepared a statement on a pooled connection under a
		// lock that a transaction holding SQLite's write lock then waited
		// for, while the pool's other connections waited for that write
		// lock: a deadlock that only busy_timeout ended. MySQL keeps no
		// cache: server-side statements count against the server's
		// max_prepared_stmt_count for every connection of every replica.
	})
	if err != nil {
		// The MySQL dialector already talks to the server while opening.
		return nil, fmt.Errorf("store: database %s is not reachable: %w", o.Driver, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if o.Driver == "sqlite" {
		// SQLite allows one writer at a time; transactions start IMMEDIATE
		// (see sqliteDSN) and wait on busy_timeout instead of failing, so a
		// small pool is enough and avoids lock convoys on two cores.
		sqlDB.SetMaxOpenConns(sqlitePool)
		sqlDB.SetMaxIdleConns(sqlitePool)
	} else {
		maxOpen, maxIdle := cmp.Or(o.MaxOpen, 25), o.MaxIdle
		if maxIdle == 0 || maxIdle > maxOpen {
			maxIdle = maxOpen
		}
		sqlDB.SetMaxOpenConns(maxOpen)
		sqlDB.SetMaxIdleConns(maxIdle)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: database %s is not reachable: %w", o.Driver, err)
	}
	st := &Store{db: db, sqlDB: sqlDB, dialect: o.Driver, now: utcNow, quota: o.Quota.withDefaults()}
	if o.Driver == "sqlite" {
		st.counterGate = make(chan struct{}, 1)
		st.path, _, _ = strings.Cut(strings.TrimPrefix(o.DSN, "file:"), "?")
		if !strings.Contains(o.DSN, ":memory:") && !strings.Contains(o.DSN, "mode=memory") {
			// Three readers, as the gate of a pool of four: a separate
			// connection sees the same database only in a file.
			st.readerDSN = publicReaderDSN(o.DSN)
			st.publicReaders = make(chan *publicReader, publicLookupSlots(sqlitePool))
			for range cap(st.publicReaders) {
				st.publicReaders <- nil
			}
		}
	}
	if st.publicReaders == nil {
		slots := min(publicBatchSlots, publicLookupSlots(sqlDB.Stats().MaxOpenConnections))
		st.publicBatches = newPublicBatcher(slots, st.publicLookupBatch)
	}
	return st, nil
}

// privateSQLiteFiles makes the database file at dsn (a path, possibly with
// query parameters) readable by its owner only before SQLite opens it:
// its directory is created 0700, the file 0600 (an existing one is
// narrowed to 0600), and SQLite creates the -wal and -shm files with the
// database file's mode. The database holds every resident's NIK, KK and
// birth date. In-memory databases are left alone.
func privateSQLiteFiles(dsn string) error {
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("store: create database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: make database file private: %w", err)
		}
	}
	return nil
}

// sqliteDSN adds the pragmas every connection needs: foreign keys on, WAL so
// readers do not block the writer, a busy timeout so concurrent writers wait
// rather than fail, and IMMEDIATE transactions so a transaction that will
// write takes the write lock at BEGIN instead of failing to upgrade later.
// The pool's reads go through a memory map (up to 2 GiB, SQLite's largest
// on Linux) and a page cache of up to 32 MB per connection. The map shares
// the operating system's cache of the file between the pool's connections
// instead of each reading pages into its own cache. The public lookup's
// own connections read without it (publicReaderDSN).
//
// Temporary storage is memory (temp_store=2): a statement inside a
// transaction keeps the pages it changes in a statement journal so that
// it can be undone alone, and on a file that journal cost a write call per
// page. Drafting, submitting and approving 500 letters and signing them
// went from 146 to 194 letters a second (BenchmarkSignBatch500). The
// memory is the pages one statement changes, or the rows one sort holds;
// the application's sorts are bounded by a village's data or a page's
// limit.
func sqliteDSN(path string) string { return sqliteDSNWith(path, 2147418112, 32000) }

// publicReaderDSN is sqliteDSN for the public lookup's own connections
// (publicLookupDirect): no memory map and a page cache of 8 MB each.
//
// A lookup searches letters_public from its root to a leaf. Through the
// page cache the index's upper pages stay parsed between lookups and the
// rest are read with pread; through a map SQLite reads none but parses
// every page afresh. At 1,000,000 letters (a 1.25 GB file) under
// scripts/bench-verify.sh's load the map cost less CPU, 86-88 against 95
// µs a request on one machine and 60 against 76 µs on a faster one, and
// raised the resident set from about 160 MB to 3.8-4.7 GB: every
// connection maps the file for itself, and (most likely through the
// kernel's fault-around, which maps cached pages next to the one read)
// the file soon counts once per connection. The kernel's out-of-memory
// killer counts those pages and would pick this process first. An older
// machine also measured the map's wrk p99 at 40-73 ms against 17-21 ms.
//
// A larger cache does not keep the index's upper pages either. At
// 1,000,000 letters the level above the leaves is some 25 MB, and SQLite's
// cache evicts the least recently used page, so the leaves each lookup
// reads push those pages out. With 32 MB per reader, in two alternations
// with 8 MB, a request took no less CPU (73 and 96 against 71 and 75 µs)
// and the peak resident set was 301-306 against 155-158 MB.
func publicReaderDSN(path string) string { return sqliteDSNWith(path, 0, 8000) }

// sqliteDSNWith is sqliteDSN with a memory map of mmap bytes (0: none) and
// a page cache of cacheKB kilobytes per connection.
func sqliteDSNWith(path string, mmap int64, cacheKB int) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// busy_timeout comes first: switching to WAL takes a lock, and a
	// process starting next to another (two migrations at once) must wait
	// for it rather than fail with SQLITE_BUSY.
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=mmap_size(" + strconv.FormatInt(mmap, 10) + ")" +
		"&_pragma=cache_size(-" + strconv.Itoa(cacheKB) + ")&_pragma=temp_store(2)&_txlock=immediate"
}

// mysqlDSN makes sure times are parsed as UTC and text is utf8mb4, and
// that a query's arguments are written into it by the driver
// (interpolateParams): otherwise every query with arguments is three round
// trips to the server (prepare, execute, close), which was a third of the
// resident list page's time. The driver escapes for the connection's
// character set, utf8mb4, for which it allows this, and honours the
// server's NO_BACKSLASH_ESCAPES. The public lookup keeps its statements
// prepared once (publicBatchStmt).
func mysqlDSN(dsn string) string {
	add := func(key, val string) {
		if !strings.Contains(dsn, key+"=") {
			if strings.Contains(dsn, "?") {
				dsn += "&"
			} else {
				dsn += "?"
			}
			dsn += key + "=" + val
		}
	}
	add("parseTime", "true")
	add("interpolateParams", "true")
	add("loc", "UTC")
	add("charset", "utf8mb4")
	add("collation", "utf8mb4_unicode_ci")
	return dsn
}

// Close releases the connection pool.
func (s *Store) Close() error {
	s.closePublicReaders()
	s.closePublicStmts()
	s.revisionMu.Lock()
	if s.revisionStmt != nil {
		s.revisionStmt.Close()
		s.revisionStmt = nil
	}
	s.revisionMu.Unlock()
	return s.sqlDB.Close()
}

// Ping checks that the database answers, for /healthz.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *Store) gooseProvider(opts ...goose.ProviderOption) (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if s.dialect == "mysql" {
		dialect = goose.DialectMySQL
	}
	sub, err := fs.Sub(migrations.FS, s.dialect)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", s.dialect, err)
	}
	// Migration numbers are handed out in ranges to work done in parallel, so
	// a database may already carry a higher number when a lower one lands
	// (00020 before 00007, for one). Such a migration is applied late rather
	// than refused; each migration therefore must not depend on the ones
	// numbered between it and the highest applied.
	opts = append(opts, goose.WithAllowOutofOrder(true), goose.WithGoMigrations(backfillNameGrams(s.dialect)))
	p, err := goose.NewProvider(dialect, s.sqlDB, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// translate maps GORM errors to domain errors, wrapping with the operation.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("store: %s: %w", op, surat.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("store: %s: %w", op, surat.ErrConflict)
	}
	var ve *surat.ValidationError
	if errors.As(err, &ve) || errors.Is(err, surat.ErrNotFound) || errors.Is(err, surat.ErrConflict) ||
		errors.Is(err, surat.ErrForbidden) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// PoolStats returns the connection pool's statistics, for /metrics.
func (s *Store) PoolStats() sql.DBStats { return s.sqlDB.Stats() }
