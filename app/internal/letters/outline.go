package letters

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The template editor's side panel shows the common parts of a module
// file as form inputs: title, description, kode surat, validity, online
// offer, requirements, the letter's paragraphs and data rows, its fields,
// and a new field. Outline reads them from the file; ApplyOutline writes
// the changed ones back into the text of the file, line by line, so that
// everything else (comments, blank lines, line breaks of other paragraphs)
// stays as it was and the version diff shows only what the panel changed.
// The result is read again and compared with what was asked; a file whose
// layout the panel cannot edit safely is refused with ErrOutline, never
// saved half-changed.

// Outline is the part of a module file the side panel edits.
type Outline struct {
	Title, Description, Klasifikasi, Validity string
	Online                                    bool
	Requirements                              []string
	Paragraphs                                []OutlineParagraph
	Rows                                      []OutlineRow
	Fields                                    []OutlineField
}

// OutlineParagraph is a paragraph of the letter's body (not of a form).
type OutlineParagraph struct {
	Block int // index in body, from 0
	Text  string
}

// OutlineRow is a "Label: value" row of a rows block of the body. The
// label of a Short row ("Nama: ..." rather than label:, value:) is its
// YAML key and cannot be changed from the panel.
type OutlineRow struct {
	Block, Row   int // index in body and in the block's rows, from 0
	Label, Value string
	Short        bool
}

// OutlineField is one field of the module.
type OutlineField struct {
	Name, Label, Type string
	Required          bool
	Hint              string
}

// NewField is a field the panel adds. It is shown as a row at the end of
// the body's last rows block (only when filled in, unless required).
type NewField struct {
	Name, Label, Type string
	Required          bool
	Example, Hint     string
}

// ErrOutline means the panel cannot apply a change to this file (its
// layout is unusual, or the file changed since the panel was shown); the
// file can still be edited as YAML.
var ErrOutline = errors.New("letters: the side panel cannot edit this file")

// outlineDoc is a parsed file with the nodes of its outline.
type outlineDoc struct {
	lines []string
	root  *yaml.Node
	keys  map[string][2]*yaml.Node // top-level key -> key, value
}

func readOutlineDoc(src []byte) (*outlineDoc, error) {
	if len(src) > MaxModuleBytes {
		return nil, fmt.Errorf("%w: file too large", ErrOutline)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutline, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: not a mapping", ErrOutline)
	}
	d := &outlineDoc{lines: strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n"),
		root: doc.Content[0], keys: map[string][2]*yaml.Node{}}
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		d.keys[d.root.Content[i].Value] = [2]*yaml.Node{d.root.Content[i], d.root.Content[i+1]}
	}
	return d, nil
}

// value is the value node of key in mapping n, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// rowNodes returns the label and value nodes of a row item (short or long
// form), or nils.
func rowNodes(item *yaml.Node) (label, val *yaml.Node, short bool) {
	if item.Kind != yaml.MappingNode {
		return nil, nil, false
	}
	if len(item.Content) == 2 && item.Content[0].Value != "label" {
		if item.Content[1].Kind != yaml.ScalarNode {
			return nil, nil, false
		}
		return item.Content[0], item.Content[1], true
	}
	l, v := value(item, "label"), value(item, "value")
	if l == nil || v == nil || l.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
		return nil, nil, false
	}
	return l, v, false
}

// OutlineOf reads the side panel's part of a module file. The file needs
// to be YAML, not a valid module.
func OutlineOf(src []byte) (*Outline, error) {
	d, err := readOutlineDoc(src)
	if err != nil {
		return nil, err
	}
	return d.outline(), nil
}

