package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/logbuf"
	"github.com/suratdesa/suratdesa/app/internal/metrics"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/web"
)

const usage = `suratdesa — penerbitan surat desa dengan tanda tangan elektronik dan verifikasi QR

Usage:
  app [serve] [--demo] [--migrate] [flags]   serve HTTP (default); --demo seeds a demo village;
                                             without --migrate (or --demo) a schema that is
                                             behind stops the start
  app migrate [up|status] [flags]            apply pending migrations under a database lock,
                                             or list them (status only reads)
  app import residents FILE --village KODE [--dry-run] [flags]
                                             import residents from CSV or XLSX (OpenSID columns)
  app user add --username U --role R [--village KODE] [--full-name N] [flags]
                                             add a staff account; password read from stdin,
                                             or generated and printed once when stdin is empty
  app letters preview --out DIR [--module CODE] [--logo FILE] [--paper F4|A4]
                                             render every letter module with demo data as a draft PDF
  app letters check DIR                      check a folder of module files (a kabupaten's or village's
                                             templates) offline with the start-up loader
  app pki init|issue|passphrase|revoke|crl|list [flags]
                                             root CA and signer certificates; passphrases
                                             on stdin ("app pki" lists the flags)
  app audit verify [--village KODE]          check the audit log's hash chains; exits non-zero
                                             naming the first bad entry of a broken chain
  app stats recount                          rebuild the dashboards' counters from the rows
                                             (after a rolling update past a migration that adds one)
  app storage migrate --to URL               copy every file into another blob store (file:// or s3://)
  app backup --out FILE                      one archive of the database, every file and a manifest
  app restore FILE                           restore a backup into an empty deployment
  app healthcheck                            exit 0 when the local server's /healthz answers 200
Roles: admin_kabupaten, admin_desa, operator, penandatangan.
Every flag also reads from its APP_* environment variable; run "app serve -h" to list them.
`

// run is the whole program; main only calls it, and tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout)
	case "import":
		if len(args) == 0 || args[0] != "residents" {
			return errors.New("usage: app import residents FILE --village KODE [--dry-run]")
		}
		return runImport(ctx, args[1:], getenv, stdout)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return errors.New("usage: app user add --username U --role R [--village KODE]")
		}
		return runUserAdd(ctx, args[1:], getenv, stdin, stdout)
	case "pki":
		return runPKI(ctx, args, getenv, stdin, stdout)
	case "letters":
		return runLetters(ctx, args, stdout)
	case "audit":
		return runAudit(ctx, args, getenv, stdout)
	case "stats":
		return runStats(ctx, args, getenv, stdout)
	case "storage":
		return runStorage(ctx, args, getenv, stdout)
	case "backup":
		return runBackup(ctx, args, getenv, stdout)
	case "restore":
		return runRestore(ctx, args, getenv, stdout)
	case "healthcheck":
		return runHealthcheck(ctx, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}

// env holds what every command sets up: configuration, logger and store.
type env struct {
	cfg config.Config
	log *slog.Logger
	st  *store.Store
	// files is the blob store with the database's pending list, opened by
	// newIssuance.
	files *files.Keeper
	// metrics is set by serve only; nil records nothing.
	metrics *metrics.Metrics
	// attempts and hashing are shared by every service of the process
	// (sign-in counters keyed with the secret, the Argon2id slots); see
	// env.guards.
	attempts *attempt.Counter
	hashing  *auth.Slots
}

func (e *env) close() {
	if e.st != nil {
		e.st.Close()
	}
}

// setup parses flags (the command's own flags are added by extra), loads and
// validates configuration, opens the database and migrates it (under the
// migration lock: the operator's one-shot commands bring the schema up like
// "app migrate up" would).
func setup(ctx context.Context, name string, args []string, getenv func(string) string, stdout io.Writer,
	extra func(fs *flag.FlagSet)) (*env, []string, error) {
	return setupWith(ctx, name, args, getenv, stdout, extra, true)
}

