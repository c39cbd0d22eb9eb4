package issuance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Certificate enrolment: the separation of duties for signing keys. The
// official, signed in with their own penandatangan login, chooses their
// passphrase; the key pair is made and sealed under it here, and only its
// public key goes to the CA holder, the kabupaten admin, who approves it
// with the root passphrase (issuing the certificate and linking the login
// to the official) or rejects it. A village admin takes part in neither.

// MinEnrolPassphraseLen is the shortest passphrase, in characters, an
// official may choose at enrolment. It is longer than pki.MinPassphraseLen
// (the floor of every sealed key, kept for older keys and the demo).
const MinEnrolPassphraseLen = 10

// Enrolment limit: a login makes at most MaxEnrolmentsPerDay key pairs per
// EnrolmentWindow, counted in the database before the Argon2id sealing, so
// that parallel requests and several replicas cannot multiply the work.
const (
	MaxEnrolmentsPerDay = 5
	EnrolmentWindow     = 24 * time.Hour
)

// EnrolLimitError refuses an enrolment over the limit; Retry is how long
// until the login may enrol again.
type EnrolLimitError struct{ Retry time.Duration }

// Error says the limit was reached.
func (e *EnrolLimitError) Error() string {
	return fmt.Sprintf("issuance: enrolment limit reached, retry in %s", e.Retry)
}

// commonPassphrases are passphrases (lower case) that guessers try first,
// refused whatever their length.
var commonPassphrases = map[string]bool{
	"1234567890": true, "12345678910": true, "0123456789": true, "qwertyuiop": true, "asdfghjkl;": true,
	"password123": true, "passw0rd123": true, "bismillah123": true, "bismillah": true, "indonesia123": true,
	"indonesia45": true, "kepaladesa": true, "kepaladesa123": true, "rahasia123": true, "rahasiaku": true,
	"sayangku123": true, "katasandi123": true, "frasasandi": true, "tandatangan": true, "sekretarisdesa": true,
	"pemerintahdesa": true, "iloveyou123": true, "1q2w3e4r5t": true, "qwerty12345": true, "abcdefghij": true,
}

// PassphraseProblems checks a passphrase an official chooses for their
// signing key: typed twice the same, at least MinEnrolPassphraseLen
// characters, at most 128 bytes, not a well-known or trivially guessable
// one (one repeated character, a run like 1234567890, few distinct
// characters), and not containing any of personal (their username, their
// name). Problems are on "passphrase" and "passphrase_confirm".
func PassphraseProblems(pass, confirm string, personal ...string) surat.Problems {
	p := surat.Problems{}
	lower := strings.ToLower(pass)
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	switch n := len([]rune(pass)); {
	case n < MinEnrolPassphraseLen:
		p.Add("passphrase", fmt.Sprintf("Frasa sandi minimal %d karakter", MinEnrolPassphraseLen))
	case len(pass) > 128:
		p.Add("passphrase", "Frasa sandi paling banyak 128 karakter")
	case commonPassphrases[lower] || len(distinct) < 5 || isRun(lower):
		p.Add("passphrase", "Frasa sandi ini terlalu mudah ditebak. Pakai beberapa kata yang hanya Anda ketahui, misalnya \"kopi pahit di pendopo\".")
	default:
		for _, word := range personal {
			for _, part := range strings.FieldsFunc(strings.ToLower(word), func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r)
			}) {
				if len([]rune(part)) >= 4 && strings.Contains(lower, part) {
					p.Add("passphrase", "Frasa sandi jangan memuat nama Anda atau nama pengguna Anda")
				}
			}
		}
	}
	if _, bad := p["passphrase"]; !bad && pass != confirm {
		p.Add("passphrase_confirm", "Ulangi frasa sandi yang sama")
	}
	return p
}

