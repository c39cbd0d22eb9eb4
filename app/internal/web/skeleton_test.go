package web

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// TestVerifySkeletonMatchesTemplate renders the verification page for
// many shapes and values, with characters every escaper treats specially,
// through the skeletons and through the template: the bytes must be the
// same, and the skeletons must serve the ordinary shapes.
func TestVerifySkeletonMatchesTemplate(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ss := e.srv.verifySkeletons
	if ss == nil {
		t.Fatal("the verification page's templates do not allow skeletons")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	// The long value pushes what follows it beyond deflate's reach
	// (32 kB) of what precedes it.
	nasty := []string{"", "Desa Sumberejo", `A & B <script>"x"</script> 'y' +z`, "Ḍéwi Ñur\x00", "100% / ? # ; :",
		"Desa Sumberejo, " + strings.Repeat("Desa Sumberejo <&> ", 2000)}
	str := func() string { return nasty[rnd.IntN(len(nasty))] }
	code := func() string {
		if rnd.IntN(3) == 0 {
			return ""
		}
		return "HYD7K2PVSGG2LAYDY3KMGT72SA"
	}
	served := 0
	for i := range 400 {
		v := &verifyView{Code: "HYD7K2PVSGG2LAYDY3KMGT72SA", Status: []string{"ASLI", "DICABUT", "DIGANTI", "KEDALUWARSA"}[i%4],
			StatusClass: []string{"ok", "bad", "warn"}[rnd.IntN(3)], StatusText: str(), Revoked: i%4 == 1, Replaced: i%4 == 2,
			Expired: i%4 == 3, RevokedWIB: str(), Reason: str(), Replacement: code(), LetterType: str(), Number: str(),
			VillageLine: str(), IssuedWIB: str(), ValidUntilWIB: str(), SubjectMasked: str(), SignedWIB: str(),
			SignerLine: str(), PDFSHA256: str(), VillageName: str(), Kabupaten: str(),
			PageTitle: str(), Description: str(), Matchable: rnd.IntN(2) == 0}
		if rnd.IntN(2) == 0 {
			v.LogoURL = "/desa/3505122001/logo?v=" + strconv.Itoa(i)
		}
		if rnd.IntN(3) > 0 {
			v.Cert = &certShown{Serial: str(), Fingerprint: str(), Validity: str(), Status: str()}
		}
		p := verifyPage{basePage: basePage{Title: str(), CSRFToken: str()}, V: v, MaxUploadMB: 20,
			ShowMatch: v.Matchable, Checked: str(), PageURL: "http://localhost:8080/v/" + v.Code}
		if v.LogoURL != "" {
			p.OGImage = "http://localhost:8080" + v.LogoURL
		}
		if rnd.IntN(4) > 0 {
			p.Root = &verify.Root{CommonName: str(), Fingerprint: str(), Display: str()}
		}
		var want bytes.Buffer
		if err := pageSet(t, e.srv, "verify").ExecuteTemplate(&want, "layout", &p); err != nil {
			t.Fatal(err)
		}
		var got, gz bytes.Buffer
		if !ss.render(&got, &gz, &p) {
			continue
		}
		served++
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("shape %d: the skeleton's page differs from the template's:\n%s\n---\n%s", i, got.String(), want.String())
		}
		// The compressed page reads back to the same bytes.
		if unzipped := gunzip(t, &gz); !bytes.Equal(unzipped, want.Bytes()) {
			t.Fatalf("shape %d: the compressed page differs from the template's:\n%s\n---\n%s", i, unzipped, want.String())
		}
	}
	if served < 350 {
		t.Errorf("the skeletons served %d of 400 pages", served)
	}
}

// TestSkeletonRefusesValueDependentTemplates: a template that compares a
// value is never served from skeletons.
func TestSkeletonRefusesValueDependentTemplates(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	if ss := newSkeletonSet(pageSet(t, e.srv, "letter_form"), "layout"); ss != nil {
		t.Error("the letter form compares values, yet skeletons were allowed")
	}
}
