package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// HouseholdQuery is a search of a village's households (Kartu Keluarga),
// ordered by No. KK and paged by keyset. Zero values mean "any".
type HouseholdQuery struct {
	// Text matches the start of a No. KK when it is all digits, otherwise
	// part of the head's name or of the address.
	Text  string
	Dusun string
	RW    string
	RT    string
	// After and Before are household ids, as in ResidentQuery.
	After, Before int64
	Limit         int // 1..100, default 25
}

// HouseholdSummary is a household with what its list shows.
type HouseholdSummary struct {
	surat.Household
	// HeadName is the name of the kepala keluarga, "" when none is recorded.
	HeadName string
	Members  int
}

// HouseholdResults is one page of a HouseholdQuery.
type HouseholdResults struct {
	Households       []HouseholdSummary
	Count            int // at most ResidentCountCap
	CountCapped      bool
	HasPrev, HasNext bool
}

// FindHouseholds searches the village's households with q.
func (s *Store) FindHouseholds(ctx context.Context, villageID int64, q HouseholdQuery) (*HouseholdResults, error) {
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 25
	}
	named, err := s.residentsNamed(ctx, villageID, q.Text)
	if err != nil {
		return nil, err
	}
	// A text search alone tests every household of the village: it reads
	// them in households_village_search, and only the page's rows by id.
	textOnly := named != nil && q.Dusun == "" && q.RW == "" && q.RT == ""
	from := func() *gorm.DB {
		if textOnly {
			return s.db.WithContext(ctx).Table(s.searchedHouseholds())
		}
		return s.db.WithContext(ctx).Table("households AS h")
	}
	where := func(db *gorm.DB) *gorm.DB {
		db = db.Where("h.village_id = ?", villageID)
		if q.Dusun != "" {
			db = db.Where("h.dusun = ?", q.Dusun)
		}
		if q.RW != "" {
			db = db.Where("h.rw = ?", q.RW)
		}
		if q.RT != "" {
			db = db.Where("h.rt = ?", q.RT)
		}
		switch term := strings.TrimSpace(q.Text); {
		case named != nil: // text: the address or the head's name
			pat := "%" + likeLiteral(term) + "%"
			db = db.Where("(h.address LIKE ? ESCAPE '!' OR h.head_id IN (?))", pat, named())
		case term != "": // the start of a No. KK
			lo, hi := digitRange(term)
			db = db.Where("h.no_kk BETWEEN ? AND ?", lo, hi)
		}
		return db
	}
	backward := false
	cursorKK := ""
	if id := max(q.After, q.Before); id != 0 {
		var c struct{ NoKK string }
		err := s.db.WithContext(ctx).Table("households").Select("no_kk").Where("village_id = ? AND id = ?", villageID, id).
			Take(&c).Error
		switch {
		case err == nil:
			cursorKK, backward = c.NoKK, q.Before != 0
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return nil, translate("household cursor", err)
		}
	}
	res := &HouseholdResults{}
	counted := false
	// ids are the page's households, in the order the page query would
	// read them, when a text search's single pass found them.
	var ids []int64
	if named != nil {
		var err error
		if ids, counted, err = s.householdsInOnePass(where(from()), cursorKK, backward, q.Limit, res); err != nil {
			return nil, err
		}
	}
	if !counted {
		var count int64
		bounded := where(from()).Select("1").Limit(ResidentCountCap + 1)
		if err := s.db.WithContext(ctx).Table("(?) AS m", bounded).Count(&count).Error; err != nil {
			return nil, translate("count households", err)
		}
		res.Count, res.CountCapped = int(min(count, ResidentCountCap)), count > ResidentCountCap
	}

	var hs []surat.Household
	if ids == nil { // the single pass did not find the page
		page := where(from())
		switch {
		case cursorKK == "":
			page = page.Order("h.no_kk")
		case backward:
			page = page.Where("h.no_kk < ?", cursorKK).Order("h.no_kk DESC")
		default:
			page = page.Where("h.no_kk > ?", cursorKK).Order("h.no_kk")
		}
		if textOnly {
			if err := page.Limit(q.Limit+1).Pluck("h.id", &ids).Error; err != nil {
				return nil, translate("search households", err)
			}
		} else if err := page.Select("h.*").Limit(q.Limit + 1).Find(&hs).Error; err != nil {
			return nil, translate("find households", err)
		}
	}
	if ids != nil {
		var err error
		if hs, err = s.householdsByID(ctx, villageID, ids); err != nil {
			return nil, err
		}
	}
	more := len(hs) > q.Limit
	if more {
		hs = hs[:q.Limit]
	}
	switch {
	case cursorKK == "":
		res.HasNext = more
	case backward:
		for i, j := 0, len(hs)-1; i < j; i, j = i+1, j-1 {
			hs[i], hs[j] = hs[j], hs[i]
		}
		res.HasPrev, res.HasNext = more, true
	default:
		res.HasPrev, res.HasNext = true, more
	}
	sums, err := s.summarize(ctx, villageID, hs)
	if err != nil {
		return nil, err
	}
	res.Households = sums
	return res, nil
}

