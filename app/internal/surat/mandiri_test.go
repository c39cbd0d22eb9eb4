package surat

import (
	"errors"
	"testing"
)

func TestRequestStateErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		err  RequestStateError
		want string
	}{
		{RequestStateError{From: RequestInReview, Action: RequestEdit},
			"Permohonan berstatus Sedang Diperiksa tidak dapat diubah; hanya permohonan yang belum lengkap."},
		{RequestStateError{From: RequestReady, Action: RequestCancel}, "Permohonan berstatus Siap Diambil tidak dapat dibatalkan."},
		{RequestStateError{From: RequestCancelled, Action: RequestAttach},
			"Permohonan berstatus Dibatalkan tidak dapat diberi lampiran lagi."},
		{RequestStateError{From: RequestIncomplete, Action: RequestOpen}, "Permohonan berstatus Belum Lengkap tidak dapat diproses lagi."},
		{RequestStateError{From: RequestInReview, Action: RequestOpen, Opened: true},
			"Permohonan ini baru saja diproses petugas lain dan draf suratnya sudah dibuat. Buka kembali permohonan untuk melihatnya."},
		{RequestStateError{From: RequestAwaitingSignature, Action: RequestReturn},
			"Permohonan berstatus Menunggu Tanda Tangan tidak dapat dikembalikan; kembalikan suratnya ke draf lebih dulu."},
		{RequestStateError{From: RequestCancelled, Action: RequestCollect},
			"Permohonan berstatus Dibatalkan tidak dapat dicatat sudah diambil; hanya permohonan yang siap diambil."},
		{RequestStateError{From: RequestInReview, Action: RequestTake}, "Permohonan berstatus Sedang Diperiksa belum dapat diambil."},
	} {
		err := error(&tc.err)
		if got := tc.err.Message(); got != tc.want {
			t.Errorf("%v: Message() = %q, want %q", err, got, tc.want)
		}
		if !errors.Is(err, ErrConflict) {
			t.Errorf("%v does not match ErrConflict", err)
		}
	}
}
