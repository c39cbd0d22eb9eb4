package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// dateLayout is how dates travel in the API: YYYY-MM-DD, no time zone.
const dateLayout = "2006-01-02"

// enumJSON is an enumeration value with its printed label.
type enumJSON struct {
	ID    int    `json:"id"`
	Label string `json:"label"`
}

func enumOf(e surat.Enum, id int) *enumJSON {
	if id == 0 {
		return nil
	}
	return &enumJSON{ID: id, Label: e.Label(id)}
}

// householdJSON is the household (Kartu Keluarga) a resident belongs to.
type householdJSON struct {
	NoKK    string `json:"no_kk"`
	Address string `json:"address"`
	RT      string `json:"rt"`
	RW      string `json:"rw"`
	Dusun   string `json:"dusun"`
}

// residentJSON is a resident as the API shows it. It is kept apart from
// surat.Resident so that database columns never leak into the API.
type residentJSON struct {
	ID            int64          `json:"id"`
	NIK           string         `json:"nik"`
	Name          string         `json:"name"`
	BirthPlace    string         `json:"birth_place"`
	BirthDate     string         `json:"birth_date"`
	Sex           *enumJSON      `json:"sex"`
	Religion      *enumJSON      `json:"religion"`
	MaritalStatus *enumJSON      `json:"marital_status"`
	Relation      *enumJSON      `json:"relation"`
	Education     *enumJSON      `json:"education"`
	Occupation    *enumJSON      `json:"occupation"`
	Citizenship   *enumJSON      `json:"citizenship"`
	BloodType     *enumJSON      `json:"blood_type"`
	LifeStatus    *enumJSON      `json:"life_status"`
	FatherName    string         `json:"father_name"`
	MotherName    string         `json:"mother_name"`
	Phone         string         `json:"phone"`
	Version       int            `json:"version"`
	Household     *householdJSON `json:"household"`
	// Warnings are NIK mismatches (birth date, sex) for the clerk to check.
	Warnings []string `json:"warnings"`
}

