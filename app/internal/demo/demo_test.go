package demo

import (
	"context"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var fast = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

func TestSeedIsRealisticAndIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		st := storetest.Open(t, b, func() time.Time { return now })
		res, err := Seed(ctx, st, fast, now)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || res.Households != 60 || res.Residents < 180 || res.Residents > 230 {
			t.Errorf("seed: %+v, want 60 households and about 200 residents", res)
		}
		if res.UsersCreated != len(Logins) || res.Officials < 5 {
			t.Errorf("seed users %d officials %d", res.UsersCreated, res.Officials)
		}
		for _, r := range Residents(now) {
			if w := r.Resident.Warnings(); len(w) != 0 {
				t.Fatalf("demo resident %s has NIK warnings %v", r.Resident.Name, w)
			}
		}
		again, err := Seed(ctx, st, fast, now)
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.Residents != 0 || again.UsersCreated != 0 || again.ResidentsSeen != int64(res.Residents) {
			t.Errorf("second seed changed data: %+v", again)
		}
		page, err := st.SearchResidents(ctx, res.Village.ID, store.ResidentFilter{Dusun: "Karanganyar"})
		if err != nil || page.Total == 0 {
			t.Errorf("no residents in dusun Karanganyar: %v", err)
		}
		dead, _ := st.CountResidents(ctx, res.Village.ID, surat.LifeDead)
		moved, _ := st.CountResidents(ctx, res.Village.ID, surat.LifeMoved)
		if dead == 0 || moved == 0 {
			t.Errorf("dead %d moved %d: the demo should show both", dead, moved)
		}
		u, err := st.UserByUsername(ctx, "kades")
		if err != nil || u.OfficialID == nil || u.Role != surat.RoleSigner {
			t.Fatalf("kades: %+v %v", u, err)
		}
		if err := auth.Verify(Password, u.PasswordHash); err != nil {
			t.Errorf("kades password: %v", err)
		}
		settings, err := st.LetterSettings(ctx, res.Village.ID)
		if err != nil {
			t.Fatal(err)
		}
		var online []string
		for m, ls := range settings {
			if ls.Online && ls.Enabled {
				online = append(online, m)
			}
		}
		if len(online) != len(OnlineModules) {
			t.Errorf("modules offered online %v, want %v", online, OnlineModules)
		}
	})
}
