package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// dupNIK is the field error for a NIK already in the village's register.
func dupNIK() error {
	return &surat.ValidationError{Fields: map[string]string{"nik": "NIK sudah terdaftar di desa ini"}}
}

// householdFor finds the village's household with h.NoKK, creating it from h
// when it does not exist yet (created is then 1, the change in the village's
// count of households). Address fields of an existing household are
// updated only when h carries them.
func (s *Store) householdFor(tx *gorm.DB, actor surat.Actor, villageID int64, h *surat.Household) (hh *surat.Household, created int64, err error) {
	if err := h.Validate(); err != nil {
		return nil, 0, err
	}
	var found surat.Household
	err = tx.Table("households").Where("village_id = ? AND no_kk = ?", villageID, h.NoKK).Take(&found).Error
	switch {
	case err == nil:
		changed := false
		for _, f := range []struct {
			dst *string
			src string
		}{
			{&found.Address, h.Address}, {&found.RT, h.RT}, {&found.RW, h.RW}, {&found.Dusun, h.Dusun},
			{&found.DTKSID, h.DTKSID}} {
			if f.src != "" && *f.dst != f.src {
				*f.dst = f.src
				changed = true
			}
		}
		if changed {
			if err := tx.Table("households").Where("id = ?", found.ID).Updates(map[string]any{
				"address": found.Address, "rt": found.RT, "rw": found.RW, "dusun": found.Dusun,
				"dtks_id": found.DTKSID, "updated_at": s.now()}).Error; err != nil {
				return nil, 0, err
			}
		}
		return &found, 0, nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		nh := *h
		nh.ID = 0
		nh.VillageID = villageID
		if err := tx.Table("households").Create(&nh).Error; err != nil {
			return nil, 0, err
		}
		if err := s.appendAudit(tx, actor, &villageID, "household.create", "household", nh.ID, nil, nh, ""); err != nil {
			return nil, 0, err
		}
		return &nh, 1, nil
	default:
		return nil, 0, err
	}
}

// CreateResident validates r, links or creates the household named by
// h.NoKK, inserts the resident in the actor's village and audits it, all in
// one transaction. A NIK already registered in the village is a validation
// error on "nik".
func (s *Store) CreateResident(ctx context.Context, actor surat.Actor, villageID int64, r *surat.Resident, h *surat.Household) error {
	r.VillageID = villageID
	if r.LifeStatus == 0 {
		r.LifeStatus = surat.LifeAlive
	}
	if r.Citizenship == 0 {
		r.Citizenship = surat.CitizenWNI
	}
	if err := r.Validate(s.now()); err != nil {
		return err
	}
	r.ID = 0
	r.Version = 1
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("residents").Where("village_id = ? AND nik = ?", villageID, r.NIK).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return dupNIK()
		}
		hh, newHH, err := s.householdFor(tx, actor, villageID, h)
		if err != nil {
			return err
		}
		r.HouseholdID = &hh.ID
		if err := tx.Table("residents").Create(r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return dupNIK()
			}
			return err
		}
		if r.Relation == surat.RelationHead {
			if err := tx.Table("households").Where("id = ?", hh.ID).Update("head_id", r.ID).Error; err != nil {
				return err
			}
		}
		r.Household = hh
		if err := addVillageStats(tx, villageID, villageDelta{residents: 1, alive: aliveDelta(0, r.LifeStatus),
			households: newHH}); err != nil {
			return err
		}
		if err := s.setNameGrams(tx, villageID, map[int64]string{r.ID: r.Name}, false); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "resident.create", "resident", r.ID, nil, r, "")
	})
	return translate("create resident", err)
}

