package mandiri

import (
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestRequirementsAndResubmission: the village lists the documents of a
// module; uploads are tagged with the one they meet (an unknown one is
// refused); a request returned as incomplete goes back to the clerk when
// the resident adds the document, or when they send it back as it is.
func TestRequirementsAndResubmission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		set := surat.LetterSettings{Module: "sk_domisili", Enabled: true, Online: true}
		set.SetRequirements([]string{"Surat Pengantar RT/RW", " Fotokopi KTP ", "", "fotokopi ktp"})
		if err := f.st.SaveLetterSetting(f.ctx, surat.Actor{Username: "admin"}, f.v.ID, &set); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.RequirementLabels(f.ctx, f.v.ID, "sk_domisili"); err != nil ||
			strings.Join(got, "|") != "Surat Pengantar RT/RW|Fotokopi KTP" {
			t.Fatalf("requirements %q, %v", got, err)
		}
		budi := f.account(f.v, f.budi, "583920")
		bad := upload(tinyPDF)
		bad.Requirement = "Akta tanah"
		if _, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: "sk_domisili", Form: domisili(f.budi.ID),
			Files: []Upload{bad}}); err == nil {
			t.Fatal("an upload for an unknown requirement was accepted")
		}
		ktp := upload(tinyPDF)
		ktp.Requirement = "Fotokopi KTP"
		r, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: "sk_domisili", Form: domisili(f.budi.ID), Files: []Upload{ktp}})
		if err != nil {
			t.Fatal(err)
		}
		as, _ := f.st.Attachments(f.ctx, f.v.ID, r.ID)
		checks, err := f.svc.Requirements(f.ctx, f.v.ID, r, as)
		if err != nil || len(checks) != 2 || checks[0].Met() || !checks[1].Met() {
			t.Fatalf("checklist %+v, %v", checks, err)
		}
		if err := f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, "Lampirkan surat pengantar RT"); err != nil {
			t.Fatal(err)
		}
		rt := upload(pngOf(t))
		rt.Requirement = "Surat Pengantar RT/RW"
		if err := f.svc.AddAttachments(f.ctx, budi, r.ID, []Upload{rt}); err != nil {
			t.Fatal(err)
		}
		got, err := f.st.RequestByID(f.ctx, f.v.ID, r.ID)
		if err != nil || got.Effective != surat.RequestInReview {
			t.Fatalf("after the document came: %s, %v", got.Effective, err)
		}
		as, _ = f.st.Attachments(f.ctx, f.v.ID, r.ID)
		if checks, _ := f.svc.Requirements(f.ctx, f.v.ID, got, as); !checks[0].Met() || !checks[1].Met() {
			t.Errorf("checklist after upload: %+v", checks)
		}
		// Returned again; the resident brings the paper to the office and
		// sends the request back as it is.
		if err := f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, "Bawa KK asli ke kantor"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Resubmit(f.ctx, budi, r.ID); err != nil {
			t.Fatal(err)
		}
		siti := f.account(f.v, f.siti, "583921")
		if _, err := f.svc.Resubmit(f.ctx, siti, r.ID); err == nil {
			t.Error("another resident resubmitted the request")
		}
		es, err := f.st.RequestEvents(f.ctx, f.v.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range es {
			notes = append(notes, e.Message)
		}
		joined := strings.Join(notes, " | ")
		if !strings.Contains(joined, surat.NoteAttachedResubmitted(1)) || !strings.Contains(joined, surat.NoteResubmitted) {
			t.Errorf("timeline: %s", joined)
		}
	})
}

// TestSetContact: a resident opts in with a phone number (normalised to
// 62...) and/or an e-mail address, and out again.
func TestSetContact(t *testing.T) {
	f := newFixture(t, storetest.SQLite)
	budi := f.account(f.v, f.budi, "583920")
	for _, tc := range []struct {
		phone, email string
		consent      bool
		field        string // the refused field, "" for accepted
	}{
		{"0812-3456-7890", "", false, "setuju"},
		{"", "", true, "telepon"},
		{"12ab", "", true, "telepon"},
		{"", "bukan email", true, "email"},
		{"Budi <budi@example.org>", "", true, "telepon"},
	} {
		_, err := f.svc.SetContact(f.ctx, budi, tc.phone, tc.email, tc.consent)
		if fields, _ := surat.FieldErrors(err); fields[tc.field] == "" {
			t.Errorf("%+v: %v, want a message on %s", tc, err, tc.field)
		}
	}
	acc, err := f.svc.SetContact(f.ctx, budi, "0812 3456 7890", "budi@example.org", true)
	if err != nil || acc.NotifyPhone != "6281234567890" || acc.NotifyEmail != "budi@example.org" || acc.NotifyConsentAt == nil {
		t.Fatalf("opt in: %+v, %v", acc, err)
	}
	acc, err = f.svc.SetContact(f.ctx, budi, "", "", false)
	if err != nil || acc.NotifyPhone != "" || acc.NotifyEmail != "" || acc.NotifyConsentAt != nil {
		t.Fatalf("opt out: %+v, %v", acc, err)
	}
}
