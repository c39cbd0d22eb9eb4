package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestTransactionRetriedAfterDeadlock makes two transactions deadlock on
// purpose (each locks one row, then wants the other's): MariaDB rolls one
// back with error 1213, the store runs it again whole, and both changes
// are stored exactly once. On SQLite transactions take the write lock at
// BEGIN, so they cannot deadlock; the test needs MySQL/MariaDB.
func TestTransactionRetriedAfterDeadlock(t *testing.T) {
	onMySQL(t, func(t *testing.T, st *store.Store, db *sql.DB) {
		ctx := context.Background()
		if _, err := db.Exec("CREATE TABLE retry_probe (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO retry_probe VALUES (1, 0), (2, 0)"); err != nil {
			t.Fatal(err)
		}
		retriesBefore := st.TxRetries()
		// Both transactions hold their first row before either asks
		// for the second one, on the first run only.
		var holding sync.WaitGroup
		holding.Add(2)
		var runs [2]atomic.Int32
		cross := func(who, first, second int) error {
			return st.InTransaction(ctx, func(exec func(string, ...any) error) error {
				run := runs[who].Add(1)
				if err := exec("UPDATE retry_probe SET n = n + 1 WHERE id = ?", first); err != nil {
					return err
				}
				if run == 1 {
					holding.Done()
					holding.Wait()
				}
				return exec("UPDATE retry_probe SET n = n + 10 WHERE id = ?", second)
			})
		}
		errs := make(chan error, 2)
		go func() { errs <- cross(0, 1, 2) }()
		go func() { errs <- cross(1, 2, 1) }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("transaction failed instead of being retried: %v", err)
			}
		}
		for id := 1; id <= 2; id++ {
			var n int
			if err := db.QueryRow("SELECT n FROM retry_probe WHERE id = ?", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 11 {
				t.Errorf("row %d: n = %d, want 11 (each transaction applied exactly once)", id, n)
			}
		}
		if got := runs[0].Load() + runs[1].Load(); got < 3 {
			t.Errorf("transactions ran %d times, want at least 3 (one deadlock victim run again)", got)
		}
		if got := st.TxRetries() - retriesBefore; got < 1 {
			t.Errorf("TxRetries grew by %d, want at least 1", got)
		}
	})
}

// TestRetryable lists the errors a transaction is run again for.
func TestRetryable(t *testing.T) {
	sqlstate := func(s string) [5]byte { var b [5]byte; copy(b[:], s); return b }
	tests := []struct {
		err  error
		want bool
	}{
		{&mysqldriver.MySQLError{Number: 1213, SQLState: sqlstate("40001")}, true},
		{fmt.Errorf("store: finalize letter 3: %w", &mysqldriver.MySQLError{Number: 1213}), true},
		{&mysqldriver.MySQLError{Number: 1205, SQLState: sqlstate("HY000")}, true},
		{&mysqldriver.MySQLError{Number: 9007, SQLState: sqlstate("40001")}, true}, // TiDB write conflict
		{&mysqldriver.MySQLError{Number: 1062, SQLState: sqlstate("23000")}, false},
		{&mysqldriver.MySQLError{Number: 1146, SQLState: sqlstate("42S02")}, false},
		{fmt.Errorf("plain"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := store.Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestForgetAuthAttemptsRetriedAfterDeadlock makes ForgetAuthAttempts the
// victim of a deadlock on MariaDB, as a Galera certification conflict
// makes it under parallel signings: it deletes the counts when run again
// instead of failing the sign-in that had just succeeded.
func TestForgetAuthAttemptsRetriedAfterDeadlock(t *testing.T) {
	onMySQL(t, func(t *testing.T, st *store.Store, db *sql.DB) {
		ctx := context.Background()
		const first, second = "forget-probe:a", "forget-probe:b"
		for _, bucket := range []string{first, second, "forget-probe:c1", "forget-probe:c2", "forget-probe:c3"} {
			if _, err := st.TakeAuthAttempt(ctx, bucket, 5, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		// The other transaction holds the second bucket's row and, to
		// be the one InnoDB keeps, has changed more rows than the
		// DELETE will have.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		// One row a statement: a statement on several rows of this
		// small table scans it, and holds every row it reads.
		for _, bucket := range []string{second, "forget-probe:c1", "forget-probe:c2", "forget-probe:c3"} {
			if _, err := tx.Exec("UPDATE auth_attempts SET hits = hits + 1 WHERE bucket = ?", bucket); err != nil {
				t.Fatal(err)
			}
		}
		retriesBefore := st.TxRetries()
		forgot := make(chan error, 1)
		go func() { forgot <- st.ForgetAuthAttempts(ctx, first, second) }()
		// The DELETE holds the first row and waits for the second.
		waitFor(t, "the DELETE to wait for a lock", func() bool {
			var n int
			err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.INNODB_TRX
					WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE 'DELETE FROM auth_attempts%forget-probe%'`).Scan(&n)
			return err == nil && n > 0
		})
		// Now the first row: a deadlock, and the DELETE is the victim.
		if _, err := tx.Exec("UPDATE auth_attempts SET hits = hits + 1 WHERE bucket = ?", first); err != nil {
			t.Fatalf("the heavier transaction was the victim: %v", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-forgot; err != nil {
			t.Fatalf("ForgetAuthAttempts failed instead of being run again: %v", err)
		}
		if st.TxRetries() == retriesBefore {
			t.Error("TxRetries did not grow: the DELETE was not a deadlock victim")
		}
		for _, bucket := range []string{first, second} {
			if n, err := st.AuthAttemptHits(ctx, bucket, time.Hour); err != nil || n != 0 {
				t.Errorf("%s after ForgetAuthAttempts: %d hits, %v", bucket, n, err)
			}
		}
	})
}

// onMySQL runs test on MySQL/MariaDB only (APP_TEST_MYSQL_DSN), with a
// store on a database of its own and a second connection pool to it.
func onMySQL(t *testing.T, test func(t *testing.T, st *store.Store, db *sql.DB)) {
	for _, b := range storetest.Backends() {
		if b != storetest.MySQL {
			continue
		}
		t.Run(string(b), func(t *testing.T) {
			st, dsn := storetest.OpenDSN(t, b, nil)
			test(t, st, storetest.SQL(t, b, dsn))
		})
	}
}
