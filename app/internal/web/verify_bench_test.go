package web

import (
	"bytes"
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// BenchmarkVerifyPage measures a scan of a QR code through the full router
// on SQLite: GET /v/<code> (HTML) and GET /api/v1/verify/<code> (JSON) of
// one letter signed through the issuance service, with the rate limits off
// and the letter cache kept fresh by Watch, as app serve runs it.
// scripts/bench-verify.sh measures the same page over HTTP with wrk.
func BenchmarkVerifyPage(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.SQLite, nil)
	base := "http://localhost:8080"
	d := Deps{Log: slog.New(slog.DiscardHandler), Store: st, Now: time.Now, PasswordParams: testParams,
		Config: config.Config{BaseURL: base, Secret: strings.Repeat("k", 32)}, RateLimits: &RateLimits{Disabled: true}}
	iss := testIssuance(b, &d, b.TempDir())
	sys := surat.Actor{Username: "bench"}
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(ctx, sys, v); err != nil {
		b.Fatal(err)
	}
	o := &surat.Official{Name: "Bambang Sutejo", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := st.CreateOfficial(ctx, sys, v.ID, o); err != nil {
		b.Fatal(err)
	}
	op := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
	kd := &surat.User{Username: "kades", PasswordHash: "x", Role: surat.RoleSigner, VillageID: &v.ID, OfficialID: &o.ID}
	for _, u := range []*surat.User{op, kd} {
		if err := st.CreateUser(ctx, sys, u); err != nil {
			b.Fatal(err)
		}
	}
	clerk := surat.Actor{UserID: op.ID, Username: op.Username, Role: op.Role, VillageID: v.ID}
	signer := surat.Actor{UserID: kd.ID, Username: kd.Username, Role: kd.Role, VillageID: v.ID}
	admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
	if _, err := iss.InitRoot(ctx, admin, "suratdesa Bench Root CA", vfRootPass); err != nil {
		b.Fatal(err)
	}
	if _, err := iss.IssueCertificate(ctx, admin, v.ID, o.ID, vfRootPass, vfSignPass); err != nil {
		b.Fatal(err)
	}
	r := &surat.Resident{NIK: vfNIK, Name: vfName, BirthPlace: vfBirthPlace, BirthDate: vfBirth, Sex: surat.SexFemale,
		Religion: 1, MaritalStatus: 1, Relation: surat.RelationHead, Citizenship: 1, Occupation: 3, LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: vfKK, Address: vfStreet, RT: "004", RW: "007", Dusun: vfDusun}
	if err := st.CreateResident(ctx, sys, v.ID, r, h); err != nil {
		b.Fatal(err)
	}
	l, err := iss.CreateDraft(ctx, clerk, v.ID, issuance.Request{Module: "sk_domisili",
		Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: r.ID}},
		Fields:   map[string]string{"keperluan": vfPurpose, "status_tinggal": "Tetap"}})
	if err != nil {
		b.Fatal(err)
	}
	if l, err = st.Submit(ctx, clerk, v.ID, l.ID); err != nil {
		b.Fatal(err)
	}
	if l, err = st.Approve(ctx, signer, v.ID, l.ID, l.Version); err != nil {
		b.Fatal(err)
	}
	if l, err = iss.Sign(ctx, signer, v.ID, l.ID, vfSignPass); err != nil {
		b.Fatal(err)
	}
	ver, err := verify.New(verify.Deps{Store: st, Catalogue: iss.Builtin(), Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	d.Issuance, d.Verify = iss, ver
	d.Mandiri = testMandiri(b, d)
	d.Notify = testNotify(b, d)
	srv, err := New(d)
	if err != nil {
		b.Fatal(err)
	}
	h2 := srv.Handler()
	// As app serve runs it: the letter comes from the replica's cache.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { ver.Watch(watchCtx, nil); close(watched) }()
	defer func() { stopWatch(); <-watched }()
	time.Sleep(time.Second)
	for _, tc := range []struct{ name, path, encoding string }{
		{"html", "/v/" + *l.VerifyCode, ""},
		{"html-gzip", "/v/" + *l.VerifyCode, "gzip, deflate, br"},
		{"json", "/api/v1/verify/" + *l.VerifyCode, ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				if tc.encoding != "" {
					req.Header.Set("Accept-Encoding", tc.encoding)
				}
				h2.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", tc.path, rec.Code)
				}
			}
		})
	}
	// The compression alone of the page just served, from its skeleton's
	// plan and with gzip's fastest level as before (skeleton_gzip.go).
	h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v/"+*l.VerifyCode, nil))
	var sk *skeleton
	for _, s := range srv.verifySkeletons.shapes {
		sk = cmp.Or(s, sk)
	}
	if sk == nil {
		b.Fatal("the page was not served from a skeleton")
	}
	var page bytes.Buffer
	starts := sk.write(&page, func(int) string { return "Desa Sumberejo" }, nil)
	var out bytes.Buffer
	b.Run("gzip-plan", func(b *testing.B) {
		for b.Loop() {
			out.Reset()
			sk.writeGzip(&out, page.Bytes(), starts)
		}
		b.ReportMetric(float64(out.Len()), "bytes")
	})
	b.Run("gzip-fastest", func(b *testing.B) {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		for b.Loop() {
			out.Reset()
			zw.Reset(&out)
			zw.Write(page.Bytes())
			zw.Close()
		}
		b.ReportMetric(float64(out.Len()), "bytes")
	})
}
