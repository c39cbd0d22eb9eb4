package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/metrics"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// testParams keeps password hashing cheap in tests.
var testParams = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

const testPassword = "rahasia123"

// clock is a settable fake clock shared by the store and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server on a fresh database.
type env struct {
	t     *testing.T
	st    *store.Store
	dsn   string // of st, for tests that read rows as they are stored
	srv   *Server
	h     http.Handler
	clock *clock
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The catalogue and the renderer are immutable and safe for concurrent use,
// so every test shares one of each.
var (
	letterDepsOnce sync.Once
	letterCat      *letters.Catalogue
	letterPDF      *pdf.Renderer
	letterDepsErr  error
)

// testCatalogue is the built-in letter catalogue, loaded once.
func testCatalogue(t testing.TB) *letters.Catalogue {
	t.Helper()
	letterDepsOnce.Do(func() {
		if letterCat, letterDepsErr = letters.Load(lettertpl.FS); letterDepsErr != nil {
			return
		}
		letterPDF, letterDepsErr = pdf.NewRenderer()
	})
	if letterDepsErr != nil {
		t.Fatalf("catalogue and renderer: %v", letterDepsErr)
	}
	return letterCat
}

// testIssuance is the issuance service of a test server on d's store,
// clock, log and base URL, with cheap key sealing; PDFs and logos go to
// storage, a temporary directory when it is empty.
func testIssuance(t testing.TB, d *Deps, storage string) *issuance.Service {
	t.Helper()
	cat := testCatalogue(t)
	if storage == "" {
		storage = t.TempDir()
	}
	s, err := issuance.New(issuance.Deps{Store: d.Store, Catalogue: cat, Renderer: letterPDF,
		StorageDir: storage, BaseURL: d.Config.BaseURL, Now: d.Now, Log: d.Log, KDF: testParams,
		MatchKey: surat.NewMatchKey(d.Config.Secret)})
	if err != nil {
		t.Fatalf("issuance: %v", err)
	}
	return s
}

type envOption func(*Deps)

func withBaseURL(u string) envOption   { return func(d *Deps) { d.Config.BaseURL = u } }
func withSetupCode(c string) envOption { return func(d *Deps) { d.SetupCode = c } }

func newEnv(t *testing.T, b storetest.Backend, opts ...envOption) *env {
	t.Helper()
	ck := &clock{t: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	st, dsn := storetest.OpenDSN(t, b, ck.Now)
	logs := &syncBuffer{}
	d := Deps{
		Log:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Store:          st,
		Config:         config.Config{BaseURL: "http://localhost:8080", Secret: strings.Repeat("k", 32)},
		Now:            ck.Now,
		PasswordParams: testParams,
		Metrics:        metrics.New(st),
	}
	for _, o := range opts {
		o(&d)
	}
	if d.Issuance == nil {
		d.Issuance = testIssuance(t, &d, d.Config.Storage)
	}
	if d.Verify == nil {
		d.Verify = testVerify(t, d.Store, d.Now, surat.NewMatchKey(d.Config.Secret))
	}
	if d.Mandiri == nil {
		d.Mandiri = testMandiri(t, d)
	}
	if d.Notify == nil {
		d.Notify = testNotify(t, d)
	}
	srv, err := New(d)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{t: t, st: st, dsn: dsn, srv: srv, h: srv.Handler(), clock: ck, logs: logs}
}

// testNotify builds the notification service of a test server on d's
// store and clock, without a mail server; webhooks may reach local
// addresses (the tests' receivers).
func testNotify(tb testing.TB, d Deps) *notify.Service {
	tb.Helper()
	n, err := notify.New(notify.Deps{Store: d.Store, Modules: d.Issuance, BaseURL: d.Config.BaseURL,
		SMTPURL: d.Config.SMTPURL, MailFrom: d.Config.MailFrom, AllowPrivate: true, Now: d.Now, Log: d.Log})
	if err != nil {
		tb.Fatalf("notify: %v", err)
	}
	return n
}

// testMandiri builds the Layanan Mandiri service for the server of d, on
// its store, clock and issuance service, or on an issuance service of its
// own when d has none; attachments go to d.Config.Storage, or a temporary
// directory.
func testMandiri(tb testing.TB, d Deps) *mandiri.Service {
	tb.Helper()
	dir := d.Config.Storage
	if dir == "" {
		dir = tb.TempDir()
	}
	iss := d.Issuance
	if iss == nil {
		iss = testIssuance(tb, &d, dir)
	}
	// With a storage folder the attachments go there (tests list them);
	// without one they share the issuance service's blob store.
	keeper := iss.Files()
	if d.Config.Storage != "" {
		keeper = nil
	}
	m, err := mandiri.New(mandiri.Deps{Store: d.Store, Issuance: iss, Files: keeper, StorageDir: d.Config.Storage, Now: d.Now,
		PINParams: d.PasswordParams, Log: d.Log})
	if err != nil {
		tb.Fatalf("mandiri: %v", err)
	}
	return m
}

func (e *env) village(code, name string) *surat.Village {
	e.t.Helper()
	v := &surat.Village{Code: code, Name: name, Sebutan: "Desa", Kecamatan: "Sanankulon", Kabupaten: "Blitar",
		SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := e.st.CreateVillage(context.Background(), surat.Actor{Username: "test"}, v); err != nil {
		e.t.Fatalf("create village: %v", err)
	}
	return v
}

func (e *env) user(v *surat.Village, username string, role surat.Role) *surat.User {
	e.t.Helper()
	return e.addUser(v, username, role, false)
}

// disabledUser adds an operator whose account is disabled.
func (e *env) disabledUser(v *surat.Village, username string) *surat.User {
	e.t.Helper()
	return e.addUser(v, username, surat.RoleOperator, true)
}

func (e *env) addUser(v *surat.Village, username string, role surat.Role, disabled bool) *surat.User {
	e.t.Helper()
	hash, err := auth.Hash(testPassword, testParams)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &surat.User{Username: username, FullName: "Pengguna " + username, PasswordHash: hash, Role: role,
		Disabled: disabled}
	if v != nil {
		u.VillageID = &v.ID
	}
	if err := e.st.CreateUser(context.Background(), surat.Actor{Username: "test"}, u); err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// resident adds a resident directly through the store.
func (e *env) resident(v *surat.Village, nik, name string) *surat.Resident {
	e.t.Helper()
	r := &surat.Resident{NIK: nik, Name: name, BirthPlace: "Blitar", BirthDate: time.Date(1980, 1, 15, 0, 0, 0, 0, time.UTC),
		Sex: surat.SexMale, Religion: 1, MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1,
		LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: "3505120101080001", Address: "Jl. Melati 3", RT: "001", RW: "002", Dusun: "Krajan"}
	if err := e.st.CreateResident(context.Background(), surat.Actor{Username: "test"}, v.ID, r, h); err != nil {
		e.t.Fatalf("create resident: %v", err)
	}
	return r
}

// do sends one request through the full router.
func (e *env) do(method, path string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// api sends a JSON request with a bearer token ("" for none).
func (e *env) api(method, path, token string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	h := http.Header{}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return e.do(method, path, r, h)
}

// apiFrom sends a JSON request without a token from client address ip.
func (e *env) apiFrom(ip, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.RemoteAddr = net.JoinHostPort(ip, "40000")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// token logs in through the API and returns a bearer token.
func (e *env) token(username string) string {
	e.t.Helper()
	rec := e.api("POST", "/api/v1/auth/token", "", map[string]string{"username": username, "password": testPassword})
	if rec.Code != http.StatusOK {
		e.t.Fatalf("token for %s: %d %s", username, rec.Code, rec.Body)
	}
	var tr tokenResponse
	decode(e.t, rec, &tr)
	return tr.Token
}

func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

// browser is a client with a cookie jar against a real listener, which does
// not follow redirects so that tests see them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *env) browser() *browser {
	e.t.Helper()
	ts := httptest.NewServer(e.h)
	e.t.Cleanup(ts.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, base: ts.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is a finished response with its body read.
type response struct {
	Code   int
	Header http.Header
	Body   string
}

func (b *browser) get(path string) response {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// csrf loads a page and returns the csrf_token of its first form.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	tok := attr(b.t, r.Body, "input", "name", csrfField, "value")
	if tok == "" {
		b.t.Fatalf("GET %s: no csrf_token in %d page", path, r.Code)
	}
	return tok
}

// sessionToken is the browser's current session cookie value.
func (b *browser) sessionToken() string {
	b.t.Helper()
	u, err := url.Parse(b.base)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	b.t.Fatal("no session cookie in the jar")
	return ""
}

// login signs in through the form and fails the test if it does not work.
func (b *browser) login(username string) {
	b.t.Helper()
	r := b.post("/login", url.Values{"username": {username}, "password": {testPassword}, csrfField: {b.csrf("/login")}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		b.t.Fatalf("login %s: got %d to %q", username, r.Code, r.Header.Get("Location"))
	}
}

func read(t *testing.T, resp *http.Response) response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Code: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// findNode returns the first element of the document matching match.
func findNode(t *testing.T, doc string, match func(*html.Node) bool) *html.Node {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && match(n) {
			found = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return found
}

func getAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// attr returns attribute want of the first tag element whose attribute key
// equals val, or "".
func attr(t *testing.T, doc, tag, key, val, want string) string {
	t.Helper()
	n := findNode(t, doc, func(n *html.Node) bool {
		v, ok := getAttr(n, key)
		return n.Data == tag && ok && v == val
	})
	if n == nil {
		return ""
	}
	v, _ := getAttr(n, want)
	return v
}

// textByID returns the text inside the element with that id, or "" when
// there is none.
func textByID(t *testing.T, doc, id string) string {
	t.Helper()
	n := findNode(t, doc, func(n *html.Node) bool { v, ok := getAttr(n, "id"); return ok && v == id })
	if n == nil {
		return ""
	}
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(sb.String())
}

// cookie finds a Set-Cookie of that name.
func cookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// cookieNamed is the value of the browser's cookie name, "" when it has
// none.
func (b *browser) cookieNamed(name string) string {
	b.t.Helper()
	u, err := url.Parse(b.base)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
