package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestNewRequiresStoreAndCatalogue(t *testing.T) {
	cat, _ := shared()
	st := storetest.Open(t, storetest.SQLite, nil)
	for name, d := range map[string]Deps{"no store": {Catalogue: cat}, "no catalogue": {Store: st}} {
		if _, err := New(d); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// TestLookupStatus drives letters through their lives with the issuance
// service and checks the status and facts the public sees at each point.
func TestLookupStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		month := 40 * 24 * time.Hour // sk_domisili is valid for one month

		tests := []struct {
			name string
			// code prepares a letter and returns its code; it may move
			// the clock, which the test puts back afterwards.
			code       func(t *testing.T) string
			want       Status
			revoked    bool                   // RevokedAt is set
			reason     surat.RevocationReason // Reason
			replaced   bool                   // Replacement is the code of a signed letter
			clockAfter time.Duration
		}{
			{name: "signed", want: Authentic,
				code: func(t *testing.T) string { return *e.signed(t).VerifyCode }},
			{name: "past its validity", want: Expired, clockAfter: month,
				code: func(t *testing.T) string { return *e.signed(t).VerifyCode }},
			{name: "revoked", want: Revoked, revoked: true, reason: surat.ReasonDataError,
				code: func(t *testing.T) string {
					l := e.signed(t)
					if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID,
						surat.Revocation{Reason: surat.ReasonDataError, Note: "Salah tulis alamat"}); err != nil {
						t.Fatal(err)
					}
					return *l.VerifyCode
				}},
			{name: "revoked, then past its validity", want: Revoked, revoked: true, reason: surat.ReasonApplicantRequest,
				clockAfter: month,
				code: func(t *testing.T) string {
					l := e.signed(t)
					if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID,
						surat.Revocation{Reason: surat.ReasonApplicantRequest}); err != nil {
						t.Fatal(err)
					}
					return *l.VerifyCode
				}},
			{name: "replacement still a draft", want: Authentic,
				code: func(t *testing.T) string {
					l := e.signed(t)
					if _, err := e.iss.Replace(e.ctx, e.operator, e.village.ID, l.ID); err != nil {
						t.Fatal(err)
					}
					return *l.VerifyCode
				}},
			{name: "replaced", want: Replaced, revoked: true, replaced: true, reason: surat.ReasonReplaced,
				code: func(t *testing.T) string {
					l := e.signed(t)
					d, err := e.iss.Replace(e.ctx, e.operator, e.village.ID, l.ID)
					if err != nil {
						t.Fatal(err)
					}
					e.signDraft(t, d)
					return *l.VerifyCode
				}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code := tc.code(t)
				e.clock.Advance(tc.clockAfter)
				defer e.clock.Advance(-tc.clockAfter)
				r := e.lookup(t, code)
				if r.Status != tc.want {
					t.Errorf("status %s, want %s", r.Status, tc.want)
				}
				if r.Code != code {
					t.Errorf("code %s, want %s", r.Code, code)
				}
				if got := r.RevokedAt != nil; got != tc.revoked {
					t.Errorf("revoked at %v, want set: %v", r.RevokedAt, tc.revoked)
				}
				if r.Reason != tc.reason {
					t.Errorf("reason %q, want %q", r.Reason, tc.reason)
				}
				if tc.replaced {
					nr := e.lookup(t, r.Replacement)
					if nr.Status != Authentic {
						t.Errorf("replacement %s is %s, want ASLI", r.Replacement, nr.Status)
					}
				} else if r.Replacement != "" {
					t.Errorf("replacement %q, want none", r.Replacement)
				}
				if r.Status.Sentence() == "" {
					t.Errorf("no sentence for %s", r.Status)
				}
			})
		}
	})
}

