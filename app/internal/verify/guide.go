package verify

// Guide is what the verification page tells someone holding the paper,
// above everything else, in plain words: what to compare, what the verdict
// proves and what it does not, and how to be sure. Every field may be
// empty: a revoked or replaced letter needs no comparing.
type Guide struct {
	// Compare says what to compare between the paper and the page.
	Compare string
	// Means says what ASLI proves; NotProof what it does not.
	Means, NotProof string
	// Confirm points to the paper match and the PDF check.
	Confirm string
	// Uncertified explains "tanda tangan elektronik tidak tersertifikasi"
	// in one sentence that does not read as "invalid".
	Uncertified string
}

// The sentences of the guide that do not depend on the letter.
const (
	guideCompare  = "Samakan nomor, jenis dan tanggal surat, serta huruf depan nama, pada kertas dengan halaman ini."
	guideNotProof = "ASLI tidak membuktikan bahwa kertas di tangan Anda adalah surat itu: kode QR dapat disalin ke kertas lain."
	guideConfirm  = "Untuk memastikan, ketik NIK atau nama dari kertas di \"Cocokkan dengan kertas\" di bawah, " +
		"atau periksa berkas PDF-nya."
	guideUncertified = "\"Tanda tangan elektronik tidak tersertifikasi\" tetap sah menurut UU ITE; artinya hanya " +
		"bahwa sertifikatnya diterbitkan oleh aplikasi pemerintah daerah ini sendiri, bukan oleh lembaga " +
		"sertifikasi seperti BSrE."
)

// GuideFor is the guide for the page of r: the whole guide for an
// authentic letter, the comparison without the promise for an expired
// one, and nothing but the sentence about the signature for a revoked or
// replaced one (its status says all).
func GuideFor(r *Result) Guide {
	switch r.Status {
	case Authentic:
		return Guide{Compare: guideCompare, NotProof: guideNotProof, Confirm: guideConfirm,
			Uncertified: guideUncertified,
			Means: "ASLI berarti surat dengan kode ini diterbitkan dan ditandatangani oleh " + r.VillageName +
				" dan masih berlaku."}
	case Expired:
		return Guide{Compare: guideCompare, NotProof: guideNotProof, Confirm: guideConfirm,
			Uncertified: guideUncertified}
	}
	return Guide{Uncertified: guideUncertified}
}
