package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// SigningPassphrase opens the demo root CA's key and the demo kepala desa's
// signing key (the `kades` login). Like Password, it is public: demo keys
// sign nothing that matters.
const SigningPassphrase = "demo12345"

// RootName is the common name of the demo root CA.
const RootName = "Otoritas Sertifikat suratdesa DEMO Kabupaten Blitar"

// PKIResult says what SeedPKI did.
type PKIResult struct {
	RootCreated        bool
	CertificateCreated bool
	// Serial is the demo kepala desa's certificate serial (hex).
	Serial string
	// Skipped explains, in Indonesian, why no demo certificate could be
	// issued (a root CA that is not the demo one), or is "".
	Skipped string
}

// SeedPKI gives the demo village a working signature: the root CA (key
// sealed under SigningPassphrase) unless the deployment has one, and a
// signer certificate for the official linked to the `kades` login (key
// sealed under SigningPassphrase) unless that official has a usable one.
// The certificate is issued directly, as the CA holder's `app pki issue`
// does, and audited with the demo as approver; everywhere else an official
// enrols and the kabupaten admin approves. Running it again creates
// nothing. Seed must have run first.
func SeedPKI(ctx context.Context, st *store.Store, svc *issuance.Service, v *surat.Village) (*PKIResult, error) {
	res := &PKIResult{}
	switch _, err := st.ActiveRoot(ctx); {
	case errors.Is(err, surat.ErrNotFound):
		if _, err := svc.InitRoot(ctx, actor, RootName, SigningPassphrase); err != nil {
			return nil, fmt.Errorf("demo: root CA: %w", err)
		}
		res.RootCreated = true
	case err != nil:
		return nil, fmt.Errorf("demo: %w", err)
	}
	u, err := st.UserByUsername(ctx, "kades")
	if err != nil {
		return nil, fmt.Errorf("demo: user kades: %w", err)
	}
	if u.OfficialID == nil || u.VillageID == nil || *u.VillageID != v.ID {
		res.Skipped = "pengguna kades tidak terhubung dengan pejabat desa demo"
		return res, nil
	}
	c, err := st.ActiveCertificateForOfficial(ctx, v.ID, *u.OfficialID)
	switch {
	case err == nil:
		res.Serial = c.Serial
		return res, nil
	case !errors.Is(err, surat.ErrNotFound):
		return nil, fmt.Errorf("demo: %w", err)
	}
	c, err = svc.IssueCertificate(ctx, actor, v.ID, *u.OfficialID, SigningPassphrase, SigningPassphrase)
	if errors.Is(err, issuance.ErrWrongPassphrase) {
		res.Skipped = "root CA yang ada bukan root CA demo; terbitkan sertifikat dengan: app pki issue"
		return res, nil
	} else if err != nil {
		return nil, fmt.Errorf("demo: signer certificate: %w", err)
	}
	res.CertificateCreated, res.Serial = true, c.Serial
	return res, nil
}