// searchedHouseholds is the households table (alias h) read through
// households_village_search, which holds every column a text search
// tests. Without it MariaDB read each household's row, twice (the count
// and the page), and SQLite without statistics too; the index is named on
// both engines, as searchedLetters names its own.
func (s *Store) searchedHouseholds() string {
	if s.dialect == "mysql" {
		return "households AS h FORCE INDEX (households_village_search)"
	}
	return s.sqliteIndex("households AS h", "households_village_search")
}

// householdsAtOnce is how many matches of a household text search
// householdsInOnePass reads before it leaves the counting to the
// database: the count's own cap, so that a search that matches fewer than
// that is counted and paged from one pass.
const householdsAtOnce = ResidentCountCap

// householdMatch is a household a text search matched.
type householdMatch struct {
	ID   int64
	NoKK string
}

// householdsInOnePass reads the id and No. KK of up to householdsAtOnce
// households that matches (the search's query) holds, in No. KK order,
// which stops as soon as that many are found. The text search's
// condition tests the address and the head's name, whose trigram
// postings the database gathers for every statement: counting and then
// reading the page gathered them twice, 52 ms on SQLite for a common name
// in a village of 25,000 households.
//
// When no more match, they are the whole result: it sets res's count
// (counted true) and returns the page's ids (at most limit+1, in the
// order the page query reads them: by No. KK after cursorKK, or down from
// it when backward). When more match, the count is capped, and the first
// page (no cursor) is still theirs if they hold it; any other page is
// left to the database (ids nil), and so is the count when fewer than
// ResidentCountCap were read (tests read fewer).
func (s *Store) householdsInOnePass(matches *gorm.DB, cursorKK string, backward bool, limit int,
	res *HouseholdResults) (ids []int64, counted bool, err error) {
	atOnce := cmp.Or(s.searchAtOnce, householdsAtOnce)
	var ms []householdMatch
	if err := matches.Select("h.id, h.no_kk").Order("h.no_kk").Limit(atOnce + 1).Scan(&ms).Error; err != nil {
		return nil, false, translate("search households", err)
	}
	if len(ms) > atOnce {
		if atOnce >= ResidentCountCap { // more than the count shows
			res.Count, res.CountCapped, counted = ResidentCountCap, true, true
		}
		if cursorKK != "" || len(ms) <= limit {
			return nil, counted, nil
		}
		ms = ms[:limit+1]
	} else {
		res.Count, counted = len(ms), true
		// Paged by the same comparison of No. KK as the cursor below.
		slices.SortFunc(ms, func(a, b householdMatch) int { return strings.Compare(a.NoKK, b.NoKK) })
	}
	ids = make([]int64, 0, limit+1)
	if backward {
		end, _ := slices.BinarySearchFunc(ms, cursorKK, func(m householdMatch, kk string) int { return strings.Compare(m.NoKK, kk) })
		for i := end - 1; i >= 0 && len(ids) <= limit; i-- {
			ids = append(ids, ms[i].ID)
		}
		return ids, counted, nil
	}
	from := 0
	if cursorKK != "" {
		from, _ = slices.BinarySearchFunc(ms, cursorKK, func(m householdMatch, kk string) int {
			if m.NoKK <= kk {
				return -1
			}
			return 1
		})
	}
	for i := from; i < len(ms) && len(ids) <= limit; i++ {
		ids = append(ids, ms[i].ID)
	}
	return ids, counted, nil
}

