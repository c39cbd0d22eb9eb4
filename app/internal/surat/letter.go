package surat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// LetterStatus is where a letter stands in its life: drafted by a clerk,
// submitted for approval, approved, signed (and numbered), and later perhaps
// revoked or replaced by a corrected letter.
type LetterStatus string

// The letter statuses of docs/design.md §3, stored as these strings.
const (
	LetterDraft     LetterStatus = "draf"
	LetterSubmitted LetterStatus = "diajukan"
	LetterApproved  LetterStatus = "disetujui"
	LetterSigned    LetterStatus = "ditandatangani"
	LetterRevoked   LetterStatus = "dicabut"
	LetterReplaced  LetterStatus = "diganti"
)

// LetterStatuses lists every status in workflow order, for filters and forms.
func LetterStatuses() []LetterStatus {
	return []LetterStatus{LetterDraft, LetterSubmitted, LetterApproved, LetterSigned, LetterRevoked, LetterReplaced}
}

// Valid reports whether s is one of the known statuses.
func (s LetterStatus) Valid() bool {
	switch s {
	case LetterDraft, LetterSubmitted, LetterApproved, LetterSigned, LetterRevoked, LetterReplaced:
		return true
	}
	return false
}

// Label is the status as shown to users: "Draf", "Diajukan", "Disetujui",
// "Ditandatangani", "Dicabut", "Diganti".
func (s LetterStatus) Label() string {
	switch s {
	case LetterDraft:
		return "Draf"
	case LetterSubmitted:
		return "Diajukan"
	case LetterApproved:
		return "Disetujui"
	case LetterSigned:
		return "Ditandatangani"
	case LetterRevoked:
		return "Dicabut"
	case LetterReplaced:
		return "Diganti"
	}
	return string(s)
}

// Final reports whether no further transition leaves s.
func (s LetterStatus) Final() bool { return s == LetterRevoked || s == LetterReplaced }

// letterTransitions is the workflow: a draft is submitted; a submitted
// letter is approved or returned to draft; an approved letter is signed
// (which numbers it) or returned to draft when the signer refuses it; a
// signed letter may be revoked or replaced. Revoked and replaced are final.
var letterTransitions = map[LetterStatus][]LetterStatus{
	LetterDraft:     {LetterSubmitted},
	LetterSubmitted: {LetterApproved, LetterDraft},
	LetterApproved:  {LetterSigned, LetterDraft},
	LetterSigned:    {LetterRevoked, LetterReplaced},
}

