// This file is a suratdesa addition to gofpdf v1.16.2; see NOTES.md.

package gofpdf

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// UTF8Font is a TrueType font parsed once, to be added to any number of
// documents with AddUTF8FontFromParsed. AddUTF8FontFromBytes parses the font
// again for every document and, on output, parses it a second time to cut
// the subset; a UTF8Font keeps the tables, glyph offsets, character map and
// metrics of the first parse and cuts each document's subset from them.
//
// A UTF8Font never changes after ParseUTF8Font returns, so documents in
// different goroutines may share it.
type UTF8Font struct {
	def         fontDefType       // metrics as AddUTF8FontFromBytes computes them; Cw is shared and read-only
	tables      map[string][]byte // table tag -> table data (length and capacity exact)
	glyf, hmtx  []byte            // tables["glyf"] and tables["hmtx"]
	glyphPos    []int             // glyph g is glyf[glyphPos[g]:glyphPos[g+1]]
	runeGlyph   map[int]int       // character -> glyph, from the format 4 cmap
	numHMetrics int               // hhea numberOfHMetrics
	toUnicode   []byte            // the ToUnicode CMap stream, compressed
}

// ParseUTF8Font parses the TrueType font in ttf (which it copies). It
// returns an error where AddUTF8FontFromBytes would fail or panic: a file
// that is not TrueType, or one without the tables gofpdf needs to subset it
// (head, hhea, maxp, hmtx, loca, glyf, post and a format 4 Unicode cmap).
func ParseUTF8Font(ttf []byte) (font *UTF8Font, err error) {
	defer func() {
		if r := recover(); r != nil {
			font, err = nil, fmt.Errorf("gofpdf: malformed TrueType font: %v", r)
		}
	}()
	data := append([]byte(nil), ttf...)

	// Metrics, exactly as addFontFromBytes computes them.
	utf := newUTF8Font(&fileReader{readerPosition: 0, array: data})
	if err := utf.parseFile(); err != nil {
		return nil, err
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "post", "cmap"} {
		if utf.tableDescriptions[tag] == nil {
			return nil, fmt.Errorf("gofpdf: TrueType font has no %s table", tag)
		}
	}
	font = &UTF8Font{
		def: fontDefType{
			Tp: "UTF8",
			Desc: FontDescType{
				Ascent:       int(utf.Ascent),
				Descent:      int(utf.Descent),
				CapHeight:    utf.CapHeight,
				Flags:        utf.Flags,
				FontBBox:     utf.Bbox,
				ItalicAngle:  utf.ItalicAngle,
				StemV:        utf.StemV,
				MissingWidth: round(utf.DefaultWidth),
			},
			Up: int(round(utf.UnderlinePosition)),
			Ut: round(utf.UnderlineThickness),
			Cw: utf.CharWidths,
		},
		tables:    make(map[string][]byte),
		toUnicode: sliceCompressLevel([]byte(toUnicode), zlib.BestCompression),
	}

	// What GenerateCutFont reads before it cuts: the table directory, the
	// glyph offsets (loca) and the character map.
	cut := newUTF8Font(&fileReader{readerPosition: 0, array: data})
	cut.skip(4)
	cut.generateTableDescriptions()
	for tag, d := range cut.tableDescriptions {
		if d.size > 0 {
			font.tables[tag] = data[d.position : d.position+d.size : d.position+d.size]
		}
	}
	cut.SeekTable("head")
	cut.skip(50)
	locaFormat := cut.readUint16()
	cut.SeekTable("hhea")
	cut.skip(34)
	font.numHMetrics = cut.readUint16()
	cut.SeekTable("maxp")
	cut.skip(4)
	numGlyphs := cut.readUint16()
	if cut.generateCMAP() == nil {
		return nil, errors.New("gofpdf: TrueType font has no format 4 Unicode cmap")
	}
	font.runeGlyph = cut.charSymbolDictionary
	cut.parseLOCATable(locaFormat, numGlyphs)
	if len(cut.symbolPosition) != numGlyphs+1 {
		return nil, fmt.Errorf("gofpdf: TrueType font has an unknown loca format %d", locaFormat)
	}
	font.glyphPos = cut.symbolPosition
	font.glyf, font.hmtx = font.tables["glyf"], font.tables["hmtx"]
	glyf := font.glyf
	for g := 0; g < numGlyphs; g++ {
		if font.glyphPos[g] > font.glyphPos[g+1] || font.glyphPos[g+1] > len(glyf) {
			return nil, fmt.Errorf("gofpdf: TrueType font has a bad loca entry for glyph %d", g)
		}
	}
	if font.numHMetrics < 1 || len(font.tables["hmtx"]) < font.numHMetrics*4+(numGlyphs-font.numHMetrics)*2 {
		return nil, errors.New("gofpdf: TrueType font has a short hmtx table")
	}
	if len(font.tables["post"]) < 16 || len(font.tables["head"]) < 54 ||
		len(font.tables["hhea"]) < 36 || len(font.tables["maxp"]) < 6 {
		return nil, errors.New("gofpdf: TrueType font has a short post, head, hhea or maxp table")
	}
	for char, g := range font.runeGlyph {
		if g >= numGlyphs {
			return nil, fmt.Errorf("gofpdf: TrueType font maps U+%04X to glyph %d of %d", char, g, numGlyphs)
		}
	}
	// cut follows the components of composite glyphs without checks.
	state := make([]byte, numGlyphs) // 0 unseen, 1 being followed, 2 done
	for g := 0; g < numGlyphs; g++ {
		if err := font.checkComponents(g, state); err != nil {
			return nil, err
		}
	}
	return font, nil
}

