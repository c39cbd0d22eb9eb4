package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/blob/blobtest"
	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestStorageMigrate copies the files of a deployment kept in APP_STORAGE
// into another folder and into an S3 bucket; a second run copies nothing,
// and the signed PDFs then download from the new store.
func TestStorageMigrate(t *testing.T) {
	ctx := context.Background()
	st, dsn := storetest.OpenDSN(t, storetest.SQLite, nil)
	storage := t.TempDir()
	fx := approvedLetters(t, st, storage, 3)
	if _, err := fx.iss.SignBatch(ctx, fx.kades, fx.village, fx.ids, demo.SigningPassphrase); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"APP_DSN": dsn, "APP_STORAGE": storage, "APP_LOG_LEVEL": "warn"}
	targets := map[string]func(t *testing.T) (string, blob.Credentials){
		"file": func(t *testing.T) (string, blob.Credentials) { return blob.FileURL(t.TempDir()), blob.Credentials{} },
		"s3": func(t *testing.T) (string, blob.Credentials) {
			s3 := blobtest.S3(t)
			return s3.Bucket(t), s3.Creds
		},
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			to, creds := target(t)
			args := []string{"storage", "migrate", "--to", to, "--to-access-key", creds.AccessKey, "--to-secret-key", creds.SecretKey}
			var out bytes.Buffer
			if err := run(ctx, args, envFor(vars), nil, &out); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "3 files copied, 0 already there; 3 files checked") {
				t.Errorf("first run:\n%s", out.String())
			}
			out.Reset()
			if err := run(ctx, args, envFor(vars), nil, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "0 files copied, 3 already there; 3 files checked") {
				t.Errorf("second run:\n%s", out.String())
			}
			if strings.Contains(out.String(), creds.SecretKey) && creds.SecretKey != "" {
				t.Error("the output shows the secret key")
			}
			// The letters download from the new store.
			moved := map[string]string{"APP_BLOB_URL": to, "APP_BLOB_ACCESS_KEY": creds.AccessKey, "APP_BLOB_SECRET_KEY": creds.SecretKey}
			for k, v := range vars {
				moved[k] = v
			}
			e, _, err := setup(ctx, "test", nil, envFor(moved), &out, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer e.close()
			iss, err := newIssuance(e, cheapParams)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range fx.ids {
				if _, _, err := iss.SignedPDF(ctx, fx.village, id); err != nil {
					t.Errorf("letter %d from the new store: %v", id, err)
				}
			}
		})
	}
	var out bytes.Buffer
	bad := (&url.URL{Scheme: "ftp", Host: "x"}).String()
	if err := run(ctx, []string{"storage", "migrate", "--to", bad}, envFor(vars), nil, &out); err == nil {
		t.Error("migrate to ftp:// succeeded")
	}
	if err := run(ctx, []string{"storage", "migrate"}, envFor(vars), nil, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("migrate without --to: %v", err)
	}
}
