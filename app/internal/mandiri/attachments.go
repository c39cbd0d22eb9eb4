package mandiri

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// MaxAttachmentBytes is the largest supporting document a resident may
// upload.
const MaxAttachmentBytes = 5 << 20

// AttachmentError is a supporting document refused for its size (TooLarge,
// over MaxAttachmentBytes) or, otherwise, for not being a JPEG, PNG or PDF
// judged by its content. Nothing of the upload is kept.
type AttachmentError struct{ TooLarge bool }

func (e *AttachmentError) Error() string {
	if e.TooLarge {
		return fmt.Sprintf("mandiri: attachment over %d bytes", MaxAttachmentBytes)
	}
	return "mandiri: attachment is not JPEG, PNG or PDF"
}

// Upload is one uploaded file: its claimed size and a way to read it. The
// name and the content type the client sent are not used.
type Upload struct {
	Size int64
	Open func() (io.ReadCloser, error)
	// Requirement is the required document (one of the module's
	// requirements) the file meets, "" for any other document.
	Requirement string
}

// sniffAttachment returns the content type of a supporting document judged
// from its bytes alone: image/jpeg, image/png or application/pdf. A PDF
// must also start with the %PDF- header and end with %%EOF.
func sniffAttachment(b []byte) (string, error) {
	ct := http.DetectContentType(b)
	switch ct {
	case "image/jpeg", "image/png":
		return ct, nil
	case "application/pdf":
		tail := b[max(0, len(b)-1024):]
		if bytes.HasPrefix(b, []byte("%PDF-")) && bytes.Contains(tail, []byte("%%EOF")) {
			return ct, nil
		}
	}
	return "", &AttachmentError{}
}

// storedFile is a document written to the attachment store but not yet
// recorded in the database.
type storedFile struct {
	surat.Attachment
}

// storeUploads checks every upload and writes them to the blob store under
// attachments/<village>/<random hex>, each recorded as pending until the
// transaction that stores its row commits (package files). Empty files (an
// empty file input) are skipped. One refused upload is an
// *AttachmentError and then no file stays stored. The caller removes the
// files (discard) when the database refuses them.
func (s *Service) storeUploads(ctx context.Context, villageID int64, uploads []Upload) ([]storedFile, error) {
	type checked struct {
		body []byte
		ct   string
		req  string
	}
	var ok []checked
	for _, u := range uploads {
		if u.Size > MaxAttachmentBytes {
			return nil, &AttachmentError{TooLarge: true}
		}
		f, err := u.Open()
		if err != nil {
			return nil, fmt.Errorf("mandiri: open upload: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(f, MaxAttachmentBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("mandiri: read upload: %w", err)
		}
		if len(body) > MaxAttachmentBytes {
			return nil, &AttachmentError{TooLarge: true}
		}
		if len(body) == 0 {
			continue
		}
		ct, err := sniffAttachment(body)
		if err != nil {
			return nil, err
		}
		ok = append(ok, checked{body, ct, u.Requirement})
	}
	var out []storedFile
	for _, c := range ok {
		key := files.NewKey("attachments", villageID, "")
		if err := s.d.Files.Stage(ctx, key, c.body); err != nil {
			s.discard(ctx, out)
			return nil, fmt.Errorf("mandiri: write attachment: %w", err)
		}
		sum := sha256.Sum256(c.body)
		out = append(out, storedFile{Attachment: surat.Attachment{VillageID: villageID, ContentType: c.ct,
			Size: int64(len(c.body)), SHA256: hex.EncodeToString(sum[:]), Path: key, Requirement: c.req}})
	}
	return out, nil
}

// discard removes written files whose request was not stored.
func (s *Service) discard(ctx context.Context, fs []storedFile) {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.Path
	}
	s.d.Files.Abandon(ctx, keys...)
}

func attachmentsOf(fs []storedFile) []surat.Attachment {
	out := make([]surat.Attachment, len(fs))
	for i, f := range fs {
		out[i] = f.Attachment
	}
	return out
}

// ReadAttachment returns a stored document's bytes, after checking them
// against the SHA-256 recorded at upload.
func (s *Service) ReadAttachment(ctx context.Context, a *surat.Attachment) ([]byte, error) {
	b, err := s.d.Files.Get(ctx, a.Path)
	if err != nil {
		return nil, fmt.Errorf("mandiri: read attachment %d: %w", a.ID, err)
	}
	if sum := sha256.Sum256(b); a.SHA256 != "" && hex.EncodeToString(sum[:]) != a.SHA256 {
		return nil, fmt.Errorf("mandiri: attachment %d does not match its recorded SHA-256", a.ID)
	}
	return b, nil
}

// attachmentLimit turns the store's surat.ErrAttachmentLimit into the
// field message the resident reads; other errors pass unchanged.
func attachmentLimit(err error) error {
	if errors.Is(err, surat.ErrAttachmentLimit) {
		return &surat.ValidationError{Fields: map[string]string{"lampiran": fmt.Sprintf(
			"Satu permohonan paling banyak %d lampiran", store.MaxAttachments)}}
	}
	return err
}

// checkQuota refuses, before anything is read or stored, uploads whose
// claimed sizes together pass the store's bytes-per-request limit; the
// store checks the real sizes again in the transaction.
func (s *Service) checkQuota(uploads []Upload) error {
	var total int64
	for _, u := range uploads {
		total += u.Size
	}
	if total > s.d.Store.Quota().MaxRequestBytes {
		return s.quotaError(store.ErrRequestBytes)
	}
	return nil
}

// quotaError words the store's quota errors for the resident; other errors
// pass unchanged.
func (s *Service) quotaError(err error) error {
	switch {
	case errors.Is(err, store.ErrOpenRequests):
		return &surat.LimitError{Msg: "Anda sudah punya permohonan yang masih diproses desa sebanyak batas yang diizinkan. " +
			"Tunggu sampai selesai atau batalkan salah satunya, lalu ajukan lagi."}
	case errors.Is(err, store.ErrRequestBytes):
		return &surat.ValidationError{Fields: map[string]string{"lampiran": fmt.Sprintf(
			"Lampiran satu permohonan paling besar %d MB seluruhnya", s.d.Store.Quota().MaxRequestBytes>>20)}}
	case errors.Is(err, store.ErrVillageBytes):
		return &surat.LimitError{Msg: "Ruang penyimpanan lampiran desa sudah penuh. Hubungi kantor desa; permohonan belum dikirim."}
	}
	return err
}

// removeAttachmentFiles deletes the files of attachments whose rows are
// gone; a file that cannot be removed only wastes space and is logged.
func (s *Service) removeAttachmentFiles(ctx context.Context, as []surat.Attachment) {
	for _, a := range as {
		if err := s.d.Files.Remove(ctx, a.Path); err != nil {
			s.d.Log.Warn("remove attachment", "attachment_id", a.ID, "err", err)
		}
	}
}