// checkComponents makes sure the composite glyph g and the composites it
// refers to, depth first, have whole component records naming glyphs of
// the font, and refer to themselves nowhere on the way.
func (font *UTF8Font) checkComponents(g int, state []byte) error {
	switch state[g] {
	case 1:
		return fmt.Errorf("gofpdf: TrueType glyph %d is its own component", g)
	case 2:
		return nil
	}
	state[g] = 1
	data := font.glyf[font.glyphPos[g]:font.glyphPos[g+1]]
	if len(data) >= 2 && int16(binary.BigEndian.Uint16(data)) < 0 {
		pos := 10
		for flags := symbolContinue; flags&symbolContinue != 0; {
			if pos+4 > len(data) {
				return fmt.Errorf("gofpdf: TrueType glyph %d is cut short", g)
			}
			flags = int(binary.BigEndian.Uint16(data[pos:]))
			component := int(binary.BigEndian.Uint16(data[pos+2:]))
			if component >= len(state) {
				return fmt.Errorf("gofpdf: TrueType glyph %d refers to glyph %d of %d", g, component, len(state))
			}
			if err := font.checkComponents(component, state); err != nil {
				return err
			}
			pos += 4 + componentArgsSize(flags)
		}
		if pos > len(data) {
			return fmt.Errorf("gofpdf: TrueType glyph %d is cut short", g)
		}
	}
	state[g] = 2
	return nil
}

// AddUTF8FontFromParsed adds font to the document under familyStr and
// styleStr, as AddUTF8FontFromBytes does with the bytes of a TrueType file,
// but without parsing it again. The document records which characters it
// uses; on output it embeds the subset of font holding them, the same bytes
// AddUTF8FontFromBytes would embed.
func (f *Fpdf) AddUTF8FontFromParsed(familyStr, styleStr string, font *UTF8Font) {
	if f.err != nil {
		return
	}
	if font == nil {
		f.err = errors.New("gofpdf: nil UTF8Font")
		return
	}
	fontkey := getFontKey(fontFamilyEscape(familyStr), styleStr)
	if _, ok := f.fonts[fontkey]; ok {
		return
	}
	def := font.def
	def.Name = fontkey
	// addFontFromBytes seeds usedRunes with makeSubsetRange, whose entries
	// all hold character 0 and so never reach the subset; an empty map
	// gives the same subset.
	def.usedRunes = make(map[int]int, 64)
	def.parsed = font
	// The font id names the font in the page resources (/F<id>), so it
	// must differ between the fonts of a document: the font key does, and
	// in hex it is a valid PDF name, shorter than the 40 digits of a SHA-1.
	def.i = fmt.Sprintf("%x", fontkey)
	f.fonts[fontkey] = def
}

