package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// cheapKDF hashes the benchmark's passwords quickly; they guard nothing.
var cheapKDF = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// The logins seed creates: the kabupaten admin, and the admin of the big
// village.
const (
	kabUser   = "kabupaten"
	bigAdmin  = "adminbesar"
	benchPass = "bench-rahasia-123"
)

// modules are the letter types the seeded letters spread over.
var modules = []string{"sk_domisili", "sk_usaha", "sk_tidak_mampu", "sk_pengantar", "sp_skck", "sk_kelahiran",
	"sk_kematian", "sk_pindah", "sp_nikah", "sk_ahli_waris"}

type seedOptions struct {
	villages, residents, big, letters, history int
}

// seed fills the empty database of driver and dsn.
func seed(ctx context.Context, driver, dsn string, o seedOptions, log func(string, ...any)) error {
	st, err := store.Open(ctx, store.Options{Driver: driver, DSN: dsn})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	sys := surat.Actor{Username: "bench"}
	ids := make([]int64, o.villages)
	codes := make([]string, o.villages)
	for i := range o.villages {
		v := &surat.Village{Code: villageCode(i), Name: villageName(i), Sebutan: "Desa",
			Kecamatan: fmt.Sprintf("Kecamatan %02d", i%22), Kabupaten: "Blitar", SebutanKab: "Kabupaten",
			Provinsi: "Jawa Timur", NumberScope: surat.ScopeModule, Paper: surat.PaperF4}
		if err := st.CreateVillage(ctx, sys, v); err != nil {
			return fmt.Errorf("village %d: %w", i, err)
		}
		ids[i], codes[i] = v.ID, v.Code
	}
	hash, err := auth.Hash(benchPass, cheapKDF)
	if err != nil {
		return err
	}
	for _, u := range []*surat.User{
		{Username: kabUser, FullName: "Admin Kabupaten", PasswordHash: hash, Role: surat.RoleAdminKabupaten},
		{Username: bigAdmin, FullName: "Admin Desa Besar", PasswordHash: hash, Role: surat.RoleAdminDesa, VillageID: &ids[0]},
	} {
		if err := st.CreateUser(ctx, sys, u); err != nil {
			return err
		}
	}
	log("%d villages created", o.villages)

	db, err := openSQL(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now().UTC()
	start := time.Now()
	// Residents: --big in the first village, the rest shared; four to a
	// household.
	rest := o.residents - o.big
	per := max(1, rest/max(1, o.villages-1))
	var nres, nhh int
	for i, vid := range ids {
		n := per
		if i == 0 {
			n = o.big
		}
		hh := make([][]any, 0, n/4+1)
		for h := range (n + 3) / 4 {
			hh = append(hh, []any{vid, fmt.Sprintf("35%08d%06d", 5000000+i, h), "Jl. Melati " + fmt.Sprint(h), "001", "002",
				dusun(h), now, now})
		}
		hhIDs, err := insertRows(ctx, db, driver, "households",
			[]string{"village_id", "no_kk", "address", "rt", "rw", "dusun", "created_at", "updated_at"}, hh)
		if err != nil {
			return err
		}
		rs := make([][]any, 0, n)
		for r := range n {
			sex := 1 + r%2
			day := 1 + r%28
			if sex == 2 {
				day += 40
			}
			nik := fmt.Sprintf("%s%02d%02d%02d%04d", codes[i][:6], day, 1+r%12, 60+r%40, r%10000)
			life := surat.LifeAlive
			if r%25 == 24 {
				life = surat.LifeDead
			}
			rs = append(rs, []any{vid, nik, hhIDs[r/4], 1 + r%4, personName(r), "Blitar",
				time.Date(1960+r%40, time.Month(1+r%12), 1+r%28, 0, 0, 0, 0, time.UTC), sex, 1, 1, 1, life, now, now})
		}
		if _, err := insertRows(ctx, db, driver, "residents", []string{"village_id", "nik", "household_id", "relation",
			"name", "birth_place", "birth_date", "sex", "religion", "marital_status", "citizenship", "life_status",
			"created_at", "updated_at"}, rs); err != nil {
			return err
		}
		nres, nhh = nres+n, nhh+len(hh)
	}
	// Each household's first member (relation 1) is its head, as the
	// register records it: the household list shows and searches the
	// head's name.
	if _, err := db.ExecContext(ctx, "UPDATE households SET head_id = (SELECT MIN(r.id) FROM residents r "+
		"WHERE r.household_id = households.id AND r.relation = 1)"); err != nil {
		return err
	}
	log("%d residents in %d households in %s", nres, nhh, time.Since(start).Round(time.Second))

	// Letters: signed rows spread over this year up to now, and the big
	// village's history over the four years before.
	start = time.Now()
	year := surat.LetterTime(now).Year()
	jan := time.Date(year, 1, 1, 0, 0, 0, 0, surat.LetterTime(now).Location())
	span := now.Sub(jan)
	past := jan.AddDate(-4, 0, 0)
	seq := map[[3]any]int{}
	ls := make([][]any, 0, 5000)
	flush := func() error {
		_, err := insertRows(ctx, db, driver, "letters", []string{"village_id", "module", "status", "subject_name",
			"form_data", "number", "number_seq", "number_year", "number_scope", "verify_code", "pdf_path",
			"pdf_sha256", "issued_at", "signed_at", "created_at", "updated_at"}, ls)
		ls = ls[:0]
		return err
	}
	for n := range o.letters + o.history {
		vi := n % o.villages
		at := jan.Add(time.Duration(mrand.Int64N(int64(span)))).UTC()
		if n >= o.letters {
			vi, at = 0, past.Add(time.Duration(mrand.Int64N(int64(jan.Sub(past))))).UTC()
		}
		y := surat.LetterTime(at).Year()
		m := modules[mrand.IntN(len(modules))]
		k := [3]any{vi, m, y}
		seq[k]++
		code := make([]byte, 16)
		rand.Read(code)
		ls = append(ls, []any{ids[vi], m, string(surat.LetterSigned), personName(n), "{}",
			fmt.Sprintf("470/%04d/%s/%s/%d", seq[k], codes[vi], m, y), seq[k], y, m,
			base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(code), "bench/none.pdf",
			strings.Repeat("0", 64), at, at, at, at})
		if len(ls) == cap(ls) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(ls) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	log("%d letters in %s", o.letters+o.history, time.Since(start).Round(time.Second))
	if err := st.RecountStats(ctx); err != nil {
		return err
	}
	if err := st.RebuildNameGrams(ctx); err != nil {
		return err
	}
	// MariaDB keeps its statistics itself (InnoDB recalculates them after
	// a tenth of a table changes, in the background); they are brought up
	// to date here at once. A SQLite deployment never runs ANALYZE, so
	// neither does the seed: its planner works without statistics, as it
	// does in the field.
	if driver != "mysql" {
		return nil
	}
	_, err = db.ExecContext(ctx, "ANALYZE TABLE residents, households, letters, letter_month_counts, letter_month_totals, "+
		"letter_module_months, village_stats")
	return err
}

// openSQL opens a plain connection to the store's database.
func openSQL(driver, dsn string) (*sql.DB, error) {
	if driver == "mysql" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, err
		}
		cfg.ParseTime, cfg.Loc = true, time.UTC
		return sql.Open("mysql", cfg.FormatDSN())
	}
	return sql.Open("sqlite", dsn+"?_pragma=busy_timeout(10000)&_time_format=sqlite")
}

