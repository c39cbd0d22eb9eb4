package store

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// lockRow reads the row id of the village from table into dst inside tx
// and locks it until tx ends: SELECT ... FOR UPDATE on MySQL, where
// concurrent transactions would otherwise read the same version; SQLite
// transactions are exclusive already (they begin IMMEDIATE). A missing row
// is gorm.ErrRecordNotFound, wrapped with the table and id.
func (s *Store) lockRow(tx *gorm.DB, table string, villageID, id int64, dst any) error {
	q := tx.Table(table).Where("village_id = ? AND id = ?", villageID, id)
	if s.dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(dst).Error; err != nil {
		return fmt.Errorf("%s %d: %w", strings.TrimSuffix(table, "s"), id, err)
	}
	return nil
}

// onConflict is the dialect's tail of an INSERT that, when a row with the
// same unique key exists, runs set on it instead ("entries = entries + 1"),
// or leaves it alone when set is empty. key names the unique key's columns
// (SQLite needs them; MySQL uses whichever unique key conflicts).
func (s *Store) onConflict(key []string, set string) string {
	if s.dialect == "mysql" {
		if set == "" {
			set = key[0] + " = " + key[0]
		}
		return " ON DUPLICATE KEY UPDATE " + set
	}
	if set == "" {
		return " ON CONFLICT(" + strings.Join(key, ", ") + ") DO NOTHING"
	}
	return " ON CONFLICT(" + strings.Join(key, ", ") + ") DO UPDATE SET " + set
}

// paging is a page of a list: Page from 1, PerPage rows.
type paging struct{ Page, PerPage int }

// pageOf bounds a requested page: PerPage outside 1..limit becomes def, a
// Page below 1 becomes 1 and one above maxPage maxPage, past the end of
// any list, so that the page's offset never overflows.
func pageOf(page, perPage, def, limit int) paging {
	if perPage <= 0 || perPage > limit {
		perPage = def
	}
	return paging{Page: min(max(page, 1), maxPage), PerPage: perPage}
}

// maxPage is the highest page a list asks for.
const maxPage = 1 << 30

// apply limits q to the page's rows.
func (p paging) apply(q *gorm.DB) *gorm.DB {
	return q.Limit(p.PerPage).Offset((p.Page - 1) * p.PerPage)
}
