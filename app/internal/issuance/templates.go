package issuance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/letters/opensid"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Letter templates: the module files the kabupaten (layer 0) and each
// village (layer = its id) keep over the built-in ones. Every change is a
// new version, checked with letters.ParseModule (the loader the built-in
// files pass at start-up), stored and audited by the store in one
// transaction; a file the loader refuses is never stored as active. The
// caller passes the layer it may edit: the admin's own village, or 0 for
// the kabupaten admin; nothing here reads another village's layer.

// TemplateError is a module file the loader refuses: every problem with its
// line, the keys leading to it and the words in Indonesian. Nothing was
// stored.
type TemplateError struct {
	Problems []letters.FileProblem
}

// Error lists the problems, for logs.
func (e *TemplateError) Error() string {
	var b strings.Builder
	b.WriteString("issuance: template refused:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, " [line %d %s: %s]", p.Line, p.Path, p.Message)
	}
	return b.String()
}

// TemplateView is one module as the template editor of a layer shows it.
type TemplateView struct {
	Code  string
	Layer int64
	// Current is the module in force in the layer's catalogue (the
	// kabupaten's, or the village's), which may come from a layer below;
	// nil for a letter type the layer removed.
	Current *letters.Module
	// Below is the module the layers below this one give (the built-in
	// file, or the kabupaten's for a village), nil when only this layer
	// has the code.
	Below *letters.Module
	// Newest is the layer's newest version of the module (it may be a
	// draft or a removal), nil when the layer never had one.
	Newest *surat.LetterTemplate
	// Source is the file the editor starts from: the newest version of
	// the layer, or the module in force.
	Source string
	// Base is Newest's version number, 0 without one: a save names it, so
	// that a save over somebody else's newer version is refused.
	Base int
	// Problems are the loader's problems with Source (a draft import, or
	// a file a newer loader became stricter about), empty when it is valid.
	Problems []letters.FileProblem
}

// layerCatalogues returns the catalogue in force for the layer and the
// one of the layers below it.
func (s *Service) layerCatalogues(ctx context.Context, layer int64) (cur, below *letters.Catalogue, err error) {
	if cur, err = s.ModulesFor(ctx, layer); err != nil {
		return nil, nil, err
	}
	below = s.d.Catalogue
	if layer != surat.KabupatenLayer {
		if below, err = s.ModulesFor(ctx, surat.KabupatenLayer); err != nil {
			return nil, nil, err
		}
	}
	return cur, below, nil
}

// Template returns what the editor shows for module code in the layer.
// Errors: surat.ErrNotFound when neither the layer's catalogue nor its
// history has the code.
func (s *Service) Template(ctx context.Context, layer int64, code string) (*TemplateView, error) {
	cur, below, err := s.layerCatalogues(ctx, layer)
	if err != nil {
		return nil, err
	}
	hist, err := s.d.Store.TemplateHistory(ctx, layer, code)
	if err != nil {
		return nil, fmt.Errorf("issuance: history of %s: %w", code, err)
	}
	v := &TemplateView{Code: code, Layer: layer, Current: cur.Module(code), Below: below.Module(code)}
	if len(hist) > 0 {
		v.Newest, v.Base = &hist[0], hist[0].Version
		v.Source = hist[0].Source
	} else if v.Current != nil {
		v.Source = string(v.Current.Source())
	}
	if v.Current == nil && v.Newest == nil {
		return nil, fmt.Errorf("issuance: template %s: %w", code, surat.ErrNotFound)
	}
	if _, err := s.CheckTemplate(code, []byte(v.Source)); err != nil {
		var te *TemplateError
		if !errors.As(err, &te) {
			return nil, err
		}
		v.Problems = te.Problems
	}
	return v, nil
}

