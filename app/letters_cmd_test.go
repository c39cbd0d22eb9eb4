package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// pdfText is the text of a PDF file as pdftotext reads it, white space
// squashed; the test is skipped when poppler-utils is not installed.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install -y poppler-utils); skipping")
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestLettersPreview(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (apt-get install -y poppler-utils); skipping")
	}
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pratinjau")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"letters", "preview", "--out", dir}, envFor(nil), nil, &out); err != nil {
		t.Fatalf("letters preview: %v\n%s", err, out.String())
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 33 || len(cat.Modules()) != 33 {
		t.Fatalf("wrote %d PDFs for %d modules, want 33\n%s", len(files), len(cat.Modules()), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 33 {
		t.Errorf("printed %d lines, want one per file:\n%s", len(lines), out.String())
	}
	for _, m := range cat.Modules() {
		path := filepath.Join(dir, m.Code+".pdf")
		text := pdfText(t, path)
		if !strings.Contains(text, strings.ToUpper(m.Title)) {
			t.Errorf("%s: text lacks the title %q:\n%s", m.Code, strings.ToUpper(m.Title), text)
		}
		if !strings.Contains(text, "DRAF – belum ditandatangani") || !strings.Contains(text, "Nomor : ....../....../......") {
			t.Errorf("%s: not a draft:\n%s", m.Code, text)
		}
		if !strings.Contains(out.String(), path+"  "+m.Title) {
			t.Errorf("output does not list %s", path)
		}
	}
}

func TestLettersPreviewOneModuleAndErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	logo := filepath.Join(dir, "logo.png")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 48))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logo, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(ctx, []string{"letters", "preview", "--out", dir, "--module", "sk_usaha", "--paper", "A4", "--logo", logo},
		envFor(nil), nil, &out)
	if err != nil {
		t.Fatalf("preview sk_usaha: %v\n%s", err, out.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 1 || filepath.Base(files[0]) != "sk_usaha.pdf" {
		t.Errorf("wrote %v, want only sk_usaha.pdf", files)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		if text := pdfText(t, files[0]); !strings.Contains(text, "SURAT KETERANGAN USAHA") {
			t.Errorf("sk_usaha.pdf text:\n%s", text)
		}
	}

	// A module file with a mistake: the command names file and line and
	// writes nothing.
	tpl := t.TempDir()
	src, err := lettertpl.FS.ReadFile("sk_usaha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "{{pemohon.nama", "{{pemohon.nma", 1)
	if broken == string(src) {
		t.Fatal("sk_usaha.yaml has no {{pemohon.nama placeholder to break")
	}
	if err := os.WriteFile(filepath.Join(tpl, "sk_usaha.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"letters"}, "usage: app letters preview"},
		{[]string{"letters", "preview"}, "--out DIR is required"},
		{[]string{"letters", "preview", "--out", empty, "--module", "sk_tidak_ada"}, `unknown module "sk_tidak_ada"`},
		{[]string{"letters", "preview", "--out", empty, "--paper", "Letter"}, "want F4 or A4"},
		{[]string{"letters", "preview", "--out", empty, "--logo", filepath.Join(empty, "none.png")}, "logo:"},
		{[]string{"letters", "preview", "--out", empty, "--templates", tpl}, "sk_usaha.yaml:"},
	} {
		out.Reset()
		err := run(ctx, tc.args, envFor(nil), nil, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(empty, "*.pdf")); len(files) != 0 {
		t.Errorf("failed runs wrote %v", files)
	}

	// A logo that is no image fails every module, and the command says so.
	bad := filepath.Join(dir, "bad.png")
	if err := os.WriteFile(bad, []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"letters", "preview", "--out", t.TempDir(), "--logo", bad, "--module", "sp_skck"}, envFor(nil), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "1 of 1 modules failed") || !strings.Contains(out.String(), "GAGAL  sp_skck") {
		t.Errorf("bad logo: err %v, output %q", err, out.String())
	}
}

// `app letters check DIR` reads a folder of templates with the loader and
// names every problem by file and line, in Indonesian.
func TestLettersCheck(t *testing.T) {
	dir := t.TempDir()
	src, err := lettertpl.FS.ReadFile("sk_usaha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sk_usaha.yaml", strings.Replace(string(src), "title: Surat Keterangan Usaha", "title: Surat Keterangan Usaha Mikro", 1))
	write("sk_usaha_tani.yaml", strings.Replace(string(src), "code: sk_usaha", "code: sk_usaha_tani", 1))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"letters", "check", dir}, envFor(nil), nil, &out); err != nil {
		t.Fatalf("check of good files: %v\n%s", err, out.String())
	}
	for _, want := range []string{"OK     sk_usaha.yaml  sk_usaha — Surat Keterangan Usaha Mikro (mengganti modul bawaan)",
		"OK     sk_usaha_tani.yaml  sk_usaha_tani — Surat Keterangan Usaha (jenis surat baru)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	broken := strings.Replace(string(src), "{{pemohon.nik}}", "{{pemohon.nikk}}", 1)
	write("sk_usaha.yaml", broken)
	line := 0
	for i, l := range strings.Split(broken, "\n") {
		if strings.Contains(l, "{{pemohon.nikk}}") {
			line = i + 1
		}
	}
	out.Reset()
	err = run(context.Background(), []string{"letters", "check", dir}, envFor(nil), nil, &out)
	if err == nil {
		t.Fatal("check of a broken file succeeded")
	}
	want := fmt.Sprintf(`sk_usaha.yaml:%d: kode isian {{pemohon.nikk}} tidak dikenal: pemohon tidak punya data "nikk"`, line)
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}
