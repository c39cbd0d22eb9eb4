package letters

import (
	"go/ast"
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// loaderFormats returns every format string the loader passes to p.errf,
// msgf and newLoadError in the package's source files.
func loaderFormats(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := goparser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			idx := -1
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if fn.Sel.Name == "errf" {
					idx = 1
				}
			case *ast.Ident:
				switch fn.Name {
				case "msgf":
					idx = 0
				case "newLoadError":
					idx = 2
				}
			}
			if idx < 0 || len(call.Args) <= idx {
				return true
			}
			lit, ok := call.Args[idx].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: a loader message whose format is not a literal cannot be translated",
					fset.Position(call.Pos()))
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out[s] = fset.Position(call.Pos()).String()
			return true
		})
	}
	return out
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*[a-zA-Z]`)

// Every message of the loader has an Indonesian form taking the same
// arguments, and no translation is left without its message.
func TestEveryLoaderMessageIsTranslated(t *testing.T) {
	formats := loaderFormats(t)
	if len(formats) < 100 {
		t.Fatalf("found %d loader formats, expected well over 100: is the walk broken?", len(formats))
	}
	for f, at := range formats {
		_, ok := idFormats[f]
		if !ok {
			t.Errorf("%s: %q has no Indonesian form in idFormats", at, f)
			continue
		}
		var args []any
		for _, v := range verbRE.FindAllString(f, -1) {
			if strings.HasSuffix(v, "d") {
				args = append(args, 1)
			} else {
				args = append(args, "x")
			}
		}
		if got := indonesian(f, args); strings.Contains(got, "%!") {
			t.Errorf("%q: the translation does not take the same arguments: %s", f, got)
		}
	}
	for f := range idFormats {
		if _, ok := formats[f]; !ok {
			t.Errorf("idFormats has %q, which the loader no longer uses", f)
		}
	}
}

// The editor's problems name the line, the keys leading to it and the
// mistake in Indonesian, nested messages translated too.
func TestFileProblems(t *testing.T) {
	tests := []struct {
		dir  string
		want FileProblem
	}{
		{"unknown_placeholder", FileProblem{Line: 19, Path: "body › #2 › rows › Nama",
			Message: `kode isian {{pemohon.nma}} tidak dikenal: pemohon tidak punya data "nma"`}},
		{"unknown_field_type", FileProblem{Line: 13, Path: "fields › keperluan › type",
			Message: `tipe isian "number" tidak dikenal (text, textarea, date, time, int, money, enum)`}},
		{"unknown_key", FileProblem{Line: 2, Path: "titel", Message: `kunci "titel" tidak dikenal`}},
		{"missing_key", FileProblem{Line: 1, Message: `kunci wajib "title" belum ada`}},
		{"bad_yaml", FileProblem{Line: 6, Message: `YAML tidak valid: tanda "- " untuk butir daftar tidak ditemukan`}},
		{"label_case", FileProblem{Line: 19,
			Message: `label "Nama lengkap": tulis setiap kata label berawal huruf besar ("lengkap")`}},
		{"bad_condition", FileProblem{Line: 23,
			Message: `if "field.keperluan = Rujukk": "Rujukk" bukan pilihan isian keperluan`}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "broken", tt.dir, "contoh.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			_, perr := ParseModule("contoh.yaml", src)
			if perr == nil {
				t.Fatal("ParseModule accepted a broken file")
			}
			ps := FileProblems(src, perr)
			for _, p := range ps {
				if p.Line == tt.want.Line && strings.HasPrefix(p.Message, tt.want.Message) &&
					(tt.want.Path == "" || p.Path == tt.want.Path) {
					return
				}
			}
			t.Errorf("problems %+v\ndo not include %+v", ps, tt.want)
		})
	}
}