// householdsByID reads the village's households with ids, in that order.
func (s *Store) householdsByID(ctx context.Context, villageID int64, ids []int64) ([]surat.Household, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []surat.Household
	if err := s.villageRowsByID(s.db.WithContext(ctx), "households", villageID, ids).Find(&rows).Error; err != nil {
		return nil, translate("households by id", err)
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(rows, func(a, b surat.Household) int { return at[a.ID] - at[b.ID] })
	return rows, nil
}

// residentsNamed returns a query of the ids of the village's residents
// whose name holds text, for a household search by its head's name (nil
// for no text or a number): the postings of the term's rarest trigram, as
// the resident search reads them, rather than every resident of the
// village with LIKE; only a term too short for a trigram is matched that
// way.
func (s *Store) residentsNamed(ctx context.Context, villageID int64, text string) (func() *gorm.DB, error) {
	term := strings.TrimSpace(text)
	if term == "" || isDigits(term) && len(term) <= 16 {
		return nil, nil
	}
	gram, err := s.rarestGram(ctx, villageID, term)
	if err != nil {
		return nil, err
	}
	if gram != "" {
		return func() *gorm.DB { return s.gramPostings(ctx, villageID, gram, term).Select("g0.resident_id") }, nil
	}
	return func() *gorm.DB {
		return s.db.WithContext(ctx).Table("residents").Select("id").
			Where("village_id = ? AND name LIKE ? ESCAPE '!'", villageID, "%"+likeLiteral(term)+"%")
	}, nil
}

// summarize adds head names and member counts to households of the village.
func (s *Store) summarize(ctx context.Context, villageID int64, hs []surat.Household) ([]HouseholdSummary, error) {
	out := make([]HouseholdSummary, len(hs))
	if len(hs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(hs))
	var heads []int64
	for i, h := range hs {
		ids[i] = h.ID
		out[i].Household = h
		if h.HeadID != nil {
			heads = append(heads, *h.HeadID)
		}
	}
	var counts []struct {
		HouseholdID int64
		N           int
	}
	if err := s.residentsOfHouseholds(s.db.WithContext(ctx), villageID, ids).Select("household_id, COUNT(*) AS n").
		Group("household_id").Find(&counts).Error; err != nil {
		return nil, translate("household sizes", err)
	}
	byHH := make(map[int64]int, len(counts))
	for _, c := range counts {
		byHH[c.HouseholdID] = c.N
	}
	names := map[int64]string{}
	if len(heads) > 0 {
		var rs []struct {
			ID   int64
			Name string
		}
		if err := s.villageRowsByID(s.db.WithContext(ctx), "residents", villageID, heads).Select("id, name").
			Find(&rs).Error; err != nil {
			return nil, translate("household heads", err)
		}
		for _, r := range rs {
			names[r.ID] = r.Name
		}
	}
	for i := range out {
		out[i].Members = byHH[out[i].ID]
		if out[i].HeadID != nil {
			out[i].HeadName = names[*out[i].HeadID]
		}
	}
	return out, nil
}

// HouseholdByID returns a household of the village with its head's name and
// member count, or surat.ErrNotFound (also for other villages' households).
func (s *Store) HouseholdByID(ctx context.Context, villageID, id int64) (*HouseholdSummary, error) {
	var h surat.Household
	if err := s.db.WithContext(ctx).Table("households").Where("village_id = ? AND id = ?", villageID, id).
		Take(&h).Error; err != nil {
		return nil, translate(fmt.Sprintf("household %d", id), err)
	}
	sums, err := s.summarize(ctx, villageID, []surat.Household{h})
	if err != nil {
		return nil, err
	}
	return &sums[0], nil
}

// maxDusuns bounds the dusun a village's lists offer as filters; villages
// have a few, the largest a few dozen.
const maxDusuns = 200

// Dusuns lists the distinct dusun names of the village's households, for
// the list filters, at most maxDusuns of them, in the database's order.
//
// Both read one index entry per dusun of the (village_id, dusun, ...)
// index rather than one per household, which took 3-6 ms for a village of
// 25,000 households on every load of the resident list. MariaDB and MySQL
// do that for a DISTINCT that names the index's leading columns (a loose
// index scan): one statement of 0.3 ms where stepping took five round
// trips and 1 ms for a village of four dusun. SQLite skips through an
// index for no DISTINCT, so there it steps from one name to the next, one
// short query each; in-process, a step costs microseconds.
func (s *Store) Dusuns(ctx context.Context, villageID int64) ([]string, error) {
	if s.dialect == "mysql" {
		var rows []struct {
			VillageID int64
			Dusun     string
		}
		err := s.db.WithContext(ctx).Table("households").Distinct("village_id", "dusun").
			Where("village_id = ? AND dusun > ''", villageID).Order("dusun").Limit(maxDusuns).Find(&rows).Error
		if err != nil {
			return nil, translate("dusun list", err)
		}
		ds := make([]string, len(rows))
		for i, r := range rows {
			ds[i] = r.Dusun
		}
		return ds, nil
	}
	var ds []string
	last := ""
	for len(ds) < maxDusuns {
		var next []string
		err := s.db.WithContext(ctx).Table("households").Where("village_id = ? AND dusun > ?", villageID, last).
			Order("dusun").Limit(1).Pluck("dusun", &next).Error
		if err != nil {
			return nil, translate("dusun list", err)
		}
		if len(next) == 0 {
			break
		}
		last = next[0]
		ds = append(ds, last)
	}
	return ds, nil
}
