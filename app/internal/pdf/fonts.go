package pdf

import (
	"bytes"
	"embed"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/jung-kurt/gofpdf"
)

// The fonts are Liberation Sans 2.1.5 (SIL Open Font License 1.1, see
// fonts/LICENSE), metric-compatible with Arial, the font village letters are
// customarily set in. They are shipped unmodified.
//
//go:embed fonts/LiberationSans-Regular.ttf fonts/LiberationSans-Bold.ttf
var fontFiles embed.FS

// fontFamily is the family name the renderer registers with gofpdf.
const fontFamily = "sans"

// cutRanges are the Unicode blocks the renderer keeps from the fonts: every
// Latin letter with its diacritics, and the punctuation and symbols letters
// use. Liberation Sans also carries Greek, Cyrillic and Hebrew; dropping them
// once at start-up keeps the parsed fonts small. Characters outside these
// blocks print as "?" (see layout.clean).
var cutRanges = [][2]rune{
	{0x0020, 0x007E}, // Basic Latin
	{0x00A0, 0x00FF}, // Latin-1 Supplement
	{0x0100, 0x017F}, // Latin Extended-A
	{0x0180, 0x024F}, // Latin Extended-B
	{0x02B0, 0x02FF}, // Spacing Modifier Letters (ʼ ˆ ˜)
	{0x0300, 0x036F}, // Combining Diacritical Marks
	{0x1E00, 0x1EFF}, // Latin Extended Additional (ḍ ṭ ḥ, Vietnamese)
	{0x2000, 0x206F}, // General Punctuation (– — ‘ ’ “ ” • …)
	{0x20A0, 0x20CF}, // Currency Symbols
	{0x2100, 0x214F}, // Letterlike Symbols (№ ™ ℃)
	{0x2190, 0x2199}, // arrows
	{0x2200, 0x22FF}, // Mathematical Operators (− ≤ ≥)
	{0x25A0, 0x25CF}, // squares and circles used as bullets
}

// loadFonts reads the embedded TrueType files, cuts them down to cutRanges
// and slims them (slimFont). The result is valid TrueType, which
// parseFonts parses once for gofpdf to subset for every document.
func loadFonts() (regular, bold []byte, err error) {
	var cutset strings.Builder
	for _, r := range cutRanges {
		for c := r[0]; c <= r[1]; c++ {
			cutset.WriteRune(c)
		}
	}
	cut := func(name string) ([]byte, error) {
		data, err := fontFiles.ReadFile("fonts/" + name)
		if err != nil {
			return nil, fmt.Errorf("pdf: read font %s: %w", name, err)
		}
		out := gofpdf.UTF8CutFont(data, cutset.String())
		if len(out) == 0 {
			return nil, fmt.Errorf("pdf: cut font %s: empty result", name)
		}
		return out, nil
	}
	if regular, err = cut("LiberationSans-Regular.ttf"); err != nil {
		return nil, nil, err
	}
	if bold, err = cut("LiberationSans-Bold.ttf"); err != nil {
		return nil, nil, err
	}
	if regular, err = slimFont(regular); err != nil {
		return nil, nil, fmt.Errorf("pdf: regular font: %w", err)
	}
	if bold, err = slimFont(bold); err != nil {
		return nil, nil, fmt.Errorf("pdf: bold font: %w", err)
	}
	return regular, bold, nil
}

