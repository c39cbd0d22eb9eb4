package web

import (
	"bytes"
	"fmt"
	"html/template"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
	"unsafe"
)

// A skeleton is a page's template output with holes where its strings go.
// The verification page is rendered for every scan of a QR code, and
// html/template spends most of the page's time on reflection and escaping,
// one action at a time. The page's output depends on its data only through
// the strings printed, whether strings and pointers are empty, and the
// booleans and numbers the template tests (its "shape"); so per shape the
// template runs once, with each string replaced by a marker, and the output
// is split at the markers. Serving a page of a known shape is then writing
// the pieces with the values escaped as html/template escapes them in that
// place.
//
// Nothing is taken on trust. A page whose templates call a function on a
// value (eq, len, printf...) depends on more than the shape and is never
// served this way (valueFree). Every new skeleton is checked by rendering
// the same data with its own values and with nasty probe strings through
// the template and through the skeleton; a skeleton that does not give the
// very same bytes is never used for its shape, and a value it cannot escape
// exactly (a URL with characters outside the plain set) sends that one
// request through the template. skeleton_test.go compares the two
// renderings of the verification page over every shape.

// skeletonSet holds the skeletons of one page, by shape.
type skeletonSet struct {
	t    *template.Template
	name string // the template executed, "layout"

	mu     sync.RWMutex
	shapes map[string]*skeleton // nil: the shape cannot be served this way
}

// skeleton is one shape's output: parts[0] slot[0] parts[1] ... parts[n].
type skeleton struct {
	parts []string
	slots []skeletonSlot
	gz    *gzPlan // the parts compressed ahead (skeleton_gzip.go)
}

// skeletonSlot is where one string goes, and how it is escaped there.
type skeletonSlot struct {
	leaf int // index into the data's string leaves
	url  bool
}

// newSkeletonSet prepares the skeletons of template t executed as name, or
// returns nil when t's output depends on values in ways a shape cannot
// capture.
func newSkeletonSet(t *template.Template, name string) *skeletonSet {
	if !valueFree(t, name) {
		return nil
	}
	return &skeletonSet{t: t, name: name, shapes: map[string]*skeleton{}}
}

// valueFree reports whether no template that executing name reaches passes
// a value of the data to a function (other than html/template's own
// escapers, which it adds to every printed value): such a call (eq .Status
// "ASLI", len .Items) could change the output with a value the shape does
// not record.
func valueFree(t *template.Template, name string) bool {
	ok := true
	seen := map[string]bool{}
	var visit func(n parse.Node)
	reach := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		if tt := t.Lookup(name); tt != nil && tt.Tree != nil {
			visit(tt.Tree.Root)
		}
	}
	visit = func(n parse.Node) {
		if n == nil || !ok {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					visit(c)
				}
			}
		case *parse.ActionNode:
			visit(n.Pipe)
		case *parse.IfNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.WithNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.RangeNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.TemplateNode:
			visit(n.Pipe)
			reach(n.Name)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, cmd := range n.Cmds {
				fn, isFn := cmd.Args[0].(*parse.IdentifierNode)
				if !isFn || strings.HasPrefix(fn.Ident, "_html_template_") {
					continue
				}
				for _, a := range cmd.Args[1:] {
					switch a.(type) {
					case *parse.FieldNode, *parse.VariableNode, *parse.ChainNode, *parse.PipeNode, *parse.DotNode:
						ok = false
					}
				}
			}
		}
	}
	reach(name)
	return ok
}

// render writes data's page to buf and reports whether it could; when it
// could not (a shape that does not split, a value it cannot escape), buf is
// unchanged and the caller executes the template itself. With gz, a page
// of at least gzipMinSize bytes is also written to gz as a gzip member.
func (ss *skeletonSet) render(buf, gz *bytes.Buffer, data any) bool {
	w := walks.Get().(*walk)
	defer w.release()
	if !w.collect(reflect.ValueOf(data)) {
		return false
	}
	ss.mu.RLock()
	sk, known := ss.shapes[string(w.key.Bytes())] // no copy of the key
	ss.mu.RUnlock()
	if !known {
		sk = ss.build(data)
		ss.mu.Lock()
		ss.shapes[w.key.String()] = sk
		ss.mu.Unlock()
	}
	if sk == nil {
		return false
	}
	for _, sl := range sk.slots {
		if sl.url && !plainURL(w.strs[sl.leaf].String()) {
			return false
		}
	}
	from := buf.Len()
	w.starts = sk.write(buf, func(leaf int) string { return w.strs[leaf].String() }, w.starts[:0])
	if gz != nil && buf.Len()-from >= gzipMinSize {
		for i := range w.starts {
			w.starts[i] -= from
		}
		sk.writeGzip(gz, buf.Bytes()[from:], w.starts)
	}
	return true
}

