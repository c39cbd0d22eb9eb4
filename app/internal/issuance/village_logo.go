package issuance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// VillageLogo reads the logo printed in the kop of v's letters. v.LogoPath
// is relative to StorageDir: the settings page stores an uploaded logo,
// re-encoded as a PNG of at most 400 px, at logos/<village id>/<random
// hex>.png. It returns nil without error when the village has no logo or
// the file is gone (the kop is then printed without one), and an error when
// the file cannot be read, or the path leaves StorageDir.
func (s *Service) VillageLogo(v *surat.Village) ([]byte, error) {
	if v.LogoPath == "" {
		return nil, nil
	}
	root, err := os.OpenRoot(s.d.StorageDir)
	if err != nil {
		return nil, fmt.Errorf("issuance: storage directory: %w", err)
	}
	defer root.Close()
	b, err := root.ReadFile(v.LogoPath)
	if errors.Is(err, fs.ErrNotExist) {
		s.d.Log.Warn("village logo file missing", "village_id", v.ID)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuance: logo of village %d: %w", v.ID, err)
	}
	return b, nil
}