// slimFont returns the TrueType font without what a PDF viewer does not
// need to draw its glyphs: the hinting programs (the cvt, fpgm and prep
// tables and the instructions inside every glyph) and the names other than
// copyright and font names. The outlines, metrics and character map stay
// as they are, so text looks and measures the same in print and in
// viewers that do not hint (poppler's, whose page images are unchanged);
// a viewer that runs TrueType instructions at screen resolution may place
// the pixels of a stem differently.
//
// Hinting is over half of every embedded subset: without it a signed
// one-page letter fits in 20 KB (issue 15).
func slimFont(data []byte) ([]byte, error) {
	t, err := parseTTF(data)
	if err != nil {
		return nil, err
	}
	numGlyphs := t.u16("maxp", 4)
	glyf := make([]byte, 0, len(t.tables["glyf"]))
	offsets := make([]int, 0, numGlyphs+1)
	for id := 0; id < numGlyphs; id++ {
		offsets = append(offsets, len(glyf))
		g := t.glyph(id)
		if g == nil {
			return nil, fmt.Errorf("%w: glyph %d outside glyf", errTTF, id)
		}
		if glyf, err = appendWithoutInstructions(glyf, g); err != nil {
			return nil, fmt.Errorf("glyph %d: %w", id, err)
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	offsets = append(offsets, len(glyf))

	tables := make(map[string][]byte, len(t.tables))
	for tag, b := range t.tables {
		switch tag {
		case "cvt ", "fpgm", "prep": // hinting programs
		default:
			tables[tag] = b
		}
	}
	tables["glyf"] = glyf
	head := bytes.Clone(t.tables["head"])
	if len(glyf)/2 > 0xFFFF {
		binary.BigEndian.PutUint16(head[50:], 1)
		loca := make([]byte, 4*len(offsets))
		for i, off := range offsets {
			binary.BigEndian.PutUint32(loca[4*i:], uint32(off))
		}
		tables["loca"] = loca
	} else {
		binary.BigEndian.PutUint16(head[50:], 0)
		loca := make([]byte, 2*len(offsets))
		for i, off := range offsets {
			binary.BigEndian.PutUint16(loca[2*i:], uint16(off/2))
		}
		tables["loca"] = loca
	}
	tables["head"] = head
	if maxp := bytes.Clone(t.tables["maxp"]); len(maxp) >= 28 {
		binary.BigEndian.PutUint16(maxp[26:], 0) // maxSizeOfInstructions
		tables["maxp"] = maxp
	}
	if name := t.tables["name"]; name != nil {
		if tables["name"], err = keptNames(name); err != nil {
			return nil, err
		}
	}
	return assembleFont(tables)
}

// Flags of a composite glyph's components (TrueType glyf table).
const (
	argsAreWords     = 0x0001
	haveScale        = 0x0008
	moreComponents   = 0x0020
	haveXYScale      = 0x0040
	haveTwoByTwo     = 0x0080
	haveInstructions = 0x0100
)

// appendWithoutInstructions appends the glyph g to dst with an empty
// instruction program: a simple glyph keeps its contours, flags and
// coordinates; a composite glyph keeps its components and loses the
// instructions after them.
func appendWithoutInstructions(dst, g []byte) ([]byte, error) {
	if len(g) == 0 {
		return dst, nil
	}
	if len(g) < 10 {
		return nil, errTTF
	}
	contours := int(int16(binary.BigEndian.Uint16(g)))
	if contours >= 0 {
		at := 10 + 2*contours // instructionLength
		if at+2 > len(g) {
			return nil, errTTF
		}
		skip := int(binary.BigEndian.Uint16(g[at:]))
		if at+2+skip > len(g) {
			return nil, errTTF
		}
		dst = append(dst, g[:at]...)
		dst = append(dst, 0, 0)
		return append(dst, g[at+2+skip:]...), nil
	}
	start := len(dst)
	pos := 10
	for flags := moreComponents; flags&moreComponents != 0; {
		if pos+4 > len(g) {
			return nil, errTTF
		}
		flags = int(binary.BigEndian.Uint16(g[pos:]))
		n := componentSize(flags)
		if pos+n > len(g) {
			return nil, errTTF
		}
		pos += n
	}
	dst = append(dst, g[:pos]...)
	// Clear "instructions follow" in every component's flags.
	for at := start + 10; ; {
		flags := int(binary.BigEndian.Uint16(dst[at:]))
		binary.BigEndian.PutUint16(dst[at:], uint16(flags&^haveInstructions))
		if flags&moreComponents == 0 {
			break
		}
		at += componentSize(flags)
	}
	return dst, nil
}

// componentSize is the size of a composite glyph's component record with
// these flags: flags, glyph index, offsets and transformation.
func componentSize(flags int) int {
	n := 4 + 2 // flags, glyph index, two byte offsets
	if flags&argsAreWords != 0 {
		n = 4 + 4
	}
	switch {
	case flags&haveScale != 0:
		n += 2
	case flags&haveXYScale != 0:
		n += 4
	case flags&haveTwoByTwo != 0:
		n += 8
	}
	return n
}

// keptName reports whether slimFont keeps the name with this id: the
// copyright, family, subfamily, unique id, full name, version and
// PostScript name, the names font subsetters such as fontTools keep.
func keptName(id int) bool {
	return id <= 6
}

// keptNames rebuilds a format 0 name table with the Windows Unicode
// (platform 3, encoding 1) records of the names keptName keeps; the
// Macintosh copies and the trademark, vendor, designer, description,
// licence and URL records go.
func keptNames(name []byte) ([]byte, error) {
	if len(name) < 6 || binary.BigEndian.Uint16(name) != 0 {
		return nil, fmt.Errorf("%w: name table", errTTF)
	}
	count := int(binary.BigEndian.Uint16(name[2:]))
	storage := int(binary.BigEndian.Uint16(name[4:]))
	type record struct{ rec, str []byte }
	var kept []record
	for i := 0; i < count; i++ {
		rec := name[6+12*i:]
		if len(rec) < 12 {
			return nil, fmt.Errorf("%w: name table", errTTF)
		}
		rec = rec[:12]
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		id := int(binary.BigEndian.Uint16(rec[6:]))
		if platform != 3 || encoding != 1 || !keptName(id) {
			continue
		}
		length, off := int(binary.BigEndian.Uint16(rec[8:])), int(binary.BigEndian.Uint16(rec[10:]))
		if storage+off+length > len(name) {
			return nil, fmt.Errorf("%w: name table", errTTF)
		}
		kept = append(kept, record{rec: rec, str: name[storage+off : storage+off+length]})
	}
	out := make([]byte, 6+12*len(kept))
	binary.BigEndian.PutUint16(out[2:], uint16(len(kept)))
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)))
	offset := 0
	for i, r := range kept {
		rec := out[6+12*i:]
		copy(rec, r.rec)
		binary.BigEndian.PutUint16(rec[10:], uint16(offset))
		offset += len(r.str)
	}
	for _, r := range kept {
		out = append(out, r.str...)
	}
	return out, nil
}

