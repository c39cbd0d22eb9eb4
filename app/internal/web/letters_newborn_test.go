package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// selectedOption is the value of the selected option of the select called
// name, or "".
func selectedOption(t *testing.T, doc, name string) string {
	t.Helper()
	sel := findNode(t, doc, func(n *html.Node) bool {
		v, ok := getAttr(n, "name")
		return n.Data == "select" && ok && v == name
	})
	if sel == nil {
		return ""
	}
	for c := sel.FirstChild; c != nil; c = c.NextSibling {
		if _, ok := getAttr(c, "selected"); ok && c.Data == "option" {
			v, _ := getAttr(c, "value")
			return v
		}
	}
	return ""
}

// TestNewbornBirthLetterWithoutNIK issues an SK Kelahiran for a newborn
// typed on the form without NIK, over the API: draft, submit, approve,
// sign. The signed PDF names the child with its day of birth and carries
// form F-2.01; the letter page then offers "Tambahkan ke data penduduk",
// whose form is pre-filled with the child in the mother's KK, and saving
// it with the NIK Dukcapil issued adds the child to that KK.
func TestNewbornBirthLetterWithoutNIK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		ctx := context.Background()
		mother := &surat.Resident{NIK: "3505125503950002", Name: "Sri Lestari", BirthPlace: "Blitar",
			BirthDate: time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC), Sex: surat.SexFemale, Religion: 1,
			MaritalStatus: 2, Relation: 3, Citizenship: 1, LifeStatus: surat.LifeAlive}
		if err := e.st.CreateResident(ctx, surat.Actor{Username: "test"}, lv.v.ID, mother,
			&surat.Household{NoKK: "3505120101080001"}); err != nil {
			t.Fatal(err)
		}
		born := e.clock.Now().AddDate(0, 0, -3) // Friday 20 November 2026
		body := map[string]any{
			"module": "sk_kelahiran",
			"subjects": map[string]any{
				"anak": map[string]any{"person": map[string]any{"nama": "Bima Arya Santoso", "jenis_kelamin": "LAKI-LAKI",
					"tempat_lahir": "Blitar", "tanggal_lahir": born.Format("2006-01-02")}},
				"ibu":     map[string]any{"resident_id": mother.ID},
				"ayah":    map[string]any{"resident_id": lv.res.ID},
				"pelapor": map[string]any{"resident_id": lv.res.ID},
				"saksi1":  map[string]any{"person": map[string]any{"nama": "Sumarno", "nik": "3505121204700003"}},
				"saksi2":  map[string]any{"person": map[string]any{"nama": "Parmi", "nik": "3505124808720004"}},
			},
			"fields": map[string]any{"jam_lahir": "04:35", "tempat_dilahirkan": "Puskesmas",
				"tempat_kelahiran": "Puskesmas Sanankulon", "jenis_kelahiran": "Tunggal", "anak_ke": "2",
				"penolong": "Bidan/Perawat", "berat_gram": "3100", "panjang_cm": "49", "hubungan_pelapor": "Ayah kandung"},
		}
		// A newborn without sex or birth date is refused with messages on
		// the child's fields.
		var eb struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		bad := map[string]any{"module": "sk_kelahiran", "subjects": map[string]any{
			"anak": map[string]any{"person": map[string]any{"nama": "Bima"}}}}
		e.call("POST", "/api/v1/letters", lv.tokens["operator"], bad, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["subject.anak.jenis_kelamin"] == "" || eb.Fields["subject.anak.tanggal_lahir"] == "" ||
			eb.Fields["subject.anak.nik"] != "" {
			t.Errorf("typed newborn without sex and date: %v", eb.Fields)
		}

		var l letterJSON
		e.call("POST", "/api/v1/letters", lv.tokens["operator"], body, http.StatusCreated, &l)
		if l.SubjectName != "Bima Arya Santoso" {
			t.Errorf("subject name %q", l.SubjectName)
		}
		e.call("POST", letterPath(l.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &l)
		e.call("POST", letterPath(l.ID)+"/approve", lv.tokens["kades"], map[string]int{"version": l.Version}, http.StatusOK, &l)
		var signed letterJSON
		e.call("POST", letterPath(l.ID)+"/sign", lv.tokens["kades"], map[string]string{"passphrase": testSignPass},
			http.StatusOK, &signed)
		if signed.Status != surat.LetterSigned || signed.Number == "" || signed.VerifyURL == "" {
			t.Fatalf("signed letter %+v", signed)
		}
		rec := e.api("GET", letterPath(l.ID)+"/pdf", lv.tokens["operator"], nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("pdf: %d", rec.Code)
		}
		text := strings.Join(strings.Fields(pdfText(t, rec.Body.Bytes())), " ")
		for _, want := range []string{"SURAT KETERANGAN KELAHIRAN", "Nama : BIMA ARYA SANTOSO", "Jenis Kelamin : LAKI-LAKI",
			"Hari/Tanggal Lahir : Jumat, 20 November 2026", "Pukul : 04.35", "Nama : SRI LESTARI",
			"Ditandatangani secara elektronik", "F-2.01", "5. Hari dan Tanggal Lahir : Jumat, 20 November 2026",
			"Nomor : " + signed.Number} {
			if !strings.Contains(text, want) {
				t.Errorf("signed PDF lacks %q\n%s", want, text)
			}
		}
		if strings.Contains(text, "BIMA ARYA SANTOSO NIK") {
			t.Errorf("the newborn has a NIK row\n%s", text)
		}

		// The letter page offers the newborn for the register; its form is
		// pre-filled, the NIK left for the clerk.
		br := e.browser()
		br.login("operator")
		page := br.get(fmt.Sprintf("/surat/%d", l.ID))
		if href := attr(t, page.Body, "a", "id", "add-resident-link", "href"); href != fmt.Sprintf("/surat/%d/tambah-penduduk", l.ID) {
			t.Fatalf("letter page offers %q", href)
		}
		form := br.get(fmt.Sprintf("/surat/%d/tambah-penduduk", l.ID))
		if form.Code != http.StatusOK {
			t.Fatalf("tambah-penduduk: %d\n%s", form.Code, form.Body)
		}
		for name, want := range map[string]string{"name": "Bima Arya Santoso", "birth_date": born.Format("2006-01-02"),
			"birth_place": "Blitar", "no_kk": "3505120101080001", "father_name": "Budi Santoso",
			"mother_name": "Sri Lestari", "nik": ""} {
			if got := attr(t, form.Body, "input", "name", name, "value"); got != want {
				t.Errorf("pre-filled %s = %q, want %q", name, got, want)
			}
		}
		for name, want := range map[string]string{"sex": "1", "relation": "4", "marital_status": "1", "religion": "1"} {
			if got := selectedOption(t, form.Body, name); got != want {
				t.Errorf("pre-selected %s = %q, want %q", name, got, want)
			}
		}
		if attr(t, form.Body, "form", "action", "/penduduk/baru", "method") != "post" {
			t.Error("the form does not post to /penduduk/baru")
		}
		// Saving with the NIK Dukcapil issued adds the child to the KK.
		vals := url.Values{csrfField: {attr(t, form.Body, "input", "name", csrfField, "value")},
			"nik": {"3505122011260005"}, "name": {"Bima Arya Santoso"}, "birth_place": {"Blitar"},
			"birth_date": {born.Format("2006-01-02")}, "sex": {"1"}, "religion": {"1"}, "marital_status": {"1"},
			"relation": {"4"}, "citizenship": {"1"}, "education": {"1"}, "occupation": {"1"}, "blood_type": {"13"},
			"no_kk": {"3505120101080001"}, "father_name": {"Budi Santoso"}, "mother_name": {"Sri Lestari"}}
		if r := br.post("/penduduk/baru", vals); r.Code != http.StatusSeeOther {
			t.Fatalf("save newborn: %d\n%s", r.Code, r.Body)
		}
		members, err := e.st.HouseholdMembers(ctx, lv.v.ID, *mother.HouseholdID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range members {
			found = found || (m.Name == "Bima Arya Santoso" && m.Relation == 4)
		}
		if !found {
			t.Error("the newborn is not in the mother's KK")
		}

		// Another letter type offers nothing; an unsigned birth letter
		// neither.
		other := e.approvedLetter(lv)
		if r := br.get(fmt.Sprintf("/surat/%d/tambah-penduduk", other.ID)); r.Code != http.StatusNotFound {
			t.Errorf("sk_domisili tambah-penduduk: %d", r.Code)
		}
		var draft letterJSON
		e.call("POST", "/api/v1/letters", lv.tokens["operator"], body, http.StatusCreated, &draft)
		if r := br.get(fmt.Sprintf("/surat/%d/tambah-penduduk", draft.ID)); r.Code != http.StatusNotFound {
			t.Errorf("unsigned birth letter tambah-penduduk: %d", r.Code)
		}
		if attr(t, br.get(fmt.Sprintf("/surat/%d", draft.ID)).Body, "a", "id", "add-resident-link", "href") != "" {
			t.Error("an unsigned birth letter offers to add the newborn")
		}
	})
}