// insertRows inserts rows in one transaction, 500 to a statement, and
// returns their ids in order.
func insertRows(ctx context.Context, db *sql.DB, driver, table string, cols []string, rows [][]any) ([]int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := make([]int64, 0, len(rows))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for len(rows) > 0 {
		batch := rows[:min(500, len(rows))]
		rows = rows[len(batch):]
		args := make([]any, 0, len(batch)*len(cols))
		for _, r := range batch {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", len(batch)), ",")
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", table, err)
		}
		last, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		// MySQL reports the first id of a multi-row insert, SQLite the
		// last; both hand out consecutive ids within one statement here.
		first := last
		if driver != "mysql" {
			first = last - int64(len(batch)) + 1
		}
		for i := range batch {
			ids = append(ids, first+int64(i))
		}
	}
	return ids, tx.Commit()
}

var (
	places     = []string{"Sumber", "Tegal", "Kali", "Rejo", "Jati", "Karang", "Wono", "Sido", "Banyu", "Gunung", "Ngadi", "Purwo"}
	suffixes   = []string{"rejo", "asri", "mulyo", "sari", "agung", "jaya", "makmur", "harjo", "wangi", "kerto"}
	firstNames = []string{"Slamet", "Sri", "Dimas", "Ayu", "Fajar", "Rina", "Kartini", "Rudi", "Wulan", "Rizki", "Hendra", "Dewi",
		"Agus", "Siti", "Bambang", "Endang", "Joko", "Lestari", "Yudi", "Nur"}
	lastNames = []string{"Santoso", "Wahyuni", "Prasetyo", "Lestari", "Nugroho", "Yuliani", "Rahayu", "Hartono", "Sari",
		"Hidayat", "Susanto", "Purnomo", "Wibowo", "Setiawan", "Kusuma", "Handayani", "Saputra", "Utami"}
)

func villageName(i int) string {
	return places[i%len(places)] + suffixes[(i/len(places))%len(suffixes)] + fmt.Sprintf(" %d", i/(len(places)*len(suffixes))+1)
}

func personName(i int) string {
	return firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)] +
		fmt.Sprintf(" %c", 'A'+rune(i/(len(firstNames)*len(lastNames))%26))
}

func dusun(h int) string { return []string{"Krajan", "Sumberan", "Ngasem", "Kebonsari"}[h%4] }

// villageCode is the kode desa of the i-th seeded village; the first one
// (bigVillageCode) is the big village.
func villageCode(i int) string { return fmt.Sprintf("35%08d", 5000000+i) }

var bigVillageCode = villageCode(0)
