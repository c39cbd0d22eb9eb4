package issuance

import (
	"context"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// VillageModule is a catalogue module with a village's settings for it;
// Settings is nil when the village has saved none and the module file's
// defaults apply.
type VillageModule struct {
	*letters.Module
	Settings *surat.LetterSettings
}

// Online reports whether the village offers the module to residents
// (Layanan Mandiri): its setting, else the module file's default.
func (vm VillageModule) Online() bool {
	if vm.Settings == nil {
		return vm.Module.Online
	}
	return vm.Settings.Online
}

// Requirements are the documents (syarat) the village asks residents to
// bring or upload for the module: the village's own list (Pengaturan ›
// Surat), else the module file's (the layered template's requirements).
func (vm VillageModule) Requirements() []string {
	if vm.Settings != nil {
		if r := vm.Settings.RequirementList(); len(r) > 0 {
			return r
		}
	}
	return vm.Module.Requirements
}

// Validity is the validity the village's letters of the module have, as
// shown to clerks and residents.
func (vm VillageModule) Validity() string { return vm.ValidityText(vm.Settings) }

// VillageModules lists the modules of the village's catalogue (see
// ModulesFor) the village has not disabled, in catalogue order, each with
// its settings.
func (s *Service) VillageModules(ctx context.Context, villageID int64) ([]VillageModule, error) {
	cat, err := s.ModulesFor(ctx, villageID)
	if err != nil {
		return nil, err
	}
	settings, err := s.d.Store.LetterSettings(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: settings of village %d: %w", villageID, err)
	}
	var out []VillageModule
	for _, m := range cat.Modules() {
		vm := VillageModule{Module: m}
		if set, ok := settings[m.Code]; ok {
			if !set.Enabled {
				continue
			}
			vm.Settings = &set
		}
		out = append(out, vm)
	}
	return out, nil
}

// ModulesFor returns the catalogue of the village: the built-in modules,
// the kabupaten's templates over them and the village's over both (see
// letters.Resolver). villageID 0 gives the kabupaten's catalogue. The
// result is cached and read again only when a layer changed, on any
// replica.
func (s *Service) ModulesFor(ctx context.Context, villageID int64) (*letters.Catalogue, error) {
	cat, err := s.modules.For(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: modules of village %d: %w", villageID, err)
	}
	return cat, nil
}

// LetterModule returns the module letter l of the village is built with:
// the version of its module file it was drafted (or last rendered as a
// draft) with, even if the village's templates changed since; for a letter
// drafted before modules had versions, the village's current module. A
// module that no longer exists is an error wrapping surat.ErrNotFound.
func (s *Service) LetterModule(ctx context.Context, villageID int64, l *surat.Letter) (*letters.Module, error) {
	switch {
	case l.TemplateID != nil:
		m, err := s.modules.Version(ctx, villageID, *l.TemplateID)
		if err != nil {
			return nil, fmt.Errorf("issuance: module of letter %d: %w", l.ID, err)
		}
		return m, nil
	case l.TemplateSHA256 != "":
		if m := s.d.Catalogue.Module(l.Module); m != nil {
			return m, nil
		}
	default:
		cat, err := s.ModulesFor(ctx, villageID)
		if err != nil {
			return nil, err
		}
		if m := cat.Module(l.Module); m != nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("issuance: module %q of letter %d: %w", l.Module, l.ID, surat.ErrNotFound)
}
