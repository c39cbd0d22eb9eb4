package pdf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// outline is a word set in the font as a filled vector path rather than as
// text. The draft watermark is drawn this way so that text extraction
// (pdftotext, screen readers, search) does not see a giant rotated "DRAF"
// cutting through the lines of the letter.
type outline struct {
	path          string  // PDF path operators in font units, baseline at y 0
	width, height float64 // advance width and cap height in font units
	unitsPerEm    float64
}

// ttf gives bounds-checked access to the tables of a TrueType font.
type ttf struct {
	data   []byte
	tables map[string][]byte
}

var errTTF = errors.New("pdf: malformed TrueType font")

func parseTTF(data []byte) (*ttf, error) {
	if len(data) < 12 {
		return nil, errTTF
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	t := &ttf{data: data, tables: map[string][]byte{}}
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errTTF
		}
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		size := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || size < 0 || off+size > len(data) {
			return nil, errTTF
		}
		t.tables[string(data[rec:rec+4])] = data[off : off+size]
	}
	for _, name := range []string{"head", "hhea", "hmtx", "loca", "glyf", "maxp"} {
		if t.tables[name] == nil {
			return nil, fmt.Errorf("pdf: font has no %s table", name)
		}
	}
	return t, nil
}

func (t *ttf) u16(table string, off int) int {
	b := t.tables[table]
	if off < 0 || off+2 > len(b) {
		return 0
	}
	return int(binary.BigEndian.Uint16(b[off:]))
}

func (t *ttf) i16(table string, off int) int { return int(int16(t.u16(table, off))) }

func (t *ttf) u32(table string, off int) int {
	b := t.tables[table]
	if off < 0 || off+4 > len(b) {
		return 0
	}
	return int(binary.BigEndian.Uint32(b[off:]))
}

// glyph returns the glyf data of glyph id.
func (t *ttf) glyph(id int) []byte {
	var start, end int
	if t.i16("head", 50) == 0 {
		start, end = 2*t.u16("loca", 2*id), 2*t.u16("loca", 2*id+2)
	} else {
		start, end = t.u32("loca", 4*id), t.u32("loca", 4*id+4)
	}
	g := t.tables["glyf"]
	if start < 0 || end > len(g) || start > end {
		return nil
	}
	return g[start:end]
}

// advance is the advance width of glyph id in font units.
func (t *ttf) advance(id int) int {
	n := t.u16("hhea", 34)
	if id >= n {
		id = n - 1
	}
	return t.u16("hmtx", 4*id)
}

// wordOutline sets word in the font: each character's outline, one after
// the other at its advance width. It supports the simple (non-composite)
// glyphs of plain capital letters, which is what the watermark needs.
func wordOutline(font []byte, word string) (outline, error) {
	t, err := parseTTF(font)
	if err != nil {
		return outline{}, err
	}
	ids, err := glyphIDs(font, word)
	if err != nil {
		return outline{}, err
	}
	var b strings.Builder
	x := 0.0
	top := 0.0
	for i, id := range ids {
		g := t.glyph(id)
		if len(g) < 10 {
			return outline{}, fmt.Errorf("pdf: font has no outline for %q", word[i])
		}
		if int(int16(binary.BigEndian.Uint16(g))) < 0 {
			return outline{}, fmt.Errorf("pdf: %q is a composite glyph", word[i])
		}
		yMax := float64(int16(binary.BigEndian.Uint16(g[8:])))
		top = max(top, yMax)
		if err := appendGlyphPath(&b, g, x); err != nil {
			return outline{}, fmt.Errorf("pdf: outline of %q: %w", word[i], err)
		}
		x += float64(t.advance(id))
	}
	return outline{path: b.String(), width: x, height: top, unitsPerEm: float64(t.u16("head", 18))}, nil
}

