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

// PutAll puts the entries as Put does, in three rounds: every temporary
// file is written, then every one is synced, then each is renamed into
// place and the folders holding them are synced. On a journalling file
// system (ext4, xfs) the first sync flushes the journal for all the files
// and the others find little left to do, where a put at a time flushed it
// once per file and made every other write wait for each flush. The
// renames are made durable by syncing each folder once. On an error the
// temporary files are removed; objects already renamed stay (the caller
// abandons their keys).
func (d *dirStore) PutAll(ctx context.Context, entries []Entry) (err error) {
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
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
		dir := path.Dir(e.Key)
		if err := r.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
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
	dirs := make(map[string]bool)
	for i, e := range entries {
		if err := r.Rename(temps[i], e.Key); err != nil {
			return fmt.Errorf("blob: put %s: %w", e.Key, err)
		}
		dirs[path.Dir(e.Key)] = true
	}
	for dir := range dirs {
		if err := syncDir(r, dir); err != nil {
			return fmt.Errorf("blob: put %s: %w", dir, err)
		}
	}
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