// isRun reports whether s is an ascending or descending run of characters,
// like "1234567890" or "zyxwvutsrq".
func isRun(s string) bool {
	rs := []rune(s)
	up, down := true, true
	for i := 1; i < len(rs); i++ {
		up = up && rs[i] == rs[i-1]+1
		down = down && rs[i] == rs[i-1]-1
	}
	return len(rs) > 1 && (up || down)
}

// Enrol makes the signed-in official's key pair, seals its private key
// under passphrase (confirmed by confirm) and records an enrolment for the
// CA holder to approve. actor must be an enabled penandatangan of the
// village; officialID an active official of the village who may sign
// letters (and, once the login is linked, the one it signs as). A pending
// enrolment of the same login is replaced.
//
// Errors: surat.ErrForbidden for any other role (a village admin never
// enrols anyone), or a login linked to another official; a
// *surat.ValidationError on "official_id", "passphrase" or
// "passphrase_confirm"; *EnrolLimitError past MaxEnrolmentsPerDay; nothing
// is stored then.
func (s *Service) Enrol(ctx context.Context, actor surat.Actor, officialID int64, passphrase, confirm string) (*surat.CertificateEnrolment, error) {
	if actor.Role != surat.RoleSigner || actor.VillageID <= 0 || actor.UserID <= 0 {
		return nil, fmt.Errorf("issuance: %s enrols a key: %w", actor.Role, surat.ErrForbidden)
	}
	vid := actor.VillageID
	p := surat.Problems{}
	o, err := s.d.Store.OfficialByID(ctx, vid, officialID)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		p.Add("official_id", "Pilih pejabat dari daftar")
	case err != nil:
		return nil, fmt.Errorf("issuance: official %d: %w", officialID, err)
	case !o.Active || !(o.IsHead || o.CanSignAN || o.CanSignUB):
		p.Add("official_id", "Pejabat ini tidak aktif atau tidak berwenang menandatangani surat")
	}
	personal := []string{actor.Username}
	if o != nil {
		personal = append(personal, o.Name)
	}
	for f, msg := range PassphraseProblems(passphrase, confirm, personal...) {
		p.Add(f, msg)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	ok, retry, err := s.d.Store.HitLimit(ctx, fmt.Sprintf("enrol:user:%d", actor.UserID), MaxEnrolmentsPerDay, EnrolmentWindow)
	if err != nil {
		return nil, fmt.Errorf("issuance: count enrolment: %w", err)
	}
	if !ok {
		return nil, &EnrolLimitError{Retry: retry}
	}
	key, err := pki.NewPendingKey(passphrase, vid, s.d.KDF)
	if err != nil {
		return nil, fmt.Errorf("issuance: enrolment key: %w", err)
	}
	e := &surat.CertificateEnrolment{VillageID: vid, OfficialID: officialID, UserID: actor.UserID,
		PublicKeyDER: key.PublicKeyDER, KeyFingerprint: pki.PublicKeyFingerprint(key.PublicKeyDER),
		SealedKey: string(key.SealedKey)}
	if err := s.d.Store.CreateEnrolment(ctx, actor, e); err != nil {
		return nil, fmt.Errorf("issuance: store enrolment: %w", err)
	}
	s.d.Log.Info("certificate enrolment requested", "village_id", vid, "official_id", officialID,
		"user_id", actor.UserID, "enrolment_id", e.ID)
	return e, nil
}

// caHolder reports whether actor holds the CA: the kabupaten admin.
func caHolder(actor surat.Actor) bool { return actor.Role == surat.RoleAdminKabupaten }