// Cut returns the subset of font holding the glyphs of the characters in
// cutset: the bytes UTF8CutFont returns for the same font and cutset.
func (font *UTF8Font) Cut(cutset string) []byte {
	runes := map[int]int{}
	for i, r := range cutset {
		runes[i] = int(r)
	}
	out, _, _ := font.cut(runes)
	return out
}

// cut is GenerateCutFont working from the parsed tables: it returns the
// subset font file for the characters that are the values of usedRunes, the
// glyph id of each character in that subset, and the largest character.
// The file is byte for byte what GenerateCutFont returns; font itself is
// only read.
func (font *UTF8Font) cut(usedRunes map[int]int) (file []byte, runeGlyph map[int]int, lastRune int) {
	// The used characters that have a glyph, in character order.
	chars := make([]charGlyph, 0, len(usedRunes))
	for _, char := range usedRunes {
		lastRune = max(lastRune, char)
		if g, ok := font.runeGlyph[char]; ok {
			chars = append(chars, charGlyph{char, g})
		}
	}
	slices.SortFunc(chars, func(a, b charGlyph) int { return a.char - b.char })
	for i := 1; i < len(chars); {
		if chars[i].char == chars[i-1].char { // unused entries all hold 0
			chars = append(chars[:i], chars[i+1:]...)
		} else {
			i++
		}
	}

	// Their glyphs and glyph 0 (.notdef), numbered in the order of their
	// old ids, then the components of composite glyphs as they are found.
	numOld := len(font.glyphPos) - 1
	newID := make([]int32, numOld)
	for i := range newID {
		newID[i] = -1
	}
	newID[0] = 0
	for _, c := range chars {
		newID[c.glyph] = 0
	}
	order := make([]int, 0, len(chars)+8)
	for g, id := range newID {
		if id == 0 {
			newID[g] = int32(len(order))
			order = append(order, g)
		}
	}
	for i, n := 0, len(order); i < n; i++ {
		order = font.addComponents(order[i], newID, order)
	}
	numGlyphs := len(order)
	runeGlyph = make(map[int]int, len(chars))
	for i := range chars {
		chars[i].glyph = int(newID[chars[i].glyph])
		runeGlyph[chars[i].char] = chars[i].glyph
	}
	if len(chars) > 0 && chars[0].char == 0 {
		chars = chars[1:] // GenerateCutFont drops character 0 from the cmap
		delete(runeGlyph, 0)
	}

	// glyf, loca and hmtx of the subset.
	src := font.glyf
	size := 0
	for _, g := range order {
		size += (font.glyphPos[g+1] - font.glyphPos[g] + 3) &^ 3
	}
	glyf := make([]byte, 0, size)
	hmtx := make([]byte, 0, 4*numGlyphs)
	offsets := make([]int, 0, numGlyphs+1)
	for _, g := range order {
		hmtx = font.appendMetrics(hmtx, g)
		offsets = append(offsets, len(glyf))
		start := len(glyf)
		data := src[font.glyphPos[g]:font.glyphPos[g+1]]
		glyf = append(glyf, data...)
		if len(data) > 2 && binary.BigEndian.Uint16(data)&(1<<15) != 0 {
			// A composite glyph: renumber its components.
			renumberComponents(glyf[start:], newID)
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	offsets = append(offsets, len(glyf))
	locaFormat := 0
	var loca []byte
	if (len(glyf)+1)>>1 > 0xFFFF {
		locaFormat = 1
		loca = make([]byte, 4*len(offsets))
		for i, off := range offsets {
			binary.BigEndian.PutUint32(loca[4*i:], uint32(off))
		}
	} else {
		loca = make([]byte, 2*len(offsets))
		for i, off := range offsets {
			binary.BigEndian.PutUint16(loca[2*i:], uint16(off/2))
		}
	}

	// The other tables, as GenerateCutFont sets them.
	tables := make([]fontTable, 0, 16)
	for _, tag := range []string{"name", "cvt ", "fpgm", "prep", "gasp", "OS/2"} {
		if t := font.tables[tag]; t != nil {
			tables = append(tables, fontTable{tag, t})
		}
	}
	post := make([]byte, 32)
	copy(post, []byte{0x00, 0x03, 0x00, 0x00})
	copy(post[4:], font.tables["post"][4:16])
	head := append([]byte(nil), font.tables["head"]...)
	binary.BigEndian.PutUint16(head[50:], uint16(locaFormat))
	copy(head[8:12], []byte{0, 0, 0, 0}) // checkSumAdjustment, set below
	hhea := append([]byte(nil), font.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(numGlyphs))
	maxp := append([]byte(nil), font.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(numGlyphs))
	tables = append(tables,
		fontTable{"post", post},
		fontTable{"cmap", cmapTable(chars, numGlyphs)},
		fontTable{"glyf", glyf},
		fontTable{"hmtx", hmtx},
		fontTable{"loca", loca},
		fontTable{"head", head},
		fontTable{"hhea", hhea},
		fontTable{"maxp", maxp},
	)
	return assembleFontTables(tables), runeGlyph, lastRune
}

// charGlyph is a character and its glyph.
type charGlyph struct{ char, glyph int }

// fontTable is a table of a TrueType file being assembled.
type fontTable struct {
	tag  string
	data []byte
}

// assembleFontTables writes the TrueType file of tables as assembleTables
// does: the table directory in tag order, the tables 4-byte aligned, the
// checkSumAdjustment in head.
func assembleFontTables(tables []fontTable) []byte {
	slices.SortFunc(tables, func(a, b fontTable) int { return strings.Compare(a.tag, b.tag) })
	n := len(tables)
	size := 12 + 16*n
	for _, t := range tables {
		size += (len(t.data) + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	entrySelector := 0
	for 2<<entrySelector <= n {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-searchRange))
	headAt := -1
	for i, t := range tables {
		rec := out[12+16*i:]
		copy(rec, t.tag)
		binary.BigEndian.PutUint32(rec[4:], tableChecksum(t.data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t.data)))
		if t.tag == "head" {
			headAt = len(out)
		}
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headAt >= 0 {
		binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-tableChecksum(out))
	}
	return out
}

// tableChecksum is the TrueType checksum of b: the sum of its big-endian
// 32-bit words, the last one padded with zeros.
func tableChecksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}

// cmapTable is the table generateCMAPTable makes for chars (in character
// order, with their new glyph ids): one format 4 subtable for Windows
// Unicode, a segment per run of consecutive characters with consecutive
// glyphs, mapped by idDelta. Its length field and trailing glyph array are
// those of generateCMAPTable.
func cmapTable(chars []charGlyph, numGlyphs int) []byte {
	type segment struct{ start, end, delta int }
	segs := make([]segment, 0, 16)
	for i, c := range chars {
		if i > 0 && c.char == chars[i-1].char+1 && c.glyph == chars[i-1].glyph+1 {
			segs[len(segs)-1].end = c.char
			continue
		}
		segs = append(segs, segment{c.char, c.char, c.glyph - c.char})
	}
	segCount := len(segs) + 1
	searchRange, entrySelector := 1, 0
	for searchRange*2 <= segCount {
		searchRange *= 2
		entrySelector++
	}
	searchRange *= 2
	words := make([]int, 0, 13+4*segCount+len(chars)+2)
	words = append(words, 0, 1, 3, 1, 0, 12, 4, 16+8*segCount+numGlyphs+1, 0,
		segCount*2, searchRange, entrySelector, segCount*2-searchRange)
	for _, s := range segs {
		words = append(words, s.end)
	}
	words = append(words, 0xFFFF, 0)
	for _, s := range segs {
		words = append(words, s.start)
	}
	words = append(words, 0xFFFF)
	for _, s := range segs {
		words = append(words, s.delta)
	}
	words = append(words, 1)
	for range segs {
		words = append(words, 0)
	}
	words = append(words, 0)
	for _, c := range chars {
		words = append(words, c.glyph)
	}
	words = append(words, 0)
	out := make([]byte, 2*len(words))
	for i, w := range words {
		binary.BigEndian.PutUint16(out[2*i:], uint16(w))
	}
	return out
}

// addComponents appends to order, and numbers in newID, the glyphs that
// the composite glyph g refers to, depth first, as getSymbols does.
func (font *UTF8Font) addComponents(g int, newID []int32, order []int) []int {
	data := font.glyf[font.glyphPos[g]:font.glyphPos[g+1]]
	if len(data) < 2 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return order
	}
	pos := 10
	for flags := symbolContinue; flags&symbolContinue != 0; {
		flags = int(binary.BigEndian.Uint16(data[pos:]))
		component := int(binary.BigEndian.Uint16(data[pos+2:]))
		if newID[component] < 0 {
			newID[component] = int32(len(order))
			order = append(order, component)
		}
		order = font.addComponents(component, newID, order)
		pos += 4 + componentArgsSize(flags)
	}
	return order
}

