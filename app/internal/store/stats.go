package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"gorm.io/gorm"
)

// Figures for the dashboards. Every function counts within the village it
// is given, except the kabupaten-wide ones, which the web layer offers only
// to the kabupaten admin.

// KeyCount is a number of letters under one key: a status, a module code,
// or a village id in decimal.
type KeyCount struct {
	Key string
	N   int64
}

// datedIn is the condition that a letter of the village is dated in
// [from, to), either bound zero for none, with its arguments. A letter is
// dated by its letter date once signed and by its creation time before:
// COALESCE(issued_at, created_at). Written as that expression, the
// condition read every letter the village ever had (200 ms for a month of
// a village with 25,000 letters on MariaDB); written as two ranges of
// letters_village_dated (village_id, issued_at, created_at), one for the
// dated letters and one for the undated, it reads only the letters in the
// range.
func datedIn(villageID int64, from, to time.Time) (string, []any) {
	dated, undated := []string{"village_id = ?"}, []string{"village_id = ?", "issued_at IS NULL"}
	dArgs, uArgs := []any{villageID}, []any{villageID}
	if !from.IsZero() {
		dated, undated = append(dated, "issued_at >= ?"), append(undated, "created_at >= ?")
		dArgs, uArgs = append(dArgs, from.UTC()), append(uArgs, from.UTC())
	}
	if !to.IsZero() {
		dated, undated = append(dated, "issued_at < ?"), append(undated, "created_at < ?")
		dArgs, uArgs = append(dArgs, to.UTC()), append(uArgs, to.UTC())
	}
	return "((" + strings.Join(dated, " AND ") + ") OR (" + strings.Join(undated, " AND ") + "))", append(dArgs, uArgs...)
}

// datedLetters is the letters table for a query whose only condition
// besides the village is datedIn's: on SQLite it names the index the two
// ranges are written for (sqliteIndex). Without it the planner took the
// index on village_id alone and tested the ranges on every letter of the
// village (11 ms against 0.01 ms for a month of a village with 25,000
// letters).
func (s *Store) datedLetters() string { return s.sqliteIndex("letters", "letters_village_dated") }

// sqliteIndex is table as a query names it to choose how SQLite reads it:
// INDEXED BY index, or NOT INDEXED for index "", which leaves SQLite the
// rowid only, for rows looked up by id. A deployment never runs ANALYZE,
// and without statistics SQLite's planner takes an equality on village_id
// to select about ten rows: it searched an index on village_id, reading
// every row of a large village, where a few rows were wanted by id or by
// another index. MariaDB keeps statistics and chooses by itself.
func (s *Store) sqliteIndex(table, index string) string {
	switch {
	case s.dialect != "sqlite":
		return table
	case index == "":
		return table + " NOT INDEXED"
	}
	return table + " INDEXED BY " + index
}

// LetterCountsByStatus counts the village's letters dated in [from, to) by
// status, largest first.
func (s *Store) LetterCountsByStatus(ctx context.Context, villageID int64, from, to time.Time) ([]KeyCount, error) {
	return s.letterCountsBy(ctx, "status", villageID, from, to)
}

// LetterCountsByModule counts the village's letters dated in [from, to) by
// module code, largest first.
func (s *Store) LetterCountsByModule(ctx context.Context, villageID int64, from, to time.Time) ([]KeyCount, error) {
	return s.letterCountsBy(ctx, "module", villageID, from, to)
}

// letterCountsBy counts the village's letters dated in [from, to) by the
// column (status or module), largest first.
func (s *Store) letterCountsBy(ctx context.Context, column string, villageID int64, from, to time.Time) ([]KeyCount, error) {
	var out []KeyCount
	dated, args := datedIn(villageID, from, to)
	err := s.db.WithContext(ctx).Table(s.datedLetters()).Select(column+" AS `key`, COUNT(*) AS n").
		Where("village_id = ?", villageID).Where(dated, args...).
		Group(column).Order("n DESC, " + column).Scan(&out).Error
	return out, translate("count letters by "+column, err)
}

