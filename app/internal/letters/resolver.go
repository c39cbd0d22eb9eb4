package letters

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TemplateSource is where the kabupaten's and the villages' module files
// are kept (the store).
type TemplateSource interface {
	// TemplateRevisions returns the revision of the kabupaten layer and of
	// the village's layer: numbers that grow with every change of the
	// layer, 0 for a layer never changed. villageID 0 asks for the
	// kabupaten layer alone (village is then 0).
	TemplateRevisions(ctx context.Context, villageID int64) (kabupaten, village int64, err error)
	// ActiveTemplates returns the active version of every module of a
	// layer (0: the kabupaten's), without modules the layer removed.
	ActiveTemplates(ctx context.Context, layer int64) ([]surat.LetterTemplate, error)
	// TemplateVersion returns one version of the kabupaten's layer or of
	// the village's, or an error wrapping surat.ErrNotFound.
	TemplateVersion(ctx context.Context, villageID, id int64) (*surat.LetterTemplate, error)
}

// Resolver gives each village its catalogue: the built-in modules with the
// kabupaten's layer over them and the village's over both. It is safe for
// concurrent use and correct with several replicas sharing one database:
// every call reads the two layers' revisions (one small indexed query) and
// rebuilds a catalogue only when one of them moved, so a change saved on
// any replica is seen by the next call on every replica. Parsed files are
// cached by version id, which never changes.
type Resolver struct {
	builtin *Catalogue
	src     TemplateSource

	mu       sync.Mutex
	kab      *resolved
	villages map[int64]*resolved
	versions map[int64]version
}

// version is a parsed stored version and the layer it belongs to.
type version struct {
	m     *Module
	layer int64
}

// resolved is a catalogue built at the revisions it records.
type resolved struct {
	kabRev, rev int64
	cat         *Catalogue
}

// Bounds of the caches: a province has some 8,000 villages; a full cache
// is dropped and refilled.
const (
	maxResolvedVillages = 20_000
	maxParsedVersions   = 2_048
)

// NewResolver returns a resolver over the built-in catalogue and src.
func NewResolver(builtin *Catalogue, src TemplateSource) *Resolver {
	return &Resolver{builtin: builtin, src: src, villages: map[int64]*resolved{}, versions: map[int64]version{}}
}

// For returns the catalogue of the village, or with villageID 0 the
// kabupaten's (built-in and kabupaten layer). A stored file the loader no
// longer accepts (after an upgrade made a rule stricter) is left out, so
// the module below it applies; the template editor shows why.
func (r *Resolver) For(ctx context.Context, villageID int64) (*Catalogue, error) {
	kabRev, vilRev, err := r.src.TemplateRevisions(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("letters: template revisions: %w", err)
	}
	kab, err := r.kabupaten(ctx, kabRev)
	if err != nil {
		return nil, err
	}
	if villageID == 0 || vilRev == 0 {
		return kab, nil
	}
	r.mu.Lock()
	v := r.villages[villageID]
	r.mu.Unlock()
	if v != nil && v.kabRev == kabRev && v.rev == vilRev {
		return v.cat, nil
	}
	mods, err := r.layer(ctx, villageID)
	if err != nil {
		return nil, err
	}
	v = &resolved{kabRev: kabRev, rev: vilRev, cat: kab.With(mods...)}
	r.mu.Lock()
	if len(r.villages) >= maxResolvedVillages {
		r.villages = map[int64]*resolved{}
	}
	r.villages[villageID] = v
	r.mu.Unlock()
	return v.cat, nil
}

// kabupaten is the built-in catalogue with the kabupaten layer at rev.
func (r *Resolver) kabupaten(ctx context.Context, rev int64) (*Catalogue, error) {
	if rev == 0 {
		return r.builtin, nil
	}
	r.mu.Lock()
	k := r.kab
	r.mu.Unlock()
	if k != nil && k.rev == rev {
		return k.cat, nil
	}
	mods, err := r.layer(ctx, surat.KabupatenLayer)
	if err != nil {
		return nil, err
	}
	k = &resolved{rev: rev, cat: r.builtin.With(mods...)}
	r.mu.Lock()
	r.kab = k
	r.mu.Unlock()
	return k.cat, nil
}

// layer parses the active files of a layer.
func (r *Resolver) layer(ctx context.Context, layer int64) ([]*Module, error) {
	rows, err := r.src.ActiveTemplates(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("letters: templates of layer %d: %w", layer, err)
	}
	mods := make([]*Module, 0, len(rows))
	for i := range rows {
		if m, err := r.parsed(&rows[i]); err == nil {
			mods = append(mods, m)
		}
	}
	return mods, nil
}

// parsed is the module of a stored version, parsed once.
func (r *Resolver) parsed(t *surat.LetterTemplate) (*Module, error) {
	r.mu.Lock()
	v, ok := r.versions[t.ID]
	r.mu.Unlock()
	if ok {
		return v.m, nil
	}
	m, err := ParseTemplate(t)
	if err != nil {
		return nil, fmt.Errorf("%w: version %d of %s: %w", ErrTemplateInvalid, t.ID, t.Module, err)
	}
	r.mu.Lock()
	if len(r.versions) >= maxParsedVersions {
		r.versions = map[int64]version{}
	}
	r.versions[t.ID] = version{m: m, layer: t.Layer}
	r.mu.Unlock()
	return m, nil
}

// ErrTemplateInvalid means a stored file is not a module the loader
// accepts (any more: a rule may have become stricter since it was saved).
var ErrTemplateInvalid = errors.New("letters: stored template is not a valid module")

// ErrTemplateMismatch means a stored file's code is not the module it is
// stored under.
var ErrTemplateMismatch = errors.New("letters: the file's code is not the module it is stored as")

// ParseTemplate parses a stored version with ParseModule and gives the
// module the version's origin (kabupaten layer when t.Layer is 0).
func ParseTemplate(t *surat.LetterTemplate) (*Module, error) {
	m, err := ParseModule(t.Module+".yaml", []byte(t.Source))
	if err != nil {
		return nil, err
	}
	if m.Code != t.Module {
		return nil, fmt.Errorf("%w: %q stored as %q", ErrTemplateMismatch, m.Code, t.Module)
	}
	kind := LayerVillage
	if t.Layer == surat.KabupatenLayer {
		kind = LayerKabupaten
	}
	m.Origin = Origin{Layer: kind, TemplateID: t.ID, Version: t.Version, SHA256: m.Origin.SHA256}
	return m, nil
}

// Version returns the module of a stored version of the kabupaten's layer
// or of the village's: the module a letter drafted with that version is
// built with, whatever the layers hold now. An id of another village's
// layer is an error wrapping surat.ErrNotFound.
func (r *Resolver) Version(ctx context.Context, villageID, id int64) (*Module, error) {
	r.mu.Lock()
	v, ok := r.versions[id]
	r.mu.Unlock()
	if ok && (v.layer == surat.KabupatenLayer || v.layer == villageID) {
		return v.m, nil
	}
	t, err := r.src.TemplateVersion(ctx, villageID, id)
	if err != nil {
		return nil, fmt.Errorf("letters: template version %d: %w", id, err)
	}
	return r.parsed(t)
}
