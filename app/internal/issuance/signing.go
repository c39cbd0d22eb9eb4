package issuance

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/parallel"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// unlocked is a signing official's certificate with its key decrypted, held
// for one request or one batch and wiped after.
type unlocked struct {
	officialID int64
	cert       *surat.SignerCertificate
	caName     string // the root's common name, printed in the TTE footer
	roots      *x509.CertPool
	key        *pki.Key
	// signer signs with key (its certificate, under the root), every
	// letter of a batch: it measures the room for its signature once.
	signer *sign.LocalSigner
}

// signingOfficial is the official linked to actor's user in villageID, or
// ErrNotSigner when the user has none (or belongs to another village).
func (s *Service) signingOfficial(ctx context.Context, actor surat.Actor, villageID int64) (int64, error) {
	if actor.UserID == 0 {
		return 0, ErrNotSigner
	}
	u, err := s.d.Store.UserByID(ctx, actor.UserID)
	if errors.Is(err, surat.ErrNotFound) {
		return 0, ErrNotSigner
	} else if err != nil {
		return 0, fmt.Errorf("issuance: user %d: %w", actor.UserID, err)
	}
	if u.Disabled || u.OfficialID == nil || u.VillageID == nil || *u.VillageID != villageID {
		return 0, ErrNotSigner
	}
	return *u.OfficialID, nil
}

// guardKey runs open, an attempt to open the key of certificate certID
// with a passphrase (pki.DecryptKey or pki.ChangePassphrase), under the
// wrong-passphrase limit: the attempt is counted in the database before
// open runs, so parallel guesses cannot overtake the count, and open runs
// in a hashing slot. Errors: *LockedError when the limit is reached
// (open does not run), auth.ErrBusy when no hashing slot is free (the
// attempt does not count) or when the attempts still being checked fill
// the limit, ErrWrongPassphrase, wrapping a *LockedError when it used up
// the last try; a right passphrase clears the count.
//
// The limit is an attempt.Lockout: every attempt counts as it starts
// ("sign-cert"), the wrong ones as they end ("sign-cert-failed", which
// alone locks). A signer's own requests in parallel (several tabs, an API
// client signing letters from several workers) are told to try again in a
// moment, not locked out for SignLockDuration.
func (s *Service) guardKey(ctx context.Context, villageID, certID int64, open func() error) error {
	id := strconv.FormatInt(certID, 10)
	lock := attempt.NewLockout(attempt.Rule{Bucket: s.d.Attempts.Bucket("sign-cert", id),
		Max: surat.MaxSignFailures, Window: surat.SignLockDuration}, s.d.Attempts.Bucket("sign-cert-failed", id))
	counted, err := s.countedAttempt(ctx, []attempt.Rule{lock.Tries}, func() error {
		err := open()
		if err != nil && !errors.Is(err, pki.ErrWrongPassphrase) {
			return fmt.Errorf("issuance: open key of certificate %d: %w", certID, err)
		}
		return err
	})
	var limit *attempt.LimitError
	switch {
	case errors.As(err, &limit):
		return s.d.Attempts.Refusal(ctx, lock, &LockedError{Until: limit.Until.UTC()})
	case errors.Is(err, pki.ErrWrongPassphrase):
		// The lock lasts as long as the tries' window, which began no
		// later than the failures'.
		locked, err := s.d.Attempts.Failed(ctx, lock)
		if err != nil {
			return fmt.Errorf("issuance: count wrong passphrase: %w", err)
		}
		s.d.Log.Warn("wrong signing passphrase", "village_id", villageID, "certificate_id", certID,
			"locked", locked)
		if locked {
			return fmt.Errorf("%w: %w", ErrWrongPassphrase, &LockedError{Until: counted[0].WindowEnds.UTC()})
		}
		return ErrWrongPassphrase
	case err != nil:
		return err
	}
	if err := s.d.Attempts.Forget(ctx, lock.Tries.Bucket, lock.Failures.Bucket); err != nil {
		return fmt.Errorf("issuance: clear signing attempts: %w", err)
	}
	return nil
}

