package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestAPIToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)

		tests := []struct {
			name       string
			body       string
			wantStatus int
			wantCode   string
		}{
			{"wrong password", `{"username":"operator","password":"salah"}`, http.StatusUnauthorized, "invalid_credentials"},
			{"unknown user", `{"username":"siapa","password":"rahasia123"}`, http.StatusUnauthorized, "invalid_credentials"},
			{"missing fields", `{}`, http.StatusUnprocessableEntity, "validation_failed"},
			{"not JSON", `username=operator`, http.StatusBadRequest, "bad_request"},
			{"unknown field", `{"user":"operator","password":"x"}`, http.StatusBadRequest, "bad_request"},
			{"empty body", ``, http.StatusBadRequest, "bad_request"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.do("POST", "/api/v1/auth/token", strings.NewReader(tt.body),
					http.Header{"Content-Type": {"application/json"}})
				if rec.Code != tt.wantStatus {
					t.Fatalf("POST /api/v1/auth/token = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
				}
				var eb errorBody
				decode(t, rec, &eb)
				if eb.Error != tt.wantCode || eb.Message == "" {
					t.Errorf("error %q message %q, want code %q", eb.Error, eb.Message, tt.wantCode)
				}
				if tt.wantStatus == http.StatusUnauthorized {
					if eb.Message != wrongCredentials {
						t.Errorf("message %q, want %q", eb.Message, wrongCredentials)
					}
					if rec.Header().Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
				}
			})
		}

		rec := e.api("POST", "/api/v1/auth/token", "", map[string]string{"username": "operator", "password": testPassword})
		if rec.Code != http.StatusOK {
			t.Fatalf("token = %d %s", rec.Code, rec.Body)
		}
		var tr tokenResponse
		decode(t, rec, &tr)
		if len(tr.Token) < 40 || tr.TokenType != "Bearer" {
			t.Errorf("token %q type %q", tr.Token, tr.TokenType)
		}
		if want := e.clock.Now().Add(30 * 24 * time.Hour); !tr.ExpiresAt.Equal(want) {
			t.Errorf("expires_at %v, want %v", tr.ExpiresAt, want)
		}
		if rec := e.api("GET", "/api/v1/residents", tr.Token, nil); rec.Code != http.StatusOK {
			t.Fatalf("GET with token = %d", rec.Code)
		}

		// A browser session cookie is no bearer token, and vice versa.
		br := e.browser()
		br.login("operator")
		if rec := e.api("GET", "/api/v1/residents", br.sessionToken(), nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("web session as bearer = %d, want 401", rec.Code)
		}
		if rec := e.do("GET", "/dashboard", nil, http.Header{"Cookie": {sessionCookie + "=" + tr.Token}}); rec.Code != http.StatusSeeOther {
			t.Errorf("bearer token as session cookie = %d, want 303 to login", rec.Code)
		}

		// Revoking the token ends it; so does time.
		if rec := e.api("DELETE", "/api/v1/auth/token", tr.Token, nil); rec.Code != http.StatusNoContent {
			t.Fatalf("DELETE token = %d", rec.Code)
		}
		if rec := e.api("GET", "/api/v1/residents", tr.Token, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("revoked token = %d, want 401", rec.Code)
		}
		tok := e.token("operator")
		e.clock.Advance(apiTokenTTL + time.Minute)
		if rec := e.api("GET", "/api/v1/residents", tok, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("expired token = %d, want 401", rec.Code)
		}
	})
}

// budi is a valid create body.
func budi(change func(map[string]any)) map[string]any {
	m := map[string]any{
		"nik": "3505121501800001", "name": "Budi Santoso", "birth_place": "Blitar", "birth_date": "1980-01-15",
		"sex": 1, "religion": 1, "marital_status": 2, "relation": 1, "education": 5, "occupation": 9,
		"citizenship": 1, "blood_type": 4, "father_name": "Sukiman", "mother_name": "Sainem", "phone": "081234567890",
		"no_kk": "3505120101080001", "address": "Jl. Melati 3", "rt": "001", "rw": "002", "dusun": "Krajan",
	}
	if change != nil {
		change(m)
	}
	return m
}

func TestAPIResidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		tok := e.token("operator")

		// Create.
		rec := e.api("POST", "/api/v1/residents", tok, budi(nil))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create = %d %s", rec.Code, rec.Body)
		}
		var created residentJSON
		decode(t, rec, &created)
		if got, want := rec.Header().Get("Location"), fmt.Sprintf("/api/v1/residents/%d", created.ID); got != want {
			t.Errorf("Location %q, want %q", got, want)
		}
		if created.Version != 1 || created.BirthDate != "1980-01-15" || created.Sex == nil || created.Sex.Label != "LAKI-LAKI" ||
			created.Occupation == nil || created.Occupation.Label != "PETANI/PEKEBUN" || created.LifeStatus.Label != "HIDUP" ||
			created.Household == nil || created.Household.NoKK != "3505120101080001" || created.Household.Dusun != "Krajan" ||
			len(created.Warnings) != 0 {
			t.Errorf("created %+v", created)
		}

		// A NIK that disagrees with birth date and sex is accepted with warnings.
		rec = e.api("POST", "/api/v1/residents", tok, budi(func(m map[string]any) {
			m["nik"] = "3505125501800002" // a woman's NIK (day + 40)
			m["name"] = "Ani Lestari"
			m["birth_date"] = "1980-02-15"
			m["relation"] = "ISTRI" // labels are accepted too
			m["blood_type"] = nil
		}))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create with mismatch = %d %s", rec.Code, rec.Body)
		}
		var ani residentJSON
		decode(t, rec, &ani)
		if len(ani.Warnings) != 2 || ani.Relation.ID != 3 || ani.BloodType != nil {
			t.Errorf("warnings %q relation %+v blood %+v", ani.Warnings, ani.Relation, ani.BloodType)
		}

		// Validation: every field message in Indonesian; a duplicate NIK is one of them.
		tests := []struct {
			name       string
			body       map[string]any
			wantFields map[string]string
		}{
			{"duplicate NIK", budi(nil), map[string]string{"nik": "NIK sudah terdaftar di desa ini"}},
			{"malformed", budi(func(m map[string]any) {
				m["nik"] = "35051215018"
				m["name"] = ""
				m["birth_date"] = "15-01-1980"
				m["sex"] = 7
				m["no_kk"] = "12"
			}), map[string]string{
				"nik":        "NIK harus 16 digit angka (sekarang 11 karakter)",
				"name":       "Nama wajib diisi",
				"birth_date": "Tanggal lahir harus berformat TTTT-BB-HH, mis. 1980-01-15",
				"sex":        "Jenis Kelamin tidak dikenal",
				"no_kk":      "Nomor KK harus 16 digit angka (sekarang 2 karakter)",
			}},
			{"impossible NIK date", budi(func(m map[string]any) { m["nik"] = "3505123102800001" }),
				map[string]string{"nik": "tanggal lahir dalam NIK (digit 7-12) bukan tanggal yang benar"}},
			{"wrong type", budi(func(m map[string]any) { m["religion"] = true }),
				map[string]string{"religion": "Harus berupa angka bulat"}},
			{"unknown label", budi(func(m map[string]any) { m["religion"] = "JEDI" }),
				map[string]string{"religion": "Agama tidak dikenal"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.api("POST", "/api/v1/residents", tok, tt.body)
				if rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("create = %d, want 422: %s", rec.Code, rec.Body)
				}
				var eb errorBody
				decode(t, rec, &eb)
				if eb.Error != "validation_failed" || eb.Message != "Data belum benar. Periksa isian yang ditandai." {
					t.Errorf("error %q message %q", eb.Error, eb.Message)
				}
				for f, want := range tt.wantFields {
					if got := eb.Fields[f]; got != want {
						t.Errorf("field %s: got %q, want %q", f, got, want)
					}
				}
			})
		}

		// Get.
		rec = e.api("GET", fmt.Sprintf("/api/v1/residents/%d", created.ID), tok, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("get = %d", rec.Code)
		}
		var got residentJSON
		decode(t, rec, &got)
		if got.NIK != created.NIK || got.Name != "Budi Santoso" || got.Household.Address != "Jl. Melati 3" {
			t.Errorf("get %+v", got)
		}
		for _, path := range []string{"/api/v1/residents/999999", "/api/v1/residents/abc", "/api/v1/residents/-1"} {
			if rec := e.api("GET", path, tok, nil); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
		}

		// Update: what GET returned goes back with a change (round trip).
		body := map[string]any{}
		decode(t, rec, &body)
		body["name"] = "Budi Santoso Putra"
		body["household"] = map[string]any{"no_kk": "3505120101080002", "address": "Jl. Mawar 1", "rt": "003", "rw": "001", "dusun": "Kulon"}
		path := fmt.Sprintf("/api/v1/residents/%d", created.ID)
		rec = e.api("PUT", path, tok, body)
		if rec.Code != http.StatusOK {
			t.Fatalf("update = %d %s", rec.Code, rec.Body)
		}
		var updated residentJSON
		decode(t, rec, &updated)
		if updated.Version != 2 || updated.Name != "Budi Santoso Putra" || updated.Household.NoKK != "3505120101080002" {
			t.Errorf("updated %+v household %+v", updated, updated.Household)
		}
		// The same stale version again: somebody else's edit is not overwritten.
		rec = e.api("PUT", path, tok, body)
		if rec.Code != http.StatusConflict {
			t.Fatalf("stale update = %d, want 409: %s", rec.Code, rec.Body)
		}
		var eb errorBody
		decode(t, rec, &eb)
		if eb.Error != "conflict" || !strings.Contains(eb.Message, "diubah oleh pengguna lain") {
			t.Errorf("conflict body %+v", eb)
		}
		// Without a version the update is refused.
		delete(body, "version")
		rec = e.api("PUT", path, tok, body)
		var noVersion errorBody
		decode(t, rec, &noVersion)
		if rec.Code != http.StatusUnprocessableEntity || noVersion.Fields["version"] == "" {
			t.Errorf("update without version = %d %s", rec.Code, rec.Body)
		}

		// List and filters.
		e.resident(v, "3505121203900003", "Citra Dewi")
		listTests := []struct {
			query     string
			wantNames []string
			wantTotal int64
		}{
			{"", []string{"Ani Lestari", "Budi Santoso Putra", "Citra Dewi"}, 3},
			{"?q=budi", []string{"Budi Santoso Putra"}, 1},
			{"?q=350512550", []string{"Ani Lestari"}, 1},
			{"?dusun=Kulon", []string{"Budi Santoso Putra"}, 1},
			{"?rt=001&rw=002", []string{"Ani Lestari", "Citra Dewi"}, 2},
			{"?status=hidup&per_page=2", []string{"Ani Lestari", "Budi Santoso Putra"}, 3},
			{"?per_page=2&page=2", []string{"Citra Dewi"}, 3},
			{"?status=2", nil, 0},
		}
		for _, tt := range listTests {
			rec := e.api("GET", "/api/v1/residents"+tt.query, tok, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("list %s = %d %s", tt.query, rec.Code, rec.Body)
			}
			var l residentList
			decode(t, rec, &l)
			var names []string
			for _, it := range l.Items {
				names = append(names, it.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") || l.Total != tt.wantTotal {
				t.Errorf("list %q: got %v total %d, want %v total %d", tt.query, names, l.Total, tt.wantNames, tt.wantTotal)
			}
		}
		// PUT without status dasar keeps it: leaving the field out never
		// revives a deceased resident.
		rec = e.api("POST", "/api/v1/residents", tok, budi(func(m map[string]any) {
			m["nik"], m["name"], m["life_status"] = "3505121501400004", "Mbah Karto", 2
			m["birth_date"] = "1940-01-15"
		}))
		var karto residentJSON
		decode(t, rec, &karto)
		rec = e.api("PUT", fmt.Sprintf("/api/v1/residents/%d", karto.ID), tok, budi(func(m map[string]any) {
			m["nik"], m["name"], m["birth_date"], m["version"] = karto.NIK, "Mbah Karto Wiryo", "1940-01-15", karto.Version
		}))
		decode(t, rec, &karto)
		if rec.Code != http.StatusOK || karto.LifeStatus == nil || karto.LifeStatus.Label != "MATI" {
			t.Errorf("update without life_status = %d, status %+v", rec.Code, karto.LifeStatus)
		}

		rec = e.api("GET", "/api/v1/residents?per_page=500&page=x&status=zombie", tok, nil)
		var bad errorBody
		decode(t, rec, &bad)
		if rec.Code != http.StatusUnprocessableEntity || len(bad.Fields) != 3 {
			t.Errorf("bad list params = %d %+v", rec.Code, bad.Fields)
		}
	})
}

