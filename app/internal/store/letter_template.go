package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Letter module templates of the kabupaten's layer (layer 0) and the
// villages' (layer = village id): every version of every file, and one
// revision number per layer that every change raises in its transaction.
// A village's layer is only ever read together with its own id, so one
// village never sees another's files.

// revisionSQL reads the revisions of the kabupaten layer and one village's.
const revisionSQL = "SELECT layer, revision FROM letter_template_layers WHERE layer = ? OR layer = ?"

// TemplateRevisions returns the revision of the kabupaten layer and of the
// village's layer (0 for a layer never changed); villageID 0 asks for the
// kabupaten's alone. Every catalogue lookup makes it, so it is one
// primary-key read through a statement prepared once, without GORM.
func (s *Store) TemplateRevisions(ctx context.Context, villageID int64) (kabupaten, village int64, err error) {
	stmt, err := s.revisionStatement(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: template revisions: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, surat.KabupatenLayer, villageID)
	if err != nil {
		return 0, 0, fmt.Errorf("store: template revisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var layer, rev int64
		if err := rows.Scan(&layer, &rev); err != nil {
			return 0, 0, fmt.Errorf("store: template revisions: %w", err)
		}
		if layer == surat.KabupatenLayer {
			kabupaten = rev
		} else {
			village = rev
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: template revisions: %w", err)
	}
	return kabupaten, village, nil
}

// revisionStatement prepares revisionSQL at its first use; a failed
// prepare is not remembered.
func (s *Store) revisionStatement(ctx context.Context) (*sql.Stmt, error) {
	s.revisionMu.Lock()
	defer s.revisionMu.Unlock()
	if s.revisionStmt != nil {
		return s.revisionStmt, nil
	}
	st, err := s.sqlDB.PrepareContext(ctx, revisionSQL)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.revisionStmt = st
	return st, nil
}

// newestVersions is the SQL of the newest version of each module of a
// layer whose state is one of the states given; the first placeholder is
// the layer, the second the states.
const newestVersions = `SELECT t.* FROM letter_templates t
JOIN (SELECT module, MAX(version) AS version FROM letter_templates
      WHERE layer = ? AND state IN ? GROUP BY module) n
  ON t.module = n.module AND t.version = n.version
WHERE t.layer = ?
ORDER BY t.module`

// ActiveTemplates returns the file in force of every module of a layer (0:
// the kabupaten's): the newest version that is not a draft, when it is
// active rather than removed.
func (s *Store) ActiveTemplates(ctx context.Context, layer int64) ([]surat.LetterTemplate, error) {
	var ts []surat.LetterTemplate
	err := s.db.WithContext(ctx).Raw(newestVersions, layer,
		[]string{string(surat.TemplateActive), string(surat.TemplateRemoved)}, layer).Scan(&ts).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("active templates of layer %d", layer), err)
	}
	out := ts[:0]
	for _, t := range ts {
		if t.State == surat.TemplateActive {
			out = append(out, t)
		}
	}
	return out, nil
}

// LayerTemplates returns the newest version of every module a layer has
// ever had, whatever its state (a draft newer than the active file, a
// removal), ordered by module.
func (s *Store) LayerTemplates(ctx context.Context, layer int64) ([]surat.LetterTemplate, error) {
	var ts []surat.LetterTemplate
	err := s.db.WithContext(ctx).Raw(newestVersions, layer,
		[]string{string(surat.TemplateActive), string(surat.TemplateRemoved), string(surat.TemplateDraft)}, layer).
		Scan(&ts).Error
	return ts, translate(fmt.Sprintf("templates of layer %d", layer), err)
}

// TemplateVersion returns one version of the kabupaten's layer or of the
// village's (villageID 0: the kabupaten's only), or surat.ErrNotFound.
func (s *Store) TemplateVersion(ctx context.Context, villageID, id int64) (*surat.LetterTemplate, error) {
	var t surat.LetterTemplate
	err := s.db.WithContext(ctx).Table("letter_templates").
		Where("id = ? AND layer IN ?", id, []int64{surat.KabupatenLayer, villageID}).Take(&t).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("template version %d", id), err)
	}
	return &t, nil
}

