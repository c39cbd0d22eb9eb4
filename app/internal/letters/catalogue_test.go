package letters

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	tl "github.com/suratdesa/suratdesa/templates/letters"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testNow is the letter date of every test: a Monday.
var testNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func shipped(t testing.TB) *Catalogue {
	t.Helper()
	c, err := Load(tl.FS)
	if err != nil {
		t.Fatalf("Load(templates/letters): %v", err)
	}
	return c
}

// The 27 modules (docs/design.md §4) in the order they were specified, then
// the six of the second tier added with issue 13.
var wantCodes = []string{
	"sk_pengantar", "sk_domisili", "sk_tidak_mampu", "sk_usaha", "sk_domisili_usaha",
	"sk_penghasilan_ortu", "sk_kelahiran", "sk_kematian", "sk_pindah", "sp_kartu_keluarga",
	"sk_ktp_dalam_proses", "sk_beda_identitas", "sk_biodata", "sp_skck", "sp_izin_keramaian",
	"sk_kehilangan", "sk_belum_menikah", "sp_nikah", "sk_pergi_kawin", "sp_rujuk_cerai",
	"sk_ahli_waris", "sk_kepemilikan_tanah", "sk_jual_beli", "surat_kuasa", "sk_bepergian",
	"sp_akta_kelahiran", "sk_belum_memiliki_rumah",
	"sk_lahir_mati", "sk_kepemilikan_kendaraan", "sk_wali_hakim", "sk_izin_orang_tua", "sp_sporadik",
	"sp_nikah_non_muslim",
}

func TestShippedCatalogueHasItsModules(t *testing.T) {
	c := shipped(t)
	if got := len(c.Modules()); got != len(wantCodes) {
		t.Errorf("got %d modules, want %d", got, len(wantCodes))
	}
	for _, code := range wantCodes {
		m := c.Module(code)
		if m == nil {
			t.Errorf("module %s missing", code)
			continue
		}
		if m.Title == "" || m.Description == "" || m.Klasifikasi == "" || m.Validity.Count == 0 {
			t.Errorf("%s: incomplete header %+v", code, m)
		}
		if m.File != code+".yaml" {
			t.Errorf("%s: defined in %s, want %s.yaml", code, m.File, code)
		}
		if s := m.DefaultSettings(); s.Validate() != nil {
			t.Errorf("%s: default settings invalid: %v", code, s.Validate())
		}
	}
}

// leftovers are signs of a placeholder that was not filled in, or of an
// empty value inside a sentence.
var leftovers = []string{"{{", "}}", "<no value>", "%!", "<nil>", "dengan -", "dengan .", " ,", ".."}

func documentTexts(d *surat.Document) []string {
	texts := []string{d.Title, d.Number, d.Place, d.Signer.Jabatan, d.Signer.Name, d.Signer.NIP}
	texts = append(texts, d.Signer.Above...)
	for _, b := range d.Blocks {
		texts = append(texts, b.Text)
		for _, r := range b.Rows {
			texts = append(texts, r.Label, r.Value)
		}
		texts = append(texts, b.Header...)
		for _, row := range b.Cells {
			texts = append(texts, row...)
		}
	}
	return texts
}

func TestEveryModuleBuildsFromDemo(t *testing.T) {
	c := shipped(t)
	officials := DemoOfficials()
	signers := []Signer{
		{Official: officials[0], Mode: SignDirect},
		{Official: officials[1], Mode: SignAN},
		{Official: officials[2], Mode: SignUB},
	}
	shortValidity := func(m *Module) *surat.LetterSettings {
		s := m.DefaultSettings()
		s.ValidityDays = 7
		return &s
	}
	for _, m := range c.Modules() {
		for i, signer := range signers {
			t.Run(m.Code+"/"+string(signer.Mode), func(t *testing.T) {
				in := Demo(m, testNow)
				in.Signer = signer
				if i == 2 {
					in.Settings = shortValidity(m) // a village that shortened the validity
				}
				doc, err := c.Build(in)
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				if doc.Title != strings.ToUpper(m.Title) || doc.Place != "Sumberejo" || !doc.Date.Equal(testNow) {
					t.Errorf("header: title %q place %q date %v", doc.Title, doc.Place, doc.Date)
				}
				if !doc.Draft || doc.Number != "" || doc.Paper != "F4" || doc.Seal != nil {
					t.Errorf("draft %v number %q paper %q seal %v", doc.Draft, doc.Number, doc.Paper, doc.Seal)
				}
				if len(doc.Blocks) < 3 {
					t.Errorf("only %d blocks", len(doc.Blocks))
				}
				for _, s := range documentTexts(doc) {
					for _, bad := range leftovers {
						if strings.Contains(s, bad) {
							t.Errorf("text contains %q: %q", bad, s)
						}
					}
				}
				for _, b := range doc.Blocks {
					switch b.Kind {
					case surat.Paragraph, surat.Heading:
						if strings.TrimSpace(b.Text) == "" {
							t.Errorf("empty paragraph or heading")
						}
					case surat.Rows:
						for _, r := range b.Rows {
							if r.Label == "" || r.Value == "" {
								t.Errorf("row %q: %q", r.Label, r.Value)
							}
						}
					case surat.Table:
						for _, row := range b.Cells {
							if len(row) != len(b.Header) {
								t.Errorf("table row has %d cells for %d columns", len(row), len(b.Header))
							}
						}
					}
				}
				if !strings.Contains(doc.Blocks[0].Text, "Sumberejo") {
					t.Errorf("opening does not name the village: %q", doc.Blocks[0].Text)
				}
			})
		}
	}
}