// assembleFont writes a TrueType file of tables: the table directory in
// tag order, each table 4-byte aligned, with its checksum, and the
// checkSumAdjustment in head.
func assembleFont(tables map[string][]byte) ([]byte, error) {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for tag, b := range tables {
		tags = append(tags, tag)
		size += (len(b) + 3) &^ 3
	}
	slices.Sort(tags)
	out := make([]byte, 12+16*len(tags), size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	n := len(tags)
	entrySelector := bits.Len(uint(n)) - 1
	searchRange := 16 << entrySelector
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-searchRange))
	headAt := -1
	for i, tag := range tags {
		b := tables[tag]
		if tag == "head" {
			if len(b) < 12 {
				return nil, fmt.Errorf("%w: head table", errTTF)
			}
			b = bytes.Clone(b)
			binary.BigEndian.PutUint32(b[8:], 0)
			headAt = len(out)
		}
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], fontChecksum(b))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(b)))
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headAt < 0 {
		return nil, fmt.Errorf("pdf: font has no head table")
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-fontChecksum(out))
	return out, nil
}

// fontChecksum is the TrueType checksum: the sum of the big-endian 32-bit
// words of b, zero-padded to a multiple of four bytes.
func fontChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// parsedFonts are the regular and bold font, parsed once for all documents.
type parsedFonts struct {
	regular, bold *gofpdf.UTF8Font
}

// parseFonts parses the prepared font files for gofpdf.
func parseFonts(regular, bold []byte) (parsedFonts, error) {
	var p parsedFonts
	var err error
	if p.regular, err = gofpdf.ParseUTF8Font(regular); err != nil {
		return parsedFonts{}, fmt.Errorf("pdf: parse regular font: %w", err)
	}
	if p.bold, err = gofpdf.ParseUTF8Font(bold); err != nil {
		return parsedFonts{}, fmt.Errorf("pdf: parse bold font: %w", err)
	}
	return p, nil
}

// isASCII reports whether s is printable ASCII, which a PDF text string
// holds as it is.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
