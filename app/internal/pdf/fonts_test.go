package pdf

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// TestParsedFontCutsLikeGofpdf: the subset a document embeds, cut from the
// font parsed once (gofpdf.UTF8Font, added in third_party/gofpdf), is byte
// for byte the subset gofpdf's own UTF8CutFont makes from the font file, for
// the fonts as shipped and for the original file (composite glyphs, a
// character 0 in the cmap) — but for head's checkSumAdjustment, which
// UTF8CutFont gets wrong by 2<<16 when its subtraction borrows and the
// parsed font gets right.
func TestParsedFontCutsLikeGofpdf(t *testing.T) {
	regular, bold, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	original, err := fontFiles.ReadFile("fonts/LiberationSans-Regular.ttf")
	if err != nil {
		t.Fatal(err)
	}
	var every strings.Builder
	for _, r := range cutRanges {
		for c := r[0]; c <= r[1]; c++ {
			every.WriteRune(c)
		}
	}
	rng := rand.New(rand.NewPCG(15, 15))
	all := []rune(every.String())
	cutsets := map[string]string{
		"empty":   "",
		"letter":  "Surat Keterangan Domisili Nomor : 470/012/35.05.12.2001/XI/2026 (0342) · pemdes@sumberejo.desa.id",
		"latin":   "Ni Luh Putu Ayu Wédari, Ṭāhir Ḍiyāʼ, Nguyễn Thị Ánh, Łukasz Żółć, Øyvind Ærø – “…” № ™ − ≤ •",
		"every":   every.String(),
		"control": "\x00\x01\tA",
	}
	for i := 0; i < 20; i++ {
		var b strings.Builder
		for j := rng.IntN(200); j > 0; j-- {
			b.WriteRune(all[rng.IntN(len(all))])
		}
		cutsets["random"+string(rune('a'+i))] = b.String()
	}
	for name, font := range map[string][]byte{"regular": regular, "bold": bold, "original": original} {
		parsed, err := gofpdf.ParseUTF8Font(font)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for set, cutset := range cutsets {
			want := gofpdf.UTF8CutFont(bytes.Clone(font), cutset)
			got := parsed.Cut(cutset)
			if sum := fontChecksum(got); sum != 0xB1B0AFBA {
				t.Errorf("%s/%s: file checksum %#x, want 0xB1B0AFBA", name, set, sum)
			}
			adjustment := func(file []byte) []byte {
				t.Helper()
				for i := 0; 12+16*i+16 <= len(file); i++ {
					if rec := file[12+16*i:]; string(rec[:4]) == "head" {
						at := int(binary.BigEndian.Uint32(rec[8:])) + 8
						return file[at : at+4]
					}
				}
				t.Fatalf("%s/%s: no head table", name, set)
				return nil
			}
			copy(adjustment(want), adjustment(got))
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s: parsed cut differs from UTF8CutFont (%d vs %d bytes)", name, set, len(got), len(want))
			}
		}
	}
}

