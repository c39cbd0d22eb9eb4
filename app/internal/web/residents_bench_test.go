package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// BenchmarkResidentListPage measures GET /penduduk through the full router
// (session, template, rendering) in a village of 100,000 residents on
// SQLite: the first page, a name search, the next page of it, a dusun/RT
// filter and a NIK search by its stash key.
func BenchmarkResidentListPage(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.SQLite, nil)
	d := Deps{Log: slog.New(slog.DiscardHandler), Store: st, PasswordParams: testParams, Verify: testVerify(b, st, nil, nil),
		Config: config.Config{BaseURL: "http://localhost:8080", Secret: strings.Repeat("k", 32)}}
	d.Issuance = testIssuance(b, &d, "")
	d.Mandiri = testMandiri(b, d)
	srv, err := New(d)
	if err != nil {
		b.Fatal(err)
	}
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(ctx, surat.Actor{Username: "bench"}, v); err != nil {
		b.Fatal(err)
	}
	u := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
	if err := st.CreateUser(ctx, surat.Actor{Username: "bench"}, u); err != nil {
		b.Fatal(err)
	}
	first := []string{"Budi", "Siti", "Agus", "Dewi", "Slamet", "Sri", "Joko", "Rina", "Bambang", "Wahyu", "Endang", "Teguh"}
	last := []string{"Santoso", "Rahayu", "Wibowo", "Lestari", "Susanto", "Purnomo", "Hidayat", "Setiawan", "Utomo"}
	dusun := []string{"Krajan", "Sumberagung", "Kedungrejo", "Ngemplak", "Tegalsari"}
	recs := make([]surat.ImportRecord, 100_000)
	base := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		hh, birth := i/4, base.AddDate(0, 0, i%20000)
		rel := surat.RelationHead
		if i%4 != 0 {
			rel = 4
		}
		recs[i] = surat.ImportRecord{Row: i + 2, Resident: surat.Resident{
			NIK:  fmt.Sprintf("350512%02d%02d%02d%04d", birth.Day(), int(birth.Month()), birth.Year()%100, i/20000+1),
			Name: first[i%len(first)] + " " + first[(i/7)%len(first)] + " " + last[(i/3)%len(last)], BirthPlace: "Blitar",
			BirthDate: birth, Sex: surat.SexMale, Religion: 1, MaritalStatus: 1, Relation: rel, LifeStatus: surat.LifeAlive},
			Household: surat.Household{NoKK: fmt.Sprintf("350512%010d", hh+1), Dusun: dusun[hh%len(dusun)],
				RW: fmt.Sprintf("%03d", hh%7+1), RT: fmt.Sprintf("%03d", hh%3+1)}}
	}
	if _, err := st.ImportResidents(ctx, surat.Actor{Username: "bench"}, v.ID, recs, false); err != nil {
		b.Fatal(err)
	}
	token, sess, err := srv.newSession(ctx, u.ID, sessionKindWeb, webSessionTTL)
	if err != nil {
		b.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec
	}
	post := func(path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body+"&csrf_token="+sess.CSRFToken))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec
	}
	nikSearch := post("/penduduk", "q="+recs[54321].Resident.NIK).Header().Get("Location")
	page1 := get("/penduduk?q=wahyu")
	next := attrOf(b, page1.Body.String(), "next")
	for _, c := range []struct{ name, path string }{
		{"first_page", "/penduduk"},
		{"name_search", "/penduduk?q=wahyu"},
		{"name_search_next_page", next},
		{"dusun_rw_rt", "/penduduk?dusun=Ngemplak&rw=004&rt=002"},
		{"nik_search", nikSearch},
	} {
		if rec := get(c.path); rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", c.path, rec.Code)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rec := get(c.path); rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", c.path, rec.Code)
				}
			}
		})
	}
}

// attrOf is the href of the element with that id.
func attrOf(b *testing.B, doc, id string) string {
	b.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		b.Fatal(err)
	}
	var href string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if v, ok := getAttr(n, "id"); ok && v == id && n.Type == html.ElementNode {
			href, _ = getAttr(n, "href")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	if href == "" {
		b.Fatalf("no #%s", id)
	}
	return href
}
