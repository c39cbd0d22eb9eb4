package letters

import (
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileProblem is one mistake in a module file as the template editor shows
// it: beside its line, under the keys that lead to it, in Indonesian.
type FileProblem struct {
	Line    int    // from 1; 0 when the problem concerns the whole file
	Path    string // e.g. "fields › keperluan › type"; "" when unknown
	Message string // Indonesian
}

// FileProblems describes err, as returned by ParseModule for src, for the
// editor, ordered by line. Errors that are not a *LoadError (none are
// expected) are reported without a line.
func FileProblems(src []byte, err error) []FileProblem {
	if err == nil {
		return nil
	}
	var root yaml.Node
	parsed := len(src) <= MaxModuleBytes && yaml.Unmarshal(src, &root) == nil
	var out []FileProblem
	les := LoadErrors(err)
	for _, le := range les {
		p := FileProblem{Line: le.Line, Message: le.Indonesian()}
		if parsed && le.Line > 0 {
			p.Path = pathAt(&root, le.Line)
		}
		out = append(out, p)
	}
	if len(les) == 0 {
		out = append(out, FileProblem{Message: err.Error()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// pathAt is the path of keys to the deepest node of doc that starts on
// line, e.g. "body › #3 › rows › Nama Lengkap", or "". Items of a list are
// named by their name, role or code when they have one, else by number.
// Aliases are not followed.
func pathAt(doc *yaml.Node, line int) string {
	var best []string
	var walk func(n *yaml.Node, at []string)
	walk = func(n *yaml.Node, at []string) {
		if n == nil {
			return
		}
		if n.Line == line && len(at) >= len(best) {
			best = append([]string(nil), at...)
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, at)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				next := append(append([]string(nil), at...), k.Value)
				if k.Line == line && len(next) >= len(best) {
					best = next
				}
				walk(v, next)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(append([]string(nil), at...), itemName(c, i)))
			}
		}
	}
	walk(doc, nil)
	// A "Label: value" row is named by its label, which is also its key.
	var out []string
	for _, s := range best {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return strings.Join(out, " › ")
}

// itemName names the i-th item of a list for a path.
func itemName(n *yaml.Node, i int) string {
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			switch n.Content[j].Value {
			case "name", "role", "code":
				if v := n.Content[j+1]; v.Kind == yaml.ScalarNode && v.Value != "" {
					return v.Value
				}
			}
		}
		if len(n.Content) == 2 && n.Content[1].Kind == yaml.ScalarNode && n.Content[0].Value != "label" {
			return n.Content[0].Value // a "Label: value" row
		}
	}
	return "#" + strconv.Itoa(i+1)
}
