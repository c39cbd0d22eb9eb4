package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestBrowserVerifyPage opens the verification page of a signed letter the
// way a bank teller's phone does (360 px wide) and writes a screenshot of
// the whole page, verify-360.png, to the screenshot folder
// ($APP_TEST_SCREENSHOTS). Nothing may be wider than the screen, and the
// verdict and what to compare must be on the first screen.
func TestBrowserVerifyPage(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium, or set APP_TEST_CHROMIUM); browser test skipped")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	f := newVerifyFixture(t, storetest.SQLite, withBaseURL(base))
	// The page reaches chromium compressed from its skeleton's plan
	// (skeleton_gzip.go), which chromium's own inflater must read.
	var gzipped atomic.Bool
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.e.h.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/v/") && w.Header().Get("Content-Encoding") == "gzip" {
			gzipped.Store(true)
		}
	})
	ts.Start()
	t.Cleanup(ts.Close)
	l := f.sign(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(360, 740))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/v/"+*l.VerifyCode)); err != nil {
		t.Fatalf("open /v: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
		t.Fatalf("status: %v", err)
	}
	if status, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`)); err != nil || status != "ASLI" {
		t.Errorf("status %q, %v", status, err)
	}
	if !gzipped.Load() {
		t.Error("chromium was not sent the compressed page")
	}
	w, err := chromedp.Run(bctx, chromedp.Evaluate[[]int]("[document.documentElement.scrollWidth, window.innerWidth]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w) == 2 && w[0] > w[1] {
		t.Errorf("the page is %d px wide on a %d px screen", w[0], w[1])
	}
	dir := screenshotDir(t)
	first, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "verify-360-first-screen.png"), first, 0o644); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "verify-360.png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "ASLI") || strings.Contains(page, vfNIK) {
		t.Errorf("page text: %.400s", page)
	}
	// Above the fold: the verdict and what to compare are on the first
	// screen of the phone.
	bottom, err := chromedp.Run(bctx, chromedp.Evaluate[float64](
		`document.querySelector("#guide-compare").getBoundingClientRect().bottom`))
	if err != nil {
		t.Fatal(err)
	}
	if bottom > 740 {
		t.Errorf("what to compare ends at %.0f px, below the first 740 px screen", bottom)
	}

	// The teller types the NIK from the paper: COCOK, and the page does
	// not show the NIK back.
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS("#match-nik"), vfNIK),
		chromedp.Click(chromedp.CSS(".match-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#match-result")),
	); err != nil {
		t.Fatalf("paper match: %v", err)
	}
	result, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#match-result")))
	if err != nil || result != "COCOK" {
		t.Errorf("paper match in the browser: %q %v", result, err)
	}
	if buf, err = chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "verify-360-match.png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}

	// Printed on A4, the page is a one-page receipt with the check time.
	pdfBytes, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "verify-receipt.pdf"), pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := api.PageCount(bytes.NewReader(pdfBytes), nil); err != nil || n != 1 {
		t.Errorf("printed receipt has %d pages (%v), want 1", n, err)
	}
	t.Logf("screenshots and receipt in %s", dir)
}
