package surat

import (
	"fmt"
	"testing"
)

// FuzzParseNIK checks ParseNIK and ValidateDigits16 on any string: no
// panic, a NIK is accepted only when it is 16 ASCII digits with a real
// date, and what it decodes writes back to the same digits.
//
//	go test -run '^$' -fuzz FuzzParseNIK -fuzztime 1m ./app/internal/surat
func FuzzParseNIK(f *testing.F) {
	for _, s := range []string{"3505121501800001", "3505125502820002", "3505122902000001", "3505122902010001",
		"0000001501800001", "350512150180000", "35051215018000011", "3505１21501800001", "3505120013800001",
		"3505127101800001", "", "abcdefghijklmnop", "3505123231800001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := ParseNIK(s)
		digits := ValidateDigits16(s, "NIK") == ""
		if err != nil {
			return
		}
		if !digits {
			t.Fatalf("ParseNIK accepted %q, which is not 16 digits", s)
		}
		if info.Region != s[:6] || info.Region == "000000" {
			t.Fatalf("region %q of %q", info.Region, s)
		}
		day := info.BirthDate.Day()
		if info.Sex == SexFemale {
			day += 40
		}
		back := fmt.Sprintf("%02d%02d%02d", day, int(info.BirthDate.Month()), info.BirthDate.Year()%100)
		if back != s[6:12] {
			t.Fatalf("%q decodes to %v (sex %d), which writes back as %s", s, info.BirthDate, info.Sex, back)
		}
	})
}
