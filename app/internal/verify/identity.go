package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// logoVersion names a village's logo file (the settings page stores each
// upload under a new random name), "" for none.
func logoVersion(path string) string {
	if path == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:6])
}

// LogoVersion is logoVersion of a village's stored logo path, for the
// handler that serves the logo to check a versioned URL against.
func LogoVersion(path string) string { return logoVersion(path) }

// VillageChoice is a village as the letter lookup by number offers it.
type VillageChoice struct {
	Code  string // kode desa
	Label string // "Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar"
}

// villageListCache holds the deployment's villages for a minute.
type villageListCache struct {
	mu   sync.Mutex
	list []VillageChoice
	at   time.Time
}

// Villages lists the deployment's villages by name, from a one-minute
// cache: the lookup by number asks which village issued the letter when
// there is more than one.
func (s *Service) Villages(ctx context.Context) ([]VillageChoice, error) {
	now := s.now()
	c := &s.villages
	c.mu.Lock()
	list, at := c.list, c.at
	c.mu.Unlock()
	if list != nil && fresh(at, now, refCacheTTL) {
		return list, nil
	}
	vs, err := s.store.Villages(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: villages: %w", err)
	}
	list = make([]VillageChoice, len(vs))
	for i, v := range vs {
		list[i] = VillageChoice{Code: v.Code, Label: strings.TrimSpace(v.Sebutan+" "+v.Name) + ", Kecamatan " +
			v.Kecamatan + ", " + strings.TrimSpace(v.SebutanKab+" "+v.Kabupaten)}
	}
	c.mu.Lock()
	c.list, c.at = list, now
	c.mu.Unlock()
	return list, nil
}
