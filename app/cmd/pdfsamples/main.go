// Command pdfsamples renders every letter module of templates/letters as a
// numbered letter with its QR code and electronic-signature note, the way
// the signing step lays it out, for a person to look at:
//
//	go run ./app/cmd/pdfsamples --out /tmp/samples [--paper A4] [--logo logo.png] [--module sk_domisili]
//
// The letters use the demo register (letters.Demo) and take turns between
// the three ways a letter is signed: by the kepala desa, a.n. by the
// sekretaris desa and u.b. by a kasi. They are not signed (no PAdES
// signature) and their QR code points at an example address that verifies
// nothing. Drafts, as a clerk previews them, come from `app letters preview`.
// It is a development tool and not part of the application binary.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// sampleURL is the verification address printed in every sample.
const sampleURL = "https://sumberejo.desa.id/v/7QK3M7ZJ2XW5TNB4RCY6HD8PAF"

func main() {
	if err := run(os.Args[1:], os.Stdout, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "pdfsamples:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("pdfsamples", flag.ContinueOnError)
	fs.SetOutput(stdout)
	out := fs.String("out", "", "directory to write the PDFs to (created if missing)")
	paper := fs.String("paper", "F4", "paper size: F4 or A4")
	logoPath := fs.String("logo", "", "village logo for the letterhead (PNG or JPEG)")
	module := fs.String("module", "", "render only this module code")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out DIR is required")
	}
	if !surat.Paper(*paper).Valid() {
		return fmt.Errorf("--paper %q: want F4 or A4", *paper)
	}
	var logo []byte
	if *logoPath != "" {
		var err error
		if logo, err = os.ReadFile(*logoPath); err != nil {
			return err
		}
	}
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		return err
	}
	modules := cat.Modules()
	if *module != "" {
		m := cat.Module(*module)
		if m == nil {
			return fmt.Errorf("unknown module %q", *module)
		}
		modules = []*letters.Module{m}
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	o := letters.DemoOfficials()
	signers := []letters.Signer{
		{Official: o[0], Mode: letters.SignDirect},
		{Official: o[1], Mode: letters.SignAN},
		{Official: o[2], Mode: letters.SignUB},
	}
	date := surat.LetterTime(now())
	for i, m := range modules {
		in := letters.Demo(m, date)
		in.Signer = signers[i%len(signers)]
		in.Logo = logo
		in.Village.Paper = surat.Paper(*paper)
		in.Draft = false
		in.Number = fmt.Sprintf("%s/%03d/%s/%s/%d", m.Klasifikasi, i+1, in.Village.Code,
			surat.RomanMonth(date.Month()), date.Year())
		doc, err := cat.Build(in)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Code, err)
		}
		doc.Seal = &surat.Seal{VerifyURL: sampleURL,
			Footer: "Dokumen ini ditandatangani secara elektronik oleh " + doc.Signer.Jabatan +
				" menggunakan sertifikat elektronik yang diterbitkan oleh Otoritas Sertifikat suratdesa " +
				"Kabupaten Blitar, otoritas sertifikat milik penyelenggara aplikasi ini sendiri; tanda tangan " +
				"elektronik ini tidak tersertifikasi. Keaslian dokumen dapat diperiksa dengan memindai kode QR " +
				"atau di " + sampleURL + "."}
		data, err := r.Render(doc, pdf.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Code, err)
		}
		path := filepath.Join(*out, "sealed_"+m.Code+".pdf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s  %s (%d KB)\n", path, m.Title, (len(data)+1023)/1024)
	}
	return nil
}
