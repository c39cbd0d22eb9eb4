package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestVerifyAuditChainFindsTampering changes, removes and cuts off audit
// rows behind the store's back, as someone with database access would, and
// expects the check to name the first entry that no longer fits.
func TestVerifyAuditChainFindsTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		other := newVillage(t, st, "3505122002", "Sumberagung")
		for range 11 {
			if err := st.CreateOfficial(ctx, admin, v.ID, &surat.Official{Name: "Perangkat", Jabatan: "Kaur", Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.CreateOfficial(ctx, admin, other.ID, &surat.Official{Name: "Lain", Jabatan: "Kaur", Active: true}); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open(string(b), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ids := func() []int64 {
			rows, err := db.Query("SELECT id FROM audit_log WHERE village_id = ? ORDER BY id", v.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ids []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			return ids
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		check := func(batch int) store.AuditCheck {
			t.Helper()
			c, err := store.VerifyAuditChainBatch(st, ctx, v.ID, batch)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		all := ids() // the village's creation and its 11 officials
		if len(all) != 12 {
			t.Fatalf("village chain has %d entries, want 12", len(all))
		}
		for _, batch := range []int{1000, 5, 1} {
			if c := check(batch); !c.Intact() || c.Entries != 12 {
				t.Errorf("batch %d: untouched chain = %+v, want intact with 12 entries", batch, c)
			}
		}

		// A changed column breaks that entry's own hash.
		exec("UPDATE audit_log SET detail = 'diubah' WHERE id = ?", all[6])
		for _, batch := range []int{1000, 5} {
			c := check(batch)
			if c.FirstBad == nil || c.FirstBad.ID != all[6] || c.Entries != 7 {
				t.Errorf("batch %d: after changing entry %d: %+v", batch, all[6], c)
			}
		}
		if c, err := st.VerifyAuditChain(ctx, other.ID); err != nil || !c.Intact() || c.Entries != 2 {
			t.Errorf("the other village's chain = %+v %v, want intact with 2 entries", c, err)
		}

		// A removed entry breaks the link of the one after it.
		exec("DELETE FROM audit_log WHERE id IN (?, ?)", all[6], all[3])
		if c := check(5); c.FirstBad == nil || c.FirstBad.ID != all[4] || c.Entries != 4 {
			t.Errorf("after removing entry %d: %+v, want first bad %d", all[3], c, all[4])
		}

		// Entries cut off the end leave every link intact, but not the head.
		exec("DELETE FROM audit_log WHERE village_id = ? AND id >= ?", v.ID, all[3])
		if c := check(5); c.FirstBad != nil || !c.Truncated || c.Entries != 3 {
			t.Errorf("after cutting the chain at %d: %+v, want truncated", all[3], c)
		}
	})
}
