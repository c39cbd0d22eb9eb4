package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

const lettersUsage = "usage: app letters preview --out DIR [--module CODE] [--logo FILE] [--paper F4|A4] [--templates DIR]\n" +
	"       app letters check DIR"

// runLetters dispatches the `app letters` subcommands.
func runLetters(ctx context.Context, args []string, stdout io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "preview":
		return runLettersPreview(ctx, args[1:], stdout, time.Now)
	case len(args) > 0 && args[0] == "check":
		return runLettersCheck(args[1:], stdout)
	}
	return errors.New(lettersUsage)
}

// runLettersCheck reads every *.yaml file of a folder with the loader the
// application runs at start-up and in the template editor, without a
// database: the check a kabupaten that keeps its templates in git runs
// before importing them. It prints one line per module, or every problem
// as "file:line: pesan" in Indonesian, and fails when any file has one.
func runLettersCheck(args []string, stdout io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: app letters check DIR")
	}
	dir := args[0]
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("tidak ada berkas modul (*.yaml) di %s", dir)
	}
	builtin, err := loadCatalogue(lettertpl.FS, "templates/letters")
	if err != nil {
		return err
	}
	sort.Strings(names)
	bad := 0
	seen := map[string]string{}
	for _, name := range names {
		base := filepath.Base(name)
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		m, err := letters.ParseModule(base, data)
		if err != nil {
			bad++
			for _, p := range letters.FileProblems(data, err) {
				where := base
				if p.Line > 0 {
					where = fmt.Sprintf("%s:%d", base, p.Line)
				}
				if p.Path != "" {
					fmt.Fprintf(stdout, "%s: %s (%s)\n", where, p.Message, p.Path)
				} else {
					fmt.Fprintf(stdout, "%s: %s\n", where, p.Message)
				}
			}
			continue
		}
		if prev, dup := seen[m.Code]; dup {
			bad++
			fmt.Fprintf(stdout, "%s: kode %q sudah dipakai %s\n", base, m.Code, prev)
			continue
		}
		seen[m.Code] = base
		kind := "jenis surat baru"
		if builtin.Module(m.Code) != nil {
			kind = "mengganti modul bawaan"
		}
		fmt.Fprintf(stdout, "OK     %s  %s — %s (%s)\n", base, m.Code, m.Title, kind)
	}
	if bad > 0 {
		return fmt.Errorf("%d dari %d berkas bermasalah", bad, len(names))
	}
	return nil
}

// runLettersPreview renders every module of the catalogue (or the one named
// by --module) with the demo register as a draft PDF, <code>.pdf in --out:
// the way a village checks how its letters look and a clerk checks a new
// module file. It needs no database. Every module is attempted; the error
// names the ones that failed.
func runLettersPreview(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fset := flag.NewFlagSet("letters preview", flag.ContinueOnError)
	fset.SetOutput(stdout)
	out := fset.String("out", "", "directory to write the PDFs to (created if missing)")
	module := fset.String("module", "", "render only this module code, e.g. sk_domisili")
	logoPath := fset.String("logo", "", "village logo for the letterhead (PNG or JPEG)")
	paper := fset.String("paper", "F4", "paper size: F4 (215 x 330 mm) or A4")
	templates := fset.String("templates", "", "read the module files from this directory instead of the built-in ones")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fset.Arg(0), lettersUsage)
	}
	if *out == "" {
		return errors.New("--out DIR is required\n" + lettersUsage)
	}
	if *paper != "F4" && *paper != "A4" {
		return fmt.Errorf("--paper %q: want F4 or A4", *paper)
	}

	var src fs.FS = lettertpl.FS
	where := "templates/letters"
	if *templates != "" {
		src, where = os.DirFS(*templates), *templates
	}
	cat, err := loadCatalogue(src, where)
	if err != nil {
		return err
	}
	modules := cat.Modules()
	if *module != "" {
		m := cat.Module(*module)
		if m == nil {
			return fmt.Errorf("unknown module %q (see %s)", *module, where)
		}
		modules = []*letters.Module{m}
	}
	var logo []byte
	if *logoPath != "" {
		if logo, err = os.ReadFile(*logoPath); err != nil {
			return fmt.Errorf("logo: %w", err)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		return err
	}

	date := surat.LetterTime(now())
	var failed []string
	for _, m := range modules {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(*out, m.Code+".pdf")
		n, err := previewModule(cat, r, m, date, logo, *paper, path)
		if err != nil {
			fmt.Fprintf(stdout, "GAGAL  %s: %v\n", m.Code, err)
			failed = append(failed, m.Code)
			continue
		}
		fmt.Fprintf(stdout, "%s  %s (%d KB)\n", path, m.Title, (n+1023)/1024)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d modules failed: %v", len(failed), len(modules), failed)
	}
	return nil
}

// previewModule builds m's demo letter as a draft, renders it and writes it
// to path. It returns the size of the PDF.
func previewModule(cat *letters.Catalogue, r *pdf.Renderer, m *letters.Module, date time.Time,
	logo []byte, paper, path string) (int, error) {
	in := letters.Demo(m, date)
	in.Draft, in.Number = true, ""
	in.Logo = logo
	in.Village.Paper = surat.Paper(paper)
	doc, err := cat.Build(in)
	if err != nil {
		if fields, ok := surat.FieldErrors(err); ok {
			return 0, fmt.Errorf("demo data rejected: %v", fields)
		}
		return 0, err
	}
	data, err := r.Render(doc, pdf.Options{})
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return 0, err
	}
	return len(data), nil
}
