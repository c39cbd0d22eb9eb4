package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const importBatch = 100

// errDryRun rolls back a dry-run import after it has done all its work.
var errDryRun = errors.New("dry run")

// ImportResidents upserts the records into the village's register by NIK in
// one transaction: households are matched by No. KK (created when new, their
// address updated when the file carries one), residents by NIK (created, or
// updated with their version increased). Either every record is applied or
// none is. Rows that break a register rule, or repeat a NIK of the same
// file, are returned as an *ImportError.
func (s *Store) ImportResidents(ctx context.Context, actor surat.Actor, villageID int64, recs []surat.ImportRecord, dryRun bool) (surat.ImportResult, error) {
	return s.importResidents(ctx, actor, villageID, recs, dryRun, nil)
}

// ImportResidentsForJob is ImportResidents (not a dry run) for a running
// import job of the village, which it ends as done, with the result and
// without its file, in the same transaction: a process killed at any point
// leaves either the register unchanged and the job running, or both
// changed. A job no longer running (ended meanwhile) rolls the import back
// with surat.ErrConflict.
func (s *Store) ImportResidentsForJob(ctx context.Context, actor surat.Actor, villageID, jobID int64, recs []surat.ImportRecord) (surat.ImportResult, error) {
	return s.importResidents(ctx, actor, villageID, recs, false, func(tx *gorm.DB, res surat.ImportResult) error {
		return s.finishImportJob(tx, villageID, jobID, res, "")
	})
}