// CanMoveTo reports whether the workflow allows a letter in status s to move
// to status to.
func (s LetterStatus) CanMoveTo(to LetterStatus) bool {
	for _, t := range letterTransitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// ErrInvalidTransition means the letter's status does not allow the
// requested change (submitting a signed letter, signing a letter twice,
// editing a letter that is no longer a draft). Errors carrying it are
// *TransitionError and also match ErrConflict.
var ErrInvalidTransition = errors.New("invalid letter status transition")

// TransitionError reports a change that the letter's current status does not
// allow. Edit is set when the change was an edit of the letter's content
// rather than a status change. It matches ErrInvalidTransition and
// ErrConflict under errors.Is.
type TransitionError struct {
	LetterID int64
	From     LetterStatus
	To       LetterStatus
	Edit     bool
	// Delete is set when the refused change was deleting the letter.
	Delete bool
}

// CheckTransition returns nil when a letter may move from one status to the
// other and a *TransitionError otherwise.
func CheckTransition(letterID int64, from, to LetterStatus) error {
	if from.CanMoveTo(to) {
		return nil
	}
	return &TransitionError{LetterID: letterID, From: from, To: to}
}

// Error describes the refused change for logs.
func (e *TransitionError) Error() string {
	if e.Delete {
		return fmt.Sprintf("letter %d is %s and cannot be deleted", e.LetterID, e.From)
	}
	if e.Edit {
		return fmt.Sprintf("letter %d is %s and can no longer be edited", e.LetterID, e.From)
	}
	return fmt.Sprintf("letter %d cannot move from %s to %s", e.LetterID, e.From, e.To)
}

// Unwrap lets errors.Is match both ErrInvalidTransition and ErrConflict.
func (e *TransitionError) Unwrap() []error { return []error{ErrInvalidTransition, ErrConflict} }

// Message is the refusal in Indonesian, for the clerk.
func (e *TransitionError) Message() string {
	switch {
	case e.Delete:
		return "Surat berstatus " + e.From.Label() + " tidak dapat dihapus; hanya draf yang dapat dihapus."
	case e.Edit:
		return "Surat berstatus " + e.From.Label() + " tidak dapat diubah; hanya draf yang dapat diubah."
	case e.From == e.To:
		return "Surat ini sudah berstatus " + e.From.Label() + "."
	case e.From.Final():
		return "Surat berstatus " + e.From.Label() + " tidak dapat diproses lagi."
	}
	verb := map[LetterStatus]string{
		LetterDraft:     "dikembalikan ke draf",
		LetterSubmitted: "diajukan",
		LetterApproved:  "disetujui",
		LetterSigned:    "ditandatangani",
		LetterRevoked:   "dicabut",
		LetterReplaced:  "diganti",
	}[e.To]
	if verb == "" {
		verb = "diproses"
	}
	return "Surat berstatus " + e.From.Label() + " tidak dapat " + verb + "."
}

// Letter is one letter of a village: its module, whom it is about, the form
// data a clerk entered, where it stands in the workflow and, once signed,
// its number, verification code and PDF. The number fields, VerifyCode,
// IssuedAt and SignedAt stay nil until the letter is finalised; they are
// never set or changed any other way.
type Letter struct {
	ID        int64
	VillageID int64
	Module    string // module code, e.g. "sk_domisili"
	Status    LetterStatus
	// SubjectResidentID is the resident the letter is about, nil when the
	// subject is not in the register (a typed person).
	SubjectResidentID *int64
	// SubjectName is the subject's name, kept for lists and for the masked
	// name on the public verification page.
	SubjectName string
	// FormData is the module's field values as a JSON object.
	FormData         string
	CreatedBy        *int64 // user id
	ApprovedBy       *int64 // user id
	SignerOfficialID *int64
	// Number is the full letter number, e.g. "470/007/3505122001/XI/2026".
	Number     *string
	NumberSeq  *int
	NumberYear *int
	// NumberScope is the counter the sequence came from: "" for one sequence
	// per village, otherwise the number series (see NumberFormat.Series).
	NumberScope *string
	// VerifyCode is the 26-character base32 code in the QR URL.
	VerifyCode    *string
	PDFPath       string `gorm:"column:pdf_path"`
	PDFSHA256     string `gorm:"column:pdf_sha256"`
	CertificateID *int64
	IssuedAt      *time.Time // the letter's date
	SignedAt      *time.Time
	ValidUntil    *time.Time
	RevokedAt     *time.Time
	// RevokeCode is the public reason the letter stopped being valid, ""
	// while it is valid.
	RevokeCode RevocationReason
	// RevokeReason is the staff's internal note on the revocation (or which
	// letter replaced it); never shown publicly.
	RevokeReason string
	// ReturnReason is the reason given the last time the letter was returned
	// to draft.
	ReturnReason string
	// ReplacesID is the signed letter this one corrects; when this letter is
	// signed, that one becomes diganti.
	ReplacesID   *int64 `gorm:"column:replaces_id"`
	ReplacedByID *int64 `gorm:"column:replaced_by_id"`
	// TemplateID is the stored version of the module file the letter was
	// drafted (or last rendered as a draft) with, nil for a built-in file;
	// TemplateSHA256 is that file's SHA-256, "" for letters drafted before
	// modules had versions. The letter is built with that version.
	TemplateID     *int64
	TemplateSHA256 string `gorm:"column:template_sha256"`
	// VerifiedBy and VerifiedAt record the sekretaris desa's verification
	// of a submitted letter (docs/design.md §4); nil until verified, and
	// cleared whenever the letter goes back to draft.
	VerifiedBy *int64
	VerifiedAt *time.Time
	// ManualSeq is a sequence number the admin desa chose for the letter
	// (ManualReason says why), reserved in the counter scope ManualScope of
	// ManualYear; the letter is numbered with it when signed, and the
	// counter never gives it out.
	ManualSeq    *int
	ManualScope  *string
	ManualYear   *int
	ManualReason string
	// Version increases on every change; an edit or approval that names an
	// older version fails with ErrConflict.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NumberString is the letter number, or "" before the letter is signed.
func (l *Letter) NumberString() string {
	if l.Number == nil {
		return ""
	}
	return *l.Number
}

var moduleCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,49}$`)

// maxFormData bounds the JSON a clerk can store with one letter.
const maxFormData = 1 << 20

// ValidateDraft checks what a clerk supplies for a draft: the module code,
// the subject name and the form data, which must be a JSON object.
func (l *Letter) ValidateDraft() error {
	p := Problems{}
	if !moduleCodeRE.MatchString(l.Module) {
		p.Add("module", "Jenis surat tidak dikenal")
	}
	if len([]rune(l.SubjectName)) > 100 {
		p.Add("subject_name", "Nama paling banyak 100 karakter")
	} else if msg := ValidateName(l.SubjectName); msg != "" {
		p.Add("subject_name", msg)
	}
	if l.FormData == "" {
		l.FormData = "{}"
	}
	if len(l.FormData) > maxFormData {
		p.Add("form_data", "Isian surat terlalu besar")
	} else if !isJSONObject(l.FormData) {
		p.Add("form_data", "Isian surat tidak valid")
	}
	return p.Err()
}

func isJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// ValidateReason checks the reason a letter is returned, revoked or replaced
// with, and reports problems on field.
func ValidateReason(field, reason string) error {
	p := Problems{}
	switch r := strings.TrimSpace(reason); {
	case r == "":
		p.Add(field, "Alasan wajib diisi")
	case len([]rune(r)) > 500:
		p.Add(field, "Alasan paling banyak 500 karakter")
	}
	return p.Err()
}

// LetterSettings is a village's choice for one letter module. A module
// without a settings row uses the catalogue's defaults and is enabled.
type LetterSettings struct {
	ID        int64
	VillageID int64
	Module    string
	Enabled   bool
	// KodeSurat is the klasifikasi printed in the number, e.g. "470" or
	// "400.12.2.1"; "" uses the module's default.
	KodeSurat string
	// NumberFormat overrides the village's number format for this module;
	// "" uses the village format.
	NumberFormat string
	// ValidityDays is how many days the letter is valid; 0 uses the
	// module's validity period.
	ValidityDays int
	// Online offers the module to residents in self-service requests.
	Online bool
	// Verification overrides the village's choice whether the sekretaris
	// desa verifies the module's letters (see VerificationRequired).
	Verification Verification
	// Requirements are the documents (syarat) a resident brings or uploads
	// for the module, as a JSON array of labels; "" for none. Use
	// RequirementList and SetRequirements.
	Requirements string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var kodeSuratRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9./ \-]{0,29}$`)

