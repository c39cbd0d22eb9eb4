package verify

import (
	"context"
	"strings"
	"sync"
	"time"
)

// refCacheTTL is how long a village's or official's name is shown without
// reading it again. Names are display only (the letter's validity never
// depends on them) and change rarely, while every scan would otherwise
// pay two more queries.
const refCacheTTL = time.Minute

// maxCachedRefs bounds the cache; a deployment for a whole province has
// some 8,000 villages.
const maxCachedRefs = 20_000

// refCache holds villages and officials of the public page by id.
type refCache struct {
	mu        sync.Mutex
	villages  map[int64]cachedVillage
	officials map[int64]cachedOfficial
}

type cachedVillage struct {
	name, kecamatan, kabupaten, code string
	logoVersion                      string
	at                               time.Time
}

type cachedOfficial struct {
	name, office string
	at           time.Time
}

func fresh(at, now time.Time, ttl time.Duration) bool { return !now.Before(at) && now.Sub(at) < ttl }

func (rc *refCache) village(ctx context.Context, s *Service, id int64) (cachedVillage, error) {
	now := s.now()
	rc.mu.Lock()
	c, ok := rc.villages[id]
	rc.mu.Unlock()
	if ok && fresh(c.at, now, refCacheTTL) {
		return c, nil
	}
	vil, err := s.store.VillageByID(ctx, id)
	if err != nil {
		return cachedVillage{}, err
	}
	c = cachedVillage{name: strings.TrimSpace(vil.Sebutan + " " + vil.Name), kecamatan: "Kecamatan " + vil.Kecamatan,
		kabupaten: strings.TrimSpace(vil.SebutanKab + " " + vil.Kabupaten), code: vil.Code,
		logoVersion: logoVersion(vil.LogoPath), at: now}
	rc.mu.Lock()
	if rc.villages == nil || len(rc.villages) >= maxCachedRefs {
		rc.villages = make(map[int64]cachedVillage)
	}
	rc.villages[id] = c
	rc.mu.Unlock()
	return c, nil
}

func (rc *refCache) official(ctx context.Context, s *Service, villageID, id int64) (cachedOfficial, error) {
	now := s.now()
	rc.mu.Lock()
	c, ok := rc.officials[id]
	rc.mu.Unlock()
	if ok && fresh(c.at, now, refCacheTTL) {
		return c, nil
	}
	o, err := s.store.OfficialByID(ctx, villageID, id)
	if err != nil {
		return cachedOfficial{}, err
	}
	c = cachedOfficial{name: o.Name, office: o.Jabatan, at: now}
	rc.mu.Lock()
	if rc.officials == nil || len(rc.officials) >= maxCachedRefs {
		rc.officials = make(map[int64]cachedOfficial)
	}
	rc.officials[id] = c
	rc.mu.Unlock()
	return c, nil
}
