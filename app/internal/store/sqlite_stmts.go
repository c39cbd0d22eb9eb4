package store

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"sync"
	"time"

	msqlite "modernc.org/sqlite"
)

// sqliteDriverName is the database/sql name of the SQLite driver whose
// connections keep their compiled statements (stmtCachingDriver).
const sqliteDriverName = "suratdesa-sqlite"

// stmtCacheSize bounds the compiled statements each SQLite connection keeps:
// the application runs a few hundred distinct statements, and each costs a
// few kilobytes of SQLite's memory. 256 was too few once the cache also
// served plain Exec and Query: the web tests compiled a fifth more.
const stmtCacheSize = 512

var registerSQLite sync.Once

// sqliteDriver registers stmtCachingDriver once and returns its name.
func sqliteDriver() string {
	registerSQLite.Do(func() {
		// The driver registered as "sqlite" carries the functions,
		// collations and connection hooks registered with the package.
		db, err := sql.Open("sqlite", "")
		if err != nil {
			panic("store: the modernc sqlite driver is not registered: " + err.Error())
		}
		sql.Register(sqliteDriverName, stmtCachingDriver{base: db.Driver()})
		db.Close()
	})
	return sqliteDriverName
}

// stmtCachingDriver is the modernc SQLite driver whose connections compile
// each distinct statement once and reuse it (stmtCachingConn).
//
// Without it every statement is parsed and planned again on every run;
// with GORM's prepared-statement mode, every statement of every
// transaction still was (database/sql cannot reuse a statement bound to an
// ended transaction), a fifth of the CPU time of drafting, submitting and
// approving a letter (BenchmarkSignBatch500). Keeping the compiled
// statements in the connection serves every path the same way: Exec and
// Query on the pool or in a transaction, and prepared statements.
type stmtCachingDriver struct{ base driver.Driver }

// Open opens a connection. Connections that open a database at the same
// moment can fail at once with SQLITE_BUSY, without waiting for
// busy_timeout, when they switch a new database to WAL together (2% of
// opens with three at once on a new file; two replicas or two `migrate
// up` starting together): such an open is tried again, for up to about
// two seconds.
func (d stmtCachingDriver) Open(dsn string) (driver.Conn, error) {
	for attempt := 1; ; attempt++ {
		c, err := d.base.Open(dsn)
		var se *msqlite.Error
		if err != nil && attempt < openAttempts && errors.As(err, &se) && se.Code()&0xff == sqliteBusy {
			time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, err
		}
		return newStmtCachingConn(c)
	}
}

// openAttempts bounds the tries of stmtCachingDriver.Open; sqliteBusy is
// SQLite's primary result code SQLITE_BUSY.
const (
	openAttempts = 20
	sqliteBusy   = 5
)

// sqliteConn is what the store needs of a modernc connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCachingConn is a SQLite connection that keeps up to stmtCacheSize
// compiled statements, least recently used first out. Prepare hands out a
// handle to the connection's statement for that SQL; closing the handle
// leaves the statement compiled. A statement whose rows are still being
// read when the same SQL runs again on the connection (a query inside a
// loop over its own results) is not disturbed: that run compiles a
// statement of its own and finalizes it afterwards.
//
// database/sql uses a connection from one goroutine at a time, so the
// cache needs no lock of its own.
type stmtCachingConn struct {
	sqliteConn
	stmts  map[string]*list.Element // of *cachedStmt
	lru    list.List                // most recently used first
	closed bool
}

func newStmtCachingConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("store: the sqlite driver's connection lacks a method the store needs")
	}
	return &stmtCachingConn{sqliteConn: sc, stmts: map[string]*list.Element{}}, nil
}

// cachedStmt is a compiled statement of a stmtCachingConn.
type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	handles int  // open handles (stmtHandle)
	reading bool // rows of it are open
	evicted bool // out of the cache: finalize when the last handle closes
}

func (c *stmtCachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		cs.handles++
		return &stmtHandle{conn: c, cs: cs}, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: st, handles: 1}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return &stmtHandle{conn: c, cs: cs}, nil
}