// UpdateResident saves r (matched by id within the village) when r.Version is
// still the stored version, moving it to household h.NoKK if that changed.
// A resident of another village is surat.ErrNotFound; a version that another
// clerk has meanwhile superseded is surat.ErrConflict.
func (s *Store) UpdateResident(ctx context.Context, actor surat.Actor, villageID int64, r *surat.Resident, h *surat.Household) error {
	r.VillageID = villageID
	if err := r.Validate(s.now()); err != nil {
		return err
	}
	version := r.Version // r.Version is set below; a retried run compares with the edit's
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.Resident
		if err := tx.Table("residents").Where("village_id = ? AND id = ?", villageID, r.ID).Take(&before).Error; err != nil {
			return err
		}
		if before.Version != version {
			return fmt.Errorf("resident %d changed meanwhile (version %d, edit of %d): %w",
				r.ID, before.Version, version, surat.ErrConflict)
		}
		if before.NIK != r.NIK {
			var n int64
			if err := tx.Table("residents").Where("village_id = ? AND nik = ? AND id <> ?", villageID, r.NIK, r.ID).
				Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return dupNIK()
			}
		}
		hh, newHH, err := s.householdFor(tx, actor, villageID, h)
		if err != nil {
			return err
		}
		r.HouseholdID = &hh.ID
		r.CreatedAt = before.CreatedAt
		r.UpdatedAt = s.now()
		res := tx.Table("residents").Where("village_id = ? AND id = ? AND version = ?", villageID, r.ID, before.Version).
			Updates(map[string]any{
				"nik": r.NIK, "household_id": hh.ID, "relation": r.Relation, "name": r.Name,
				"birth_place": r.BirthPlace, "birth_date": r.BirthDate, "sex": r.Sex, "religion": r.Religion,
				"marital_status": r.MaritalStatus, "education": r.Education, "occupation": r.Occupation,
				"citizenship": r.Citizenship, "blood_type": r.BloodType, "life_status": r.LifeStatus,
				"father_name": r.FatherName, "mother_name": r.MotherName, "phone": r.Phone,
				"version": before.Version + 1, "updated_at": r.UpdatedAt,
			})
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
				return dupNIK()
			}
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("resident %d changed meanwhile: %w", r.ID, surat.ErrConflict)
		}
		if err := addVillageStats(tx, villageID, villageDelta{alive: aliveDelta(before.LifeStatus, r.LifeStatus),
			households: newHH}); err != nil {
			return err
		}
		if before.Name != r.Name {
			if err := s.setNameGrams(tx, villageID, map[int64]string{r.ID: r.Name}, true); err != nil {
				return err
			}
		}
		r.Version = before.Version + 1
		if r.Relation == surat.RelationHead {
			if err := tx.Table("households").Where("id = ?", hh.ID).Update("head_id", r.ID).Error; err != nil {
				return err
			}
		}
		r.Household = hh
		return s.appendAudit(tx, actor, &villageID, "resident.update", "resident", r.ID, before, r, "")
	})
	return translate(fmt.Sprintf("update resident %d", r.ID), err)
}

// ResidentByID returns a resident of the village with its household, or
// surat.ErrNotFound (also for residents of other villages).
func (s *Store) ResidentByID(ctx context.Context, villageID, id int64) (*surat.Resident, error) {
	var r surat.Resident
	err := s.db.WithContext(ctx).Table("residents").Where("village_id = ? AND id = ?", villageID, id).Take(&r).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("resident %d", id), err)
	}
	if err := s.attachHouseholds(ctx, villageID, []*surat.Resident{&r}); err != nil {
		return nil, err
	}
	return &r, nil
}

