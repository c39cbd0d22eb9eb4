package letters

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"go.yaml.in/yaml/v3"
)

// parser walks the YAML node tree of one module file by hand, so every
// message can name the line, unknown keys are errors, and nothing is
// silently defaulted.
type parser struct {
	file string
	errs []error
	used map[string]bool // roles and "field.<name>" the body refers to
	// alias maps short names to roles and fields while a form with
	// "roles" is read (see aliases).
	alias map[string][]string
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &LoadError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...),
		format: format, args: args})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseModule reads one module file. It returns the module (possibly
// incomplete) and every problem found.
func parseModule(file string, data []byte) (*Module, []error) {
	p := &parser{file: file, used: map[string]bool{}}
	if len(data) > MaxModuleBytes {
		return nil, []error{newLoadError(file, 0, "module file is %d bytes; at most %d are allowed", len(data), MaxModuleBytes)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, []error{newLoadError(file, line, "invalid YAML: %s", m[2])}
		}
		return nil, []error{newLoadError(file, 0, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, []error{newLoadError(file, 1, "empty module file")}
	}
	switch nodes, size := expandedSize(&doc, maxExpandedNodes, maxExpandedBytes); {
	case nodes > maxExpandedNodes:
		return nil, []error{newLoadError(file, 1,
			"YAML aliases expand the file to more than %d values; use fewer aliases", maxExpandedNodes)}
	case size > maxExpandedBytes:
		return nil, []error{newLoadError(file, 1,
			"YAML aliases expand the file to more than %d KB of text; use fewer aliases", maxExpandedBytes>>10)}
	}
	root := deref(doc.Content[0])
	keys := p.mapping(root, "code", "title", "description", "klasifikasi", "validity", "online",
		"requirements", "subjects", "fields", "body", "signatures", "forms", "new_resident")
	if keys == nil {
		return nil, p.errs
	}
	p.require(root, keys, "code", "title", "description", "klasifikasi", "validity", "subjects", "body")
	m := &Module{File: file, Origin: Origin{Layer: LayerBuiltin, SHA256: sourceHash(data)}, source: data}
	if n := keys["code"]; n != nil {
		m.Code, m.codeLine = p.str(n), n.Line
		if m.Code != "" && !identRe.MatchString(m.Code) {
			p.errf(n, "code %q must be lower case letters, digits and _ (e.g. sk_domisili)", m.Code)
		}
	}
	m.Title = p.line(keys["title"], "title", 120)
	m.Description = p.line(keys["description"], "description", 200)
	if n := keys["klasifikasi"]; n != nil {
		m.Klasifikasi = p.str(n)
		// The default must pass the same rule as a village's own kode surat.
		ls := surat.LetterSettings{Module: "modul", KodeSurat: m.Klasifikasi}
		if fields, ok := surat.FieldErrors(ls.Validate()); ok && fields["kode_surat"] != "" {
			p.errf(n, "klasifikasi %q: %s", m.Klasifikasi, fields["kode_surat"])
		}
	}
	if n := keys["validity"]; n != nil {
		v, err := parseValidity(p.str(n))
		if err != nil {
			p.errf(n, "%v", err)
		}
		m.Validity = v
	}
	if n := keys["online"]; n != nil {
		m.Online = p.bool(n)
	}
	if n := keys["requirements"]; n != nil {
		m.Requirements = p.requirements(n)
	}
	if n := keys["subjects"]; n != nil {
		for _, item := range p.seq(n, "subjects") {
			if s, ok := p.subject(item); ok {
				m.Subjects = append(m.Subjects, s)
			}
		}
	}
	if n := keys["fields"]; n != nil {
		for _, item := range p.seq(n, "fields") {
			if f, ok := p.field(item); ok {
				m.Fields = append(m.Fields, f)
			}
		}
	}
	p.crossCheck(m, keys["subjects"], keys["fields"])
	if n := keys["body"]; n != nil {
		for _, item := range p.seq(n, "body") {
			if b, ok := p.block(m, item); ok {
				m.body = append(m.body, b)
			}
		}
	}
	if n := keys["signatures"]; n != nil {
		m.signatures = p.signatureGroups(m, n, "signatures")
		if official := countOfficial(m.signatures); official > 1 {
			p.errf(n, "signatures: the official's block (official: true) may appear once")
		}
	}
	if n := keys["forms"]; n != nil {
		for _, item := range p.seq(n, "forms") {
			if f, ok := p.form(m, item); ok {
				m.forms = append(m.forms, f)
			}
		}
	}
	if n := keys["new_resident"]; n != nil {
		m.newResident = p.newResident(m, n)
	}
	if keys["body"] != nil {
		p.checkUsed(m)
	}
	if m.Code == "" {
		return nil, p.errs
	}
	return m, p.errs
}

var (
	identRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)
	// reserved are the placeholder namespaces a role may not be called.
	reserved = map[string]bool{"desa": true, "penandatangan": true, "surat": true, "field": true,
		"no": true, "hubungan": true}
)

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapping returns the values of a mapping node by key, reporting keys that
// are not allowed or repeated. It returns nil when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, allowed ...string) map[string]*yaml.Node {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		p.errf(n, "expected a mapping of keys (%s)", strings.Join(allowed, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if !contains(allowed, k.Value) {
			p.errf(k, "unknown key %q (allowed: %s)", k.Value, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errf(k, "key %q given twice", k.Value)
			continue
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) require(n *yaml.Node, keys map[string]*yaml.Node, names ...string) {
	for _, name := range names {
		if _, ok := keys[name]; !ok {
			p.errf(n, "missing required key %q", name)
		}
	}
}

func (p *parser) str(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, "expected a single value, not a list or mapping")
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// line reads a required one-line text.
func (p *parser) line(n *yaml.Node, key string, max int) string {
	if n == nil {
		return ""
	}
	s := strings.TrimSpace(p.str(n))
	switch {
	case s == "":
		p.errf(n, "%s must not be empty", key)
	case strings.ContainsAny(s, "\r\n"):
		p.errf(n, "%s must be one line", key)
	case len([]rune(s)) > max:
		p.errf(n, "%s is longer than %d characters", key, max)
	}
	return s
}

func (p *parser) bool(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.errf(n, "expected true or false, got %q", n.Value)
		return false
	}
	return n.Value == "true"
}

func (p *parser) int(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.errf(n, "expected a whole number, got %q", n.Value)
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		p.errf(n, "expected a whole number, got %q", n.Value)
		return 0, false
	}
	return v, true
}