// write writes the skeleton with the string of each leaf, HTML-escaped (a
// plain URL needs nothing more), and returns starts with the offset in buf
// of each part appended.
func (sk *skeleton) write(buf *bytes.Buffer, value func(leaf int) string, starts []int) []int {
	for i, sl := range sk.slots {
		starts = append(starts, buf.Len())
		buf.WriteString(sk.parts[i])
		htmlEscapeTo(buf, value(sl.leaf))
	}
	starts = append(starts, buf.Len())
	buf.WriteString(sk.parts[len(sk.parts)-1])
	return starts
}

// build makes the skeleton of data's shape, or returns nil when the shape
// cannot be served from one. It works on a deep copy of data, whose
// strings it replaces: the data may share structures with other requests.
func (ss *skeletonSet) build(data any) *skeleton {
	cp := deepCopy(reflect.ValueOf(data))
	var w walk
	if !w.collect(cp) {
		return nil
	}
	real := make([]string, len(w.strs))
	for i, v := range w.strs {
		real[i] = v.String()
	}
	// Render once with a marker in every non-empty string.
	markers := make([]string, len(w.strs))
	var out bytes.Buffer
	if err := ss.execWith(cp, &w, func(i int) string { markers[i] = marker(i); return markers[i] }, &out); err != nil {
		return nil
	}
	page := out.String()
	sk := &skeleton{}
	for {
		at, leaf := -1, -1
		for i, m := range markers {
			if m == "" {
				continue
			}
			if j := strings.Index(page, m); j >= 0 && (at < 0 || j < at) {
				at, leaf = j, i
			}
		}
		if at < 0 {
			break
		}
		sk.parts = append(sk.parts, page[:at])
		sk.slots = append(sk.slots, skeletonSlot{leaf: leaf, url: inURLAttr(page[:at])})
		page = page[at+len(markers[leaf]):]
	}
	sk.parts = append(sk.parts, page)
	// Check it, with the real values and with nasty text (plain text for
	// URLs): the template and the skeleton must give the same bytes.
	url := map[int]bool{}
	for _, sl := range sk.slots {
		url[sl.leaf] = url[sl.leaf] || sl.url
	}
	for _, leaf := range sk.slots {
		if leaf.url && !plainURL(real[leaf.leaf]) {
			return nil
		}
	}
	probe := func(i int) string {
		if url[i] {
			return "/v/PROBE" + strconv.Itoa(i) + "?a=b#c"
		}
		return `Ab é+<"'&>` + "\x00 /?#%;:" + strconv.Itoa(i)
	}
	for _, values := range []func(int) string{func(i int) string { return real[i] }, probe} {
		var want, got bytes.Buffer
		if err := ss.execWith(cp, &w, values, &want); err != nil {
			return nil
		}
		sk.write(&got, values, nil)
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			return nil
		}
	}
	sk.gz = newGzPlan(sk.parts, planDeflate(sk.parts))
	return sk
}

// execWith executes the template on data (a deep copy walked by w) with
// its non-empty string leaves set to value(leaf).
func (ss *skeletonSet) execWith(data reflect.Value, w *walk, value func(int) string, out *bytes.Buffer) error {
	for i, v := range w.strs {
		if v.Len() != 0 {
			v.SetString(value(i))
		}
	}
	return ss.t.ExecuteTemplate(out, ss.name, data.Interface())
}