// renumberComponents rewrites the glyph ids in the composite glyph data.
func renumberComponents(data []byte, newID []int32) {
	pos := 10
	for flags := symbolContinue; flags&symbolContinue != 0; {
		flags = int(binary.BigEndian.Uint16(data[pos:]))
		component := int(binary.BigEndian.Uint16(data[pos+2:]))
		binary.BigEndian.PutUint16(data[pos+2:], uint16(newID[component]))
		pos += 4 + componentArgsSize(flags)
	}
}

// componentArgsSize is the size of a composite glyph component's arguments
// and transformation after its flags and glyph index.
func componentArgsSize(flags int) int {
	n := 2
	if flags&symbolWords != 0 {
		n = 4
	}
	switch {
	case flags&symbolScale != 0:
		n += 2
	case flags&symbolAllScale != 0:
		n += 4
	case flags&symbol2x2 != 0:
		n += 8
	}
	return n
}

// appendMetrics appends the advance width and left side bearing of glyph g,
// as getMetrics reads them.
func (font *UTF8Font) appendMetrics(dst []byte, g int) []byte {
	hmtx := font.hmtx
	if g < font.numHMetrics {
		return append(dst, hmtx[4*g:4*g+4]...)
	}
	last := 4 * (font.numHMetrics - 1)
	lsb := 2*font.numHMetrics + 2*g
	return append(append(dst, hmtx[last:last+2]...), hmtx[lsb:lsb+2]...)
}

