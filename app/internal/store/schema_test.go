package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// schema is what the parity test compares of a migrated database.
type schema struct {
	// columns maps "table.column" to "class null|not null".
	columns map[string]string
	// primary maps a table to its primary key columns, comma-separated.
	primary map[string]string
	// indexes maps an index name to "table(col,...)" with " unique" for a
	// unique one. Unnamed unique constraints of SQLite (sqlite_autoindex_*)
	// are in unnamed instead, as MySQL names every key.
	indexes map[string]string
	// unnamed lists "table(col,...) unique" of SQLite's unnamed unique
	// constraints.
	unnamed []string
	// foreignKeys lists "table.column -> table.column on delete RULE".
	foreignKeys []string
	// fkIndexes are MySQL indexes named after a foreign key constraint:
	// InnoDB creates one for a foreign key whose columns no index starts
	// with.
	fkIndexes map[string]bool
}

// typeClass folds a declared column type to what the code can rely on
// across both engines.
func typeClass(t *testing.T, typ string) string {
	t.Helper()
	switch strings.ToLower(strings.Fields(typ + " x")[0]) {
	case "integer", "int", "bigint", "smallint", "tinyint", "boolean":
		return "integer"
	case "text", "varchar", "char", "tinytext", "mediumtext", "longtext":
		return "text"
	case "datetime", "timestamp":
		return "datetime"
	case "date":
		return "date"
	case "blob", "mediumblob", "longblob":
		return "blob"
	}
	t.Errorf("column type %q has no class in typeClass; add it", typ)
	return typ
}

func nullness(notNull bool) string {
	if notNull {
		return "not null"
	}
	return "null"
}

// rowsOf runs q and returns every row as strings.
func rowsOf(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func sqliteSchema(t *testing.T, db *sql.DB) schema {
	t.Helper()
	s := schema{columns: map[string]string{}, primary: map[string]string{}, indexes: map[string]string{}}
	for _, tr := range rowsOf(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT IN ('goose_db_version', 'goose_lock') ORDER BY name`) {
		table := tr[0]
		var pk []string
		pkPos := map[string]string{}
		for _, c := range rowsOf(t, db, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table) {
			// An INTEGER PRIMARY KEY is the rowid: never NULL, whatever
			// the declaration says.
			notNull := c[2] == "1" || c[3] == "1" && strings.EqualFold(c[1], "INTEGER")
			s.columns[table+"."+c[0]] = typeClass(t, c[1]) + " " + nullness(notNull)
			if c[3] != "0" {
				pk = append(pk, c[0])
				pkPos[c[0]] = c[3]
			}
		}
		sort.Slice(pk, func(i, j int) bool { return pkPos[pk[i]] < pkPos[pk[j]] })
		s.primary[table] = strings.Join(pk, ",")
		for _, ix := range rowsOf(t, db, `SELECT name, "unique", origin FROM pragma_index_list(?)`, table) {
			if ix[2] == "pk" {
				continue
			}
			var cols []string
			for _, c := range rowsOf(t, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
				cols = append(cols, c[0])
			}
			desc := table + "(" + strings.Join(cols, ",") + ")"
			if ix[1] == "1" {
				desc += " unique"
			}
			if strings.HasPrefix(ix[0], "sqlite_autoindex_") {
				s.unnamed = append(s.unnamed, desc)
			} else {
				s.indexes[ix[0]] = desc
			}
		}
		for _, fk := range rowsOf(t, db, `SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)`, table) {
			to := fk[2]
			if to == "" {
				to = "id" // REFERENCES t without a column means t's primary key
			}
			s.foreignKeys = append(s.foreignKeys, fmt.Sprintf("%s.%s -> %s.%s on delete %s",
				table, fk[1], fk[0], to, strings.ToUpper(fk[3])))
		}
	}
	return s
}

func mysqlSchema(t *testing.T, db *sql.DB) schema {
	t.Helper()
	s := schema{columns: map[string]string{}, primary: map[string]string{}, indexes: map[string]string{},
		fkIndexes: map[string]bool{}}
	for _, c := range rowsOf(t, db, `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_NULLABLE
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('goose_db_version', 'goose_lock')`) {
		s.columns[c[0]+"."+c[1]] = typeClass(t, c[2]) + " " + nullness(c[3] == "NO")
	}
	type key struct{ table, name string }
	cols := map[key][]string{}
	unique := map[key]bool{}
	for _, r := range rowsOf(t, db, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('goose_db_version', 'goose_lock')
		ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`) {
		k := key{r[0], r[1]}
		cols[k] = append(cols[k], r[3])
		unique[k] = r[2] == "0"
	}
	for k, c := range cols {
		if k.name == "PRIMARY" {
			s.primary[k.table] = strings.Join(c, ",")
			continue
		}
		desc := k.table + "(" + strings.Join(c, ",") + ")"
		if unique[k] {
			desc += " unique"
		}
		s.indexes[k.name] = desc
	}
	for _, fk := range rowsOf(t, db, `SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
		k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, k.CONSTRAINT_NAME
		FROM information_schema.KEY_COLUMN_USAGE k
		JOIN information_schema.REFERENTIAL_CONSTRAINTS r
		  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
		 AND r.TABLE_NAME = k.TABLE_NAME
		WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL`) {
		rule := strings.ToUpper(fk[4])
		if rule == "RESTRICT" {
			rule = "NO ACTION" // InnoDB treats them alike; SQLite's default is NO ACTION
		}
		s.foreignKeys = append(s.foreignKeys, fmt.Sprintf("%s.%s -> %s.%s on delete %s", fk[0], fk[1], fk[2], fk[3], rule))
		s.fkIndexes[fk[5]] = true
	}
	return s
}

