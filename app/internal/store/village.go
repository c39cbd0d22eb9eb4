package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// CreateVillage validates and inserts a village and audits it. A duplicate
// kode desa is a validation error on the code field.
func (s *Store) CreateVillage(ctx context.Context, actor surat.Actor, v *surat.Village) error {
	if v.NumberFormat == "" {
		v.NumberFormat = surat.DefaultNumberFormat
	}
	if err := v.Validate(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("villages").Where("code = ?", v.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &surat.ValidationError{Fields: map[string]string{"code": "Kode desa " + v.Code + " sudah terdaftar"}}
		}
		if err := tx.Table("villages").Create(v).Error; err != nil {
			return err
		}
		if err := createVillageStats(tx, v.ID); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &v.ID, "village.create", "village", v.ID, nil, v, "")
	})
	return translate("create village", err)
}

// UpdateVillage saves a village profile and audits the change.
func (s *Store) UpdateVillage(ctx context.Context, actor surat.Actor, v *surat.Village) error {
	if err := v.Validate(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.Village
		if err := tx.Table("villages").Where("id = ?", v.ID).Take(&before).Error; err != nil {
			return err
		}
		v.CreatedAt = before.CreatedAt
		if err := tx.Table("villages").Where("id = ?", v.ID).Save(v).Error; err != nil {
			return err
		}
		if err := clearPendingBlobs(tx, v.LogoPath); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &v.ID, "village.update", "village", v.ID, &before, v, "")
	})
	return translate(fmt.Sprintf("update village %d", v.ID), err)
}

// VillageByID returns the village or surat.ErrNotFound.
func (s *Store) VillageByID(ctx context.Context, id int64) (*surat.Village, error) {
	var v surat.Village
	err := s.db.WithContext(ctx).Table("villages").Where("id = ?", id).Take(&v).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("village %d", id), err)
	}
	return &v, nil
}

// VillageByCode returns the village with that kode desa or surat.ErrNotFound.
func (s *Store) VillageByCode(ctx context.Context, code string) (*surat.Village, error) {
	var v surat.Village
	err := s.db.WithContext(ctx).Table("villages").Where("code = ?", code).Take(&v).Error
	if err != nil {
		return nil, translate("village by code", err)
	}
	return &v, nil
}

// Villages lists every village by name, for the kabupaten admin.
func (s *Store) Villages(ctx context.Context) ([]surat.Village, error) {
	var vs []surat.Village
	err := s.db.WithContext(ctx).Table("villages").Order("name, id").Find(&vs).Error
	return vs, translate("list villages", err)
}

// CreateOfficial inserts an official of the village and audits it.
func (s *Store) CreateOfficial(ctx context.Context, actor surat.Actor, villageID int64, o *surat.Official) error {
	o.VillageID = villageID
	p := surat.Problems{}
	if o.Name == "" {
		p.Add("name", "Nama wajib diisi")
	}
	if o.Jabatan == "" {
		p.Add("jabatan", "Jabatan wajib diisi")
	}
	if err := p.Err(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("officials").Create(o).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "official.create", "official", o.ID, nil, o, "")
	})
	return translate("create official", err)
}

// Officials lists the village's officials, the kepala desa first.
func (s *Store) Officials(ctx context.Context, villageID int64) ([]surat.Official, error) {
	var os []surat.Official
	err := s.db.WithContext(ctx).Table("officials").Where("village_id = ?", villageID).
		Order("is_head DESC, id").Find(&os).Error
	return os, translate("list officials", err)
}

// OfficialByID returns an official of the village or surat.ErrNotFound.
func (s *Store) OfficialByID(ctx context.Context, villageID, id int64) (*surat.Official, error) {
	var o surat.Official
	err := s.db.WithContext(ctx).Table("officials").Where("village_id = ? AND id = ?", villageID, id).Take(&o).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("official %d", id), err)
	}
	return &o, nil
}