// Validate checks the settings and returns Indonesian field messages.
func (ls *LetterSettings) Validate() error {
	p := Problems{}
	if !moduleCodeRE.MatchString(ls.Module) {
		p.Add("module", "Jenis surat tidak dikenal")
	}
	ls.KodeSurat = strings.TrimSpace(ls.KodeSurat)
	if ls.KodeSurat != "" && !kodeSuratRE.MatchString(ls.KodeSurat) {
		p.Add("kode_surat", "Kode surat paling banyak 30 karakter: huruf, angka, titik, tanda hubung, garis miring atau spasi (mis. 470 atau 400.12.2.1)")
	}
	ls.NumberFormat = strings.TrimSpace(ls.NumberFormat)
	if ls.NumberFormat != "" {
		if _, msg := parseNumberFormat(ls.NumberFormat); msg != "" {
			p.Add("number_format", msg)
		}
	}
	if ls.ValidityDays < 0 || ls.ValidityDays > 3650 {
		p.Add("validity_days", "Masa berlaku harus antara 1 dan 3650 hari (0 = bawaan jenis surat)")
	}
	if !ls.Verification.Valid() {
		p.Add("verification", "Pilih alur verifikasi dari daftar")
	}
	if msg := checkRequirements(ls.RequirementList()); msg != "" {
		p.Add("requirements", msg)
	}
	return p.Err()
}