// countedAttempt runs check, an attempt to open a key with a passphrase,
// under rules: the attempt is counted in the database before check runs,
// so parallel guesses cannot overtake the count, and check runs in a
// hashing slot. It returns the counts and check's error; a
// *attempt.LimitError when a rule is at its limit (check does not run);
// auth.ErrBusy when no hashing slot is free (the attempt is taken back).
func (s *Service) countedAttempt(ctx context.Context, rules []attempt.Rule, check func() error) ([]store.AuthAttempt, error) {
	counted, err := s.d.Attempts.Take(ctx, rules...)
	var limit *attempt.LimitError
	if errors.As(err, &limit) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("issuance: count passphrase attempt: %w", err)
	}
	if err := s.d.Hashing.Acquire(); err != nil {
		buckets := make([]string, len(rules))
		for i, r := range rules {
			buckets[i] = r.Bucket
		}
		if rerr := s.d.Attempts.Refund(ctx, buckets...); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	defer s.d.Hashing.Release()
	return counted, check()
}

// unlock finds the official's usable certificate and decrypts its key with
// passphrase. Nothing else happens before the key is open: every attempt
// is counted in the database before the key is decrypted (the fifth
// within surat.SignLockDuration without a success locks signing with the
// certificate until that window ends), a correct passphrase clears the
// count, and the decryption runs in a hashing slot (auth.ErrBusy when none
// is free, and then the attempt does not count).
func (s *Service) unlock(ctx context.Context, villageID, officialID int64, passphrase string) (*unlocked, error) {
	cert, err := s.d.Store.ActiveCertificateForOfficial(ctx, villageID, officialID)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, ErrNoCertificate
	} else if err != nil {
		return nil, fmt.Errorf("issuance: certificate of official %d: %w", officialID, err)
	}
	if cert.LockedAt(s.d.Now()) {
		return nil, &LockedError{Until: cert.SignLockedUntil.UTC()}
	}
	xc, err := pki.ParseCertificatePEM([]byte(cert.CertPEM))
	if err != nil {
		return nil, fmt.Errorf("issuance: certificate %d: %w", cert.ID, err)
	}
	rootRow, err := s.d.Store.RootByID(ctx, cert.RootID)
	if err != nil {
		return nil, fmt.Errorf("issuance: root of certificate %d: %w", cert.ID, err)
	}
	rc, err := pki.ParseCertificatePEM([]byte(rootRow.CertPEM))
	if err != nil {
		return nil, fmt.Errorf("issuance: root %d: %w", rootRow.ID, err)
	}
	roots, err := s.RootPool(ctx)
	if err != nil {
		return nil, err
	}
	var key *pki.Key
	err = s.guardKey(ctx, villageID, cert.ID, func() (err error) {
		key, err = pki.DecryptKey([]byte(cert.SealedKey), passphrase, xc, villageID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cert.SignLockedUntil != nil {
		if err := s.d.Store.ClearSignFailures(ctx, villageID, cert.ID); err != nil {
			key.Wipe()
			return nil, fmt.Errorf("issuance: clear sign failures: %w", err)
		}
	}
	return &unlocked{officialID: officialID, cert: cert, caName: rootRow.CommonName, roots: roots, key: key,
		signer: &sign.LocalSigner{Cert: xc, Chain: []*x509.Certificate{rc}, Key: key}}, nil
}

// Sign signs an approved letter of the village as the actor, who must be
// linked (users.official_id) to the letter's signing official. In one
// transaction (store.FinalizeLetters) the letter gets its number, is
// rendered with the QR code and the TTE footer, signed (PAdES B-B),
// verified against our roots, written to the PDF store and recorded as
// ditandatangani; a deceased of sk_kematian is recorded MATI.
//
// The letter is read once: its status and signer are checked on that read
// before the key is decrypted (so a letter that cannot be signed costs no
// passphrase attempt), and checked again on the locked row inside the
// transaction, where a letter changed meanwhile is surat.ErrConflict. The
// key is decrypted before any number is taken: a wrong passphrase changes
// no letter and consumes no number. Errors: surat.ErrNotFound (also
// another village's letter), ErrNotSigner, *surat.TransitionError when the
// letter is not disetujui, ErrNoCertificate, ErrWrongPassphrase,
// *LockedError (errors.Is surat.ErrLocked; the fifth wrong passphrase
// returns both), *surat.ValidationError when the stored request no longer
// builds (a resident moved away), or a signing or storage failure.
func (s *Service) Sign(ctx context.Context, actor surat.Actor, villageID, letterID int64, passphrase string) (*surat.Letter, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	official, err := s.signingOfficial(ctx, actor, villageID)
	if err != nil {
		return nil, err
	}
	if err := signable(l, official); err != nil {
		return nil, err
	}
	u, err := s.unlock(ctx, villageID, official, passphrase)
	if err != nil {
		return nil, err
	}
	defer u.key.Wipe()
	job, err := s.signJobOf(ctx, l)
	if err != nil {
		return nil, err
	}
	ls, err := s.finalize(ctx, actor, villageID, []*signJob{job}, u)
	var ie *store.FinalizeItemError
	if errors.As(err, &ie) {
		err = ie.Err
	}
	if err != nil {
		return nil, fmt.Errorf("issuance: sign letter %d: %w", letterID, err)
	}
	return ls[0], nil
}

// signable checks, on a letter as read, that official may sign it now.
func signable(l *surat.Letter, official int64) error {
	if l.SignerOfficialID == nil || *l.SignerOfficialID != official {
		return ErrNotSigner
	}
	return surat.CheckTransition(l.ID, l.Status, surat.LetterSigned)
}

// batchChunk is how many letters of a batch share one finalising
// transaction: enough to keep both cores rendering, few enough that the
// counter rows (and on SQLite the database) are not held long.
const batchChunk = 25

// SignBatch signs several approved letters with one passphrase: the key is
// decrypted once (a wrong passphrase counts one failure) and wiped after,
// and the letters are read in one query. They are numbered in the order of
// letterIDs, in transactions of batchChunk letters rendered and signed on
// every core (store.FinalizeLetters). A letter that fails (not approved,
// not the actor's to sign, another village's, a request that no longer
// builds) is left out and reported, and the others are signed; the results
// are in the order of letterIDs. The returned error is for the whole batch:
// a *surat.ValidationError on "ids" for an empty batch, one larger than
// surat.MaxSignBatch or one naming a letter twice, ErrNotSigner,
// ErrNoCertificate, ErrWrongPassphrase or *LockedError.
func (s *Service) SignBatch(ctx context.Context, actor surat.Actor, villageID int64, letterIDs []int64, passphrase string) ([]BatchResult, error) {
	items := make([]SignItem, len(letterIDs))
	for i, id := range letterIDs {
		items[i] = SignItem{LetterID: id}
	}
	return s.signItems(ctx, actor, villageID, items, passphrase)
}

// SignItem is one letter of ApproveAndSignBatch: its id and, for a letter
// still diajukan, the version the signer reviewed.
type SignItem struct {
	LetterID int64
	Version  int
	// Approve approves a diajukan letter in the signing transaction.
	Approve bool
}

// signItems is SignBatch and ApproveAndSignBatch.
func (s *Service) signItems(ctx context.Context, actor surat.Actor, villageID int64, items []SignItem, passphrase string) ([]BatchResult, error) {
	letterIDs := make([]int64, len(items))
	for i, it := range items {
		letterIDs[i] = it.LetterID
	}
	if err := CheckBatch(letterIDs); err != nil {
		return nil, err
	}
	official, err := s.signingOfficial(ctx, actor, villageID)
	if err != nil {
		return nil, err
	}
	ls, err := s.d.Store.LettersByID(ctx, villageID, letterIDs)
	if err != nil {
		return nil, fmt.Errorf("issuance: letters of batch: %w", err)
	}
	u, err := s.unlock(ctx, villageID, official, passphrase)
	if err != nil {
		return nil, err
	}
	defer u.key.Wipe()
	results := make([]BatchResult, len(letterIDs))
	// Each letter's request is resolved against the register on every
	// core: reads only, the numbering has not begun.
	prepared := make([]*signJob, len(items))
	parallel.For(len(items), runtime.GOMAXPROCS(0), func(i int) {
		results[i].LetterID = items[i].LetterID
		prepared[i], results[i].Err = s.prepareItem(ctx, items[i], ls[items[i].LetterID], official)
		if prepared[i] != nil {
			prepared[i].index = i
		}
	})
	var jobs []*signJob
	for _, job := range prepared {
		if job != nil {
			jobs = append(jobs, job)
		}
	}
	for len(jobs) > 0 {
		chunk := jobs[:min(batchChunk, len(jobs))]
		jobs = jobs[len(chunk):]
		for len(chunk) > 0 {
			if err := ctx.Err(); err != nil {
				for _, j := range chunk {
					results[j.index].Err = err
				}
				break
			}
			signed, err := s.finalize(ctx, actor, villageID, chunk, u)
			var ie *store.FinalizeItemError
			switch {
			case err == nil:
				for k, j := range chunk {
					results[j.index].Letter = signed[k]
				}
				chunk = nil
			case errors.As(err, &ie):
				// Leave the letter that failed out and sign the rest.
				results[chunk[ie.Index].index].Err = ie.Err
				chunk = slices.Delete(slices.Clone(chunk), ie.Index, ie.Index+1)
			default:
				for _, j := range chunk {
					results[j.index].Err = err
				}
				chunk = nil
			}
		}
	}
	return results, nil
}

// prepareItem checks that letter l (nil: none of the village) can be
// signed, or approved and signed, by official as item it asks, and
// resolves its request.
func (s *Service) prepareItem(ctx context.Context, it SignItem, l *surat.Letter, official int64) (*signJob, error) {
	if l == nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", it.LetterID, surat.ErrNotFound)
	}
	approve := it.Approve && l.Status == surat.LetterSubmitted
	var err error
	if approve {
		err = s.approvableBy(ctx, l, official, it.Version)
	} else {
		err = signable(l, official)
	}
	if err != nil {
		return nil, err
	}
	job, err := s.signJobOf(ctx, l)
	if err != nil {
		return nil, err
	}
	job.approve = approve
	return job, nil
}

// CheckBatch checks the letters of a batch signature before anything is
// read: at least one, at most surat.MaxSignBatch, none twice. Problems are
// a *surat.ValidationError on "ids".
func CheckBatch(letterIDs []int64) error {
	switch {
	case len(letterIDs) == 0:
		return surat.Invalid("ids", surat.ProblemBatchEmpty)
	case len(letterIDs) > surat.MaxSignBatch:
		return surat.Invalid("ids", surat.ProblemBatchTooLarge)
	}
	seen := make(map[int64]bool, len(letterIDs))
	for _, id := range letterIDs {
		if seen[id] {
			return surat.Invalid("ids", surat.ProblemBatchDuplicate)
		}
		seen[id] = true
	}
	return nil
}

// signJob is a letter ready to be numbered: as read, with its request
// resolved against the register.
type signJob struct {
	l     *surat.Letter
	p     *prepared
	index int // in the batch
	// approve: the letter is diajukan and is approved in the signing
	// transaction.
	approve bool
	// key is the blob key of the signed PDF, chosen by finalize; pdf is
	// the PDF signed in the current attempt, put by finalize's persist.
	key string
	pdf []byte
}

// signJobOf resolves letter l's stored request. A request that no longer
// builds (a resident who moved away) is refused here, before any counter
// row is locked.
func (s *Service) signJobOf(ctx context.Context, l *surat.Letter) (*signJob, error) {
	p, err := s.prepareLetter(ctx, l.VillageID, l)
	if err != nil {
		return nil, err
	}
	if _, err := p.build(s.d.Now(), ""); err != nil {
		return nil, err
	}
	return &signJob{l: l, p: p}, nil
}

// finalize numbers and signs jobs in one transaction with an unlocked key,
// rendering on every core; see store.FinalizeLetters for what is stored
// and for the *store.FinalizeItemError that names a letter that failed.
//
// Each letter's PDF key is chosen and recorded as pending before the
// transaction begins; the PDF is put under it while the transaction runs
// (a retried transaction overwrites it) and the commit clears the pending
// entry. When the transaction fails the PDFs are deleted again; when the
// process dies, the sweep deletes them (package files).
func (s *Service) finalize(ctx context.Context, actor surat.Actor, villageID int64, jobs []*signJob, u *unlocked) ([]*surat.Letter, error) {
	byID := make(map[int64]*signJob, len(jobs))
	items := make([]store.FinalizeItem, len(jobs))
	keys := make([]string, len(jobs))
	for i, j := range jobs {
		byID[j.l.ID] = j
		items[i] = store.FinalizeItem{LetterID: j.l.ID, DefaultKodeSurat: j.p.module.Klasifikasi, Approve: j.approve,
			Version: j.l.Version}
		j.key = files.NewKey("letters", villageID, ".pdf")
		keys[i] = j.key
	}
	if err := s.d.Files.Reserve(ctx, keys...); err != nil {
		return nil, fmt.Errorf("issuance: %w", err)
	}
	f := func(n surat.LetterNumber) (store.FinalArtifact, error) {
		j := byID[n.Letter.ID]
		// The store has checked the status on the locked row; any other
		// change since the read (signer, content) bumped the version.
		if j == nil || n.Letter.Version != j.l.Version {
			return store.FinalArtifact{}, fmt.Errorf("letter %d changed while signing: %w", n.Letter.ID, surat.ErrConflict)
		}
		start := time.Now()
		signed, code, err := s.renderAndSign(ctx, j.p, n, u)
		s.d.Metrics.ObserveSign(time.Since(start))
		if err != nil {
			return store.FinalArtifact{}, err
		}
		j.pdf = signed // stored with the others by persist
		sum := sha256.Sum256(signed)
		art := store.FinalArtifact{VerifyCode: code, PDFPath: j.key, PDFSHA256: hex.EncodeToString(sum[:]),
			SignedAt: s.d.Now().UTC(), CertificateID: &u.cert.ID, MarkDeadResidentIDs: j.p.markDead,
			Match: s.matchKeysOf(n.Letter.ID, j.p)}
		if until, ok := j.p.module.ValidUntil(n.Date, j.p.settings); ok {
			art.ValidUntil = &until
		}
		return art, nil
	}
	// The PDFs are put together once every letter is signed: the folder
	// store then syncs the chunk's files together, where a put per letter
	// synced each between signatures and stalled the other signer's
	// writes behind it (see blob's dirStore.PutAll).
	persist := func() error {
		entries := make([]blob.Entry, len(jobs))
		for i, j := range jobs {
			entries[i] = blob.Entry{Key: j.key, Data: j.pdf}
		}
		if err := s.d.Files.PutAll(ctx, entries); err != nil {
			return fmt.Errorf("issuance: store PDF: %w", err)
		}
		return nil
	}
	after, err := s.d.Store.FinalizeLettersPersist(ctx, actor, villageID, items, runtime.GOMAXPROCS(0), f, persist)
	for _, j := range jobs {
		j.pdf = nil // stored or given up; a batch keeps its jobs to the end
	}
	if err != nil {
		s.d.Files.Abandon(ctx, keys...)
		return nil, err
	}
	s.d.Metrics.LettersSigned(len(after))
	for _, l := range after {
		s.d.Log.Info("letter signed", "village_id", villageID, "letter_id", l.ID, "number", l.NumberString(),
			"certificate_id", u.cert.ID)
	}
	return after, nil
}

// renderAndSign renders the final letter with its number, QR code and TTE
// footer, signs it (PAdES B-B) and verifies the result against our roots.
// It returns the signed PDF and its verification code.
func (s *Service) renderAndSign(ctx context.Context, p *prepared, n surat.LetterNumber, u *unlocked) ([]byte, string, error) {
	signedAt := s.d.Now().UTC()
	doc, err := p.build(n.Date, n.Number)
	if err != nil {
		return nil, "", err
	}
	code := newVerifyCode()
	doc.Seal = &surat.Seal{VerifyURL: s.VerifyURL(code), Footer: footer(doc.Signer, p.village, u.caName, s.VerifyURL(code))}
	rendered, err := s.render(doc, signedAt)
	if err != nil {
		return nil, "", err
	}
	meta := sign.Meta{Name: p.signer.Name, Reason: p.module.Title + " nomor " + n.Number,
		Location: villageName(p.village) + ", " + kabupatenName(p.village), SigningTime: signedAt}
	// The CMS signing time is the wall clock (set by the CMS library), so
	// the self-check runs at the wall clock too.
	signed, _, err := sign.SignAndVerify(ctx, u.signer, rendered, meta, u.roots, time.Now())
	if err != nil {
		return nil, "", err
	}
	return signed, code, nil
}

// footer is the honest TTE sentence printed under the QR code: who signed,
// that the certificate comes from the deployment's own CA (named after its
// kabupaten or instansi), and that the signature is therefore an
// uncertified one under PP 71/2019, not one certified by BSrE or another
// PSrE.
func footer(sb surat.SignerBlock, v *surat.Village, caName, verifyURL string) string {
	office := strings.TrimSpace(sb.Jabatan)
	if !strings.Contains(strings.ToLower(office), strings.ToLower(v.Name)) {
		office += " " + villageName(v)
	}
	if len(sb.Above) > 0 {
		office += " (" + strings.Join(sb.Above, " ") + ")"
	}
	return "Dokumen ini ditandatangani secara elektronik oleh " + office + " menggunakan sertifikat elektronik " +
		"yang diterbitkan oleh " + caName + ", otoritas sertifikat milik penyelenggara aplikasi ini sendiri; " +
		"tanda tangan elektronik ini tidak tersertifikasi (bukan sertifikat BSrE atau PSrE lain). " +
		"Keaslian dokumen dapat diperiksa dengan memindai kode QR atau di " + verifyURL + "."
}

func villageName(v *surat.Village) string {
	seb := v.Sebutan
	if seb == "" {
		seb = "Desa"
	}
	return seb + " " + v.Name
}

func kabupatenName(v *surat.Village) string {
	seb := v.SebutanKab
	if seb == "" {
		seb = "Kabupaten"
	}
	return seb + " " + v.Kabupaten
}

// verifyCodeEncoding is base32 (A-Z, 2-7) without padding.
var verifyCodeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newVerifyCode returns 128 random bits as 26 base32 characters.
func newVerifyCode() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return verifyCodeEncoding.EncodeToString(b)
}

// SignedPDF returns a signed (or since revoked or replaced) letter of the
// village and its stored PDF, after checking the file's SHA-256 against
// the one recorded at signing: a file that does not match is an error and
// never served. A letter without a signed PDF, or of another village, is
// surat.ErrNotFound.
func (s *Service) SignedPDF(ctx context.Context, villageID, letterID int64) (*surat.Letter, []byte, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	if l.PDFPath == "" || l.PDFSHA256 == "" {
		return nil, nil, fmt.Errorf("issuance: letter %d has no signed PDF: %w", letterID, surat.ErrNotFound)
	}
	b, err := s.d.Files.Get(ctx, l.PDFPath)
	if err != nil {
		return nil, nil, fmt.Errorf("issuance: PDF of letter %d: %w", letterID, err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != l.PDFSHA256 {
		s.d.Log.Error("stored PDF does not match its SHA-256", "village_id", villageID, "letter_id", letterID)
		return nil, nil, fmt.Errorf("issuance: PDF of letter %d does not match its recorded SHA-256", letterID)
	}
	return l, b, nil
}
