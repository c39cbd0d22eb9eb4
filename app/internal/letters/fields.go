package letters

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// fieldValue is a submitted field value after parsing.
type fieldValue struct {
	set  bool
	raw  string // canonical form: ISO date, 15:04, digits, the option's label
	text string // as printed in the letter
	date time.Time
	num  int64
}

var (
	digitsRe    = regexp.MustCompile(`^[0-9]+$`)
	groupedRe   = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+$`)
	timeRe      = regexp.MustCompile(`^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$`)
	moneySuffix = []string{",00", ",0", ",-", ".-", ".00"}
)

// parse checks s against the field's type and rules (except required and
// not_before, which need the whole form) and returns the value or an
// Indonesian message. now is the letter date, for not_future.
func (f *FieldSpec) parse(s string, now time.Time) (fieldValue, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return fieldValue{}, ""
	}
	v := fieldValue{set: true}
	switch f.Type {
	case TypeText, TypeTextarea:
		// Letters are typeset paragraphs: runs of white space, including
		// line breaks typed into a textarea, print as one space.
		s = strings.Join(strings.Fields(s), " ")
		s = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, s)
		if n := len([]rune(s)); n > f.MaxLength {
			return v, fmt.Sprintf("%s paling banyak %d karakter (sekarang %d)", f.Label, f.MaxLength, n)
		}
		if f.Digits > 0 && (len(s) != f.Digits || !digitsRe.MatchString(s)) {
			return v, fmt.Sprintf("%s harus %d digit angka", f.Label, f.Digits)
		}
		v.raw, v.text = s, s
	case TypeDate:
		d, err := surat.ParseDate(s)
		if err != nil {
			return v, f.Label + " harus berupa tanggal yang benar (HH-BB-TTTT)"
		}
		if d.Year() < 1880 {
			return v, f.Label + " terlalu lampau"
		}
		if f.NotFuture && d.After(now) {
			return v, f.Label + " tidak boleh melewati tanggal surat"
		}
		if f.NotPast && d.Before(now) {
			return v, f.Label + " tidak boleh sebelum tanggal surat"
		}
		v.date, v.raw, v.text = d, d.Format("2006-01-02"), surat.FormatDate(d)
	case TypeTime:
		m := timeRe.FindStringSubmatch(s)
		if m == nil {
			return v, f.Label + " harus berupa jam yang benar (JJ:MM, mis. 14:30)"
		}
		h, _ := strconv.Atoi(m[1])
		v.raw = fmt.Sprintf("%02d:%s", h, m[2])
		v.text = fmt.Sprintf("%02d.%s", h, m[2])
	case TypeInt, TypeMoney:
		n, ok := parseAmount(s, f.Type == TypeMoney)
		if !ok {
			if f.Type == TypeMoney {
				return v, f.Label + " harus berupa jumlah rupiah, mis. 1.500.000"
			}
			return v, f.Label + " harus berupa bilangan bulat"
		}
		if f.HasMin && n < f.Min {
			return v, fmt.Sprintf("%s paling sedikit %s", f.Label, f.formatNum(f.Min))
		}
		if f.HasMax && n > f.Max {
			return v, fmt.Sprintf("%s paling banyak %s", f.Label, f.formatNum(f.Max))
		}
		v.num, v.raw, v.text = n, strconv.FormatInt(n, 10), f.formatNum(n)
	case TypeEnum:
		o := f.option(s)
		if o == "" {
			if len(f.Options) <= 8 {
				return v, fmt.Sprintf("%s harus salah satu dari: %s", f.Label, strings.Join(f.Options, ", "))
			}
			return v, f.Label + " tidak dikenal"
		}
		v.raw, v.text = o, o
	}
	return v, ""
}

func (f *FieldSpec) formatNum(n int64) string {
	if f.Type == TypeMoney {
		return FormatRupiah(n)
	}
	return strconv.FormatInt(n, 10)
}

// option returns the option matching s (ignoring case and spacing), or, for
// a register enumeration, the option whose id is s; "" when none matches.
func (f *FieldSpec) option(s string) string {
	want := normOption(s)
	for _, o := range f.Options {
		if normOption(o) == want {
			return o
		}
	}
	if f.Enum != "" {
		if id, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			e, _ := registerEnum(f.Enum)
			return e.Label(id)
		}
	}
	return ""
}

func normOption(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " /", "/")
	s = strings.ReplaceAll(s, "/ ", "/")
	return strings.Join(strings.Fields(s), " ")
}

// parseAmount reads "1500000", "1.500.000" and, for money, "Rp 1.500.000,00".
func parseAmount(s string, money bool) (int64, bool) {
	s = strings.TrimSpace(s)
	if money {
		l := strings.ToLower(s)
		for _, p := range []string{"rp.", "rp"} {
			if strings.HasPrefix(l, p) {
				s = strings.TrimSpace(s[len(p):])
				break
			}
		}
		for _, suf := range moneySuffix {
			if strings.HasSuffix(s, suf) && len(s) > len(suf) {
				s = s[:len(s)-len(suf)]
				break
			}
		}
	}
	switch {
	case groupedRe.MatchString(s):
		s = strings.ReplaceAll(s, ".", "")
	case !digitsRe.MatchString(s):
		return 0, false
	}
	if len(s) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// FormatRupiah prints an amount as letters do: "Rp 1.500.000".
func FormatRupiah(n int64) string { return "Rp " + groupThousands(n) }

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

var smallNumbers = [...]string{"nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh",
	"delapan", "sembilan", "sepuluh", "sebelas"}

// terbilang spells a whole number in Indonesian words, as letters do after
// an amount: 1500000 -> "satu juta lima ratus ribu".
func terbilang(n int64) string {
	if n < 0 {
		return "minus " + terbilang(-n)
	}
	var words func(n int64) string
	words = func(n int64) string {
		switch {
		case n == 0:
			return ""
		case n < 12:
			return smallNumbers[n]
		case n < 20:
			return words(n-10) + " belas"
		case n < 100:
			return words(n/10) + " puluh " + words(n%10)
		case n < 200:
			return "seratus " + words(n-100)
		case n < 1000:
			return words(n/100) + " ratus " + words(n%100)
		case n < 2000:
			return "seribu " + words(n-1000)
		case n < 1_000_000:
			return words(n/1000) + " ribu " + words(n%1000)
		case n < 1_000_000_000:
			return words(n/1_000_000) + " juta " + words(n%1_000_000)
		case n < 1_000_000_000_000:
			return words(n/1_000_000_000) + " miliar " + words(n%1_000_000_000)
		}
		return words(n/1_000_000_000_000) + " triliun " + words(n%1_000_000_000_000)
	}
	if n == 0 {
		return "nol"
	}
	return strings.Join(strings.Fields(words(n)), " ")
}

// relativeDate reads a demo date relative to now: "hari ini", "-3 hari",
// "+2 minggu", "-1 bulan", "-5 tahun".
func relativeDate(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "hari ini" {
		return now, true
	}
	parts := strings.Fields(s)
	if len(parts) != 2 || (!strings.HasPrefix(parts[0], "-") && !strings.HasPrefix(parts[0], "+")) {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil {
		return time.Time{}, false
	}
	switch parts[1] {
	case "hari":
		return now.AddDate(0, 0, n), true
	case "minggu":
		return now.AddDate(0, 0, 7*n), true
	case "bulan":
		return addMonths(now, n), true
	case "tahun":
		return addMonths(now, 12*n), true
	}
	return time.Time{}, false
}