// deepCopy copies v, following pointers into new values, so that the copy's
// strings can be set without touching v's.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		cp := reflect.New(v.Type().Elem())
		cp.Elem().Set(deepCopy(v.Elem()))
		return cp
	case reflect.Struct:
		cp := reflect.New(v.Type()).Elem()
		cp.Set(v)
		for i := range v.NumField() {
			if f := fieldOf(cp, i); f.CanSet() {
				f.Set(deepCopy(fieldOf(v, i)))
			}
		}
		return cp
	}
	return v
}

// fieldOf is field i of struct v; of an addressable v, settable even when
// the field is unexported (an embedded basePage), since v is our own copy.
func fieldOf(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	if !f.CanSet() && v.CanAddr() {
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	}
	return f
}

// walk collects the string leaves of a page's data and its shape key.
type walk struct {
	strs   []reflect.Value // settable string leaves, in field order
	key    bytes.Buffer
	starts []int // where the skeleton's parts start in the page
}

// walks recycles the walks of render: a page has some sixty leaves, and
// growing their slice and key again for every scan was a fifth of the
// page's garbage.
var walks = sync.Pool{New: func() any { return new(walk) }}

// release empties w (keeping its capacity, dropping its references to the
// request's data) and puts it back in walks.
func (w *walk) release() {
	clear(w.strs)
	w.strs = w.strs[:0]
	w.key.Reset()
	walks.Put(w)
}

// collect walks v; it reports false for data it cannot key (a non-empty
// slice or map, an interface).
func (w *walk) collect(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			w.key.WriteByte('n')
			return true
		}
		w.key.WriteByte('p')
		return w.collect(v.Elem())
	case reflect.Struct:
		for _, i := range readFields(v.Type()) {
			if !w.collect(fieldOf(v, i)) {
				return false
			}
		}
		return true
	case reflect.String:
		w.strs = append(w.strs, v)
		if v.Len() == 0 {
			w.key.WriteByte('e')
		} else {
			w.key.WriteByte('s')
		}
		return true
	case reflect.Bool:
		w.key.WriteString(strconv.FormatBool(v.Bool())[:1])
		return true
	case reflect.Int, reflect.Int64, reflect.Int32:
		w.key.Write(strconv.AppendInt(w.key.AvailableBuffer(), v.Int(), 10))
		w.key.WriteByte(';')
		return true
	case reflect.Slice, reflect.Map:
		if v.Len() != 0 {
			return false
		}
		w.key.WriteByte('0')
		return true
	}
	return false
}

// templateFields holds readFields' answers, by struct type.
var templateFields sync.Map // reflect.Type -> []int

// readFields are the indexes of t's fields that templates read: the
// exported ones, and those of an embedded struct of an unexported type
// (basePage). They are found once per type: reflect's Field allocates,
// and walking a page's data asked it for every field of every scan.
func readFields(t reflect.Type) []int {
	if f, ok := templateFields.Load(t); ok {
		return f.([]int)
	}
	var idx []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() || f.Anonymous {
			idx = append(idx, i)
		}
	}
	templateFields.Store(t, idx)
	return idx
}

// marker is a string that no escaper changes and no page contains.
func marker(i int) string {
	return fmt.Sprintf("zqjskeleton%dxjq", i)
}

// inURLAttr reports whether the output so far ends inside an href, src or
// action attribute value, where html/template normalizes URLs.
func inURLAttr(before string) bool {
	lt, gt := strings.LastIndexByte(before, '<'), strings.LastIndexByte(before, '>')
	if lt < 0 || lt < gt {
		return false // in text, not inside a tag
	}
	q := strings.LastIndexAny(before, `"'`)
	if q <= lt || before[q-1] != '=' {
		return false
	}
	name := before[lt : q-1]
	if sp := strings.LastIndexAny(name, " \t\n"); sp >= 0 {
		name = name[sp+1:]
	}
	switch strings.ToLower(name) {
	case "href", "src", "action":
		return true
	}
	return false
}

// plainURL reports whether u holds only characters that html/template's
// URL normalizer leaves alone and its HTML escaper does not touch, so
// that HTML-escaping it alone is exact.
func plainURL(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("/:._-~?=#", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// htmlEscapeTo writes s escaped as html/template escapes text and quoted
// attribute values.
func htmlEscapeTo(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		buf.WriteString(s[last:i])
		buf.WriteString(r)
		last = i + 1
	}
	buf.WriteString(s[last:])
}
