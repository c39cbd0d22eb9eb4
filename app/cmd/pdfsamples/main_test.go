package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

func TestWritesEverySealedModule(t *testing.T) {
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	var out bytes.Buffer
	if err := run([]string{"--out", dir, "--paper", "A4"}, &out, now); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		t.Fatal(err)
	}
	n := len(cat.Modules())
	files, _ := filepath.Glob(filepath.Join(dir, "sealed_*.pdf"))
	if len(files) != n || strings.Count(out.String(), "\n") != n {
		t.Fatalf("wrote %d files for %d modules, printed:\n%s", len(files), n, out.String())
	}
	if err := run([]string{"--out", dir, "--module", "sk_tidak_ada"}, &out, now); err == nil {
		t.Error("an unknown module was accepted")
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils); the text check is skipped")
	}
	text, err := exec.Command(bin, filepath.Join(dir, "sealed_sk_domisili.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	squashed := strings.Join(strings.Fields(string(text)), " ")
	for _, want := range []string{"/3505122001/XI/2026", "tidak tersertifikasi", "https://sumberejo.desa.id/v/"} {
		if !strings.Contains(squashed, want) {
			t.Errorf("sealed_sk_domisili.pdf lacks %q:\n%s", want, squashed)
		}
	}
	if strings.Contains(squashed, "DRAF") {
		t.Error("a sealed sample carries the DRAF watermark")
	}
}