func (s *Store) importResidents(ctx context.Context, actor surat.Actor, villageID int64, recs []surat.ImportRecord, dryRun bool,
	then func(*gorm.DB, surat.ImportResult) error) (surat.ImportResult, error) {
	var res surat.ImportResult
	var bad surat.ImportError
	seen := make(map[string]int, len(recs))
	now := s.now()
	for i := range recs {
		r := &recs[i]
		r.Resident.VillageID = villageID
		if r.Resident.LifeStatus == 0 {
			r.Resident.LifeStatus = surat.LifeAlive
		}
		if r.Resident.Citizenship == 0 {
			r.Resident.Citizenship = surat.CitizenWNI
		}
		if err := r.Resident.Validate(now); err != nil {
			for f, msg := range mustFields(err) {
				bad.Add(surat.RowError{Row: r.Row, Column: f, Reason: msg})
			}
		}
		if err := r.Household.Validate(); err != nil {
			for f, msg := range mustFields(err) {
				bad.Add(surat.RowError{Row: r.Row, Column: f, Reason: msg})
			}
		}
		if first, ok := seen[r.Resident.NIK]; ok {
			bad.Add(surat.RowError{Row: r.Row, Column: "nik", Reason: fmt.Sprintf("NIK sama dengan baris %d", first)})
		} else {
			seen[r.Resident.NIK] = r.Row
		}
	}
	if bad.Count() > 0 {
		return res, &bad
	}

	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res = surat.ImportResult{}
		var hhRows []surat.Household
		if err := tx.Table("households").Where("village_id = ?", villageID).Find(&hhRows).Error; err != nil {
			return err
		}
		households := make(map[string]*surat.Household, len(hhRows))
		for i := range hhRows {
			households[hhRows[i].NoKK] = &hhRows[i]
		}
		var newHH []*surat.Household
		changedHH := map[string]bool{}
		for i := range recs {
			h := recs[i].Household
			cur, ok := households[h.NoKK]
			if !ok {
				nh := h
				nh.ID, nh.VillageID, nh.HeadID = 0, villageID, nil
				households[h.NoKK] = &nh
				newHH = append(newHH, &nh)
				continue
			}
			if cur.ID == 0 { // created by an earlier row of this file
				continue
			}
			for _, f := range []struct {
				dst *string
				src string
			}{{&cur.Address, h.Address}, {&cur.RT, h.RT}, {&cur.RW, h.RW}, {&cur.Dusun, h.Dusun}} {
				if f.src != "" && *f.dst != f.src {
					*f.dst = f.src
					changedHH[h.NoKK] = true
				}
			}
		}
		if len(newHH) > 0 {
			if err := tx.Table("households").CreateInBatches(newHH, importBatch).Error; err != nil {
				return err
			}
		}
		for kk := range changedHH {
			h := households[kk]
			if err := tx.Table("households").Where("id = ?", h.ID).Updates(map[string]any{
				"address": h.Address, "rt": h.RT, "rw": h.RW, "dusun": h.Dusun, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		res.HouseholdsCreated, res.HouseholdsUpdated = len(newHH), len(changedHH)

		var existing []struct {
			ID         int64
			NIK        string
			Version    int
			LifeStatus int
			Name       string
		}
		var alive int64 // the change of the village's alive residents
		renamed := map[int64]string{}
		if err := tx.Table("residents").Select("id, nik, name, version, life_status").Where("village_id = ?", villageID).
			Find(&existing).Error; err != nil {
			return err
		}
		byNIK := make(map[string]int, len(existing))
		for i, e := range existing {
			byNIK[e.NIK] = i
		}
		var create []*surat.Resident
		heads := map[int64]*surat.Resident{}
		for i := range recs {
			r := &recs[i].Resident
			hid := households[recs[i].Household.NoKK].ID
			r.HouseholdID = &hid
			if j, ok := byNIK[r.NIK]; ok {
				e := existing[j]
				r.ID = e.ID
				r.Version = e.Version + 1
				if err := tx.Table("residents").Where("id = ?", e.ID).Updates(map[string]any{
					"household_id": hid, "relation": r.Relation, "name": r.Name,
					"birth_place": r.BirthPlace, "birth_date": r.BirthDate, "sex": r.Sex, "religion": r.Religion,
					"marital_status": r.MaritalStatus, "education": r.Education, "occupation": r.Occupation,
					"citizenship": r.Citizenship, "blood_type": r.BloodType, "life_status": r.LifeStatus,
					"father_name": r.FatherName, "mother_name": r.MotherName, "phone": r.Phone,
					"version": r.Version, "updated_at": now,
				}).Error; err != nil {
					return err
				}
				res.Updated++
				alive += aliveDelta(e.LifeStatus, r.LifeStatus)
				if e.Name != r.Name {
					renamed[e.ID] = r.Name
				}
			} else {
				r.ID = 0
				r.Version = 1
				create = append(create, r)
				alive += aliveDelta(0, r.LifeStatus)
			}
			if r.Relation == surat.RelationHead {
				heads[hid] = r
			}
		}
		if len(create) > 0 {
			if err := tx.Table("residents").CreateInBatches(create, importBatch).Error; err != nil {
				return err
			}
			res.Created = len(create)
		}
		if err := addVillageStats(tx, villageID, villageDelta{residents: int64(len(create)), alive: alive,
			households: int64(len(newHH))}); err != nil {
			return err
		}
		created := make(map[int64]string, len(create))
		for _, r := range create {
			created[r.ID] = r.Name
		}
		if err := s.setNameGrams(tx, villageID, created, false); err != nil {
			return err
		}
		if err := s.setNameGrams(tx, villageID, renamed, true); err != nil {
			return err
		}
		for hid, r := range heads {
			if err := tx.Table("households").Where("id = ?", hid).Update("head_id", r.ID).Error; err != nil {
				return err
			}
		}
		if err := s.appendAudit(tx, actor, &villageID, "resident.import", "resident", 0, nil, recs,
			fmt.Sprintf("created=%d updated=%d households_created=%d households_updated=%d",
				res.Created, res.Updated, res.HouseholdsCreated, res.HouseholdsUpdated)); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		if then != nil {
			return then(tx, res)
		}
		return nil
	})
	if dryRun && errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return surat.ImportResult{}, translate("import residents", err)
	}
	return res, nil
}

func mustFields(err error) map[string]string {
	if f, ok := surat.FieldErrors(err); ok {
		return f
	}
	return map[string]string{"": err.Error()}
}
