package letters

import (
	"sort"
	"strings"
	"unicode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"go.yaml.in/yaml/v3"
)

// Signature blocks and attached forms (lampiran) of a module: who signs
// besides the official, and which official forms follow the letter. Both
// are declared in the module file (keys "signatures" and "forms", see
// templates/letters/README.md) and evaluated with the same placeholders as
// the body.

// sigGroupSpec is one group of signature blocks: laid out two to a row,
// starting on a new row.
type sigGroupSpec struct {
	heading tmpl
	blocks  []sigBlockSpec
	cond    []*cond
}

// sigBlockSpec is one declared signature block. A block of a list role
// stands for one block per person of the list.
type sigBlockSpec struct {
	official bool
	role     string
	list     bool // role is a list: caption and below are in item scope
	caption  []tmpl
	name     tmpl // for a block without a role; empty prints a dotted line
	below    []tmpl
	materai  bool
	cond     []*cond
}

// formSpec is one attached form of a module.
type formSpec struct {
	code      string
	reference []string
	header    []rowSpec
	title     tmpl
	number    bool
	body      []block
	sigs      []sigGroupSpec
	cond      []*cond
}

// newResidentSpec says which typed person of a signed letter may be added
// to the register (a newborn), and whose KK and names to take.
type newResidentSpec struct {
	role, father, mother string
}

func countOfficial(gs []sigGroupSpec) int {
	n := 0
	for _, g := range gs {
		for _, b := range g.blocks {
			if b.official {
				n++
			}
		}
	}
	return n
}

// signatureGroups reads a list of signature groups.
func (p *parser) signatureGroups(m *Module, n *yaml.Node, key string) []sigGroupSpec {
	var out []sigGroupSpec
	for _, item := range p.seq(n, key) {
		keys := p.mapping(item, "heading", "blocks", "if")
		if keys == nil {
			continue
		}
		p.require(item, keys, "blocks")
		var g sigGroupSpec
		if v := keys["heading"]; v != nil {
			g.heading = p.template(m, v, scopeTop)
		}
		if v := keys["if"]; v != nil {
			g.cond = p.conds(m, v)
		}
		if v := keys["blocks"]; v != nil {
			for _, b := range p.seq(v, "blocks") {
				if blk, ok := p.signatureBlock(m, b); ok {
					g.blocks = append(g.blocks, blk)
				}
			}
			if len(g.blocks) == 0 {
				p.errf(v, "a signature group needs at least one block")
			}
		}
		out = append(out, g)
	}
	return out
}

func (p *parser) signatureBlock(m *Module, n *yaml.Node) (sigBlockSpec, bool) {
	keys := p.mapping(n, "official", "role", "caption", "name", "below", "materai", "if")
	if keys == nil {
		return sigBlockSpec{}, false
	}
	var b sigBlockSpec
	if v := keys["official"]; v != nil {
		b.official = p.bool(v)
		if !b.official {
			p.errf(v, "official: false is the default; leave the key out")
		}
		for _, k := range []string{"role", "name", "below", "materai"} {
			if keys[k] != nil {
				p.errf(keys[k], "the official's block takes its name, office and NIP from the signer; %s is not allowed", k)
			}
		}
	}
	sc := scopeTop
	if v := keys["role"]; v != nil {
		b.role = p.rewriteRole(p.str(v))
		s := m.Subject(b.role)
		switch {
		case s == nil:
			p.errf(v, "role %q is not a subject of this module", b.role)
		default:
			p.use([]string{b.role})
			if s.Kind.IsList() {
				b.list, sc = true, scopeItem
			}
		}
		if keys["name"] != nil {
			p.errf(keys["name"], "a block with a role prints that person's name; name is for blocks without a role")
		}
	}
	if v := keys["caption"]; v != nil {
		for _, c := range p.seqOrOne(v) {
			b.caption = append(b.caption, p.template(m, c, sc))
		}
	}
	if v := keys["name"]; v != nil {
		b.name = p.template(m, v, scopeTop)
	}
	if v := keys["below"]; v != nil {
		for _, c := range p.seqOrOne(v) {
			b.below = append(b.below, p.template(m, c, sc))
		}
	}
	if v := keys["materai"]; v != nil {
		b.materai = p.bool(v)
	}
	if v := keys["if"]; v != nil {
		b.cond = p.conds(m, v)
	}
	if !b.official && b.role == "" && keys["caption"] == nil {
		p.errf(n, "a signature block needs official: true, a role or a caption")
	}
	return b, true
}