// TestParseUTF8FontErrors: a font gofpdf could not cut safely is refused
// when it is parsed, not when a letter is rendered.
func TestParseUTF8FontErrors(t *testing.T) {
	regular, _, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	original, err := fontFiles.ReadFile("fonts/LiberationSans-Regular.ttf")
	if err != nil {
		t.Fatal(err)
	}
	// A composite glyph whose first component is itself.
	looped := bytes.Clone(original)
	font, err := parseTTF(looped)
	if err != nil {
		t.Fatal(err)
	}
	for id := 0; ; id++ {
		if g := font.glyph(id); len(g) > 12 && int16(binary.BigEndian.Uint16(g)) < 0 {
			binary.BigEndian.PutUint16(g[12:], uint16(id)) // g aliases looped
			break
		}
	}
	for name, data := range map[string][]byte{
		"empty":          nil,
		"not a ttf":      []byte("%PDF-1.4 not a font at all"),
		"truncated":      regular[:len(regular)/3],
		"self component": looped,
	} {
		if _, err := gofpdf.ParseUTF8Font(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestSlimFontKeepsOutlines: slimFont drops the hinting programs and most
// names, and nothing a viewer draws or measures with: every simple glyph
// has the same outline path, every composite the same components, and the
// metrics and character map are the same tables.
func TestSlimFontKeepsOutlines(t *testing.T) {
	for _, file := range []string{"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"} {
		data, err := fontFiles.ReadFile("fonts/" + file)
		if err != nil {
			t.Fatal(err)
		}
		slim, err := slimFont(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		before, err := parseTTF(data)
		if err != nil {
			t.Fatal(err)
		}
		after, err := parseTTF(slim)
		if err != nil {
			t.Fatal(err)
		}
		if len(slim) >= len(data)*4/5 {
			t.Errorf("%s: %d bytes slimmed from %d", file, len(slim), len(data))
		}
		for _, tag := range []string{"cvt ", "fpgm", "prep"} {
			if after.tables[tag] != nil {
				t.Errorf("%s: %q table kept", file, tag)
			}
		}
		for _, tag := range []string{"hmtx", "hhea", "cmap", "OS/2", "post", "kern", "GPOS"} {
			if !bytes.Equal(before.tables[tag], after.tables[tag]) {
				t.Errorf("%s: %q table changed", file, tag)
			}
		}
		for _, want := range []string{"Liberation Sans", "LiberationSans", "Copyright (c) 2012 Red Hat, Inc.", "Version 2.1.5"} {
			if !bytes.Contains(after.tables["name"], utf16BE(want)) {
				t.Errorf("%s: name table lost %q", file, want)
			}
		}
		n := before.u16("maxp", 4)
		if got := after.u16("maxp", 4); got != n {
			t.Fatalf("%s: %d glyphs, want %d", file, got, n)
		}
		simple, composite := 0, 0
		for id := 0; id < n; id++ {
			g0, g1 := before.glyph(id), after.glyph(id)
			if len(g0) == 0 {
				if len(g1) != 0 {
					t.Errorf("%s: empty glyph %d got data", file, id)
				}
				continue
			}
			if contours := int16(binary.BigEndian.Uint16(g0)); contours < 0 {
				composite++
				// Same header and components; only the "instructions
				// follow" flag and the instructions are gone.
				if !bytes.Equal(g0[:10], g1[:10]) {
					t.Errorf("%s: composite glyph %d header changed", file, id)
				}
				pos := 10
				for more := true; more; {
					f0, f1 := binary.BigEndian.Uint16(g0[pos:]), binary.BigEndian.Uint16(g1[pos:])
					if f1 != f0&^haveInstructions {
						t.Errorf("%s: composite glyph %d flags %#x, want %#x", file, id, f1, f0&^haveInstructions)
					}
					n := componentSize(int(f0))
					if !bytes.Equal(g0[pos+2:pos+n], g1[pos+2:pos+n]) {
						t.Errorf("%s: composite glyph %d component changed", file, id)
					}
					pos += n
					more = f0&moreComponents != 0
				}
				if len(bytes.TrimRight(g1[pos:], "\x00")) != 0 {
					t.Errorf("%s: composite glyph %d keeps instructions", file, id)
				}
				continue
			}
			simple++
			if binary.BigEndian.Uint16(g1[10+2*int(binary.BigEndian.Uint16(g1)):]) != 0 {
				t.Errorf("%s: glyph %d keeps instructions", file, id)
			}
			var p0, p1 strings.Builder
			if err := appendGlyphPath(&p0, g0, 0); err != nil {
				t.Fatalf("%s: glyph %d: %v", file, id, err)
			}
			if err := appendGlyphPath(&p1, g1, 0); err != nil {
				t.Fatalf("%s: slim glyph %d: %v", file, id, err)
			}
			if p0.String() != p1.String() {
				t.Errorf("%s: glyph %d outline changed", file, id)
			}
		}
		if simple < 1000 || composite < 100 {
			t.Errorf("%s: compared %d simple and %d composite glyphs", file, simple, composite)
		}
	}
}

// utf16BE encodes s as the name table stores Windows names.
func utf16BE(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}