// diff reports the entries of two maps that differ.
func diff(t *testing.T, what string, lite, my map[string]string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range lite {
		keys[k] = true
	}
	for k := range my {
		keys[k] = true
	}
	sorted := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range sorted {
		l, lok := lite[k]
		m, mok := my[k]
		switch {
		case !lok:
			t.Errorf("%s %s: only on MySQL (%s)", what, k, m)
		case !mok:
			t.Errorf("%s %s: only on SQLite (%s)", what, k, l)
		case l != m:
			t.Errorf("%s %s: SQLite %s, MySQL %s", what, k, l, m)
		}
	}
}

// TestMigrationsDefineTheSameSchema migrates a SQLite and a MySQL database
// and compares their tables and columns (names, type class, nullability),
// primary keys, indexes (names, columns, unique) and foreign keys. The
// differences the two engines force are allowed here, by name:
//
//   - SQLite's unnamed UNIQUE (...) constraints get sqlite_autoindex_*
//     names; they are matched to a MySQL unique key on the same columns.
//   - InnoDB gives a foreign key an index of its own, named after the
//     constraint, when no index starts with its columns; SQLite needs none
//     to enforce the key.
func TestMigrationsDefineTheSameSchema(t *testing.T) {
	_, liteDSN := storetest.OpenDSN(t, storetest.SQLite, nil)
	liteDB, err := sql.Open("sqlite", liteDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer liteDB.Close()
	lite := sqliteSchema(t, liteDB)
	if len(lite.columns) == 0 {
		t.Fatal("no SQLite columns read")
	}
	if os.Getenv("APP_TEST_MYSQL_DSN") == "" {
		t.Skip("APP_TEST_MYSQL_DSN is not set: the MySQL half of the schema comparison is skipped")
	}
	_, myDSN := storetest.OpenDSN(t, storetest.MySQL, nil)
	myDB, err := sql.Open("mysql", myDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer myDB.Close()
	my := mysqlSchema(t, myDB)

	diff(t, "column", lite.columns, my.columns)
	diff(t, "primary key of", lite.primary, my.primary)

	// Unnamed SQLite unique constraints match MySQL unique keys by columns.
	myByDesc := map[string]string{}
	for name, desc := range my.indexes {
		myByDesc[desc] = name
	}
	for _, desc := range lite.unnamed {
		name, ok := myByDesc[desc]
		if !ok {
			t.Errorf("SQLite unique constraint %s has no MySQL unique key on the same columns", desc)
			continue
		}
		if _, named := lite.indexes[name]; !named {
			lite.indexes[name] = desc
		}
	}
	for name := range my.indexes {
		if _, ok := lite.indexes[name]; !ok && my.fkIndexes[name] {
			delete(my.indexes, name) // InnoDB's own index of a foreign key
		}
	}
	diff(t, "index", lite.indexes, my.indexes)

	set := func(l []string) map[string]string {
		m := map[string]string{}
		for _, s := range l {
			m[s] = "present"
		}
		return m
	}
	diff(t, "foreign key", set(lite.foreignKeys), set(my.foreignKeys))
}