// seqOrOne returns the items of a list node, or the node itself.
func (p *parser) seqOrOne(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return p.seq(n, "list")
	}
	return []*yaml.Node{n}
}

// form reads one attached form.
func (p *parser) form(m *Module, n *yaml.Node) (formSpec, bool) {
	keys := p.mapping(n, "code", "reference", "roles", "header", "title", "number", "body", "signatures", "if")
	if keys == nil {
		return formSpec{}, false
	}
	p.require(n, keys, "code", "title", "body")
	var f formSpec
	f.code = p.line(keys["code"], "code", 30)
	if v := keys["reference"]; v != nil {
		for _, r := range p.strs(v, "reference") {
			if strings.TrimSpace(r) == "" || strings.Contains(r, "{{") {
				p.errf(v, "reference lines are plain, non-empty text")
			}
			f.reference = append(f.reference, strings.TrimSpace(r))
		}
	}
	saved := p.alias
	defer func() { p.alias = saved }()
	if v := keys["roles"]; v != nil {
		p.alias = p.aliases(m, v)
	}
	if v := keys["if"]; v != nil {
		f.cond = p.conds(m, v)
	}
	if v := keys["header"]; v != nil {
		for _, r := range p.seq(v, "header") {
			if row, ok := p.row(m, r); ok {
				f.header = append(f.header, row)
			}
		}
	}
	if v := keys["title"]; v != nil {
		f.title = p.template(m, v, scopeTop)
	}
	if v := keys["number"]; v != nil {
		f.number = p.bool(v)
	}
	if v := keys["body"]; v != nil {
		for _, item := range p.seq(v, "body") {
			if b, ok := p.block(m, item); ok {
				f.body = append(f.body, b)
			}
		}
	}
	if v := keys["signatures"]; v != nil {
		f.sigs = p.signatureGroups(m, v, "signatures")
		if countOfficial(f.sigs) > 1 {
			p.errf(v, "signatures: the official's block (official: true) may appear once")
		}
	}
	return f, true
}

// aliases reads a form's "roles": short names for roles and fields, so one
// form can be declared once and attached for two people (model N1 for the
// groom and for the bride): {calon: calon_suami, field.bin: field.bin_suami}.
func (p *parser) aliases(m *Module, n *yaml.Node) map[string][]string {
	if n.Kind != yaml.MappingNode {
		p.errf(n, "roles must be a mapping of short names to roles or fields (calon: calon_suami)")
		return nil
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		key, val := k.Value, p.str(v)
		kp, vp := strings.Split(key, "."), strings.Split(val, ".")
		switch {
		case !pathRe.MatchString(key) || !pathRe.MatchString(val):
			p.errf(k, "roles: %q: %q must be names such as calon or field.bin", key, val)
		case len(kp) == 1 && (reserved[key] || m.Subject(key) != nil):
			p.errf(k, "roles: %q is already a role or a reserved name", key)
		case len(kp) == 1 && (len(vp) != 1 || m.Subject(val) == nil):
			p.errf(v, "roles: %s must name a role of this module, not %q", key, val)
		case len(kp) == 2 && kp[0] == "field" && (len(vp) != 2 || vp[0] != "field" || m.Field(vp[1]) == nil):
			p.errf(v, "roles: %s must name a field (field.<name>), not %q", key, val)
		case len(kp) == 2 && kp[0] == "field" && m.Field(kp[1]) != nil:
			p.errf(k, "roles: %s is already a field", key)
		case len(kp) > 2 || (len(kp) == 2 && kp[0] != "field"):
			p.errf(k, "roles: %q must be a short role name or field.<name>", key)
		default:
			out[key] = vp
		}
	}
	return out
}

