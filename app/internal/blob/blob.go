// Package blob keeps every file the application stores (signed PDFs,
// residents' attachments, village logos) behind one interface, so several
// replicas can share them: a folder on local disk (file://) for a single
// machine, or any S3-compatible object store (s3://) for replicas.
//
// Keys are slash-separated relative paths such as
// "letters/7/0f3a….pdf"; they never contain a NIK, a name or "..".
package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/parallel"
)

// ErrNotExist is returned by Get and Stat for a key that holds no object.
var ErrNotExist = errors.New("blob: object does not exist")

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is an object store. Put replaces an object whole: a reader sees the
// old bytes or the new ones, never a part. Delete of a missing key is not
// an error. List calls fn for every object whose key starts with prefix
// ("" for all), in no particular order, and stops at fn's first error.
// Implementations are safe for concurrent use.
type Store interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Stat(ctx context.Context, key string) (Object, error)
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Ping checks that the store is reachable (and, for S3, that the
	// bucket exists).
	Ping(ctx context.Context) error
	// String names the store for logs, without credentials.
	String() string
}

// Entry is one object of PutAll.
type Entry struct {
	Key  string
	Data []byte
}

// BatchPutter is implemented by stores that put several objects faster
// together than one at a time (the folder store syncs them together).
type BatchPutter interface {
	PutAll(ctx context.Context, entries []Entry) error
}

// putAllConcurrency bounds the puts PutAll runs at once on a store without
// PutAll of its own (S3: each put is a request).
const putAllConcurrency = 4

// PutAll puts every entry into st, like Put each, and returns the first
// error. Entries put before or beside a failed one stay put; the caller
// abandons their keys.
func PutAll(ctx context.Context, st Store, entries []Entry) error {
	if bp, ok := st.(BatchPutter); ok {
		return bp.PutAll(ctx, entries)
	}
	errs := make([]error, len(entries))
	parallel.For(len(entries), putAllConcurrency, func(i int) {
		errs[i] = st.Put(ctx, entries[i].Key, entries[i].Data)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Bounds of a Buffer: the entries and bytes it holds before it puts them.
const (
	bufferEntries = 64
	bufferBytes   = 16 << 20
)

// A Buffer collects objects for a bulk copy (restore, storage migrate)
// and puts them with PutAll in groups of at most 64 objects or 16 MiB, so
// that the folder store syncs each group together instead of every object
// on its own, while memory stays bounded. An object larger than the byte
// bound is put alone. Call Flush at the end; an error from Add or Flush
// may leave the objects of the failed group partly put.
type Buffer struct {
	st      Store
	entries []Entry
	bytes   int
	// Stored counts the objects put so far.
	Stored int
}

// NewBuffer returns an empty Buffer putting into st.
func NewBuffer(st Store) *Buffer { return &Buffer{st: st} }

// Add queues e, first putting what the buffer holds when e would take it
// over a bound.
func (b *Buffer) Add(ctx context.Context, e Entry) error {
	if err := CheckKey(e.Key); err != nil {
		return err
	}
	if len(b.entries) > 0 && (len(b.entries) == bufferEntries || b.bytes+len(e.Data) > bufferBytes) {
		if err := b.Flush(ctx); err != nil {
			return err
		}
	}
	b.entries = append(b.entries, e)
	b.bytes += len(e.Data)
	return nil
}

// Flush puts the objects the buffer holds.
func (b *Buffer) Flush(ctx context.Context) error {
	if len(b.entries) == 0 {
		return nil
	}
	err := PutAll(ctx, b.st, b.entries)
	if err == nil {
		b.Stored += len(b.entries)
	}
	clear(b.entries) // let the data go
	b.entries, b.bytes = b.entries[:0], 0
	return err
}

// TempRemover is implemented by stores that keep temporary files of puts
// (the folder store); S3 uploads are atomic and leave none.
type TempRemover interface {
	RemoveTemp(ctx context.Context, age time.Duration, now time.Time) (int, error)
}

// Credentials are the S3 access key pair; unused by file://.
type Credentials struct {
	AccessKey, SecretKey string
}

// Open opens the store rawURL names:
//
//	file:///abs/path or file://rel/path   a folder on this machine
//	s3://bucket?endpoint=http://host:9000&region=us-east-1
//
// An s3:// endpoint with an http scheme is reached without TLS (a store on
// the private network); https or a bare host uses TLS. Buckets are
// addressed by path, which every S3-compatible server accepts.
func Open(ctx context.Context, rawURL string, creds Credentials) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: APP_BLOB_URL is not a URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		dir := u.Path
		if u.Host != "" {
			dir = filepath.Join(u.Host, u.Path) // file://storage/blobs: a relative path
		}
		if dir == "" {
			return nil, errors.New("blob: file:// URL names no folder")
		}
		return OpenDir(filepath.FromSlash(dir))
	case "s3":
		return openS3(ctx, u, creds)
	default:
		return nil, fmt.Errorf("blob: APP_BLOB_URL scheme %q must be file or s3", u.Scheme)
	}
}

// FileURL is the file:// URL of folder dir.
func FileURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// CheckKey refuses keys that are not clean relative slash paths, or whose
// last element starts with a dot (the file store's temporary files).
func CheckKey(key string) error {
	if !fs.ValidPath(key) || key == "." || strings.Contains(key, "\\") {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	if strings.HasPrefix(key[strings.LastIndex(key, "/")+1:], ".") {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	return nil
}

// Copy copies every object of src whose key starts with prefix into dst,
// skipping objects dst already holds with the same size, and putting the
// others in groups (see Buffer). It returns how many objects it copied and
// how many it skipped; running it again copies nothing.
func Copy(ctx context.Context, dst, src Store, prefix string) (copied, skipped int, err error) {
	buf := NewBuffer(dst)
	err = src.List(ctx, prefix, func(o Object) error {
		if d, err := dst.Stat(ctx, o.Key); err == nil && d.Size == o.Size {
			skipped++
			return nil
		} else if err != nil && !errors.Is(err, ErrNotExist) {
			return err
		}
		b, err := src.Get(ctx, o.Key)
		if err != nil {
			return err
		}
		return buf.Add(ctx, Entry{Key: o.Key, Data: b})
	})
	if err == nil {
		err = buf.Flush(ctx)
	}
	return buf.Stored, skipped, err
}