func (d *outlineDoc) outline() *Outline {
	o := &Outline{}
	o.Title = scalar(d.keys["title"][1])
	o.Description = scalar(d.keys["description"][1])
	o.Klasifikasi = scalar(d.keys["klasifikasi"][1])
	o.Validity = scalar(d.keys["validity"][1])
	o.Online = scalar(d.keys["online"][1]) == "true"
	if r := d.keys["requirements"][1]; r != nil {
		if r.Kind == yaml.SequenceNode {
			for _, c := range r.Content {
				o.Requirements = append(o.Requirements, scalar(c))
			}
		} else {
			o.Requirements = []string{scalar(r)}
		}
	}
	if body := d.keys["body"][1]; body != nil && body.Kind == yaml.SequenceNode {
		for bi, b := range body.Content {
			if p := value(b, "paragraph"); p != nil && p.Kind == yaml.ScalarNode {
				o.Paragraphs = append(o.Paragraphs, OutlineParagraph{Block: bi, Text: strings.Join(strings.Fields(p.Value), " ")})
			}
			rows := value(b, "rows")
			if rows == nil || rows.Kind != yaml.SequenceNode {
				continue
			}
			for ri, item := range rows.Content {
				if l, v, short := rowNodes(item); l != nil {
					o.Rows = append(o.Rows, OutlineRow{Block: bi, Row: ri, Label: l.Value, Value: v.Value, Short: short})
				}
			}
		}
	}
	if fields := d.keys["fields"][1]; fields != nil && fields.Kind == yaml.SequenceNode {
		for _, f := range fields.Content {
			o.Fields = append(o.Fields, OutlineField{Name: scalar(value(f, "name")), Label: scalar(value(f, "label")),
				Type: scalar(value(f, "type")), Required: scalar(value(f, "required")) == "true",
				Hint: scalar(value(f, "hint"))})
		}
	}
	return o
}

// textEdit replaces lines [from, to] (from 1; to = from-1 inserts before
// from) with lines.
type textEdit struct {
	from, to int
	lines    []string
}

// ApplyOutline writes want, an outline of src with some values changed,
// into src, and adds add when it is not nil. Values equal to src's are not
// touched. The result is not checked as a module (the caller saves it
// through ParseModule like any edit); errors are ErrOutline.
func ApplyOutline(src []byte, want Outline, add *NewField) ([]byte, error) {
	d, err := readOutlineDoc(src)
	if err != nil {
		return nil, err
	}
	cur := d.outline()
	if len(want.Paragraphs) != len(cur.Paragraphs) || len(want.Rows) != len(cur.Rows) ||
		len(want.Fields) != len(cur.Fields) {
		return nil, fmt.Errorf("%w: the file changed since the panel was shown", ErrOutline)
	}
	want.normalise()
	var edits []textEdit
	top := func(key, old, nw string) error {
		if old == nw {
			return nil
		}
		kv := d.keys[key]
		if kv[1] == nil {
			return fmt.Errorf("%w: no %s key", ErrOutline, key)
		}
		e, err := d.replaceScalar(kv[0], kv[1], nw, asText)
		edits = append(edits, e)
		return err
	}
	for _, f := range []struct{ key, old, nw string }{
		{"title", cur.Title, want.Title}, {"description", cur.Description, want.Description},
		{"klasifikasi", cur.Klasifikasi, want.Klasifikasi}, {"validity", cur.Validity, want.Validity},
	} {
		if err := top(f.key, f.old, f.nw); err != nil {
			return nil, err
		}
	}
	if want.Online != cur.Online {
		if kv := d.keys["online"]; kv[1] != nil {
			e, err := d.replaceScalar(kv[0], kv[1], strconv.FormatBool(want.Online), asRaw)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e)
		} else {
			edits = append(edits, d.insertTop("online: "+strconv.FormatBool(want.Online)))
		}
	}
	if !slices.Equal(want.Requirements, cur.Requirements) {
		e, err := d.requirementsEdit(want.Requirements)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	body := d.keys["body"][1]
	for i, p := range want.Paragraphs {
		if p.Text == cur.Paragraphs[i].Text {
			continue
		}
		b := body.Content[p.Block]
		e, err := d.replaceScalar(keyNode(b, "paragraph"), value(b, "paragraph"), p.Text, asParagraph)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	for i, r := range want.Rows {
		c := cur.Rows[i]
		if r == c {
			continue
		}
		item := value(body.Content[r.Block], "rows").Content[r.Row]
		l, v, short := rowNodes(item)
		if r.Label != c.Label {
			if short {
				return nil, fmt.Errorf("%w: rename the row %q in the YAML", ErrOutline, c.Label)
			}
			e, err := d.replaceScalar(keyNode(item, "label"), l, r.Label, asText)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e)
		}
		if r.Value != c.Value {
			k := item.Content[0]
			if !short {
				k = keyNode(item, "value")
			}
			e, err := d.replaceScalar(k, v, r.Value, asText)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e)
		}
	}
	if len(want.Fields) > 0 {
		fields := d.keys["fields"][1]
		for i, f := range want.Fields {
			fe, err := d.fieldEdits(fields.Content[i], cur.Fields[i], f)
			if err != nil {
				return nil, err
			}
			edits = append(edits, fe...)
		}
	}
	if add != nil {
		ae, err := d.addField(*add)
		if err != nil {
			return nil, err
		}
		edits = append(edits, ae...)
	}
	out := applyEdits(d.lines, edits)
	// Read the result back: it must hold exactly what was asked.
	got, err := OutlineOf(out)
	if err != nil {
		return nil, err
	}
	expect := want
	if add != nil {
		expect.Fields = append(slices.Clone(want.Fields), OutlineField{Name: add.Name, Label: add.Label,
			Type: add.Type, Required: add.Required, Hint: add.Hint})
		expect.Rows = nil
		got.Rows = nil // the new row moves no old one; checked by the caller's parse
	}
	if !reflect.DeepEqual(got.comparable(), expect.comparable()) {
		return nil, fmt.Errorf("%w: the result does not read back as asked", ErrOutline)
	}
	return out, nil
}