func (p *parser) seq(n *yaml.Node, key string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s must be a list (lines starting with \"- \")", key)
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// strs reads a list of values; a single value is accepted as a list of one.
func (p *parser) strs(n *yaml.Node, key string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{p.str(n)}
	}
	var out []string
	for _, c := range p.seq(n, key) {
		out = append(out, p.str(c))
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

var lifeStatusNames = map[string]int{"hidup": surat.LifeAlive, "mati": surat.LifeDead,
	"pindah": surat.LifeMoved, "hilang": 4, "pergi": 6}

func (p *parser) subject(n *yaml.Node) (SubjectSpec, bool) {
	keys := p.mapping(n, "role", "label", "kind", "required", "status", "sex", "status_kawin", "shdk",
		"same_household", "different_from", "min", "max", "hubungan", "wajib_ktp", "mark_dead_on_sign",
		"died_on", "typed_required", "example")
	if keys == nil {
		return SubjectSpec{}, false
	}
	p.require(n, keys, "role", "label", "kind")
	s := SubjectSpec{Required: true, LifeStatus: []int{surat.LifeAlive}, line: n.Line}
	if v := keys["role"]; v != nil {
		s.Role = p.str(v)
		if !identRe.MatchString(s.Role) {
			p.errf(v, "role %q must be lower case letters, digits and _", s.Role)
		} else if reserved[s.Role] {
			p.errf(v, "role %q is a reserved placeholder name", s.Role)
		}
	}
	s.Label = p.line(keys["label"], "label", 80)
	if v := keys["kind"]; v != nil {
		s.Kind = SubjectKind(p.str(v))
		if !s.Kind.valid() {
			p.errf(v, "unknown subject kind %q (resident, person, household, resident_list, person_list)", s.Kind)
		}
	}
	if v := keys["required"]; v != nil {
		s.Required = p.bool(v)
	}
	if v := keys["status"]; v != nil {
		s.LifeStatus = nil
		for _, name := range p.strs(v, "status") {
			id, ok := lifeStatusNames[name]
			if !ok {
				p.errf(v, "unknown status %q (hidup, mati, pindah, hilang, pergi)", name)
				continue
			}
			s.LifeStatus = append(s.LifeStatus, id)
		}
	}
	if v := keys["sex"]; v != nil {
		switch p.str(v) {
		case "laki-laki":
			s.Sex = surat.SexMale
		case "perempuan":
			s.Sex = surat.SexFemale
		default:
			p.errf(v, "sex must be laki-laki or perempuan, got %q", v.Value)
		}
	}
	s.MaritalStatus = p.enumIDs(keys["status_kawin"], surat.MaritalStatus)
	s.Relations = p.enumIDs(keys["shdk"], surat.FamilyRelation)
	if v := keys["same_household"]; v != nil {
		s.SameHousehold = p.str(v)
	}
	if v := keys["different_from"]; v != nil {
		s.DifferentFrom = p.strs(v, "different_from")
	}
	if v := keys["min"]; v != nil {
		n, _ := p.int(v)
		s.Min = int(n)
	}
	if v := keys["max"]; v != nil {
		n, _ := p.int(v)
		s.Max = int(n)
	}
	if v := keys["hubungan"]; v != nil {
		s.ItemRelations = p.options(v, "hubungan")
	}
	if v := keys["wajib_ktp"]; v != nil {
		s.WajibKTP = p.bool(v)
	}
	if v := keys["mark_dead_on_sign"]; v != nil {
		s.MarkDeadOnSign = p.bool(v)
	}
	if v := keys["died_on"]; v != nil {
		s.DiedOn, s.diedOnLine = p.str(v), v.Line
	}
	if v := keys["typed_required"]; v != nil {
		s.TypedRequired = p.strs(v, "typed_required")
		for _, a := range s.TypedRequired {
			if _, ok := typedAttrLabels[a]; !ok {
				p.errf(v, "typed_required: %q is not an attribute of a typed person (%s)", a, typedAttrNames())
			}
		}
		if !s.Kind.AllowsTyped() {
			p.errf(v, "typed_required applies to kinds person and person_list only")
		}
	}
	if v := keys["example"]; v != nil {
		s.Example = p.strs(v, "example")
		for _, ex := range s.Example {
			name, rel := splitExample(ex)
			if _, ok := demoPersonas[name]; !ok {
				p.errf(v, "unknown demo persona %q (%s)", name, personaNames())
			}
			switch {
			case rel != "" && len(s.ItemRelations) == 0:
				p.errf(v, "example %q: only list roles with hubungan take \"persona:Hubungan\"", ex)
			case rel != "" && matchOption(s.ItemRelations, rel) == "":
				p.errf(v, "example %q: %q is not one of hubungan (%s)", ex, rel, strings.Join(s.ItemRelations, ", "))
			}
		}
	}
	if s.Kind.IsList() {
		if s.Min < 0 || s.Max < 0 || (s.Max > 0 && s.Min > s.Max) {
			p.errf(n, "role %s: min and max must satisfy 0 <= min <= max", s.Role)
		}
	} else if keys["min"] != nil || keys["max"] != nil || keys["hubungan"] != nil {
		p.errf(n, "role %s: min, max and hubungan apply only to resident_list and person_list", s.Role)
	} else if len(s.Example) > 1 {
		p.errf(keys["example"], "role %s holds one person: give one example persona", s.Role)
	}
	if s.MarkDeadOnSign && (s.Kind.IsList() || !containsInt(s.LifeStatus, surat.LifeAlive)) {
		p.errf(keys["mark_dead_on_sign"], "mark_dead_on_sign needs a single subject whose status allows hidup")
	}
	return s, true
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// enumIDs reads labels of a register enumeration (e.g. "BELUM KAWIN").
func (p *parser) enumIDs(n *yaml.Node, e surat.Enum) []int {
	if n == nil {
		return nil
	}
	var ids []int
	for _, label := range p.strs(n, e.Name) {
		id, ok := e.Lookup(label)
		if !ok {
			p.errf(n, "unknown %s %q", e.Title, label)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// requirements reads the documents an applicant brings: one line each, at
// most 200 characters, none twice.
func (p *parser) requirements(n *yaml.Node) []string {
	reqs := p.options(n, "requirements")
	for _, r := range reqs {
		if len([]rune(r)) > 200 {
			p.errf(n, "requirements: %q is longer than %d characters", r, 200)
		}
	}
	return reqs
}

// options reads a list of enum options, which must be unique and one line.
func (p *parser) options(n *yaml.Node, key string) []string {
	opts := p.strs(n, key)
	seen := map[string]bool{}
	for _, o := range opts {
		k := normOption(o)
		switch {
		case k == "":
			p.errf(n, "%s: empty option", key)
		case seen[k]:
			p.errf(n, "%s: option %q given twice", key, o)
		case strings.ContainsAny(o, "\r\n"):
			p.errf(n, "%s: option %q must be one line", key, o)
		}
		seen[k] = true
	}
	if len(opts) == 0 {
		p.errf(n, "%s: give at least one option", key)
	}
	return opts
}

func (p *parser) field(n *yaml.Node) (FieldSpec, bool) {
	keys := p.mapping(n, "name", "label", "type", "required", "max_length", "min", "max", "options",
		"enum", "default", "not_future", "not_past", "not_before", "digits", "hint", "example")
	if keys == nil {
		return FieldSpec{}, false
	}
	p.require(n, keys, "name", "label", "type")
	f := FieldSpec{line: n.Line}
	if v := keys["name"]; v != nil {
		f.Name = p.str(v)
		if !identRe.MatchString(f.Name) {
			p.errf(v, "field name %q must be lower case letters, digits and _", f.Name)
		}
	}
	f.Label = p.line(keys["label"], "label", 80)
	if v := keys["type"]; v != nil {
		f.Type = FieldType(p.str(v))
		switch f.Type {
		case "resident", "person", "resident_list", "person_list", "household":
			p.errf(v, "field %s: people are declared under subjects (kind: %s), not as fields", f.Name, f.Type)
		default:
			if !f.Type.valid() {
				p.errf(v, "unknown field type %q (text, textarea, date, time, int, money, enum)", f.Type)
			}
		}
	}
	if v := keys["required"]; v != nil {
		f.Required = p.bool(v)
	}
	if v := keys["max_length"]; v != nil {
		if f.Type != TypeText && f.Type != TypeTextarea {
			p.errf(v, "field %s: max_length applies to text and textarea only", f.Name)
		}
		n, _ := p.int(v)
		if n < 1 || n > 5000 {
			p.errf(v, "field %s: max_length must be between 1 and 5000", f.Name)
		}
		f.MaxLength = int(n)
	}
	switch {
	case f.MaxLength > 0:
	case f.Type == TypeText:
		f.MaxLength = 200
	case f.Type == TypeTextarea:
		f.MaxLength = 1000
	}
	for _, k := range []string{"min", "max"} {
		v := keys[k]
		if v == nil {
			continue
		}
		if f.Type != TypeInt && f.Type != TypeMoney {
			p.errf(v, "field %s: %s applies to int and money only", f.Name, k)
		}
		n, _ := p.int(v)
		if k == "min" {
			f.Min, f.HasMin = n, true
		} else {
			f.Max, f.HasMax = n, true
		}
	}
	if f.HasMin && f.HasMax && f.Min > f.Max {
		p.errf(n, "field %s: min is greater than max", f.Name)
	}
	if v := keys["options"]; v != nil {
		f.Options = p.options(v, "options")
	}
	if v := keys["enum"]; v != nil {
		f.Enum = p.str(v)
		e, ok := registerEnum(f.Enum)
		if !ok {
			p.errf(v, "unknown enum %q (%s)", f.Enum, enumNames())
		}
		for _, o := range e.Options {
			f.Options = append(f.Options, o.Label)
		}
	}
	if f.Type == TypeEnum {
		switch {
		case keys["options"] != nil && keys["enum"] != nil:
			p.errf(n, "field %s: give either options or enum, not both", f.Name)
		case keys["options"] == nil && keys["enum"] == nil:
			p.errf(n, "field %s: an enum field needs options or enum", f.Name)
		}
	} else if keys["options"] != nil || keys["enum"] != nil {
		p.errf(n, "field %s: options and enum apply to type enum only", f.Name)
	}
	if v := keys["not_future"]; v != nil {
		f.NotFuture = p.bool(v)
		if f.Type != TypeDate {
			p.errf(v, "field %s: not_future applies to dates only", f.Name)
		}
	}
	if v := keys["not_past"]; v != nil {
		f.NotPast = p.bool(v)
		if f.Type != TypeDate {
			p.errf(v, "field %s: not_past applies to dates only", f.Name)
		} else if f.NotPast && f.NotFuture {
			p.errf(v, "field %s: not_past and not_future together leave only the letter date", f.Name)
		}
	}
	if v := keys["digits"]; v != nil {
		n, _ := p.int(v)
		f.Digits = int(n)
		if f.Type != TypeText || n < 1 || n > 30 {
			p.errf(v, "field %s: digits (1-30) applies to text fields only", f.Name)
		}
	}
	if v := keys["not_before"]; v != nil {
		f.NotBefore = p.str(v)
		if f.Type != TypeDate {
			p.errf(v, "field %s: not_before applies to dates only", f.Name)
		}
	}
	if v := keys["hint"]; v != nil {
		f.Hint = p.line(v, "hint", 200)
	}
	if f.Type.valid() {
		// Defaults and examples are checked for their form only: whether a
		// date lies in the future depends on the letter's date.
		form := f
		form.NotFuture, form.NotPast = false, false
		if v := keys["default"]; v != nil {
			f.Default = p.str(v)
			if _, msg := form.parse(f.Default, time.Time{}); msg != "" {
				p.errf(v, "field %s: default %q is not valid: %s", f.Name, f.Default, msg)
			}
		}
		if v := keys["example"]; v != nil {
			f.Example = p.str(v)
			val := f.Example
			if f.Type == TypeDate {
				if _, ok := relativeDate(val, time.Time{}); ok {
					val = "" // relative demo dates are checked by the demo test
				}
			}
			if val != "" {
				if _, msg := form.parse(val, time.Time{}); msg != "" {
					p.errf(v, "field %s: example %q is not valid: %s", f.Name, f.Example, msg)
				}
			}
		} else if f.Required && f.Default == "" {
			p.errf(n, "field %s is required and needs an example (used by the letter preview)", f.Name)
		}
	}
	return f, true
}

// crossCheck checks what refers from one subject or field to another.
func (p *parser) crossCheck(m *Module, subjectsNode, fieldsNode *yaml.Node) {
	roles := map[string]bool{}
	for _, s := range m.Subjects {
		if roles[s.Role] {
			p.errf(&yaml.Node{Line: s.line}, "role %q declared twice", s.Role)
		}
		roles[s.Role] = true
	}
	if subjectsNode != nil && len(m.Subjects) == 0 {
		p.errf(subjectsNode, "a module needs at least one subject")
	}
	if len(m.Subjects) > 0 && m.Subjects[0].Kind.IsList() {
		p.errf(&yaml.Node{Line: m.Subjects[0].line}, "the first (main) subject must be a single person or household")
	}
	for _, s := range m.Subjects {
		at := &yaml.Node{Line: s.line}
		if o := s.SameHousehold; o != "" {
			other := m.Subject(o)
			switch {
			case other == nil:
				p.errf(at, "role %s: same_household names unknown role %q", s.Role, o)
			case other.Kind.IsList() || o == s.Role:
				p.errf(at, "role %s: same_household must name another single subject", s.Role)
			}
		}
		for _, o := range s.DifferentFrom {
			if m.Subject(o) == nil || o == s.Role {
				p.errf(at, "role %s: different_from names unknown role %q", s.Role, o)
			}
		}
		if s.DiedOn != "" {
			f := m.Field(s.DiedOn)
			switch {
			case f == nil || f.Type != TypeDate:
				p.errf(&yaml.Node{Line: s.diedOnLine}, "role %s: died_on must name a date field, not %q", s.Role, s.DiedOn)
			case s.Kind.IsList() || !containsInt(s.LifeStatus, surat.LifeDead):
				p.errf(&yaml.Node{Line: s.diedOnLine}, "role %s: died_on needs a single subject whose status allows mati", s.Role)
			case f.Required:
				p.errf(&yaml.Node{Line: s.diedOnLine},
					"role %s: field %s must not be required: the register's date of death fills it when recorded", s.Role, f.Name)
			}
		}
	}
	names := map[string]bool{}
	for _, f := range m.Fields {
		at := &yaml.Node{Line: f.line}
		if names[f.Name] {
			p.errf(at, "field %q declared twice", f.Name)
		}
		names[f.Name] = true
		if f.NotBefore != "" {
			other := m.Field(f.NotBefore)
			if other == nil || other.Type != TypeDate || other.Name == f.Name {
				p.errf(at, "field %s: not_before must name another date field, not %q", f.Name, f.NotBefore)
			}
		}
	}
}

var blockKinds = map[string]surat.BlockKind{"paragraph": surat.Paragraph, "heading": surat.Heading,
	"rows": surat.Rows, "table": surat.Table}

func (p *parser) block(m *Module, n *yaml.Node) (block, bool) {
	keys := p.mapping(n, "paragraph", "heading", "rows", "table", "if", "indent")
	if keys == nil {
		return block{}, false
	}
	b := block{line: n.Line}
	var kinds []string
	for k := range blockKinds {
		if keys[k] != nil {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		p.errf(n, "a body block needs exactly one of paragraph, heading, rows, table")
		return b, false
	}
	b.kind = blockKinds[kinds[0]]
	v := keys[kinds[0]]
	if c := keys["if"]; c != nil {
		b.cond = p.conds(m, c)
	}
	if c := keys["indent"]; c != nil {
		b.indent = p.bool(c)
		if b.kind != surat.Rows {
			p.errf(c, "indent applies to rows only")
		}
	}
	switch b.kind {
	case surat.Paragraph, surat.Heading:
		b.text = p.template(m, v, scopeTop)
	case surat.Rows:
		for _, r := range p.seq(v, "rows") {
			if row, ok := p.row(m, r); ok {
				b.rows = append(b.rows, row)
			}
		}
	case surat.Table:
		b.table = p.table(m, v)
	}
	return b, true
}

// row reads either "Label: value" or {label, value, if}.
func (p *parser) row(m *Module, n *yaml.Node) (rowSpec, bool) {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value != "label" {
		return rowSpec{label: p.label(n.Content[0]), value: p.template(m, deref(n.Content[1]), scopeTop)}, true
	}
	keys := p.mapping(n, "label", "value", "if")
	if keys == nil {
		return rowSpec{}, false
	}
	p.require(n, keys, "label", "value")
	var r rowSpec
	if v := keys["label"]; v != nil {
		r.label = p.label(v)
	}
	if v := keys["value"]; v != nil {
		r.value = p.template(m, v, scopeTop)
	}
	if v := keys["if"]; v != nil {
		r.cond = p.conds(m, v)
	}
	return r, true
}

func (p *parser) label(n *yaml.Node) string {
	s := p.line(n, "label", 80)
	if strings.Contains(s, "{{") {
		p.errf(n, "labels are plain text; placeholders belong in values")
	} else if err := titleCaseProblem(s); err != nil {
		p.errf(n, "%v", err)
	}
	return s
}

func (p *parser) table(m *Module, n *yaml.Node) *tableSpec {
	keys := p.mapping(n, "source", "columns")
	if keys == nil {
		return nil
	}
	p.require(n, keys, "source", "columns")
	t := &tableSpec{}
	if v := keys["source"]; v != nil {
		t.source = strings.Join(p.rewrite(strings.Split(p.str(v), ".")), ".")
		if msg := m.checkTableSource(t.source); msg != "" {
			p.errf(v, "table source %q: %s", t.source, msg)
		} else {
			p.use(strings.Split(t.source, "."))
		}
	}
	if v := keys["columns"]; v != nil {
		for _, c := range p.seq(v, "columns") {
			if c.Kind != yaml.MappingNode || len(c.Content) != 2 {
				p.errf(c, "a column is one \"Header: value\" pair")
				continue
			}
			t.columns = append(t.columns, column{header: p.label(c.Content[0]),
				value: p.template(m, deref(c.Content[1]), scopeItem)})
		}
		if len(t.columns) == 0 {
			p.errf(v, "a table needs at least one column")
		}
	}
	return t
}

func (p *parser) template(m *Module, n *yaml.Node, sc scope) tmpl {
	s := p.str(n)
	t, err := parseTemplate(s)
	if err != nil {
		p.errf(n, "%v", err)
		return tmpl{}
	}
	if strings.TrimSpace(s) == "" && sc == scopeTop {
		p.errf(n, "empty text")
	}
	for _, ph := range t.placeholders() {
		if sc == scopeTop {
			for i := range ph.paths {
				ph.paths[i] = p.rewrite(ph.paths[i])
			}
		}
		for _, path := range ph.paths {
			if err := m.checkPath(path, sc); err != nil {
				p.errf(n, "unknown placeholder {{%s}}: %v", ph.raw, err)
			} else if sc == scopeTop {
				p.use(path)
			}
		}
	}
	return t
}

// use records that the body refers to a role or field.
func (p *parser) use(path []string) {
	if path[0] == "field" && len(path) > 1 {
		p.used[FieldKey(path[1])] = true
	} else {
		p.used[path[0]] = true
	}
}

// checkUsed reports fields and roles the body never shows: a value the
// clerk must type but no letter prints is a mistake in the module file.
func (p *parser) checkUsed(m *Module) {
	for _, s := range m.Subjects {
		if !p.used[s.Role] {
			p.errf(&yaml.Node{Line: s.line}, "role %s is never used in the body", s.Role)
		}
	}
	for _, f := range m.Fields {
		if !p.used[FieldKey(f.Name)] {
			p.errf(&yaml.Node{Line: f.line}, "field %s is never used in the body", f.Name)
		}
	}
}

// conds reads an "if": one condition, or a list that must all hold.
func (p *parser) conds(m *Module, n *yaml.Node) []*cond {
	var out []*cond
	for _, src := range p.strs(n, "if") {
		c, err := parseCond(src)
		if err != nil {
			p.errf(n, "if %q: %v", src, err)
			continue
		}
		c.path = p.rewrite(c.path)
		if err := m.checkCond(c); err != nil {
			p.errf(n, "if %q: %v", src, err)
			continue
		}
		p.use(c.path)
		out = append(out, c)
	}
	return out
}
