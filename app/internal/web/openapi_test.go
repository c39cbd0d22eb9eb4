package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The OpenAPI document is checked without a third-party validator: the
// schemas use a small subset of OpenAPI 3.0 (type, format date-time,
// properties, required, items, enum, nullable, oneOf, additionalProperties,
// $ref), and schemaChecker below implements exactly that subset. Objects
// are treated as closed unless they declare additionalProperties, so a
// field added to a response without documenting it fails the test.

// openAPI is the parsed document.
type openAPI struct {
	OpenAPI    string                                  `json:"openapi"`
	Paths      map[string]map[string]openAPIOp         `json:"paths"`
	Components struct{ Schemas map[string]jsonSchema } `json:"components"`
}

type openAPIOp struct {
	Summary   string                     `json:"summary"`
	Responses map[string]openAPIResponse `json:"responses"`
}

type openAPIResponse struct {
	Content map[string]struct {
		Schema jsonSchema `json:"schema"`
	} `json:"content"`
}

type jsonSchema = map[string]any

func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Fatalf("openapi version %q, want 3.0.x", doc.OpenAPI)
	}
	return &doc
}

var ginParamRE = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRoutes checks that every /api/v1 route of the router is
// documented with its method, that every documented path and method is a
// route, and that every $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newEnv(t, storetest.SQLite)
	routes := map[string]bool{}
	for _, r := range e.srv.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := ginParamRE.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + p
		routes[key] = true
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not documented in openapi.json", r.Method, p)
		}
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m, o := range ops {
			documented = append(documented, m+" "+p)
			if !routes[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which is not a route", strings.ToUpper(m), p)
			}
			if o.Summary == "" || len(o.Responses) == 0 {
				t.Errorf("%s %s has no summary or responses", m, p)
			}
		}
	}
	sort.Strings(documented)
	if len(documented) < 30 {
		t.Errorf("only %d operations documented", len(documented))
	}
	raw := string(openAPIDoc)
	for _, m := range regexp.MustCompile(`"\$ref": "#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(raw, -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	// The document is served as it is embedded.
	rec := e.do("GET", "/api/openapi.json", nil, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != raw {
		t.Errorf("GET /api/openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// schemaChecker validates decoded JSON against the document's schemas.
type schemaChecker struct{ doc *openAPI }

func (c schemaChecker) resolve(s jsonSchema) jsonSchema {
	for i := 0; i < 10; i++ {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = c.doc.Components.Schemas[strings.TrimPrefix(r, "#/components/schemas/")]
	}
	return s
}

// check returns one message per mismatch between v and s at path.
func (c schemaChecker) check(s jsonSchema, v any, path string) []string {
	s = c.resolve(s)
	if s == nil {
		return []string{path + ": no schema"}
	}
	if v == nil {
		if n, _ := s["nullable"].(bool); n {
			return nil
		}
		return []string{path + ": null but not nullable"}
	}
	if alts, ok := s["oneOf"].([]any); ok {
		for _, a := range alts {
			if len(c.check(a.(map[string]any), v, path)) == 0 {
				return nil
			}
		}
		return []string{path + ": matches no oneOf alternative"}
	}
	typ, _ := s["type"].(string)
	if typ == "" && s["properties"] != nil {
		typ = "object"
	}
	var errs []string
	switch typ {
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want string", path, v)}
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, path+": not an RFC 3339 date-time: "+str)
			}
		}
		if s["format"] == "date" && str != "" {
			if _, err := time.Parse("2006-01-02", str); err != nil {
				errs = append(errs, path+": not a date: "+str)
			}
		}
		if enum, ok := s["enum"].([]any); ok {
			found := false
			for _, e := range enum {
				found = found || e == str
			}
			if !found {
				errs = append(errs, fmt.Sprintf("%s: %q not in enum %v", path, str, enum))
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return []string{fmt.Sprintf("%s: %v, want integer", path, v)}
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return []string{fmt.Sprintf("%s: %T, want number", path, v)}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %T, want boolean", path, v)}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", path, v)}
		}
		items, _ := s["items"].(map[string]any)
		for i, it := range arr {
			errs = append(errs, c.check(items, it, path+"["+strconv.Itoa(i)+"]")...)
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", path, v)}
		}
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					errs = append(errs, path+": missing required "+r.(string))
				}
			}
		}
		for k, val := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, c.check(ps, val, path+"."+k)...)
				continue
			}
			if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, c.check(ap, val, path+"."+k)...)
				continue
			}
			errs = append(errs, path+": undocumented property "+k)
		}
	default:
		errs = append(errs, path+": schema without type")
	}
	return errs
}

// apiChecker sends API requests and validates every response against the
// documented response of its route template and status.
type apiChecker struct {
	t   *testing.T
	e   *mandiriEnv
	c   schemaChecker
	hit map[string]bool
}

func (a *apiChecker) validate(method, tmpl string, rec *httptest.ResponseRecorder) {
	a.t.Helper()
	op, ok := a.c.doc.Paths[tmpl][strings.ToLower(method)]
	if !ok {
		a.t.Errorf("%s %s not documented", method, tmpl)
		return
	}
	code := strconv.Itoa(rec.Code)
	resp, ok := op.Responses[code]
	if !ok {
		a.t.Errorf("%s %s answered %s, which is not documented: %s", method, tmpl, code, rec.Body)
		return
	}
	a.hit[strings.ToLower(method)+" "+tmpl] = true
	if len(resp.Content) == 0 {
		if rec.Body.Len() != 0 {
			a.t.Errorf("%s %s %s: body %q where none is documented", method, tmpl, code, rec.Body)
		}
		return
	}
	ct := strings.TrimSpace(strings.Split(rec.Header().Get("Content-Type"), ";")[0])
	media, ok := resp.Content[ct]
	if !ok {
		a.t.Errorf("%s %s %s: content type %q not documented", method, tmpl, code, ct)
		return
	}
	if ct != "application/json" {
		return
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		a.t.Errorf("%s %s: body is not JSON: %v", method, tmpl, err)
		return
	}
	for _, msg := range a.c.check(media.Schema, v, "body") {
		a.t.Errorf("%s %s %s: %s", method, tmpl, code, msg)
	}
}

// call sends a JSON request to path (the template with ids filled in),
// checks the status and the documented schema, and decodes into out.
func (a *apiChecker) call(method, tmpl, path, token string, body any, want int, out any) *httptest.ResponseRecorder {
	a.t.Helper()
	rec := a.e.api(method, path, token, body)
	if rec.Code != want {
		a.t.Fatalf("%s %s = %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	a.validate(method, tmpl, rec)
	if out != nil {
		decode(a.t, rec, out)
	}
	return rec
}

// TestOpenAPIResponsesMatchSchemas walks the clerk and resident flows
// through the real router and validates every answer, errors included,
// against openapi.json.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	e := newMandiriEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	a := &apiChecker{t: t, e: e, c: schemaChecker{doc: loadOpenAPI(t)}, hit: map[string]bool{}}
	op, kades, admin := lv.tokens["operator"], lv.tokens["kades"], lv.tokens["admin"]
	id := func(tmpl string, n int64) string { return strings.Replace(tmpl, "{id}", strconv.FormatInt(n, 10), 1) }

	// Staff: tokens, residents, modules.
	var tr tokenResponse
	a.call("POST", "/api/v1/auth/token", "/api/v1/auth/token", "", map[string]string{"username": "operator", "password": testPassword}, http.StatusOK, &tr)
	a.call("POST", "/api/v1/auth/token", "/api/v1/auth/token", "", map[string]string{"username": "operator", "password": "salah"}, http.StatusUnauthorized, nil)
	a.call("DELETE", "/api/v1/auth/token", "/api/v1/auth/token", tr.Token, nil, http.StatusNoContent, nil)
	a.call("GET", "/api/v1/residents", "/api/v1/residents", op, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/residents/{id}", id("/api/v1/residents/{id}", lv.res.ID), op, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/residents/{id}", "/api/v1/residents/999999", op, nil, http.StatusNotFound, nil)
	var created residentJSON
	a.call("POST", "/api/v1/residents", "/api/v1/residents", admin, map[string]any{"nik": "3505124408900004", "name": "Dewi Sartika",
		"birth_place": "Blitar", "birth_date": "1990-08-04", "sex": 2, "religion": 1, "marital_status": 1, "relation": 4,
		"citizenship": 1, "life_status": 1, "no_kk": "3505120101080001"}, http.StatusCreated, &created)
	a.call("POST", "/api/v1/residents", "/api/v1/residents", admin, map[string]any{"nik": "12", "name": ""}, http.StatusUnprocessableEntity, nil)
	a.call("PUT", "/api/v1/residents/{id}", id("/api/v1/residents/{id}", created.ID), admin, map[string]any{"nik": created.NIK,
		"name": "Dewi Sartika Putri", "birth_place": "Blitar", "birth_date": "1990-08-04", "sex": 2, "religion": 1, "marital_status": 1,
		"relation": 4, "citizenship": 1, "life_status": 1, "no_kk": "3505120101080001", "version": created.Version}, http.StatusOK, nil)
	a.call("GET", "/api/v1/modules", "/api/v1/modules", op, nil, http.StatusOK, nil)

	// Letters: create, edit, submit, return, approve, sign, pdf, revoke, replace, batch.
	var l letterJSON
	a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &l)
	a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, func(m map[string]any) { m["fields"] = map[string]any{} }),
		http.StatusUnprocessableEntity, nil)
	a.call("PUT", "/api/v1/letters/{id}", id("/api/v1/letters/{id}", l.ID), op, domisili(lv.res.ID, func(m map[string]any) { m["version"] = l.Version }), http.StatusOK, &l)
	a.call("GET", "/api/v1/letters/{id}", id("/api/v1/letters/{id}", l.ID), op, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/letters", "/api/v1/letters", op, nil, http.StatusOK, nil)
	a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", l.ID), op, nil, http.StatusOK, &l)
	a.call("POST", "/api/v1/letters/{id}/return", id("/api/v1/letters/{id}/return", l.ID), kades, map[string]string{"reason": "Keperluan kurang jelas"}, http.StatusOK, &l)
	a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", l.ID), op, nil, http.StatusOK, &l)
	a.call("POST", "/api/v1/letters/{id}/approve", id("/api/v1/letters/{id}/approve", l.ID), kades, map[string]int{"version": l.Version}, http.StatusOK, &l)
	a.call("POST", "/api/v1/letters/{id}/sign", id("/api/v1/letters/{id}/sign", l.ID), kades, map[string]string{"passphrase": testSignPass}, http.StatusOK, &l)
	a.call("POST", "/api/v1/letters/{id}/sign", id("/api/v1/letters/{id}/sign", l.ID), op, map[string]string{"passphrase": testSignPass}, http.StatusForbidden, nil)
	a.call("GET", "/api/v1/letters/{id}/pdf", id("/api/v1/letters/{id}/pdf", l.ID), op, nil, http.StatusOK, nil)
	code := l.VerifyURL[strings.LastIndex(l.VerifyURL, "/")+1:]
	a.call("GET", "/api/v1/verify/{code}", "/api/v1/verify/"+code, "", nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/verify/{code}", "/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA", "", nil, http.StatusNotFound, nil)
	var repl letterJSON
	a.call("POST", "/api/v1/letters/{id}/replace", id("/api/v1/letters/{id}/replace", l.ID), op, nil, http.StatusCreated, &repl)
	l2 := e.approvedLetter(lv)
	a.call("POST", "/api/v1/letters/sign-batch", "/api/v1/letters/sign-batch", kades, map[string]any{"passphrase": testSignPass, "ids": []int64{l2.ID}}, http.StatusOK, nil)
	revoke := id("/api/v1/letters/{id}/revoke", l2.ID)
	a.call("POST", "/api/v1/letters/{id}/revoke", revoke, op, map[string]string{"note": "Salah ketik nama"}, http.StatusUnprocessableEntity, nil)
	a.call("POST", "/api/v1/letters/{id}/revoke", revoke, op, map[string]string{"reason_code": "data_error", "note": "Salah ketik nama"}, http.StatusAccepted, nil)
	a.call("POST", "/api/v1/letters/{id}/revoke/reject", id("/api/v1/letters/{id}/revoke/reject", l2.ID), kades, map[string]string{"reason": "Nama sudah benar"}, http.StatusOK, nil)
	a.call("POST", "/api/v1/letters/{id}/revoke/confirm", id("/api/v1/letters/{id}/revoke/confirm", l2.ID), kades, nil, http.StatusConflict, nil)
	a.call("POST", "/api/v1/letters/{id}/revoke", revoke, op, map[string]string{"reason_code": "applicant_request"}, http.StatusAccepted, nil)
	a.call("POST", "/api/v1/letters/{id}/revoke/confirm", id("/api/v1/letters/{id}/revoke/confirm", l2.ID), kades, nil, http.StatusOK, nil)
	l3 := e.approvedLetter(lv)
	a.call("POST", "/api/v1/letters/{id}/sign", id("/api/v1/letters/{id}/sign", l3.ID), kades, map[string]string{"passphrase": testSignPass}, http.StatusOK, &l3)
	a.call("POST", "/api/v1/letters/{id}/revoke", id("/api/v1/letters/{id}/revoke", l3.ID), kades, map[string]string{"reason_code": "cancelled_by_official"}, http.StatusOK, nil)

	// The public paper match and the bulk check.
	match := "/api/v1/verify/" + code + "/match"
	a.call("POST", "/api/v1/verify/{code}/match", match, "", map[string]string{"nik": lv.res.NIK}, http.StatusOK, nil)
	a.call("POST", "/api/v1/verify/{code}/match", match, "", map[string]string{"nama": "Orang Lain"}, http.StatusOK, nil)
	a.call("POST", "/api/v1/verify/{code}/match", match, "", map[string]string{"nik": "12"}, http.StatusUnprocessableEntity, nil)
	a.call("POST", "/api/v1/verify/{code}/match", "/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA/match", "", map[string]string{"nik": lv.res.NIK}, http.StatusNotFound, nil)
	revokedCode := l3.VerifyURL[strings.LastIndex(l3.VerifyURL, "/")+1:]
	a.call("POST", "/api/v1/verify/{code}/match", "/api/v1/verify/"+revokedCode+"/match", "", map[string]string{"nik": lv.res.NIK}, http.StatusConflict, nil)
	for range verify.MatchPerClient - 2 {
		a.call("POST", "/api/v1/verify/{code}/match", match, "", map[string]string{"nik": lv.res.NIK}, http.StatusOK, nil)
	}
	a.call("POST", "/api/v1/verify/{code}/match", match, "", map[string]string{"nik": lv.res.NIK}, http.StatusTooManyRequests, nil)
	key, _, err := e.srv.verify.IssueAPIKey(t.Context(), surat.Actor{Username: "kab", Role: surat.RoleAdminKabupaten}, "Bank Uji")
	if err != nil {
		t.Fatal(err)
	}
	batch := func(key string, body any, want int) {
		t.Helper()
		b, _ := json.Marshal(body)
		rec := e.do("POST", "/api/v1/verify/batch", strings.NewReader(string(b)),
			http.Header{"Content-Type": {"application/json"}, "X-Api-Key": {key}})
		if rec.Code != want {
			t.Fatalf("POST /api/v1/verify/batch = %d, want %d: %s", rec.Code, want, rec.Body)
		}
		a.validate("POST", "/api/v1/verify/batch", rec)
	}
	batch(key, map[string]any{"codes": []string{code, revokedCode, "AAAAAAAAAAAAAAAAAAAAAAAAAA", "rusak"}}, http.StatusOK)
	batch("sdv_salah", map[string]any{"codes": []string{code}}, http.StatusUnauthorized)
	batch(key, map[string]any{"codes": []string{}}, http.StatusUnprocessableEntity)
	batch(key, "bukan objek", http.StatusBadRequest)

	// The workflow of issue 18: who can sign, delete a draft, withdraw,
	// a manual number, a new signer, approve and sign in one step (one
	// letter and a batch), and the sekretaris desa's verification.
	a.call("GET", "/api/v1/signers", "/api/v1/signers", op, nil, http.StatusOK, nil)
	var d letterJSON
	a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &d)
	a.call("DELETE", "/api/v1/letters/{id}", id("/api/v1/letters/{id}", d.ID), kades, nil, http.StatusForbidden, nil)
	a.call("DELETE", "/api/v1/letters/{id}", id("/api/v1/letters/{id}", d.ID), op, nil, http.StatusNoContent, nil)
	a.call("DELETE", "/api/v1/letters/{id}", id("/api/v1/letters/{id}", l.ID), op, nil, http.StatusConflict, nil)
	a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &d)
	a.call("POST", "/api/v1/letters/{id}/withdraw", id("/api/v1/letters/{id}/withdraw", d.ID), op, nil, http.StatusConflict, nil)
	a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", d.ID), op, nil, http.StatusOK, &d)
	a.call("POST", "/api/v1/letters/{id}/withdraw", id("/api/v1/letters/{id}/withdraw", d.ID), op, nil, http.StatusOK, &d)
	num := id("/api/v1/letters/{id}/number", d.ID)
	a.call("PUT", "/api/v1/letters/{id}/number", num, op, map[string]any{"seq": 240, "reason": "Nomor dari buku agenda"}, http.StatusForbidden, nil)
	a.call("PUT", "/api/v1/letters/{id}/number", num, admin, map[string]any{"seq": 240}, http.StatusUnprocessableEntity, nil)
	a.call("PUT", "/api/v1/letters/{id}/number", num, admin, map[string]any{"seq": 240, "reason": "Nomor dari buku agenda"}, http.StatusOK, &d)
	a.call("PUT", "/api/v1/letters/{id}/signer", id("/api/v1/letters/{id}/signer", d.ID), op,
		map[string]any{"signer_official_id": 999999}, http.StatusUnprocessableEntity, nil)
	a.call("PUT", "/api/v1/letters/{id}/signer", id("/api/v1/letters/{id}/signer", d.ID), op,
		map[string]any{"signer_official_id": lv.head.ID}, http.StatusOK, &d)
	a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", d.ID), op, nil, http.StatusOK, &d)
	as := id("/api/v1/letters/{id}/approve-sign", d.ID)
	a.call("POST", "/api/v1/letters/{id}/approve-sign", as, kades, map[string]any{"version": d.Version, "passphrase": "salah"},
		http.StatusUnprocessableEntity, nil)
	a.call("POST", "/api/v1/letters/{id}/approve-sign", as, kades, map[string]any{"version": d.Version - 1, "passphrase": testSignPass},
		http.StatusConflict, nil)
	a.call("POST", "/api/v1/letters/{id}/approve-sign", as, kades, map[string]any{"version": d.Version, "passphrase": testSignPass},
		http.StatusOK, &d)
	if !strings.Contains(d.Number, "/240/") || d.ManualSeq == nil {
		t.Errorf("approve-sign with a manual number: %q %v", d.Number, d.ManualSeq)
	}
	var b1, b2 letterJSON
	for _, b := range []*letterJSON{&b1, &b2} {
		a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, b)
		a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", b.ID), op, nil, http.StatusOK, b)
	}
	a.call("POST", "/api/v1/letters/approve-sign", "/api/v1/letters/approve-sign", kades, map[string]any{"passphrase": testSignPass,
		"items": []map[string]any{{"id": b1.ID, "version": b1.Version}, {"id": b2.ID, "version": b2.Version}}}, http.StatusOK, nil)
	a.call("POST", "/api/v1/letters/approve-sign", "/api/v1/letters/approve-sign", kades, map[string]any{"passphrase": testSignPass},
		http.StatusUnprocessableEntity, nil)
	sekdes := e.sekdes(lv, "")
	if err := e.st.SaveWorkflowSettings(t.Context(), surat.Actor{Username: "admin"}, lv.v.ID,
		&surat.WorkflowSettings{VerifySekdes: true}); err != nil {
		t.Fatal(err)
	}
	var vl letterJSON
	a.call("POST", "/api/v1/letters", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &vl)
	a.call("POST", "/api/v1/letters/{id}/submit", id("/api/v1/letters/{id}/submit", vl.ID), op, nil, http.StatusOK, &vl)
	a.call("POST", "/api/v1/letters/{id}/approve", id("/api/v1/letters/{id}/approve", vl.ID), kades, map[string]int{"version": vl.Version},
		http.StatusConflict, nil)
	a.call("POST", "/api/v1/letters/{id}/verify", id("/api/v1/letters/{id}/verify", vl.ID), kades, nil, http.StatusForbidden, nil)
	a.call("POST", "/api/v1/letters/{id}/verify", id("/api/v1/letters/{id}/verify", vl.ID), sekdes, map[string]int{"version": vl.Version},
		http.StatusOK, &vl)
	if vl.VerifiedAt == nil {
		t.Error("verified letter has no verified_at")
	}
	if err := e.st.SaveWorkflowSettings(t.Context(), surat.Actor{Username: "admin"}, lv.v.ID, &surat.WorkflowSettings{}); err != nil {
		t.Fatal(err)
	}

	// Residents (Layanan Mandiri).
	pin := e.issuePIN("operator", lv.res.NIK)
	var mt mandiriTokenResponse
	a.call("POST", "/api/v1/mandiri/auth/token", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": lv.res.NIK, "pin": "000001"}, http.StatusUnauthorized, nil)
	a.call("POST", "/api/v1/mandiri/auth/token", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": "1"}, http.StatusUnprocessableEntity, nil)
	a.call("POST", "/api/v1/mandiri/auth/token", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": lv.res.NIK, "pin": pin}, http.StatusOK, &mt)
	rt := mt.Token
	a.call("GET", "/api/v1/mandiri/me", "/api/v1/mandiri/me", rt, nil, http.StatusForbidden, nil)
	a.call("POST", "/api/v1/mandiri/pin", "/api/v1/mandiri/pin", rt, map[string]string{"pin_lama": pin, "pin_baru": "111111"}, http.StatusUnprocessableEntity, nil)
	a.call("POST", "/api/v1/mandiri/pin", "/api/v1/mandiri/pin", rt, map[string]string{"pin_lama": pin, "pin_baru": "583920"}, http.StatusNoContent, nil)
	a.call("GET", "/api/v1/mandiri/me", "/api/v1/mandiri/me", rt, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/modules", "/api/v1/mandiri/modules", rt, nil, http.StatusOK, nil)
	var rq mandiriRequestJSON
	a.call("POST", "/api/v1/mandiri/requests", "/api/v1/mandiri/requests", rt, domisili(lv.res.ID, nil), http.StatusCreated, &rq)
	a.call("POST", "/api/v1/mandiri/requests", "/api/v1/mandiri/requests", rt, domisili(lv.res.ID, func(m map[string]any) { m["module"] = "sk_kematian" }), http.StatusUnprocessableEntity, nil)
	rp := id("/api/v1/mandiri/requests/{id}", rq.ID)
	rec := e.uploadAPI(rt, rq.ID, map[string][]byte{"ktp.pdf": tinyPDF})
	a.validate("POST", "/api/v1/mandiri/requests/{id}/attachments", rec)
	rec = e.uploadAPI(rt, rq.ID, map[string][]byte{"ktp.pdf": fakeExe})
	a.validate("POST", "/api/v1/mandiri/requests/{id}/attachments", rec)
	a.call("PUT", "/api/v1/mandiri/requests/{id}", rp, rt, domisili(lv.res.ID, nil), http.StatusConflict, nil)
	if _, err := e.st.ReturnRequest(t.Context(), surat.Actor{Username: "operator"}, lv.v.ID, rq.ID, "Lampirkan KK"); err != nil {
		t.Fatal(err)
	}
	a.call("GET", "/api/v1/mandiri/requests/{id}", rp, rt, nil, http.StatusOK, &rq)
	a.call("PUT", "/api/v1/mandiri/requests/{id}", rp, rt, domisili(lv.res.ID, func(m map[string]any) { m["version"] = rq.Version }), http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/requests", "/api/v1/mandiri/requests", rt, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/requests/{id}", "/api/v1/mandiri/requests/999999", rt, nil, http.StatusNotFound, nil)
	a.call("POST", "/api/v1/mandiri/requests/{id}/cancel", id("/api/v1/mandiri/requests/{id}/cancel", rq.ID), rt, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/letters", "/api/v1/mandiri/letters", rt, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/letters/{id}/pdf", id("/api/v1/mandiri/letters/{id}/pdf", l.ID), rt, nil, http.StatusOK, nil)
	a.call("GET", "/api/v1/mandiri/letters/{id}/pdf", id("/api/v1/mandiri/letters/{id}/pdf", l2.ID), rt, nil, http.StatusNotFound, nil)
	// The resident opts in to notifications, and sends a returned request
	// back as it is.
	a.call("GET", "/api/v1/mandiri/notifications", "/api/v1/mandiri/notifications", rt, nil, http.StatusOK, nil)
	a.call("PUT", "/api/v1/mandiri/notifications", "/api/v1/mandiri/notifications", rt,
		map[string]any{"telepon": "0812-3456-7890", "email": "budi@example.org", "setuju": true}, http.StatusOK, nil)
	a.call("PUT", "/api/v1/mandiri/notifications", "/api/v1/mandiri/notifications", rt,
		map[string]any{"telepon": "12ab", "setuju": true}, http.StatusUnprocessableEntity, nil)
	var rq2 mandiriRequestJSON
	a.call("POST", "/api/v1/mandiri/requests", "/api/v1/mandiri/requests", rt, domisili(lv.res.ID, nil), http.StatusCreated, &rq2)
	resub := id("/api/v1/mandiri/requests/{id}/resubmit", rq2.ID)
	a.call("POST", "/api/v1/mandiri/requests/{id}/resubmit", resub, rt, nil, http.StatusConflict, nil)
	if _, err := e.st.ReturnRequest(t.Context(), surat.Actor{Username: "operator"}, lv.v.ID, rq2.ID, "Bawa KK asli"); err != nil {
		t.Fatal(err)
	}
	a.call("POST", "/api/v1/mandiri/requests/{id}/resubmit", resub, rt, nil, http.StatusOK, nil)
	a.call("DELETE", "/api/v1/mandiri/auth/token", "/api/v1/mandiri/auth/token", rt, nil, http.StatusNoContent, nil)
	a.call("GET", "/api/v1/mandiri/requests", "/api/v1/mandiri/requests", rt, nil, http.StatusUnauthorized, nil)

	// Every documented operation was exercised except the import upload,
	// which api_import_test.go covers.
	doc := a.c.doc
	for p, ops := range doc.Paths {
		for m := range ops {
			if !a.hit[m+" "+p] && p != "/api/v1/residents/import" {
				t.Errorf("%s %s was not exercised", strings.ToUpper(m), p)
			}
		}
	}
}

// TestSchemaCheckerRejects shows that the checker fails on what it should,
// so that a green TestOpenAPIResponsesMatchSchemas means something.
func TestSchemaCheckerRejects(t *testing.T) {
	c := schemaChecker{doc: loadOpenAPI(t)}
	ref := jsonSchema{"$ref": "#/components/schemas/MandiriToken"}
	good := map[string]any{"token": "x", "token_type": "Bearer", "expires_at": "2026-11-23T03:00:00Z", "must_change_pin": false}
	if errs := c.check(ref, good, "body"); len(errs) != 0 {
		t.Fatalf("valid token refused: %v", errs)
	}
	for name, mutate := range map[string]func(map[string]any){
		"missing required":      func(m map[string]any) { delete(m, "token") },
		"undocumented property": func(m map[string]any) { m["nik"] = "3505121501800001" },
		"wrong type":            func(m map[string]any) { m["must_change_pin"] = "no" },
		"not in enum":           func(m map[string]any) { m["token_type"] = "Basic" },
		"bad date-time":         func(m map[string]any) { m["expires_at"] = "besok" },
		"null not nullable":     func(m map[string]any) { m["token"] = nil },
	} {
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		mutate(bad)
		if errs := c.check(ref, bad, "body"); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
