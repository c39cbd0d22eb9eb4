package issuance_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// wantNumber is the number the demo village's default format gives the
// seq-th sk_domisili (kode surat 470 unless the module says otherwise).
func wantSeq(t *testing.T, l *surat.Letter, seq int) {
	t.Helper()
	if l.NumberSeq == nil || *l.NumberSeq != seq {
		t.Errorf("letter %d number %q seq %v, want seq %d", l.ID, l.NumberString(), l.NumberSeq, seq)
	}
	if want := fmt.Sprintf("/%03d/%s/", seq, demo.VillageCode); !strings.Contains(l.NumberString(), want) {
		t.Errorf("number %q does not contain %q", l.NumberString(), want)
	}
}

func TestDraftSubmitApproveSign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		req := domisili(r)

		draft, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if draft.Status != surat.LetterDraft || draft.SubjectName != r.Name || draft.SubjectResidentID == nil ||
			*draft.SubjectResidentID != r.ID || draft.SignerOfficialID == nil || *draft.SignerOfficialID != e.cert.OfficialID {
			t.Fatalf("draft %+v: want subject %s and the kepala desa as signer", draft, r.Name)
		}
		back, err := e.svc.RequestOf(draft)
		if err != nil || back.Subjects["pemohon"].ResidentID != r.ID || back.Fields["keperluan"] != req.Fields["keperluan"] ||
			back.SignerOfficialID != e.cert.OfficialID {
			t.Fatalf("RequestOf = %+v, %v", back, err)
		}
		draftPDF, err := e.svc.DraftPDF(e.ctx, e.village.ID, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		l := e.approved(t, req)
		signed, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if signed.Status != surat.LetterSigned || signed.VerifyCode == nil || !surat.ValidVerifyCode(*signed.VerifyCode) ||
			signed.CertificateID == nil || *signed.CertificateID != e.cert.ID || signed.SignedAt == nil {
			t.Fatalf("signed letter %+v", signed)
		}
		wantSeq(t, signed, 1)
		issued := surat.LetterTime(*signed.IssuedAt)
		wantUntil, _ := e.svc.Builtin().Module("sk_domisili").ValidUntil(issued, nil)
		if signed.ValidUntil == nil || !signed.ValidUntil.Equal(wantUntil) {
			t.Errorf("valid until %v, want %v (1 bulan)", signed.ValidUntil, wantUntil)
		}
		if !strings.HasPrefix(signed.PDFPath, fmt.Sprintf("letters/%d/", e.village.ID)) ||
			strings.Contains(signed.PDFPath, r.NIK) || len(filepath.Base(signed.PDFPath)) != 32+4 {
			t.Errorf("PDF path %q: want letters/<village>/<32 hex>.pdf", signed.PDFPath)
		}
		got, pdfBytes, err := e.svc.SignedPDF(e.ctx, e.village.ID, l.ID)
		if err != nil || got.ID != l.ID {
			t.Fatalf("SignedPDF: %v", err)
		}
		sum := sha256.Sum256(pdfBytes)
		if hex.EncodeToString(sum[:]) != signed.PDFSHA256 {
			t.Errorf("served PDF hash differs from the stored one")
		}
		roots, err := e.svc.RootPool(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res := sign.Verify(pdfBytes, roots, time.Now()); !res.Valid {
			t.Fatalf("our verifier: %s %s", res.Code, res.Message)
		}
		verifyURL := baseURL + "/v/" + *signed.VerifyCode

		t.Run("pdftotext", func(t *testing.T) {
			requireTool(t, "pdftotext", "poppler-utils")
			text := strings.Join(strings.Fields(pdftotext(t, pdfBytes)), " ")
			for _, want := range []string{signed.NumberString(), strings.ToUpper(r.Name), "ditandatangani secara elektronik",
				"tidak tersertifikasi", demo.RootName} {
				if !strings.Contains(text, want) {
					t.Errorf("signed PDF text lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(strings.ReplaceAll(text, " ", ""), verifyURL) {
				t.Errorf("signed PDF text lacks the verification URL %s", verifyURL)
			}
			if strings.Contains(text, "DRAF") {
				t.Error("signed PDF carries the DRAF watermark")
			}
			if draftText := pdftotext(t, draftPDF); !strings.Contains(draftText, "DRAF") || strings.Contains(draftText, "/v/") {
				t.Errorf("draft PDF: want DRAF and no verification URL:\n%s", draftText)
			}
		})
		t.Run("pdfsig", func(t *testing.T) {
			requireTool(t, "pdfsig", "poppler-utils")
			requireTool(t, "certutil", "libnss3-tools")
			root, _ := e.st.ActiveRoot(e.ctx)
			nss := nssWithRoot(t, []byte(root.CertPEM))
			out := pdfsig(t, nss, pdfBytes)
			for _, want := range []string{"Signature is Valid", "Certificate is Trusted", "Total document signed", "ETSI.CAdES.detached"} {
				if !strings.Contains(out, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, out)
				}
			}
			if out := pdfsig(t, nss, flipInSignedRange(t, pdfBytes)); !strings.Contains(out, "Digest Mismatch") {
				t.Errorf("one flipped byte: pdfsig says\n%s", out)
			}
			appended := append(append([]byte{}, pdfBytes...), "\n% tambahan\n"...)
			if out := pdfsig(t, nss, appended); !strings.Contains(out, "Not total document signed") {
				t.Errorf("appended bytes: pdfsig says\n%s", out)
			}
		})
		t.Run("qpdf", func(t *testing.T) {
			requireTool(t, "qpdf", "qpdf")
			run(t, true, "qpdf", "--check", writeTemp(t, "letter.pdf", pdfBytes))
		})
		t.Run("QR", func(t *testing.T) {
			requireTool(t, "pdftoppm", "poppler-utils")
			requireTool(t, "zbarimg", "zbar-tools")
			if got := qrOf(t, pdfBytes); got != verifyURL {
				t.Errorf("QR reads %q, want %q", got, verifyURL)
			}
		})
		t.Run("tampered file is never served", func(t *testing.T) {
			path := filepath.Join(e.storage, filepath.FromSlash(signed.PDFPath))
			if err := os.WriteFile(path, flipInSignedRange(t, pdfBytes), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, b, err := e.svc.SignedPDF(e.ctx, e.village.ID, l.ID); err == nil || b != nil {
				t.Errorf("SignedPDF served a file whose hash does not match (err %v)", err)
			}
		})
		t.Run("signing twice", func(t *testing.T) {
			_, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
			if !errors.Is(err, surat.ErrInvalidTransition) {
				t.Errorf("second sign: %v, want a transition error", err)
			}
		})
	})
}

func TestWrongPassphraseAndLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		l := e.approved(t, domisili(e.residents(t, 1)[0]))
		const wrong = "salah-sekali-123"
		_, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, wrong)
		if !errors.Is(err, issuance.ErrWrongPassphrase) || errors.Is(err, surat.ErrLocked) {
			t.Fatalf("wrong passphrase: %v", err)
		}
		if after := e.letter(t, l.ID); after.Status != surat.LetterApproved || after.Version != l.Version ||
			after.Number != nil || after.VerifyCode != nil || after.PDFPath != "" {
			t.Fatalf("wrong passphrase changed the letter: %+v", after)
		}
		if files, _ := filepath.Glob(filepath.Join(e.storage, "letters", "*", "*")); len(files) != 0 {
			t.Errorf("wrong passphrase left files %v", files)
		}
		signed, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		wantSeq(t, signed, 1) // no number was consumed by the failure

		// Five wrong passphrases in a row lock signing for 15 minutes.
		l2 := e.approved(t, domisili(e.residents(t, 2)[1]))
		for i := 1; i <= surat.MaxSignFailures; i++ {
			_, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l2.ID, wrong)
			if !errors.Is(err, issuance.ErrWrongPassphrase) {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if locked := errors.Is(err, surat.ErrLocked); locked != (i == surat.MaxSignFailures) {
				t.Fatalf("attempt %d: locked %v (%v)", i, locked, err)
			}
		}
		lockedAt := e.clock.Now()
		_, err = e.svc.Sign(e.ctx, e.kades, e.village.ID, l2.ID, demo.SigningPassphrase)
		var le *issuance.LockedError
		if !errors.As(err, &le) || !errors.Is(err, surat.ErrLocked) {
			t.Fatalf("right passphrase while locked: %v, want *LockedError", err)
		}
		if d := le.Until.Sub(lockedAt); d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("locked until %v, %v after the lock; want 15 minutes", le.Until, d)
		}
		if after := e.letter(t, l2.ID); after.Status != surat.LetterApproved || after.Number != nil {
			t.Fatalf("locked signing changed the letter: %+v", after)
		}
		e.clock.Advance(surat.SignLockDuration + time.Second)
		signed2, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l2.ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		wantSeq(t, signed2, 2)
		if n := e.signFailures(t, e.cert.ID); n != 0 {
			t.Errorf("a correct passphrase should clear failures: %d left", n)
		}
		logs := e.log.String()
		for _, secret := range []string{wrong, demo.SigningPassphrase} {
			if strings.Contains(logs, secret) {
				t.Errorf("log contains a passphrase %q:\n%s", secret, logs)
			}
		}
		if !strings.Contains(logs, "wrong signing passphrase") {
			t.Errorf("wrong passphrases are not logged at all:\n%s", logs)
		}
	})
}

func TestSignBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 3)
		var ids []int64
		for _, r := range rs {
			ids = append(ids, e.approved(t, domisili(r)).ID)
		}
		if _, err := e.svc.SignBatch(e.ctx, e.kades, e.village.ID, ids, "bukan-frasanya"); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Fatalf("batch with wrong passphrase: %v", err)
		}
		if n := e.signFailures(t, e.cert.ID); n != 1 {
			t.Errorf("a wrong batch passphrase counted %d failures, want 1", n)
		}
		for _, id := range ids {
			if l := e.letter(t, id); l.Status != surat.LetterApproved {
				t.Fatalf("letter %d changed by a failed batch: %s", id, l.Status)
			}
		}
		// A letter named twice refuses the whole batch before the key is
		// opened.
		if _, err := e.svc.SignBatch(e.ctx, e.kades, e.village.ID, append(ids, ids[0]), demo.SigningPassphrase); err == nil {
			t.Fatal("a batch naming a letter twice was accepted")
		} else if fields, _ := surat.FieldErrors(err); fields["ids"] == "" {
			t.Fatalf("batch naming a letter twice: %v", err)
		}
		results, err := e.svc.SignBatch(e.ctx, e.kades, e.village.ID, ids, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 3 {
			t.Fatalf("%d results, want 3", len(results))
		}
		for i, res := range results[:3] {
			if res.Err != nil || res.LetterID != ids[i] {
				t.Fatalf("result %d: %+v", i, res)
			}
			wantSeq(t, res.Letter, i+1)
			if _, _, err := e.svc.SignedPDF(e.ctx, e.village.ID, ids[i]); err != nil {
				t.Errorf("letter %d PDF: %v", ids[i], err)
			}
		}
		// A letter signed already fails alone; the others of the batch sign.
		fresh := e.approved(t, domisili(rs[0])).ID
		results, err = e.svc.SignBatch(e.ctx, e.kades, e.village.ID, []int64{ids[0], fresh}, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(results[0].Err, surat.ErrInvalidTransition) || results[1].Err != nil {
			t.Errorf("signing a signed letter again in a batch: %v, %v", results[0].Err, results[1].Err)
		}
		if _, err := e.svc.SignBatch(e.ctx, e.kades, e.village.ID, nil, demo.SigningPassphrase); err == nil {
			t.Error("empty batch accepted")
		}
	})
}