// TestAPIVillageIsolation proves that a user of village A cannot reach a
// resident of village B by any resident route: every one answers 404, as
// for an id that does not exist, and B's residents never appear in A's
// searches.
func TestAPIVillageIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		va := e.village("3505122001", "Sumberejo")
		vb := e.village("3505122002", "Kalipang")
		e.user(va, "admin_a", surat.RoleAdminDesa)
		e.user(vb, "admin_b", surat.RoleAdminDesa)
		e.resident(va, "3505121501800001", "Budi Sumberejo")
		theirs := e.resident(vb, "3505121203900003", "Citra Kalipang")
		tokA := e.token("admin_a")
		path := fmt.Sprintf("/api/v1/residents/%d", theirs.ID)

		routes := []struct {
			name, method string
			body         map[string]any
		}{
			{"get", "GET", nil},
			{"update", "PUT", budi(func(m map[string]any) { m["version"] = 1 })},
			{"update with invalid body", "PUT", map[string]any{"nik": "1"}},
			{"update with empty body", "PUT", map[string]any{}},
		}
		for _, r := range routes {
			t.Run(r.name, func(t *testing.T) {
				rec := e.api(r.method, path, tokA, r.body)
				if rec.Code != http.StatusNotFound {
					t.Fatalf("%s %s as village A = %d, want 404: %s", r.method, path, rec.Code, rec.Body)
				}
				var eb errorBody
				decode(t, rec, &eb)
				if eb.Error != "not_found" {
					t.Errorf("error %q", eb.Error)
				}
			})
		}
		// The update above changed nothing.
		rec := e.api("GET", path, e.token("admin_b"), nil)
		var still residentJSON
		decode(t, rec, &still)
		if still.Name != "Citra Kalipang" || still.Version != 1 {
			t.Errorf("village B's resident after A's attempts: %+v", still)
		}

		for _, q := range []string{"", "?q=Citra", "?q=3505121203900003", "?q=3505120101080001", "?per_page=100"} {
			rec := e.api("GET", "/api/v1/residents"+q, tokA, nil)
			var l residentList
			decode(t, rec, &l)
			for _, it := range l.Items {
				if it.ID == theirs.ID || it.Name == "Citra Kalipang" {
					t.Errorf("list %q as village A shows village B's resident", q)
				}
			}
		}

		// Creating with village B's NIK lands in village A, whatever the body says.
		rec = e.api("POST", "/api/v1/residents", tokA, budi(func(m map[string]any) {
			m["nik"] = "3505121203900003"
			m["birth_date"] = "1990-03-12"
			m["village_id"] = vb.ID
		}))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("body with village_id = %d, want 400 (unknown field)", rec.Code)
		}
		rec = e.api("POST", "/api/v1/residents", tokA, budi(func(m map[string]any) {
			m["nik"] = "3505121203900003"
			m["birth_date"] = "1990-03-12"
		}))
		if rec.Code != http.StatusCreated {
			t.Fatalf("same NIK in village A = %d %s", rec.Code, rec.Body)
		}
		var mine residentJSON
		decode(t, rec, &mine)
		if mine.ID == theirs.ID {
			t.Error("village A's create touched village B's resident")
		}
	})
}

func TestAPIRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		for _, u := range []struct {
			name string
			role surat.Role
		}{{"admin", surat.RoleAdminDesa}, {"operator", surat.RoleOperator}, {"kades", surat.RoleSigner}} {
			e.user(v, u.name, u.role)
		}
		e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
		r := e.resident(v, "3505121203900003", "Citra Dewi")
		one := fmt.Sprintf("/api/v1/residents/%d", r.ID)
		tokens := map[string]string{}
		for _, name := range []string{"admin", "operator", "kades", "kabupaten"} {
			tokens[name] = e.token(name)
		}
		nik := 100
		body := func() map[string]any {
			nik++
			return budi(func(m map[string]any) { m["nik"] = fmt.Sprintf("3505121501800%03d", nik) })
		}
		update := func(version int) func() map[string]any {
			return func() map[string]any {
				return budi(func(m map[string]any) {
					m["nik"], m["name"], m["birth_date"], m["version"] = r.NIK, "Citra Dewi", "1990-03-12", version
				})
			}
		}
		tests := []struct {
			user, method, path string
			body               func() map[string]any
			want               int
		}{
			{"", "GET", "/api/v1/residents", nil, http.StatusUnauthorized},
			{"", "POST", "/api/v1/residents", body, http.StatusUnauthorized},
			{"kades", "GET", "/api/v1/residents", nil, http.StatusOK},
			{"kades", "GET", one, nil, http.StatusOK},
			{"kades", "POST", "/api/v1/residents", body, http.StatusForbidden},
			{"kades", "PUT", one, update(1), http.StatusForbidden},
			{"operator", "POST", "/api/v1/residents", body, http.StatusCreated},
			{"operator", "PUT", one, update(1), http.StatusOK},
			{"admin", "POST", "/api/v1/residents", body, http.StatusCreated},
			{"admin", "PUT", one, update(2), http.StatusOK},
			{"kabupaten", "GET", "/api/v1/residents", nil, http.StatusForbidden},
			{"kabupaten", "GET", one, nil, http.StatusForbidden},
			{"kabupaten", "POST", "/api/v1/residents", body, http.StatusForbidden},
			{"kabupaten", "PUT", one, update(3), http.StatusForbidden},
		}
		for _, tt := range tests {
			var b map[string]any
			if tt.body != nil {
				b = tt.body()
			}
			rec := e.api(tt.method, tt.path, tokens[tt.user], b)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q = %d, want %d: %s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
			}
		}
	})
}

// TestResidentNamesRefuseInvisibleCharacters creates residents through the
// API whose names would print differently or blank on a letter.
func TestResidentNamesRefuseInvisibleCharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		tok := e.token("operator")
		for _, name := range []string{"\u200b\u200b\u200b", "\u202eosotnaS iduB", "Budi\u2066 Santoso", "Budi\r\nSantoso"} {
			rec := e.api("POST", "/api/v1/residents", tok, budi(func(m map[string]any) { m["name"] = name }))
			var eb errorBody
			decode(t, rec, &eb)
			if rec.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(eb.Fields["name"], "Nama ") {
				t.Errorf("name %q: %d %+v", name, rec.Code, eb)
			}
		}
		if rec := e.api("POST", "/api/v1/residents", tok, budi(nil)); rec.Code != http.StatusCreated {
			t.Fatalf("a plain name: %d %s", rec.Code, rec.Body)
		}
	})
}
