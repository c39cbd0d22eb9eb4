package surat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RequestStatus is where a resident's letter request (permohonan) stands,
// with the six statuses of OpenSID's Layanan Mandiri (docs/design.md §8).
type RequestStatus string

// The request statuses. RequestIncomplete, RequestInReview, RequestTaken
// and RequestCancelled are stored; RequestAwaitingSignature and RequestReady
// are derived from the linked letter (submitted or approved, and signed).
const (
	RequestIncomplete        RequestStatus = "belum_lengkap"
	RequestInReview          RequestStatus = "sedang_diperiksa"
	RequestAwaitingSignature RequestStatus = "menunggu_tanda_tangan"
	RequestReady             RequestStatus = "siap_diambil"
	RequestTaken             RequestStatus = "sudah_diambil"
	RequestCancelled         RequestStatus = "dibatalkan"
)

// RequestStatuses lists every status in workflow order.
func RequestStatuses() []RequestStatus {
	return []RequestStatus{RequestIncomplete, RequestInReview, RequestAwaitingSignature, RequestReady,
		RequestTaken, RequestCancelled}
}

// Valid reports whether s is one of the six statuses.
func (s RequestStatus) Valid() bool {
	for _, v := range RequestStatuses() {
		if s == v {
			return true
		}
	}
	return false
}

// Label is the status as residents and clerks read it.
func (s RequestStatus) Label() string {
	switch s {
	case RequestIncomplete:
		return "Belum Lengkap"
	case RequestInReview:
		return "Sedang Diperiksa"
	case RequestAwaitingSignature:
		return "Menunggu Tanda Tangan"
	case RequestReady:
		return "Siap Diambil"
	case RequestTaken:
		return "Sudah Diambil"
	case RequestCancelled:
		return "Dibatalkan"
	}
	return string(s)
}

// Cancellable reports whether the resident may still cancel: anything
// before the letter is signed.
func (s RequestStatus) Cancellable() bool {
	return s == RequestIncomplete || s == RequestInReview || s == RequestAwaitingSignature
}

// Editable reports whether the resident may correct the request: only
// after a clerk returned it as incomplete.
func (s RequestStatus) Editable() bool { return s == RequestIncomplete }

// DeriveRequestStatus is the status a request shows: the stored one, except
// that a request under review whose letter has been submitted or approved
// is waiting for the signature, and one whose letter is signed is ready. A
// revoked or replaced letter leaves the request under review, since the
// clerk will issue a corrected one.
func DeriveRequestStatus(stored RequestStatus, letter LetterStatus) RequestStatus {
	if stored != RequestInReview {
		return stored
	}
	switch letter {
	case LetterSubmitted, LetterApproved:
		return RequestAwaitingSignature
	case LetterSigned:
		return RequestReady
	}
	return stored
}

// LetterRequest is a resident's request for a letter. ResidentID is the
// requester (taken from the resident's session, never from a form);
// SubjectResidentID is whom the letter is mainly about: the requester or a
// member of the requester's KK.
type LetterRequest struct {
	ID                int64
	VillageID         int64
	ResidentID        int64
	SubjectResidentID int64
	Module            string
	// FormData holds the subjects by role and the field values as JSON (see
	// RequestForm).
	FormData string
	// Status is the stored status; see Effective.
	Status   RequestStatus
	LetterID *int64
	// Message is the clerk's last message (what is missing).
	Message     string
	Version     int
	SubmittedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// LetterStatus is the linked letter's status, filled by queries that
	// join it ("" without a letter).
	LetterStatus LetterStatus `gorm:"->;-:migration"`
	// Effective is the status shown (DeriveRequestStatus), filled by queries.
	Effective RequestStatus `gorm:"-"`
}

// Form decodes the request's stored form.
func (r *LetterRequest) Form() (RequestForm, error) {
	var f RequestForm
	if err := json.Unmarshal([]byte(r.FormData), &f); err != nil {
		return f, fmt.Errorf("decode form of request %d: %w", r.ID, err)
	}
	return f, nil
}

// RequestAction is a change of a request that its status may refuse.
type RequestAction string

// The actions a RequestStateError names.
const (
	RequestEdit    RequestAction = "edit"    // the resident corrects it
	RequestCancel  RequestAction = "cancel"  // the resident cancels it
	RequestAttach  RequestAction = "attach"  // the resident adds documents
	RequestOpen    RequestAction = "open"    // a clerk turns it into a letter draft
	RequestReturn  RequestAction = "return"  // a clerk returns it as incomplete
	RequestCollect RequestAction = "collect" // a clerk records the paper pick-up
	RequestTake    RequestAction = "take"    // the resident downloads the letter
)

// RequestStateError is a change the request's shown status does not allow.
// It matches ErrConflict. The store returns it; Message says it to the user.
type RequestStateError struct {
	// From is the status the request shows.
	From   RequestStatus
	Action RequestAction
	// Opened is set when a clerk's RequestOpen lost the race to another
	// clerk who opened the request a moment before.
	Opened bool
}

// Error names the status and the refused action, in English.
func (e *RequestStateError) Error() string {
	if e.Opened {
		return "request was opened by another clerk"
	}
	return "request is " + string(e.From) + ": cannot " + string(e.Action)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *RequestStateError) Unwrap() error { return ErrConflict }

