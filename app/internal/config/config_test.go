package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return build()
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	if c.Addr != ":8080" || c.DB != "sqlite" || c.DSN != "storage/suratdesa.db" || c.BaseURL != "http://localhost:8080" {
		t.Errorf("got %+v", c)
	}
}

func TestFlagOverridesEnv(t *testing.T) {
	c, err := load(t, map[string]string{"APP_ADDR": ":9000", "APP_STORAGE": "/data"}, "--addr", ":9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9100" {
		t.Errorf("addr = %q, want flag value :9100", c.Addr)
	}
	if c.DSN != "/data/suratdesa.db" {
		t.Errorf("dsn = %q, want it under APP_STORAGE", c.DSN)
	}
}

func TestInvalidReportsEveryProblem(t *testing.T) {
	_, err := load(t, map[string]string{
		"APP_ADDR": "8080", "APP_DB": "postgres", "APP_BASE_URL": "localhost", "APP_SECRET": "short",
	})
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"APP_ADDR", "APP_DB", "APP_BASE_URL", "APP_SECRET"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestMySQLNeedsDSN(t *testing.T) {
	if _, err := load(t, map[string]string{"APP_DB": "mysql"}); err == nil || !strings.Contains(err.Error(), "APP_DSN") {
		t.Errorf("got %v, want APP_DSN error", err)
	}
}

func TestMaskDSN(t *testing.T) {
	got := MaskDSN("app:s3cret@tcp(db:3306)/suratdesa?parseTime=true")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "app:********@tcp(db:3306)") {
		t.Errorf("MaskDSN = %q", got)
	}
	c := Config{Secret: "0123456789abcdef0123456789abcdef", DSN: "u:pw@tcp(x)/y"}
	for _, v := range c.LogValue() {
		if s, ok := v.(string); ok && (strings.Contains(s, "0123456789") || strings.Contains(s, ":pw@")) {
			t.Errorf("secret leaked in log value %q", s)
		}
	}
}

func TestMySQLNeedsSecret(t *testing.T) {
	env := map[string]string{"APP_DB": "mysql", "APP_DSN": "u:p@tcp(db:3306)/suratdesa"}
	_, err := load(t, env)
	if err == nil || !strings.Contains(err.Error(), "APP_SECRET (or APP_SECRET_FILE) is required") {
		t.Fatalf("got %v, want the APP_SECRET requirement", err)
	}
	env["APP_SECRET"] = strings.Repeat("k", 32)
	if _, err := load(t, env); err != nil {
		t.Errorf("with APP_SECRET: %v", err)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	dsn := filepath.Join(dir, "dsn")
	if err := os.WriteFile(secret, []byte(strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dsn, []byte("app:pw@tcp(db:3306)/suratdesa\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, map[string]string{"APP_DB": "mysql", "APP_DSN_FILE": dsn, "APP_SECRET_FILE": secret})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Secret, strings.Repeat("s", 40); got != want {
		t.Errorf("Secret = %q, want the file's content %q", got, want)
	}
	if got, want := c.DSN, "app:pw@tcp(db:3306)/suratdesa"; got != want {
		t.Errorf("DSN = %q, want %q", got, want)
	}
	// The variable itself wins over its file.
	c, err = load(t, map[string]string{"APP_SECRET": strings.Repeat("v", 32), "APP_SECRET_FILE": secret})
	if err != nil || c.Secret != strings.Repeat("v", 32) {
		t.Errorf("APP_SECRET with APP_SECRET_FILE: %q, %v", c.Secret, err)
	}
	_, err = load(t, map[string]string{"APP_SECRET_FILE": filepath.Join(dir, "missing")})
	if err == nil || !strings.Contains(err.Error(), "APP_SECRET_FILE") {
		t.Errorf("missing file: %v, want an APP_SECRET_FILE error", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	_, err = load(t, map[string]string{"APP_SECRET_FILE": empty})
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: %v, want an error", err)
	}
}

func TestPoolAndFormatSettings(t *testing.T) {
	c, err := load(t, map[string]string{"APP_DB_MAX_OPEN": "40", "APP_DB_MAX_IDLE": "10", "APP_LOG_FORMAT": "JSON",
		"APP_DB_CREATE": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DBMaxOpen != 40 || c.DBMaxIdle != 10 || c.LogFormat != "json" || !c.DBCreate {
		t.Errorf("got open %d idle %d format %q create %v", c.DBMaxOpen, c.DBMaxIdle, c.LogFormat, c.DBCreate)
	}
	for _, tt := range []struct{ env, val string }{
		{"APP_DB_MAX_OPEN", "0"}, {"APP_DB_MAX_IDLE", "lots"}, {"APP_LOG_FORMAT", "xml"}, {"APP_DB_CREATE", "maybe"},
		{"APP_METRICS_TOKEN", "short"},
	} {
		if _, err := load(t, map[string]string{tt.env: tt.val}); err == nil || !strings.Contains(err.Error(), tt.env) {
			t.Errorf("%s=%q: got %v, want an error naming it", tt.env, tt.val, err)
		}
	}
}

func TestLocalBaseURL(t *testing.T) {
	for url, want := range map[string]bool{
		"http://localhost:8080": true, "http://127.0.0.1": true, "http://[::1]:8080": true, "http://0.0.0.0:8080": true,
		"http://app.localhost": true, "https://surat.blitarkab.go.id": false, "http://10.0.0.5:8080": false,
	} {
		if got := (Config{BaseURL: url}).LocalBaseURL(); got != want {
			t.Errorf("LocalBaseURL(%s) = %v, want %v", url, got, want)
		}
	}
}
