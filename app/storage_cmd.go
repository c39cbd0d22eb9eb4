package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/files"
)

// blobPrefixes are the folders of the blob store the application writes;
// a file:// store in APP_STORAGE also holds the SQLite database and the
// generated secret, which are not objects.
var blobPrefixes = []string{"letters/", "attachments/", "logos/"}

// openBlobs opens the blob store cfg names.
func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	return blob.Open(ctx, cfg.BlobURL, blob.Credentials{AccessKey: cfg.BlobAccessKey, SecretKey: cfg.BlobSecretKey})
}

// sweepEvery is how often serve deletes files whose signing (or upload)
// never committed.
const sweepEvery = 15 * time.Minute

// sweepFiles deletes orphan files (package files) at once and then every
// interval, until ctx is done. Every replica may run it: a key is deleted
// only when no committed row names it.
func sweepFiles(ctx context.Context, k *files.Keeper, age, every time.Duration, log *slog.Logger) {
	repeat(ctx, every, func() {
		n, err := k.Sweep(ctx, age, time.Now())
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("sweeping orphan files failed", "err", err)
		case n > 0:
			log.Info("orphan files deleted", "files", n)
		}
	})
}

// runStorage is "app storage migrate --to URL": it copies every file of the
// configured blob store (APP_BLOB_URL) into the store URL names, checking
// each file a row names against its recorded SHA-256 afterwards. Running
// it again copies only what is missing. Credentials for the target come
// from --to-access-key/--to-secret-key or APP_BLOB_TO_ACCESS_KEY and
// APP_BLOB_TO_SECRET_KEY, else the configured ones.
func runStorage(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New("usage: app storage migrate --to URL")
	}
	var to, ak, sk string
	e, _, err := setup(ctx, "storage migrate", args[1:], getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the blob store to copy every file into (file:///folder or s3://bucket?endpoint=...)")
		fs.StringVar(&ak, "to-access-key", getenv("APP_BLOB_TO_ACCESS_KEY"), "S3 access key of the target (APP_BLOB_TO_ACCESS_KEY)")
		fs.StringVar(&sk, "to-secret-key", getenv("APP_BLOB_TO_SECRET_KEY"), "S3 secret key of the target (APP_BLOB_TO_SECRET_KEY)")
	})
	if err != nil {
		return err
	}
	defer e.close()
	if to == "" {
		return errors.New("usage: app storage migrate --to URL")
	}
	if ak == "" && sk == "" {
		ak, sk = e.cfg.BlobAccessKey, e.cfg.BlobSecretKey
	}
	src, err := openBlobs(ctx, e.cfg)
	if err != nil {
		return err
	}
	dst, err := blob.Open(ctx, to, blob.Credentials{AccessKey: ak, SecretKey: sk})
	if err != nil {
		return err
	}
	if err := dst.Ping(ctx); err != nil {
		return err
	}
	var copied, skipped int
	for _, p := range blobPrefixes {
		c, s, err := blob.Copy(ctx, dst, src, p)
		copied, skipped = copied+c, skipped+s
		if err != nil {
			return fmt.Errorf("storage migrate: %w", err)
		}
	}
	checked, err := checkBlobs(ctx, e, dst)
	if err != nil {
		return fmt.Errorf("storage migrate: %w", err)
	}
	fmt.Fprintf(stdout, "%d files copied, %d already there; %d files checked against the database in %s\n",
		copied, skipped, checked, dst)
	fmt.Fprintln(stdout, "Set APP_BLOB_URL to the new store on every replica and restart them.")
	return nil
}

// checkBlobs reads every file a committed row names from bs and checks its
// SHA-256 where one is recorded. A missing or changed file is an error
// naming its key (never a person).
func checkBlobs(ctx context.Context, e *env, bs blob.Store) (int, error) {
	n := 0
	err := e.st.BlobKeys(ctx, func(key, sum string) error {
		b, err := bs.Get(ctx, key)
		if err != nil {
			return err
		}
		if sum != "" && sha256Hex(b) != sum {
			return fmt.Errorf("file %s does not match its recorded SHA-256", key)
		}
		n++
		return nil
	})
	return n, err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
