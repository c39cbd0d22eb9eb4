package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	tl "github.com/suratdesa/suratdesa/templates/letters"
)

// The tests in this file render every module of the shipped catalogue
// (templates/letters) with the demo register of package letters, and check
// the PDFs the way a clerk or a verifier would: their text as pdftotext
// reads it, qpdf's structural check, the QR code as zbarimg reads it, and
// the position of every word on the page.

var update = flag.Bool("update", false, "rewrite testdata/golden/<code>.txt from the rendered PDFs")

// moduleDate is the letter date of the module fixtures: a Monday, and the
// clock letters.Demo computes ages and relative dates from.
var moduleDate = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// moduleVerifyURL is the verification URL of every sealed module fixture.
const moduleVerifyURL = "https://sumberejo.desa.id/v/7QK3M7ZJ2XW5TNB4RCY6HD8PAF"

// shippedCatalogue loads templates/letters or fails the test.
func shippedCatalogue(t testing.TB) *letters.Catalogue {
	t.Helper()
	c, err := letters.Load(tl.FS)
	if err != nil {
		t.Fatalf("load templates/letters: %v", err)
	}
	return c
}

// demoSigners are the three ways a letter is signed: by the kepala desa,
// a.n. by the sekretaris desa, u.b. by a kasi.
func demoSigners() []letters.Signer {
	o := letters.DemoOfficials()
	return []letters.Signer{
		{Official: o[0], Mode: letters.SignDirect},
		{Official: o[1], Mode: letters.SignAN},
		{Official: o[2], Mode: letters.SignUB},
	}
}

// moduleInput is the demo input of the i-th module: the demo register,
// the village logo, and a signer that takes turns between the three
// signing modes so that every mode appears in the golden files.
func moduleInput(m *letters.Module, i int) letters.Input {
	in := letters.Demo(m, moduleDate)
	in.Signer = demoSigners()[i%3]
	in.Logo = testLogo()
	return in
}

// build builds in or fails the test with the field errors.
func build(t testing.TB, c *letters.Catalogue, in letters.Input) *surat.Document {
	t.Helper()
	doc, err := c.Build(in)
	if err != nil {
		t.Fatalf("build %s: %v", in.Module, err)
	}
	return doc
}

// sealedModuleDoc is module m as a numbered letter with its seal, as the
// signing step renders it.
func sealedModuleDoc(t testing.TB, c *letters.Catalogue, m *letters.Module, i int) *surat.Document {
	in := moduleInput(m, i)
	in.Draft, in.Number = false, fmt.Sprintf("%s/%03d/3505122001/XI/2026", m.Klasifikasi, i+1)
	doc := build(t, c, in)
	doc.Seal = &surat.Seal{
		VerifyURL: moduleVerifyURL,
		Footer: "Dokumen ini ditandatangani secara elektronik menggunakan sertifikat elektronik yang " +
			"diterbitkan oleh Otoritas Sertifikat suratdesa Kabupaten Blitar. Keaslian dokumen dapat " +
			"diperiksa dengan memindai kode QR atau di " + moduleVerifyURL + ".",
	}
	return doc
}

// signerOf is the name of the official who signs the i-th module fixture.
func signerOf(m *letters.Module, i int) string {
	return demoSigners()[i%3].Official.Name
}

// layoutText is pdftotext -layout output with trailing blanks removed from
// every line, the form the golden files hold.
func layoutText(t *testing.T, data []byte) string {
	t.Helper()
	ps := pages(t, data)
	for i, p := range ps {
		lines := strings.Split(p, "\n")
		for j, l := range lines {
			lines[j] = strings.TrimRight(l, " \t")
		}
		ps[i] = strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
	}
	return strings.Join(ps, "\f")
}

// qpdfCheck fails the test unless qpdf --check finds the file clean.
func qpdfCheck(t *testing.T, data []byte) {
	t.Helper()
	bin := tool(t, "qpdf", "qpdf")
	out := run(t, bin, "--check", writePDF(t, data))
	if !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Errorf("qpdf --check:\n%s", out)
	}
}

