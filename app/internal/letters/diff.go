package letters

import "strings"

// DiffOp says what happened to a line between two versions of a file.
type DiffOp byte

// The operations of a line diff.
const (
	DiffSame    DiffOp = ' '
	DiffAdded   DiffOp = '+'
	DiffRemoved DiffOp = '-'
)

// DiffLine is one line of a diff: its text and its number in the old file,
// the new one or both (0 where it is not in that file).
type DiffLine struct {
	Op       DiffOp
	Old, New int
	Text     string
}

// DiffHunk is a run of changed lines with some unchanged lines around them.
type DiffHunk struct {
	Lines []DiffLine
}

// maxDiffCells bounds the work of Diff (lines of old times lines of new);
// two module files of MaxModuleBytes stay well below it.
const maxDiffCells = 16 << 20

// Diff compares two versions of a text line by line (a longest common
// subsequence) and returns the changed places, each with up to context
// unchanged lines before and after. Equal texts give no hunks. Texts too
// long to compare line by line come back as one hunk that removes every
// old line and adds every new one.
func Diff(oldText, newText string, context int) []DiffHunk {
	a, b := splitLines(oldText), splitLines(newText)
	// Trim the common head and tail, which is most of a small edit.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var lines []DiffLine
	for i := 0; i < head; i++ {
		lines = append(lines, DiffLine{Op: DiffSame, Old: i + 1, New: i + 1, Text: a[i]})
	}
	lines = append(lines, diffMiddle(a[head:len(a)-tail], b[head:len(b)-tail], head)...)
	for i := 0; i < tail; i++ {
		oi, ni := len(a)-tail+i, len(b)-tail+i
		lines = append(lines, DiffLine{Op: DiffSame, Old: oi + 1, New: ni + 1, Text: a[oi]})
	}
	return hunks(lines, context)
}

// diffMiddle diffs the differing middle parts; offset is the number of
// equal lines before them.
func diffMiddle(a, b []string, offset int) []DiffLine {
	var out []DiffLine
	if len(a)*len(b) > maxDiffCells {
		for i, s := range a {
			out = append(out, DiffLine{Op: DiffRemoved, Old: offset + i + 1, Text: s})
		}
		for j, s := range b {
			out = append(out, DiffLine{Op: DiffAdded, New: offset + j + 1, Text: s})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, DiffLine{Op: DiffSame, Old: offset + i + 1, New: offset + j + 1, Text: a[i]})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			out = append(out, DiffLine{Op: DiffAdded, New: offset + j + 1, Text: b[j]})
			j++
		default:
			out = append(out, DiffLine{Op: DiffRemoved, Old: offset + i + 1, Text: a[i]})
			i++
		}
	}
	// Show removals before the additions that replace them.
	for k := 1; k < len(out); k++ {
		for m := k; m > 0 && out[m].Op == DiffRemoved && out[m-1].Op == DiffAdded; m-- {
			out[m], out[m-1] = out[m-1], out[m]
		}
	}
	return out
}

// hunks groups changed lines with context unchanged lines around them.
func hunks(lines []DiffLine, context int) []DiffHunk {
	var out []DiffHunk
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == DiffSame {
			continue
		}
		for k := max(0, i-context); k <= min(len(lines)-1, i+context); k++ {
			keep[k] = true
		}
	}
	var cur *DiffHunk
	for i, l := range lines {
		if !keep[i] {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, DiffHunk{})
			cur = &out[len(out)-1]
		}
		cur.Lines = append(cur.Lines, l)
	}
	return out
}

// splitLines splits a text into lines without their line ends; a final
// line end does not start another line.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
