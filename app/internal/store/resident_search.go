package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// ResidentCountCap bounds how far the clerk's resident list counts matches:
// counting every match of a vague search in a register of 100,000 costs a
// full scan, and "more than 1,000" is all a clerk needs to narrow it down.
const ResidentCountCap = 1000

// ResidentQuery is a search of a village's register for the clerk's list,
// paged by keyset on (name, id) so that every page costs the same however
// deep it is. Zero values mean "any".
type ResidentQuery struct {
	// Text matches part of a name, or, when it is all digits, the start of a
	// NIK or of the No. KK of the resident's household.
	Text       string
	Dusun      string
	RW         string
	RT         string
	Sex        int
	LifeStatus int
	// After asks for the page after the resident with this id, Before for
	// the page before it; both zero is the first page. A cursor that names
	// no resident of the village starts again at the first page.
	After, Before int64
	Limit         int // 1..100, default 25
}

// ResidentResults is one page of a ResidentQuery.
type ResidentResults struct {
	Residents []surat.Resident
	// Count is the number of matches, at most ResidentCountCap; CountCapped
	// says that there are more.
	Count       int
	CountCapped bool
	// HasPrev and HasNext say whether a page exists before the first and
	// after the last resident shown.
	HasPrev, HasNext bool
}

// FindResidents searches the village's register with q, ordered by name.
// It reads only the village's rows; residents of other villages never match.
func (s *Store) FindResidents(ctx context.Context, villageID int64, q ResidentQuery) (*ResidentResults, error) {
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 25
	}
	where, err := s.residentConditions(ctx, villageID, q)
	if err != nil {
		return nil, err
	}

	var count int64
	bounded := where(s.db.WithContext(ctx).Table("residents AS r")).Select("1").Limit(ResidentCountCap + 1)
	if err := s.db.WithContext(ctx).Table("(?) AS m", bounded).Count(&count).Error; err != nil {
		return nil, translate("count residents", err)
	}
	res := &ResidentResults{Count: int(min(count, ResidentCountCap)), CountCapped: count > ResidentCountCap}

	// The cursor row's name, read in the village only.
	var cursor *struct {
		ID   int64
		Name string
	}
	backward := q.Before != 0
	if id := max(q.After, q.Before); id != 0 {
		var c struct {
			ID   int64
			Name string
		}
		err := s.db.WithContext(ctx).Table("residents").Select("id, name").Where("village_id = ? AND id = ?", villageID, id).
			Take(&c).Error
		switch {
		case err == nil:
			cursor = &c
		case errors.Is(err, gorm.ErrRecordNotFound):
			backward = false
		default:
			return nil, translate("resident cursor", err)
		}
	}
	page := where(s.db.WithContext(ctx).Table("residents AS r")).Select("r.*")
	if cursor != nil {
		if backward {
			page = page.Where("(r.name < ? OR (r.name = ? AND r.id < ?))", cursor.Name, cursor.Name, cursor.ID).
				Order("r.name DESC, r.id DESC")
		} else {
			page = page.Where("(r.name > ? OR (r.name = ? AND r.id > ?))", cursor.Name, cursor.Name, cursor.ID).
				Order("r.name, r.id")
		}
	} else {
		page = page.Order("r.name, r.id")
	}
	var rs []surat.Resident
	if err := page.Limit(q.Limit + 1).Find(&rs).Error; err != nil {
		return nil, translate("find residents", err)
	}
	more := len(rs) > q.Limit
	if more {
		rs = rs[:q.Limit]
	}
	switch {
	case cursor == nil:
		res.HasNext = more
	case backward:
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		res.HasPrev, res.HasNext = more, true
	default:
		res.HasPrev, res.HasNext = true, more
	}
	ptrs := make([]*surat.Resident, len(rs))
	for i := range rs {
		ptrs[i] = &rs[i]
	}
	if err := s.attachHouseholds(ctx, villageID, ptrs); err != nil {
		return nil, err
	}
	res.Residents = rs
	return res, nil
}

// narrowLimit is how many candidate rows (residents of a NIK or No. KK
// prefix, households of an area) a search looks up by their own index
// before paging through them by name. Beyond it the matches are dense
// enough that walking the (village_id, name) index finds a page quickly.
const narrowLimit = 2000

