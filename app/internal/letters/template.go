package letters

import (
	"regexp"
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Module bodies use their own small placeholder language instead of
// text/template: {{path}}, {{path | upper}}, {{path | lower}},
// {{path | lcfirst}} (for a typed value in mid-sentence: "Persyaratan
// kerja" -> "persyaratan kerja", "KPR" stays) and {{path | or other.path}}
// (the first non-empty of the two). Every path is
// checked against the module at load time by the same resolver that fills
// it in at build time, so an unknown name can never reach a letter.

// block is one body block of a module, before evaluation.
type block struct {
	kind   surat.BlockKind
	text   tmpl // Paragraph, Heading
	rows   []rowSpec
	table  *tableSpec
	cond   []*cond // all must hold
	indent bool
	line   int
}

type rowSpec struct {
	label string
	value tmpl
	cond  []*cond // all must hold
}

type tableSpec struct {
	source  string // a list role, or "<household role>.anggota"
	columns []column
}

type column struct {
	header string
	value  tmpl
}

// tmpl is a parsed text: literal runs and placeholders.
type tmpl struct {
	segs []segment
}

type segment struct {
	lit string
	ph  *placeholder
}

type placeholder struct {
	raw     string     // the text between the braces, for messages
	paths   [][]string // the path, then the alternatives given with "or"
	upper   bool
	lower   bool
	lcfirst bool // lower-case the first letter unless it starts an acronym
}

func (t tmpl) placeholders() []*placeholder {
	var out []*placeholder
	for _, s := range t.segs {
		if s.ph != nil {
			out = append(out, s.ph)
		}
	}
	return out
}

var pathRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// parseTemplate splits s into literals and placeholders and checks the
// placeholder syntax (not the names).
func parseTemplate(s string) (tmpl, error) {
	var t tmpl
	rest := s
	for {
		open := strings.Index(rest, "{{")
		closeAt := strings.Index(rest, "}}")
		if open < 0 {
			if closeAt >= 0 {
				return t, msgf("\"}}\" without a matching \"{{\"")
			}
			if rest != "" {
				t.segs = append(t.segs, segment{lit: rest})
			}
			return t, nil
		}
		if closeAt >= 0 && closeAt < open {
			return t, msgf("\"}}\" without a matching \"{{\"")
		}
		if open > 0 {
			t.segs = append(t.segs, segment{lit: rest[:open]})
		}
		end := strings.Index(rest[open+2:], "}}")
		if end < 0 {
			return t, msgf("unclosed placeholder %q", rest[open:])
		}
		inner := rest[open+2 : open+2+end]
		ph, err := parsePlaceholder(inner)
		if err != nil {
			return t, err
		}
		t.segs = append(t.segs, segment{ph: ph})
		rest = rest[open+2+end+2:]
	}
}

func parsePlaceholder(inner string) (*placeholder, error) {
	ph := &placeholder{raw: strings.TrimSpace(inner)}
	parts := strings.Split(inner, "|")
	first := strings.TrimSpace(parts[0])
	if strings.Contains(ph.raw, "{{") || !pathRe.MatchString(first) {
		return nil, msgf("malformed placeholder {{%s}}: expected a name such as pemohon.nama", ph.raw)
	}
	ph.paths = append(ph.paths, strings.Split(first, "."))
	for _, f := range parts[1:] {
		words := strings.Fields(f)
		switch {
		case len(words) == 1 && words[0] == "upper":
			ph.upper = true
		case len(words) == 1 && words[0] == "lower":
			ph.lower = true
		case len(words) == 1 && words[0] == "lcfirst":
			ph.lcfirst = true
		case len(words) == 2 && words[0] == "or" && pathRe.MatchString(words[1]):
			ph.paths = append(ph.paths, strings.Split(words[1], "."))
		default:
			return nil, msgf("unknown filter %q in {{%s}} (upper, lower, lcfirst, or <name>)", strings.TrimSpace(f), ph.raw)
		}
	}
	return ph, nil
}

// cond is one condition of the "if" of a block or row: a path is true when
// its value is not empty (a role: when the subject was given); "= x" and
// "!= x" compare the value, ignoring case; "!" negates. An "if" may list
// several conditions, which must all hold.
type cond struct {
	path   []string
	negate bool
	op     string // "", "=" or "!="
	lit    string
}

func parseCond(s string) (*cond, error) {
	c := &cond{}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "!") && !strings.HasPrefix(s, "!=") {
		c.negate = true
		s = strings.TrimSpace(s[1:])
	}
	name := s
	for _, op := range []string{"!=", "="} {
		if i := strings.Index(s, op); i >= 0 {
			if c.negate {
				return nil, msgf("use != instead of combining ! with a comparison")
			}
			c.op, name, c.lit = op, strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(op):])
			if c.lit == "" {
				return nil, msgf("compare with a value, e.g. field.jenis = Rujuk")
			}
			break
		}
	}
	if !pathRe.MatchString(name) {
		return nil, msgf("expected a name such as field.keterangan, got %q", name)
	}
	c.path = strings.Split(name, ".")
	return c, nil
}

// scope says which placeholders a text may use.
type scope int

const (
	scopeTop  scope = iota // paragraphs, headings, rows
	scopeItem              // table cells: one person of the table's source
)

// checkPath reports whether path names a known value in scope sc.
func (m *Module) checkPath(path []string, sc scope) error {
	e := &env{m: m}
	_, err := e.value(path, sc, nil, 0)
	return err
}

func (m *Module) checkCond(c *cond) error {
	if len(c.path) == 1 && m.Subject(c.path[0]) != nil {
		if c.op != "" {
			return msgf("a role can only be tested for presence")
		}
		return nil
	}
	if err := m.checkPath(c.path, scopeTop); err != nil {
		return err
	}
	if c.op != "" && c.path[0] == "field" && len(c.path) == 2 {
		if f := m.Field(c.path[1]); f.Type == TypeEnum && f.option(c.lit) == "" {
			return msgf("%q is not an option of field %s (%s)", c.lit, f.Name, strings.Join(f.Options, ", "))
		}
	}
	return nil
}

func (m *Module) checkTableSource(src string) string {
	path := strings.Split(src, ".")
	s := m.Subject(path[0])
	switch {
	case s == nil:
		return "not a role of this module"
	case len(path) == 1 && s.Kind.IsList():
		return ""
	case len(path) == 2 && path[1] == "anggota" && s.Kind == KindHousehold:
		return ""
	}
	return "use a list role (resident_list, person_list) or <household role>.anggota"
}
