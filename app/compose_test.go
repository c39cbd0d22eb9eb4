package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/suratdesa/suratdesa/app/internal/config"
)

// composeFile is the part of docker-compose.yml the test checks.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Ports       []string          `yaml:"ports"`
		Expose      []string          `yaml:"expose"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		DependsOn   yaml.Node         `yaml:"depends_on"`
		Networks    yaml.Node         `yaml:"networks"`
	} `yaml:"services"`
	Networks map[string]struct {
		Internal bool `yaml:"internal"`
	} `yaml:"networks"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// readCompose reads the repository's docker-compose.yml.
func readCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// TestComposeFile checks the production shape without a Docker engine:
// a one-shot migrate service the app waits for, the app's port on an
// internal network only and reached through Caddy, secrets from files,
// and .env.example naming every APP_* setting.
func TestComposeFile(t *testing.T) {
	c := readCompose(t)
	app, mig, caddy := c.Services["app"], c.Services["migrate"], c.Services["caddy"]
	if strings.Join(mig.Command, " ") != "migrate up" || mig.Image != app.Image {
		t.Errorf("migrate service: command %q image %q, want \"migrate up\" with the app's image %q", mig.Command, mig.Image, app.Image)
	}
	var deps map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := app.DependsOn.Decode(&deps); err != nil || deps["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("app depends_on = %v (%v), want migrate: service_completed_successfully", deps, err)
	}
	if len(app.Ports) != 0 {
		t.Errorf("app publishes ports %v; only Caddy may", app.Ports)
	}
	if slices.Contains(app.Command, "--migrate") {
		t.Error("the app migrates on start; the migrate service does")
	}
	var appNets []string
	if err := app.Networks.Decode(&appNets); err != nil {
		t.Fatalf("app networks: %v", err)
	}
	if !slices.Contains(appNets, "backend") || !c.Networks["backend"].Internal {
		t.Errorf("app networks %v; backend internal = %v, want the app on the internal backend network",
			appNets, c.Networks["backend"].Internal)
	}
	var caddyNets map[string]any
	if err := caddy.Networks.Decode(&caddyNets); err != nil {
		t.Fatalf("caddy networks: %v", err)
	}
	if _, ok := caddyNets["backend"]; !ok || !slices.Contains(caddy.Ports, "443:443") {
		t.Errorf("caddy: networks %v ports %v, want backend and 443", caddyNets, caddy.Ports)
	}
	for _, v := range []string{"APP_SECRET_FILE", "APP_DSN_FILE"} {
		if !strings.HasPrefix(app.Environment[v]+mig.Environment[v], "/run/secrets/") {
			t.Errorf("%s = %q, want a /run/secrets file", v, app.Environment[v])
		}
	}
	for _, v := range []string{"APP_SECRET", "APP_DSN"} {
		if _, ok := app.Environment[v]; ok {
			t.Errorf("%s is set in the environment; secrets come from files", v)
		}
	}
	for _, s := range append(app.Secrets, c.Services["db"].Secrets...) {
		if !strings.HasPrefix(c.Secrets[s].File, "./secrets/") {
			t.Errorf("secret %s: file %q, want under ./secrets/ (ignored by git)", s, c.Secrets[s].File)
		}
	}
	caddyfile, err := os.ReadFile("../deploy/caddy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dynamic a {\n\t\t\tname app\n\t\t\tport 8080", "respond @internal 404", "rate_limit"} {
		if !strings.Contains(string(caddyfile), want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	env, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(env), v.Env) {
			t.Errorf(".env.example does not mention %s", v.Env)
		}
	}
}

// TestComposePassesEverySetting: compose reads .env only to fill in its
// own ${...}; a setting the app containers are not given is silently
// ignored. Every setting .env.example names reaches the app (itself or as
// its _FILE), but those compose has no use for.
func TestComposePassesEverySetting(t *testing.T) {
	c := readCompose(t)
	app := c.Services["app"].Environment
	unused := map[string]string{
		"APP_DB_CREATE": "the db service creates the database",
	}
	for _, v := range config.Vars {
		_, direct := app[v.Env]
		_, file := app[v.Env+"_FILE"]
		if !direct && !file && unused[v.Env] == "" {
			t.Errorf("%s is not passed to the app containers", v.Env)
		}
	}
}

// TestDockerfileCopiesReplacedModules: go mod download in the image's
// first layer needs the go.mod of every module go.mod replaces with a
// folder of the repository (go-qrcode's was missing: the image did not
// build).
func TestDockerfileCopiesReplacedModules(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(mod), "\n") {
		_, target, ok := strings.Cut(line, "=> ./")
		if !ok || !strings.HasPrefix(strings.TrimSpace(line), "replace ") {
			continue
		}
		n++
		dir := strings.TrimSpace(target)
		if !strings.Contains(string(docker), "COPY "+dir+"/go.mod") {
			t.Errorf("the Dockerfile does not copy %s/go.mod before go mod download", dir)
		}
		if _, err := os.Stat("../" + dir + "/go.mod"); err != nil {
			t.Errorf("replace target %s: %v", dir, err)
		}
	}
	if n == 0 {
		t.Error("no local replace found in go.mod")
	}
}
