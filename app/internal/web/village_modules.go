package web

import (
	"context"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// villageModule is a catalogue module with the village's settings for it;
// Settings is nil when the village has saved none and the module file's
// defaults apply.
type villageModule struct {
	*letters.Module
	Settings *surat.LetterSettings
}

// online reports whether the village offers the module to residents.
func (vm villageModule) online() bool {
	if vm.Settings == nil {
		return vm.Module.Online
	}
	return vm.Settings.Online
}

// validity is the validity the village's letters of the module have.
func (vm villageModule) validity() string { return vm.ValidityText(vm.Settings) }

// villageModules lists the catalogue's modules the village has not
// disabled, in catalogue order, each with its settings. The clerk's module
// list, the letter API and the residents' offer all start from it.
func (s *Server) villageModules(ctx context.Context, villageID int64, cat *letters.Catalogue) ([]villageModule, error) {
	settings, err := s.store.LetterSettings(ctx, villageID)
	if err != nil {
		return nil, err
	}
	var out []villageModule
	for _, m := range cat.Modules() {
		vm := villageModule{Module: m}
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