// TestSignBatchStorageFailure: when the PDFs of a batch cannot be stored
// (here a file stands where the village's folder must be), no letter of
// the batch is signed, no number is used and no PDF is left; once the
// storage works again the batch signs from number 1.
func TestSignBatchStorageFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ids := e.approvedDomisili(t, 3)
		blocker := filepath.Join(e.storage, "letters", strconv.FormatInt(e.village.ID, 10))
		if err := os.MkdirAll(filepath.Dir(blocker), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(blocker, []byte("not a folder"), 0o600); err != nil {
			t.Fatal(err)
		}
		results, err := e.svc.SignBatch(e.ctx, e.kades, e.village.ID, ids, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		for i, res := range results {
			if res.Err == nil || !strings.Contains(res.Err.Error(), "store PDF") {
				t.Errorf("result %d with the storage broken: %+v", i, res)
			}
			if l := e.letter(t, ids[i]); l.Status != surat.LetterApproved || l.Number != nil || l.PDFPath != "" {
				t.Errorf("letter %d after a failed store: status %s, number %v, PDF %q", l.ID, l.Status, l.Number, l.PDFPath)
			}
		}
		if err := os.Remove(blocker); err != nil {
			t.Fatal(err)
		}
		results, err = e.svc.SignBatch(e.ctx, e.kades, e.village.ID, ids, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		for i, res := range results {
			if res.Err != nil {
				t.Fatalf("result %d: %v", i, res.Err)
			}
			wantSeq(t, res.Letter, i+1)
		}
		var objects []string
		filepath.WalkDir(e.storage, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				objects = append(objects, p)
			}
			return nil
		})
		if len(objects) != 3 {
			t.Errorf("storage holds %d files, want the 3 signed PDFs: %v", len(objects), objects)
		}
	})
}

