package pdf

import (
	"encoding/binary"
	"errors"
)

// glyphSet is the set of characters a font has a glyph for.
type glyphSet map[rune]bool

// readGlyphSet reads the Unicode BMP cmap (platform 3 encoding 1, or
// platform 0, format 4) of a TrueType font: the only cmap gofpdf itself uses.
func readGlyphSet(ttf []byte) (glyphSet, error) {
	errBad := errors.New("pdf: font has no readable format 4 cmap")
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[off:])), true
	}
	numTables, ok := u16(4)
	if !ok {
		return nil, errBad
	}
	cmap := -1
	for i := 0; i < numTables; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errBad
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
			break
		}
	}
	if cmap < 0 {
		return nil, errBad
	}
	count, ok := u16(cmap + 2)
	if !ok {
		return nil, errBad
	}
	sub := -1
	for i := 0; i < count; i++ {
		platform, _ := u16(cmap + 4 + 8*i)
		encoding, _ := u16(cmap + 6 + 8*i)
		off, ok := u32(cmap + 8 + 8*i)
		if !ok {
			return nil, errBad
		}
		if format, _ := u16(cmap + off); format == 4 && (platform == 0 || platform == 3 && encoding == 1) {
			sub = cmap + off
			break
		}
	}
	if sub < 0 {
		return nil, errBad
	}
	segX2, ok := u16(sub + 6)
	if !ok {
		return nil, errBad
	}
	ends := sub + 14
	starts := ends + segX2 + 2
	deltas := starts + segX2
	rangeOffsets := deltas + segX2
	set := glyphSet{}
	for s := 0; s < segX2; s += 2 {
		end, ok1 := u16(ends + s)
		start, ok2 := u16(starts + s)
		delta, ok3 := u16(deltas + s)
		ro, ok4 := u16(rangeOffsets + s)
		if !(ok1 && ok2 && ok3 && ok4) {
			return nil, errBad
		}
		for c := start; c <= end && c != 0xFFFF; c++ {
			glyph := 0
			if ro == 0 {
				glyph = (c + delta) & 0xFFFF
			} else {
				g, ok := u16(rangeOffsets + s + ro + 2*(c-start))
				if !ok {
					return nil, errBad
				}
				if g != 0 {
					glyph = (g + delta) & 0xFFFF
				}
			}
			if glyph != 0 {
				set[rune(c)] = true
			}
		}
	}
	return set, nil
}
