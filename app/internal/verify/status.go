package verify

import (
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Status is a letter's status as the public sees it: the big word at the
// top of the verification page and the "status" of its JSON twin.
type Status string

// The statuses. NotFound is only ever the 404 page: Lookup returns an
// error for an unknown code, never a Result with it.
const (
	Authentic Status = "ASLI"
	Revoked   Status = "DICABUT"
	Replaced  Status = "DIGANTI"
	Expired   Status = "KEDALUWARSA"
	NotFound  Status = "TIDAK DITEMUKAN"
)

// Sentence is the sentence under the status word on the verification page.
func (s Status) Sentence() string {
	switch s {
	case Authentic:
		return "Surat ini diterbitkan dan ditandatangani secara elektronik oleh pemerintah desa di bawah ini dan masih berlaku."
	case Revoked:
		return "Surat ini telah dicabut oleh pemerintah desa dan tidak berlaku lagi."
	case Replaced:
		return "Surat ini telah diganti dengan surat baru dan tidak berlaku lagi."
	case Expired:
		return "Surat ini asli, tetapi masa berlakunya telah habis."
	case NotFound:
		return "Tidak ada surat dengan kode ini. Periksa kembali tautan atau pindai ulang kode QR pada surat. " +
			"Surat yang kodenya tidak ditemukan tidak dapat dianggap asli."
	}
	return ""
}

// decideStatus is the public status of a signed letter in state st at now:
// a signed letter is ASLI until its validity ends (validUntil, nil for a
// letter that does not expire), then KEDALUWARSA; revoked and replaced
// letters say so whatever their validity. A letter in any other state
// (a draft, or one awaiting approval) does not exist for the public: the
// error wraps surat.ErrNotFound.
func decideStatus(st surat.LetterStatus, validUntil *time.Time, now time.Time) (Status, error) {
	switch st {
	case surat.LetterRevoked:
		return Revoked, nil
	case surat.LetterReplaced:
		return Replaced, nil
	case surat.LetterSigned:
		if validUntil != nil && now.After(*validUntil) {
			return Expired, nil
		}
		return Authentic, nil
	}
	return "", fmt.Errorf("letter is %s: %w", st, surat.ErrNotFound)
}

// State says whether the signer certificate was revoked, and what that
// means for the signature of the letter it signed: "Tidak dicabut", or the
// moment of revocation and whether the signature still holds.
func (c *Certificate) State() string {
	switch {
	case c.RevokedAt == nil:
		return "Tidak dicabut"
	case c.RevokedAfterSigning:
		return "Dicabut pada " + TimeWIB(*c.RevokedAt) + ", setelah surat ini ditandatangani. " +
			"Tanda tangan pada surat ini tetap sah; surat yang ditandatangani sesudahnya dengan sertifikat ini tidak sah."
	default:
		return "Dicabut pada " + TimeWIB(*c.RevokedAt) +
			", sebelum surat ini ditandatangani: tanda tangan pada surat ini tidak dapat dipercaya."
	}
}

// Statement is the honest sentence of what the signature proves
// (docs/signing.md §1): our own CA, not a certified one.
const Statement = "Surat ini ditandatangani secara elektronik menggunakan sertifikat elektronik " +
	"yang diterbitkan oleh CA (otoritas sertifikat) milik penyelenggara aplikasi ini, bukan oleh " +
	"Penyelenggara Sertifikasi Elektronik Indonesia seperti BSrE. Menurut UU ITE dan PP 71/2019 ini " +
	"adalah tanda tangan elektronik tidak tersertifikasi. Tanda tangan ini membuktikan bahwa berkas PDF " +
	"tidak berubah sejak ditandatangani dengan sertifikat pejabat di atas; status surat yang berlaku " +
	"(asli, dicabut, diganti, kedaluwarsa) adalah yang tertera di halaman ini."

// TimeWIB prints a moment in WIB with the Indonesian time separator, the
// way the public check shows times: "23 November 2026, 10.05 WIB".
func TimeWIB(t time.Time) string {
	w := surat.LetterTime(t)
	return surat.FormatDate(w) + ", " + w.Format("15.04") + " WIB"
}