// TemplateHistory returns every version of a module in a layer, newest
// first; none when the layer never had the module.
func (s *Store) TemplateHistory(ctx context.Context, layer int64, module string) ([]surat.LetterTemplate, error) {
	var ts []surat.LetterTemplate
	err := s.db.WithContext(ctx).Table("letter_templates").Where("layer = ? AND module = ?", layer, module).
		Order("version DESC").Find(&ts).Error
	return ts, translate(fmt.Sprintf("history of template %s", module), err)
}

// TemplateChange is one new version SaveTemplates stores.
type TemplateChange struct {
	// Template holds Module, State, Title, Source, SHA256 and Note; the
	// rest is filled in. On success it is the stored version.
	Template *surat.LetterTemplate
	// BaseVersion is the newest version the editor started from (0: the
	// layer had no version of the module). A newer one in the database
	// means somebody saved meanwhile: surat.ErrConflict. -1 skips the
	// check (an import).
	BaseVersion int
	// Action names the change in the audit log, e.g. "template.save".
	Action string
}

// SaveTemplates stores new versions of module files of a layer (0: the
// kabupaten's, else a village's id) in one transaction: all of them or, on
// any error, none. It raises the layer's revision, numbers each version
// after the module's newest, and audits each with the hashes of the
// previous version and the new one (in the village's chain, or the
// deployment's for the kabupaten layer). Errors: surat.ErrConflict for a
// stale BaseVersion, the database's.
func (s *Store) SaveTemplates(ctx context.Context, actor surat.Actor, layer int64, changes []TemplateChange) error {
	if len(changes) == 0 {
		return nil
	}
	var villageID *int64
	if layer != surat.KabupatenLayer {
		id := layer
		villageID = &id
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		now := s.now().Truncate(time.Microsecond)
		// Raise the revision first: the row stays locked until commit, so
		// the changes of one layer queue here and number their versions
		// one after the other.
		bump := "INSERT INTO letter_template_layers (layer, revision, updated_at) VALUES (?, 1, ?)" +
			s.onConflict([]string{"layer"}, "revision = revision + 1, updated_at = ?")
		if err := tx.Exec(bump, layer, now, now).Error; err != nil {
			return fmt.Errorf("raise template revision: %w", err)
		}
		for _, c := range changes {
			t := c.Template
			var prev surat.LetterTemplate
			err := tx.Table("letter_templates").Where("layer = ? AND module = ?", layer, t.Module).
				Order("version DESC").Limit(1).Take(&prev).Error
			var before any
			switch {
			case err == nil:
				before = prev
			case errors.Is(err, gorm.ErrRecordNotFound):
				prev = surat.LetterTemplate{}
			default:
				return err
			}
			if c.BaseVersion >= 0 && prev.Version != c.BaseVersion {
				return fmt.Errorf("template %s is at version %d, the edit started from %d: %w",
					t.Module, prev.Version, c.BaseVersion, surat.ErrConflict)
			}
			nt := surat.LetterTemplate{Layer: layer, VillageID: villageID, Module: t.Module, Version: prev.Version + 1,
				State: t.State, Title: t.Title, Source: t.Source, SHA256: t.SHA256, Note: t.Note,
				CreatedBy: optionalID(actor.UserID), Author: actor.Username, CreatedAt: now}
			if err := tx.Table("letter_templates").Create(&nt).Error; err != nil {
				return err
			}
			detail := fmt.Sprintf("%s v%d %s", nt.Module, nt.Version, nt.State)
			if err := s.appendAudit(tx, actor, villageID, c.Action, "letter_template", nt.ID, before, nt, detail); err != nil {
				return err
			}
			*t = nt
		}
		return nil
	})
	return translate(fmt.Sprintf("save templates of layer %d", layer), err)
}
