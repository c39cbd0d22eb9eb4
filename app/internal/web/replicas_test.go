package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/blob/blobtest"
	"github.com/suratdesa/suratdesa/app/internal/config"
	appfiles "github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// withBlobs builds the server's issuance service (and so its attachment
// store) on blob store bs.
func withBlobs(t *testing.T, bs blob.Store, iss **issuance.Service) envOption {
	return func(d *Deps) {
		var err error
		*iss, err = issuance.New(issuance.Deps{Store: d.Store, Catalogue: testCatalogue(t), Renderer: letterPDF,
			Files: &appfiles.Keeper{Blobs: bs, Store: d.Store, Log: d.Log}, BaseURL: d.Config.BaseURL, Now: d.Now,
			Log: d.Log, KDF: testParams, MatchKey: surat.NewMatchKey(d.Config.Secret)})
		if err != nil {
			t.Fatalf("issuance: %v", err)
		}
		d.Issuance = *iss
	}
}

// replicaOf is a second server on a's database (its own connection pool)
// with its own client of blob store bs; it shares no folder with a.
func replicaOf(t *testing.T, b storetest.Backend, a *env, bs blob.Store) *env {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Driver: string(b), DSN: a.dsn, Now: a.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	d := Deps{Log: slog.New(slog.NewTextHandler(logs, nil)), Store: st, Now: a.clock.Now, PasswordParams: testParams,
		Config: config.Config{BaseURL: "http://localhost:8080", Secret: strings.Repeat("k", 32)}}
	var iss *issuance.Service
	withBlobs(t, bs, &iss)(&d)
	d.Verify = testVerify(t, st, d.Now, surat.NewMatchKey(d.Config.Secret))
	d.Mandiri = testMandiri(t, d)
	d.Notify = testNotify(t, d)
	srv, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, dsn: a.dsn, srv: srv, h: srv.Handler(), clock: a.clock, logs: logs}
}

// TestTwoReplicasShareTheBlobStore runs two servers with separate storage
// folders on one database, sharing an S3-compatible blob store (a real
// server: versitygw or APP_TEST_S3_URL). A letter signed on A downloads on
// B with its SHA-256, a logo uploaded on A is printed on letters signed on
// B, and an attachment uploaded on A opens on B.
func TestTwoReplicasShareTheBlobStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s3 := blobtest.S3(t)
		bucket := s3.Bucket(t)
		open := func() blob.Store {
			bs, err := blob.Open(context.Background(), bucket, s3.Creds)
			if err != nil {
				t.Fatal(err)
			}
			return bs
		}
		var issA *issuance.Service
		a := newEnv(t, b, withBlobs(t, open(), &issA))
		if _, err := issA.InitRoot(context.Background(), surat.Actor{Username: "test", Role: surat.RoleAdminKabupaten},
			"Test Root CA", testRootPass); err != nil {
			t.Fatal(err)
		}
		ea := &mandiriEnv{letterEnv: &letterEnv{env: a, iss: issA}}
		rb := replicaOf(t, b, a, open())
		eb := &letterEnv{env: rb}
		lv := ea.villageForLetters("3505122001", "Sumberejo", "")
		kades := lv.tokens["kades"]
		sign := func(on *letterEnv, id int64) letterJSON {
			var l letterJSON
			on.call("POST", letterPath(id)+"/sign", kades, map[string]string{"passphrase": testSignPass}, http.StatusOK, &l)
			return l
		}
		download := func(on *letterEnv, l letterJSON) []byte {
			rec := on.api("GET", letterPath(l.ID)+"/pdf", kades, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("PDF of letter %d: %d %s", l.ID, rec.Code, rec.Body)
			}
			body := rec.Body.Bytes()
			if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != l.SHA256 {
				t.Fatalf("PDF of letter %d does not match its SHA-256", l.ID)
			}
			if _, err := exec.LookPath("pdfsig"); err == nil {
				if out := pdfsigOf(t, body); !strings.Contains(out, "Signature is Valid") {
					t.Errorf("pdfsig on letter %d:\n%s", l.ID, out)
				}
			}
			return body
		}

		// Signed on A, downloaded from B (and A).
		onA := sign(ea.letterEnv, ea.approvedLetter(lv).ID)
		noLogo := download(eb, onA)
		download(ea.letterEnv, onA)
		if bytes.Contains(noLogo, []byte("/Subtype /Image")) {
			t.Fatal("a letter signed before any logo upload carries an image")
		}

		// A logo uploaded on A is printed on a letter signed on B.
		br := a.browser()
		br.login("admin")
		if r := uploadLogo(t, br, br.csrf("/dashboard"), "logo.png", pngOf(t, 300, 300)); r.Code != http.StatusSeeOther {
			t.Fatalf("logo upload on A = %d", r.Code)
		}
		onB := sign(eb, ea.approvedLetter(lv).ID)
		if pdf := download(ea.letterEnv, onB); !bytes.Contains(pdf, []byte("/Subtype /Image")) {
			t.Error("the letter signed on B has no logo")
		}
		if l := sign(eb, ea.approvedLetter(lv).ID); onB.Number == l.Number {
			t.Errorf("two letters numbered %s", l.Number)
		}

		// An attachment a resident uploads on A opens for the clerk on B.
		pin := ea.issuePIN("operator", lv.res.NIK)
		tok := ea.residentToken(lv.res.NIK, pin, "583920")
		var req mandiriRequestJSON
		ea.call("POST", "/api/v1/mandiri/requests", tok, domisili(lv.res.ID, nil), http.StatusCreated, &req)
		photo := pngOf(t, 5, 7)
		if rec := ea.uploadAPI(tok, req.ID, map[string][]byte{"foto.png": photo}); rec.Code != http.StatusCreated {
			t.Fatalf("upload on A: %d %s", rec.Code, rec.Body)
		}
		ea.call("GET", fmt.Sprintf("/api/v1/mandiri/requests/%d", req.ID), tok, nil, http.StatusOK, &req)
		if len(req.Attachments) != 1 {
			t.Fatalf("attachments: %+v", req.Attachments)
		}
		clerk := rb.browser()
		clerk.login("operator")
		r := clerk.get(fmt.Sprintf("/permohonan/%d/lampiran/%d", req.ID, req.Attachments[0].ID))
		if r.Code != http.StatusOK || r.Body != string(photo) {
			t.Errorf("attachment on B: %d, %d bytes, want 200 and the %d uploaded", r.Code, len(r.Body), len(photo))
		}
		// Every file is in the bucket, where both replicas find it:
		// three PDFs, the logo and the attachment.
		n := 0
		open().List(context.Background(), "", func(blob.Object) error { n++; return nil })
		if n != 5 { // 3 PDFs, 1 logo, 1 attachment
			t.Errorf("%d objects in the bucket, want 5", n)
		}
	})
}

func pdfsigOf(t *testing.T, pdf []byte) string {
	t.Helper()
	p := t.TempDir() + "/letter.pdf"
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", p).CombinedOutput()
	return string(out)
}
