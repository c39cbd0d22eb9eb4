package files_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// clock is a settable clock for the store's created_at.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// TestSweep: an old pending key whose row never committed loses its
// object; an old pending key that a committed row names keeps it; a young
// pending key (a transaction that may still commit) is left alone.
func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		ck := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
		st := storetest.Open(t, b, ck.Now)
		bs, err := blob.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		k := &files.Keeper{Blobs: bs, Store: st}
		v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
		if err := st.CreateVillage(ctx, surat.Actor{Username: "test"}, v); err != nil {
			t.Fatal(err)
		}
		orphan := files.NewKey("letters", v.ID, ".pdf")
		logo := files.NewKey("logos", v.ID, ".png")
		young := files.NewKey("attachments", v.ID, "")
		for _, key := range []string{orphan, logo} {
			if err := k.Stage(ctx, key, []byte(key)); err != nil {
				t.Fatal(err)
			}
		}
		// The logo's row commits, but (as after a crash between the two
		// statements of an older version) its key stays pending.
		v.LogoPath = logo
		if err := st.UpdateVillage(ctx, surat.Actor{Username: "test"}, v); err != nil {
			t.Fatal(err)
		}
		if err := st.AddPendingBlobs(ctx, []string{logo}); err != nil {
			t.Fatal(err)
		}
		ck.t = ck.t.Add(2 * time.Hour)
		if err := k.Stage(ctx, young, []byte("young")); err != nil {
			t.Fatal(err)
		}
		n, err := k.Sweep(ctx, time.Hour, ck.t)
		if err != nil || n != 1 {
			t.Fatalf("sweep deleted %d, %v; want 1", n, err)
		}
		if _, err := bs.Get(ctx, orphan); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("orphan: %v, want deleted", err)
		}
		for _, key := range []string{logo, young} {
			if _, err := bs.Get(ctx, key); err != nil {
				t.Errorf("%s: %v, want kept", key, err)
			}
		}
		left, err := st.PendingBlobs(ctx, ck.t.Add(time.Hour), 10)
		if err != nil || len(left) != 1 || left[0] != young {
			t.Errorf("pending after sweep: %v %v, want only the young key", left, err)
		}
		// The committing transaction clears a key: UpdateVillage with the
		// logo cleared the logo's earlier, so stage a new one and commit it.
		logo2 := files.NewKey("logos", v.ID, ".png")
		if err := k.Stage(ctx, logo2, []byte("2")); err != nil {
			t.Fatal(err)
		}
		v.LogoPath = logo2
		if err := st.UpdateVillage(ctx, surat.Actor{Username: "test"}, v); err != nil {
			t.Fatal(err)
		}
		if left, _ := st.PendingBlobs(ctx, ck.t.Add(time.Hour), 10); len(left) != 1 {
			t.Errorf("pending after commit: %v, want only the young key", left)
		}
		// Abandon keeps a file a committed row names.
		k.Abandon(ctx, logo2, young)
		if _, err := bs.Get(ctx, logo2); err != nil {
			t.Errorf("abandon deleted a committed logo: %v", err)
		}
		if _, err := bs.Get(ctx, young); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("abandoned attachment: %v, want deleted", err)
		}
	})
}