// TestGolden compares each module's demo letter, as plain text, with
// testdata/golden/<code>.txt. Run "go test -update" after an intended
// change of wording and review the diff.
func TestGolden(t *testing.T) {
	c := shipped(t)
	for _, m := range c.Modules() {
		t.Run(m.Code, func(t *testing.T) {
			in := Demo(m, testNow)
			in.Draft, in.Number = false, "470/007/3505122001/XI/2026"
			doc, err := c.Build(in)
			if err != nil {
				t.Fatal(err)
			}
			got := PlainText(doc)
			path := filepath.Join("testdata", "golden", m.Code+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file; run go test -update and review the diff.\ngot:\n%s", path, got)
			}
		})
	}
}

func TestSignerBlock(t *testing.T) {
	c := shipped(t)
	o := DemoOfficials()
	tests := []struct {
		signer      Signer
		above       []string
		jabatan     string
		nip         string
		openingPart string
	}{
		{Signer{Official: o[0]}, nil, "Kepala Desa Sumberejo", "",
			"ini, Kepala Desa Sumberejo, Kecamatan"},
		{Signer{Official: o[1], Mode: SignAN}, []string{"a.n. Kepala Desa Sumberejo"}, "Sekretaris Desa",
			"NIPD. 19850312 201001 2 004", "ini, Sekretaris Desa Sumberejo, atas nama Kepala Desa Sumberejo, Kecamatan"},
		{Signer{Official: o[2], Mode: SignUB}, []string{"a.n. Kepala Desa Sumberejo", "Sekretaris Desa", "u.b."},
			"Kasi Pelayanan", "NIPD. 19880105 201501 2 001",
			"ini, Kasi Pelayanan Desa Sumberejo, atas nama Kepala Desa Sumberejo"},
	}
	for _, tt := range tests {
		in := Demo(c.Module("sk_pengantar"), testNow)
		in.Signer = tt.signer
		doc, err := c.Build(in)
		if err != nil {
			t.Fatalf("%s: %v", tt.signer.Mode, err)
		}
		s := doc.Signer
		if strings.Join(s.Above, "|") != strings.Join(tt.above, "|") || s.Jabatan != tt.jabatan ||
			s.Name != tt.signer.Official.Name || s.NIP != tt.nip {
			t.Errorf("%q: got %+v", tt.signer.Mode, s)
		}
		if !strings.Contains(doc.Blocks[0].Text, tt.openingPart) {
			t.Errorf("%q: opening %q lacks %q", tt.signer.Mode, doc.Blocks[0].Text, tt.openingPart)
		}
	}
}

func TestNumberedLetter(t *testing.T) {
	c := shipped(t)
	in := Demo(c.Module("sk_usaha"), testNow)
	in.Draft, in.Number, in.Logo = false, "500/012/3505122001/XI/2026", []byte{0x89, 'P', 'N', 'G'}
	in.Village.Paper = "A4"
	doc, err := c.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Draft || doc.Number != in.Number || doc.Paper != "A4" || len(doc.LogoPNG) != 4 {
		t.Errorf("got draft %v number %q paper %q logo %d bytes", doc.Draft, doc.Number, doc.Paper, len(doc.LogoPNG))
	}
}

func BenchmarkBuild(b *testing.B) {
	c := shipped(b)
	in := Demo(c.Module("sk_tidak_mampu"), testNow)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Build(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(tl.FS); err != nil {
			b.Fatal(err)
		}
	}
}