// rewrite replaces an alias at the start of path (see aliases).
func (p *parser) rewrite(path []string) []string {
	if len(p.alias) == 0 {
		return path
	}
	for k := 2; k >= 1; k-- {
		if len(path) < k {
			continue
		}
		if to, ok := p.alias[strings.Join(path[:k], ".")]; ok {
			return append(append([]string(nil), to...), path[k:]...)
		}
	}
	return path
}

func (p *parser) rewriteRole(role string) string {
	return strings.Join(p.rewrite([]string{role}), ".")
}

// newResident reads new_resident: {role, father, mother}.
func (p *parser) newResident(m *Module, n *yaml.Node) *newResidentSpec {
	keys := p.mapping(n, "role", "father", "mother")
	if keys == nil {
		return nil
	}
	p.require(n, keys, "role")
	spec := &newResidentSpec{}
	check := func(key string, dst *string, sex int) {
		v := keys[key]
		if v == nil {
			return
		}
		*dst = p.str(v)
		s := m.Subject(*dst)
		switch {
		case s == nil:
			p.errf(v, "new_resident: %s %q is not a subject of this module", key, *dst)
		case s.Kind != KindPerson:
			p.errf(v, "new_resident: %s must be a single person (kind person)", key)
		case sex != 0 && s.Sex != sex:
			p.errf(v, "new_resident: %s must be a role restricted to sex %s", key, strings.ToLower(surat.Sex.Label(sex)))
		}
	}
	check("role", &spec.role, 0)
	check("father", &spec.father, surat.SexMale)
	check("mother", &spec.mother, surat.SexFemale)
	if s := m.Subject(spec.role); s != nil && len(s.TypedRequired) < 3 {
		p.errf(keys["role"], "new_resident: role %s needs typed_required: [jenis_kelamin, tempat_lahir, tanggal_lahir]", spec.role)
	}
	return spec
}

// typedAttrLabels are the attributes of a typed person that typed_required
// may name, with the form labels of their messages.
var typedAttrLabels = map[string]string{
	"nik": "NIK", "jenis_kelamin": "Jenis kelamin", "tempat_lahir": "Tempat lahir",
	"tanggal_lahir": "Tanggal lahir", "agama": "Agama", "pekerjaan": "Pekerjaan",
	"kewarganegaraan": "Kewarganegaraan", "alamat": "Alamat",
}