// usedWidths is the content of the /W array of a font added with
// AddUTF8FontFromParsed: the width of each character the document uses,
// as "first [w1 w2 ...]" for each run of consecutive characters. It replaces
// generateCIDFontMap, which also lists every unused character below 256.
func usedWidths(cw []int, usedRunes map[int]int) string {
	cids := make([]int, 0, len(usedRunes))
	for cid, char := range usedRunes {
		if cid > 0 && char != 0 && cid < len(cw) && cw[cid] != 0 {
			cids = append(cids, cid)
		}
	}
	slices.Sort(cids)
	w := make([]byte, 0, 6*len(cids)+16)
	for i, cid := range cids {
		width := cw[cid]
		if width == 65535 {
			width = 0
		}
		if i == 0 || cid != cids[i-1]+1 {
			if i > 0 {
				w = append(w, ']')
			}
			w = append(w, ' ')
			w = strconv.AppendInt(w, int64(cid), 10)
			w = append(w, " ["...)
		} else {
			w = append(w, ' ')
		}
		w = strconv.AppendInt(w, int64(width), 10)
	}
	if len(cids) > 0 {
		w = append(w, ']')
	}
	return string(w)
}

// parsedFontObjects are the objects the fonts added with
// AddUTF8FontFromParsed share in one document: the ToUnicode CMap and the
// CIDSystemInfo dictionary, which are the same for all of them. Zero means
// not written yet.
type parsedFontObjects struct {
	toUnicode, systemInfo int
}