// setupWith is setup that migrates only when migrate is set; serve and
// migrate decide for themselves.
func setupWith(ctx context.Context, name string, args []string, getenv func(string) string, stdout io.Writer,
	extra func(fs *flag.FlagSet), migrate bool) (*env, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	build := config.Register(fs, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return nil, nil, err
	}
	cfg, err := build()
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	var handler slog.Handler = slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: level})
	if cfg.LogFormat == "json" {
		handler = slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: level})
	}
	if lw, ok := stdout.(*logbuf.Writer); ok {
		// serve's buffered output: warnings and errors go out at once.
		handler = lw.Handler(handler)
	}
	log := slog.New(handler)
	// The storage folder holds the database, signed letters, attachments
	// and the secret: its owner's only, also when it already existed.
	if err := os.MkdirAll(cfg.Storage, 0o700); err != nil {
		return nil, nil, fmt.Errorf("storage directory %s: %w", cfg.Storage, err)
	}
	if err := os.Chmod(cfg.Storage, 0o700); err != nil {
		return nil, nil, fmt.Errorf("storage directory %s: %w", cfg.Storage, err)
	}
	open := openDatabase
	if migrate {
		open = openStore
	}
	st, err := open(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return &env{cfg: cfg, log: log, st: st}, fs.Args(), nil
}

// interleave moves positional arguments after the flags, so
// "import residents FILE --village X" parses like "--village X FILE".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	// Buffered for the server only: a one-shot command's log lines must
	// stay in order with what it prints.
	lw := logbuf.New(stdout, logbuf.Interval)
	defer lw.Close()
	stdout = lw
	var demoMode, migrate bool
	e, _, err := setupWith(ctx, "serve", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.BoolVar(&demoMode, "demo", false, "seed a demo village with demo logins (not for production); migrates")
		fs.BoolVar(&migrate, "migrate", false, "apply pending database migrations before serving (else run \"app migrate up\" first)")
	}, false)
	if err != nil {
		return err
	}
	defer e.close()
	e.log.Info("starting suratdesa", e.cfg.LogValue()...)
	if err := serveSchema(ctx, e, migrate || demoMode); err != nil {
		return err
	}
	e.metrics = metrics.New(e.st)
	if e.cfg.LocalBaseURL() && !demoMode {
		e.log.Warn("APP_BASE_URL points at this machine: the QR code of every letter signed now carries "+
			e.cfg.BaseURL+", which nobody else can open; set APP_BASE_URL to the public https address",
			"base_url", e.cfg.BaseURL)
		fmt.Fprintf(stdout, "\n!!! PERINGATAN: APP_BASE_URL=%s hanya bisa dibuka di mesin ini; kode QR pada surat "+
			"yang ditandatangani sekarang tidak bisa diperiksa orang lain. Setel APP_BASE_URL ke alamat publik.\n\n",
			e.cfg.BaseURL)
	}

	if e.cfg.Secret == "" {
		if e.cfg.Secret, err = loadOrCreateSecret(filepath.Join(e.cfg.Storage, "secret.key")); err != nil {
			return err
		}
	}
	iss, err := newIssuance(e, auth.DefaultParams)
	if err != nil {
		return err
	}
	if demoMode {
		res, err := demo.Seed(ctx, e.st, auth.DefaultParams, time.Now())
		if err != nil {
			return err
		}
		pk, err := demo.SeedPKI(ctx, e.st, iss, res.Village)
		if err != nil {
			return err
		}
		printDemo(stdout, e.cfg, res, pk)
	}
	var setupCode string
	if n, err := e.st.CountUsers(ctx); err != nil {
		return err
	} else if n == 0 {
		setupCode = setupCodeFor(e.cfg.Secret, e.cfg.BaseURL)
		fmt.Fprintf(stdout, "\nBelum ada pengguna. Buka %s/setup untuk pengaturan awal.\nKode pengaturan (sekali pakai): %s\n\n",
			e.cfg.BaseURL, setupCode)
	}
	ver, err := newVerify(e, iss)
	if err != nil {
		return err
	}
	notes, err := newNotify(e, iss)
	if err != nil {
		return err
	}
	srv, err := newWeb(e, iss, ver, notes, setupCode)
	if err != nil {
		return err
	}
	// Runs after the HTTP server's shutdown, before the store closes: an
	// import still running is rolled back and its job ended.
	defer srv.Close()
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // imports upload spreadsheets on slow links
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ConnContext:       web.ConnContext, // the verification page goes out in one piece
	}
	// Background jobs stop, and are waited for, before the store closes.
	jobCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	defer func() { stopJobs(); jobs.Wait() }()
	jobs.Go(func() { purgeSessions(jobCtx, e.st, sessionPurgeEvery, e.log) })
	jobs.Go(func() { watchCounters(jobCtx, e.st, counterCheckEvery, e.log) })
	jobs.Go(func() { sweepFiles(jobCtx, e.files, e.cfg.BlobSweepAge, sweepEvery, e.log) })
	jobs.Go(func() { maintainVerification(jobCtx, iss, ver, attemptPurgeEvery, e.log) })
	// Keeps the public check's letter cache fresh: a revocation on any
	// replica shows on this one within a second.
	jobs.Go(func() { ver.Watch(jobCtx, e.log) })
	// Every replica runs a notification worker; rows are leased in the
	// database, so they share the outbox without sending anything twice.
	jobs.Go(func() { notes.NewWorker().Run(jobCtx) })

	e.log.Info("listening", "addr", ln.Addr().String(), "url", e.cfg.BaseURL)
	errc := make(chan error, 1)
	lw.Flush() // what start-up printed, before the first request
	go func() { errc <- hs.Serve(web.Listener(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serveSchema migrates the database when migrate is set; otherwise it
// refuses to serve on a schema older than the binary, naming the command
// that brings it up (the compose file runs it as a one-shot service).
func serveSchema(ctx context.Context, e *env, migrate bool) error {
	if migrate {
		return migrateStore(ctx, e.st, e.log)
	}
	pending, err := e.st.PendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	names := make([]string, 0, 3)
	for _, m := range pending[:min(3, len(pending))] {
		names = append(names, m.Source)
	}
	if len(pending) > 3 {
		names = append(names, "...")
	}
	return fmt.Errorf("the database schema is behind this version: %d migrations pending (%s); "+
		"run \"app migrate up\" first (with the same APP_DB and APP_DSN), or start with \"app serve --migrate\"",
		len(pending), strings.Join(names, ", "))
}

func printDemo(w io.Writer, cfg config.Config, res *demo.Result, pk *demo.PKIResult) {
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "================================================================")
	fmt.Fprintln(w, " MODE DEMO — JANGAN DIPAKAI UNTUK DATA SUNGGUHAN (not for production)")
	fmt.Fprintf(w, " Desa %s (kode %s): %d penduduk\n", res.Village.Name, res.Village.Code, res.ResidentsSeen)
	fmt.Fprintf(w, " Buka %s/login\n", cfg.BaseURL)
	for _, l := range demo.Logins {
		fmt.Fprintf(w, "   %-10s / %s   (%s)\n", l.Username, demo.Password, l.Role.Label())
	}
	if pk.Skipped != "" {
		fmt.Fprintf(w, " Tanda tangan elektronik demo tidak disiapkan: %s\n", pk.Skipped)
	} else {
		fmt.Fprintf(w, " Frasa sandi tanda tangan elektronik (kades, juga root CA demo): %s\n", demo.SigningPassphrase)
		fmt.Fprintln(w, " Root CA demo dipegang akun kabupaten: ia menyetujui permohonan sertifikat (Sertifikat saya).")
	}
	fmt.Fprintln(w, "================================================================")
	fmt.Fprintln(w, "")
}

func loadOrCreateSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return s, nil
		}
	}
	s := randomHex(32)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}

