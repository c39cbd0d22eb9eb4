package pdf

import (
	"embed"
	"fmt"
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
// once at start-up makes the per-letter parse of the font (which gofpdf
// repeats for every document) about a third cheaper. Characters outside
// these blocks print as "?" (see layout.clean).
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

// loadFonts reads the embedded TrueType files and cuts them down to
// cutRanges. The result is valid TrueType that gofpdf parses and subsets
// again for every document.
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
	return regular, bold, nil
}
