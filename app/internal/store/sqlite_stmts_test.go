package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// openCachingSQLite opens a file database through the statement-caching
// driver with a single connection, so that every statement below runs on
// the same connection and its cache.
func openCachingSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open(sqliteDriver(), sqliteDSN(filepath.Join(t.TempDir(), "stmts.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE nums (n INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 5; n++ {
		if _, err := db.Exec("INSERT INTO nums (n) VALUES (?)", n); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// cachedOnConn reports the statements the pool's one connection holds.
func cachedOnConn(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string]bool{}
	if err := conn.Raw(func(dc any) error {
		c := dc.(*stmtCachingConn)
		for q := range c.stmts {
			out[q] = true
		}
		if len(c.stmts) != c.lru.Len() {
			return fmt.Errorf("cache map has %d statements, its list %d", len(c.stmts), c.lru.Len())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// A statement prepared in one transaction is the connection's compiled
// statement in the next: what GORM does for every query of a transaction.
func TestStatementsOutliveTransactions(t *testing.T) {
	db := openCachingSQLite(t)
	const q = "SELECT count(*) FROM nums WHERE n <= ?"
	var first any
	for i := range 3 {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.QueryRow(i + 2).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != i+2 {
			t.Fatalf("run %d: count %d, want %d", i, n, i+2)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		conn, _ := db.Conn(context.Background())
		conn.Raw(func(dc any) error {
			cs := dc.(*stmtCachingConn).stmts[q].Value.(*cachedStmt)
			if first == nil {
				first = cs.stmt
			} else if cs.stmt != first {
				t.Errorf("run %d compiled the statement again", i)
			}
			if cs.handles != 0 || cs.reading {
				t.Errorf("run %d left the statement held (%d handles, reading %v)", i, cs.handles, cs.reading)
			}
			return nil
		})
		conn.Close()
	}
}

// The same statement run again while its rows are still being read (a
// query inside a loop over its own results) must not disturb those rows.
func TestStatementRunInsideItsOwnRows(t *testing.T) {
	db := openCachingSQLite(t)
	const q = "SELECT n FROM nums WHERE n <= ? ORDER BY n"
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := outer.Query(5)
	if err != nil {
		t.Fatal(err)
	}
	var seen, inner []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, n)
		st, err := tx.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		in, err := st.Query(n)
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for in.Next() {
			count++
		}
		if err := in.Close(); err != nil {
			t.Fatal(err)
		}
		inner = append(inner, count)
		if _, err := st.Exec(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(seen) != "[1 2 3 4 5]" || fmt.Sprint(inner) != "[1 2 3 4 5]" {
		t.Fatalf("outer rows %v, inner counts %v; want [1 2 3 4 5] for both", seen, inner)
	}
	// Afterwards the cached statement runs normally again.
	var n int
	if err := outer.QueryRow(3).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the loop: %d, %v", n, err)
	}
}

// The cache keeps at most stmtCacheSize statements per connection,
// dropping the least recently used, and a dropped statement still held by
// a prepared handle keeps working until the handle is closed.
func TestStatementCacheIsBounded(t *testing.T) {
	db := openCachingSQLite(t)
	held, err := db.Prepare("SELECT n FROM nums WHERE n = ? -- held")
	if err != nil {
		t.Fatal(err)
	}
	for i := range stmtCacheSize + 20 {
		var n int
		st, err := db.Prepare(fmt.Sprintf("SELECT n FROM nums WHERE n = ? -- %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.QueryRow(1).Scan(&n); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	cached := cachedOnConn(t, db)
	if len(cached) != stmtCacheSize {
		t.Fatalf("%d statements cached, want %d", len(cached), stmtCacheSize)
	}
	if cached["SELECT n FROM nums WHERE n = ? -- held"] || cached["SELECT n FROM nums WHERE n = ? -- 0"] {
		t.Fatal("the least recently used statements are still cached")
	}
	if !cached[fmt.Sprintf("SELECT n FROM nums WHERE n = ? -- %d", stmtCacheSize+19)] {
		t.Fatal("the newest statement is not cached")
	}
	var n int
	if err := held.QueryRow(4).Scan(&n); err != nil || n != 4 {
		t.Fatalf("the evicted, held statement: %d, %v", n, err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
}

// Connections opening a new database at the same moment all open it:
// switching to WAL together made some fail at once with SQLITE_BUSY
// (about 2% of opens with three at a time), as when two replicas or two
// `migrate up` start together.
func TestConcurrentFirstOpens(t *testing.T) {
	dir := t.TempDir()
	failed := make(chan error, 300)
	for i := range 100 {
		dsn := sqliteDSN(filepath.Join(dir, fmt.Sprintf("new%d.db", i)))
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				db, err := sql.Open(sqliteDriver(), dsn)
				if err == nil {
					err = db.Ping()
					db.Close()
				}
				if err != nil {
					failed <- err
				}
			})
		}
		wg.Wait()
	}
	close(failed)
	n := 0
	for err := range failed {
		if n++; n <= 3 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of 300 opens failed", n)
	}
}

// openMigratedSQLite opens a migrated SQLite database file of the test's,
// closed when the test ends.
func openMigratedSQLite(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, Options{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPublicReaderPragmas: the public lookup's own connections read
// without the memory map and with the smaller page cache
// (publicReaderDSN), the pool's with both.
func TestPublicReaderPragmas(t *testing.T) {
	ctx := context.Background()
	st := openMigratedSQLite(t)
	if _, err := st.PublicLetterByVerifyCode(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAA"); err == nil {
		t.Fatal("an unknown code was found")
	}
	pragma := func(q func(string, []driver.NamedValue) (driver.Rows, error), name string) int64 {
		t.Helper()
		rows, err := q("PRAGMA "+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		v := make([]driver.Value, 1)
		if err := rows.Next(v); err != nil {
			t.Fatal(err)
		}
		return v[0].(int64)
	}
	// Take every slot: the lookup gave its reader back behind the slots
	// not opened yet.
	var r *publicReader
	for range cap(st.publicReaders) {
		x := <-st.publicReaders
		defer func() { st.publicReaders <- x }()
		if x != nil {
			r = x
		}
	}
	if r == nil {
		t.Fatal("the lookup opened no reader")
	}
	q := func(sql string, args []driver.NamedValue) (driver.Rows, error) {
		return r.conn.(driver.QueryerContext).QueryContext(ctx, sql, args)
	}
	if m, c := pragma(q, "mmap_size"), pragma(q, "cache_size"); m != 0 || c != -8000 {
		t.Errorf("reader: mmap_size %d, cache_size %d; want 0 and -8000", m, c)
	}
	var m, c int64
	if err := st.db.Raw("PRAGMA mmap_size").Scan(&m).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.db.Raw("PRAGMA cache_size").Scan(&c).Error; err != nil {
		t.Fatal(err)
	}
	if m != 2147418112 || c != -32000 {
		t.Errorf("pool: mmap_size %d, cache_size %d; want 2147418112 and -32000", m, c)
	}
}

// Exec and Query on the pool or in a transaction, without Prepare, run the
// connection's compiled statement, and release it when done; a statement
// dropped from the cache while its rows are read keeps its rows.
func TestExecAndQueryUseCompiledStatements(t *testing.T) {
	db := openCachingSQLite(t)
	const q = "SELECT n FROM nums WHERE n >= ? ORDER BY n"
	compiled := func() (driver.Stmt, *cachedStmt) {
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var cs *cachedStmt
		conn.Raw(func(dc any) error {
			if e, ok := dc.(*stmtCachingConn).stmts[q]; ok {
				cs = e.Value.(*cachedStmt)
			}
			return nil
		})
		if cs == nil {
			t.Fatal("the query is not cached")
		}
		return cs.stmt, cs
	}
	// readThen reads the rows, calling each after every row, and closes them.
	readThen := func(each func(n int)) func(rows *sql.Rows, err error) string {
		return func(rows *sql.Rows, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []int
			for rows.Next() {
				var n int
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
				each(n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(got)
		}
	}
	read := readThen(func(int) {})
	if cachedOnConn(t, db)["CREATE TABLE nums (n INTEGER PRIMARY KEY)"] {
		t.Fatal("a statement without arguments was cached")
	}
	if got := read(db.Query(q, 4)); got != "[4 5]" {
		t.Fatalf("pool query: %s", got)
	}
	first, _ := compiled()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if got := read(tx.Query(q, 5)); got != "[5]" {
		t.Fatalf("query in a transaction: %s", got)
	}
	if _, err := tx.Exec("UPDATE nums SET n = n WHERE n = ?", 1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, cs := compiled(); st != first || cs.handles != 0 || cs.reading {
		t.Fatalf("after the transaction: same statement %v, %d handles, reading %v", st == first, cs.handles, cs.reading)
	}

	// Rows still open while stmtCacheSize other statements push theirs out.
	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	pushOut := func(n int) {
		if n != 1 {
			return
		}
		for i := range stmtCacheSize {
			var m int
			if err := tx.QueryRow(fmt.Sprintf("SELECT count(*) FROM nums -- %d", i)).Scan(&m); err != nil || m != 5 {
				t.Fatalf("statement %d: %d, %v", i, m, err)
			}
		}
	}
	if got := readThen(pushOut)(tx.Query(q, 1)); got != "[1 2 3 4 5]" {
		t.Fatalf("rows read across the eviction of their statement: %s", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if cachedOnConn(t, db)[q] {
		t.Fatal("the evicted statement is cached again")
	}
}

// TestTransactionWithEveryConnectionWaiting: a transaction holds SQLite's
// write lock and runs statements it has not run before, while the pool's
// other connections wait for that lock and more goroutines wait for a
// connection to run the same statements. Every one of them completes
// without SQLITE_BUSY. GORM's statement cache made this a deadlock that
// only busy_timeout ended: the transaction waited for the cache's lock,
// held by a goroutine waiting for a statement being prepared on a pooled
// connection that would only come free after the transaction.
func TestTransactionWithEveryConnectionWaiting(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "pool.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.db.Exec("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	query := func(i int) string { return fmt.Sprintf("SELECT count(*) FROM marks WHERE who <> 'q%d'", i) }
	const others, queries = 8, 40
	locked := make(chan struct{})
	errs := make(chan error, others+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		errs <- st.db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO marks (who) VALUES ('tx')").Error; err != nil {
				return err
			}
			close(locked)
			time.Sleep(200 * time.Millisecond) // the others queue up behind the lock
			for i := range queries {
				var n int64
				if err := tx.Raw(query(i)).Scan(&n).Error; err != nil {
					return fmt.Errorf("query %d in the transaction: %w", i, err)
				}
			}
			return nil
		})
	})
	<-locked
	for g := range others {
		wg.Go(func() {
			for i := range queries {
				if g%2 == 0 {
					if err := st.db.Exec("INSERT INTO marks (who) VALUES (?)", fmt.Sprint(g)).Error; err != nil {
						errs <- fmt.Errorf("writer %d: %w", g, err)
						return
					}
				}
				var n int64
				if err := st.db.Raw(query(i)).Scan(&n).Error; err != nil {
					errs <- fmt.Errorf("reader %d, query %d: %w", g, i, err)
					return
				}
			}
			errs <- nil
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int64
	if err := st.db.Raw("SELECT count(*) FROM marks").Scan(&n).Error; err != nil || n != 1+others/2*queries {
		t.Fatalf("%d marks, %v; want %d", n, err, 1+others/2*queries)
	}
}
