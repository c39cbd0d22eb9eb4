package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// chromiumPath finds a Chromium or Chrome binary: $APP_TEST_CHROMIUM, then
// the usual names on PATH. "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("APP_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser test writes its screenshots:
// $APP_TEST_SCREENSHOTS (kept out of git by .gitignore when it is
// ./screenshots) or a temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("APP_TEST_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// TestBrowserIssueAndSign is the whole job in a real browser against a real
// server with the demo village and the demo PKI: the operator records a
// resident on the residents form and drafts a Surat Keterangan Domisili for them with the resident
// picker, submits it; the kepala desa approves and signs it with the
// passphrase; the verification page of the letter says ASLI. It runs on a
// desktop window and again on a 360 px phone screen, and writes screenshots
// of every step.
func TestBrowserIssueAndSign(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium, or set APP_TEST_CHROMIUM); browser test skipped")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	var iss *issuance.Service
	e := newEnv(t, storetest.SQLite, withBaseURL(base), withIssuance(t, &iss))
	ts.Config.Handler = e.h
	ts.Start()
	t.Cleanup(ts.Close)

	ctx := context.Background()
	seeded, err := demo.Seed(ctx, e.st, testParams, e.clock.Now())
	if err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	if _, err := demo.SeedPKI(ctx, e.st, iss, seeded.Village); err != nil {
		t.Fatalf("demo PKI: %v", err)
	}
	shots := screenshotDir(t)

	for _, run := range []struct {
		name          string
		width, height int64
		mobile        bool
		resident      string
		nik           string
	}{
		{name: "desktop", width: 1280, height: 900, resident: "Rina Wulandari", nik: "3505124507950991"},
		{name: "phone360", width: 360, height: 740, mobile: true, resident: "Dewi Kartikasari", nik: "3505125208930992"},
	} {
		t.Run(run.name, func(t *testing.T) {
			opts := append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(bin),
				chromedp.NoSandbox,
				chromedp.DisableGPU,
				chromedp.WindowSize(int(run.width), int(run.height)),
			)
			actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
			defer cancel()
			bctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			bctx, cancel = context.WithTimeout(bctx, 180*time.Second)
			defer cancel()
			// The first call starts the browser, which lives as long as the
			// context of that call: bctx, not a per-step timeout.
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
					// Nothing may be wider than the screen: a phone would
					// have to scroll sideways.
					w, err := chromedp.Evaluate[[]int]("[document.documentElement.scrollWidth, window.innerWidth]")(ctx, tg)
					if err != nil {
						return err
					}
					if len(w) == 2 && w[0] > w[1] {
						t.Errorf("%s: page %s is %d px wide on a %d px screen", run.name, name, w[0], w[1])
					}
					buf, err := chromedp.FullScreenshot(100)(ctx, tg)
					if err != nil {
						return err
					}
					return os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%02d-%s.png", run.name, step, name)), buf, 0o644)
				})
			}
			do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				for i, a := range actions {
					// Each step gets its own deadline, so a step that waits
					// for something that never comes is named.
					sctx, cancel := context.WithTimeout(bctx, 45*time.Second)
					err := chromedp.Do(sctx, a)
					cancel()
					if err != nil {
						loc, _ := chromedp.Run(bctx, chromedp.Location())
						body, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main")))
						t.Fatalf("%s, step %d: %v (at %s: %.600s)", what, i+1, err, loc, body)
					}
				}
			}
			// value runs an action that reads something from the page.
			text := func(sel string) string {
				t.Helper()
				v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("read %s: %v", sel, err)
				}
				return v
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

			login("operator")
			do("dashboard", shot("dashboard"))

			// The operator records the resident through the residents form.
			birth := "1995-07-05"
			if run.mobile {
				birth = "1993-08-12"
			}
			do("add resident",
				chromedp.Navigate(base+"/penduduk/baru"),
				chromedp.WaitVisible(chromedp.CSS(`#f-nik`)),
				chromedp.SendKeys(chromedp.CSS(`#f-nik`), run.nik),
				chromedp.SendKeys(chromedp.CSS(`#f-name`), run.resident),
				chromedp.SendKeys(chromedp.CSS(`#f-birth_place`), "Blitar"),
				chromedp.SetValue(chromedp.CSS(`#f-birth_date`), birth),
				chromedp.SetValue(chromedp.CSS(`#f-sex`), "2"),
				chromedp.SetValue(chromedp.CSS(`#f-religion`), "1"),
				chromedp.SetValue(chromedp.CSS(`#f-marital_status`), "1"),
				chromedp.SetValue(chromedp.CSS(`#f-citizenship`), "1"),
				chromedp.SendKeys(chromedp.CSS(`#f-no_kk`), "35051220"+run.nik[8:]),
				chromedp.SetValue(chromedp.CSS(`#f-relation`), "1"),
				// Dusun first: its suggestion list closes when the focus
				// moves on, instead of catching the click on Simpan.
				chromedp.SendKeys(chromedp.CSS(`#f-dusun`), "Krajan"),
				chromedp.SendKeys(chromedp.CSS(`#f-address`), "Jl. Kenanga 12"),
				chromedp.SendKeys(chromedp.CSS(`#f-rt`), "002"),
				chromedp.SendKeys(chromedp.CSS(`#f-rw`), "001"),
				shot("resident-form"),
				chromedp.Click(chromedp.CSS(`form[action="/penduduk/baru"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#resident-name`)),
				shot("resident"),
			)
			if got := text(`#resident-name`); got != run.resident {
				t.Fatalf("resident page shows %q, want %q", got, run.resident)
			}

			// Choose the module through the searchable list.
			do("choose module",
				chromedp.Navigate(base+"/surat/baru"),
				chromedp.WaitVisible(chromedp.CSS(`#f-q`)),
				chromedp.SendKeys(chromedp.CSS(`#f-q`), "domisili"),
				shot("modules"),
				chromedp.Click(chromedp.CSS(`#m-sk_domisili`)),
				chromedp.WaitVisible(chromedp.CSS(`[id="f-subject.pemohon.cari"]`)),
			)
			// The resident picker: type part of the name, pick the suggestion.
			do("pick resident",
				chromedp.SendKeys(chromedp.CSS(`[id="f-subject.pemohon.cari"]`), run.resident),
				chromedp.WaitVisible(chromedp.CSS(`[id="r-subject.pemohon"] li[role=option]`)),
				shot("picker"),
				chromedp.Click(chromedp.CSS(`[id="r-subject.pemohon"] li[role=option]`)),
				chromedp.WaitVisible(chromedp.CSS(`.js-picked-label`)),
				// Sent without the purpose: the message stands beside the
				// field and the picked resident stays.
				chromedp.Click(chromedp.CSS(`.js-letter-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[id="e-field.keperluan"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.js-picked-label`)),
				shot("errors"),
				chromedp.SendKeys(chromedp.CSS(`[id="f-field.keperluan"]`), "Persyaratan membuka rekening tabungan"),
				shot("form"),
				chromedp.Click(chromedp.CSS(`.js-letter-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-draf`)),
				shot("draft"),
			)
			status, picked := text(`#letter-status`), text(`dl.content`)
			if status != "Draf" || !strings.Contains(picked, run.resident) {
				t.Fatalf("after saving: status %q, content %q", status, picked)
			}
			do("submit",
				chromedp.Click(chromedp.CSS(`#submit-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-diajukan`)),
				shot("submitted"),
			)
			status = text(`#letter-status`)
			if status != "Diajukan" {
				t.Fatalf("after submitting: %q", status)
			}
			letterURL, err := chromedp.Run(bctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			letterURL = strings.SplitN(letterURL, "?", 2)[0]
			if run.mobile {
				do("open menu", chromedp.Click(chromedp.CSS(`#menu-button`)),
					chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)))
			}
			do("logout", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-username`)))

			// The kepala desa approves and signs.
			login("kades")
			path := strings.TrimPrefix(letterURL, base)
			do("queue",
				chromedp.Navigate(base+"/persetujuan"),
				chromedp.WaitVisible(chromedp.CSS(`#submitted a[href="`+path+`"]`)),
				shot("queue"),
				chromedp.Click(chromedp.CSS(`#submitted a.btn[href="`+path+`"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#approve-btn`)),
				shot("review"),
				chromedp.Click(chromedp.CSS(`#approve-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-disetujui`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-passphrase`)),
				chromedp.SendKeys(chromedp.CSS(`#f-passphrase`), demo.SigningPassphrase),
				shot("approved"),
				chromedp.Click(chromedp.CSS(`#sign-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-ditandatangani`)),
				chromedp.WaitVisible(chromedp.CSS(`#verify-url`)),
				shot("signed"),
			)
			status = text(`#letter-status`)
			if status != "Ditandatangani" {
				t.Fatalf("after signing: %q", status)
			}
			href, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(`#verify-url`), "href"))
			if err != nil {
				t.Fatal(err)
			}
			verify := href.Value
			if !strings.HasPrefix(verify, base+"/v/") {
				t.Fatalf("verification URL %q is not under %s/v/", verify, base)
			}
			// Anyone opening the QR link sees ASLI.
			do("verify page",
				chromedp.Navigate(verify),
				chromedp.WaitVisible(chromedp.CSS(`main`)),
				shot("verify"),
			)
			page := text(`main`)
			if !strings.Contains(page, "ASLI") {
				t.Fatalf("verification page does not say ASLI: %.500s", page)
			}
			if strings.Contains(page, run.nik) {
				t.Error("verification page shows the NIK")
			}
			// The archive lists the signed letter with its PDF.
			do("archive",
				chromedp.Navigate(base+"/surat?q="+url.QueryEscape(run.resident)),
				chromedp.WaitVisible(chromedp.CSS(`#letters a[href="`+path+`/unduh.pdf"]`)),
				shot("archive"),
			)
		})
	}
	t.Logf("screenshots in %s", shots)
}
