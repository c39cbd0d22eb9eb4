package store

import (
	"database/sql/driver"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestUnpackRow reads rows as SQLite's json_array writes them, and refuses
// what it does not write instead of guessing: a lookup that cannot read
// its row fails rather than show a letter with shifted facts.
func TestUnpackRow(t *testing.T) {
	for _, tc := range []struct {
		packed string
		want   []driver.Value
	}{
		{`[1,"a",null]`, []driver.Value{int64(1), "a", nil}},
		{`[-9223372036854775808,"",null]`, []driver.Value{int64(-9223372036854775808), "", nil}},
		{`[7,"null, [x]",null]`, []driver.Value{int64(7), "null, [x]", nil}},
		{`[7,"Siti \"Ipah\" \\ \u00e9\ud83c\udf3e",null]`, []driver.Value{int64(7), `Siti "Ipah" \ é🌾`, nil}},
	} {
		got := make([]driver.Value, 3)
		if err := unpackRow(tc.packed, got); err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("unpackRow(%s) = %#v, %v; want %#v", tc.packed, got, err, tc.want)
		}
	}
	for _, packed := range []string{
		``, `[`, `]`, `[]`, `1,"a",null`, `[1,"a"]`, `[1,"a",null,2]`, `[1,"a",null,]`, `[1,"a,null]`,
		`[1.5,"a",null]`, `[true,"a",null]`, `[1,"a",nul]`, `[1 ,"a",null]`, `[99999999999999999999,"a",null]`,
		`[1,"a\"",null,2]`, `[1,{"a":1},null]`, `[1,"a\"",null]]`, `[1,"a\"",null] `,
	} {
		got := make([]driver.Value, 3)
		if err := unpackRow(packed, got); err == nil {
			t.Errorf("unpackRow(%s) = %#v, want an error", packed, got)
		}
	}
}

// TestParseUTC: the fast path of dbTime reads what time.Parse reads with
// the driver's layout, as a time in UTC, and leaves every other shape to
// time.Parse.
func TestParseUTC(t *testing.T) {
	layout := sqliteTimeLayouts[0]
	r := rand.New(rand.NewPCG(1, 2))
	var cases []string
	for range 5000 {
		at := time.Unix(r.Int64N(1<<34), 0).UTC()
		switch r.IntN(4) {
		case 0: // whole seconds
		case 1:
			at = at.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		default:
			at = at.Add(time.Duration(r.IntN(1e9)))
		}
		cases = append(cases, at.Format(layout))
	}
	cases = append(cases,
		"2026-12-07 07:45:24.1+00:00", "2026-12-07 07:45:24.100000000+00:00", "2024-02-29 00:00:00+00:00",
		"0001-01-01 00:00:00+00:00", "9999-12-31 23:59:59.999999999+00:00")
	for _, s := range cases {
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatalf("time.Parse(%q): %v", s, err)
		}
		got, ok := parseUTC(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("parseUTC(%q) = %v, %v; want %v in UTC", s, got, ok, want)
		}
	}
	// Not the shape: left to time.Parse, which reads some of them.
	for _, s := range []string{
		"", "2026-12-07", "2026-12-07 07:45", "2026-12-07T07:45:24+00:00", "2026-12-07 07:45:24",
		"2026-12-07 07:45:24+07:00", "2026-12-07 07:45:24.+00:00", "2026-12-07 07:45:24.1234567891+00:00",
		"2026-13-07 07:45:24+00:00", "2026-00-07 07:45:24+00:00", "2026-02-30 07:45:24+00:00", "2026-12-00 07:45:24+00:00",
		"2026-12-07 24:00:00+00:00", "2026-12-07 07:60:24+00:00", "2026-12-07 07:45:60+00:00", "2026-12-07 07:45:2x+00:00",
		"+026-12-07 07:45:24+00:00", "2026-12-07 07:45:24,5+00:00", "2026-12-07 07:45:24.-5+00:00", "2026/12/07 07:45:24+00:00",
	} {
		if got, ok := parseUTC(s); ok {
			t.Errorf("parseUTC(%q) = %v, want not read", s, got)
		}
	}
	var d dbTime
	if err := d.Scan("2026-12-07 07:45:24+07:00"); err != nil || !d.t.Equal(time.Date(2026, 12, 7, 0, 45, 24, 0, time.UTC)) {
		t.Errorf("Scan of a time with an offset = %v, %v", d.t, err)
	}
}