// Message says in Indonesian what was refused and why.
func (e *RequestStateError) Message() string {
	if e.Opened {
		return "Permohonan ini baru saja diproses petugas lain dan draf suratnya sudah dibuat. " +
			"Buka kembali permohonan untuk melihatnya."
	}
	head := "Permohonan berstatus " + e.From.Label() + " "
	switch e.Action {
	case RequestEdit:
		return head + "tidak dapat diubah; hanya permohonan yang belum lengkap."
	case RequestCancel:
		return head + "tidak dapat dibatalkan."
	case RequestAttach:
		return head + "tidak dapat diberi lampiran lagi."
	case RequestOpen:
		return head + "tidak dapat diproses lagi."
	case RequestReturn:
		return head + "tidak dapat dikembalikan; kembalikan suratnya ke draf lebih dulu."
	case RequestCollect:
		return head + "tidak dapat dicatat sudah diambil; hanya permohonan yang siap diambil."
	case RequestTake:
		return head + "belum dapat diambil."
	}
	return head + "tidak dapat diubah."
}

// The notes the system writes into a request's timeline; they are stored
// with the event and shown as written.
const (
	NoteSubmitted  = "Permohonan dikirim"
	NoteCorrected  = "Permohonan diperbaiki dan dikirim ulang"
	NoteCancelled  = "Permohonan dibatalkan oleh pemohon"
	NoteOpened     = "Permohonan diproses petugas; draf surat dibuat"
	NoteCollected  = "Surat diambil di kantor desa"
	NoteDownloaded = "Surat diunduh pemohon"
	// NoteResubmitted: the resident sent a returned request back as it is.
	NoteResubmitted = "Permohonan dikirim ulang oleh pemohon"
	// NoteDraftDeleted: a clerk deleted the letter draft made of the
	// request; it can be processed again.
	NoteDraftDeleted = "Draf surat dihapus petugas; permohonan dapat diproses lagi"
)

// NoteAttachedResubmitted is the timeline note of n documents added to a
// returned request, which sends it back to the clerk.
func NoteAttachedResubmitted(n int) string {
	return fmt.Sprintf("%d lampiran ditambahkan; permohonan dikirim ulang", n)
}

// NoteAttached is the timeline note of n documents added to a request.
func NoteAttached(n int) string { return fmt.Sprintf("%d lampiran ditambahkan", n) }

// ErrAttachmentLimit means a request would carry more documents than
// allowed.
var ErrAttachmentLimit = errors.New("too many attachments")

// InactiveResidentError is a resident who died or moved away (LifeStatus,
// see the LifeStatus enumeration) and so cannot use Layanan Mandiri.
type InactiveResidentError struct {
	LifeStatus int
}

func (e *InactiveResidentError) Error() string {
	return fmt.Sprintf("resident has life status %d", e.LifeStatus)
}

// RequestForm is what a resident fills in: the people of each subject role,
// by resident id, and the module's field values.
type RequestForm struct {
	Subjects map[string]RequestSubject `json:"subjects"`
	Fields   map[string]string         `json:"fields"`
}

// RequestSubject is one role's people: a resident for single roles, Items
// for list roles.
type RequestSubject struct {
	ResidentID int64            `json:"resident_id,omitempty"`
	Items      []RequestSubject `json:"items,omitempty"`
	Relation   string           `json:"relation,omitempty"`
}

// ResidentIDs lists every resident the form names, in no particular order.
func (f RequestForm) ResidentIDs() []int64 {
	var ids []int64
	var walk func(s RequestSubject)
	walk = func(s RequestSubject) {
		if s.ResidentID != 0 {
			ids = append(ids, s.ResidentID)
		}
		for _, it := range s.Items {
			walk(it)
		}
	}
	for _, s := range f.Subjects {
		walk(s)
	}
	return ids
}

// RequestEvent is one entry of a request's timeline: a status change, a
// clerk's message, or both.
type RequestEvent struct {
	ID        int64
	VillageID int64
	RequestID int64
	Status    RequestStatus
	ByClerk   bool
	UserID    *int64
	Message   string
	CreatedAt time.Time
}

// Attachment is a supporting document of a request. Its file lives under a
// random name; ContentType was sniffed from the content.
type Attachment struct {
	ID          int64
	VillageID   int64
	RequestID   int64
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	Path        string
	// Requirement is the required document (a label of the module's
	// requirements) the upload meets; "" for any other document.
	Requirement string
	CreatedAt   time.Time
}

// Kind is the attachment's type as shown: "PDF", "JPEG" or "PNG".
func (a *Attachment) Kind() string {
	switch a.ContentType {
	case "application/pdf":
		return "PDF"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	}
	return strings.ToUpper(a.ContentType)
}

// ResidentAccount is a resident's Layanan Mandiri login.
type ResidentAccount struct {
	ID          int64
	VillageID   int64
	ResidentID  int64
	PINHash     string `gorm:"column:pin_hash"`
	MustChange  bool
	Failures    int
	LockedUntil *time.Time
	LastLoginAt *time.Time
	IssuedBy    *int64
	// NotifyPhone and NotifyEmail are where the resident asked to be told
	// when a request is returned or a letter is ready; NotifyConsentAt is
	// when they opted in, nil when they have not.
	NotifyPhone     string
	NotifyEmail     string
	NotifyConsentAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ValidatePIN returns an Indonesian message when a resident's new PIN is not
// six digits or is trivially guessable (all one digit, an ascending or
// descending run, or a repeated pair or triple such as 121212 or 123123),
// or "".
func ValidatePIN(pin string) string {
	if len(pin) != 6 {
		return "PIN harus 6 digit angka"
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return "PIN harus 6 digit angka"
		}
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		if (pin[i-1]-'0'+1)%10 != pin[i]-'0' {
			up = false
		}
		if (pin[i]-'0'+1)%10 != pin[i-1]-'0' {
			down = false
		}
	}
	repeats := pin[0:2] == pin[2:4] && pin[2:4] == pin[4:6] || pin[0:3] == pin[3:6]
	if up || down || repeats {
		return "PIN terlalu mudah ditebak (mis. 123456, 000000 atau 121212); pilih angka lain"
	}
	return ""
}