// residentConditions returns a scope adding q's filters, on table alias r.
//
// A search for a NIK or No. KK, or for a small area, first looks up the few
// matching ids through their own indexes and then selects by id. Left to
// itself, SQLite without ANALYZE statistics would walk the name index of
// the whole village and test each row, which takes about a second for
// 100,000 residents. The village condition is then written as an
// expression (village_id + 0) so that no planner picks the village index
// over the id list; the ids come from queries scoped to the village anyway.
func (s *Store) residentConditions(ctx context.Context, villageID int64, q ResidentQuery) (func(*gorm.DB) *gorm.DB, error) {
	db := s.db.WithContext(ctx)
	term := strings.TrimSpace(q.Text)
	digits := isDigits(term) && len(term) <= 16

	var residentIDs, householdIDs []int64
	narrowed := false
	if digits {
		lo, hi := digitRange(term)
		var byNIK, byKK []int64
		if err := db.Table("residents").Where("village_id = ? AND nik BETWEEN ? AND ?", villageID, lo, hi).
			Limit(narrowLimit+1).Pluck("id", &byNIK).Error; err != nil {
			return nil, translate("residents by NIK", err)
		}
		var kk []int64
		if err := db.Table("households").Where("village_id = ? AND no_kk BETWEEN ? AND ?", villageID, lo, hi).
			Limit(narrowLimit+1).Pluck("id", &kk).Error; err != nil {
			return nil, translate("households by KK", err)
		}
		if len(byNIK) <= narrowLimit && len(kk) <= narrowLimit {
			if len(kk) > 0 {
				if err := db.Table("residents").Where("household_id IN ? AND village_id = ?", kk, villageID).
					Limit(narrowLimit+1).Pluck("id", &byKK).Error; err != nil {
					return nil, translate("residents by KK", err)
				}
			}
			if len(byKK) <= narrowLimit {
				residentIDs = append(append(residentIDs, byNIK...), byKK...)
				narrowed = true
			}
		}
	}
	area := q.Dusun != "" || q.RW != "" || q.RT != ""
	areaQuery := func() *gorm.DB {
		a := s.db.WithContext(ctx).Table("households").Where("village_id = ?", villageID)
		if q.Dusun != "" {
			a = a.Where("dusun = ?", q.Dusun)
		}
		if q.RW != "" {
			a = a.Where("rw = ?", q.RW)
		}
		if q.RT != "" {
			a = a.Where("rt = ?", q.RT)
		}
		return a
	}
	if area && !narrowed {
		if err := areaQuery().Limit(narrowLimit+1).Pluck("id", &householdIDs).Error; err != nil {
			return nil, translate("households of area", err)
		}
		narrowed = len(householdIDs) <= narrowLimit
	}

	return func(db *gorm.DB) *gorm.DB {
		switch {
		case narrowed && digits:
			db = db.Where("r.village_id + 0 = ?", villageID)
			if len(residentIDs) == 0 {
				return db.Where("1 = 0")
			}
			db = db.Where("r.id IN ?", residentIDs)
		case narrowed:
			db = db.Where("r.village_id + 0 = ?", villageID)
			if len(householdIDs) == 0 {
				return db.Where("1 = 0")
			}
			db = db.Where("r.household_id IN ?", householdIDs)
		default:
			db = db.Where("r.village_id = ?", villageID)
		}
		if area && (!narrowed || digits) {
			db = db.Where("r.household_id IN (?)", areaQuery().Select("id"))
		}
		if q.LifeStatus != 0 {
			db = db.Where("r.life_status = ?", q.LifeStatus)
		}
		if q.Sex != 0 {
			db = db.Where("r.sex = ?", q.Sex)
		}
		switch {
		case term == "":
		case digits && narrowed:
			// residentIDs are exactly the matches of the NIK or KK prefix.
		case digits:
			lo, hi := digitRange(term)
			kk := s.db.WithContext(ctx).Table("households").Select("id").
				Where("village_id = ? AND no_kk BETWEEN ? AND ?", villageID, lo, hi)
			db = db.Where("(r.nik BETWEEN ? AND ? OR r.household_id IN (?))", lo, hi, kk)
		default:
			db = db.Where("r.name LIKE ? ESCAPE '!'", "%"+likeLiteral(term)+"%")
		}
		return db
	}, nil
}

// digitRange is the smallest and largest sixteen-digit number starting with
// prefix.
func digitRange(prefix string) (string, string) {
	pad := 16 - len(prefix)
	return prefix + strings.Repeat("0", pad), prefix + strings.Repeat("9", pad)
}

// likeLiteral escapes s for a LIKE pattern with ESCAPE '!', so that "%" and
// "_" typed by a clerk match themselves. '!' rather than a backslash because
// MySQL and SQLite read a backslash in a string literal differently.
func likeLiteral(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