func TestDeathLetterMarksDeceased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 4)
		req := issuance.Request{Module: "sk_kematian",
			Subjects: map[string]issuance.SubjectRef{
				"almarhum": {ResidentID: rs[0].ID}, "pelapor": {ResidentID: rs[1].ID},
				"saksi1": {ResidentID: rs[2].ID}, "saksi2": {ResidentID: rs[3].ID}},
			Fields: map[string]string{"tanggal_kematian": e.clock.Now().AddDate(0, 0, -1).Format("2006-01-02"),
				"tempat_kematian": "Di rumah", "penyebab": "Sakit biasa/tua", "yang_menerangkan": "Dokter",
				"hubungan_pelapor": "Anak kandung"}}
		l := e.approved(t, req)
		if r, _ := e.st.ResidentByID(e.ctx, e.village.ID, rs[0].ID); r.LifeStatus != surat.LifeAlive {
			t.Fatalf("approving a death letter changed the register: %d", r.LifeStatus)
		}
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.st.ResidentByID(e.ctx, e.village.ID, rs[0].ID); r.LifeStatus != surat.LifeDead {
			t.Errorf("deceased is %d after signing, want MATI", r.LifeStatus)
		}
		for _, r := range rs[1:] {
			if got, _ := e.st.ResidentByID(e.ctx, e.village.ID, r.ID); got.LifeStatus != surat.LifeAlive {
				t.Errorf("witness %s marked %d", r.Name, got.LifeStatus)
			}
		}
	})
}

func TestOtherVillage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		l := e.approved(t, domisili(r))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		other := &surat.Village{Code: "3505122002", Name: "Tegalasri", Sebutan: "Desa", Kecamatan: "Sanankulon",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberFormat: surat.DefaultNumberFormat,
			NumberScope: "module", Paper: "F4"}
		if err := e.st.CreateVillage(e.ctx, surat.Actor{Username: "test"}, other); err != nil {
			t.Fatal(err)
		}
		head := &surat.Official{Name: "Sutrisno", Jabatan: "Kepala Desa", IsHead: true, Active: true}
		if err := e.st.CreateOfficial(e.ctx, surat.Actor{Username: "test"}, other.ID, head); err != nil {
			t.Fatal(err)
		}
		foreign := surat.Actor{Username: "lain", Role: surat.RoleOperator, VillageID: other.ID}
		checks := map[string]error{}
		_, checks["Sign"] = e.svc.Sign(e.ctx, foreign, other.ID, l.ID, demo.SigningPassphrase)
		_, _, checks["SignedPDF"] = e.svc.SignedPDF(e.ctx, other.ID, l.ID)
		_, checks["DraftPDF"] = e.svc.DraftPDF(e.ctx, other.ID, l.ID)
		_, checks["RequestRevocation"] = e.svc.RequestRevocation(e.ctx, foreign, other.ID, l.ID,
			surat.Revocation{Reason: surat.ReasonDataError})
		_, checks["Replace"] = e.svc.Replace(e.ctx, foreign, other.ID, l.ID)
		_, checks["UpdateDraft"] = e.svc.UpdateDraft(e.ctx, foreign, other.ID, l.ID, l.Version, domisili(r))
		_, checks["RevokeCertificate"] = e.svc.RevokeCertificate(e.ctx, foreign, other.ID, e.cert.ID, "coba")
		_, checks["RevokeCertificateWithCRL"] = e.svc.RevokeCertificateWithCRL(e.ctx, foreign, other.ID, e.cert.ID, "coba", demo.SigningPassphrase)
		for name, err := range checks {
			if !errors.Is(err, surat.ErrNotFound) {
				t.Errorf("%s on another village's letter: %v, want ErrNotFound", name, err)
			}
		}
		// A resident of the demo village is unknown to the other village.
		_, err := e.svc.CreateDraft(e.ctx, foreign, other.ID, domisili(r))
		fields, ok := surat.FieldErrors(err)
		if !ok || !strings.Contains(fields["subject.pemohon"], "tidak ditemukan") {
			t.Errorf("foreign resident: %v", err)
		}
		if l := e.letter(t, l.ID); l.Status != surat.LetterSigned {
			t.Errorf("letter changed to %s", l.Status)
		}
	})
}