// TestModulesGolden renders every module as a sealed letter and compares
// its text (pdftotext -layout) with testdata/golden/<code>.txt. Run
// "go test ./app/internal/pdf -run TestModulesGolden -update" after an
// intended change and review the diff. Each PDF also passes qpdf --check,
// carries a QR code that reads as the verification URL, and has no two
// words drawn over each other.
func TestModulesGolden(t *testing.T) {
	tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	r := newTestRenderer(t)
	for i, m := range c.Modules() {
		t.Run(m.Code, func(t *testing.T) {
			data := render(t, r, sealedModuleDoc(t, c, m, i))
			got := layoutText(t, data)
			path := filepath.Join("testdata", "golden", m.Code+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(path); err != nil {
				t.Fatalf("%v (run go test -run TestModulesGolden -update to create it)", err)
			} else if got != string(want) {
				t.Errorf("%s differs from the golden file; run go test -run TestModulesGolden -update and review the diff.\n%s",
					path, lineDiff(string(want), got))
			}

			ps := strings.Split(got, "\f")
			if !strings.Contains(ps[0], strings.ToUpper(m.Title)) {
				t.Errorf("page 1 lacks the title %q", strings.ToUpper(m.Title))
			}
			for _, bad := range []string{"<no value>", "{{", "}}", "%!", "<nil>", "DRAF"} {
				if strings.Contains(got, bad) {
					t.Errorf("text contains %q", bad)
				}
			}
			qpdfCheck(t, data)
			if at := pageOf(ps, signerOf(m, i)); at < 0 {
				t.Errorf("the signer's name is on no page")
			} else if url := decodeQR(t, data, at+1); url != moduleVerifyURL {
				t.Errorf("QR on page %d reads %q, want %q", at+1, url, moduleVerifyURL)
			}
			checkWords(t, data)
			checkSealArea(t, data, pageOf(ps, signerOf(m, i))+1)
			checkNote(t, data)
		})
	}
}

// TestModulesDraft renders every module as the preview does: a draft with
// the DRAF watermark drawn on every page (light grey pixels), the draft
// note, the dotted number, and no QR code nor seal sentence.
func TestModulesDraft(t *testing.T) {
	tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	r := newTestRenderer(t)
	for i, m := range c.Modules() {
		t.Run(m.Code, func(t *testing.T) {
			doc := build(t, c, moduleInput(m, i))
			if !doc.Draft || doc.Number != "" {
				t.Fatalf("letters.Demo is not a draft: draft %v number %q", doc.Draft, doc.Number)
			}
			data := render(t, r, doc)
			ps := pages(t, data)
			if pageOf(ps, "Nomor : ....../....../......") != 0 {
				t.Errorf("page 1 lacks the dotted number\n%s", ps[0])
			}
			for n := range ps {
				if !strings.Contains(squash(ps[n]), draftNote) {
					t.Errorf("page %d lacks %q", n+1, draftNote)
				}
				img := rasterise(t, data, n+1, 40)
				if got := watermarkShare(img); got < 0.04 {
					t.Errorf("page %d: %.1f %% of the page is watermark grey, want a visible DRAF", n+1, got*100)
				}
			}
			// The seal would sit in the signer block.
			if url := decodeQR(t, data, pageOf(ps, signerOf(m, i))+1); url != "" {
				t.Errorf("draft carries a QR code: %q", url)
			}
			if count(ps, "Keaslian dokumen") != 0 {
				t.Error("draft prints the seal sentence")
			}
			qpdfCheck(t, data)
		})
	}
}

// TestSealedLetterHasQRAndFooter checks what the signing step adds: the QR
// code at least 20 mm square in the official's signature space, between
// the office and the name, with "Ditandatangani secara elektronik" under
// it, and the TTE note at the foot of every page in type of at least 7 pt.
func TestSealedLetterHasQRAndFooter(t *testing.T) {
	c := shippedCatalogue(t)
	r := newTestRenderer(t)
	for i, m := range c.Modules() {
		if m.Code != "sk_domisili" && m.Code != "sk_ahli_waris" && m.Code != "surat_kuasa" {
			continue
		}
		t.Run(m.Code, func(t *testing.T) {
			data := render(t, r, sealedModuleDoc(t, c, m, i))
			ps := pages(t, data)
			signer := letters.DemoOfficials()[i%3].Name
			at := pageOf(ps, signer)
			for _, s := range []string{"Ditandatangani secara elektronik", signer} {
				if got := pageOf(ps, s); got != at || got < 0 {
					t.Errorf("%q on page %d, want the signer's page %d", s, got+1, at+1)
				}
			}
			if url := decodeQR(t, data, at+1); url != moduleVerifyURL {
				t.Errorf("QR reads %q", url)
			}
			checkSealArea(t, data, at+1)
			checkNote(t, data)
		})
	}
}

// checkNote fails the test unless every page carries the TTE note at its
// foot, below the body, in type of at least 7 pt.
func checkNote(t *testing.T, data []byte) {
	t.Helper()
	ps, _, ph := pageWords(t, data)
	for n, ws := range ps {
		found := false
		for _, w := range ws {
			if w.text != "Keaslian" {
				continue
			}
			found = true
			// pdftotext's word box is about 1.15 times the type size.
			if h := w.y1 - w.y0; h < 7*1.14 {
				t.Errorf("page %d: TTE note set in %.1f pt, want at least 7", n+1, h/1.15)
			}
			if w.y0 < ph-25*72/25.4 {
				t.Errorf("page %d: TTE note at %.0f pt from the top, not at the foot", n+1, w.y0)
			}
		}
		if !found {
			t.Errorf("page %d lacks the TTE note", n+1)
		}
	}
}

// TestAhliWarisManyHeirs flows a long letter onto further pages: with 25
// heirs the table fills page 1 and the rest of the letter follows; with 30
// the table itself breaks and its header repeats. Every heir is listed once
// in the table and signs once; each heir's signature block (caption, name)
// is whole on one page; the official's block (date, a.n. line, office,
// name, NIP) is whole on the last page and on no other.
func TestAhliWarisManyHeirs(t *testing.T) {
	bin := tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	m := c.Module("sk_ahli_waris")
	r := newTestRenderer(t)
	for _, n := range []int{25, 30} {
		t.Run(fmt.Sprintf("%d heirs", n), func(t *testing.T) {
			in := moduleInput(m, 1) // a.n. the sekretaris desa, who has a NIPD
			var heirs []letters.Subject
			var names []string
			relations := []string{"Anak", "Cucu", "Saudara kandung", "Lainnya"}
			for k := 0; k < n; k++ {
				born := time.Date(1960+k, time.Month(1+k%12), 1+k%28, 0, 0, 0, 0, time.UTC)
				name := fmt.Sprintf("Ahli Waris Ke-%02d Wirawan", k+1)
				names = append(names, name)
				heirs = append(heirs, letters.Subject{Relation: relations[k%len(relations)], Person: &surat.Person{
					NIK:  fmt.Sprintf("350512%02d%02d%02d%04d", born.Day(), int(born.Month()), born.Year()%100, k+1),
					Name: name, BirthPlace: "Blitar", BirthDate: born, Sex: surat.SexMale, Religion: 1, Occupation: 9,
					Citizenship: surat.CitizenWNI, Address: "Dusun Krajan RT 001 / RW 001, Desa Sumberejo",
				}})
			}
			in.Subjects["ahli_waris"] = letters.Subject{Items: heirs}
			doc := build(t, c, in)
			data := render(t, r, doc)
			if dir := os.Getenv("PDF_SAMPLE_DIR"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ahli_waris_%d.pdf", n)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ps := pages(t, data)
			if len(ps) < 2 {
				t.Fatalf("%d page(s), want the letter to flow onto a second page", len(ps))
			}
			for k, name := range names {
				if got := count(ps, name); got != 2 {
					t.Errorf("heir %q printed %d times, want twice (table and signature)", name, got)
				}
				// The block: its caption "k. Hubungan" and the name, on
				// one page.
				caption := fmt.Sprintf(" %d. %s ", k+1, relations[k%len(relations)])
				at := -1
				for i := len(ps) - 1; i >= 0 && at < 0; i-- {
					if strings.Contains(" "+squash(ps[i])+" ", caption) {
						at = i
					}
				}
				if at != lastPageOf(ps, name) {
					t.Errorf("heir %d's signature block is split: caption on page %d, name on page %d",
						k+1, at+1, lastPageOf(ps, name)+1)
				}
			}
			lastHeir := pageOf(ps, names[n-1])
			if pageOf(ps, names[0]) != 0 {
				t.Errorf("heir 1 on page %d, want 1", pageOf(ps, names[0])+1)
			}
			if n == 30 && lastHeir == 0 {
				t.Errorf("30 heirs all on page 1; the table does not break")
			}
			if got, want := count(ps, "No Nama NIK"), lastHeir+1; got != want {
				t.Errorf("table header printed %d times, want once on each of the %d page(s) the table runs over", got, want)
			}
			// pdftotext -f/-l: each line of the signer block is on the last
			// page; the signer's name is on no other.
			signer := demoSigners()[1].Official
			p := writePDF(t, data)
			for k := 1; k <= len(ps); k++ {
				text := squash(run(t, bin, "-layout", "-enc", "UTF-8", "-f", strconv.Itoa(k), "-l", strconv.Itoa(k), p, "-"))
				if k < len(ps) {
					if strings.Contains(text, signer.Name) || strings.Contains(text, signer.NIP) {
						t.Errorf("page %d carries part of the signer block", k)
					}
					continue
				}
				for _, s := range []string{"Sumberejo, 23 November 2026", "a.n. Kepala Desa Sumberejo", "Sekretaris Desa",
					signer.Name, signer.NIP, "Camat Sanankulon"} {
					if !strings.Contains(text, s) {
						t.Errorf("last page %d lacks %q", k, s)
					}
				}
			}
			qpdfCheck(t, data)
			checkWords(t, data)
		})
	}
}

// TestAhliWarisLongWordKeepsNIKsWhole gives one heir a long unbroken name
// and birthplace, which do not fit their columns: those words are split,
// while every heir's NIK, the row numbers and the one-word headers stay on
// one line each. Shrinking every column alike printed each NIK's last digit
// on a line of its own and the header "Hubunga/n".
func TestAhliWarisLongWordKeepsNIKsWhole(t *testing.T) {
	c := shippedCatalogue(t)
	m := c.Module("sk_ahli_waris")
	in := moduleInput(m, 0)
	born := time.Date(1978, 3, 15, 0, 0, 0, 0, time.UTC)
	heirs := []letters.Subject{
		{Relation: "Anak", Person: &surat.Person{NIK: "3505121503780001", Name: "Muhammad Abdurrahmanwahyudiningrat",
			BirthPlace: "Kab.Labuhanbatu-Selatan/Sumatera-Utara", BirthDate: born, Sex: surat.SexMale, Religion: 1,
			Occupation: 9, Citizenship: surat.CitizenWNI, Address: "Dusun Krajan RT 001 / RW 001, Desa Sumberejo"}},
		{Relation: "Cucu", Person: &surat.Person{NIK: "3505066507960002", Name: "Dewi Anggraini", BirthPlace: "Blitar",
			BirthDate: time.Date(1996, 7, 25, 0, 0, 0, 0, time.UTC), Sex: surat.SexFemale, Religion: 1, Occupation: 9,
			Citizenship: surat.CitizenWNI, Address: "Dusun Krajan RT 001 / RW 001, Desa Sumberejo"}},
	}
	in.Subjects["ahli_waris"] = letters.Subject{Items: heirs}
	data := render(t, newTestRenderer(t), build(t, c, in))
	if dir := os.Getenv("PDF_SAMPLE_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "ahli_waris_long_word.pdf"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ps := pages(t, data)
	for _, want := range []string{"3505121503780001", "3505066507960002", "Hubungan", "NIK"} {
		lines := 0
		for _, p := range ps {
			for _, line := range strings.Split(p, "\n") {
				if strings.Contains(line, want) {
					lines++
				}
			}
		}
		if lines == 0 {
			t.Errorf("%q is not printed whole on any line:\n%s", want, strings.Join(ps, "\f"))
		}
	}
	if pageOf(ps, "Muhammad") < 0 || pageOf(ps, "Dewi Anggraini") < 0 {
		t.Errorf("heirs' names missing:\n%s", strings.Join(ps, "\f"))
	}
	checkWords(t, data)
}

// TestModulesWithoutOptionalValues leaves out every optional field and
// optional subject of every module: the letter still builds, and nothing
// unfilled reaches the page.
func TestModulesWithoutOptionalValues(t *testing.T) {
	tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	r := newTestRenderer(t)
	emptyRow := regexp.MustCompile(`(?m)\S\s+:\s*$`)
	for i, m := range c.Modules() {
		t.Run(m.Code, func(t *testing.T) {
			in := moduleInput(m, i)
			dropped := 0
			for _, f := range m.Fields {
				if !f.Required && in.Fields[f.Name] != "" {
					delete(in.Fields, f.Name)
					dropped++
				}
			}
			for _, s := range m.Subjects {
				if _, ok := in.Subjects[s.Role]; ok && !s.Required {
					delete(in.Subjects, s.Role)
					dropped++
				}
			}
			data := render(t, r, build(t, c, in))
			text := strings.Join(pages(t, data), "\n")
			for _, bad := range []string{"<no value>", "{{", "}}", "%!", "<nil>", "(MISSING)", " , ", "dengan .", "..."} {
				if strings.Contains(text, bad) && !(bad == "..." && strings.Contains(text, "....../")) {
					t.Errorf("dropped %d optional values; text contains %q\n%s", dropped, bad, text)
				}
			}
			if loc := emptyRow.FindStringIndex(text); loc != nil {
				t.Errorf("a row without a value: %q", text[max(0, loc[0]-40):loc[1]])
			}
		})
	}
}

// TestModuleLatinNames prints names with letters outside ASCII through the
// catalogue, into the rows, the heirs' table and the signer block.
func TestModuleLatinNames(t *testing.T) {
	tool(t, "pdftotext", "poppler-utils")
	c := shippedCatalogue(t)
	r := newTestRenderer(t)

	in := moduleInput(c.Module("sk_pengantar"), 0)
	s := in.Subjects["pemohon"]
	s.Resident.Name = "Ni Luh Ayu Ṣ"
	s.Resident.BirthPlace = "Tanjung Karang–Telukbetung"
	s.Resident.FatherName = "O'Neil Dédé"
	in.Signer.Official.Name = "I Gusti Ngurah Ḍarma Wédana, S.IP."
	text := strings.Join(pages(t, render(t, r, build(t, c, in))), "\n")
	for _, want := range []string{"NI LUH AYU Ṣ", "Tanjung Karang–Telukbetung", "I Gusti Ngurah Ḍarma Wédana, S.IP."} {
		if !strings.Contains(squash(text), want) {
			t.Errorf("sk_pengantar lacks %q\n%s", want, text)
		}
	}

	in = moduleInput(c.Module("sk_ahli_waris"), 0)
	heirs := in.Subjects["ahli_waris"]
	heirs.Items[0].Resident.Name = "Dédé Ñoño"
	heirs.Items[1].Person.Name = "O'Neil Siti Nur’aini"
	in.Subjects["ahli_waris"] = heirs
	in.Subjects["pewaris"].Resident.Name = "Łukasz Ægir Øvergård"
	text = strings.Join(pages(t, render(t, r, build(t, c, in))), "\n")
	upper := strings.ToUpper(squash(text))
	for _, want := range []string{"DÉDÉ ÑOÑO", "O'NEIL SITI NUR’AINI", "ŁUKASZ ÆGIR ØVERGÅRD"} {
		if !strings.Contains(upper, want) {
			t.Errorf("sk_ahli_waris lacks %q (any case)\n%s", want, text)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("a letter printed as ?\n%s", text)
	}
}

// word is one word of a page as pdftotext -bbox places it, in points from
// the top left corner.
type word struct {
	x0, y0, x1, y1 float64
	text           string
}

var (
	bboxPage = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// pageWords returns the words of every page and the page size in points.
func pageWords(t *testing.T, data []byte) (pagesOut [][]word, w, h float64) {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	out := run(t, bin, "-bbox", "-enc", "UTF-8", writePDF(t, data), "-")
	for _, chunk := range strings.Split(out, "<page ")[1:] {
		chunk = "<page " + chunk
		if m := bboxPage.FindStringSubmatch(chunk); m != nil {
			w, _ = strconv.ParseFloat(m[1], 64)
			h, _ = strconv.ParseFloat(m[2], 64)
		}
		var ws []word
		for _, m := range bboxWord.FindAllStringSubmatch(chunk, -1) {
			var f [4]float64
			for i := range f {
				f[i], _ = strconv.ParseFloat(m[i+1], 64)
			}
			ws = append(ws, word{f[0], f[1], f[2], f[3], m[5]})
		}
		pagesOut = append(pagesOut, ws)
	}
	return pagesOut, w, h
}

// checkWords fails the test when two words of a page are drawn over each
// other, or a word runs into the outer 10 mm of the page.
func checkWords(t *testing.T, data []byte) {
	t.Helper()
	ps, pw, ph := pageWords(t, data)
	const mm = 72 / 25.4
	const tol = 0.8 // points of overlap a font's line box may have
	for n, ws := range ps {
		for i, a := range ws {
			if a.x0 < 10*mm || a.x1 > pw-10*mm || a.y0 < 5*mm || a.y1 > ph-5*mm {
				t.Errorf("page %d: %q at (%.0f,%.0f)-(%.0f,%.0f) pt is outside the printable area", n+1, a.text, a.x0, a.y0, a.x1, a.y1)
			}
			for _, b := range ws[i+1:] {
				if min(a.x1, b.x1)-max(a.x0, b.x0) > tol && min(a.y1, b.y1)-max(a.y0, b.y0) > tol {
					t.Errorf("page %d: %q and %q overlap", n+1, a.text, b.text)
				}
			}
		}
	}
}

// qrGround matches the white square drawQR lays under the QR modules:
// x y w h in points, from the bottom left.
var qrGround = regexp.MustCompile(`q 1 g ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re f 0 g`)

// checkSealArea measures the QR code in the content of one page (qpdf
// --qdf uncompresses it) and checks that it is at least 20 mm square with
// its quiet zone, that no word is printed on it, that the office is above
// it and "Ditandatangani secara elektronik" under it.
func checkSealArea(t *testing.T, data []byte, page int) {
	t.Helper()
	bin := tool(t, "qpdf", "qpdf")
	in := writePDF(t, data)
	out := filepath.Join(t.TempDir(), "qdf.pdf")
	run(t, bin, "--qdf", "--object-streams=disable", in, "--pages", in, strconv.Itoa(page), "--", out)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ms := qrGround.FindAllSubmatch(raw, -1)
	if len(ms) != 1 {
		t.Fatalf("found %d QR codes on page %d, want 1", len(ms), page)
	}
	var q [4]float64
	for i := range q {
		q[i], _ = strconv.ParseFloat(string(ms[0][i+1]), 64)
	}
	const mm = 72 / 25.4
	if q[2] < 20*mm || q[3] < 20*mm {
		t.Errorf("QR code %.1f x %.1f mm, want at least 20 mm", q[2]/mm, q[3]/mm)
	}
	ps, _, ph := pageWords(t, data)
	ws := ps[page-1]
	// From PDF coordinates (bottom left) to pdftotext's (top left).
	x0, x1, y0, y1 := q[0], q[0]+q[2], ph-q[1]-q[3], ph-q[1]
	above, below := false, false
	for _, w := range ws {
		if min(w.x1, x1)-max(w.x0, x0) > 0 && min(w.y1, y1)-max(w.y0, y0) > 0 {
			t.Errorf("word %q printed on the QR code", w.text)
		}
		centred := w.x1 > x0 && w.x0 < x1
		if w.text == "Ditandatangani" && w.y0 >= y1-1 && w.y0 < y1+4*mm && centred {
			below = true
		}
		if w.y1 <= y0+1 && w.y1 > y0-8*mm && centred {
			above = true
		}
	}
	if !below {
		t.Error(`"Ditandatangani secara elektronik" is not right under the QR code`)
	}
	if !above {
		t.Error("no line of the signer block right above the QR code")
	}
}

// rasterise renders one page at dpi as a grey image.
func rasterise(t *testing.T, data []byte, page, dpi int) image.Image {
	t.Helper()
	bin := tool(t, "pdftoppm", "poppler-utils")
	p := writePDF(t, data)
	prefix := filepath.Join(filepath.Dir(p), "ras")
	run(t, bin, "-r", strconv.Itoa(dpi), "-gray", "-png", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page),
		"-singlefile", p, prefix)
	b, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// watermarkShare is the share of pixels in the light grey of the DRAF
// watermark.
func watermarkShare(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g, _, _, _ := img.At(x, y).RGBA()
			if v := g >> 8; v >= 205 && v <= 232 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 12; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d\n  want: %q\n  got:  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}
