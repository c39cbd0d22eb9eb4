package letters_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

func builtinFiles(t *testing.T) map[string][]byte {
	t.Helper()
	names, err := fs.Glob(lettertpl.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := fs.ReadFile(lettertpl.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(n, ".yaml")] = b
	}
	return out
}

// changed counts the removed and added lines between two texts.
func changed(a, b string) (removed, added int) {
	for _, h := range letters.Diff(a, b, 0) {
		for _, l := range h.Lines {
			switch l.Op {
			case letters.DiffRemoved:
				removed++
			case letters.DiffAdded:
				added++
			}
		}
	}
	return removed, added
}

// The panel leaves a file it does not change byte for byte alone, and a
// change of one value touches only that value's lines.
func TestApplyOutlineEveryBuiltinModule(t *testing.T) {
	for code, src := range builtinFiles(t) {
		t.Run(code, func(t *testing.T) {
			o, err := letters.OutlineOf(src)
			if err != nil {
				t.Fatal(err)
			}
			same, err := letters.ApplyOutline(src, *o, nil)
			if err != nil {
				t.Fatalf("unchanged outline: %v", err)
			}
			if string(same) != string(src) {
				t.Fatalf("an unchanged outline changed the file")
			}

			// Title: one line out, one line in, and the module reads.
			w := *o
			w.Title = o.Title + " Desa"
			out, err := letters.ApplyOutline(src, w, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r, a := changed(string(src), string(out)); r != 1 || a != 1 {
				t.Errorf("title change: %d lines removed, %d added; want 1 and 1", r, a)
			}
			m, err := letters.ParseModule(code+".yaml", out)
			if err != nil {
				t.Fatalf("after a title change: %v", err)
			}
			if m.Title != w.Title {
				t.Errorf("title %q, want %q", m.Title, w.Title)
			}

			// The last paragraph reworded, a requirement and a field added.
			w = *o
			w.Paragraphs = slices.Clone(o.Paragraphs)
			last := &w.Paragraphs[len(w.Paragraphs)-1]
			last.Text = "Demikian keterangan ini kami buat, untuk dipergunakan seperlunya oleh {{desa.nama_lengkap}}."
			w.Requirements = append(slices.Clone(o.Requirements), "Fotokopi KTP", "Surat pengantar RT/RW")
			add := &letters.NewField{Name: "nomor_rekening", Label: "Nomor rekening bank", Type: "text",
				Hint: "Bila ada"}
			out, err = letters.ApplyOutline(src, w, add)
			if err != nil {
				t.Fatal(err)
			}
			m, err = letters.ParseModule(code+".yaml", out)
			if err != nil {
				t.Fatalf("after panel edits:\n%v\n%s", err, out)
			}
			if f := m.Field("nomor_rekening"); f == nil || f.Label != "Nomor rekening bank" || f.Required {
				t.Errorf("new field: %+v", f)
			}
			if !slices.Contains(m.Requirements, "Surat pengantar RT/RW") {
				t.Errorf("requirements %v", m.Requirements)
			}
			got, err := letters.OutlineOf(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.Paragraphs[len(got.Paragraphs)-1].Text != last.Text {
				t.Errorf("paragraph reads back as %q", got.Paragraphs[len(got.Paragraphs)-1].Text)
			}
		})
	}
}

func TestApplyOutlineFieldsAndRows(t *testing.T) {
	src := builtinFiles(t)["sk_domisili"]
	o, err := letters.OutlineOf(src)
	if err != nil {
		t.Fatal(err)
	}
	w := *o
	w.Fields = slices.Clone(o.Fields)
	w.Rows = slices.Clone(o.Rows)
	w.Online = false
	for i := range w.Fields {
		switch w.Fields[i].Name {
		case "status_tinggal":
			w.Fields[i].Label, w.Fields[i].Hint = "Status hunian", "Pilih sesuai keadaan"
		case "alamat_domisili":
			w.Fields[i].Hint = "" // removed
		}
	}
	for i := range w.Rows {
		if w.Rows[i].Label == "Status Tempat Tinggal" {
			w.Rows[i].Label = "Status Hunian" // a long-form row
		}
		if w.Rows[i].Label == "Keperluan" {
			w.Rows[i].Value = "{{field.keperluan | upper}}"
		}
	}
	out, err := letters.ApplyOutline(src, w, &letters.NewField{Name: "rt_pengantar", Label: "Nomor surat pengantar RT",
		Type: "text", Required: true, Example: "05/RT.02/2026"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := letters.ParseModule("sk_domisili.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if f := m.Field("status_tinggal"); f.Label != "Status hunian" || f.Hint != "Pilih sesuai keadaan" {
		t.Errorf("status_tinggal %+v", f)
	}
	if f := m.Field("alamat_domisili"); f.Hint != "" {
		t.Errorf("hint kept: %q", f.Hint)
	}
	if f := m.Field("rt_pengantar"); f == nil || !f.Required || f.Example != "05/RT.02/2026" {
		t.Errorf("new field %+v", f)
	}
	if m.Online {
		t.Error("online still true")
	}
	if !strings.Contains(string(out), `Keperluan: "{{field.keperluan | upper}}"`) ||
		!strings.Contains(string(out), "Nomor Surat Pengantar RT: \"{{field.rt_pengantar}}\"") {
		t.Errorf("rows not written as expected:\n%s", out)
	}
	// Comments of the file survive.
	if !strings.Contains(string(out), "# Permendagri 78/2012: 470 Kependudukan.") {
		t.Error("a comment was lost")
	}

	// A short-form row cannot be renamed from the panel.
	w = *o
	w.Rows = slices.Clone(o.Rows)
	w.Rows[0].Label = "Nama"
	if _, err := letters.ApplyOutline(src, w, nil); !errors.Is(err, letters.ErrOutline) {
		t.Errorf("renaming a short row: %v, want ErrOutline", err)
	}
	// A stale panel (the file has another paragraph now) is refused.
	w = *o
	w.Paragraphs = w.Paragraphs[1:]
	if _, err := letters.ApplyOutline(src, w, nil); !errors.Is(err, letters.ErrOutline) {
		t.Errorf("stale panel: %v, want ErrOutline", err)
	}
}

func TestDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\n"
	b := "a\nb\nC\nd\ne\nf\ng\nh\ni\n"
	hs := letters.Diff(a, b, 1)
	if len(hs) != 2 {
		t.Fatalf("got %d hunks, want 2: %+v", len(hs), hs)
	}
	var got []string
	for _, h := range hs {
		for _, l := range h.Lines {
			got = append(got, string(l.Op)+l.Text)
		}
	}
	want := []string{" b", "-c", "+C", " d", " h", "+i"}
	if !slices.Equal(got, want) {
		t.Errorf("diff lines %q, want %q", got, want)
	}
	if hs[0].Lines[1].Old != 3 || hs[0].Lines[2].New != 3 || hs[1].Lines[1].New != 9 {
		t.Errorf("line numbers wrong: %+v", hs)
	}
	if len(letters.Diff(a, a, 3)) != 0 {
		t.Error("equal texts gave hunks")
	}
}
