package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// setFont selects the letter font: style "" or "B", size in points.
func (l *layout) setFont(style string, pt float64) {
	l.f.SetFont(fontFamily, style, pt)
}

// fontSize is the current font size in millimetres.
func (l *layout) fontSize() float64 {
	_, mm := l.f.GetFontSize()
	return mm
}

// clean prepares text for the page: composed characters (NFC), tabs and
// other white space as plain spaces, control characters dropped, and any
// character the font has no glyph for replaced by "?" rather than printed as
// an empty box. Line feeds stay; callers that wrap text treat them as breaks.
func (l *layout) clean(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c < 0x20 && c != '\n') || c == 0x7F {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\r':
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case laidOut(r):
		case l.glyphs[r]:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// laidOut reports whether clean drops r or turns it into a space: white
// space, a control or a format character, which a letter never prints.
func laidOut(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// Unprintable returns the first character of s that a letter would print
// as "?" because the letters' fonts have no glyph for it (Arabic or
// Javanese script, emoji), and whether there is one. Text is compared as
// the renderer sets it (NFC), so a letter with a combining accent counts
// as the accented letter. It prepares the fonts if that has not been done
// yet; if they cannot be prepared, it finds nothing (Render then fails).
func (r *Renderer) Unprintable(s string) (rune, bool) {
	if r.Ready() != nil {
		return 0, false
	}
	for _, c := range norm.NFC.String(s) {
		if !laidOut(c) && !r.glyphs[c] {
			return c, true
		}
	}
	return 0, false
}

// textWidth is the width of s in the current font, in millimetres.
func (l *layout) textWidth(s string) float64 {
	return l.f.GetStringWidth(s)
}

// baseline is the y of the baseline of a line of height lineH whose top is
// at top, for the current font: text sits centred in its line as gofpdf's
// cells place it.
func (l *layout) baseline(top, lineH float64) float64 {
	return top + lineH/2 + 0.3*l.fontSize()
}

// line is one wrapped line: its words, and whether it ends a paragraph or
// a forced break (such a line is never justified).
type line struct {
	words []string
	last  bool
}

// String is the line's words joined by single spaces.
func (ln line) String() string { return strings.Join(ln.words, " ") }

// wrap breaks s into lines no wider than width in the current font; the
// first line is firstIndent narrower. "\n" forces a break. A word wider than
// a whole line is split between characters. Text that is empty after
// trimming gives no lines.
func (l *layout) wrap(s string, width, firstIndent float64) []line {
	s = l.clean(s)
	space := l.textWidth(" ")
	var lines []line
	avail := width - firstIndent
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			if len(lines) > 0 {
				// An empty line between two paragraphs of the text.
				lines = append(lines, line{last: true})
			}
			continue
		}
		var cur []string
		curW := 0.0
		for _, word := range words {
			ww := l.textWidth(word)
			if rest := avail - curW - space; len(cur) > 0 && ww > width && rest > width/4 {
				// A word longer than a whole line (a URL) starts on this
				// line rather than leaving a short line behind.
				head, tail := l.splitWord(word, rest)
				cur = append(cur, head)
				lines = append(lines, line{words: cur})
				avail = width
				cur, curW = nil, 0
				word, ww = tail, l.textWidth(tail)
			}
			if len(cur) > 0 && curW+space+ww > avail {
				lines = append(lines, line{words: cur})
				avail = width
				cur, curW = nil, 0
			}
			for ww > avail && word != "" {
				// A word wider than a whole line is split.
				head, tail := l.splitWord(word, avail)
				lines = append(lines, line{words: []string{head}})
				avail = width
				word, ww = tail, l.textWidth(tail)
			}
			if word == "" {
				continue
			}
			if len(cur) > 0 {
				curW += space
			}
			cur = append(cur, word)
			curW += ww
		}
		if len(cur) > 0 {
			lines = append(lines, line{words: cur, last: true})
		} else {
			lines[len(lines)-1].last = true
		}
		avail = width
	}
	for len(lines) > 0 && len(lines[len(lines)-1].words) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// splitWord cuts word after as many characters as fit in width (at least
// one), preferring a cut after a "/" or "-" so that a long URL or number
// breaks where a reader expects it.
func (l *layout) splitWord(word string, width float64) (head, tail string) {
	w := 0.0
	soft := 0 // byte offset just after the last "/" or "-" that fits
	for i, r := range word {
		rw := l.textWidth(string(r))
		if w+rw > width && i > 0 {
			if soft > 0 {
				return word[:soft], word[soft:]
			}
			return word[:i], word[i:]
		}
		w += rw
		if (r == '/' || r == '-') && w > width/3 {
			soft = i + 1
		}
	}
	return word, ""
}

// lines is wrap without the paragraph structure: the text of each line.
func (l *layout) lines(s string, width float64) []string {
	wrapped := l.wrap(s, width, 0)
	out := make([]string, len(wrapped))
	for i, ln := range wrapped {
		out[i] = ln.String()
	}
	return out
}

// Alignments for drawText.
const (
	alignLeft = iota
	alignCenter
	alignRight
)

// drawText prints one line of s in the box [x, x+w] whose line has its top
// at top and height lineH.
func (l *layout) drawText(s string, x, w, top, lineH float64, align int) {
	if s == "" {
		return
	}
	switch align {
	case alignCenter:
		x += (w - l.textWidth(s)) / 2
	case alignRight:
		x += w - l.textWidth(s)
	}
	l.f.Text(x, l.baseline(top, lineH), s)
}

// drawJustified prints the words of ln spread over width, the first word at
// x and the last ending at x+width.
func (l *layout) drawJustified(ln line, x, width, top, lineH float64) {
	if len(ln.words) < 2 {
		l.drawText(ln.String(), x, width, top, lineH, alignLeft)
		return
	}
	total := 0.0
	widths := make([]float64, len(ln.words))
	for i, w := range ln.words {
		widths[i] = l.textWidth(w)
		total += widths[i]
	}
	gap := (width - total) / float64(len(ln.words)-1)
	space := l.textWidth(" ")
	if gap > 4*space {
		// A line with very few long words: stretching it would look
		// broken, so leave it ragged.
		l.drawText(ln.String(), x, width, top, lineH, alignLeft)
		return
	}
	base := l.baseline(top, lineH)
	for i, w := range ln.words {
		l.f.Text(x, base, w)
		x += widths[i] + gap
	}
}

// underline draws a rule under text of width w starting at x, for a line
// whose top is at top.
func (l *layout) underline(x, w, top, lineH, thickness float64) {
	y := l.baseline(top, lineH) + 0.13*l.fontSize()
	l.f.SetLineWidth(thickness)
	l.f.Line(x, y, x+w, y)
}
