package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var nipRE = regexp.MustCompile(`^[0-9 .]{0,30}$`)

// validateOfficial checks an official's fields and returns Indonesian field
// messages.
func validateOfficial(o *surat.Official) error {
	o.Name, o.Jabatan, o.NIP = strings.TrimSpace(o.Name), strings.TrimSpace(o.Jabatan), strings.TrimSpace(o.NIP)
	p := surat.Problems{}
	switch {
	case o.Name == "":
		p.Add("name", "Nama wajib diisi")
	case len([]rune(o.Name)) > 100:
		p.Add("name", "Nama paling banyak 100 karakter")
	default:
		if msg := surat.ValidateName(o.Name); msg != "" {
			p.Add("name", msg)
		}
	}
	switch {
	case o.Jabatan == "":
		p.Add("jabatan", "Jabatan wajib diisi")
	case len([]rune(o.Jabatan)) > 100:
		p.Add("jabatan", "Jabatan paling banyak 100 karakter")
	}
	if !nipRE.MatchString(o.NIP) {
		p.Add("nip", "NIP/NIPD hanya angka, spasi atau titik, paling banyak 30 karakter")
	}
	if o.IsHead && (o.CanSignAN || o.CanSignUB) || o.CanSignAN && o.CanSignUB {
		p.Add("role", "Pilih satu peran penandatanganan")
	}
	return p.Err()
}

// SaveOfficial validates o and inserts it (o.ID 0) or updates the official
// of the village with that id, with an audit row either way. A village has
// at most one active kepala desa: making a second one active is a
// validation error on "role". An id of another village is
// surat.ErrNotFound.
func (s *Store) SaveOfficial(ctx context.Context, actor surat.Actor, villageID int64, o *surat.Official) error {
	o.VillageID = villageID
	if err := validateOfficial(o); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.Official
		if o.ID != 0 {
			if err := tx.Table("officials").Where("village_id = ? AND id = ?", villageID, o.ID).Take(&before).Error; err != nil {
				return fmt.Errorf("official %d: %w", o.ID, err)
			}
		}
		if o.IsHead && o.Active {
			var head surat.Official
			err := tx.Table("officials").Where("village_id = ? AND is_head = ? AND active = ? AND id <> ?",
				villageID, true, true, o.ID).Take(&head).Error
			switch {
			case err == nil:
				return &surat.ValidationError{Fields: map[string]string{"role": "Sudah ada kepala desa aktif (" +
					head.Name + "). Nonaktifkan dulu sebelum menetapkan kepala desa baru."}}
			case !errors.Is(err, gorm.ErrRecordNotFound):
				return err
			}
		}
		if o.ID == 0 {
			o.CreatedAt, o.UpdatedAt = s.now(), s.now()
			if err := tx.Table("officials").Create(o).Error; err != nil {
				return err
			}
			return s.appendAudit(tx, actor, &villageID, "official.create", "official", o.ID, nil, o, "")
		}
		o.CreatedAt, o.UpdatedAt = before.CreatedAt, s.now()
		if err := tx.Table("officials").Where("village_id = ? AND id = ?", villageID, o.ID).Updates(map[string]any{
			"name": o.Name, "nip": o.NIP, "jabatan": o.Jabatan, "is_head": o.IsHead, "can_sign_an": o.CanSignAN,
			"can_sign_ub": o.CanSignUB, "active": o.Active, "updated_at": o.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "official.update", "official", o.ID, &before, o, "")
	})
	return translate("save official", err)
}
