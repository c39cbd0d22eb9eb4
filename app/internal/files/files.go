// Package files keeps the application's files (signed PDFs, attachments,
// logos) in the blob store so that the database and the store agree after
// any crash: no committed row without its object, and no object without a
// row that is not eventually deleted.
//
// A write records its keys as pending in the database (Reserve), puts the
// objects under their final keys (PutAll; Stage does both for one), and
// the transaction that commits the rows naming them clears the pending
// keys (package store does that).
// When the transaction fails the caller Abandons the keys; when the process
// dies instead, Sweep deletes the objects later.
package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strconv"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/store"
)

// DefaultSweepAge is how old a pending key must be before Sweep deletes its
// object: far longer than any signing transaction runs.
const DefaultSweepAge = time.Hour

// Keeper is the blob store together with the database's pending list. It is
// safe for concurrent use.
type Keeper struct {
	Blobs blob.Store
	Store *store.Store
	Log   *slog.Logger // nil discards
}

func (k *Keeper) log() *slog.Logger {
	if k.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return k.Log
}

// NewKey returns a fresh random key dir/<village id>/<32 hex><ext>, never
// naming a person.
func NewKey(dir string, villageID int64, ext string) string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return path.Join(dir, strconv.FormatInt(villageID, 10), hex.EncodeToString(b)+ext)
}

// Reserve records keys as pending before their objects are put; call it
// before the transaction that will commit the rows begins.
func (k *Keeper) Reserve(ctx context.Context, keys ...string) error {
	if err := k.Store.AddPendingBlobs(ctx, keys); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	return nil
}

// PutAll writes objects under reserved keys, together: the folder store
// writes them all before syncing any (blob.PutAll).
func (k *Keeper) PutAll(ctx context.Context, entries []blob.Entry) error {
	return blob.PutAll(ctx, k.Blobs, entries)
}

// Stage reserves key and puts data under it: a file whose row the caller
// commits next.
func (k *Keeper) Stage(ctx context.Context, key string, data []byte) error {
	if err := k.Reserve(ctx, key); err != nil {
		return err
	}
	if err := k.Blobs.Put(ctx, key, data); err != nil {
		k.Abandon(ctx, key)
		return err
	}
	return nil
}

// Get reads an object; a missing one is blob.ErrNotExist.
func (k *Keeper) Get(ctx context.Context, key string) ([]byte, error) {
	return k.Blobs.Get(ctx, key)
}

// Abandon deletes the objects of keys whose transaction did not commit, and
// their pending entries. A key that a committed row names after all (a
// commit whose answer was lost) is kept. Failures are logged; the sweep
// deletes what is left.
func (k *Keeper) Abandon(ctx context.Context, keys ...string) {
	ctx = context.WithoutCancel(ctx)
	for _, key := range keys {
		if err := k.release(ctx, key); err != nil {
			k.log().Warn("abandon unstored file", "key", key, "err", err)
		}
	}
}

// Remove deletes an object no row names any more (a replaced logo, a
// cancelled request's attachment). A missing object is not an error.
func (k *Keeper) Remove(ctx context.Context, key string) error {
	return k.Blobs.Delete(ctx, key)
}

func (k *Keeper) release(ctx context.Context, key string) error {
	used, err := k.Store.BlobReferenced(ctx, key)
	if err != nil {
		return err
	}
	if !used {
		if err := k.Blobs.Delete(ctx, key); err != nil {
			return err
		}
	}
	return k.Store.DropPendingBlob(ctx, key)
}

// Sweep deletes the objects of pending keys recorded more than age ago
// whose rows do not exist, and clears those keys. It returns how many
// objects it deleted.
func (k *Keeper) Sweep(ctx context.Context, age time.Duration, now time.Time) (int, error) {
	deleted := 0
	if tr, ok := k.Blobs.(blob.TempRemover); ok {
		n, err := tr.RemoveTemp(ctx, age, now)
		if err != nil {
			return 0, fmt.Errorf("files: sweep temporary files: %w", err)
		}
		deleted += n
	}
	for {
		keys, err := k.Store.PendingBlobs(ctx, now.Add(-age), 500)
		if err != nil {
			return deleted, fmt.Errorf("files: sweep: %w", err)
		}
		if len(keys) == 0 {
			return deleted, nil
		}
		for _, key := range keys {
			used, err := k.Store.BlobReferenced(ctx, key)
			if err != nil {
				return deleted, fmt.Errorf("files: sweep: %w", err)
			}
			if !used {
				if err := k.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, blob.ErrNotExist) {
					return deleted, fmt.Errorf("files: sweep: %w", err)
				}
				deleted++
				k.log().Info("deleted orphan file", "key", key)
			}
			if err := k.Store.DropPendingBlob(ctx, key); err != nil {
				return deleted, fmt.Errorf("files: sweep: %w", err)
			}
		}
		if len(keys) < 500 {
			return deleted, nil
		}
	}
}