// TestLookupFacts checks every fact of a signed letter against the
// database and what must not be there.
func TestLookupFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		l := e.signed(t)
		r := e.lookup(t, *l.VerifyCode)
		root, err := e.st.ActiveRoot(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		v := e.village
		for name, pair := range map[string][2]string{
			"module":       {r.Module, "sk_domisili"},
			"letter type":  {r.LetterType, "Surat Keterangan Domisili"},
			"number":       {r.Number, l.NumberString()},
			"village":      {r.VillageName, v.Sebutan + " " + v.Name},
			"kecamatan":    {r.Kecamatan, "Kecamatan " + v.Kecamatan},
			"kabupaten":    {r.Kabupaten, v.SebutanKab + " " + v.Kabupaten},
			"village code": {r.VillageCode, v.Code},
			"signer":       {r.SignerName, e.official.Name},
			"office":       {r.SignerOffice, e.official.Jabatan},
			"subject":      {r.SubjectMasked, MaskName(e.resident.Name)},
			"pdf sha256":   {r.PDFSHA256, l.PDFSHA256},
			"root":         {r.Root.Fingerprint, root.Fingerprint},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
			}
		}
		if !r.IssuedAt.Equal(*l.IssuedAt) || !r.SignedAt.Equal(*l.SignedAt) || r.ValidUntil == nil || !r.ValidUntil.Equal(*l.ValidUntil) {
			t.Errorf("issued %v signed %v valid until %v, want %v %v %v", r.IssuedAt, r.SignedAt, r.ValidUntil,
				*l.IssuedAt, *l.SignedAt, *l.ValidUntil)
		}
		c := r.Cert
		if c == nil || c.Serial != e.cert.Serial || c.Fingerprint != e.cert.Fingerprint ||
			!c.NotBefore.Equal(e.cert.NotBefore) || !c.NotAfter.Equal(e.cert.NotAfter) || c.RevokedAt != nil ||
			c.RevokedAfterSigning || c.State() != "Tidak dicabut" {
			t.Fatalf("certificate %+v, want %+v unrevoked", c, e.cert)
		}
		for _, w := range strings.Fields(e.resident.Name) {
			if len(w) > 1 && strings.Contains(r.SubjectMasked, w) {
				t.Errorf("masked subject %q shows %q", r.SubjectMasked, w)
			}
		}

		// Revoking the certificate after the signing leaves the letter
		// ASLI and says so.
		e.clock.Advance(time.Hour)
		if _, err := e.iss.RevokeCertificate(e.ctx, e.admin, e.village.ID, e.cert.ID, "Kepala desa berganti"); err != nil {
			t.Fatal(err)
		}
		r = e.lookup(t, *l.VerifyCode)
		if r.Status != Authentic || r.Cert.RevokedAt == nil || !r.Cert.RevokedAfterSigning {
			t.Fatalf("after certificate revocation: %s, certificate %+v", r.Status, r.Cert)
		}
		if s := r.Cert.State(); !strings.HasPrefix(s, "Dicabut pada "+TimeWIB(*r.Cert.RevokedAt)) ||
			!strings.Contains(s, "setelah surat ini ditandatangani") {
			t.Errorf("certificate state %q", s)
		}
	})
}

func TestLookupNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		l := e.signed(t)
		unknown := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		if unknown == *l.VerifyCode {
			t.Skip("astronomically unlikely")
		}
		for _, code := range []string{unknown, strings.ToLower(*l.VerifyCode), "", "ABC", "' OR 1=1 --"} {
			if r, err := e.svc.Lookup(e.ctx, code); !errors.Is(err, surat.ErrNotFound) {
				t.Errorf("Lookup(%q) = %+v, %v; want ErrNotFound", code, r, err)
			}
		}
	})
}

// TestDecideStatus is the status of every letter state, before and after
// the end of its validity.
func TestDecideStatus(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Second)
	want := map[surat.LetterStatus][3]Status{ // no end, ended, not ended
		surat.LetterSigned:   {Authentic, Expired, Authentic},
		surat.LetterRevoked:  {Revoked, Revoked, Revoked},
		surat.LetterReplaced: {Replaced, Replaced, Replaced},
	}
	for _, st := range append(surat.LetterStatuses(), "unknown") {
		for i, until := range []*time.Time{nil, &past, &future} {
			got, err := decideStatus(st, until, now)
			w, public := want[st]
			switch {
			case !public && !errors.Is(err, surat.ErrNotFound):
				t.Errorf("%s (validity %d): %s, %v; want ErrNotFound", st, i, got, err)
			case public && (err != nil || got != w[i]):
				t.Errorf("%s (validity %d): %s, %v; want %s", st, i, got, err, w[i])
			}
		}
	}
	// The end of validity itself still counts as valid.
	if got, _ := decideStatus(surat.LetterSigned, &now, now); got != Authentic {
		t.Errorf("at the end of validity: %s, want ASLI", got)
	}
}

func TestStatusSentences(t *testing.T) {
	seen := map[string]Status{}
	for _, s := range []Status{Authentic, Revoked, Replaced, Expired, NotFound} {
		got := s.Sentence()
		if got == "" {
			t.Errorf("%s has no sentence", s)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s share a sentence", s, other)
		}
		seen[got] = s
	}
	if Status("X").Sentence() != "" {
		t.Error("an unknown status has a sentence")
	}
}

