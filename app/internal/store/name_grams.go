package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// Name search by trigrams (migration 00081). Every resident's name is
// stored once under each of its trigrams, ordered by name; a search for
// part of a name walks the postings of the rarest trigram of the term in
// name order, testing the stored name with LIKE, instead of every name of
// the village. The table only narrows: LIKE on the name decides.

// nameKey is how names and search terms are compared for trigrams: lower
// case, runs of white space as one space, trimmed.
func nameKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}

// nameGrams lists the distinct trigrams of s (by nameKey), in order of
// first appearance; none for a text shorter than three characters.
func nameGrams(s string) []string {
	r := []rune(nameKey(s))
	var out []string
	seen := map[string]bool{}
	for i := 0; i+3 <= len(r); i++ {
		g := string(r[i : i+3])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// gramRow is one row of resident_name_grams.
type gramRow struct {
	VillageID  int64
	Gram       string
	Name       string
	ResidentID int64
}

// setNameGrams stores the trigrams of the residents' names inside tx,
// replacing earlier ones when replace is set (a resident renamed or
// re-imported).
func (s *Store) setNameGrams(tx *gorm.DB, villageID int64, names map[int64]string, replace bool) error {
	if len(names) == 0 {
		return nil
	}
	if replace {
		ids := make([]int64, 0, len(names))
		for id := range names {
			ids = append(ids, id)
		}
		for len(ids) > 0 {
			batch := ids[:min(500, len(ids))]
			ids = ids[len(batch):]
			if err := tx.Exec("DELETE FROM resident_name_grams WHERE resident_id IN ?", batch).Error; err != nil {
				return fmt.Errorf("name grams: %w", err)
			}
		}
	}
	var rows []gramRow
	for id, name := range names {
		for _, g := range nameGrams(name) {
			rows = append(rows, gramRow{VillageID: villageID, Gram: g, Name: name, ResidentID: id})
		}
	}
	const batch = 300 // four placeholders a row, under SQLite's limit
	tail := s.onConflict([]string{"village_id", "gram", "name", "resident_id"}, "")
	for len(rows) > 0 {
		b := rows[:min(batch, len(rows))]
		rows = rows[len(b):]
		args := make([]any, 0, 4*len(b))
		for _, r := range b {
			args = append(args, r.VillageID, r.Gram, r.Name, r.ResidentID)
		}
		q := "INSERT INTO resident_name_grams (village_id, gram, name, resident_id) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?),", len(b)), ",") + tail
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("name grams: %w", err)
		}
	}
	return nil
}

// gramCountCap bounds how far the postings of one trigram are counted when
// choosing the rarest trigram of a search term. Beyond it a trigram is
// common and which common one is walked matters little, while counting
// each of a term's trigrams to 20,000 took half of a search for "santo" in
// a village of 100,000 (7.9 -> 3.2 ms on MariaDB with 1,000).
const gramCountCap = 1000

// rarestGram is the trigram of term that the fewest of the village's
// residents' names hold, or "" for a term shorter than three characters.
// The search walks that trigram's postings in name order (see
// FindResidents), testing each stored name with LIKE, so a page costs
// about as many postings as it takes to find it.
//
// The counts (each to gramCountCap) come from one statement for all the
// trigrams not counted in the last gramCountTTL, and are remembered
// (gramCounts). They only choose which postings to walk; the walk reads
// the postings as they are, so a count that is out of date makes a search
// slower, never wrong. A clerk typing a name searches the same trigrams
// again and again, and counting a term of eight letters cost more than
// the search itself (2.7 of 6.8 ms for "wibowo a" among 100,000 names on
// MariaDB).
//
// When every trigram reaches gramCountCap, the counts cannot tell them
// apart, and the first would be walked: a second statement counts those
// trigrams on to gramRecountCap (recount).
func (s *Store) rarestGram(ctx context.Context, villageID int64, term string) (string, error) {
	grams := nameGrams(term)
	if len(grams) > maxCountedGrams {
		grams = grams[:maxCountedGrams]
	}
	counts := make([]gramCount, len(grams))
	now := s.now()
	var missing []int
	for i, g := range grams {
		var ok bool
		if counts[i], ok = s.gramCounts.get(villageID, g, now); !ok {
			missing = append(missing, i)
		}
	}
	if err := s.countGrams(ctx, villageID, grams, missing, gramCountCap, counts, now); err != nil {
		return "", err
	}
	if err := s.recount(ctx, villageID, grams, counts, now); err != nil {
		return "", err
	}
	rarest, best := "", int64(-1)
	for i, g := range grams {
		if best < 0 || counts[i].n < best {
			rarest, best = g, counts[i].n
		}
	}
	return rarest, nil
}

// gramRecountCap is how far recount counts trigrams that all reached
// gramCountCap. For "wibowo a" among 100,000 names, every trigram was held
// by more than 1,000 names, "wib" (walked first) by 5,560 and "o a" by
// 1,540; counting the term's matches took 2.6 ms through "wib" and 0.75
// ms through "o a" on MariaDB. Counting its six trigrams to 4,000 took
// 6-10 ms, paid once in gramCountTTL.
const gramRecountCap = 4 * gramCountCap