// LetterTime is t in the civil time letters are dated in. Indonesia has no
// daylight saving; the zone is WIB (UTC+7) until villages carry their own
// zone, so a letter signed at 06:00 WIB on 1 January belongs to the new year
// although it is still 31 December in UTC.
func LetterTime(t time.Time) time.Time { return t.In(wib) }

// wib is the zone of LetterTime, made once: time.FixedZone allocates a new
// zone on every call, and the public page formats seven times.
var wib = time.FixedZone("WIB", 7*60*60)

// NumberParts are the values a number format is filled with.
type NumberParts struct {
	KodeSurat string // klasifikasi, e.g. "470"
	KodeDesa  string // kode desa Kemendagri, e.g. "3505122001"
	Seq       int    // sequence within the counter's scope and year, from 1
	Month     int    // 1-12, printed as Roman numerals
	Year      int
}

// LetterNumber is what FinalizeLetter allocated for a letter: the formatted
// number, its parts, and the letter as locked by the finalising transaction
// (status disetujui), so the signing layer renders exactly what is stored.
type LetterNumber struct {
	// Number is the full number string, e.g. "470/007/3505122001/XI/2026".
	Number string
	NumberParts
	// Date is the letter's date, in LetterTime.
	Date time.Time
	// Scope is the counter's scope key ("" for one sequence per village).
	Scope string
	// Format is the number format used: the module's override or the
	// village's format.
	Format string
	// ValidityDays is the village's validity setting for the module; 0
	// when it has none (use the module's validity period).
	ValidityDays int
	Letter       Letter
}

// NumberFormat is a parsed letter-number format such as
// "[kode_surat]/[nomor_surat,3]/[kode_desa]/[bulan_romawi]/[tahun]".
// Tokens are matched without regard to case or spaces, as in OpenSID
// ("[Tahun]", "[nomor_surat, 3]"); everything else is literal text.
type NumberFormat struct {
	parts []numberPart
}

type numberPart struct {
	token   string // "" for literal text
	literal string
	width   int // zero padding of nomor_surat
}

var numberTokenRE = regexp.MustCompile(`\[[^\[\]]*\]`)

// ParseNumberFormat checks a number format. It must hold [nomor_surat] (or
// [nomor_surat,N], N from 1 to 10) exactly once and [tahun], since sequences
// restart every year; other tokens are [kode_surat], [kode_desa] and
// [bulan_romawi]. A bad format is a *ValidationError on "number_format".
func ParseNumberFormat(pattern string) (NumberFormat, error) {
	f, msg := parseNumberFormat(pattern)
	if msg != "" {
		return NumberFormat{}, &ValidationError{Fields: map[string]string{"number_format": msg}}
	}
	return f, nil
}

