package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/blob/blobtest"
)

// backends runs fn on a file store and, when a server is available, on S3.
func backends(t *testing.T, fn func(t *testing.T, st blob.Store)) {
	t.Run("file", func(t *testing.T) {
		st, err := blob.Open(context.Background(), blob.FileURL(t.TempDir()), blob.Credentials{})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, st)
	})
	t.Run("s3", func(t *testing.T) {
		st, _ := blobtest.S3(t).Open(t)
		fn(t, st)
	})
}

func TestStoreRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		if err := st.Ping(ctx); err != nil {
			t.Fatalf("ping: %v", err)
		}
		if _, err := st.Get(ctx, "letters/1/missing.pdf"); !errors.Is(err, blob.ErrNotExist) {
			t.Fatalf("get missing: got %v, want ErrNotExist", err)
		}
		if _, err := st.Stat(ctx, "letters/1/missing.pdf"); !errors.Is(err, blob.ErrNotExist) {
			t.Fatalf("stat missing: got %v, want ErrNotExist", err)
		}
		body := bytes.Repeat([]byte("%PDF-1.7 "), 1000)
		if err := st.Put(ctx, "letters/1/a.pdf", body); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, "logos/1/b.png", []byte("png")); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, "letters/1/a.pdf")
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("get: %d bytes, %v; want %d bytes", len(got), err, len(body))
		}
		o, err := st.Stat(ctx, "letters/1/a.pdf")
		if err != nil || o.Size != int64(len(body)) {
			t.Fatalf("stat: %+v %v", o, err)
		}
		// Put replaces.
		if err := st.Put(ctx, "logos/1/b.png", []byte("png2")); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Get(ctx, "logos/1/b.png"); string(got) != "png2" {
			t.Fatalf("after replace got %q", got)
		}
		var keys []string
		if err := st.List(ctx, "", func(o blob.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		sort.Strings(keys)
		if fmt.Sprint(keys) != "[letters/1/a.pdf logos/1/b.png]" {
			t.Fatalf("list: got %v", keys)
		}
		keys = nil
		st.List(ctx, "logos/", func(o blob.Object) error { keys = append(keys, o.Key); return nil })
		if fmt.Sprint(keys) != "[logos/1/b.png]" {
			t.Fatalf("list logos/: got %v", keys)
		}
		if err := st.Delete(ctx, "letters/1/a.pdf"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "letters/1/a.pdf"); err != nil {
			t.Fatalf("delete twice: %v", err)
		}
		if _, err := st.Get(ctx, "letters/1/a.pdf"); !errors.Is(err, blob.ErrNotExist) {
			t.Fatalf("get deleted: %v", err)
		}
	})
}

func TestStoreRefusesBadKeys(t *testing.T) {
	backends(t, func(t *testing.T, st blob.Store) {
		for _, k := range []string{"", "/abs", "../up", "a/../../b", "a/./b", "a\\b", "letters/.hidden", "a//b"} {
			if err := st.Put(context.Background(), k, []byte("x")); err == nil {
				t.Errorf("put %q: got nil error", k)
			}
			if _, err := st.Get(context.Background(), k); err == nil || errors.Is(err, blob.ErrNotExist) {
				t.Errorf("get %q: got %v, want an invalid-key error", k, err)
			}
		}
	})
}

// Many writers replacing one key and many readers: a reader sees one whole
// version, never a mix.
func TestStoreConcurrentPutsAreWhole(t *testing.T) {
	backends(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		versions := make([][]byte, 8)
		for i := range versions {
			versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
		}
		st.Put(ctx, "k/obj", versions[0])
		var wg sync.WaitGroup
		errc := make(chan error, 64)
		for i := range versions {
			wg.Go(func() {
				if err := st.Put(ctx, "k/obj", versions[i]); err != nil {
					errc <- err
				}
			})
			wg.Go(func() {
				b, err := st.Get(ctx, "k/obj")
				if err != nil {
					errc <- err
					return
				}
				if len(b) != len(versions[0]) || !bytes.Equal(b, bytes.Repeat(b[:1], len(b))) {
					errc <- fmt.Errorf("read a mixed or short object of %d bytes", len(b))
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
	})
}

func TestFileStoreModesAndTempFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	st, err := blob.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Put(ctx, "attachments/3/x", []byte("data")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "attachments", "3", "x"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("object mode: %v %v, want 0600", fi.Mode(), err)
	}
	di, _ := os.Stat(filepath.Join(dir, "attachments"))
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, want 0700", di.Mode())
	}
	// A temporary file left by a crash in the middle of a put is no object.
	os.WriteFile(filepath.Join(dir, "attachments", "3", ".y.tmp-1"), []byte("half"), 0o600)
	n := 0
	st.List(ctx, "", func(blob.Object) error { n++; return nil })
	if n != 1 {
		t.Fatalf("listed %d objects, want 1", n)
	}
}

func TestCopyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	src, _ := blob.OpenDir(t.TempDir())
	for i := range 5 {
		src.Put(ctx, fmt.Sprintf("letters/1/%d.pdf", i), []byte(fmt.Sprint("pdf", i)))
	}
	backends(t, func(t *testing.T, dst blob.Store) {
		c, s, err := blob.Copy(ctx, dst, src, "")
		if err != nil || c != 5 || s != 0 {
			t.Fatalf("first copy: copied %d skipped %d err %v; want 5 0", c, s, err)
		}
		c, s, err = blob.Copy(ctx, dst, src, "")
		if err != nil || c != 0 || s != 5 {
			t.Fatalf("second copy: copied %d skipped %d err %v; want 0 5", c, s, err)
		}
		if b, _ := dst.Get(ctx, "letters/1/3.pdf"); string(b) != "pdf3" {
			t.Fatalf("copied object: %q", b)
		}
	})
}

