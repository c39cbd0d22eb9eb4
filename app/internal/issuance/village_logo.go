package issuance

import (
	"context"
	"errors"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// VillageLogo reads the logo printed in the kop of v's letters from the
// blob store: the settings page stores an uploaded logo, re-encoded as a
// PNG of at most 400 px, at logos/<village id>/<random hex>.png. It
// returns nil without error when the village has no logo or the object is
// gone (the kop is then printed without one), and an error when the store
// cannot be read.
func (s *Service) VillageLogo(ctx context.Context, v *surat.Village) ([]byte, error) {
	if v.LogoPath == "" {
		return nil, nil
	}
	b, err := s.d.Files.Get(ctx, v.LogoPath)
	if errors.Is(err, blob.ErrNotExist) {
		s.d.Log.Warn("village logo file missing", "village_id", v.ID)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuance: logo of village %d: %w", v.ID, err)
	}
	return b, nil
}

// Files is the blob store the service keeps PDFs in, for the logo upload
// and the attachment store to share.
func (s *Service) Files() *files.Keeper { return s.d.Files }