// ExecContext runs query through the connection's compiled statement for
// it. database/sql calls it for every Exec on a pool or a transaction
// (GORM runs without a statement cache of its own on SQLite). A statement
// without arguments runs uncached: schema changes, migrations' scripts of
// many statements and other one-off statements, which would only push the
// application's statements out of the cache (a script is not kept
// compiled anyway).
func (c *stmtCachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.(*stmtHandle).ExecContext(ctx, args)
}

// QueryContext is ExecContext for queries, which stay cached also without
// arguments (Watch reads the public generation that way every 200 ms); the
// statement's handle stays open until its rows close.
func (c *stmtCachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	h := st.(*stmtHandle)
	rows, err := h.QueryContext(ctx, args)
	if err != nil {
		h.Close()
		return nil, err
	}
	if cr, ok := rows.(*cachedRows); ok {
		cr.handle = h
		return cr, nil
	}
	h.Close() // rows of a statement of their own (see stmtHandle.QueryContext)
	return rows, nil
}

// evict takes a statement out of the cache, finalizing it unless a handle
// still holds it.
func (c *stmtCachingConn) evict(e *list.Element) {
	cs := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, cs.query)
	cs.evicted = true
	if cs.handles == 0 {
		cs.stmt.Close()
	}
}

// Close finalizes the cached statements and closes the connection.
// database/sql closes every statement handle of a connection before it.
func (c *stmtCachingConn) Close() error {
	c.closed = true
	for c.lru.Len() > 0 {
		c.evict(c.lru.Front())
	}
	return c.sqliteConn.Close()
}

// stmtHandle is one Prepare's view of a cached statement.
type stmtHandle struct {
	conn   *stmtCachingConn
	cs     *cachedStmt
	closed bool
}

func (h *stmtHandle) Close() error {
	if h.closed {
		return nil
	}
	h.closed = true
	h.cs.handles--
	if h.cs.handles == 0 && h.cs.evicted && !h.conn.closed {
		return h.cs.stmt.Close()
	}
	return nil
}

func (h *stmtHandle) NumInput() int { return h.cs.stmt.NumInput() }

func (h *stmtHandle) Exec(args []driver.Value) (driver.Result, error) {
	return h.ExecContext(context.Background(), namedValues(args))
}

func (h *stmtHandle) Query(args []driver.Value) (driver.Rows, error) {
	return h.QueryContext(context.Background(), namedValues(args))
}

func (h *stmtHandle) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if h.cs.reading {
		return h.conn.sqliteConn.ExecContext(ctx, h.cs.query, args)
	}
	return h.cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (h *stmtHandle) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if h.cs.reading {
		// The connection compiles, runs and finalizes a statement of its
		// own for this query.
		return h.conn.sqliteConn.QueryContext(ctx, h.cs.query, args)
	}
	rows, err := h.cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	h.cs.reading = true
	return &cachedRows{Rows: rows, cs: h.cs}, nil
}

func namedValues(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// cachedRows are the rows of a cached statement; closing them resets the
// statement for its next run.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
	// handle, when set, is closed with the rows (stmtCachingConn.QueryContext).
	handle *stmtHandle
}

func (r *cachedRows) Close() error {
	if r.cs == nil {
		return nil
	}
	err := r.Rows.Close()
	r.cs.reading = false
	r.cs = nil
	if r.handle != nil {
		if herr := r.handle.Close(); err == nil {
			err = herr
		}
		r.handle = nil
	}
	return err
}

// The column type methods pass through to the driver's rows, which has them
// all; database/sql's ColumnTypes (GORM's scan into maps) asks for them.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	return r.Rows.(driver.RowsColumnTypeDatabaseTypeName).ColumnTypeDatabaseTypeName(i)
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	return r.Rows.(driver.RowsColumnTypeLength).ColumnTypeLength(i)
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	return r.Rows.(driver.RowsColumnTypeNullable).ColumnTypeNullable(i)
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	return r.Rows.(driver.RowsColumnTypePrecisionScale).ColumnTypePrecisionScale(i)
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	return r.Rows.(driver.RowsColumnTypeScanType).ColumnTypeScanType(i)
}
