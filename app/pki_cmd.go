package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const pkiUsage = `usage:
  app pki init --name "Otoritas Sertifikat Pemerintah Kabupaten X"
                 create the root CA; stdin: root passphrase, then again
  app pki issue --village KODE --official ID
                 the CA holder's bootstrap tool: issue a signer certificate
                 directly (audited; revokes the official's previous one);
                 stdin: root passphrase, then the official's signing
                 passphrase twice, typed by the official. In normal use the
                 official enrols in the web and the kabupaten admin approves
  app pki revoke --serial HEX --reason "..."
                 revoke a certificate and renew the CRL; stdin: root passphrase
  app pki crl    renew the CRL before it expires; stdin: root passphrase
  app pki passphrase --serial HEX
                 change a signer's passphrase; stdin: the current one,
                 then the new one twice
  app pki list [--village KODE]
                 list the root CA, officials and their certificates`

// cliActor is who the audit log records for `app pki` commands.
var cliActor = surat.Actor{Username: "cli"}

// runPKI runs `app pki ...`. Passphrases are read from stdin, one a line,
// never from flags (which end up in shell history and process lists).
func runPKI(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(pkiUsage)
	}
	sub, args := args[0], args[1:]
	var name, villageCode, serial, reason string
	var officialID int64
	flags := map[string]func(fs *flag.FlagSet){
		"init": func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "common name of the root CA, naming the kabupaten or instansi")
		},
		"issue": func(fs *flag.FlagSet) {
			fs.StringVar(&villageCode, "village", "", "kode desa (10 digit)")
			fs.Int64Var(&officialID, "official", 0, "id of the official (see app pki list --village KODE)")
		},
		"revoke": func(fs *flag.FlagSet) {
			fs.StringVar(&serial, "serial", "", "certificate serial number in hex")
			fs.StringVar(&reason, "reason", "", "why the certificate is revoked")
		},
		"passphrase": func(fs *flag.FlagSet) {
			fs.StringVar(&serial, "serial", "", "certificate serial number in hex (see app pki list)")
		},
		"crl":  func(fs *flag.FlagSet) {},
		"list": func(fs *flag.FlagSet) { fs.StringVar(&villageCode, "village", "", "only this kode desa") },
	}
	extra, ok := flags[sub]
	if !ok {
		return fmt.Errorf("perintah pki %q tidak dikenal\n%s", sub, pkiUsage)
	}
	e, _, err := setup(ctx, "pki "+sub, args, getenv, stdout, extra)
	if err != nil {
		return err
	}
	defer e.close()
	svc, err := newIssuance(e, auth.DefaultParams)
	if err != nil {
		return err
	}
	in := &lineReader{r: bufio.NewReader(io.LimitReader(orEmpty(stdin), 64<<10))}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		in.tty, in.prompt = f, os.Stderr
	}
	c := &pkiCmd{e: e, svc: svc, in: in, out: stdout}
	switch sub {
	case "init":
		return c.init(ctx, name)
	case "issue":
		return c.issue(ctx, villageCode, officialID)
	case "revoke":
		return c.revoke(ctx, serial, reason)
	case "crl":
		return c.crl(ctx)
	case "passphrase":
		return c.passphrase(ctx, serial)
	default:
		return c.list(ctx, villageCode)
	}
}

type pkiCmd struct {
	e   *env
	svc *issuance.Service
	in  *lineReader
	out io.Writer
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

// lineReader reads passphrases, one a line, without echoing them anywhere.
type lineReader struct {
	r *bufio.Reader
	// tty is stdin when it is a terminal: each passphrase is then asked for
	// with a prompt on prompt and typed without echo.
	tty    *os.File
	prompt io.Writer
}

// passphrase reads the next line; what names it in the prompt and the error.
func (l *lineReader) passphrase(what string) (string, error) {
	if l.tty != nil {
		fmt.Fprintf(l.prompt, "%s: ", what)
		b, err := term.ReadPassword(int(l.tty.Fd()))
		fmt.Fprintln(l.prompt)
		if err != nil {
			return "", fmt.Errorf("%s tidak terbaca dari terminal: %w", what, err)
		}
		if len(b) == 0 {
			return "", fmt.Errorf("%s kosong", what)
		}
		return string(b), nil
	}
	line, err := l.r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("%s tidak terbaca dari stdin (satu frasa sandi per baris)", what)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", fmt.Errorf("%s kosong", what)
	}
	return p, nil
}

// newPassphrase reads a new passphrase and its confirmation.
func (l *lineReader) newPassphrase(what string) (string, error) {
	p, err := l.passphrase(what)
	if err != nil {
		return "", err
	}
	again, err := l.passphrase(what + " (ulangan)")
	if err != nil {
		return "", err
	}
	if p != again {
		return "", fmt.Errorf("%s dan ulangannya tidak sama", what)
	}
	if len([]rune(p)) < pki.MinPassphraseLen {
		return "", fmt.Errorf("%s paling sedikit %d karakter", what, pki.MinPassphraseLen)
	}
	return p, nil
}