// PutAll stores every entry whole, on both backends; on the folder store a
// batch that fails part-way leaves no temporary file behind.
func TestPutAll(t *testing.T) {
	backends(t, func(t *testing.T, st blob.Store) {
		ctx := context.Background()
		var entries []blob.Entry
		for i := range 30 {
			entries = append(entries, blob.Entry{Key: fmt.Sprintf("letters/%d/%02d.pdf", 1+i%2, i),
				Data: bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i)})
		}
		if err := blob.PutAll(ctx, st, entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if got, err := st.Get(ctx, e.Key); err != nil || !bytes.Equal(got, e.Data) {
				t.Fatalf("get %s: %d bytes, %v; want %d bytes", e.Key, len(got), err, len(e.Data))
			}
		}
		if err := blob.PutAll(ctx, st, []blob.Entry{{Key: "ok/1", Data: []byte("x")}, {Key: "../up", Data: []byte("x")}}); err == nil {
			t.Fatal("a batch with a bad key: got nil error")
		}
	})
	t.Run("file failure", func(t *testing.T) {
		dir := t.TempDir()
		st, err := blob.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		// "letters/1" is a folder holding an object: renaming a file onto
		// it fails after the other entries' files were written.
		if err := st.Put(ctx, "letters/1/old.pdf", []byte("old")); err != nil {
			t.Fatal(err)
		}
		err = blob.PutAll(ctx, st, []blob.Entry{{Key: "letters/2/a.pdf", Data: []byte("a")},
			{Key: "letters/1", Data: []byte("b")}, {Key: "letters/2/c.pdf", Data: []byte("c")}})
		if err == nil || !strings.Contains(err.Error(), "letters/1") {
			t.Fatalf("got %v, want an error naming letters/1", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := blob.PutAll(cancelled, st, []blob.Entry{{Key: "letters/3/a.pdf", Data: []byte("a")}}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: got %v", err)
		}
		var temps []string
		filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err == nil && strings.Contains(e.Name(), ".tmp-") {
				temps = append(temps, p)
			}
			return nil
		})
		if len(temps) > 0 {
			t.Fatalf("temporary files left: %v", temps)
		}
		if got, err := st.Get(ctx, "letters/1/old.pdf"); err != nil || string(got) != "old" {
			t.Fatalf("the object in the way: %q %v", got, err)
		}
	})
}

// groupRecorder is a real store that also notes the size of each PutAll
// group it is given.
type groupRecorder struct {
	blob.Store
	mu     sync.Mutex
	groups [][2]int // entries, bytes
}

func (g *groupRecorder) PutAll(ctx context.Context, entries []blob.Entry) error {
	n := 0
	for _, e := range entries {
		n += len(e.Data)
	}
	g.mu.Lock()
	g.groups = append(g.groups, [2]int{len(entries), n})
	g.mu.Unlock()
	return g.Store.(blob.BatchPutter).PutAll(ctx, entries)
}

// A Buffer puts everything it is given, in groups of at most 64 objects
// or 16 MiB, and an object over 16 MiB alone.
func TestBuffer(t *testing.T) {
	ctx := context.Background()
	dir, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := &groupRecorder{Store: dir}
	buf := blob.NewBuffer(st)
	var want []blob.Entry
	add := func(key string, size int) {
		e := blob.Entry{Key: key, Data: bytes.Repeat([]byte{byte(len(want))}, size)}
		want = append(want, e)
		if err := buf.Add(ctx, e); err != nil {
			t.Fatalf("add %s: %v", key, err)
		}
	}
	for i := range 150 {
		add(fmt.Sprintf("letters/1/%03d.pdf", i), 1000)
	}
	for i := range 6 {
		add(fmt.Sprintf("attachments/1/%d.jpg", i), 5<<20)
	}
	add("attachments/1/huge.pdf", 17<<20)
	add("letters/1/last.pdf", 10)
	if err := buf.Add(ctx, blob.Entry{Key: "../escape", Data: []byte("x")}); err == nil {
		t.Fatal("a bad key: got nil error")
	}
	if err := buf.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if buf.Stored != len(want) {
		t.Fatalf("Stored = %d, want %d", buf.Stored, len(want))
	}
	for _, e := range want {
		if got, err := dir.Get(ctx, e.Key); err != nil || !bytes.Equal(got, e.Data) {
			t.Fatalf("get %s: %d bytes, %v; want %d bytes", e.Key, len(got), err, len(e.Data))
		}
	}
	total := 0
	for _, g := range st.groups {
		total += g[0]
		if g[0] > 64 || (g[1] > 16<<20 && g[0] != 1) {
			t.Errorf("a group of %d objects, %d bytes", g[0], g[1])
		}
	}
	if total != len(want) || len(st.groups) > 8 {
		t.Errorf("%d groups holding %d objects; want %d objects in at most 8 groups: %v", len(st.groups), total, len(want), st.groups)
	}
}

// BenchmarkCopy is `app storage migrate` between two folder stores: 1,000
// signed letters of 20 KB per op.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src, err := blob.OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if err := src.Put(ctx, fmt.Sprintf("letters/%d/%04d.pdf", 1+i%3, i), bytes.Repeat([]byte{byte(i)}, 20<<10)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		dst, err := blob.OpenDir(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if c, _, err := blob.Copy(ctx, dst, src, ""); err != nil || c != 1000 {
			b.Fatalf("copied %d, %v", c, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/1000-files")
}
