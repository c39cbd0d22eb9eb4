package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// dirStore keeps objects as files under one folder.
type dirStore struct {
	dir string
}

// OpenDir opens (creating it 0700) the folder dir as a store.
func OpenDir(dir string) (Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: folder %s: %w", dir, err)
	}
	return &dirStore{dir: dir}, nil
}

func (d *dirStore) String() string { return FileURL(d.dir) }

func (d *dirStore) root() (*os.Root, error) {
	r, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, fmt.Errorf("blob: folder %s: %w", d.dir, err)
	}
	return r, nil
}

// Put writes a temporary file beside the object, syncs it and renames it
// into place, so a reader or a crash never sees half an object.
func (d *dirStore) Put(ctx context.Context, key string, data []byte) error {
	return d.PutAll(ctx, []Entry{{Key: key, Data: data}})
}

// putAllGroup bounds the files PutAll holds open at once.
const putAllGroup = 64

// PutAll puts the entries as Put does, in rounds: every temporary file is
// written, then every one is synced, then each is renamed into place and
// the folders that changed are synced. Synced together, the first sync
// commits the journal with every file's creation and each later one has
// only its own data left to write: on this project's ext4 test machine 25
// files of 20 KB synced in 8-9 ms, against 16-33 ms put one at a time, and
// the signers' next files no longer wait behind each other's syncs. The
// folders holding the objects, and the parents of folders that were
// created, are synced once each, so the renames and new folders are
// durable too. It stops at the first error: the temporary files of the
// group are removed, and objects already renamed stay (the caller abandons
// their keys).
func (d *dirStore) PutAll(ctx context.Context, entries []Entry) error {
	for _, e := range entries {
		if err := CheckKey(e.Key); err != nil {
			return err
		}
	}
	r, err := d.root()
	if err != nil {
		return err
	}
	defer r.Close()
	for len(entries) > 0 {
		n := min(putAllGroup, len(entries))
		if err := putGroup(ctx, r, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// putGroup is PutAll for at most putAllGroup entries.
func putGroup(ctx context.Context, r *os.Root, entries []Entry) (err error) {
	temps := make([]string, 0, len(entries))
	defer func() {
		if err != nil {
			for _, t := range temps {
				r.Remove(t)
			}
		}
	}()
	files := make([]*os.File, 0, len(entries))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	// sync holds the folders to sync at the end: those the objects are
	// renamed into, and the parent of each folder created here.
	sync := make(map[string]bool)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
		dir := path.Dir(e.Key)
		if !sync[dir] {
			if err := mkdirAll(r, dir, sync); err != nil {
				return fmt.Errorf("blob: put %s: %w", e.Key, err)
			}
			sync[dir] = true
		}
		tmp := path.Join(dir, "."+path.Base(e.Key)+".tmp-"+randomSuffix())
		f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
		temps, files = append(temps, tmp), append(files, f)
		if _, err := f.Write(e.Data); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
	}
	for i, f := range files {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("blob: put %s: %w", entries[i].Key, err)
		}
	}
	for i, f := range files {
		files[i] = nil
		if err := f.Close(); err != nil {
			return fmt.Errorf("blob: put %s: %w", entries[i].Key, err)
		}
	}
	files = files[:0]
	for i, e := range entries {
		if err := r.Rename(temps[i], e.Key); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
	}
	for dir := range sync {
		if err := syncDir(r, dir); err != nil {
			return fmt.Errorf("blob: put %s: %w", dir, err)
		}
	}
	return nil
}

// mkdirAll makes folder dir of r and its missing parents (0700), adding
// the parent of each folder it creates to sync.
func mkdirAll(r *os.Root, dir string, sync map[string]bool) error {
	if dir == "." {
		return nil
	}
	fi, err := r.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := path.Dir(dir)
	if err := mkdirAll(r, parent, sync); err != nil {
		return err
	}
	if err := r.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	sync[parent] = true
	return nil
}

// syncDir syncs folder dir of r, making the renames into it durable.
func syncDir(r *os.Root, dir string) error {
	f, err := r.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (d *dirStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	r, err := d.root()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := r.ReadFile(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: get %s: %w", key, ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return b, nil
}

func (d *dirStore) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	r, err := d.root()
	if err != nil {
		return Object{}, err
	}
	defer r.Close()
	fi, err := r.Stat(key)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return Object{}, fmt.Errorf("blob: stat %s: %w", key, ErrNotExist)
	} else if err != nil {
		return Object{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

func (d *dirStore) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	r, err := d.root()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// List walks the folder; temporary files of unfinished puts (dot files)
// are not objects.
func (d *dirStore) List(ctx context.Context, prefix string, fn func(Object) error) error {
	err := filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile
		} else if err != nil {
			return err
		}
		return fn(Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("blob: list %s: %w", prefix, err)
	}
	return nil
}

func (d *dirStore) Ping(ctx context.Context) error {
	fi, err := os.Stat(d.dir)
	if err != nil {
		return fmt.Errorf("blob: folder %s: %w", d.dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("blob: %s is not a folder", d.dir)
	}
	return nil
}

// RemoveTemp deletes the temporary files of puts that a crash interrupted,
// once older than age (a put in progress is seconds old). It returns how
// many it deleted.
func (d *dirStore) RemoveTemp(ctx context.Context, age time.Duration, now time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasPrefix(e.Name(), ".") || !strings.Contains(e.Name(), ".tmp-") {
			return nil
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < age {
			return nil
		}
		if err := os.Remove(p); err == nil {
			n++
		}
		return nil
	})
	return n, err
}