// SignedPerMonth counts the village's letters signed in each month of year,
// months taken in letter time (WIB), so a letter signed at 06:00 WIB on
// 1 March counts for March. Letters revoked or replaced later still count:
// they were signed. Index 0 is January. It reads the village's counters
// (letter_month_totals): at most twelve rows.
func (s *Store) SignedPerMonth(ctx context.Context, villageID int64, year int) ([12]int64, error) {
	var counts [12]int64
	var rows []struct {
		Month  int
		Signed int64
	}
	err := s.db.WithContext(ctx).Table("letter_month_totals").Select("month, signed").
		Where("village_id = ? AND year = ?", villageID, year).Scan(&rows).Error
	if err != nil {
		return counts, translate(fmt.Sprintf("signed letters of %d", year), err)
	}
	for _, r := range rows {
		if r.Month >= 1 && r.Month <= 12 {
			counts[r.Month-1] = r.Signed
		}
	}
	return counts, nil
}

// VillageCounts are a village's register figures.
type VillageCounts struct {
	Residents, Alive, Households int64
}

// VillageCounts reads the village's register figures from its counters
// (village_stats), which every transaction that adds a resident or a
// household, or changes a life status, keeps up to date.
func (s *Store) VillageCounts(ctx context.Context, villageID int64) (VillageCounts, error) {
	var row struct {
		Residents, ResidentsAlive, Households int64
	}
	err := s.db.WithContext(ctx).Table("village_stats").Select("residents, residents_alive, households").
		Where("village_id = ?", villageID).Take(&row).Error
	return VillageCounts{row.Residents, row.ResidentsAlive, row.Households}, translate("village counts", err)
}

// ExpiringCertificates lists the village's signer certificates that are
// not revoked, still valid now and expire before until, soonest first.
func (s *Store) ExpiringCertificates(ctx context.Context, villageID int64, until time.Time) ([]surat.SignerCertificate, error) {
	now := s.now()
	var cs []surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").
		Where("village_id = ? AND revoked_at IS NULL AND not_after > ? AND not_after <= ?", villageID, now, until.UTC()).
		Order("not_after, id").Find(&cs).Error
	return cs, translate("expiring certificates", err)
}

// VillageSummary is one village with its counts, for the kabupaten admin.
type VillageSummary struct {
	surat.Village
	Residents int64 // alive residents in the register
	Letters   int64 // letters signed in the period asked for
	Users     int64
}

// VillageFilter narrows and pages the kabupaten's village list. Query
// matches part of the name, the kecamatan or the start of the kode desa.
type VillageFilter struct {
	Query   string
	Page    int // from 1
	PerPage int // 1..200, default 50
}

// VillageSummaryPage is one page of villages, by name, with the totals of
// every village the filter matches.
type VillageSummaryPage struct {
	Villages []VillageSummary
	Total    int64 // villages matching
	Page     int
	PerPage  int
	// Residents and Letters are the sums over every matching village.
	Residents, Letters int64
}

