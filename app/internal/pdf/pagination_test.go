package pdf

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestPaginationEveryModule renders every module of the shipped catalogue
// as a signed letter with minimal data (required values only, lists at
// their minimum), typical data (the demo register) and maximal data (every
// optional value and person given, long texts, lists and households at
// their largest), reads the pages back with pdftotext and checks what a
// clerk would check on paper:
//
//   - the signatures start on a page that carries body text: the last body
//     block whole and the end of the block before it, never a signature
//     alone;
//   - no block of data rows (one person's or one thing's data) is split
//     across pages, in the letter or in an attached form;
//   - no signature block is split: caption, name and (for the official)
//     office and NIP on one page;
//   - every page after the first repeats the letter number and says
//     "Halaman n dari m"; page 1 of a longer letter says "Halaman 1 dari m".
func TestPaginationEveryModule(t *testing.T) {
	tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	r := newTestRenderer(t)
	variants := []struct {
		name string
		make func(t *testing.T, m *letters.Module, in letters.Input) letters.Input
	}{
		{"minimal", minimalInput},
		{"typical", func(_ *testing.T, _ *letters.Module, in letters.Input) letters.Input { return in }},
		{"maximal", maximalInput},
	}
	for i, m := range c.Modules() {
		for _, v := range variants {
			t.Run(m.Code+"/"+v.name, func(t *testing.T) {
				in := v.make(t, m, moduleInput(m, i))
				in.Draft, in.Number = false, fmt.Sprintf("%s/%03d/3505122001/XI/2026", m.Klasifikasi, i+1)
				doc, err := c.Build(in)
				if err != nil {
					t.Fatalf("build: %v", err)
				}
				doc.Seal = &surat.Seal{VerifyURL: moduleVerifyURL, Footer: "Dokumen ini ditandatangani secara " +
					"elektronik. Keaslian dokumen dapat diperiksa dengan memindai kode QR atau di " + moduleVerifyURL + "."}
				ps := pages(t, render(t, r, doc))
				checkPagination(t, doc, ps)
			})
		}
	}
}