// ResidentByNIK returns the village's resident with that NIK, or surat.ErrNotFound.
func (s *Store) ResidentByNIK(ctx context.Context, villageID int64, nik string) (*surat.Resident, error) {
	var r surat.Resident
	err := s.db.WithContext(ctx).Table("residents").Where("village_id = ? AND nik = ?", villageID, nik).Take(&r).Error
	if err != nil {
		return nil, translate("resident by nik", err)
	}
	if err := s.attachHouseholds(ctx, villageID, []*surat.Resident{&r}); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) attachHouseholds(ctx context.Context, villageID int64, rs []*surat.Resident) error {
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		if r.HouseholdID != nil {
			ids = append(ids, *r.HouseholdID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var hs []surat.Household
	if err := s.villageRowsByID(s.db.WithContext(ctx), "households", villageID, ids).Find(&hs).Error; err != nil {
		return translate("households", err)
	}
	byID := make(map[int64]*surat.Household, len(hs))
	for i := range hs {
		byID[hs[i].ID] = &hs[i]
	}
	for _, r := range rs {
		if r.HouseholdID != nil {
			r.Household = byID[*r.HouseholdID]
		}
	}
	return nil
}

// villageRowsByID is db's query of the village's rows of table with ids,
// read by id (sqliteIndex): SQLite searched the table's index on the
// village instead, every household of the village for the 25 of a page of
// residents (7 against 2 ms in a village of 25,000 households).
func (s *Store) villageRowsByID(db *gorm.DB, table string, villageID int64, ids []int64) *gorm.DB {
	return db.Table(s.sqliteIndex(table, "")).Where("village_id = ? AND id IN ?", villageID, ids)
}

// residentsOfHouseholds is db's query of the village's residents of the
// households kk, read through residents_household (sqliteIndex): SQLite
// walked the village's residents by name instead (190 against 1 ms for 25
// KK in a village of 100,000 residents).
func (s *Store) residentsOfHouseholds(db *gorm.DB, villageID int64, kk []int64) *gorm.DB {
	return db.Table(s.sqliteIndex("residents", "residents_household")).Where("household_id IN ? AND village_id = ?", kk, villageID)
}

// ResidentFilter narrows a resident search. Zero values mean "any".
type ResidentFilter struct {
	// Query matches a name (anywhere in it), or a NIK or No. KK prefix when
	// it is all digits.
	Query      string
	Dusun      string
	RW         string
	RT         string
	LifeStatus int
	Page       int // from 1
	PerPage    int // 1..100, default 25
}

// ResidentPage is one page of search results.
type ResidentPage struct {
	Residents []surat.Resident
	Total     int64
	Page      int
	PerPage   int
}

// SearchResidents lists the village's residents matching f, ordered by
// name, a numbered page at a time with the exact total (the bearer API's
// list). It finds rows as FindResidents does: a name term of three or more
// characters starts from the postings of its rarest trigram, a NIK or No.
// KK prefix from those indexes, so that a search in a register of 100,000
// costs about what its matches do rather than a scan of every name.
func (s *Store) SearchResidents(ctx context.Context, villageID int64, f ResidentFilter) (*ResidentPage, error) {
	pg := pageOf(f.Page, f.PerPage, 25, 100)
	f.Page, f.PerPage = pg.Page, pg.PerPage
	q := ResidentQuery{Text: f.Query, Dusun: f.Dusun, RW: f.RW, RT: f.RT, LifeStatus: f.LifeStatus}
	where, byIDs, gram, err := s.residentConditions(ctx, villageID, q)
	if err != nil {
		return nil, err
	}
	from, name, id := s.residentRows(ctx, villageID, gram, f.Query)
	order := s.nameOrder(byIDs, "")
	if gram != "" {
		order = name + ", " + id
	}
	var total int64
	if err := s.countRows(ctx, villageID, q, gram, where(from())).Count(&total).Error; err != nil {
		return nil, translate("count residents", err)
	}
	var rs []surat.Resident
	if err := pg.apply(where(from()).Select("r.*").Order(order)).Find(&rs).Error; err != nil {
		return nil, translate("search residents", err)
	}
	ptrs := make([]*surat.Resident, len(rs))
	for i := range rs {
		ptrs[i] = &rs[i]
	}
	if err := s.attachHouseholds(ctx, villageID, ptrs); err != nil {
		return nil, err
	}
	return &ResidentPage{Residents: rs, Total: total, Page: f.Page, PerPage: f.PerPage}, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// escapeLike drops LIKE wildcards typed by a user, so "%" matches itself
// nowhere rather than everything.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// HouseholdMembers lists the residents of a household of the village.
func (s *Store) HouseholdMembers(ctx context.Context, villageID, householdID int64) ([]surat.Resident, error) {
	var rs []surat.Resident
	err := s.db.WithContext(ctx).Table("residents").Where("village_id = ? AND household_id = ?", villageID, householdID).
		Order("relation, birth_date, id").Find(&rs).Error
	return rs, translate("household members", err)
}

// CountResidents counts the village's residents by life status (0 = all).
func (s *Store) CountResidents(ctx context.Context, villageID int64, lifeStatus int) (int64, error) {
	q := s.db.WithContext(ctx).Table("residents").Where("village_id = ?", villageID)
	if lifeStatus != 0 {
		q = q.Where("life_status = ?", lifeStatus)
	}
	var n int64
	err := q.Count(&n).Error
	return n, translate("count residents", err)
}

// CountHouseholds counts the village's households.
func (s *Store) CountHouseholds(ctx context.Context, villageID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("households").Where("village_id = ?", villageID).Count(&n).Error
	return n, translate("count households", err)
}
