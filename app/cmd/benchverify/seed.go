package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// realLetters is how many letters seed really renders and signs; the rest
// are copies of their rows with their own codes and numbers.
const realLetters = 24

// seed fills the empty database d and returns the codes of its n letters.
func seed(ctx context.Context, d database, n int) ([]string, error) {
	st, err := store.Open(ctx, store.Options{Driver: d.driver, DSN: d.dsn})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	iss, err := newIssuance(st, "http://127.0.0.1:18080", d.dir)
	if err != nil {
		return nil, err
	}
	sys := surat.Actor{Username: "bench"}
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(ctx, sys, v); err != nil {
		return nil, err
	}
	o := &surat.Official{Name: "Bambang Sutejo", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := st.CreateOfficial(ctx, sys, v.ID, o); err != nil {
		return nil, err
	}
	hash, err := auth.Hash("bench-password", cheapKDF)
	if err != nil {
		return nil, err
	}
	op := &surat.User{Username: "operator", PasswordHash: hash, Role: surat.RoleOperator, VillageID: &v.ID}
	kd := &surat.User{Username: "kades", PasswordHash: hash, Role: surat.RoleSigner, VillageID: &v.ID, OfficialID: &o.ID}
	for _, u := range []*surat.User{op, kd} {
		if err := st.CreateUser(ctx, sys, u); err != nil {
			return nil, err
		}
	}
	clerk := surat.Actor{UserID: op.ID, Username: op.Username, Role: op.Role, VillageID: v.ID}
	signer := surat.Actor{UserID: kd.ID, Username: kd.Username, Role: kd.Role, VillageID: v.ID}
	admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
	if _, err := iss.InitRoot(ctx, admin, "suratdesa Bench Root CA", rootPass); err != nil {
		return nil, err
	}
	if _, err := iss.IssueCertificate(ctx, admin, v.ID, o.ID, rootPass, signPass); err != nil {
		return nil, err
	}

	var realIDs []int64
	for i := range realLetters {
		r := &surat.Resident{NIK: fmt.Sprintf("350512%02d0885%04d", 1+i%28, i+1), Name: name(i),
			BirthPlace: "Blitar", BirthDate: time.Date(1985, 8, 1+i%28, 0, 0, 0, 0, time.UTC), Sex: surat.SexMale,
			Religion: 1, MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1, Occupation: 3,
			LifeStatus: surat.LifeAlive}
		h := &surat.Household{NoKK: fmt.Sprintf("35051201010900%02d", i+1), Address: "Jl. Melati " + strconv.Itoa(i+1),
			RT: "001", RW: "002", Dusun: "Krajan"}
		if err := st.CreateResident(ctx, sys, v.ID, r, h); err != nil {
			return nil, err
		}
		l, err := iss.CreateDraft(ctx, clerk, v.ID, issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: r.ID}},
			Fields:   map[string]string{"keperluan": "Persyaratan pembukaan rekening tabungan", "status_tinggal": "Tetap"}})
		if err != nil {
			return nil, err
		}
		if l, err = iss.Submit(ctx, clerk, v.ID, l.ID); err != nil {
			return nil, err
		}
		if l, err = iss.Approve(ctx, signer, v.ID, l.ID, l.Version); err != nil {
			return nil, err
		}
		if l, err = iss.Sign(ctx, signer, v.ID, l.ID, signPass); err != nil {
			return nil, err
		}
		realIDs = append(realIDs, l.ID)
	}
	return copyLetters(ctx, d, realIDs, n-realLetters)
}

// copyLetters inserts count copies of the real letters, 500 to a
// statement, and returns the codes of all letters.
func copyLetters(ctx context.Context, d database, realIDs []int64, count int) ([]string, error) {
	db, err := openSQL(d)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	// The real rows, column by column.
	rows, err := db.QueryContext(ctx, "SELECT * FROM letters WHERE id IN ("+
		strings.TrimSuffix(strings.Repeat("?,", len(realIDs)), ",")+") ORDER BY id", anySlice(realIDs)...)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var templates [][]any
	var codes []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		templates = append(templates, vals)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	col := map[string]int{}
	var insertCols []string
	for i, c := range cols {
		col[c] = i
		if c != "id" {
			insertCols = append(insertCols, c)
		}
	}
	for _, tpl := range templates {
		code := tpl[col["verify_code"]]
		if b, ok := code.([]byte); ok { // MySQL returns text as bytes
			code = string(b)
		}
		codes = append(codes, fmt.Sprint(code))
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(insertCols)), ",") + ")"
	var args []any
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO letters ("+strings.Join(insertCols, ",")+") VALUES "+
			strings.TrimSuffix(strings.Repeat(one+",", pending), ","), args...)
		args, pending = args[:0], 0
		return err
	}
	for i := range count {
		vals := append([]any(nil), templates[i%len(templates)]...)
		code, err := verifyCode()
		if err != nil {
			return nil, err
		}
		seq := 1000 + i
		vals[col["verify_code"]] = code
		vals[col["number"]] = fmt.Sprintf("470/%07d/3505122001/XI/2026", seq)
		vals[col["number_seq"]] = seq
		vals[col["subject_name"]] = name(i)
		vals[col["replaces_id"]] = nil
		vals[col["replaced_by_id"]] = nil
		if i%50 == 49 {
			vals[col["status"]] = string(surat.LetterRevoked)
			vals[col["revoked_at"]] = vals[col["signed_at"]]
			vals[col["revoke_reason"]] = "Data pemohon keliru"
		}
		for j, c := range cols {
			if c != "id" {
				args = append(args, vals[j])
			}
		}
		codes = append(codes, code)
		if pending++; pending == 200 { // under SQLite's limit of placeholders a statement
			if err := flush(); err != nil {
				return nil, fmt.Errorf("insert copies: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("insert copies: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	analyze := "ANALYZE"
	if d.driver == "mysql" {
		analyze = "ANALYZE TABLE letters, signer_certificates"
	}
	_, err = db.ExecContext(ctx, analyze)
	return codes, err
}

// openSQL opens a plain connection to the benchmark's database, writing
// times as the store does.
func openSQL(d database) (*sql.DB, error) {
	if d.driver == "mysql" {
		cfg, err := mysql.ParseDSN(d.dsn)
		if err != nil {
			return nil, err
		}
		cfg.ParseTime, cfg.Loc = true, time.UTC
		return sql.Open("mysql", cfg.FormatDSN())
	}
	return sql.Open("sqlite", d.dsn+"?_pragma=busy_timeout(10000)&_time_format=sqlite")
}

func anySlice(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// verifyCode is a verification code as issuance makes one: 128 random bits
// in unpadded base32.
func verifyCode() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

var (
	firstNames = []string{"Slamet", "Sri", "Dimas", "Ayu", "Fajar", "Rina", "Kartini", "Rudi", "Wulan", "Rizki", "Hendra", "Dewi"}
	lastNames  = []string{"Santoso", "Wahyuni", "Prasetyo", "Lestari", "Nugroho", "Yuliani", "Rahayu", "Hartono", "Sari", "Hidayat"}
)

func name(i int) string {
	return firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)]
}