// normalise trims the outline's texts as the panel's inputs send them.
func (o *Outline) normalise() {
	o.Title, o.Description = strings.TrimSpace(o.Title), strings.TrimSpace(o.Description)
	o.Klasifikasi, o.Validity = strings.TrimSpace(o.Klasifikasi), strings.TrimSpace(o.Validity)
	var reqs []string
	for _, r := range o.Requirements {
		if r = strings.TrimSpace(r); r != "" {
			reqs = append(reqs, r)
		}
	}
	o.Requirements = reqs
	for i := range o.Paragraphs {
		o.Paragraphs[i].Text = strings.Join(strings.Fields(o.Paragraphs[i].Text), " ")
	}
	for i := range o.Rows {
		o.Rows[i].Label, o.Rows[i].Value = strings.TrimSpace(o.Rows[i].Label), strings.TrimSpace(o.Rows[i].Value)
	}
	for i := range o.Fields {
		o.Fields[i].Label, o.Fields[i].Hint = strings.TrimSpace(o.Fields[i].Label), strings.TrimSpace(o.Fields[i].Hint)
	}
}

// comparable is o with nil and empty lists alike.
func (o *Outline) comparable() Outline {
	c := *o
	if len(c.Requirements) == 0 {
		c.Requirements = nil
	}
	if len(c.Paragraphs) == 0 {
		c.Paragraphs = nil
	}
	if len(c.Rows) == 0 {
		c.Rows = nil
	}
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	return c
}

// keyNode is the key node of key in mapping n.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

func indentOf(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

func blank(line string) bool { return strings.TrimSpace(line) == "" }

// scalarEnd is the last line (from 1) of the scalar v whose key is k.
func (d *outlineDoc) scalarEnd(k, v *yaml.Node) (int, error) {
	start := v.Line
	keyIndent := k.Column - 1
	switch v.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		end := start
		for l := start + 1; l <= len(d.lines); l++ {
			line := d.lines[l-1]
			if blank(line) {
				continue
			}
			if indentOf(line) <= keyIndent {
				break
			}
			end = l
		}
		return end, nil
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := byte('"')
		if v.Style == yaml.SingleQuotedStyle {
			q = '\''
		}
		col := v.Column // 1-based column of the opening quote
		for l := start; l <= len(d.lines); l++ {
			line := d.lines[l-1]
			from := 0
			if l == start {
				from = col
			}
			for i := from; i < len(line); i++ {
				switch {
				case q == '"' && line[i] == '\\':
					i++
				case line[i] == q && q == '\'' && i+1 < len(line) && line[i+1] == '\'':
					i++
				case line[i] == q:
					return l, nil
				}
			}
		}
		return 0, fmt.Errorf("%w: unclosed quote on line %d", ErrOutline, start)
	}
	end := start
	for l := start + 1; l <= len(d.lines); l++ {
		line := d.lines[l-1]
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || indentOf(line) <= keyIndent {
			break
		}
		end = l
	}
	return end, nil
}