// CheckTemplate reads src with letters.ParseModule as the file of module
// code. Problems are a *TemplateError: the loader's, and a code in the file
// that is not code (a module is renamed by adding a new one).
func (s *Service) CheckTemplate(code string, src []byte) (*letters.Module, error) {
	m, err := letters.ParseModule(code+".yaml", src)
	if err != nil {
		return nil, &TemplateError{Problems: letters.FileProblems(src, err)}
	}
	if m.Code != code {
		line := 1
		for i, l := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(l, "code:") {
				line = i + 1
				break
			}
		}
		return nil, &TemplateError{Problems: []letters.FileProblem{{Line: line, Path: "code",
			Message: fmt.Sprintf("kode %q harus %q: kode jenis surat tidak dapat diganti; buat jenis surat baru untuk kode lain",
				m.Code, code)}}}
	}
	return m, nil
}

// ValidModuleCode reports whether code may name a new letter type: lower
// case letters, digits and _, 2 to 48 characters, starting with a letter.
func ValidModuleCode(code string) bool {
	if len(code) < 2 || len(code) > 48 || code[0] < 'a' || code[0] > 'z' {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// saveVersion stores one new version of the layer after checking it.
func (s *Service) saveVersion(ctx context.Context, actor surat.Actor, layer int64, t *surat.LetterTemplate,
	base int, action string) error {
	if err := s.d.Store.SaveTemplates(ctx, actor, layer, []store.TemplateChange{{Template: t, BaseVersion: base,
		Action: action}}); err != nil {
		return fmt.Errorf("issuance: save template %s: %w", t.Module, err)
	}
	return nil
}

// newVersion is the version row of a checked file.
func newVersion(m *letters.Module, src []byte, state surat.TemplateState, note string) *surat.LetterTemplate {
	return &surat.LetterTemplate{Module: m.Code, State: state, Title: m.Title, Source: string(src),
		SHA256: m.Origin.SHA256, Note: limitNote(note)}
}

// limitNote trims a version note to one line of at most 500 characters.
func limitNote(note string) string {
	note = strings.Join(strings.Fields(note), " ")
	if r := []rune(note); len(r) > 500 {
		note = string(r[:500])
	}
	return note
}

// SaveTemplate checks src as the file of module code and stores it as the
// layer's new active version, with note. base is the version the editor
// started from (TemplateView.Base). Errors: *TemplateError (nothing
// stored), surat.ErrConflict when somebody saved a newer version meanwhile,
// a *surat.ValidationError on "code" for a code no letter type may have.
func (s *Service) SaveTemplate(ctx context.Context, actor surat.Actor, layer int64, code string, src []byte,
	note string, base int) (*surat.LetterTemplate, error) {
	if !ValidModuleCode(code) {
		return nil, surat.Invalid("code", surat.ProblemModuleCodeInvalid)
	}
	src = normaliseSource(src)
	m, err := s.CheckTemplate(code, src)
	if err != nil {
		return nil, err
	}
	t := newVersion(m, src, surat.TemplateActive, note)
	if err := s.saveVersion(ctx, actor, layer, t, base, "template.save"); err != nil {
		return nil, err
	}
	return t, nil
}

// normaliseSource gives a file Unix line ends and one final line end.
func normaliseSource(src []byte) []byte {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	src = bytes.TrimRight(src, "\n ")
	return append(src, '\n')
}

// PanelEdit is what the editor's side panel sends: the outline of the file
// the panel was shown for, with the admin's changes, and an optional new
// field.
type PanelEdit struct {
	Source   []byte // the file the panel's outline was read from
	Outline  letters.Outline
	NewField *letters.NewField
}

// ApplyPanel writes the panel's changes into the file (letters.ApplyOutline)
// and saves the result like SaveTemplate. Errors: those of SaveTemplate; a
// *TemplateError saying so when the panel cannot change this file.
func (s *Service) ApplyPanel(ctx context.Context, actor surat.Actor, layer int64, code string, e PanelEdit,
	note string, base int) (*surat.LetterTemplate, []byte, error) {
	src, err := letters.ApplyOutline(normaliseSource(e.Source), e.Outline, e.NewField)
	if errors.Is(err, letters.ErrOutline) {
		return nil, nil, &TemplateError{Problems: []letters.FileProblem{{Message: "Panel tidak dapat menerapkan " +
			"perubahan ini pada berkas ini (susunannya tidak biasa, atau berkas berubah sejak halaman dibuka). " +
			"Ubah lewat YAML di sebelah kiri."}}}
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := s.SaveTemplate(ctx, actor, layer, code, src, note, base)
	return t, src, err
}

// RestoreTemplate stores version v of module code of the layer again as
// the newest active version (checked again, like any save). Errors:
// surat.ErrNotFound for an unknown version, and those of SaveTemplate.
func (s *Service) RestoreTemplate(ctx context.Context, actor surat.Actor, layer int64, code string, v, base int) (*surat.LetterTemplate, error) {
	old, err := s.templateVersion(ctx, layer, code, v)
	if err != nil {
		return nil, err
	}
	m, err := s.CheckTemplate(code, []byte(old.Source))
	if err != nil {
		return nil, err
	}
	t := newVersion(m, []byte(old.Source), surat.TemplateActive, fmt.Sprintf("Dipulihkan dari versi %d", v))
	if err := s.saveVersion(ctx, actor, layer, t, base, "template.restore"); err != nil {
		return nil, err
	}
	return t, nil
}

// RemoveTemplate takes module code out of the layer: the module below
// applies again, or a letter type the layer added is no longer offered
// (letters already drafted with it keep their version). The file is kept
// in the removal version, for a restore. Errors: surat.ErrNotFound when
// the layer has no active version of the module, surat.ErrConflict as in
// SaveTemplate.
func (s *Service) RemoveTemplate(ctx context.Context, actor surat.Actor, layer int64, code, note string, base int) (*surat.LetterTemplate, error) {
	hist, err := s.d.Store.TemplateHistory(ctx, layer, code)
	if err != nil {
		return nil, fmt.Errorf("issuance: history of %s: %w", code, err)
	}
	var active *surat.LetterTemplate
	for i := range hist {
		if hist[i].State != surat.TemplateDraft {
			active = &hist[i]
			break
		}
	}
	if active == nil || active.State != surat.TemplateActive {
		return nil, fmt.Errorf("issuance: layer %d has no active %s: %w", layer, code, surat.ErrNotFound)
	}
	if strings.TrimSpace(note) == "" {
		note = "Penyesuaian dihapus"
	}
	t := &surat.LetterTemplate{Module: code, State: surat.TemplateRemoved, Title: active.Title, Source: active.Source,
		SHA256: active.SHA256, Note: limitNote(note)}
	if err := s.saveVersion(ctx, actor, layer, t, base, "template.remove"); err != nil {
		return nil, err
	}
	return t, nil
}

// TemplateHistory lists the layer's versions of module code, newest first.
func (s *Service) TemplateHistory(ctx context.Context, layer int64, code string) ([]surat.LetterTemplate, error) {
	hist, err := s.d.Store.TemplateHistory(ctx, layer, code)
	if err != nil {
		return nil, fmt.Errorf("issuance: history of %s: %w", code, err)
	}
	return hist, nil
}

// templateVersion is version v of module code of the layer.
func (s *Service) templateVersion(ctx context.Context, layer int64, code string, v int) (*surat.LetterTemplate, error) {
	hist, err := s.TemplateHistory(ctx, layer, code)
	if err != nil {
		return nil, err
	}
	for i := range hist {
		if hist[i].Version == v {
			return &hist[i], nil
		}
	}
	return nil, fmt.Errorf("issuance: version %d of %s: %w", v, code, surat.ErrNotFound)
}

// TemplateComparison is a version of a module file set against the one
// before it.
type TemplateComparison struct {
	Version *surat.LetterTemplate
	// Previous is the version before it, nil for the first: then the
	// file is compared with BelowLabel's (the built-in or the
	// kabupaten's), or with nothing for a new letter type.
	Previous   *surat.LetterTemplate
	BelowLabel string
	Hunks      []letters.DiffHunk
}

// CompareTemplate compares version v of module code of the layer with the
// version before it, or the first version with the module of the layers
// below. Errors: surat.ErrNotFound for an unknown version.
func (s *Service) CompareTemplate(ctx context.Context, layer int64, code string, v int) (*TemplateComparison, error) {
	hist, err := s.TemplateHistory(ctx, layer, code)
	if err != nil {
		return nil, err
	}
	c := &TemplateComparison{}
	for i := range hist {
		if hist[i].Version == v {
			c.Version = &hist[i]
			if i+1 < len(hist) {
				c.Previous = &hist[i+1]
			}
		}
	}
	if c.Version == nil {
		return nil, fmt.Errorf("issuance: version %d of %s: %w", v, code, surat.ErrNotFound)
	}
	old := ""
	if c.Previous != nil {
		old = c.Previous.Source
	} else {
		_, below, err := s.layerCatalogues(ctx, layer)
		if err != nil {
			return nil, err
		}
		if m := below.Module(code); m != nil {
			old, c.BelowLabel = string(m.Source()), m.Origin.Label()
		}
	}
	c.Hunks = letters.Diff(old, c.Version.Source, 3)
	return c, nil
}

// PreviewTemplate checks src as the file of module code and renders a
// DRAF letter with it: with the demo register's example data, or, when
// residentID is not 0, with that resident of the village as the letter's
// main subject (the other subjects and the fields keep their examples) and
// the village's letterhead and kepala desa. The kabupaten (layer 0)
// previews in the demo village. Nothing is stored. Errors: *TemplateError,
// a *surat.ValidationError when the example data or the resident does not
// satisfy the module's rules, surat.ErrNotFound for a resident not in the
// village.
func (s *Service) PreviewTemplate(ctx context.Context, layer int64, code string, src []byte, residentID int64) ([]byte, error) {
	m, err := s.CheckTemplate(code, normaliseSource(src))
	if err != nil {
		return nil, err
	}
	now := surat.LetterTime(s.d.Now())
	in := letters.Demo(m, now)
	if layer != surat.KabupatenLayer {
		if in, err = s.villagePreview(ctx, layer, m, now, residentID); err != nil {
			return nil, err
		}
	}
	in.Draft, in.Number = true, ""
	doc, err := m.Build(in)
	if err != nil {
		return nil, err
	}
	return s.render(doc, time.Time{})
}

// villagePreview is the preview input of module m in the village: its
// letterhead and kepala desa (the demo's when it has none yet), and the
// resident as main subject.
func (s *Service) villagePreview(ctx context.Context, villageID int64, m *letters.Module, now time.Time,
	residentID int64) (letters.Input, error) {
	v, err := s.d.Store.VillageByID(ctx, villageID)
	if err != nil {
		return letters.Input{}, fmt.Errorf("issuance: village %d: %w", villageID, err)
	}
	problems := surat.Problems{}
	signer, err := s.signerOf(ctx, v, 0, problems)
	if err != nil {
		return letters.Input{}, err
	}
	if len(problems) > 0 {
		signer = letters.Signer{Official: letters.DemoOfficials()[0], Mode: letters.SignDirect}
		signer.Official.VillageID = v.ID
	}
	in := letters.DemoIn(m, now, *v, signer)
	if in.Logo, err = s.VillageLogo(ctx, v); err != nil {
		return letters.Input{}, err
	}
	if residentID == 0 {
		return in, nil
	}
	main := m.Subjects[0]
	r := resolver{s: s, ctx: ctx, villageID: villageID, problems: problems, households: map[int64][]surat.Resident{}}
	sub, err := r.subject(letters.SubjectKey(main.Role), main.Kind, SubjectRef{ResidentID: residentID}, false)
	if err != nil {
		return letters.Input{}, err
	}
	if sub.Resident == nil {
		return letters.Input{}, fmt.Errorf("issuance: resident %d: %w", residentID, surat.ErrNotFound)
	}
	in.Subjects[main.Role] = sub
	return in, nil
}

// TemplateFile is a module file as exported or imported: its name
// (<code>.yaml) and bytes.
type TemplateFile struct {
	Name string
	Data []byte
}

// ExportTemplate is the file of module code as the layer's catalogue
// holds it (whichever layer it comes from). Errors: surat.ErrNotFound.
func (s *Service) ExportTemplate(ctx context.Context, layer int64, code string) (TemplateFile, error) {
	cat, err := s.ModulesFor(ctx, layer)
	if err != nil {
		return TemplateFile{}, err
	}
	m := cat.Module(code)
	if m == nil {
		return TemplateFile{}, fmt.Errorf("issuance: module %s: %w", code, surat.ErrNotFound)
	}
	return TemplateFile{Name: code + ".yaml", Data: m.Source()}, nil
}

// ExportLayer returns the active files of the layer, by module code: what
// the kabupaten or the village changed or added, ready for ImportTemplates
// elsewhere or for a folder `app letters check` reads.
func (s *Service) ExportLayer(ctx context.Context, layer int64) ([]TemplateFile, error) {
	ts, err := s.d.Store.ActiveTemplates(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("issuance: templates of layer %d: %w", layer, err)
	}
	out := make([]TemplateFile, len(ts))
	for i, t := range ts {
		out[i] = TemplateFile{Name: t.Module + ".yaml", Data: []byte(t.Source)}
	}
	return out, nil
}

// ImportResult is what ImportTemplates did with each file.
type ImportResult struct {
	Saved     []*surat.LetterTemplate
	Unchanged []string // module codes whose file is already the layer's active one
}

// MaxImportFiles bounds the files one import takes.
const MaxImportFiles = 200

// ImportTemplates checks every file (*.yaml, named <code>.yaml or not) as
// a module and stores each that differs from the layer's active version
// as a new active version, all in one transaction: with any problem in
// any file nothing is stored. Errors: a *TemplateError whose problems
// name the file, a *surat.ValidationError on "files" for no files, too
// many, or one code twice.
func (s *Service) ImportTemplates(ctx context.Context, actor surat.Actor, layer int64, files []TemplateFile,
	note string) (*ImportResult, error) {
	if len(files) == 0 || len(files) > MaxImportFiles {
		return nil, &surat.ValidationError{Fields: map[string]string{"files": fmt.Sprintf(
			"Pilih berkas templat (.yaml atau .zip berisi paling banyak %d berkas .yaml)", MaxImportFiles)}}
	}
	active, err := s.d.Store.ActiveTemplates(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("issuance: templates of layer %d: %w", layer, err)
	}
	current := map[string]string{}
	for _, t := range active {
		current[t.Module] = t.SHA256
	}
	var problems []letters.FileProblem
	seen := map[string]string{}
	res := &ImportResult{}
	var changes []store.TemplateChange
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		src := normaliseSource(f.Data)
		m, err := letters.ParseModule(path.Base(f.Name), src)
		if err != nil {
			for _, p := range letters.FileProblems(src, err) {
				p.Message = path.Base(f.Name) + ": " + p.Message
				problems = append(problems, p)
			}
			continue
		}
		if prev, dup := seen[m.Code]; dup {
			problems = append(problems, letters.FileProblem{Message: fmt.Sprintf("%s: kode %q sudah ada di %s",
				path.Base(f.Name), m.Code, prev)})
			continue
		}
		seen[m.Code] = path.Base(f.Name)
		if current[m.Code] == m.Origin.SHA256 {
			res.Unchanged = append(res.Unchanged, m.Code)
			continue
		}
		n := note
		if n == "" {
			n = "Diimpor dari " + path.Base(f.Name)
		}
		changes = append(changes, store.TemplateChange{Template: newVersion(m, src, surat.TemplateActive, n),
			BaseVersion: -1, Action: "template.import"})
	}
	if len(problems) > 0 {
		return nil, &TemplateError{Problems: problems}
	}
	if err := s.d.Store.SaveTemplates(ctx, actor, layer, changes); err != nil {
		return nil, fmt.Errorf("issuance: import templates: %w", err)
	}
	for _, c := range changes {
		res.Saved = append(res.Saved, c.Template)
	}
	return res, nil
}

// LayerTemplates lists the newest version of every module the layer has
// ever had (active, draft or removed), by code.
func (s *Service) LayerTemplates(ctx context.Context, layer int64) ([]surat.LetterTemplate, error) {
	ts, err := s.d.Store.LayerTemplates(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("issuance: templates of layer %d: %w", layer, err)
	}
	return ts, nil
}

// TemplateStatus says whether the module of an unsigned letter changed
// since it was drafted.
type TemplateStatus struct {
	Drafted letters.Origin // the version the letter is built with
	Current letters.Origin // the village's module now
	Changed bool
}

// LetterTemplateStatus compares the version of its module letter l was
// drafted with and the village's module now. Letters drafted before
// modules had versions, and letters whose module is gone, are never
// Changed.
func (s *Service) LetterTemplateStatus(ctx context.Context, villageID int64, l *surat.Letter) (TemplateStatus, error) {
	var st TemplateStatus
	if l.TemplateSHA256 == "" {
		return st, nil
	}
	drafted, err := s.LetterModule(ctx, villageID, l)
	if err != nil && !errors.Is(err, surat.ErrNotFound) && !errors.Is(err, letters.ErrTemplateInvalid) {
		return st, err
	}
	cat, err := s.ModulesFor(ctx, villageID)
	if err != nil {
		return st, err
	}
	cur := cat.Module(l.Module)
	if drafted != nil {
		st.Drafted = drafted.Origin
	}
	if cur != nil {
		st.Current = cur.Origin
		st.Changed = cur.Origin.SHA256 != l.TemplateSHA256
	}
	return st, nil
}

// RerenderDraft builds the village's draft letterID, still at version,
// again with the village's current module of its type and records that
// version: the stored request is saved over itself with UpdateDraft.
// Errors are UpdateDraft's: a *surat.ValidationError when the request no
// longer satisfies the new module (a new required field): the clerk fills
// it in the draft's form.
func (s *Service) RerenderDraft(ctx context.Context, actor surat.Actor, villageID, letterID int64, version int) (*surat.Letter, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	req, err := s.RequestOf(l)
	if err != nil {
		return nil, err
	}
	return s.UpdateDraft(ctx, actor, villageID, letterID, version, req)
}

// OpenSIDImport is what ImportOpenSID made of one letter format.
type OpenSIDImport struct {
	opensid.Template
	Saved *surat.LetterTemplate // the draft version stored
}

// ImportOpenSID converts an OpenSID template export (opensid.Convert) and
// stores every format as a draft version of the layer, in one transaction,
// for an admin to review in the editor and save as active. Drafts change no
// letter. Errors: opensid.ErrNotExport, the store's.
func (s *Service) ImportOpenSID(ctx context.Context, actor surat.Actor, layer int64, data []byte) ([]OpenSIDImport, error) {
	ts, err := opensid.Convert(data)
	if err != nil {
		return nil, fmt.Errorf("issuance: %w", err)
	}
	out := make([]OpenSIDImport, len(ts)) // at most opensid.MaxFormats
	changes := make([]store.TemplateChange, len(ts))
	for i, t := range ts {
		out[i].Template = t
		title := t.Title
		if m, err := letters.ParseModule(t.Code+".yaml", t.Source); err == nil {
			title = m.Title
		}
		v := &surat.LetterTemplate{Module: t.Code, State: surat.TemplateDraft, Title: title, Source: string(t.Source),
			SHA256: sha256Hex(t.Source), Note: limitNote("Impor OpenSID: " + t.Name)}
		changes[i] = store.TemplateChange{Template: v, BaseVersion: -1, Action: "template.import_opensid"}
		out[i].Saved = v
	}
	if err := s.d.Store.SaveTemplates(ctx, actor, layer, changes); err != nil {
		return nil, fmt.Errorf("issuance: import from OpenSID: %w", err)
	}
	return out, nil
}

// sha256Hex is the lower-case hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