// recount counts on to gramRecountCap the trigrams that reached
// gramCountCap and were not counted further, when no trigram stayed below
// it.
func (s *Store) recount(ctx context.Context, villageID int64, grams []string, counts []gramCount,
	now time.Time) error {
	var capped []int
	for i, c := range counts {
		if c.n < gramCountCap {
			return nil // a trigram below the cap is rarer than any capped one
		}
		if !c.deep {
			capped = append(capped, i)
		}
	}
	return s.countGrams(ctx, villageID, grams, capped, gramRecountCap, counts, now)
}

// countGrams counts the postings of grams[i] for each i in which, each up
// to limit, in one statement, into counts and the cache.
func (s *Store) countGrams(ctx context.Context, villageID int64, grams []string, which []int, limit int,
	counts []gramCount, now time.Time) error {
	if len(which) == 0 {
		return nil
	}
	var sql strings.Builder
	args := make([]any, 0, 2*len(which))
	for k, i := range which {
		if k > 0 {
			sql.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&sql, "SELECT %d AS i, COUNT(*) AS n FROM (SELECT 1 AS one FROM resident_name_grams "+
			"WHERE village_id = ? AND gram = ? LIMIT %d) g%d", i, limit, k)
		args = append(args, villageID, grams[i])
	}
	var rows []struct{ I, N int64 }
	if err := s.db.WithContext(ctx).Raw(sql.String(), args...).Scan(&rows).Error; err != nil {
		return translate("name gram count", err)
	}
	if len(rows) != len(which) {
		return fmt.Errorf("store: name gram count: %d counts for %d trigrams", len(rows), len(which))
	}
	for _, r := range rows {
		counts[r.I] = gramCount{n: r.N, deep: limit > gramCountCap, at: now}
		s.gramCounts.put(villageID, grams[r.I], counts[r.I])
	}
	return nil
}

// maxCountedGrams bounds the trigrams of a term that are counted: the
// rarest of the first sixteen narrows enough, and LIKE tests the whole
// term anyway.
const maxCountedGrams = 16

// gramCountTTL is how long a trigram's count is used before it is counted
// again; gramCountEntries bounds how many are remembered (about 60 bytes
// each), across all villages.
const (
	gramCountTTL     = 10 * time.Minute
	gramCountEntries = 20000
)

// gramCountCache remembers the capped posting counts of trigrams for
// rarestGram. It is safe for concurrent use.
type gramCountCache struct {
	mu sync.Mutex
	m  map[gramKey]gramCount
}

type gramKey struct {
	village int64
	gram    string
}

type gramCount struct {
	n    int64
	deep bool // counted to gramRecountCap
	at   time.Time
}

func (c *gramCountCache) get(village int64, gram string, now time.Time) (gramCount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[gramKey{village, gram}]
	if !ok || now.Sub(e.at) >= gramCountTTL || now.Before(e.at) {
		return gramCount{}, false
	}
	return e, true
}

// put remembers a count; when the cache is full it starts over, which
// costs the next searches one counting statement each.
func (c *gramCountCache) put(village int64, gram string, n gramCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= gramCountEntries {
		c.m = make(map[gramKey]gramCount)
	}
	c.m[gramKey{village, gram}] = n
}

// backfillNameGrams is migration 00082: the trigrams of every resident
// stored before 00081.
func backfillNameGrams(dialect string) *goose.Migration {
	return goose.NewGoMigration(82, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return fillNameGrams(ctx, tx, dialect)
	}}, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM resident_name_grams")
		return err
	}})
}

// RebuildNameGrams recomputes the trigrams of every resident's name, in one
// transaction: for residents written by plain SQL (a bulk load) that
// bypassed the store.
func (s *Store) RebuildNameGrams(ctx context.Context) error {
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: rebuild name grams: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM resident_name_grams"); err != nil {
		return fmt.Errorf("store: rebuild name grams: %w", err)
	}
	if err := fillNameGrams(ctx, tx, s.dialect); err != nil {
		return fmt.Errorf("store: rebuild name grams: %w", err)
	}
	return tx.Commit()
}

// fillNameGrams writes the trigrams of every resident inside tx.
func fillNameGrams(ctx context.Context, tx *sql.Tx, dialect string) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, village_id, name FROM residents")
	if err != nil {
		return err
	}
	type res struct {
		id, village int64
		name        string
	}
	var all []res
	for rows.Next() {
		var r res
		if err := rows.Scan(&r.id, &r.village, &r.name); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	tail := " ON CONFLICT(village_id, gram, name, resident_id) DO NOTHING"
	if dialect == "mysql" {
		tail = " ON DUPLICATE KEY UPDATE village_id = village_id"
	}
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO resident_name_grams (village_id, gram, name, resident_id) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?),", len(args)/4), ",") + tail
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		return err
	}
	for _, r := range all {
		for _, g := range nameGrams(r.name) {
			args = append(args, r.village, g, r.name, r.id)
			if len(args) >= 1200 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