// pkiError turns the service's errors into Indonesian sentences.
func pkiError(err error) error {
	var ve *surat.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, issuance.ErrWrongPassphrase):
		return errors.New("frasa sandi root CA salah; tidak ada yang diubah")
	case errors.Is(err, issuance.ErrNoRoot):
		return errors.New(`root CA belum dibuat; jalankan dulu: app pki init --name "..."`)
	case errors.As(err, &ve):
		keys := make([]string, 0, len(ve.Fields))
		for k := range ve.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		msgs := make([]string, len(keys))
		for i, k := range keys {
			msgs[i] = ve.Fields[k]
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}

func (c *pkiCmd) init(ctx context.Context, name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New(`--name wajib diisi, misalnya --name "Otoritas Sertifikat Pemerintah Kabupaten Blitar"`)
	}
	pass, err := c.in.newPassphrase("frasa sandi root CA")
	if err != nil {
		return err
	}
	root, err := c.svc.InitRoot(ctx, cliActor, name, pass)
	if errors.Is(err, surat.ErrConflict) {
		return errors.New("root CA sudah ada; tidak ada yang diubah (lihat: app pki list)")
	} else if err != nil {
		return pkiError(err)
	}
	cert, err := pki.ParseCertificatePEM([]byte(root.CertPEM))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "root CA %q dibuat, berlaku sampai %s\n", root.CommonName, cert.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(c.out, "sidik jari SHA-256: %s\n", pki.DisplayFingerprint(cert))
	fmt.Fprintln(c.out, "simpan frasa sandi root CA di tempat aman: tanpa itu tidak ada sertifikat baru atau pencabutan")
	return nil
}

func (c *pkiCmd) village(ctx context.Context, code string) (*surat.Village, error) {
	if code == "" {
		return nil, errors.New("--village KODE wajib diisi")
	}
	v, err := c.e.st.VillageByCode(ctx, code)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, fmt.Errorf("desa dengan kode %s tidak ditemukan", code)
	}
	return v, err
}

func (c *pkiCmd) issue(ctx context.Context, villageCode string, officialID int64) error {
	v, err := c.village(ctx, villageCode)
	if err != nil {
		return err
	}
	if officialID <= 0 {
		return errors.New("--official ID wajib diisi (lihat: app pki list --village " + villageCode + ")")
	}
	o, err := c.e.st.OfficialByID(ctx, v.ID, officialID)
	if errors.Is(err, surat.ErrNotFound) {
		return fmt.Errorf("pejabat dengan id %d tidak ditemukan di Desa %s", officialID, v.Name)
	} else if err != nil {
		return err
	}
	rootPass, err := c.in.passphrase("frasa sandi root CA")
	if err != nil {
		return err
	}
	signerPass, err := c.in.newPassphrase("frasa sandi penandatangan")
	if err != nil {
		return err
	}
	cert, err := c.svc.IssueCertificate(ctx, cliActor, v.ID, officialID, rootPass, signerPass)
	if err != nil {
		return pkiError(err)
	}
	fmt.Fprintf(c.out, "sertifikat untuk %s (%s, Desa %s) diterbitkan\n", o.Name, o.Jabatan, v.Name)
	fmt.Fprintf(c.out, "nomor seri: %s\nberlaku: %s s.d. %s\n", cert.Serial,
		cert.NotBefore.UTC().Format("2006-01-02"), cert.NotAfter.UTC().Format("2006-01-02"))
	return nil
}

func (c *pkiCmd) revoke(ctx context.Context, serial, reason string) error {
	if strings.TrimSpace(serial) != "" && strings.TrimSpace(reason) == "" {
		return errors.New("--reason wajib diisi: alasan pencabutan")
	}
	cert, err := c.unrevoked(ctx, serial)
	if err != nil {
		return err
	}
	rootPass, err := c.in.passphrase("frasa sandi root CA")
	if err != nil {
		return err
	}
	after, err := c.svc.RevokeCertificateWithCRL(ctx, cliActor, cert.VillageID, cert.ID, reason, rootPass)
	if err != nil {
		return pkiError(err)
	}
	fmt.Fprintf(c.out, "sertifikat %s dicabut pada %s; CRL diperbarui\n", after.Serial,
		after.RevokedAt.UTC().Format(time.RFC3339))
	return nil
}