// putParsedFont writes a font added with AddUTF8FontFromParsed. It writes
// what putfonts writes for a UTF-8 font, with these differences: the
// subset is cut from the parsed tables; the /W array lists the characters
// used only; the CIDToGIDMap ends at the last character used instead of
// U+FFFF; the ToUnicode CMap is compressed, and it and the CIDSystemInfo
// dictionary are written once per document and shared by its fonts.
func (f *Fpdf) putParsedFont(font fontDefType, shared *parsedFontObjects) {
	delete(font.usedRunes, 0)
	file, runeGlyph, _ := font.parsed.cut(font.usedRunes)
	fontName := "utf8" + font.Name

	// Object numbers; the Type0 dictionary is font.N, the next object.
	type0 := f.n + 1
	cidFont := type0 + 1
	next := cidFont + 1
	toUnicodeObj, systemInfo := shared.toUnicode, shared.systemInfo
	if toUnicodeObj == 0 {
		toUnicodeObj = next
		next++
	}
	if systemInfo == 0 {
		systemInfo = next
		next++
	}
	descriptor, cidToGID, fontFile := next, next+1, next+2

	f.newobj()
	f.outf("<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>",
		fontName, cidFont, toUnicodeObj)
	f.out("endobj")

	f.newobj()
	f.outf("<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo %d 0 R /FontDescriptor %d 0 R",
		fontName, systemInfo, descriptor)
	if font.Desc.MissingWidth != 0 {
		f.out("/DW " + strconv.Itoa(font.Desc.MissingWidth))
	}
	f.out("/W [" + usedWidths(font.Cw, font.usedRunes) + " ]")
	f.out("/CIDToGIDMap " + strconv.Itoa(cidToGID) + " 0 R>>")
	f.out("endobj")

	if shared.toUnicode == 0 {
		f.newobj()
		f.out("<</Length " + strconv.Itoa(len(font.parsed.toUnicode)) + " /Filter /FlateDecode>>")
		f.putstream(font.parsed.toUnicode)
		f.out("endobj")
		shared.toUnicode = toUnicodeObj
	}
	if shared.systemInfo == 0 {
		f.newobj()
		f.out("<</Registry (Adobe) /Ordering (UCS) /Supplement 0>>")
		f.out("endobj")
		shared.systemInfo = systemInfo
	}

	f.newobj()
	var s fmtBuffer
	s.printf("<</Type /FontDescriptor /FontName /%s /Ascent %d /Descent %d /CapHeight %d",
		fontName, font.Desc.Ascent, font.Desc.Descent, font.Desc.CapHeight)
	s.printf(" /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %d /StemV %d /MissingWidth %d /FontFile2 %d 0 R>>",
		(font.Desc.Flags|4)&^32, font.Desc.FontBBox.Xmin, font.Desc.FontBBox.Ymin, font.Desc.FontBBox.Xmax,
		font.Desc.FontBBox.Ymax, font.Desc.ItalicAngle, font.Desc.StemV, font.Desc.MissingWidth, fontFile)
	f.out(s.String())
	f.out("endobj")

	size := 1
	for char := range runeGlyph {
		size = max(size, char+1)
	}
	cidToGIDMap := make([]byte, 2*size)
	for char, glyph := range runeGlyph {
		binary.BigEndian.PutUint16(cidToGIDMap[2*char:], uint16(glyph))
	}
	cidToGIDMap = sliceCompress(cidToGIDMap)
	f.newobj()
	f.out("<</Length " + strconv.Itoa(len(cidToGIDMap)) + " /Filter /FlateDecode>>")
	f.putstream(cidToGIDMap)
	f.out("endobj")

	compressed := sliceCompress(file)
	f.newobj()
	f.out("<</Length " + strconv.Itoa(len(compressed)) + " /Filter /FlateDecode /Length1 " + strconv.Itoa(len(file)) + ">>")
	f.putstream(compressed)
	f.out("endobj")
}