func TestValidationAndSigner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		bad := domisili(r)
		bad.Fields = map[string]string{}
		bad.Subjects["pemohon"] = issuance.SubjectRef{ResidentID: 999999}
		_, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, bad)
		fields, ok := surat.FieldErrors(err)
		if !ok || fields["subject.pemohon"] == "" || fields["field.keperluan"] == "" {
			t.Fatalf("bad draft: %v, want messages for pemohon and keperluan", err)
		}
		if page, _ := e.st.ListLetters(e.ctx, e.village.ID, storeFilter()); page.Total != 0 {
			t.Errorf("a rejected draft was stored")
		}
		if _, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, issuance.Request{Module: "sk_tidak_ada"}); err == nil {
			t.Error("unknown module accepted")
		}
		// The operator is not the signer; the admin has no official either.
		l := e.approved(t, domisili(r))
		for _, a := range []surat.Actor{e.operator, e.admin} {
			if _, err := e.svc.Sign(e.ctx, a, e.village.ID, l.ID, demo.SigningPassphrase); !errors.Is(err, issuance.ErrNotSigner) {
				t.Errorf("%s signs: %v, want ErrNotSigner", a.Username, err)
			}
		}
		// Editing a draft, and the sekretaris signing a.n.
		officials, _ := e.st.Officials(e.ctx, e.village.ID)
		var sekdes surat.Official
		for _, o := range officials {
			if o.CanSignAN {
				sekdes = o
			}
		}
		d, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, domisili(r))
		if err != nil {
			t.Fatal(err)
		}
		upd := domisili(r)
		upd.SignerOfficialID = sekdes.ID
		upd.Fields["keperluan"] = "Pendaftaran sekolah anak"
		d2, err := e.svc.UpdateDraft(e.ctx, e.operator, e.village.ID, d.ID, d.Version, upd)
		if err != nil {
			t.Fatal(err)
		}
		if *d2.SignerOfficialID != sekdes.ID || !strings.Contains(d2.FormData, "Pendaftaran sekolah anak") {
			t.Errorf("updated draft %+v", d2)
		}
		if _, err := e.svc.UpdateDraft(e.ctx, e.operator, e.village.ID, d.ID, d.Version, upd); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("stale version: %v, want ErrConflict", err)
		}
		doc, err := e.svc.Validate(e.ctx, e.village.ID, upd)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Signer.Above) == 0 || !strings.HasPrefix(doc.Signer.Above[0], "a.n.") || doc.Signer.Name != sekdes.Name {
			t.Errorf("sekretaris signer block %+v", doc.Signer)
		}
		// The kepala desa may not sign a letter whose signer is the sekretaris.
		if _, err := e.svc.Submit(e.ctx, e.operator, e.village.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		sub := e.letter(t, d.ID)
		if _, err := e.svc.Approve(e.ctx, e.kades, e.village.ID, d.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, d.ID, demo.SigningPassphrase); !errors.Is(err, issuance.ErrNotSigner) {
			t.Errorf("kades signs the sekretaris' letter: %v", err)
		}
	})
}

func TestRevokeAndReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 2)
		l := e.approved(t, domisili(rs[0]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		repl, err := e.svc.Replace(e.ctx, e.operator, e.village.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if repl.ReplacesID == nil || *repl.ReplacesID != l.ID || repl.Status != surat.LetterDraft {
			t.Fatalf("replacement %+v", repl)
		}
		req, err := e.svc.RequestOf(repl)
		if err != nil || req.Subjects["pemohon"].ResidentID != rs[0].ID {
			t.Fatalf("replacement request %+v %v", req, err)
		}
		if _, err := e.svc.Submit(e.ctx, e.operator, e.village.ID, repl.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Approve(e.ctx, e.kades, e.village.ID, repl.ID, e.letter(t, repl.ID).Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, repl.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		if old := e.letter(t, l.ID); old.Status != surat.LetterReplaced || old.ReplacedByID == nil || *old.ReplacedByID != repl.ID {
			t.Errorf("original after replacement: %s", old.Status)
		}
		l2 := e.approved(t, domisili(rs[1]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l2.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Revoke(e.ctx, e.kades, e.village.ID, l2.ID, surat.Revocation{Note: "  "}); err == nil {
			t.Error("revoke without reason accepted")
		}
		rev, err := e.svc.Revoke(e.ctx, e.kades, e.village.ID, l2.ID,
			surat.Revocation{Reason: surat.ReasonDataError, Note: "Data pemohon keliru"})
		if err != nil || rev.Status != surat.LetterRevoked || rev.RevokeReason != "Data pemohon keliru" ||
			rev.RevokeCode != surat.ReasonDataError {
			t.Fatalf("revoke: %+v %v", rev, err)
		}
		// A revoked letter's PDF is still served, as evidence of what was issued.
		if _, _, err := e.svc.SignedPDF(e.ctx, e.village.ID, l2.ID); err != nil {
			t.Errorf("revoked letter PDF: %v", err)
		}
	})
}

func storeFilter() store.LetterFilter { return store.LetterFilter{} }

func TestSubjectKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 3)

		// A typed non-resident identity.
		req := issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {Person: &surat.Person{Name: "Hendra Gunawan",
				NIK: "3571011203850004", BirthPlace: "Kediri", Sex: surat.SexMale}}},
			Fields: map[string]string{"keperluan": "Kos selama bekerja"}}
		l, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if l.SubjectResidentID != nil || l.SubjectName != "Hendra Gunawan" {
			t.Errorf("typed subject stored as %v %q", l.SubjectResidentID, l.SubjectName)
		}
		if back, _ := e.svc.RequestOf(l); back.Subjects["pemohon"].Person == nil ||
			back.Subjects["pemohon"].Person.NIK != "3571011203850004" {
			t.Errorf("typed person not kept: %+v", back.Subjects["pemohon"])
		}

		// A list: followers by resident id, one of them unknown.
		trip := issuance.Request{Module: "sk_bepergian",
			Subjects: map[string]issuance.SubjectRef{
				"pemohon":  {ResidentID: rs[0].ID},
				"pengikut": {Items: []issuance.SubjectRef{{ResidentID: rs[1].ID}, {ResidentID: 987654}}}},
			Fields: map[string]string{"tujuan": "Kota Denpasar", "keperluan": "Menjenguk keluarga",
				"tanggal_berangkat": e.clock.Now().AddDate(0, 0, 3).Format("2006-01-02")}}
		_, err = e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, trip)
		if fields, ok := surat.FieldErrors(err); !ok || fields["subject.pengikut.2"] == "" || fields["subject.pengikut.1"] != "" {
			t.Errorf("unknown follower: %v", err)
		}
		trip.Subjects["pengikut"] = issuance.SubjectRef{Items: []issuance.SubjectRef{{ResidentID: rs[1].ID}, {ResidentID: rs[2].ID}}}
		doc, err := e.svc.Validate(e.ctx, e.village.ID, trip)
		if err != nil {
			t.Fatal(err)
		}
		if text := plainText(doc); !strings.Contains(strings.ToUpper(text), strings.ToUpper(rs[2].Name)) {
			t.Errorf("follower %s missing from the letter:\n%s", rs[2].Name, text)
		}

		// A household: the KK's members come from the register.
		kk := issuance.Request{Module: "sp_kartu_keluarga",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: rs[0].ID}},
			Fields:   map[string]string{"jenis_permohonan": "KK hilang atau rusak"}}
		doc, err = e.svc.Validate(e.ctx, e.village.ID, kk)
		if err != nil {
			t.Fatal(err)
		}
		members, _ := e.st.HouseholdMembers(e.ctx, e.village.ID, *rs[0].HouseholdID)
		if len(members) < 2 {
			t.Fatalf("pick a resident with a family: %d members", len(members))
		}
		text := plainText(doc)
		for _, m := range members {
			if !strings.Contains(strings.ToUpper(text), strings.ToUpper(m.Name)) {
				t.Errorf("KK member %s missing from the letter", m.Name)
			}
		}
	})
}

