package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
	for _, b := range storetest.Backends() {
		if b != storetest.MySQL {
			continue
		}
		t.Run(string(b), func(t *testing.T) {
			ctx := context.Background()
			st, dsn := storetest.OpenDSN(t, b, nil)
			db := storetest.SQL(t, b, dsn)
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
