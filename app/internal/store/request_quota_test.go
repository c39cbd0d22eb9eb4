package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestVillageUploadQuota: parallel uploads of a village's residents stop at
// the village's storage quota, and a cancelled request's attachments are
// deleted and free their bytes.
func TestVillageUploadQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.OpenQuota(t, b, fixedNow, store.RequestQuota{MaxOpen: 50, MaxRequestBytes: 1000, VillageBytes: 2500})
		e := newLetterEnv(t, st, "3505122001", "module")
		att := func(i int) surat.Attachment {
			return surat.Attachment{ContentType: "application/pdf", Size: 400, SHA256: fmt.Sprintf("%064d", i),
				Path: fmt.Sprintf("attachments/1/%032d", i)}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := []*surat.LetterRequest{}
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &surat.LetterRequest{ResidentID: e.resident.ID, SubjectResidentID: e.resident.ID, Module: "sk_domisili",
					FormData: `{"fields":{}}`}
				err := st.CreateRequest(ctx, e.village.ID, r, []surat.Attachment{att(i)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					created = append(created, r)
				case errors.Is(err, store.ErrVillageBytes), errors.Is(err, surat.ErrConflict):
				default:
					t.Errorf("request %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if len(created) != 6 { // 6 x 400 <= 2500 < 7 x 400
			t.Fatalf("%d requests with 400-byte attachments under a 2500-byte quota, want 6", len(created))
		}
		// One request may not pass its own byte limit either.
		err := st.AddAttachments(ctx, e.village.ID, e.resident.ID, created[0].ID, []surat.Attachment{att(100), att(101)})
		if !errors.Is(err, store.ErrRequestBytes) {
			t.Errorf("request over 1000 bytes: %v, want ErrRequestBytes", err)
		}
		// Cancelling gives the rows back to delete and frees the quota.
		_, removed, err := st.CancelRequest(ctx, e.village.ID, e.resident.ID, created[0].ID)
		if err != nil || len(removed) != 1 || !strings.HasPrefix(removed[0].Path, "attachments/") {
			t.Fatalf("cancel: %v, removed %+v", err, removed)
		}
		if as, _ := st.Attachments(ctx, e.village.ID, created[0].ID); len(as) != 0 {
			t.Errorf("cancelled request keeps %d attachment rows", len(as))
		}
		r := &surat.LetterRequest{ResidentID: e.resident.ID, SubjectResidentID: e.resident.ID, Module: "sk_domisili",
			FormData: `{"fields":{}}`}
		if err := st.CreateRequest(ctx, e.village.ID, r, []surat.Attachment{att(200)}); err != nil {
			t.Errorf("upload after a cancel freed the quota: %v", err)
		}
	})
}