func residentOut(r *surat.Resident) residentJSON {
	out := residentJSON{
		ID: r.ID, NIK: r.NIK, Name: r.Name, BirthPlace: r.BirthPlace,
		Sex: enumOf(surat.Sex, r.Sex), Religion: enumOf(surat.Religion, r.Religion),
		MaritalStatus: enumOf(surat.MaritalStatus, r.MaritalStatus), Relation: enumOf(surat.FamilyRelation, r.Relation),
		Education: enumOf(surat.Education, r.Education), Occupation: enumOf(surat.Occupation, r.Occupation),
		Citizenship: enumOf(surat.Citizenship, r.Citizenship), BloodType: enumOf(surat.BloodType, r.BloodType),
		LifeStatus: enumOf(surat.LifeStatus, r.LifeStatus),
		FatherName: r.FatherName, MotherName: r.MotherName, Phone: r.Phone, Version: r.Version,
		Warnings: r.Warnings(),
	}
	if !r.BirthDate.IsZero() {
		out.BirthDate = r.BirthDate.Format(dateLayout)
	}
	if h := r.Household; h != nil {
		out.Household = &householdJSON{NoKK: h.NoKK, Address: h.Address, RT: h.RT, RW: h.RW, Dusun: h.Dusun}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return out
}

// residentList is one page of residents.
type residentList struct {
	Items   []residentJSON `json:"items"`
	Total   int64          `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
}

// enumInput is an enumeration value as a client sends it: the id (1), the
// object the API returns ({"id": 1, "label": "..."}) or the label
// ("LAKI-LAKI"), so that what a GET returns can be sent back in a PUT.
type enumInput struct {
	ID    int
	Label string
}

// UnmarshalJSON accepts a number, an object with "id", a label or null.
func (e *enumInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*e = enumInput{}
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &e.Label)
	case len(b) > 0 && b[0] == '{':
		var o struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		e.ID = o.ID
		return nil
	}
	return json.Unmarshal(b, &e.ID)
}

// resolve returns the id, looking a label up in en; an unknown label is a
// problem on field.
func (e enumInput) resolve(en surat.Enum, field string, p surat.Problems) int {
	if e.Label == "" {
		return e.ID
	}
	id, ok := en.Lookup(e.Label)
	if !ok {
		p.Add(field, en.Title+" tidak dikenal")
	}
	return id
}

// residentInput is the body of POST and PUT /api/v1/residents. The household
// comes as no_kk and address fields, or as the "household" object a GET
// returns; id and warnings are accepted and ignored for the same reason.
type residentInput struct {
	NIK           string    `json:"nik"`
	Name          string    `json:"name"`
	BirthPlace    string    `json:"birth_place"`
	BirthDate     string    `json:"birth_date"`
	Sex           enumInput `json:"sex"`
	Religion      enumInput `json:"religion"`
	MaritalStatus enumInput `json:"marital_status"`
	Relation      enumInput `json:"relation"`
	Education     enumInput `json:"education"`
	Occupation    enumInput `json:"occupation"`
	Citizenship   enumInput `json:"citizenship"`
	BloodType     enumInput `json:"blood_type"`
	LifeStatus    enumInput `json:"life_status"`
	FatherName    string    `json:"father_name"`
	MotherName    string    `json:"mother_name"`
	Phone         string    `json:"phone"`
	// Version is the version the client last read; required on PUT.
	Version int `json:"version"`

	NoKK      string         `json:"no_kk"`
	Address   string         `json:"address"`
	RT        string         `json:"rt"`
	RW        string         `json:"rw"`
	Dusun     string         `json:"dusun"`
	Household *householdJSON `json:"household"`

	ID       json.RawMessage `json:"id"`
	Warnings json.RawMessage `json:"warnings"`
}

// toDomain converts the input and checks it with the register's own rules,
// returning every problem at once as a *surat.ValidationError. A missing
// status dasar or citizenship is taken from prev (the stored resident on
// update, so leaving the field out never revives a deceased resident) or,
// when prev is nil, defaults to HIDUP and WNI as the store does on create.
func (in residentInput) toDomain(now time.Time, prev *surat.Resident) (*surat.Resident, *surat.Household, error) {
	p := surat.Problems{}
	r := &surat.Resident{
		NIK: strings.TrimSpace(in.NIK), Name: strings.TrimSpace(in.Name), BirthPlace: strings.TrimSpace(in.BirthPlace),
		Sex: in.Sex.resolve(surat.Sex, "sex", p), Religion: in.Religion.resolve(surat.Religion, "religion", p),
		MaritalStatus: in.MaritalStatus.resolve(surat.MaritalStatus, "marital_status", p),
		Relation:      in.Relation.resolve(surat.FamilyRelation, "relation", p),
		Education:     in.Education.resolve(surat.Education, "education", p),
		Occupation:    in.Occupation.resolve(surat.Occupation, "occupation", p),
		Citizenship:   in.Citizenship.resolve(surat.Citizenship, "citizenship", p),
		BloodType:     in.BloodType.resolve(surat.BloodType, "blood_type", p),
		LifeStatus:    in.LifeStatus.resolve(surat.LifeStatus, "life_status", p),
		FatherName:    strings.TrimSpace(in.FatherName), MotherName: strings.TrimSpace(in.MotherName),
		Phone: strings.TrimSpace(in.Phone), Version: in.Version,
	}
	if d := strings.TrimSpace(in.BirthDate); d != "" {
		t, err := time.Parse(dateLayout, d)
		if err != nil {
			p.Add("birth_date", "Tanggal lahir harus berformat TTTT-BB-HH, mis. 1980-01-15")
		} else {
			r.BirthDate = t
		}
	}
	h := &surat.Household{NoKK: strings.TrimSpace(in.NoKK), Address: strings.TrimSpace(in.Address),
		RT: strings.TrimSpace(in.RT), RW: strings.TrimSpace(in.RW), Dusun: strings.TrimSpace(in.Dusun)}
	if h.NoKK == "" && in.Household != nil {
		h = &surat.Household{NoKK: strings.TrimSpace(in.Household.NoKK), Address: strings.TrimSpace(in.Household.Address),
			RT: strings.TrimSpace(in.Household.RT), RW: strings.TrimSpace(in.Household.RW),
			Dusun: strings.TrimSpace(in.Household.Dusun)}
	}
	lifeStatus, citizenship := surat.LifeAlive, surat.CitizenWNI
	if prev != nil {
		lifeStatus, citizenship = prev.LifeStatus, prev.Citizenship
	}
	if r.LifeStatus == 0 {
		r.LifeStatus = lifeStatus
	}
	if r.Citizenship == 0 {
		r.Citizenship = citizenship
	}
	for _, err := range []error{r.Validate(now), h.Validate()} {
		if fields, ok := surat.FieldErrors(err); ok {
			for k, msg := range fields {
				p.Add(k, msg)
			}
		}
	}
	return r, h, p.Err()
}

// villageOf is the village of the signed-in user; requireVillage has made
// sure there is one.
func villageOf(c *gin.Context) int64 { return *currentUser(c).VillageID }

// pageParams reads the page (from 1) and per_page (1 to 100) query
// parameters of a list into page and perPage, which keep their defaults
// when a parameter is absent; a bad value is a problem on its name.
func pageParams(c *gin.Context, p surat.Problems, page, perPage *int) {
	intParam := func(name string, dst *int, maxVal int, msg string) {
		v := c.Query(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxVal {
			p.Add(name, msg)
			return
		}
		*dst = n
	}
	intParam("page", page, 1_000_000, "Halaman harus angka mulai dari 1")
	intParam("per_page", perPage, 100, "Jumlah per halaman harus angka 1 sampai 100")
}

// routeResident loads the resident of the route from the caller's
// village: 404 for a resident of another village, checked before any body
// is read.
func (s *Server) routeResident(c *gin.Context) (*surat.Resident, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.store.ResidentByID(c.Request.Context(), villageOf(c), id)
}

// handleAPIResidentList searches the caller's village: q (name, or NIK or
// No. KK prefix), dusun, rw, rt, status (status dasar id or label), page and
// per_page (at most 100).
func (s *Server) handleAPIResidentList(c *gin.Context) error {
	p := surat.Problems{}
	f := store.ResidentFilter{Query: c.Query("q"), Dusun: c.Query("dusun"), RW: c.Query("rw"), RT: c.Query("rt"),
		Page: 1, PerPage: 25}
	if st := strings.TrimSpace(c.Query("status")); st != "" {
		if n, err := strconv.Atoi(st); err == nil && surat.LifeStatus.Valid(n) {
			f.LifeStatus = n
		} else if n, ok := surat.LifeStatus.Lookup(st); ok {
			f.LifeStatus = n
		} else {
			p.Add("status", "Status dasar tidak dikenal")
		}
	}
	pageParams(c, p, &f.Page, &f.PerPage)
	if err := p.Err(); err != nil {
		return err
	}
	res, err := s.store.SearchResidents(c.Request.Context(), villageOf(c), f)
	if err != nil {
		return err
	}
	out := residentList{Items: make([]residentJSON, len(res.Residents)), Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for i := range res.Residents {
		out.Items[i] = residentOut(&res.Residents[i])
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handleAPIResidentShow returns one resident of the caller's village; a
// resident of another village is 404.
func (s *Server) handleAPIResidentShow(c *gin.Context) error {
	r, err := s.routeResident(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, residentOut(r))
	return nil
}

// handleAPIResidentCreate adds a resident to the caller's village, linking
// or creating the household of no_kk: 201 with the resident, 422 with field
// messages (a NIK already registered is one of them).
func (s *Server) handleAPIResidentCreate(c *gin.Context) error {
	var in residentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, h, err := in.toDomain(s.now(), nil)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if err := s.store.CreateResident(c.Request.Context(), actorOf(u), villageOf(c), r, h); err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/residents/%d", r.ID))
	c.JSON(http.StatusCreated, residentOut(r))
	return nil
}

// handleAPIResidentUpdate replaces a resident of the caller's village with
// the body (PUT: optional fields left out are cleared, except status dasar
// and citizenship, which are kept). The body must carry the version last read: 409 when someone saved a newer one
// meanwhile, 404 for a resident of another village (checked before the body,
// so a foreign id never answers 422 either).
func (s *Server) handleAPIResidentUpdate(c *gin.Context) error {
	prev, err := s.routeResident(c)
	if err != nil {
		return err
	}
	ctx, vid, id := c.Request.Context(), villageOf(c), prev.ID
	var in residentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, h, err := in.toDomain(s.now(), prev)
	fields, _ := surat.FieldErrors(err)
	if err != nil && fields == nil {
		return err
	}
	if in.Version <= 0 {
		if fields == nil {
			fields = map[string]string{}
		}
		fields["version"] = "Versi data wajib dikirim (nilai version dari data yang terakhir dibaca)"
	}
	if fields != nil {
		return &surat.ValidationError{Fields: fields}
	}
	r.ID = id
	if err := s.store.UpdateResident(ctx, actorOf(currentUser(c)), vid, r, h); err != nil {
		return err
	}
	c.JSON(http.StatusOK, residentOut(r))
	return nil
}