func typedAttrNames() string {
	var names []string
	for k := range typedAttrLabels {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// typedMissing reports the attributes typed_required names that a typed
// person lacks.
func typedMissing(s *SubjectSpec, ps *surat.Person, p surat.Problems, key string) {
	for _, a := range s.TypedRequired {
		missing := false
		switch a {
		case "nik":
			missing = ps.NIK == ""
		case "jenis_kelamin":
			missing = ps.Sex == 0
		case "tempat_lahir":
			missing = strings.TrimSpace(ps.BirthPlace) == ""
		case "tanggal_lahir":
			missing = ps.BirthDate.IsZero()
		case "agama":
			missing = ps.Religion == 0
		case "pekerjaan":
			missing = ps.Occupation == 0
		case "kewarganegaraan":
			missing = ps.Citizenship == 0
		case "alamat":
			missing = strings.TrimSpace(ps.Address) == ""
		}
		if missing {
			verb := " wajib diisi"
			switch a {
			case "jenis_kelamin", "agama", "pekerjaan", "kewarganegaraan":
				verb = " wajib dipilih"
			}
			p.Add(key+"."+a, typedAttrLabels[a]+verb)
		}
	}
}

// smallWords may stay lower case inside a Title Case label.
var smallWords = map[string]bool{"dan": true, "atau": true, "di": true, "ke": true, "dari": true, "yang": true,
	"dengan": true, "untuk": true, "pada": true, "bagi": true, "dalam": true, "oleh": true, "per": true,
	"serta": true, "sampai": true, "kepada": true, "tentang": true, "bin": true, "binti": true, "sebagai": true, "antara": true}

// titleCaseProblem returns why a letter label is not in Title Case
// ("Tempat/Tanggal Lahir", "Hubungan dengan Bayi"), or nil.
func titleCaseProblem(label string) error {
	words := strings.FieldsFunc(label, func(r rune) bool { return r == ' ' || r == '/' || r == '(' || r == '-' })
	for i, w := range words {
		r := []rune(w)
		if len(r) == 0 || !unicode.IsLetter(r[0]) || unicode.IsUpper(r[0]) {
			continue
		}
		if i > 0 && smallWords[strings.ToLower(strings.Trim(w, ".,:)"))] {
			continue
		}
		if len(r) == 2 && r[1] == '.' { // an enumerator such as "a."
			continue
		}
		return msgf("label %q: write labels in Title Case (%q)", label, w)
	}
	return nil
}

// signatures evaluates signature groups: blocks whose condition fails, and
// blocks of roles not given, are left out; so is a group left empty.
func (e *env) signatures(specs []sigGroupSpec) []surat.SignatureGroup {
	var out []surat.SignatureGroup
	for _, g := range specs {
		if !e.condsTrue(g.cond) {
			continue
		}
		var grp surat.SignatureGroup
		if len(g.heading.segs) > 0 {
			grp.Heading, _ = e.render(g.heading, scopeTop, nil, 0)
		}
		for _, b := range g.blocks {
			if !e.condsTrue(b.cond) {
				continue
			}
			switch {
			case b.official:
				grp.Blocks = append(grp.Blocks, surat.SignatureBlock{Official: true, Caption: e.texts(b.caption, nil, 0)})
			case b.list:
				for i, item := range e.many[b.role] {
					grp.Blocks = append(grp.Blocks, surat.SignatureBlock{Caption: e.texts(b.caption, item, i+1),
						Name: item.name(), Below: e.texts(b.below, item, i+1), Materai: b.materai})
				}
			case b.role != "":
				v := e.one[b.role]
				if v == nil {
					continue
				}
				grp.Blocks = append(grp.Blocks, surat.SignatureBlock{Caption: e.texts(b.caption, nil, 0),
					Name: v.name(), Below: e.texts(b.below, nil, 0), Materai: b.materai})
			default:
				name := ""
				if len(b.name.segs) > 0 {
					if v, empty := e.render(b.name, scopeTop, nil, 0); !empty {
						name = v
					}
				}
				grp.Blocks = append(grp.Blocks, surat.SignatureBlock{Caption: e.texts(b.caption, nil, 0),
					Name: name, Below: e.texts(b.below, nil, 0), Materai: b.materai})
			}
		}
		if len(grp.Blocks) > 0 {
			out = append(out, grp)
		}
	}
	return out
}

// texts renders a list of one-line templates; item is set for a list
// role's block (item scope).
func (e *env) texts(ts []tmpl, item *partyView, no int) []string {
	var out []string
	sc := scopeTop
	if item != nil {
		sc = scopeItem
	}
	for _, t := range ts {
		s, _ := e.render(t, sc, item, no)
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// forms evaluates the attached forms whose condition holds.
func (e *env) forms() []surat.AttachedForm {
	var out []surat.AttachedForm
	for _, f := range e.m.forms {
		if !e.condsTrue(f.cond) {
			continue
		}
		title, _ := e.render(f.title, scopeTop, nil, 0)
		a := surat.AttachedForm{Code: f.code, Reference: f.reference, Title: strings.TrimSpace(title),
			Blocks: e.evalBlocks(f.body), Signatures: e.signatures(f.sigs)}
		if f.number {
			a.Number = e.number
			if a.Number == "" {
				a.Number = "....../....../......"
			}
		}
		a.Header = e.evalRows(f.header)
		out = append(out, a)
	}
	return out
}