// unrevoked returns the certificate with serial (--serial), which must
// not be revoked yet.
func (c *pkiCmd) unrevoked(ctx context.Context, serial string) (*surat.SignerCertificate, error) {
	if strings.TrimSpace(serial) == "" {
		return nil, errors.New("--serial HEX wajib diisi (lihat: app pki list)")
	}
	cert, err := c.e.st.CertificateBySerial(ctx, serial)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, fmt.Errorf("sertifikat dengan nomor seri %s tidak ditemukan", serial)
	} else if err != nil {
		return nil, err
	}
	if cert.Revoked() {
		return nil, fmt.Errorf("sertifikat %s sudah dicabut pada %s", cert.Serial, cert.RevokedAt.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

// passphrase re-seals a signer's key under a new passphrase, typed by the
// official: the certificate and the letters signed with it stay valid.
func (c *pkiCmd) passphrase(ctx context.Context, serial string) error {
	cert, err := c.unrevoked(ctx, serial)
	if err != nil {
		return err
	}
	oldPass, err := c.in.passphrase("frasa sandi penandatangan saat ini")
	if err != nil {
		return err
	}
	newPass, err := c.in.newPassphrase("frasa sandi penandatangan baru")
	if err != nil {
		return err
	}
	err = c.svc.ChangeSignerPassphrase(ctx, cliActor, cert.VillageID, cert.ID, oldPass, newPass)
	var locked *issuance.LockedError
	switch {
	case errors.As(err, &locked):
		msg := "frasa sandi penandatangan salah terlalu sering"
		if !errors.Is(err, issuance.ErrWrongPassphrase) {
			msg = "sertifikat ini terkunci karena frasa sandi salah terlalu sering"
		}
		return fmt.Errorf("%s; coba lagi setelah %s", msg, locked.Until.UTC().Format(time.RFC3339))
	case errors.Is(err, issuance.ErrWrongPassphrase):
		return errors.New("frasa sandi penandatangan saat ini salah; tidak ada yang diubah")
	case err != nil:
		return pkiError(err)
	}
	fmt.Fprintf(c.out, "frasa sandi sertifikat %s diganti; sertifikat dan surat yang sudah ditandatangani tetap berlaku\n", cert.Serial)
	return nil
}

func (c *pkiCmd) crl(ctx context.Context) error {
	rootPass, err := c.in.passphrase("frasa sandi root CA")
	if err != nil {
		return err
	}
	root, err := c.svc.RenewCRL(ctx, cliActor, rootPass)
	if err != nil {
		return pkiError(err)
	}
	fmt.Fprintf(c.out, "CRL nomor %d diterbitkan, berlaku sampai %s\n", root.CRLNumber,
		root.CRLUpdatedAt.Add(issuance.CRLValidity).UTC().Format("2006-01-02"))
	return nil
}

func (c *pkiCmd) list(ctx context.Context, villageCode string) error {
	roots, err := c.e.st.Roots(ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		fmt.Fprintln(c.out, `root CA: belum ada (app pki init --name "...")`)
	}
	for i, r := range roots {
		state := "aktif"
		if i > 0 {
			state = "lama"
		}
		fp := r.Fingerprint
		if cert, err := pki.ParseCertificatePEM([]byte(r.CertPEM)); err == nil {
			fp = pki.DisplayFingerprint(cert)
		}
		fmt.Fprintf(c.out, "root CA %q (%s), CRL nomor %d\n  SHA-256 %s\n", r.CommonName, state, r.CRLNumber, fp)
	}
	if len(roots) > 0 {
		_, unlisted, err := c.svc.UnlistedRevocations(ctx)
		if err != nil {
			return err
		}
		for _, ct := range unlisted {
			fmt.Fprintf(c.out, "  belum tercantum dalam CRL: sertifikat %s, dicabut %s (jalankan: app pki crl)\n",
				ct.Serial, ct.RevokedAt.UTC().Format("2006-01-02"))
		}
	}
	var villages []surat.Village
	if villageCode != "" {
		v, err := c.village(ctx, villageCode)
		if err != nil {
			return err
		}
		villages = []surat.Village{*v}
	} else if villages, err = c.e.st.Villages(ctx); err != nil {
		return err
	}
	now := time.Now()
	for _, v := range villages {
		fmt.Fprintf(c.out, "\nDesa %s (kode %s)\n", v.Name, v.Code)
		officials, err := c.e.st.Officials(ctx, v.ID)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for _, o := range officials {
			names[o.ID] = o.Name
			fmt.Fprintf(c.out, "  pejabat %3d  %-30s %s\n", o.ID, o.Name, o.Jabatan)
		}
		certs, err := c.e.st.SignerCertificates(ctx, v.ID)
		if err != nil {
			return err
		}
		if len(certs) == 0 {
			fmt.Fprintln(c.out, "  belum ada sertifikat penandatangan")
		}
		for _, ct := range certs {
			state := "berlaku"
			switch {
			case ct.Revoked():
				state = "dicabut " + ct.RevokedAt.UTC().Format("2006-01-02") + ": " + ct.RevokeReason
			case !ct.UsableAt(now):
				state = "tidak berlaku"
			case ct.LockedAt(now):
				state = "terkunci sampai " + ct.SignLockedUntil.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(c.out, "  sertifikat %s  pejabat %d %s  %s s.d. %s  %s\n", ct.Serial, ct.OfficialID,
				names[ct.OfficialID], ct.NotBefore.UTC().Format("2006-01-02"), ct.NotAfter.UTC().Format("2006-01-02"), state)
		}
	}
	return nil
}
