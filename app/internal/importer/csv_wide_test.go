package importer

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// heapGrowth is how many bytes f allocated on the heap, in all.
func heapGrowth(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// widestByCSV is the most fields encoding/csv finds in a record of text, as
// the importer reads it.
func widestByCSV(text []byte, comma rune) (int, bool) {
	r := csvReader(text, comma)
	widest := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return widest, true
		}
		if err != nil {
			return widest, false
		}
		widest = max(widest, len(rec))
	}
}

var wideSeeds = []string{
	"a,b,c\n1,2,3\n",
	"nik,nama\r\n\r\n\"1\",\"Jl. Melati\r\nGang 2\"\r\n;;\r\n2,b\r\n",
	`"a,b",c` + "\n" + `"x""y",z,w` + "\n",
	`a"b,c"d,e` + "\n",
	`"a"b,c",d` + "\n",
	"\"open\n,\n,\n",
	`"",""` + "\r\n" + `"q"` + "\r",
	"1,\"x\n\",2,\"y\n\",3\n",
	`"a""",b`,
	"\"a\"\r\nb,c",
}

// TestOversizedRecordNeverCountsFewer: wherever encoding/csv finds a
// record of more than maxColumns fields, oversizedRecord refuses the text,
// so no such record reaches the parser.
func TestOversizedRecordNeverCountsFewer(t *testing.T) {
	for _, s := range wideSeeds {
		checkWideCount(t, []byte(s))
	}
}

func FuzzOversizedRecord(f *testing.F) {
	for _, s := range wideSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkWideCount)
}

// checkWideCount widens every record of text (each separator repeated) until
// encoding/csv finds more than maxColumns fields in one, and checks that
// oversizedRecord then refuses the text.
func checkWideCount(t *testing.T, text []byte) {
	if len(text) > 4096 {
		return
	}
	widest, ok := widestByCSV(text, ',')
	if !ok || widest < 2 {
		return
	}
	wide := bytes.ReplaceAll(text, []byte{','}, bytes.Repeat([]byte{','}, maxColumns/(widest-1)+1))
	if got, ok := widestByCSV(wide, ','); ok && got > maxColumns && oversizedRecord(wide, ',') == nil {
		t.Errorf("encoding/csv finds a record of %d fields in %q; oversizedRecord accepts it", got, wide)
	}
}

// TestCSVRefusesWideRecords: a 10 MB row of commas (10 million fields)
// took 1.5 GB and 10 s; it is refused after one pass over the text, naming
// its line. Commas inside quotes are text; a record that spans lines
// through quoted line breaks is counted whole.
func TestCSVRefusesWideRecords(t *testing.T) {
	header := "NIK,Nama,No. KK\n"
	for name, tt := range map[string]struct {
		text string
		line int // 0: accepted
	}{
		"ten million fields":      {header + "1" + strings.Repeat(",", 10_000_000) + "\n", 2},
		"a 10 MB field":           {header + "1," + strings.Repeat("x", 10_000_000) + "\n", 2},
		"the limit":               {header + "1" + strings.Repeat(",", maxColumns-1) + "\n", 0},
		"one past the limit":      {header + "x\n1" + strings.Repeat(",", maxColumns) + "\n", 3},
		"commas quoted":           {header + `1,"` + strings.Repeat(",", 5000) + `",3` + "\n", 0},
		"fields over quoted line": {header + "1" + strings.Repeat(",\"a\nb\"", maxColumns) + "\n", 2},
	} {
		var n uint64
		var err error
		n = heapGrowth(func() { _, err = newCSVSource([]byte(tt.text)) })
		switch {
		case tt.line == 0 && err != nil:
			t.Errorf("%s: %v", name, err)
		case tt.line > 0 && (err == nil || !strings.HasPrefix(err.Error(), "baris "+strconv.Itoa(tt.line)+" ")):
			t.Errorf("%s: %v, want the refusal of line %d", name, err, tt.line)
		}
		t.Logf("%s: %.1f MB allocated", name, float64(n)/(1<<20))
		if n > 64<<20 {
			t.Errorf("%s: %d MB allocated", name, n>>20)
		}
	}
	if !strings.Contains(wideRecordError(7).Error(), "baris 7 memuat lebih dari 512 kolom") {
		t.Error("the message does not name the line")
	}
}
