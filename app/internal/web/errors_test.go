package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/letters/opensid"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// TestErrorTable drives every kind of error a handler returns through the
// HTML adapter and the JSON adapter and checks that both answer with the
// same status, the same Indonesian words and the same Retry-After, and that
// the JSON carries the expected machine code.
func TestErrorTable(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	now := e.clock.Now()
	in := func(d time.Duration) time.Time { return now.Add(d) }
	wrapped := func(err error) error { return fmt.Errorf("issuance: letter 7: %w", err) }

	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		message    string // a part of the message both adapters show
		retryAfter string
	}{
		{"validation", &surat.ValidationError{Fields: map[string]string{"nama": "Nama wajib diisi"}},
			422, "validation_failed", "Data belum benar", ""},
		{"problem code", surat.Invalid("signer_official_id", surat.ProblemSignerRequired),
			422, "validation_failed", "Data belum benar", ""},
		{"import rows", &surat.ImportError{Rows: []surat.RowError{{Row: 2, Column: "nik", Reason: "NIK harus 16 digit"}}},
			422, "import_rejected", "1 masalah pada baris data", ""},
		{"unsupported media", &unsupportedMediaError{Msg: "Berkas ditolak: format tidak didukung"},
			415, "unsupported_media_type", "format tidak didukung", ""},
		{"too large", &http.MaxBytesError{Limit: 20 << 20}, 413, "payload_too_large", "paling besar 20 MB", ""},
		{"bad request", &badRequestError{Msg: "Isi permintaan bukan JSON yang benar."}, 400, "bad_request", "bukan JSON", ""},
		{"template", &issuance.TemplateError{Problems: []letters.FileProblem{{Line: 12, Message: "kunci \"titel\" tidak dikenal"}}},
			422, "template_invalid", "Templat belum benar: 1 masalah", ""},
		{"not an OpenSID export", fmt.Errorf("issuance: %w", opensid.ErrNotExport), 415, "unsupported_media_type",
			"bukan ekspor templat surat OpenSID", ""},
		{"wrong passphrase", wrapped(issuance.ErrWrongPassphrase), 422, "wrong_passphrase", "Frasa sandi salah", ""},
		{"wrong passphrase that locks", fmt.Errorf("%w: %w", issuance.ErrWrongPassphrase, &issuance.LockedError{Until: in(15 * time.Minute)}),
			422, "wrong_passphrase", "dikunci selama 15 menit", "900"},
		{"wrong root passphrase", issuance.ErrWrongRootPassphrase, 422, "wrong_root_passphrase", "Frasa sandi root CA salah", ""},
		{"wrong root passphrase that locks", fmt.Errorf("%w: %w", issuance.ErrWrongRootPassphrase,
			&issuance.RootLockedError{Until: in(15 * time.Minute)}), 422, "wrong_root_passphrase", "root CA dikunci selama 15 menit", "900"},
		{"root locked", wrapped(&issuance.RootLockedError{Until: in(12 * time.Minute)}),
			429, "root_locked", "Root CA dikunci sementara", "720"},
		{"signing locked", wrapped(&issuance.LockedError{Until: in(10 * time.Minute)}),
			429, "signing_locked", "Coba lagi dalam 10 menit", "600"},
		{"not signer", wrapped(issuance.ErrNotSigner), 403, "not_signer", "bukan pejabat penandatangan", ""},
		{"no certificate", wrapped(issuance.ErrNoCertificate), 409, "no_certificate", "belum memiliki sertifikat", ""},
		{"no root", issuance.ErrNoRoot, 409, "no_root_ca", "root CA", ""},
		{"not revoker", wrapped(issuance.ErrNotRevoker), 403, "not_revoker", "hanya dapat dicabut oleh penandatangan", ""},
		{"revocation pending", wrapped(surat.ErrRevocationPending), 409, "revocation_pending", "menunggu konfirmasi", ""},
		{"no revocation request", wrapped(surat.ErrNoRevocationRequest), 409, "no_revocation_request", "Tidak ada pengajuan", ""},
		{"letter not valid for a match", verify.ErrNotMatchable, 409, "letter_not_valid", "Pencocokan tidak dilakukan", ""},
		{"no match data", verify.ErrMatchUnavailable, 409, "match_unavailable", "tidak dapat dicocokkan", ""},
		{"match limit", &verify.LimitedError{Retry: 50 * time.Minute}, 429, "rate_limited", "Coba lagi dalam 50 menit", "3000"},
		{"account locked", &lockedError{Until: in(5 * time.Minute)}, 429, "account_locked", "Coba lagi dalam 5 menit", "300"},
		{"resident locked", &mandiri.LockedError{Until: in(5 * time.Minute)}, 429, "account_locked", "Coba lagi dalam 5 menit", "300"},
		{"ip blocked", &mandiri.IPBlockedError{Until: in(15 * time.Minute)}, 429, "rate_limited", "dari jaringan ini", "900"},
		{"attachment too large", &mandiri.AttachmentError{TooLarge: true}, 413, "payload_too_large", "Lampiran terlalu besar", ""},
		{"attachment type", &mandiri.AttachmentError{}, 415, "unsupported_media_type", "JPEG/PNG atau berkas PDF", ""},
		{"rate limited", &rateLimitedError{Retry: 1500 * time.Millisecond}, 429, "rate_limited", "Coba lagi dalam 2 detik", "2"},
		{"invalid credentials", errInvalidCredentials, 401, "invalid_credentials", "Nama pengguna atau kata sandi salah", ""},
		{"invalid PIN", mandiri.ErrInvalidCredentials, 401, "invalid_credentials", "NIK atau PIN salah", ""},
		{"csrf", errCSRF, 403, "csrf_failed", "Muat ulang halaman", ""},
		{"method", errMethodNotAllowed, 405, "method_not_allowed", "tidak didukung", ""},
		{"transition", wrapped(&surat.TransitionError{LetterID: 7, From: surat.LetterSigned, To: surat.LetterSigned}),
			409, "invalid_transition", "sudah berstatus Ditandatangani", ""},
		{"request state", &surat.RequestStateError{From: surat.RequestTaken, Action: surat.RequestCancel},
			409, "invalid_state", "tidak dapat dibatalkan", ""},
		{"verification pending", wrapped(surat.ErrVerificationPending), 409, "verification_pending",
			"diverifikasi sekretaris desa", ""},
		{"not verifier", surat.ErrNotVerifier, 403, "not_verifier", "memverifikasi surat", ""},
		{"no channel", surat.ErrNoChannel, 409, "no_channel", "alamat webhook", ""},
		{"delete signed", wrapped(&surat.TransitionError{LetterID: 7, From: surat.LetterSigned, Delete: true}),
			409, "invalid_transition", "tidak dapat dihapus", ""},
		{"not found", wrapped(surat.ErrNotFound), 404, "not_found", "tidak ditemukan", ""},
		{"forbidden", surat.ErrForbidden, 403, "forbidden", "tidak berwenang", ""},
		{"unauthorized", surat.ErrUnauthorized, 401, "unauthorized", "Silakan masuk", ""},
		{"conflict", wrapped(surat.ErrConflict), 409, "conflict", "telah diubah oleh pengguna lain", ""},
		{"anything else", errors.New("disk full at /var/lib/secret"), 500, "internal_error", "kesalahan pada server", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.GET("/t", e.srv.page(func(*gin.Context) error { return tt.err }))
			r.GET("/api/t", e.srv.api(func(*gin.Context) error { return tt.err }))

			page := httptest.NewRecorder()
			r.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/t", nil))
			api := httptest.NewRecorder()
			r.ServeHTTP(api, httptest.NewRequest(http.MethodGet, "/api/t", nil))

			if page.Code != tt.status || api.Code != tt.status {
				t.Errorf("status: HTML %d, JSON %d, want %d", page.Code, api.Code, tt.status)
			}
			if got, want := page.Header().Get("Retry-After"), tt.retryAfter; got != want {
				t.Errorf("HTML Retry-After %q, want %q", got, want)
			}
			if got, want := api.Header().Get("Retry-After"), tt.retryAfter; got != want {
				t.Errorf("JSON Retry-After %q, want %q", got, want)
			}
			var body errorBody
			if err := json.Unmarshal(api.Body.Bytes(), &body); err != nil {
				t.Fatalf("JSON body %q: %v", api.Body.String(), err)
			}
			if body.Error != tt.code {
				t.Errorf("code %q, want %q", body.Error, tt.code)
			}
			if !strings.Contains(body.Message, tt.message) {
				t.Errorf("JSON message %q lacks %q", body.Message, tt.message)
			}
			// The HTML page shows the very message of the JSON body.
			if shown := html.UnescapeString(page.Body.String()); !strings.Contains(shown, body.Message) {
				t.Errorf("HTML page lacks the JSON message %q", body.Message)
			}
			if strings.Contains(api.Body.String(), "/var/lib/secret") || strings.Contains(page.Body.String(), "/var/lib/secret") {
				t.Error("an internal error leaks its cause")
			}
		})
	}
}
