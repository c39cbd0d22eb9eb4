package letters

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadValidFixture(t *testing.T) {
	c, err := Load(os.DirFS("testdata/valid"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Module("sk_contoh")
	if m == nil || m.MainRole() != "pemohon" || m.Field("keperluan") == nil || m.Validity.String() != "1 bulan" {
		t.Fatalf("got %+v", m)
	}
	if _, err := c.Build(Demo(m, testNow)); err != nil {
		t.Errorf("a module without examples for its subjects still previews: %v", err)
	}
}

// Each directory of testdata/broken holds module files with one mistake;
// Load must refuse them and name the file and line.
func TestLoadErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		dir  string
		want string
	}{
		{"unknown_placeholder", `contoh.yaml:19: unknown placeholder {{pemohon.nma}}: pemohon has no attribute "nma"`},
		{"unknown_field_placeholder", `contoh.yaml:20: unknown placeholder {{field.keperluann}}: no field "keperluann" is declared`},
		{"unknown_field_type", `contoh.yaml:13: unknown field type "number"`},
		{"unknown_enum", `contoh.yaml:14: unknown enum "agamaa"`},
		{"duplicate_code", `b.yaml:1: duplicate code "sk_contoh" (already defined in a.yaml)`},
		{"missing_key", `contoh.yaml:1: missing required key "title"`},
		{"unknown_key", `contoh.yaml:2: unknown key "titel"`},
		{"bad_yaml", `contoh.yaml:6: invalid YAML: did not find expected`},
		{"unknown_role_reference", `contoh.yaml:7: role pemohon: same_household names unknown role "ayah"`},
		{"bad_condition", `contoh.yaml:23: if "field.keperluan = Rujukk": "Rujukk" is not an option of field keperluan`},
		{"missing_example", `contoh.yaml:11: field keperluan is required and needs an example`},
		{"unknown_status", `contoh.yaml:10: unknown status "wafat"`},
		{"unknown_filter", `contoh.yaml:19: unknown filter "capital"`},
		{"person_as_field", `contoh.yaml:13: field keperluan: people are declared under subjects`},
		{"unused_field", `contoh.yaml:11: field keperluan is never used in the body`},
		{"unclosed_placeholder", `contoh.yaml:17: unclosed placeholder`},
		{"label_case", `contoh.yaml:19: label "Nama lengkap": write labels in Title Case ("lengkap")`},
		{"signature_unknown_role", `contoh.yaml:23: role "saksi" is not a subject of this module`},
		{"official_twice", `contoh.yaml:22: signatures: the official's block (official: true) may appear once`},
		{"form_bad_alias", `contoh.yaml:23: roles: orang must name a role of this module, not "tidak_ada"`},
		{"form_unknown_placeholder", `contoh.yaml:27: unknown placeholder {{pemohon.umur}}: pemohon has no attribute "umur"`},
		{"died_on_required", `contoh.yaml:11: role pemohon: died_on must name a date field, not "keperluan"`},
		{"typed_required_resident", `contoh.yaml:10: typed_required applies to kinds person and person_list only`},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			c, err := Load(os.DirFS(filepath.Join("testdata", "broken", tt.dir)))
			if err == nil {
				t.Fatalf("Load succeeded with %d modules, want an error", len(c.Modules()))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.want)
			}
			var le *LoadError
			if !errors.As(err, &le) || le.File == "" {
				t.Errorf("error is not a *LoadError with a file: %#v", err)
			}
		})
	}
}

func TestLoadEmptyCatalogue(t *testing.T) {
	if _, err := Load(fstest.MapFS{"README.md": {Data: []byte("x")}}); err == nil {
		t.Error("Load of a directory without modules succeeded")
	}
}

// A 28th module is one more file: nothing else changes.
func TestAddingAModuleIsOneFile(t *testing.T) {
	fsys := fstest.MapFS{}
	entries, err := os.ReadDir(filepath.Join("..", "..", "..", "templates", "letters"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "templates", "letters", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	extra, err := os.ReadFile("testdata/valid/contoh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fsys["sk_contoh.yaml"] = &fstest.MapFile{Data: extra}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.Modules()), len(wantCodes)+1; got != want {
		t.Fatalf("got %d modules, want %d", got, want)
	}
	if _, err := c.Build(Demo(c.Module("sk_contoh"), testNow)); err != nil {
		t.Error(err)
	}
}
