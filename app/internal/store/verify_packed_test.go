package store

import (
	"database/sql/driver"
	"reflect"
	"testing"
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
