package surat

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxSignBatch is the most letters one batch signature takes: the signer
// reviews each, and the queue page lists at most this many.
const MaxSignBatch = 500

// ProblemCode names a refusal that the store or a service detects and the
// user can fix (a resident of another village, an official who may not
// sign). The layer that detects it returns the code; the Indonesian words
// live in problemMessages below, so the store writes no UI sentence.
type ProblemCode string

// The problem codes of letters.
const (
	ProblemModuleDisabled       ProblemCode = "module_disabled"
	ProblemModuleUnknown        ProblemCode = "module_unknown"
	ProblemModuleFixed          ProblemCode = "module_fixed"
	ProblemResidentNotInVillage ProblemCode = "resident_not_in_village"
	ProblemOfficialNotInVillage ProblemCode = "official_not_in_village"
	ProblemOfficialInactive     ProblemCode = "official_inactive"
	ProblemOfficialCannotSign   ProblemCode = "official_cannot_sign"
	ProblemSignerRequired       ProblemCode = "signer_required"
	ProblemFormTokenMissing     ProblemCode = "form_token_missing"
	ProblemReplacementSelf      ProblemCode = "replacement_self"
	ProblemReplacementNotFound  ProblemCode = "replacement_not_found"
	ProblemReplacementNotSigned ProblemCode = "replacement_not_signed"
	ProblemBatchEmpty           ProblemCode = "batch_empty"
	ProblemBatchTooLarge        ProblemCode = "batch_too_large"
	ProblemBatchDuplicate       ProblemCode = "batch_duplicate"
	ProblemPassphraseRequired   ProblemCode = "passphrase_required"
	ProblemCertificateRevoked   ProblemCode = "certificate_revoked"

	// Revocation reasons (revocation.go) and the public paper match.
	ProblemRevocationReasonRequired ProblemCode = "revocation_reason_required"
	ProblemRevocationReasonUnknown  ProblemCode = "revocation_reason_unknown"
	ProblemRevocationReasonReplaced ProblemCode = "revocation_reason_replaced"
	ProblemReplacementRequired      ProblemCode = "replacement_required"
	ProblemNoteRequired             ProblemCode = "note_required"
	ProblemNoteTooLong              ProblemCode = "note_too_long"
	ProblemMatchNIKMalformed        ProblemCode = "match_nik_malformed"
	ProblemMatchNameMalformed       ProblemCode = "match_name_malformed"
	ProblemMatchOneValue            ProblemCode = "match_one_value"
	ProblemModuleCodeInvalid        ProblemCode = "module_code_invalid"
)

// The problem codes of the workflow (issue 18).
const (
	ProblemSignerNotReady   ProblemCode = "signer_not_ready"
	ProblemManualSeqInvalid ProblemCode = "manual_seq_invalid"
	ProblemManualSeqTaken   ProblemCode = "manual_seq_taken"
	ProblemManualSeqStale   ProblemCode = "manual_seq_stale"
	ProblemCounterBelowUsed ProblemCode = "counter_below_used"
	ProblemNoVerifier       ProblemCode = "no_verifier"
	ProblemRequirementKnown ProblemCode = "requirement_unknown"
)

