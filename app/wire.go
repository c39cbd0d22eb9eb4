package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
	"github.com/suratdesa/suratdesa/app/internal/web"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// This file is the one place that builds the program's parts: the store,
// the letter catalogue, the PDF renderer, the services on top of them and
// the web server. Commands in run.go and the *_cmd.go files ask for the
// parts they need and never construct them themselves.

// openStore opens the database cfg names and migrates it to the newest
// schema (under the migration lock, see store.Migrate).
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := migrateStore(ctx, st, log); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openDatabase opens the database cfg names without migrating it.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	return store.Open(ctx, store.Options{Driver: cfg.DB, DSN: cfg.DSN, Log: log,
		MaxOpen: cfg.DBMaxOpen, MaxIdle: cfg.DBMaxIdle, CreateDatabase: cfg.DBCreate,
		Quota: store.RequestQuota{VillageBytes: cfg.VillageUploadQuota}})
}

// migrateStore applies st's pending migrations and logs how many ran.
func migrateStore(ctx context.Context, st *store.Store, log *slog.Logger) error {
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("database migrated", "applied", n)
	}
	return nil
}

// guards returns the process's sign-in attempt counter, keyed with the
// configured secret, and its Argon2id hashing slots, sized for
// auth.DefaultParams; made on first use, so every service shares them.
func (e *env) guards() (*attempt.Counter, *auth.Slots, error) {
	if e.attempts == nil {
		a, err := attempt.New(e.st, e.cfg.Secret)
		if err != nil {
			return nil, nil, err
		}
		e.attempts, e.hashing = a, auth.SlotsFor(auth.DefaultParams)
		e.log.Info("password hashing slots", "slots", e.hashing.Cap())
	}
	return e.attempts, e.hashing, nil
}

// newIssuance loads the letter catalogue (a broken module file stops the
// application with its file and line), makes the PDF renderer and builds
// the issuance service on e's store.
func newIssuance(e *env, kdf auth.Params) (*issuance.Service, error) {
	// The PDF fonts (20-25 ms and a few MB) are prepared for the first
	// letter rendered, or when /readyz asks, not at start-up. If they cannot
	// be (a build defect), every render returns the error and /readyz
	// reports and logs it.
	r := pdf.NewLazyRenderer()
	cat, err := loadCatalogue(lettertpl.FS, "templates/letters")
	if err != nil {
		return nil, err
	}
	attempts, hashing, err := e.guards()
	if err != nil {
		return nil, err
	}
	if e.files == nil {
		bs, err := openBlobs(context.Background(), e.cfg)
		if err != nil {
			return nil, err
		}
		e.files = &files.Keeper{Blobs: bs, Store: e.st, Log: e.log}
	}
	return issuance.New(issuance.Deps{Store: e.st, Catalogue: cat, Renderer: r, Files: e.files,
		StorageDir: e.cfg.Storage, BaseURL: e.cfg.BaseURL, Log: e.log, KDF: kdf,
		MatchKey: surat.NewMatchKey(e.cfg.Secret), Metrics: e.metrics, Attempts: attempts, Hashing: hashing})
}

// loadCatalogue loads the letter modules from src; where names src in the
// error, which lists every broken file with its line.
func loadCatalogue(src fs.FS, where string) (*letters.Catalogue, error) {
	cat, err := letters.Load(src)
	if err != nil {
		return nil, fmt.Errorf("letter modules in %s:\n%w", where, err)
	}
	return cat, nil
}

// newVerify builds the public check on e's store and iss's catalogue, with
// the match key of e's secret.
func newVerify(e *env, iss *issuance.Service) (*verify.Service, error) {
	return verify.New(verify.Deps{Store: e.st, Catalogue: iss.Builtin(), Now: time.Now,
		MatchKey: surat.NewMatchKey(e.cfg.Secret)})
}

// newWeb builds the self-service service on e's store and iss, and the
// HTTP server on top of it, iss and ver. setupCode is the one-time
// first-run code, "" when the database already has users.
func newWeb(e *env, iss *issuance.Service, ver *verify.Service, notes *notify.Service, setupCode string) (*web.Server, error) {
	attempts, hashing, err := e.guards()
	if err != nil {
		return nil, err
	}
	mand, err := mandiri.New(mandiri.Deps{Store: e.st, Issuance: iss, Files: iss.Files(), Now: time.Now,
		PINParams: auth.DefaultParams, Log: e.log, Attempts: attempts, Hashing: hashing})
	if err != nil {
		return nil, err
	}
	return web.New(web.Deps{Log: e.log, Store: e.st, Config: e.cfg, Now: time.Now,
		PasswordParams: auth.DefaultParams, SetupCode: setupCode, Issuance: iss, Verify: ver, Mandiri: mand,
		Notify: notes, Metrics: e.metrics, Attempts: attempts, Hashing: hashing})
}

// newNotify builds the notification service (outbox worker, e-mail,
// webhooks) on e's store from APP_SMTP_URL, APP_MAIL_FROM and
// APP_WEBHOOK_ALLOW_PRIVATE.
func newNotify(e *env, iss *issuance.Service) (*notify.Service, error) {
	return notify.New(notify.Deps{Store: e.st, Modules: iss, BaseURL: e.cfg.BaseURL,
		SMTPURL: e.cfg.SMTPURL, MailFrom: e.cfg.MailFrom, AllowPrivate: e.cfg.WebhookAllowPrivate, Log: e.log})
}