// checkPagination applies the rules of TestPaginationEveryModule to the
// pages of doc.
func checkPagination(t *testing.T, doc *surat.Document, ps []string) {
	t.Helper()
	flat := make([]string, len(ps))
	for i, p := range ps {
		flat[i] = " " + squash(p) + " "
	}
	on := func(from, to int, s string) []int { // pages in [from, to) holding s
		var out []int
		for i := from; i < to; i++ {
			if strings.Contains(flat[i], " "+squash(s)+" ") || strings.Contains(flat[i], squash(s)) && len(s) > 12 {
				out = append(out, i)
			}
		}
		return out
	}
	// words is on for text that may be wrapped in a column beside another
	// (a signature block, a table cell): the pages holding all its words.
	words := func(from, to int, s string) []int {
		var out []int
	page:
		for i := from; i < to; i++ {
			for _, w := range strings.Fields(s) {
				if !strings.Contains(flat[i], " "+w+" ") {
					continue page
				}
			}
			out = append(out, i)
		}
		return out
	}
	// Where the attached forms start: each on a new page, in order.
	formStart := make([]int, len(doc.Forms)+1)
	next := 1
	for k, f := range doc.Forms {
		formStart[k] = -1
		for i := next; i < len(ps); i++ {
			if strings.Contains(flat[i], squash(strings.ToUpper(f.Title))) && strings.Contains(flat[i], f.Code) {
				formStart[k], next = i, i+1
				break
			}
		}
		if formStart[k] < 0 {
			t.Errorf("form %s (%s) is on no page", f.Code, f.Title)
			return
		}
	}
	formStart[len(doc.Forms)] = len(ps)
	letterEnd := formStart[0]
	if len(doc.Forms) == 0 {
		letterEnd = len(ps)
	}

	// Blocks of data rows are whole on one page.
	wholeRows := func(from, to int, b surat.Block, where string) {
		var parts []string
		for _, r := range b.Rows {
			v := r.Value
			if strings.TrimSpace(v) == "" {
				v = "-"
			}
			parts = append(parts, r.Label+" : "+v)
		}
		text := strings.Join(parts, " ")
		if len(on(from, to, text)) == 0 {
			t.Errorf("%s: the rows starting %q are not whole on one page", where, parts[0])
		}
	}
	blockText := func(b surat.Block) string {
		switch b.Kind {
		case surat.Paragraph, surat.Heading:
			return b.Text
		case surat.Rows:
			var parts []string
			for _, r := range b.Rows {
				parts = append(parts, r.Label+" : "+r.Value)
			}
			return strings.Join(parts, " ")
		}
		if len(b.Cells) == 0 {
			return ""
		}
		return strings.Join(b.Cells[len(b.Cells)-1], " ")
	}
	lastWords := func(s string, n int) string {
		w := strings.Fields(s)
		return strings.Join(w[max(0, len(w)-n):], " ")
	}
	// The signatures start where the body ends, with body text.
	sigStart := func(from, to int, blocks []surat.Block, groups []surat.SignatureGroup, official bool, where string) {
		first := ""
		switch {
		case len(groups) > 0 && groups[0].Heading != "":
			first = groups[0].Heading
		case len(groups) > 0 && !groups[0].Blocks[0].Official && len(groups[0].Blocks[0].Caption) > 0:
			first = groups[0].Blocks[0].Caption[0]
		case len(groups) > 0 && !groups[0].Blocks[0].Official:
			first = groups[0].Blocks[0].Name
		case len(groups) > 0 || official:
			first = doc.Place + ", " + surat.FormatDate(doc.Date)
		default:
			return
		}
		pages := words(from, to, first)
		if len(pages) == 0 {
			t.Errorf("%s: the first signature line %q is on no page", where, first)
			return
		}
		at := pages[len(pages)-1]
		if n := len(blocks); n > 0 {
			if text := blockText(blocks[n-1]); text != "" && !contains(on(from, to, text), at) {
				t.Errorf("%s: the signatures start on page %d without the whole last block %q", where, at+1, lastWords(text, 6))
			}
			if n > 1 {
				if text := lastWords(blockText(blocks[n-2]), 4); text != "" && !contains(words(from, to, text), at) {
					t.Errorf("%s: the signatures start on page %d without the end of the block before the last (%q)",
						where, at+1, text)
				}
			}
		}
	}
	for _, b := range doc.Blocks {
		if b.Kind == surat.Rows {
			wholeRows(0, letterEnd, b, "letter")
		}
	}
	sigStart(0, letterEnd, doc.Blocks, doc.Signatures, true, "letter")
	for k, f := range doc.Forms {
		from, to := formStart[k], formStart[k+1]
		where := fmt.Sprintf("form %d (%s)", k+1, f.Code)
		if len(f.Header) > 0 {
			wholeRows(from, to, surat.Block{Kind: surat.Rows, Rows: f.Header}, where)
		}
		for _, b := range f.Blocks {
			if b.Kind == surat.Rows {
				wholeRows(from, to, b, where)
			}
		}
		sigStart(from, to, f.Blocks, f.Signatures, false, where)
	}

	// Signature blocks are whole: the caption's last line and the name
	// (the official: the office, the name and the NIP) on one page.
	sigWhole := func(from, to int, groups []surat.SignatureGroup, where string) {
		for _, g := range groups {
			for _, b := range g.Blocks {
				var parts []string
				switch {
				case b.Official:
					parts = []string{doc.Signer.Jabatan, doc.Signer.Name, doc.Signer.NIP}
				case b.Name != "" && len(b.Caption) > 0:
					parts = []string{b.Caption[len(b.Caption)-1], b.Name}
				default:
					continue
				}
				var common []int
				for i, p := range parts {
					if p == "" {
						continue
					}
					got := words(from, to, p)
					if i == 0 || common == nil {
						common = got
						continue
					}
					var both []int
					for _, x := range got {
						if contains(common, x) {
							both = append(both, x)
						}
					}
					common = both
				}
				if len(common) == 0 {
					t.Errorf("%s: signature block %q is not whole on one page", where, strings.Join(parts, " / "))
				}
			}
		}
	}
	sigWhole(0, letterEnd, doc.Signatures, "letter")
	for k, f := range doc.Forms {
		sigWhole(formStart[k], formStart[k+1], f.Signatures, fmt.Sprintf("form %d (%s)", k+1, f.Code))
	}

	// Running header and page numbers.
	n := len(ps)
	for i := range ps {
		want := fmt.Sprintf("Halaman %d dari %d", i+1, n)
		switch {
		case n == 1 && strings.Contains(flat[i], "Halaman 1 dari"):
			t.Errorf("a one-page letter says %q", "Halaman 1 dari")
		case n > 1 && !strings.Contains(flat[i], want):
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if i > 0 && !strings.Contains(flat[i], "Nomor : "+doc.Number) {
			t.Errorf("page %d does not repeat the letter number", i+1)
		}
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// minimalInput keeps only what a module requires: required fields (with
// their defaults), required subjects, lists at their minimum.
func minimalInput(_ *testing.T, m *letters.Module, in letters.Input) letters.Input {
	for _, f := range m.Fields {
		if !f.Required {
			delete(in.Fields, f.Name)
		}
	}
	for _, s := range m.Subjects {
		sub, ok := in.Subjects[s.Role]
		switch {
		case !ok:
		case !s.Required:
			delete(in.Subjects, s.Role)
		case s.Kind.IsList():
			sub.Items = sub.Items[:max(1, s.Min)]
			in.Subjects[s.Role] = sub
		}
	}
	// A death the register does not record needs its date typed.
	for _, s := range m.Subjects {
		if s.DiedOn != "" && in.Subjects[s.Role].DeathDate.IsZero() {
			in.Fields[s.DiedOn] = moduleDate.AddDate(0, -1, 0).Format("2006-01-02")
		}
	}
	return in
}

// longText is realistic filler for the longest values a clerk may type.
const longText = "Keterangan tambahan yang diberikan oleh pemohon secara lengkap dan rinci " +
	"mengenai keperluan, tempat, waktu serta pihak-pihak yang bersangkutan, ditulis " +
	"panjang untuk menguji tata letak surat pada kertas F4 maupun A4."

// maximalInput gives every optional value and person, long texts, and lists
// and households at their largest.
func maximalInput(t *testing.T, m *letters.Module, in letters.Input) letters.Input {
	serial := 0
	person := func(sex int) *surat.Person {
		serial++
		if sex == 0 {
			sex = surat.SexMale
		}
		born := time.Date(1960+serial%40, time.Month(1+serial%12), 1+serial%28, 0, 0, 0, 0, time.UTC)
		day := born.Day()
		if sex == surat.SexFemale {
			day += 40
		}
		return &surat.Person{
			NIK:  fmt.Sprintf("357102%02d%02d%02d%04d", day, int(born.Month()), born.Year()%100, 9000+serial),
			Name: fmt.Sprintf("Raden Mas Panji Prawiro Kusumo Wicaksono Ke-%02d", serial), BirthPlace: "Kabupaten Tulungagung",
			BirthDate: born, Sex: sex, Religion: 1, Occupation: 15, Citizenship: surat.CitizenWNI,
			Address: "Perumahan Griya Permata Asri Blok AA Nomor 123 RT 012 / RW 034, Kelurahan Bendogerit, " +
				"Kecamatan Sananwetan, Kota Blitar, Provinsi Jawa Timur",
		}
	}
	for _, s := range m.Subjects {
		sub, given := in.Subjects[s.Role]
		switch {
		case s.Kind.IsList():
			limit := s.Max
			if limit == 0 {
				limit = 30
			}
			var items []letters.Subject
			for k := 0; k < limit; k++ {
				it := letters.Subject{}
				if s.Kind.AllowsTyped() {
					it.Person = person(s.Sex)
				} else {
					it.Resident = extraMember(t, in, s, k)
					if it.Resident == nil {
						break
					}
				}
				if len(s.ItemRelations) > 0 {
					it.Relation = s.ItemRelations[k%len(s.ItemRelations)]
				}
				items = append(items, it)
			}
			if len(items) > 0 {
				in.Subjects[s.Role] = letters.Subject{Items: items}
			}
		case s.Kind == letters.KindHousehold && given:
			for k := 0; k < 9; k++ {
				r := *sub.Resident
				r.ID, r.Relation = 900+int64(k), 4
				r.Name = fmt.Sprintf("Anggota Keluarga Tambahan Ke-%02d", k+1)
				r.BirthDate = moduleDate.AddDate(-10-k, 0, 0)
				r.NIK = fmt.Sprintf("350512%02d%02d%02d%04d", r.BirthDate.Day(), int(r.BirthDate.Month()), r.BirthDate.Year()%100, 8000+k)
				sub.Members = append(sub.Members, r)
			}
			in.Subjects[s.Role] = sub
		case !given && s.Kind.AllowsTyped():
			in.Subjects[s.Role] = letters.Subject{Person: person(s.Sex)}
		}
	}
	for _, f := range m.Fields {
		switch f.Type {
		case letters.TypeText, letters.TypeTextarea:
			if f.Digits > 0 {
				continue
			}
			limit := min(f.MaxLength, 150)
			if f.Type == letters.TypeTextarea {
				limit = min(f.MaxLength, 600)
			}
			s := longText
			for len([]rune(s)) < limit {
				s += " " + longText
			}
			in.Fields[f.Name] = strings.TrimSpace(string([]rune(s)[:limit]))
		case letters.TypeEnum:
			long := ""
			for _, o := range f.Options {
				if len(o) > len(long) {
					long = o
				}
			}
			in.Fields[f.Name] = long
		case letters.TypeDate:
			if in.Fields[f.Name] == "" && f.NotBefore == "" {
				in.Fields[f.Name] = moduleDate.Format("2006-01-02")
			}
		case letters.TypeTime:
			if in.Fields[f.Name] == "" {
				in.Fields[f.Name] = "23:45"
			}
		case letters.TypeInt, letters.TypeMoney:
			if f.HasMax {
				in.Fields[f.Name] = fmt.Sprint(f.Max)
			} else if in.Fields[f.Name] == "" {
				in.Fields[f.Name] = "987654321"
			}
		}
	}
	// The register's date of death wins; a typed one must then be left out.
	for _, s := range m.Subjects {
		if s.DiedOn != "" && !in.Subjects[s.Role].DeathDate.IsZero() {
			delete(in.Fields, s.DiedOn)
		}
	}
	return in
}

// extraMember is the k-th synthetic resident for a list of residents: a
// member of the KK its same_household role names (or of the main
// subject's), alive and distinct.
func extraMember(t *testing.T, in letters.Input, s letters.SubjectSpec, k int) *surat.Resident {
	t.Helper()
	var base *surat.Resident
	for _, role := range []string{s.SameHousehold} {
		if sub, ok := in.Subjects[role]; ok && sub.Resident != nil {
			base = sub.Resident
		}
	}
	if base == nil {
		for _, sub := range in.Subjects {
			if sub.Resident != nil {
				base = sub.Resident
				break
			}
		}
	}
	if base == nil {
		return nil
	}
	r := *base
	r.ID = 700 + int64(k)
	r.Relation, r.LifeStatus, r.MaritalStatus = 4, surat.LifeAlive, 1
	r.BirthDate = moduleDate.AddDate(-20-k, -k, 0)
	r.Name = fmt.Sprintf("Pengikut Nomor %02d Sekeluarga", k+1)
	r.NIK = fmt.Sprintf("350512%02d%02d%02d%04d", r.BirthDate.Day(), int(r.BirthDate.Month()), r.BirthDate.Year()%100, 7000+k)
	return &r
}
