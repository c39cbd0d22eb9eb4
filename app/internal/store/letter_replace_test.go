package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestRevokeReplaced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")
		vid := e.village.ID
		sign := func(e *letterEnv) *surat.Letter {
			t.Helper()
			l, err := e.finalize(e.approved(t, "sk_domisili").ID)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		orig, repl := sign(e), sign(e)
		draft := e.draft(t, "sk_domisili")
		foreign := sign(other)

		replaced := func(by int64, note string) surat.Revocation {
			return surat.Revocation{Reason: surat.ReasonReplaced, ReplacedBy: by, Note: note}
		}
		fieldTests := []struct {
			name        string
			r           surat.Revocation
			field, want string
		}{
			{"another reason", surat.Revocation{Reason: surat.ReasonDataError, ReplacedBy: repl.ID}, "reason_code",
				"Surat yang diganti dengan surat lain memakai alasan \"Diganti dengan surat baru\""},
			{"replaced without a letter", surat.Revocation{Reason: surat.ReasonReplaced}, "replaced_by", "Sebutkan surat pengganti"},
			{"itself", replaced(orig.ID, "Salah ketik"), "replaced_by", "Surat tidak dapat menggantikan dirinya sendiri"},
			{"unknown", replaced(999999, "Salah ketik"), "replaced_by", "Surat pengganti tidak ditemukan di desa ini"},
			{"other village", replaced(foreign.ID, "Salah ketik"), "replaced_by", "Surat pengganti tidak ditemukan di desa ini"},
			{"draft", replaced(draft.ID, "Salah ketik"), "replaced_by",
				"Surat pengganti harus surat yang sudah ditandatangani dan masih berlaku (sekarang berstatus Draf)"},
		}
		for _, tt := range fieldTests {
			_, err := st.Revoke(ctx, e.clerk, vid, orig.ID, tt.r)
			fields, ok := surat.FieldErrors(err)
			if !ok || fields[tt.field] != tt.want {
				t.Errorf("%s: got %v, want %s: %q", tt.name, err, tt.field, tt.want)
			}
		}
		if got, _ := st.LetterByID(ctx, vid, orig.ID); got.Status != surat.LetterSigned || got.Version != orig.Version {
			t.Fatalf("refused revocations changed the letter: %+v", got)
		}

		// Village B's letter is not found from village A, in either place.
		if _, err := st.Revoke(ctx, e.clerk, vid, foreign.ID, replaced(repl.ID, "Salah ketik")); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("revoking another village's letter: got %v, want ErrNotFound", err)
		}
		if _, err := st.Revoke(ctx, e.clerk, vid, draft.ID, replaced(repl.ID, "Salah ketik")); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("revoking a draft: got %v, want ErrInvalidTransition", err)
		}

		got, err := st.Revoke(ctx, e.clerk, vid, orig.ID, surat.Revocation{ReplacedBy: repl.ID, Note: " Alamat salah ketik "})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != surat.LetterReplaced || got.ReplacedByID == nil || *got.ReplacedByID != repl.ID ||
			got.RevokeReason != "Alamat salah ketik" || got.RevokeCode != surat.ReasonReplaced || got.RevokedAt == nil || !got.RevokedAt.Equal(fixedNow()) ||
			got.Version != orig.Version+1 {
			t.Errorf("revoked letter %+v", got)
		}
		if stored, _ := st.LetterByID(ctx, vid, orig.ID); stored.Status != surat.LetterReplaced {
			t.Errorf("stored status %s", stored.Status)
		}
		if r, _ := st.LetterByID(ctx, vid, repl.ID); r.Status != surat.LetterSigned {
			t.Errorf("the replacement became %s", r.Status)
		}
		// Final: it cannot be revoked or replaced again.
		if _, err := st.Revoke(ctx, e.clerk, vid, orig.ID, replaced(repl.ID, "Lagi")); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("second revocation: got %v", err)
		}

		entries, err := st.AuditLog(ctx, vid, 1)
		if err != nil || len(entries) != 1 || entries[0].Action != "letter.revoke" || entries[0].EntityID != orig.ID {
			t.Errorf("last audit entry %+v %v", entries, err)
		}
		if c, err := st.VerifyAuditChain(ctx, vid); err != nil || !c.Intact() {
			t.Errorf("audit chain broken: %+v %v", c, err)
		}
	})
}
