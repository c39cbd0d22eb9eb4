package config

import (
	"flag"
	"io"
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