// VillageSummaries lists a page of the villages matching f by name, each
// with its alive residents, its staff accounts and the letters signed in
// [from, to). The counts come from the counters (village_stats,
// letter_month_counts), so a page costs the same with 300 villages as with
// 8,000. It is kabupaten-wide: only the kabupaten admin may see it.
func (s *Store) VillageSummaries(ctx context.Context, from, to time.Time, f VillageFilter) (*VillageSummaryPage, error) {
	pg := pageOf(f.Page, f.PerPage, 50, 200)
	q := s.villageQuery(ctx, f.Query)
	out := &VillageSummaryPage{Page: pg.Page, PerPage: pg.PerPage}
	var all []int64
	if err := q.Session(&gorm.Session{}).Pluck("id", &all).Error; err != nil {
		return nil, translate("village ids", err)
	}
	out.Total = int64(len(all))
	var vs []surat.Village
	if err := pg.apply(q.Order("name, id")).Find(&vs).Error; err != nil {
		return nil, translate("villages", err)
	}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	residents := map[int64]int64{}
	var stats []struct{ VillageID, ResidentsAlive int64 }
	if err := s.db.WithContext(ctx).Table("village_stats").Select("village_id, residents_alive").
		Where("village_id IN ?", all).Scan(&stats).Error; err != nil {
		return nil, translate("village stats", err)
	}
	for _, st := range stats {
		residents[st.VillageID] = st.ResidentsAlive
		out.Residents += st.ResidentsAlive
	}
	recap, err := s.letterRecap(ctx, from, to, recapScope(all, f.Query), "village_id")
	if err != nil {
		return nil, err
	}
	letters := map[int64]int64{}
	for _, r := range recap {
		letters[r.VillageID] += r.N
		out.Letters += r.N
	}
	users := map[int64]int64{}
	var uc []struct{ VillageID, N int64 }
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Table("users").Select("village_id, COUNT(*) AS n").
			Where("village_id IN ?", ids).Group("village_id").Scan(&uc).Error; err != nil {
			return nil, translate("count users per village", err)
		}
	}
	for _, u := range uc {
		users[u.VillageID] = u.N
	}
	out.Villages = make([]VillageSummary, len(vs))
	for i, v := range vs {
		out.Villages[i] = VillageSummary{Village: v, Residents: residents[v.ID], Letters: letters[v.ID], Users: users[v.ID]}
	}
	return out, nil
}

// RecapRow is the number of letters of one module signed by one village.
type RecapRow struct {
	VillageID int64
	Module    string
	N         int64
}

// LetterRecap counts the letters signed in [from, to) by village and
// module, across the kabupaten; letters revoked or replaced later count,
// since they were issued. Only the kabupaten admin may see it. The whole
// months of the range (in letter time) are read from letter_month_counts,
// the parts before the first and after the last whole month from the
// letters themselves (index letters_signed), so the cost grows with the
// villages and modules, not with the letters.
func (s *Store) LetterRecap(ctx context.Context, from, to time.Time) ([]RecapRow, error) {
	return s.letterRecap(ctx, from, to, nil, "village_id, module")
}

// RecapPage is one page of the kabupaten's recap: the letters signed per
// village of the page and module, with the totals of every matching
// village.
type RecapPage struct {
	Villages []surat.Village // the page's villages, by name
	Rows     []RecapRow      // their counts
	// Modules are the counts per module (VillageID 0) over every matching
	// village, and Total their sum.
	Modules []RecapRow
	Total   int64
	// VillageTotal is the number of matching villages.
	VillageTotal  int64
	Page, PerPage int
}

// LetterRecapPage is LetterRecap for one page of the villages matching f
// (by name), with the kabupaten-wide counts per module.
func (s *Store) LetterRecapPage(ctx context.Context, from, to time.Time, f VillageFilter) (*RecapPage, error) {
	pg := pageOf(f.Page, f.PerPage, 50, 200)
	q := s.villageQuery(ctx, f.Query)
	var all []int64
	if err := q.Session(&gorm.Session{}).Pluck("id", &all).Error; err != nil {
		return nil, translate("village ids", err)
	}
	out := &RecapPage{VillageTotal: int64(len(all)), Page: pg.Page, PerPage: pg.PerPage}
	if err := pg.apply(q.Order("name, id")).Find(&out.Villages).Error; err != nil {
		return nil, translate("villages", err)
	}
	ids := make([]int64, len(out.Villages))
	for i, v := range out.Villages {
		ids[i] = v.ID
	}
	var err error
	if out.Rows, err = s.letterRecap(ctx, from, to, ids, "village_id, module"); err != nil {
		return nil, err
	}
	if out.Modules, err = s.letterRecap(ctx, from, to, recapScope(all, f.Query), "module"); err != nil {
		return nil, err
	}
	for _, m := range out.Modules {
		out.Total += m.N
	}
	return out, nil
}

// villageQuery selects the villages whose name or kecamatan contains term,
// or whose kode desa starts with it; every village for an empty term.
func (s *Store) villageQuery(ctx context.Context, term string) *gorm.DB {
	q := s.db.WithContext(ctx).Table("villages")
	if term := villageTerm(term); term != "" {
		q = q.Where("(name LIKE ? OR kecamatan LIKE ? OR code LIKE ?)", "%"+term+"%", "%"+term+"%", term+"%")
	}
	return q
}