// setupCodeFor is the first-run setup code of a deployment: 128 bits of
// HMAC-SHA256 under its secret, as 26 base32 letters and digits, too many
// to guess even without the rate limit on the setup form. Every replica
// shares the secret, so each prints the same code and accepts it, whichever
// of them the load balancer sends the form to; a random code per process
// made setup with several replicas fail at random. It stays the same until
// setup is done, then the form is gone.
func setupCodeFor(secret, baseURL string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("suratdesa first-run setup code\x00" + baseURL))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:16])
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	e, rest, err := setupWith(ctx, "migrate", args, getenv, stdout, nil, false)
	if err != nil {
		return err
	}
	defer e.close()
	action := "up"
	if len(rest) > 0 {
		action = rest[0]
	}
	switch action {
	case "up":
		n, err := e.st.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d migrations applied; database is up to date\n", n)
		return nil
	case "status":
		ms, err := e.st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			state := "pending"
			if m.Applied {
				state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%05d  %-32s %s\n", m.Version, m.Source, state)
		}
		return nil
	default:
		return fmt.Errorf("unknown migrate action %q (use up or status)", action)
	}
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var villageCode string
	var dryRun bool
	e, rest, err := setup(ctx, "import residents", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&villageCode, "village", "", "kode desa (10 digit) of the village to import into")
		fs.BoolVar(&dryRun, "dry-run", false, "check the file and report, change nothing")
	})
	if err != nil {
		return err
	}
	defer e.close()
	if len(rest) != 1 {
		return errors.New("usage: app import residents FILE --village KODE [--dry-run]")
	}
	if villageCode == "" {
		return errors.New("--village KODE is required")
	}
	v, err := e.st.VillageByCode(ctx, villageCode)
	if errors.Is(err, surat.ErrNotFound) {
		return fmt.Errorf("desa dengan kode %s tidak ditemukan", villageCode)
	} else if err != nil {
		return err
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	recs, problems, err := importer.Parse(f, filepath.Base(rest[0]))
	if err != nil {
		return err
	}
	if problems != nil {
		printRowErrors(stdout, problems)
		return fmt.Errorf("%d masalah ditemukan; tidak ada data yang diubah", problems.Count())
	}
	for _, w := range importer.Warnings(recs) {
		fmt.Fprintf(stdout, "peringatan baris %d, kolom %s: %s\n", w.Row, w.Column, w.Reason)
	}
	actor := surat.Actor{Username: "cli"}
	vid := v.ID
	res, err := e.st.ImportResidents(ctx, actor, vid, recs, dryRun)
	var ie *surat.ImportError
	if errors.As(err, &ie) {
		printRowErrors(stdout, ie)
		return fmt.Errorf("%d masalah ditemukan; tidak ada data yang diubah", ie.Count())
	} else if err != nil {
		return err
	}
	verb := "Diimpor"
	if dryRun {
		verb = "Uji coba (tidak disimpan)"
	}
	fmt.Fprintf(stdout, "%s ke Desa %s: %d penduduk baru, %d diperbarui, %d KK baru, %d KK diperbarui\n",
		verb, v.Name, res.Created, res.Updated, res.HouseholdsCreated, res.HouseholdsUpdated)
	return nil
}