func plainText(d *surat.Document) string { return letters.PlainText(d) }

// TestVillageLogoInKop: a logo uploaded in the settings (a PNG under
// StorageDir, at v.LogoPath) is printed in the kop of previews and signed
// letters; a missing file prints the kop without one.
func TestVillageLogoInKop(t *testing.T) {
	requireTool(t, "pdfimages", "poppler-utils")
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 1)
		images := func(pdf []byte) int {
			out := run(t, true, "pdfimages", "-list", writeTemp(t, "letter.pdf", pdf))
			return len(strings.Split(strings.TrimSpace(out), "\n")) - 2 // two header lines
		}
		without, err := e.svc.PreviewPDF(e.ctx, e.village.ID, domisili(rs[0]))
		if err != nil {
			t.Fatal(err)
		}
		if n := images(without); n != 0 {
			t.Fatalf("kop without logo has %d images", n)
		}

		img := image.NewRGBA(image.Rect(0, 0, 40, 40))
		for i := range img.Pix {
			img.Pix[i] = 0x80
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(e.storage, "logos", fmt.Sprint(e.village.ID))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "logo.png"), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		v := *e.village
		v.LogoPath = "logos/" + fmt.Sprint(e.village.ID) + "/logo.png"
		if err := e.st.UpdateVillage(e.ctx, e.admin, &v); err != nil {
			t.Fatal(err)
		}
		with, err := e.svc.PreviewPDF(e.ctx, e.village.ID, domisili(rs[0]))
		if err != nil {
			t.Fatal(err)
		}
		if n := images(with); n != 1 {
			t.Fatalf("kop with logo has %d images, want 1", n)
		}
		l := e.approved(t, domisili(rs[0]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		_, signed, err := e.svc.SignedPDF(e.ctx, e.village.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := images(signed); n != 1 {
			t.Fatalf("signed letter has %d images, want the logo", n)
		}
	})
}

// TestUnprintableTextIsRefused asks for letters holding characters the
// letters' fonts cannot draw: an emoji in a field and a resident's name in
// Arabic script are refused with a message on their own field, and no
// letter is stored; Latin accents are printed. The renderer used to print
// each such character as "?" on the signed letter.
func TestUnprintableTextIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		req := domisili(r)
		req.Fields["keperluan"] = "Pencairan dana 🙏 di Bank BRI"
		_, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, req)
		if fields, ok := surat.FieldErrors(err); !ok || !strings.Contains(fields["field.keperluan"], "tidak dapat dicetak") ||
			!strings.Contains(fields["field.keperluan"], "🙏") {
			t.Fatalf("emoji in keperluan: %v", err)
		}

		req.Fields["keperluan"] = "Pendaftaran sekolah Señora Müller di Café Ñúñez"
		if _, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, req); err != nil {
			t.Fatalf("Latin accents refused: %v", err)
		}

		h := r.Household
		if h == nil {
			t.Fatal("the resident's household is not loaded")
		}
		r.Name = "Muhammad محمد"
		if err := e.st.UpdateResident(e.ctx, e.admin, e.village.ID, &r, h); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, domisili(r))
		if fields, ok := surat.FieldErrors(err); !ok || !strings.Contains(fields["subject.pemohon"], "tidak dapat dicetak") ||
			!strings.Contains(fields["subject.pemohon"], "perbaiki data penduduk") {
			t.Fatalf("Arabic script in the resident's name: %v", err)
		}
		if page, _ := e.st.ListLetters(e.ctx, e.village.ID, storeFilter()); page.Total != 1 {
			t.Errorf("%d letters stored, want only the one with Latin accents", page.Total)
		}
	})
}
