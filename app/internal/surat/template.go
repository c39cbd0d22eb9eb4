package surat

import "time"

// TemplateState says what a stored version of a letter module file does.
type TemplateState string

// The states of a template version.
const (
	// TemplateActive: from this version on, the layer's module of that
	// code is this file (until a newer version).
	TemplateActive TemplateState = "aktif"
	// TemplateDraft: a file kept for review (an import from OpenSID); it
	// changes nothing until it is saved as active.
	TemplateDraft TemplateState = "draf"
	// TemplateRemoved: from this version on, the layer no longer has a
	// module of that code (a built-in or kabupaten module applies again,
	// or a letter type the layer added is gone). Source keeps the file
	// that was removed, so it can be restored.
	TemplateRemoved TemplateState = "dihapus"
)

// Label is the state as the version list shows it.
func (s TemplateState) Label() string {
	switch s {
	case TemplateActive:
		return "Aktif"
	case TemplateDraft:
		return "Draf"
	case TemplateRemoved:
		return "Dihapus"
	}
	return string(s)
}

// KabupatenLayer is the layer number of the kabupaten's templates; a
// village's layer is its id.
const KabupatenLayer int64 = 0

// LetterTemplate is one version of a letter module file in the kabupaten's
// layer (Layer 0, VillageID nil) or a village's (Layer and VillageID the
// village's id). Versions are never changed or deleted: every save, restore
// or removal adds one, numbered from 1 per layer and module.
type LetterTemplate struct {
	ID        int64
	Layer     int64
	VillageID *int64
	Module    string // the module code, as in the file
	Version   int
	State     TemplateState
	Title     string // the module's title, for lists and the verification page
	Source    string // the YAML file
	SHA256    string `gorm:"column:sha256"` // of Source
	Note      string // the editor's note on this version
	CreatedBy *int64 // user id
	Author    string // the user's name at the time
	CreatedAt time.Time
}