func TestCertificateState(t *testing.T) {
	signed := time.Date(2026, 11, 23, 3, 5, 0, 0, time.UTC) // 10.05 WIB
	before, after := signed.Add(-24*time.Hour), signed.Add(24*time.Hour)
	tests := []struct {
		name      string
		revokedAt *time.Time
		want      string
	}{
		{"not revoked", nil, "Tidak dicabut"},
		{"revoked after signing", &after, "Dicabut pada 24 November 2026, 10.05 WIB, setelah surat ini ditandatangani. " +
			"Tanda tangan pada surat ini tetap sah; surat yang ditandatangani sesudahnya dengan sertifikat ini tidak sah."},
		{"revoked before signing", &before, "Dicabut pada 22 November 2026, 10.05 WIB, sebelum surat ini ditandatangani: " +
			"tanda tangan pada surat ini tidak dapat dipercaya."},
	}
	for _, tc := range tests {
		c := &Certificate{RevokedAt: tc.revokedAt, RevokedAfterSigning: revokedAfter(tc.revokedAt, signed)}
		if got := c.State(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{
		"Budi Santoso":           "B**** S****",
		"  siti   aminah ":       "S**** A****",
		"Ölaf":                   "Ö****",
		"":                       "",
		"H. M. Nur Hidayat":      "H**** M**** N**** H****",
		"Sulastri Widya Ningrum": "S**** W**** N****",
		"I":                      "I****",
	} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	code := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	tests := []struct {
		in, want string
		ok       bool
	}{
		{code, code, true},
		{strings.ToLower(code), code, true},
		{"ABCDEFGHIJKLMNOPQRSTUVWXY2", "ABCDEFGHIJKLMNOPQRSTUVWXY2", true},
		{"ABCDEFGHIJKLMNOPQRSTUVWXY1", "ABCDEFGHIJKLMNOPQRSTUVWXY1", false}, // 1 is not base32
		{"ABC", "ABC", false},
		{code + "A", code + "A", false},
		{"", "", false},
		{"%27%20OR%201=1--", "%27%20OR%201=1--", false},
	}
	for _, tc := range tests {
		if got, ok := NormalizeCode(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCodeFromInput(t *testing.T) {
	code := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, in := range []string{code, strings.ToLower(code), "http://localhost:8080/v/" + code,
		" ABCD-EFGH-IJKL-MNOP-QRST-UVWXYZ ", "https://surat.example.id/v/" + strings.ToLower(code)} {
		if got, ok := CodeFromInput(in); got != code || !ok {
			t.Errorf("CodeFromInput(%q) = %q, %v; want %q", in, got, ok, code)
		}
	}
	for _, in := range []string{"", "12345", "http://localhost:8080/", code + "/periksa"} {
		if got, ok := CodeFromInput(in); ok {
			t.Errorf("CodeFromInput(%q) = %q, ok", in, got)
		}
	}
}

func TestDisplayFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		"0a1b2c": "0A:1B:2C",
		"ff":     "FF",
		"":       "",
		"abc":    "ABC",   // odd length: not hex pairs
		"zz00":   "ZZ00",  // not hex
		"0A1B":   "0A:1B", // upper case in
	} {
		if got := displayFingerprint(in); got != want {
			t.Errorf("displayFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRootFiles covers the public trust anchors before and after the root
// CA exists.
func TestRootFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		empty := storetest.Open(t, b, nil)
		cat, _ := shared()
		none, err := New(Deps{Store: empty, Catalogue: cat})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := none.Root(e.ctx); r != nil || err != nil {
			t.Errorf("Root before pki init = %+v, %v; want nil, nil", r, err)
		}
		if _, err := none.RootCertificate(e.ctx); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("RootCertificate before pki init: %v, want ErrNotFound", err)
		}
		if _, err := none.CRL(e.ctx); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("CRL before pki init: %v, want ErrNotFound", err)
		}

		stored, err := e.st.ActiveRoot(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Root(e.ctx)
		if err != nil || r == nil {
			t.Fatalf("Root = %v, %v", r, err)
		}
		if r.CommonName != demo.RootName || r.Fingerprint != stored.Fingerprint ||
			!regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(r.Display) ||
			strings.ToLower(strings.ReplaceAll(r.Display, ":", "")) != stored.Fingerprint {
			t.Errorf("root %+v, stored fingerprint %s", r, stored.Fingerprint)
		}
		der, err := e.svc.RootCertificate(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(der); hex.EncodeToString(sum[:]) != stored.Fingerprint {
			t.Error("RootCertificate is not the DER of the active root")
		}
		crl, err := e.svc.CRL(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		rl, err := x509.ParseRevocationList(crl)
		if err != nil {
			t.Fatalf("CRL does not parse: %v", err)
		}
		cert, _ := x509.ParseCertificate(der)
		if err := rl.CheckSignatureFrom(cert); err != nil {
			t.Errorf("CRL is not signed by the root: %v", err)
		}
	})
}

// TestNamesCachedForAMinute: the village's name on the public page may lag
// a rename by up to a minute, never more.
func TestNamesCachedForAMinute(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	code := *e.signed(t).VerifyCode
	if got := e.lookup(t, code).VillageName; got != "Desa "+e.village.Name {
		t.Fatalf("village %q", got)
	}
	v, err := e.st.VillageByID(e.ctx, e.village.ID)
	if err != nil {
		t.Fatal(err)
	}
	v.Name = "Sumberejo Baru"
	if err := e.st.UpdateVillage(e.ctx, e.admin, v); err != nil {
		t.Fatal(err)
	}
	if got := e.lookup(t, code).VillageName; got != "Desa "+e.village.Name {
		t.Errorf("right after the rename: %q, want the cached name", got)
	}
	e.clock.Advance(refCacheTTL)
	if got := e.lookup(t, code).VillageName; got != "Desa Sumberejo Baru" {
		t.Errorf("a minute after the rename: %q, want the new name", got)
	}
}