// How replaceScalar writes a value.
type writeMode int

const (
	asText      writeMode = iota // one line, plain where that reads back the same, else quoted
	asParagraph                  // a folded block of lines up to 88 characters
	asRaw                        // as given (true, false)
)

// replaceScalar writes nw as the value v of key k.
func (d *outlineDoc) replaceScalar(k, v *yaml.Node, nw string, mode writeMode) (textEdit, error) {
	if k == nil || v == nil || v.Kind != yaml.ScalarNode || v.Line < 1 || v.Line > len(d.lines) {
		return textEdit{}, fmt.Errorf("%w: no value to change", ErrOutline)
	}
	end, err := d.scalarEnd(k, v)
	if err != nil {
		return textEdit{}, err
	}
	first := d.lines[v.Line-1]
	if v.Column-1 > len(first) {
		return textEdit{}, fmt.Errorf("%w: value out of its line", ErrOutline)
	}
	prefix := first[:v.Column-1]
	if k.Line != v.Line {
		// The value starts on a line of its own: keep its indentation.
		prefix = strings.Repeat(" ", v.Column-1)
	}
	if mode == asParagraph {
		indent := k.Column - 1 + 2
		for l := v.Line + 1; l <= end; l++ {
			if !blank(d.lines[l-1]) {
				indent = indentOf(d.lines[l-1])
				break
			}
		}
		lines := []string{prefix + ">-"}
		text := strings.TrimSuffix(wrap("", nw, max(88-indent, 40), ""), "\n")
		for _, w := range strings.Split(text, "\n") {
			lines = append(lines, strings.Repeat(" ", indent)+w)
		}
		return textEdit{from: v.Line, to: end, lines: lines}, nil
	}
	enc := nw
	if mode == asText {
		if enc, err = yamlScalar(nw); err != nil {
			return textEdit{}, err
		}
	}
	tail := ""
	if end == v.Line && v.Style != yaml.LiteralStyle && v.Style != yaml.FoldedStyle {
		tail = trailingComment(first, v)
	}
	return textEdit{from: v.Line, to: end, lines: []string{prefix + enc + tail}}, nil
}

// trailingComment is the " # ..." after a one-line plain or quoted value.
func trailingComment(line string, v *yaml.Node) string {
	if v.LineComment == "" {
		return ""
	}
	if i := strings.LastIndex(line, " "+v.LineComment); i >= 0 {
		return line[i:]
	}
	return ""
}

var plainSafe = regexp.MustCompile(`^[A-Za-z0-9(][^:#{}\[\]&*!|>'"%@` + "`" + `,]*$`)

// yamlScalar is s as a one-line YAML scalar: plain when that reads back
// as the same string, else double-quoted.
func yamlScalar(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%w: a value must be one line", ErrOutline)
	}
	if s != "" && plainSafe.MatchString(s) && !strings.HasSuffix(s, " ") {
		var back string
		if yaml.Unmarshal([]byte("v: "+s), &struct {
			V *string `yaml:"v"`
		}{V: &back}) == nil && back == s {
			var n yaml.Node
			if yaml.Unmarshal([]byte(s), &n) == nil && len(n.Content) == 1 && n.Content[0].Tag == "!!str" {
				return s, nil
			}
		}
	}
	return strconv.Quote(s), nil
}

// nodeEnd is the last line (from 1) that node n, whose key is k (nil for
// list items), occupies.
func (d *outlineDoc) nodeEnd(k, n *yaml.Node) (int, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if k == nil {
			// A list item: its key column is the dash's.
			k = &yaml.Node{Line: n.Line, Column: max(1, n.Column-2)}
		}
		return d.scalarEnd(k, n)
	case yaml.MappingNode:
		if len(n.Content) == 0 || n.Style&yaml.FlowStyle != 0 {
			return d.flowEnd(n)
		}
		last := len(n.Content) - 2
		return d.nodeEnd(n.Content[last], n.Content[last+1])
	case yaml.SequenceNode:
		if len(n.Content) == 0 || n.Style&yaml.FlowStyle != 0 {
			return d.flowEnd(n)
		}
		return d.nodeEnd(nil, n.Content[len(n.Content)-1])
	}
	return n.Line, nil
}

