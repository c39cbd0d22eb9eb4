package letters

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"sort"

	"go.yaml.in/yaml/v3"
)

// A village's catalogue has three layers: the built-in modules (the files
// of templates/letters, embedded in the binary), the kabupaten's and the
// village's own. A layer holds whole module files: a file whose code is a
// built-in module's replaces that module (its text, fields, rules,
// signatures, validity, kode surat, online offer and requirements), one with
// a new code adds a letter type. The kabupaten layer applies to every
// village; a village's layer to that village only and wins over the
// kabupaten's. Files of a layer are read with ParseModule, which is the
// loader Load uses for the built-in files, so what the editor accepts is
// exactly what start-up accepts.

// Layer names a layer of the catalogue.
type Layer string

// The layers, from the bottom.
const (
	LayerBuiltin   Layer = "bawaan"
	LayerKabupaten Layer = "kabupaten"
	LayerVillage   Layer = "desa"
)

// Label is the layer as the editor shows it: "Bawaan", "Kabupaten", "Desa".
func (l Layer) Label() string {
	switch l {
	case LayerKabupaten:
		return "Kabupaten"
	case LayerVillage:
		return "Desa"
	}
	return "Bawaan"
}

// Origin is where a module comes from: its layer, the stored version of
// its file (TemplateID 0 and Version 0 for a built-in file) and the
// SHA-256 of the file's bytes, which a letter records to notice later that
// its module changed.
type Origin struct {
	Layer      Layer
	TemplateID int64
	Version    int
	SHA256     string
}

// Source is the module file as it was read (do not change it): what the
// template editor shows and an export writes.
func (m *Module) Source() []byte { return m.source }

// Label is the origin as the editor and the letter page show it: "Bawaan",
// "Kabupaten versi 2", "Desa versi 3".
func (o Origin) Label() string {
	if o.Layer == LayerBuiltin || o.Layer == "" {
		return LayerBuiltin.Label()
	}
	return fmt.Sprintf("%s versi %d", o.Layer.Label(), o.Version)
}

// MaxModuleBytes bounds a module file (the largest built-in one is 17 KB).
const MaxModuleBytes = 64 << 10

// maxExpandedNodes bounds the values a module file holds once its YAML
// aliases are expanded, so that a few lines of aliases cannot make the
// loader walk millions of nodes.
const maxExpandedNodes = 20_000

// maxExpandedBytes bounds the text of a module file's values once its
// aliases are expanded. Counting nodes alone let a 25 KB paragraph,
// anchored once and named by 4,900 aliases, pass in a 62 KB file: 9.4 s to
// parse, 598 MB held by the parsed module on every replica, and 104 MB of
// letter text. Four times the file limit leaves room for the anchors the
// built-in modules use (sp_nikah's expand to under twice its size).
const maxExpandedBytes = 4 * MaxModuleBytes

// expandedSize counts the nodes of n and the bytes of their values with
// every alias expanded, stopping once either passes its limit.
func expandedSize(n *yaml.Node, limitNodes, limitBytes int) (nodes, size int) {
	var walk func(*yaml.Node, int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || nodes > limitNodes || size > limitBytes {
			return
		}
		nodes++
		size += len(n.Value)
		if depth > 100 {
			nodes = limitNodes + 1
			return
		}
		if n.Kind == yaml.AliasNode {
			walk(n.Alias, depth+1)
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return nodes, size
}

// sourceHash is the lower-case hex SHA-256 of a module file.
func sourceHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ParseModule reads and checks one module file exactly as Load does for
// each file of the built-in catalogue. file names it in messages. The
// module's Origin is a built-in one with the file's SHA-256; a caller that
// read the file from a layer sets Layer, TemplateID and Version. Problems
// are *LoadError values joined with errors.Join, each with its line.
func ParseModule(file string, data []byte) (*Module, error) {
	m, errs := parseModule(path.Base(file), data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// LoadErrors lists the *LoadError values in err (from Load or
// ParseModule), in the order they were found.
func LoadErrors(err error) []*LoadError {
	var out []*LoadError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *LoadError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// With returns a catalogue of c's modules in which each of mods replaces
// the module of the same code, or is added. c is not changed.
func (c *Catalogue) With(mods ...*Module) *Catalogue {
	if len(mods) == 0 {
		return c
	}
	out := &Catalogue{byCode: make(map[string]*Module, len(c.byCode)+len(mods))}
	for code, m := range c.byCode {
		out.byCode[code] = m
	}
	for _, m := range mods {
		out.byCode[m.Code] = m
	}
	out.modules = make([]*Module, 0, len(out.byCode))
	for _, m := range out.byCode {
		out.modules = append(out.modules, m)
	}
	sort.Slice(out.modules, func(i, j int) bool { return out.modules[i].Code < out.modules[j].Code })
	return out
}
