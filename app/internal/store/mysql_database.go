package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// ErrDatabaseMissing reports that the MySQL server answers but has no
// database of the DSN's name, and Open was not allowed to create it.
var ErrDatabaseMissing = errors.New("database does not exist")

// ensureMySQLDatabase checks that the database dsn names exists on its
// server, creating it (utf8mb4) when create is set. Other connection
// problems are left to Open, which reports the server as not reachable.
func ensureMySQLDatabase(ctx context.Context, dsn string, create bool, log *slog.Logger) error {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("store: APP_DSN: %w", err)
	}
	name := cfg.DBName
	if name == "" {
		return errors.New("store: APP_DSN names no database (…@tcp(host:3306)/suratdesa)")
	}
	cfg.DBName = ""
	conn, err := mysqldriver.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("store: APP_DSN: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).
		Scan(&n); err != nil {
		return fmt.Errorf("store: database mysql is not reachable: %w", err)
	}
	if n > 0 {
		return nil
	}
	if !create {
		return fmt.Errorf("store: MySQL database %q: %w on %s; create it (CREATE DATABASE `%s` CHARACTER SET utf8mb4 "+
			"COLLATE utf8mb4_unicode_ci) or set APP_DB_CREATE=true to let the application create it",
			name, ErrDatabaseMissing, cfg.Addr, name)
	}
	quoted := "`" + strings.ReplaceAll(name, "`", "``") + "`"
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+quoted+
		" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("store: create MySQL database %q: %w", name, err)
	}
	if log != nil {
		log.Info("database created", "name", name)
	}
	return nil
}
