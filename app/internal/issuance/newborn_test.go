package issuance_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// documentText is every text of a document's body, one line per block or row.
func documentText(d *surat.Document) string {
	var b strings.Builder
	for _, blk := range d.Blocks {
		b.WriteString(blk.Text + "\n")
		for _, r := range blk.Rows {
			b.WriteString(r.Label + " : " + r.Value + "\n")
		}
	}
	return b.String()
}

// TestDeathDateFromRegister: a death recorded in the register gives an SK
// Kematian its date and the age at death; a different typed date is refused.
func TestDeathDateFromRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 4)
		died := time.Date(2025, 8, 17, 0, 0, 0, 0, time.UTC)
		if err := e.st.RecordResidentExit(e.ctx, e.operator, e.village.ID, rs[0].ID, rs[0].Version,
			&store.ResidentEvent{Kind: store.EventDeath, EventDate: died, Reason: "Sakit"}); err != nil {
			t.Fatal(err)
		}
		req := issuance.Request{Module: "sk_kematian",
			Subjects: map[string]issuance.SubjectRef{
				"almarhum": {ResidentID: rs[0].ID}, "pelapor": {ResidentID: rs[1].ID},
				"saksi1": {ResidentID: rs[2].ID}, "saksi2": {ResidentID: rs[3].ID}},
			Fields: map[string]string{"tempat_kematian": "Di rumah", "penyebab": "Sakit biasa/tua",
				"yang_menerangkan": "Dokter", "hubungan_pelapor": "Anak kandung"}}
		doc, err := e.svc.Validate(e.ctx, e.village.ID, req)
		if err != nil {
			t.Fatalf("validate without a typed date: %v", err)
		}
		text := documentText(doc)
		age := surat.AgeOn(rs[0].BirthDate, died)
		for _, want := range []string{"Hari/Tanggal : Minggu, 17 Agustus 2025", "Umur : " + strconv.Itoa(age) + " tahun"} {
			if !strings.Contains(text, want) {
				t.Errorf("document lacks %q\n%s", want, text)
			}
		}
		req.Fields["tanggal_kematian"] = "2025-08-18"
		_, err = e.svc.Validate(e.ctx, e.village.ID, req)
		if fields, ok := surat.FieldErrors(err); !ok || !strings.Contains(fields["field.tanggal_kematian"], "17 Agustus 2025") {
			t.Errorf("a date other than the register's: %v", err)
		}
	})
}

// TestNewResidentFromLetter: an SK Kelahiran of a newborn typed without
// NIK is signed; then, and only then, it offers the newborn's register
// record in the mother's KK, which the clerk can save once a NIK is known.
func TestNewResidentFromLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		page, err := e.st.SearchResidents(e.ctx, e.village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		var mother *surat.Resident
		var others []surat.Resident
		for i := range page.Residents {
			r := page.Residents[i]
			adult := surat.AgeOn(r.BirthDate, e.clock.Now()) >= 21
			switch {
			case mother == nil && adult && r.Sex == surat.SexFemale && r.HouseholdID != nil &&
				(r.Relation == 1 || r.Relation == 3):
				mother = &r
			case adult && len(others) < 3:
				others = append(others, r)
			}
		}
		if mother == nil || len(others) < 3 {
			t.Fatal("the demo village has no mother for the test")
		}
		born := e.clock.Now().AddDate(0, 0, -2).Format("2006-01-02")
		req := issuance.Request{Module: "sk_kelahiran",
			Subjects: map[string]issuance.SubjectRef{
				"anak": {Person: &surat.Person{Name: "Bagus Satria Wibowo", Sex: surat.SexMale, BirthPlace: "Blitar",
					BirthDate: mustDate(t, born)}},
				"ibu": {ResidentID: mother.ID}, "pelapor": {ResidentID: others[0].ID},
				"saksi1": {ResidentID: others[1].ID}, "saksi2": {ResidentID: others[2].ID}},
			Fields: map[string]string{"tempat_dilahirkan": "Puskesmas", "tempat_kelahiran": "Puskesmas Sanankulon",
				"jenis_kelahiran": "Tunggal", "anak_ke": "2", "penolong": "Bidan/Perawat", "hubungan_pelapor": "Kakek"}}
		l := e.approved(t, req)
		if _, err := e.svc.NewResidentFromLetter(e.ctx, e.village.ID, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("before signing: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.NewResidentFromLetter(e.ctx, e.village.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "Bagus Satria Wibowo" || r.NIK != "" || r.Sex != surat.SexMale || r.BirthDate.Format("2006-01-02") != born ||
			r.HouseholdID == nil || *r.HouseholdID != *mother.HouseholdID || r.Relation != 4 || r.MotherName != mother.Name ||
			r.Religion != mother.Religion {
			t.Errorf("offered resident %+v", r)
		}
		// Another village sees nothing.
		if _, err := e.svc.NewResidentFromLetter(e.ctx, e.village.ID+1, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village: %v", err)
		}
		// The clerk types the NIK and saves: the child is in the mother's KK.
		r.NIK = "350512" + r.BirthDate.Format("020106") + "0099"
		if err := e.st.CreateResident(e.ctx, e.operator, e.village.ID, r, r.Household); err != nil {
			t.Fatalf("save the newborn: %v", err)
		}
		members, err := e.st.HouseholdMembers(e.ctx, e.village.ID, *mother.HouseholdID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range members {
			found = found || m.Name == "Bagus Satria Wibowo"
		}
		if !found {
			t.Error("the newborn is not in the mother's KK")
		}
	})
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