// printRowErrors prints the problems kept of a rejected import and, when
// there are more, how many were left out.
func printRowErrors(w io.Writer, ie *surat.ImportError) {
	for _, r := range ie.Rows {
		fmt.Fprintf(w, "baris %d, kolom %s: %s\n", r.Row, r.Column, r.Reason)
	}
	if n := ie.Count() - len(ie.Rows); n > 0 {
		fmt.Fprintf(w, "... dan %d masalah lain (hanya %d pertama ditampilkan)\n", n, len(ie.Rows))
	}
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	var username, role, villageCode, fullName string
	e, _, err := setup(ctx, "user add", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "login name")
		fs.StringVar(&role, "role", "", "admin_kabupaten, admin_desa, operator or penandatangan")
		fs.StringVar(&villageCode, "village", "", "kode desa; not for admin_kabupaten")
		fs.StringVar(&fullName, "full-name", "", "full name")
	})
	if err != nil {
		return err
	}
	defer e.close()
	u := &surat.User{Username: username, Role: surat.Role(role), FullName: fullName}
	if villageCode != "" {
		v, err := e.st.VillageByCode(ctx, villageCode)
		if errors.Is(err, surat.ErrNotFound) {
			return fmt.Errorf("desa dengan kode %s tidak ditemukan", villageCode)
		} else if err != nil {
			return err
		}
		u.VillageID = &v.ID
	}
	password, generated := "", false
	if stdin != nil {
		line, _ := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		password, generated = randomHex(8), true
	}
	if msg := auth.ValidatePassword(password, u.Username, u.FullName); msg != "" {
		return errors.New(msg)
	}
	if u.PasswordHash, err = auth.Hash(password, auth.DefaultParams); err != nil {
		return err
	}
	if err := e.st.CreateUser(ctx, surat.Actor{Username: "cli"}, u); err != nil {
		if f, ok := surat.FieldErrors(err); ok {
			var msgs []string
			for k, m := range f {
				msgs = append(msgs, k+": "+m)
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		return err
	}
	fmt.Fprintf(stdout, "pengguna %s (%s) dibuat\n", u.Username, u.Role.Label())
	if generated {
		fmt.Fprintf(stdout, "kata sandi (tampil sekali): %s\n", password)
	}
	return nil
}

// runHealthcheck asks the server on APP_ADDR for /healthz; the container
// image has no shell or curl, so the binary checks itself.
func runHealthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	addr := getenv("APP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("APP_ADDR %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s", resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
