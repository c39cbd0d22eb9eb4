package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// tableDump reads every table of the database as text, one string per
// table, so that a test can tell which tables changed and what they hold.
func tableDump(t *testing.T, b storetest.Backend, db *sql.DB) map[string]string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if b == storetest.MySQL {
		q = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
	}
	names := rowsAsText(t, db, q)
	out := map[string]string{}
	for _, n := range names {
		rows := rowsAsText(t, db, "SELECT * FROM "+n)
		sort.Strings(rows)
		out[n] = strings.Join(rows, "\n")
	}
	return out
}

// rowsAsText runs q and returns each row's columns joined by "|".
func rowsAsText(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// TestVerifyPublicSideLeavesNoPersonalData uses every public route of the
// check (the page, its JSON, the paper match with the real NIK and name,
// the lookup by number, the bulk check, the PDF check) and then looks for
// the subject's NIK, KK number, birth date and address, in every format
// letters print them, in every answer, in the log, and in every row the
// public side changed. Only the attempt counters and the key's use count
// may change.
func TestVerifyPublicSideLeavesNoPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		l := f.sign(t)
		code := *l.VerifyCode
		key, _, err := e.srv.verify.IssueAPIKey(context.Background(),
			surat.Actor{Username: "kabupaten", Role: surat.RoleAdminKabupaten}, "Bank Uji")
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open(string(b), e.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		before := tableDump(t, b, db)
		logStart := len(e.logs.String())

		answers := map[string]string{
			"page":          e.do("GET", "/v/"+code, nil, nil).Body.String(),
			"json":          e.do("GET", "/api/v1/verify/"+code, nil, nil).Body.String(),
			"match nik":     e.matchHTML("198.51.100.1", code, url.Values{"nik": {vfNIK}}).Body.String(),
			"match name":    e.matchHTML("198.51.100.1", code, url.Values{"nama": {vfName}}).Body.String(),
			"match json":    e.matchJSON("198.51.100.1", code, map[string]string{"nik": vfNIK}).Body.String(),
			"match refused": e.matchJSON("198.51.100.1", code, map[string]string{"nik": vfNIK, "nama": vfName}).Body.String(),
			"lookup": e.do("GET", "/periksa?"+url.Values{"nomor": {l.NumberString()},
				"tanggal": {surat.LetterTime(*l.IssuedAt).Format("2006-01-02")}}.Encode(), nil, nil).Body.String(),
			"batch":  e.batch(key, []string{code}).Body.String(),
			"upload": f.upload(t, code, f.pdfOf(t, l), "").Body.String(),
		}
		logs := e.logs.String()[logStart:]
		if !strings.Contains(logs, "paper matched") || !strings.Contains(logs, "bulk check") {
			t.Fatalf("the public calls were not logged: %s", logs)
		}

		forbidden := []string{
			vfNIK, vfKK, "3505 1257", "350512570885",
			vfBirthPlace, "17-08-1985", "17/08/1985", "1985-08-17", "17 Agustus 1985", "17-8-1985",
			vfStreet, "Kenanga", vfDusun, "RT 004", "004/007",
		}
		// The full name is typed into the match and must not come back
		// either; the page shows only the masked name.
		forbiddenInAnswers := append([]string{vfName, "Sulastri", "Ningrum"}, forbidden...)
		for name, doc := range answers {
			for _, s := range forbiddenInAnswers {
				if strings.Contains(strings.ToLower(doc), strings.ToLower(s)) {
					t.Errorf("%s answer shows %q", name, s)
				}
			}
		}
		for _, s := range forbiddenInAnswers {
			if strings.Contains(strings.ToLower(logs), strings.ToLower(s)) {
				t.Errorf("log shows %q", s)
			}
		}

		after := tableDump(t, b, db)
		var changed []string
		for table, rows := range after {
			if before[table] == rows {
				continue
			}
			changed = append(changed, table)
			for _, s := range forbiddenInAnswers {
				if strings.Contains(strings.ToLower(rows), strings.ToLower(s)) {
					t.Errorf("table %s now holds %q", table, s)
				}
			}
			if strings.Contains(rows, "198.51.100.1") {
				t.Errorf("table %s holds the client's address", table)
			}
			if sum := sha256.Sum256([]byte(vfNIK)); strings.Contains(rows, fmt.Sprintf("%x", sum)) {
				t.Errorf("table %s holds an unkeyed hash of the NIK", table)
			}
		}
		sort.Strings(changed)
		if got := strings.Join(changed, ","); got != "verify_api_keys,verify_attempts" {
			t.Errorf("the public side changed tables %s, want only verify_api_keys,verify_attempts", got)
		}
	})
}