// parseNumberFormat parses pattern and returns an Indonesian message, or ""
// when the format is good.
func parseNumberFormat(pattern string) (NumberFormat, string) {
	var f NumberFormat
	if strings.TrimSpace(pattern) == "" {
		return f, "Format nomor surat wajib diisi"
	}
	if len(pattern) > 150 {
		return f, "Format nomor surat paling banyak 150 karakter"
	}
	seqs, years := 0, 0
	last := 0
	for _, loc := range numberTokenRE.FindAllStringIndex(pattern, -1) {
		if loc[0] > last {
			f.parts = append(f.parts, numberPart{literal: pattern[last:loc[0]]})
		}
		last = loc[1]
		inner := strings.ToLower(strings.ReplaceAll(pattern[loc[0]+1:loc[1]-1], " ", ""))
		name, arg, hasArg := strings.Cut(inner, ",")
		p := numberPart{token: name}
		switch name {
		case "nomor_surat":
			seqs++
			if hasArg {
				w, err := strconv.Atoi(arg)
				if err != nil || w < 1 || w > 10 {
					return f, fmt.Sprintf("Panjang nomor pada %s harus angka 1 sampai 10", pattern[loc[0]:loc[1]])
				}
				p.width = w
			}
		case "tahun", "kode_surat", "kode_desa", "bulan_romawi":
			if hasArg {
				return f, fmt.Sprintf("Kode %s tidak memakai angka", pattern[loc[0]:loc[1]])
			}
			if name == "tahun" {
				years++
			}
		default:
			return f, fmt.Sprintf("Kode %s tidak dikenal; gunakan [kode_surat], [nomor_surat,3], [kode_desa], [bulan_romawi] dan [tahun]",
				pattern[loc[0]:loc[1]])
		}
		f.parts = append(f.parts, p)
	}
	if last < len(pattern) {
		f.parts = append(f.parts, numberPart{literal: pattern[last:]})
	}
	for _, p := range f.parts {
		if p.token == "" && strings.ContainsAny(p.literal, "[]") {
			return f, "Tanda [ dan ] hanya untuk kode seperti [nomor_surat]"
		}
	}
	switch {
	case seqs != 1:
		return f, "Format nomor surat harus memuat [nomor_surat] tepat satu kali"
	case years == 0:
		return f, "Format nomor surat harus memuat [tahun], karena nomor urut dimulai lagi setiap tahun"
	}
	return f, ""
}

// Format fills the format with p.
func (f NumberFormat) Format(p NumberParts) string {
	var b strings.Builder
	for _, part := range f.parts {
		switch part.token {
		case "":
			b.WriteString(part.literal)
		case "nomor_surat":
			fmt.Fprintf(&b, "%0*d", part.width, p.Seq)
		case "tahun":
			b.WriteString(strconv.Itoa(p.Year))
		case "kode_surat":
			b.WriteString(p.KodeSurat)
		case "kode_desa":
			b.WriteString(p.KodeDesa)
		case "bulan_romawi":
			b.WriteString(RomanMonth(time.Month(p.Month)))
		}
	}
	return b.String()
}

// Series is the shape of the numbers this format gives for one kode surat
// and kode desa: the format with the sequence, month and year left as
// placeholders and padding ignored, e.g. "470/{n}/3505122001/{m}/{y}".
// Letters whose series are equal would print equal numbers for equal
// sequences, so with one sequence per letter type they must still share a
// counter; the series is that counter's scope key. Keys longer than 191
// bytes are replaced by their hash.
func (f NumberFormat) Series(kodeSurat, kodeDesa string) string {
	var b strings.Builder
	for _, part := range f.parts {
		switch part.token {
		case "":
			b.WriteString(part.literal)
		case "nomor_surat":
			b.WriteString("{n}")
		case "tahun":
			b.WriteString("{y}")
		case "bulan_romawi":
			b.WriteString("{m}")
		case "kode_surat":
			b.WriteString(kodeSurat)
		case "kode_desa":
			b.WriteString(kodeDesa)
		}
	}
	s := b.String()
	if len(s) > 191 {
		sum := sha256.Sum256([]byte(s))
		s = "sha256:" + hex.EncodeToString(sum[:])
	}
	return s
}
