package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestBrowserTemplateEditor drives the template editor in a real browser:
// the village admin breaks a placeholder and sees the line marked while
// typing, saves anyway and is refused by line, fixes the wording and saves,
// adds a field with the side panel, previews the letter with a resident of
// the village, reads the version list and the diff, and the operator's
// letter form asks for the new field. On a desktop window and a 360 px
// phone screen, with screenshots of every step.
func TestBrowserTemplateEditor(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium, or set APP_TEST_CHROMIUM); browser test skipped")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	shots := screenshotDir(t)
	for _, run := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{name: "template-desktop", width: 1440, height: 1000},
		{name: "template-phone360", width: 360, height: 740, mobile: true},
	} {
		t.Run(run.name, func(t *testing.T) {
			ts := httptest.NewUnstartedServer(nil)
			base := "http://" + ts.Listener.Addr().String()
			var iss *issuance.Service
			e := newEnv(t, storetest.SQLite, withBaseURL(base), withIssuance(t, &iss))
			ts.Config.Handler = e.h
			ts.Start()
			t.Cleanup(ts.Close)
			ctx := context.Background()
			if _, err := demo.Seed(ctx, e.st, testParams, e.clock.Now()); err != nil {
				t.Fatalf("demo seed: %v", err)
			}

			opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
				chromedp.DisableGPU, chromedp.WindowSize(int(run.width), int(run.height)))
			actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
			defer cancel()
			bctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			bctx, cancel = context.WithTimeout(bctx, 240*time.Second)
			defer cancel()
			if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
				t.Fatalf("start chromium: %v", err)
			}
			if run.mobile {
				if err := chromedp.Do(bctx, chromedp.EmulateViewport(run.width, run.height, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
					t.Fatalf("viewport: %v", err)
				}
			}
			step := 0
			shot := func(name string) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					step++
					w, err := chromedp.Evaluate[[]int]("[document.documentElement.scrollWidth, window.innerWidth]")(ctx, tg)
					if err != nil {
						return err
					}
					if len(w) == 2 && w[0] > w[1] {
						t.Errorf("%s: page %s is %d px wide on a %d px screen", run.name, name, w[0], w[1])
					}
					// A full-page capture can hang while the PDF viewer in
					// the preview frame draws; pages with the frame are
					// captured as the window shows them.
					framed, err := chromedp.Evaluate[bool](`!!document.getElementById("pratinjau")`)(ctx, tg)
					if err != nil {
						return err
					}
					var buf []byte
					if framed {
						buf, err = chromedp.CaptureScreenshot()(ctx, tg)
					} else {
						buf, err = chromedp.FullScreenshot(100)(ctx, tg)
					}
					if err != nil {
						return err
					}
					return os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%02d-%s.png", run.name, step, name)), buf, 0o644)
				})
			}
			do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				for i, a := range actions {
					sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
					err := chromedp.Do(sctx, a)
					cancel()
					if err != nil {
						loc, _ := chromedp.Run(bctx, chromedp.Location())
						body, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main")))
						t.Fatalf("%s, step %d: %v (at %s: %.800s)", what, i+1, err, loc, body)
					}
				}
			}
			text := func(sel string) string {
				t.Helper()
				v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("read %s: %v", sel, err)
				}
				return v
			}
			// edit replaces old by repl in the YAML box as typing would:
			// the value changes and an input event fires.
			edit := func(old, repl string) chromedp.Action[chromedp.Void] {
				return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){
					var s = document.getElementById("source");
					s.value = s.value.replace(%q, %q);
					s.dispatchEvent(new Event("input"));
				})()`, old, repl))
			}
			login := func(user string) {
				t.Helper()
				do("login "+user,
					chromedp.Navigate(base+"/login"),
					chromedp.WaitVisible(chromedp.CSS(`#f-username`)),
					chromedp.SendKeys(chromedp.CSS(`#f-username`), user),
					chromedp.SendKeys(chromedp.CSS(`#f-password`), demo.Password),
					chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
					// On a phone the logout form sits behind the Menu button.
					chromedp.WaitReady(chromedp.CSS(`form[action="/logout"]`)),
				)
			}
			const editor = "/pengaturan/surat/sk_domisili/templat"

			login("admin")
			do("letter types", chromedp.Navigate(base+"/pengaturan/surat"),
				chromedp.WaitVisible(chromedp.CSS(`#template-actions`)), shot("letter-types"))
			do("open the editor",
				chromedp.Navigate(base+editor),
				chromedp.WaitVisible(chromedp.CSS(`#source`)),
				chromedp.WaitVisible(chromedp.CSS(`#gutter #L1`)),
				chromedp.Sleep(2*time.Second), // the preview frame loads
				shot("editor"),
			)
			// A broken placeholder: marked while typing, before any save.
			do("break a placeholder",
				edit(`NIK: "{{pemohon.nik}}"`, `NIK: "{{pemohon.nikk}}"`),
				chromedp.WaitVisible(chromedp.CSS(`#template-problems a.goto-line`)),
				chromedp.WaitVisible(chromedp.CSS(`#gutter .bad`)),
				shot("live-problem"),
			)
			if got := text(`#problem-list`); !strings.Contains(got, `kode isian {{pemohon.nikk}} tidak dikenal`) {
				t.Errorf("live problem list: %q", got)
			}
			do("save it anyway",
				chromedp.Click(chromedp.CSS(`#save`)),
				chromedp.WaitVisible(chromedp.CSS(`#template-problems li`)),
				chromedp.Sleep(time.Second),
				shot("refused"),
			)
			if got := text(`#problem-list`); !strings.Contains(got, "(body › #2 › rows › NIK)") {
				t.Errorf("refusal: %q", got)
			}
			// Fixed and reworded: saved.
			do("fix and reword",
				edit(`{{pemohon.nikk}}`, `{{pemohon.nik}}`),
				edit("Demikian surat keterangan ini dibuat dengan sebenarnya", "Demikian surat keterangan domisili ini kami buat dengan sebenarnya"),
				chromedp.WaitNotVisible(chromedp.CSS(`#template-problems`)),
				chromedp.SendKeys(chromedp.CSS(`#note`), "Kalimat penutup"),
				chromedp.Click(chromedp.CSS(`#save`)),
				chromedp.WaitReady(chromedp.CSS(`#yaml-form input[name="base_version"][value="1"]`)),
				chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
				shot("saved"),
			)
			if got := text(`#template-status`); !strings.Contains(got, "Desa versi 1") {
				t.Errorf("after saving: %q", got)
			}
			// A field added with the side panel.
			do("side panel",
				chromedp.Evaluate[chromedp.Void](`document.getElementById("panel").open = true;
					document.getElementById("add-field").open = true`),
				chromedp.ScrollIntoView(chromedp.CSS(`#p-new-name`)),
				chromedp.SendKeys(chromedp.CSS(`#p-new-name`), "nomor_pengantar"),
				chromedp.SendKeys(chromedp.CSS(`#p-new-label`), "Nomor surat pengantar RT"),
				chromedp.SendKeys(chromedp.CSS(`#p-new-example`), "12/RT.02/XI/2026"),
				shot("panel"),
				chromedp.Click(chromedp.CSS(`#panel-form button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`#yaml-form input[name="base_version"][value="2"]`)),
				chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
			)
			if got := text(`#template-status`); !strings.Contains(got, "Desa versi 2") {
				t.Errorf("after the panel: %q", got)
			}
			if !run.mobile {
				// The preview with a resident of the village.
				do("preview with a resident",
					chromedp.ScrollIntoView(chromedp.CSS(`#penduduk-cari`)),
					chromedp.SendKeys(chromedp.CSS(`#penduduk-cari`), "Slamet"),
					chromedp.WaitVisible(chromedp.CSS(`#penduduk-hasil li[role=option]`)),
					chromedp.Click(chromedp.CSS(`#penduduk-hasil li[role=option]`)),
					chromedp.WaitVisible(chromedp.CSS(`#penduduk-dipilih`)),
					chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
					chromedp.Sleep(2*time.Second),
					shot("preview-resident"),
				)
			}
			do("versions",
				chromedp.Navigate(base+editor+"/versi"),
				chromedp.WaitVisible(chromedp.CSS(`#versions`)),
				shot("versions"),
				chromedp.Navigate(base+editor+"/versi/2"),
				chromedp.WaitVisible(chromedp.CSS(`#diff tr.added`)),
				shot("diff"),
			)
			if got := text(`#diff`); !strings.Contains(got, "nomor_pengantar") {
				t.Errorf("diff: %q", got)
			}
			if run.mobile {
				do("open menu", chromedp.Click(chromedp.CSS(`#menu-button`)),
					chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)))
			}
			do("logout", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-username`)))
			login("operator")
			do("the letter form",
				chromedp.Navigate(base+"/surat/baru/sk_domisili"),
				chromedp.WaitVisible(chromedp.CSS(`[id="f-field.nomor_pengantar"]`)),
				shot("letter-form"),
			)
		})
	}
	t.Logf("screenshots in %s", shots)
}