// villageTerm is term as villageQuery matches it, "" for every village.
func villageTerm(term string) string { return escapeLike(strings.TrimSpace(term)) }

// recapScope is the villages letterRecap counts for a filter by term that
// matched all: nil, for every village, when term filters nothing, so that
// the sums over the whole kabupaten are read (monthTable).
func recapScope(all []int64, term string) []int64 {
	if villageTerm(term) == "" {
		return nil
	}
	return all
}

// letterRecap is LetterRecap of the villages ids (of all when ids is nil)
// grouped by the columns group: "village_id, module", or "module" alone
// (VillageID 0 in the rows).
func (s *Store) letterRecap(ctx context.Context, from, to time.Time, ids []int64, group string) ([]RecapRow, error) {
	if ids != nil && len(ids) == 0 {
		return nil, nil
	}
	only := func(q *gorm.DB) *gorm.DB {
		if ids != nil {
			return q.Where("village_id IN ?", ids)
		}
		return q
	}
	counts := map[[2]any]int64{}
	add := func(rows []RecapRow) {
		for _, r := range rows {
			counts[[2]any{r.VillageID, r.Module}] += r.N
		}
	}
	scan := func(a, b time.Time) error {
		if !a.Before(b) {
			return nil
		}
		var rows []RecapRow
		err := only(s.db.WithContext(ctx).Table("letters").Select(group+", COUNT(*) AS n").
			Where("signed_at >= ? AND signed_at < ?", a.UTC(), b.UTC())).Group(group).Scan(&rows).Error
		add(rows)
		return translate("letter recap", err)
	}
	first, last := wholeMonths(from, to)
	if !first.Before(last) {
		if err := scan(from, to); err != nil {
			return nil, err
		}
	} else {
		if err := scan(from, first); err != nil {
			return nil, err
		}
		if err := scan(last, to); err != nil {
			return nil, err
		}
		var rows []RecapRow
		// Months as year*12 + month, so that one range condition selects them.
		lo, hi := monthIndex(first), monthIndex(last)
		err := only(s.db.WithContext(ctx).Table(monthTable(group, ids)).Select(group+", SUM(signed) AS n").
			Where("year BETWEEN ? AND ? AND year * 12 + month >= ? AND year * 12 + month < ?",
				(lo-1)/12, (hi-1)/12, lo, hi)).Group(group).Scan(&rows).Error
		if err != nil {
			return nil, translate("letter recap by month", err)
		}
		add(rows)
	}
	out := make([]RecapRow, 0, len(counts))
	for k, n := range counts {
		out = append(out, RecapRow{VillageID: k[0].(int64), Module: k[1].(string), N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VillageID != out[j].VillageID {
			return out[i].VillageID < out[j].VillageID
		}
		return out[i].Module < out[j].Module
	})
	return out, nil
}

// monthTable is the table of counts per month that letterRecap reads for
// group and ids: the sums per village and month for "village_id", the sums
// per letter type over every village for "module" of all villages, and the
// counts per village and letter type otherwise (migration 00120). At 300
// villages and ten letter types, the first two hold a tenth and a
// fortieth of the rows of the third.
func monthTable(group string, ids []int64) string {
	switch {
	case group == "village_id":
		return "letter_month_totals"
	case group == "module" && ids == nil:
		return "letter_module_months"
	}
	return "letter_month_counts"
}

// wholeMonths is the part of [from, to) made of whole months of letter
// time: [first, last), empty (first >= last) when the range holds none.
func wholeMonths(from, to time.Time) (first, last time.Time) {
	f, t := surat.LetterTime(from), surat.LetterTime(to)
	first = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, f.Location())
	if first.Before(f) {
		first = first.AddDate(0, 1, 0)
	}
	last = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	return first, last
}

// monthIndex numbers the month of t (letter time) as year*12 + month.
func monthIndex(t time.Time) int {
	lt := surat.LetterTime(t)
	return lt.Year()*12 + int(lt.Month())
}