// glyphIDs maps each character of word to its glyph through the font's
// format 4 cmap.
func glyphIDs(font []byte, word string) ([]int, error) {
	t, err := parseTTF(font)
	if err != nil {
		return nil, err
	}
	cmap := t.tables["cmap"]
	if cmap == nil {
		return nil, errTTF
	}
	sub := -1
	for i := 0; i < t.u16("cmap", 2); i++ {
		platform, encoding := t.u16("cmap", 4+8*i), t.u16("cmap", 6+8*i)
		off := t.u32("cmap", 8+8*i)
		if t.u16("cmap", off) == 4 && (platform == 0 || platform == 3 && encoding == 1) {
			sub = off
			break
		}
	}
	if sub < 0 {
		return nil, errTTF
	}
	segX2 := t.u16("cmap", sub+6)
	ends := sub + 14
	starts := ends + segX2 + 2
	deltas := starts + segX2
	ranges := deltas + segX2
	var ids []int
	for _, r := range word {
		c := int(r)
		id := 0
		for s := 0; s < segX2; s += 2 {
			if c > t.u16("cmap", ends+s) {
				continue
			}
			start, delta, ro := t.u16("cmap", starts+s), t.u16("cmap", deltas+s), t.u16("cmap", ranges+s)
			if c < start {
				break
			}
			if ro == 0 {
				id = (c + delta) & 0xFFFF
			} else if g := t.u16("cmap", ranges+s+ro+2*(c-start)); g != 0 {
				id = (g + delta) & 0xFFFF
			}
			break
		}
		if id == 0 {
			return nil, fmt.Errorf("pdf: font has no glyph for %q", r)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// appendGlyphPath decodes a simple TrueType glyph and writes its contours,
// shifted right by dx, as PDF path operators. Quadratic segments become
// cubic ones; two off-curve points in a row imply an on-curve point midway.
func appendGlyphPath(b *strings.Builder, g []byte, dx float64) error {
	nContours := int(binary.BigEndian.Uint16(g))
	p := 10
	if p+2*nContours+2 > len(g) {
		return errTTF
	}
	ends := make([]int, nContours)
	for i := range ends {
		ends[i] = int(binary.BigEndian.Uint16(g[p:]))
		p += 2
	}
	if nContours == 0 {
		return nil
	}
	nPoints := ends[nContours-1] + 1
	p += 2 + int(binary.BigEndian.Uint16(g[p:])) // skip the instructions
	flags := make([]byte, 0, nPoints)
	for len(flags) < nPoints {
		if p >= len(g) {
			return errTTF
		}
		f := g[p]
		p++
		flags = append(flags, f)
		if f&8 != 0 {
			if p >= len(g) {
				return errTTF
			}
			for n := int(g[p]); n > 0 && len(flags) < nPoints; n-- {
				flags = append(flags, f)
			}
			p++
		}
	}
	coords := func(short, same byte) ([]float64, error) {
		out := make([]float64, nPoints)
		v := 0
		for i, f := range flags {
			switch {
			case f&short != 0:
				if p >= len(g) {
					return nil, errTTF
				}
				d := int(g[p])
				p++
				if f&same == 0 {
					d = -d
				}
				v += d
			case f&same == 0:
				if p+2 > len(g) {
					return nil, errTTF
				}
				v += int(int16(binary.BigEndian.Uint16(g[p:])))
				p += 2
			}
			out[i] = float64(v)
		}
		return out, nil
	}
	xs, err := coords(0x02, 0x10)
	if err != nil {
		return err
	}
	ys, err := coords(0x04, 0x20)
	if err != nil {
		return err
	}

	start := 0
	for _, end := range ends {
		if end < start || end >= nPoints {
			return errTTF
		}
		pts := make([]point, 0, end-start+1)
		for i := start; i <= end; i++ {
			pts = append(pts, point{xs[i] + dx, ys[i], flags[i]&1 != 0})
		}
		start = end + 1
		// Start on an on-curve point; a contour of control points only
		// starts midway between its last and first point.
		var origin point
		from, count := 0, len(pts)
		for i, q := range pts {
			if q.on {
				origin, from, count = q, i+1, len(pts)-1
				break
			}
		}
		if !origin.on {
			last := pts[len(pts)-1]
			origin = point{(last.x + pts[0].x) / 2, (last.y + pts[0].y) / 2, true}
		}
		fmt.Fprintf(b, "%.0f %.0f m ", origin.x, origin.y)
		cur := origin
		var ctrl *point
		for k := 0; k < count; k++ {
			q := pts[(from+k)%len(pts)]
			switch {
			case q.on && ctrl == nil:
				fmt.Fprintf(b, "%.0f %.0f l ", q.x, q.y)
				cur = q
			case q.on:
				quadTo(b, cur, *ctrl, q)
				cur, ctrl = q, nil
			case ctrl == nil:
				ctrl = &q
			default:
				mid := point{(ctrl.x + q.x) / 2, (ctrl.y + q.y) / 2, true}
				quadTo(b, cur, *ctrl, mid)
				cur, ctrl = mid, &q
			}
		}
		if ctrl != nil {
			quadTo(b, cur, *ctrl, origin)
		}
		b.WriteString("h\n")
	}
	return nil
}

// point is a point of a glyph outline, on the curve or a control point.
type point struct {
	x, y float64
	on   bool
}

// quadTo writes the quadratic Bézier from p0 through control q to p as the
// equivalent cubic "c" operator.
func quadTo(b *strings.Builder, p0, q, p point) {
	c1x, c1y := p0.x+2.0/3*(q.x-p0.x), p0.y+2.0/3*(q.y-p0.y)
	c2x, c2y := p.x+2.0/3*(q.x-p.x), p.y+2.0/3*(q.y-p.y)
	fmt.Fprintf(b, "%.1f %.1f %.1f %.1f %.0f %.0f c ", c1x, c1y, c2x, c2y, p.x, p.y)
}