// flowEnd is the line where a flow collection ([a, b] or {a: b}) closes.
func (d *outlineDoc) flowEnd(n *yaml.Node) (int, error) {
	depth := 0
	for l := n.Line; l <= len(d.lines); l++ {
		line := d.lines[l-1]
		from := 0
		if l == n.Line {
			from = n.Column - 1
		}
		for i := from; i < len(line); i++ {
			switch line[i] {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return l, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("%w: unclosed list on line %d", ErrOutline, n.Line)
}

// insertTop adds a top-level line after the module's header keys.
func (d *outlineDoc) insertTop(lines ...string) textEdit {
	after := 0
	for _, key := range []string{"code", "title", "description", "klasifikasi", "validity", "online"} {
		kv := d.keys[key]
		if kv[1] == nil {
			continue
		}
		if end, err := d.nodeEnd(kv[0], kv[1]); err == nil && end > after {
			after = end
		}
	}
	return textEdit{from: after + 1, to: after, lines: lines}
}

// requirementsEdit rewrites (or adds, or removes) the requirements list.
func (d *outlineDoc) requirementsEdit(reqs []string) (textEdit, error) {
	var lines []string
	if len(reqs) > 0 {
		lines = append(lines, "requirements:")
		for _, r := range reqs {
			enc, err := yamlScalar(r)
			if err != nil {
				return textEdit{}, err
			}
			lines = append(lines, "  - "+enc)
		}
	}
	kv := d.keys["requirements"]
	if kv[1] == nil {
		return d.insertTop(lines...), nil
	}
	end, err := d.nodeEnd(kv[0], kv[1])
	if err != nil {
		return textEdit{}, err
	}
	return textEdit{from: kv[0].Line, to: end, lines: lines}, nil
}

// fieldEdits changes the label, required flag and hint of one field.
func (d *outlineDoc) fieldEdits(n *yaml.Node, cur, want OutlineField) ([]textEdit, error) {
	if want.Name != cur.Name || want.Type != cur.Type {
		return nil, fmt.Errorf("%w: rename a field or change its type in the YAML", ErrOutline)
	}
	var edits []textEdit
	keyIndent := strings.Repeat(" ", n.Column-1)
	if want.Label != cur.Label {
		e, err := d.replaceScalar(keyNode(n, "label"), value(n, "label"), want.Label, asText)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	after := func() (int, error) { // the line after which a new key goes: the end of label
		return d.nodeEnd(keyNode(n, "label"), value(n, "label"))
	}
	if want.Required != cur.Required {
		if v := value(n, "required"); v != nil {
			e, err := d.replaceScalar(keyNode(n, "required"), v, strconv.FormatBool(want.Required), asRaw)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e)
		} else {
			at, err := after()
			if err != nil {
				return nil, err
			}
			edits = append(edits, textEdit{from: at + 1, to: at, lines: []string{keyIndent + "required: true"}})
		}
	}
	if want.Hint != cur.Hint {
		v := value(n, "hint")
		switch {
		case v != nil && want.Hint == "":
			end, err := d.nodeEnd(keyNode(n, "hint"), v)
			if err != nil {
				return nil, err
			}
			edits = append(edits, textEdit{from: keyNode(n, "hint").Line, to: end})
		case v != nil:
			e, err := d.replaceScalar(keyNode(n, "hint"), v, want.Hint, asText)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e)
		default:
			enc, err := yamlScalar(want.Hint)
			if err != nil {
				return nil, err
			}
			at, err := after()
			if err != nil {
				return nil, err
			}
			edits = append(edits, textEdit{from: at + 1, to: at, lines: []string{keyIndent + "hint: " + enc}})
		}
	}
	return edits, nil
}

// addField adds f to fields and a row showing it to the body.
func (d *outlineDoc) addField(f NewField) ([]textEdit, error) {
	f.Name, f.Label = strings.TrimSpace(f.Name), strings.TrimSpace(f.Label)
	f.Example, f.Hint = strings.TrimSpace(f.Example), strings.TrimSpace(f.Hint)
	var kv []string
	for _, p := range [][2]string{{"name", f.Name}, {"label", f.Label}, {"type", f.Type}} {
		enc, err := yamlScalar(p[1])
		if err != nil {
			return nil, err
		}
		kv = append(kv, p[0]+": "+enc)
	}
	if f.Required {
		kv = append(kv, "required: true")
	}
	for _, p := range [][2]string{{"hint", f.Hint}, {"example", f.Example}} {
		if p[1] == "" {
			continue
		}
		enc, err := yamlScalar(p[1])
		if err != nil {
			return nil, err
		}
		kv = append(kv, p[0]+": "+enc)
	}
	var edits []textEdit
	fields, body := d.keys["fields"], d.keys["body"]
	if body[1] == nil || body[1].Kind != yaml.SequenceNode || len(body[1].Content) == 0 {
		return nil, fmt.Errorf("%w: no body", ErrOutline)
	}
	if fields[1] != nil && fields[1].Kind == yaml.SequenceNode && len(fields[1].Content) > 0 {
		first := fields[1].Content[0]
		end, err := d.nodeEnd(fields[0], fields[1])
		if err != nil {
			return nil, err
		}
		edits = append(edits, textEdit{from: end + 1, to: end, lines: listItem(first.Column-3, kv)})
	} else if fields[1] == nil {
		lines := append([]string{"fields:"}, listItem(2, kv)...)
		edits = append(edits, textEdit{from: body[0].Line, to: body[0].Line - 1, lines: append(lines, "")})
	} else {
		return nil, fmt.Errorf("%w: fields is not a list", ErrOutline)
	}
	// The row: at the end of the body's last rows block, or a new block.
	label := f.Label
	if msg := titleCaseProblem(label); msg != nil {
		label = titleCase(label)
	}
	val, _ := yamlScalar("{{" + FieldKey(f.Name) + "}}")
	var row []string
	if f.Required {
		row = []string{strconv.Quote(label) + ": " + val}
		if enc, _ := yamlScalar(label); enc == label {
			row = []string{label + ": " + val}
		}
	} else {
		lab, _ := yamlScalar(label)
		row = []string{"label: " + lab, "value: " + val, "if: " + FieldKey(f.Name)}
	}
	var rows *yaml.Node
	for _, b := range body[1].Content {
		if r := value(b, "rows"); r != nil && r.Kind == yaml.SequenceNode && len(r.Content) > 0 {
			rows = r
		}
	}
	if rows != nil {
		end, err := d.nodeEnd(nil, rows)
		if err != nil {
			return nil, err
		}
		edits = append(edits, textEdit{from: end + 1, to: end, lines: listItem(rows.Content[0].Column-3, row)})
	} else {
		first := body[1].Content[0]
		end, err := d.nodeEnd(body[0], body[1])
		if err != nil {
			return nil, err
		}
		dash := first.Column - 3
		lines := []string{strings.Repeat(" ", dash) + "- rows:"}
		lines = append(lines, listItem(dash+4, row)...)
		edits = append(edits, textEdit{from: end + 1, to: end, lines: lines})
	}
	return edits, nil
}

// listItem writes a list item of key lines with its dash at column dash
// (from 0).
func listItem(dash int, lines []string) []string {
	dash = max(dash, 0)
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = strings.Repeat(" ", dash) + "- " + l
		} else {
			out[i] = strings.Repeat(" ", dash+2) + l
		}
	}
	return out
}

// titleCase writes each word of a label with a capital, except the small
// words titleCaseProblem allows.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if i > 0 && smallWords[strings.ToLower(w)] {
			words[i] = strings.ToLower(w)
			continue
		}
		r := []rune(w)
		words[i] = strings.ToUpper(string(r[:1])) + string(r[1:])
	}
	return strings.Join(words, " ")
}

// applyEdits applies non-overlapping edits to lines.
func applyEdits(lines []string, edits []textEdit) []byte {
	slices.SortStableFunc(edits, func(a, b textEdit) int { return b.from - a.from })
	out := slices.Clone(lines)
	for _, e := range edits {
		from, to := e.from-1, e.to
		out = slices.Concat(out[:from], e.lines, out[to:])
	}
	return []byte(strings.Join(out, "\n"))
}