// problemMessages are the words of every ProblemCode, the one place they
// are written.
var problemMessages = map[ProblemCode]string{
	ProblemModuleDisabled:       "Jenis surat ini tidak diaktifkan di desa ini",
	ProblemModuleUnknown:        "Jenis surat tidak dikenal",
	ProblemModuleFixed:          "Jenis surat tidak dapat diubah; buat surat baru untuk jenis lain",
	ProblemResidentNotInVillage: "Penduduk tidak ditemukan di desa ini",
	ProblemOfficialNotInVillage: "Pejabat penandatangan tidak ditemukan di desa ini",
	ProblemOfficialInactive:     "Pejabat ini sudah tidak aktif",
	ProblemOfficialCannotSign:   "Pejabat ini tidak berwenang menandatangani surat",
	ProblemSignerRequired:       "Pilih pejabat penandatangan sebelum surat diajukan",
	ProblemFormTokenMissing:     "Formulir tidak lengkap; muat ulang halaman.",
	ProblemReplacementSelf:      "Surat tidak dapat menggantikan dirinya sendiri",
	ProblemReplacementNotFound:  "Surat pengganti tidak ditemukan di desa ini",
	ProblemReplacementNotSigned: "Surat pengganti harus surat yang sudah ditandatangani dan masih berlaku (sekarang berstatus %s)",
	ProblemBatchEmpty:           "Pilih paling sedikit satu surat",
	ProblemBatchTooLarge:        "Paling banyak " + strconv.Itoa(MaxSignBatch) + " surat sekali tanda tangan",
	ProblemBatchDuplicate:       "Satu surat disebut lebih dari sekali",
	ProblemPassphraseRequired:   "Frasa sandi wajib diisi",
	ProblemCertificateRevoked:   "Sertifikat ini sudah dicabut",

	ProblemRevocationReasonRequired: "Pilih alasan pencabutan",
	ProblemRevocationReasonUnknown:  "Alasan pencabutan tidak dikenal",
	ProblemRevocationReasonReplaced: "Surat yang diganti dengan surat lain memakai alasan \"Diganti dengan surat baru\"",
	ProblemReplacementRequired:      "Sebutkan surat pengganti",
	ProblemNoteRequired:             "Tuliskan catatan untuk alasan lain",
	ProblemNoteTooLong:              "Catatan paling banyak 500 karakter",
	ProblemMatchNIKMalformed:        "NIK terdiri dari 16 angka",
	ProblemMatchNameMalformed:       "Tuliskan nama lengkap seperti pada kertas (paling banyak 100 huruf)",
	ProblemMatchOneValue:            "Isi NIK atau nama lengkap, salah satu saja",
	ProblemModuleCodeInvalid: "Kode jenis surat 2 sampai 48 karakter: huruf kecil, angka dan _, diawali huruf " +
		"(mis. sk_tanah_wakaf)",
	ProblemSignerNotReady:   "Pejabat ini belum dapat menandatangani: %s",
	ProblemManualSeqInvalid: "Nomor urut harus angka 1 sampai 999999",
	ProblemManualSeqTaken:   "Nomor urut %d tahun %d sudah dipakai atau dipesan surat lain",
	ProblemManualSeqStale:   "Nomor manual surat ini dipesan untuk urutan nomor atau tahun lain; atur ulang nomornya",
	ProblemCounterBelowUsed: "Nomor %d sudah terlewati: nomor terakhir yang dipakai %d. Nomor berikutnya harus lebih besar",
	ProblemNoVerifier:       "Surat jenis ini harus diverifikasi sekretaris desa, tetapi belum ada akun penandatangan untuk pejabat yang menandatangani a.n. (sekretaris desa). Minta admin desa membuatnya, atau ubah alur verifikasi",
	ProblemRequirementKnown: "Persyaratan tidak dikenal untuk jenis surat ini",
}

// Message is the Indonesian sentence of c, with args filled into the
// message's verbs (a status label, say); an unknown code reads as a generic
// refusal rather than an empty message.
func (c ProblemCode) Message(args ...any) string {
	m, ok := problemMessages[c]
	if !ok {
		return "Isian tidak dapat diterima"
	}
	if len(args) > 0 && strings.Contains(m, "%") {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// AddCode records the message of code c for field (see Add).
func (p Problems) AddCode(field string, c ProblemCode) { p.Add(field, c.Message()) }

// Invalid is a *ValidationError with the message of c (and its args) on
// field.
func Invalid(field string, c ProblemCode, args ...any) error {
	return &ValidationError{Fields: map[string]string{field: c.Message(args...)}}
}
