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

// Validity is the validity the village's letters of the module have, as
// shown to clerks and residents.
func (vm VillageModule) Validity() string { return vm.ValidityText(vm.Settings) }

// VillageModules lists the catalogue's modules the village has not
// disabled, in catalogue order, each with its settings.
func (s *Service) VillageModules(ctx context.Context, villageID int64) ([]VillageModule, error) {
	settings, err := s.d.Store.LetterSettings(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: settings of village %d: %w", villageID, err)
	}
	var out []VillageModule
	for _, m := range s.d.Catalogue.Modules() {
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
