package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// maxAttachmentBytes is the largest supporting document a resident may
// upload. The request body limit (maxBodyBytes) bounds one form to about
// two such files; more can be added to the request one at a time.
const maxAttachmentBytes = 5 << 20

// errAttachmentType is the refusal of anything but JPEG, PNG and PDF.
var errAttachmentType = &unsupportedMediaError{Msg: "Lampiran harus berupa foto JPEG/PNG atau berkas PDF. Berkas lain (juga yang hanya diganti namanya) tidak diterima."}

// sniffAttachment returns the content type of a supporting document judged
// from its bytes alone (the name and the browser's claim are ignored):
// image/jpeg, image/png or application/pdf. A PDF must also start with the
// %PDF- header and end with %%EOF.
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
	return "", errAttachmentType
}

// storedUpload is a document written to the attachment store but not yet
// recorded in the database.
type storedUpload struct {
	surat.Attachment
	abs string
}

// storeAttachments checks and writes uploaded documents under
// APP_STORAGE/attachments/<village>/<random hex>. A file that is too large
// is an *http.MaxBytesError and one of another type errAttachmentType; then
// nothing stays on disk. The caller removes the files (discardUploads) when
// the database refuses the request.
func (s *Server) storeAttachments(villageID int64, files []*multipart.FileHeader) ([]storedUpload, error) {
	type checked struct {
		body []byte
		ct   string
	}
	var ok []checked
	for _, fh := range files {
		if fh.Size > maxAttachmentBytes {
			return nil, &http.MaxBytesError{Limit: maxAttachmentBytes}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("open upload: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(f, maxAttachmentBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read upload: %w", err)
		}
		if len(body) > maxAttachmentBytes {
			return nil, &http.MaxBytesError{Limit: maxAttachmentBytes}
		}
		if len(body) == 0 {
			continue // an empty file input
		}
		ct, err := sniffAttachment(body)
		if err != nil {
			return nil, err
		}
		ok = append(ok, checked{body, ct})
	}
	dir := filepath.Join(s.storageDir(), "attachments", strconv.FormatInt(villageID, 10))
	if len(ok) > 0 {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("attachment directory: %w", err)
		}
	}
	var out []storedUpload
	for _, c := range ok {
		name := make([]byte, 16)
		if _, err := rand.Read(name); err != nil {
			s.discardUploads(out)
			return nil, fmt.Errorf("attachment name: %w", err)
		}
		rel := filepath.ToSlash(filepath.Join("attachments", strconv.FormatInt(villageID, 10), hex.EncodeToString(name)))
		abs := filepath.Join(s.storageDir(), filepath.FromSlash(rel))
		if err := os.WriteFile(abs, c.body, 0o600); err != nil {
			s.discardUploads(out)
			return nil, fmt.Errorf("write attachment: %w", err)
		}
		sum := sha256.Sum256(c.body)
		out = append(out, storedUpload{abs: abs, Attachment: surat.Attachment{VillageID: villageID, ContentType: c.ct,
			Size: int64(len(c.body)), SHA256: hex.EncodeToString(sum[:]), Path: rel}})
	}
	return out, nil
}

// discardUploads removes written files whose request was not stored.
func (s *Server) discardUploads(us []storedUpload) {
	for _, u := range us {
		if err := os.Remove(u.abs); err != nil && !os.IsNotExist(err) {
			s.log.Warn("remove attachment", "err", err)
		}
	}
}

func attachmentsOf(us []storedUpload) []surat.Attachment {
	out := make([]surat.Attachment, len(us))
	for i, u := range us {
		out[i] = u.Attachment
	}
	return out
}

// storageDir is APP_STORAGE ("storage" when unset).
func (s *Server) storageDir() string {
	if s.cfg.Storage == "" {
		return "storage"
	}
	return s.cfg.Storage
}

// readAttachmentFile returns a stored document's bytes.
func (s *Server) readAttachmentFile(a *surat.Attachment) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.storageDir(), filepath.FromSlash(a.Path)))
	if err != nil {
		return nil, fmt.Errorf("read attachment %d: %w", a.ID, err)
	}
	return b, nil
}

// attachmentExt is the file extension for a download name.
func attachmentExt(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ".pdf"
}