// ApproveEnrolment is the CA holder's approval of a pending enrolment: the
// root passphrase opens the root key for this one act, which certifies the
// enrolled public key for the official (ECDSA P-256, pki.MaxSignerValidity);
// in one transaction the certificate is stored, the official's previous
// active certificate revoked ("diganti sertifikat baru") with a new CRL,
// and the enrolling login linked to the official. Of parallel approvals of
// one enrolment exactly one issues a certificate.
//
// Errors: surat.ErrForbidden unless actor is the kabupaten admin;
// surat.ErrNotFound; surat.ErrConflict when the enrolment was already
// decided; a *surat.ValidationError on "enrolment" when the official is no
// longer active; ErrNoRoot; ErrWrongRootPassphrase (nothing is stored).
func (s *Service) ApproveEnrolment(ctx context.Context, actor surat.Actor, id int64, rootPassphrase string) (*surat.SignerCertificate, error) {
	if !caHolder(actor) {
		return nil, fmt.Errorf("issuance: %s approves an enrolment: %w", actor.Role, surat.ErrForbidden)
	}
	e, err := s.d.Store.EnrolmentByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("issuance: enrolment %d: %w", id, err)
	}
	if e.Status != surat.EnrolmentPending {
		return nil, fmt.Errorf("issuance: enrolment %d is %s: %w", id, e.Status, surat.ErrConflict)
	}
	o, err := s.d.Store.OfficialByID(ctx, e.VillageID, e.OfficialID)
	if err != nil {
		return nil, fmt.Errorf("issuance: official %d: %w", e.OfficialID, err)
	}
	if !o.Active {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"enrolment": o.Name + " tidak lagi aktif sebagai perangkat desa; tolak permohonan ini"}}
	}
	v, err := s.d.Store.VillageByID(ctx, e.VillageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: village %d: %w", e.VillageID, err)
	}
	rootRow, rootCert, rootKey, err := s.openActiveRoot(ctx, actor, rootPassphrase)
	if err != nil {
		return nil, err
	}
	defer rootKey.Wipe()
	cert, err := pki.CertifyKey(rootCert, rootKey, e.PublicKeyDER, pki.SignerRequest{
		Subject: pki.SignerSubject{Name: o.Name, Jabatan: o.Jabatan, Village: v.Name,
			Kabupaten: kabupatenName(v), VillageID: e.VillageID},
		Now:      s.d.Now(),
		Validity: pki.MaxSignerValidity,
		CRLURL:   s.d.BaseURL + "/pki/crl.der",
	})
	if err != nil {
		return nil, fmt.Errorf("issuance: certify enrolment %d: %w", id, err)
	}
	c := &surat.SignerCertificate{RootID: rootRow.ID,
		Serial: surat.NormalizeSerial(cert.SerialNumber.Text(16)), Fingerprint: pki.Fingerprint(cert),
		CertPEM: string(pki.CertificatePEM(cert)), NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
	if err := s.d.Store.ApproveEnrolment(ctx, actor, id, c, crlFunc(rootCert, rootKey)); err != nil {
		return nil, fmt.Errorf("issuance: approve enrolment %d: %w", id, err)
	}
	s.d.Log.Info("certificate enrolment approved", "village_id", e.VillageID, "official_id", e.OfficialID,
		"enrolment_id", id, "certificate_id", c.ID, "serial", c.Serial)
	return c, nil
}

// RejectEnrolment is the CA holder's refusal of a pending enrolment, with a
// reason the official reads. Errors: surat.ErrForbidden unless actor is the
// kabupaten admin; a *surat.ValidationError on "reason";
// surat.ErrNotFound; surat.ErrConflict when already decided.
func (s *Service) RejectEnrolment(ctx context.Context, actor surat.Actor, id int64, reason string) (*surat.CertificateEnrolment, error) {
	if !caHolder(actor) {
		return nil, fmt.Errorf("issuance: %s rejects an enrolment: %w", actor.Role, surat.ErrForbidden)
	}
	e, err := s.d.Store.RejectEnrolment(ctx, actor, id, reason)
	if err != nil {
		return nil, fmt.Errorf("issuance: reject enrolment %d: %w", id, err)
	}
	s.d.Log.Info("certificate enrolment rejected", "village_id", e.VillageID, "enrolment_id", id)
	return e, nil
}
