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

// TestPublicLetterFromDriverBuffer: the MySQL driver gives a row's texts as
// slices of its read buffer, which the next row overwrites. A letter read
// from such a row keeps its own texts, and its optional values are set
// exactly when their columns are.
func TestPublicLetterFromDriverBuffer(t *testing.T) {
	buf := []byte("sk_usahasignedSiti Aminah500/012/3505122001/XII/2026K7Q2M9X4PAAAAAAAAAAAAAAAAAab12dicabut0a0bffee")
	parts := []int{len("sk_usaha"), len("signed"), len("Siti Aminah"), len("500/012/3505122001/XII/2026"),
		len("K7Q2M9X4PAAAAAAAAAAAAAAAAA"), len("ab12"), len("dicabut"), len("0a0b"), len("ffee")}
	var texts [][]byte
	for at, n := range parts {
		start := 0
		for _, m := range parts[:at] {
			start += m
		}
		texts = append(texts, buf[start:start+n])
	}
	signed := time.Date(2026, 12, 1, 2, 30, 15, 123456789, time.UTC)
	row := make([]driver.Value, publicColumns)
	row[0], row[1], row[2], row[3], row[4], row[5] = int64(1234567), int64(2), texts[0], texts[1], texts[2], texts[3]
	row[6], row[7], row[8], row[9], row[10], row[11] = texts[4], texts[5], signed, signed, nil, int64(300)
	row[12], row[13], row[14], row[15] = signed.Add(time.Hour), texts[6], nil, int64(9)
	row[16], row[17], row[18], row[19], row[20] = texts[7], texts[8], signed.AddDate(-1, 0, 0), signed.AddDate(1, 0, 0), nil

	l, err := publicLetterFrom(row)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x' // the driver reads the next row into its buffer
	}
	hour := signed.Add(time.Hour)
	switch {
	case l.ID != 1234567 || l.VillageID != 2 || l.Module != "sk_usaha" || l.Status != "signed" || l.SubjectName != "Siti Aminah":
		t.Errorf("letter: %+v", l)
	case l.Number == nil || *l.Number != "500/012/3505122001/XII/2026" || l.VerifyCode != "K7Q2M9X4PAAAAAAAAAAAAAAAAA" || l.PDFSHA256 != "ab12":
		t.Errorf("number %v, code %q, PDF %q", l.Number, l.VerifyCode, l.PDFSHA256)
	case l.IssuedAt == nil || !l.IssuedAt.Equal(signed) || l.SignedAt == nil || !l.SignedAt.Equal(signed) || l.ValidUntil != nil:
		t.Errorf("issued %v, signed %v, valid until %v", l.IssuedAt, l.SignedAt, l.ValidUntil)
	case l.SignerOfficialID == nil || *l.SignerOfficialID != 300 || l.ReplacedByID != nil || l.TemplateID == nil || *l.TemplateID != 9:
		t.Errorf("signer %v, replaced by %v, template %v", l.SignerOfficialID, l.ReplacedByID, l.TemplateID)
	case l.RevokedAt == nil || !l.RevokedAt.Equal(hour) || l.RevokeCode != "dicabut":
		t.Errorf("revoked %v (%q)", l.RevokedAt, l.RevokeCode)
	case l.CertSerial == nil || *l.CertSerial != "0a0b" || l.CertFingerprint == nil || *l.CertFingerprint != "ffee":
		t.Errorf("certificate %v %v", l.CertSerial, l.CertFingerprint)
	case l.CertNotBefore == nil || l.CertNotAfter == nil || !l.CertNotAfter.Equal(signed.AddDate(1, 0, 0)) || l.CertRevokedAt != nil:
		t.Errorf("certificate times %v %v %v", l.CertNotBefore, l.CertNotAfter, l.CertRevokedAt)
	}

	// A column of a type the query never gives is an error, not a blank.
	row[4] = 3.5
	if _, err := publicLetterFrom(row); err == nil {
		t.Error("a float subject name was read")
	}
}
