package store

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSQLitePlansWithoutStatistics: the queries that name how SQLite
// reads a table (sqliteIndex) read it that way on a database that has
// never been analyzed, as a deployment's: the households of a page of
// residents and the heads of a page of households by id, the residents of
// the KK a number matched and the sizes of a page of households by
// residents_household, a resident's letters by letters_subject, the
// letters a resident sees in Layanan Mandiri by id, the archive's text
// search in letters_village_search and the household list's in
// households_village_search.
func TestSQLitePlansWithoutStatistics(t *testing.T) {
	ctx := context.Background()
	st := openMigratedSQLite(t)
	// A page of residents: 25 households, or the KK a number prefix matched.
	ids := make([]int64, 25)
	for i := range ids {
		ids[i] = int64(7 * (i + 1))
	}
	for _, c := range []struct {
		name  string
		query func(tx *gorm.DB) *gorm.DB
		want  string
	}{
		{"households by id", func(tx *gorm.DB) *gorm.DB {
			return st.villageRowsByID(tx, "households", 1, ids).Find(&[]surat.Household{})
		}, "SEARCH households USING INTEGER PRIMARY KEY (rowid=?)"},
		{"heads of households by id", func(tx *gorm.DB) *gorm.DB {
			return st.villageRowsByID(tx, "residents", 1, ids).Select("id, name").Find(&[]surat.Resident{})
		}, "SEARCH residents USING INTEGER PRIMARY KEY (rowid=?)"},
		{"sizes of households", func(tx *gorm.DB) *gorm.DB {
			return st.residentsOfHouseholds(tx, 1, ids).Select("household_id, COUNT(*) AS n").Group("household_id").Find(&[]map[string]any{})
		}, "SEARCH residents USING INDEX residents_household (household_id=?)"},
		{"residents of KK", func(tx *gorm.DB) *gorm.DB {
			return st.residentsOfHouseholds(tx, 1, ids).Limit(51).Pluck("id", &[]int64{})
		}, "SEARCH residents USING INDEX residents_household (household_id=?)"},
		{"letters of a resident", func(tx *gorm.DB) *gorm.DB {
			return st.lettersAbout(tx, 1, 7).Order("id DESC").Limit(50).Find(&[]surat.Letter{})
		}, "SEARCH letters USING INDEX letters_subject (subject_resident_id=?)"},
		{"a resident's own letters", func(tx *gorm.DB) *gorm.DB {
			return st.residentLetterQuery(tx, 1, 7).Order("signed_at DESC, id DESC").Limit(200).Find(&[]surat.Letter{})
		}, "SEARCH letters USING INTEGER PRIMARY KEY (rowid=?)"},
		{"the archive's text search", func(tx *gorm.DB) *gorm.DB {
			return st.lettersMatching(tx, 1, "0123").Order("id DESC").Limit(25).Pluck("id", &[]int64{})
		}, "SEARCH letters USING COVERING INDEX letters_village_search (village_id=?)"},
		{"the household list's text search", func(tx *gorm.DB) *gorm.DB {
			return tx.Table(st.searchedHouseholds()).Where("h.village_id = ? AND h.address LIKE ?", 1, "%x%").
				Order("h.no_kk").Limit(26).Pluck("h.id", &[]int64{})
		}, "SEARCH h USING COVERING INDEX households_village_search (village_id=?)"},
	} {
		query := st.db.ToSQL(c.query)
		var plan []string
		rows, err := st.sqlDB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, query)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "\n"); !strings.Contains(got, c.want) {
			t.Errorf("%s: plan\n%s\nwant %s\n(%s)", c.name, got, c.want, query)
		}
	}
}
