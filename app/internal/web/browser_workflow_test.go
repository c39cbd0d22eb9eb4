package web

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// mailSink is a real SMTP server (github.com/emersion/go-smtp) on a local
// port that keeps every message it receives.
type mailSink struct {
	mu   sync.Mutex
	msgs []sinkMsg
}

type sinkMsg struct {
	to   []string
	data string
}

func (m *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: m}, nil }

type sinkSession struct {
	sink *mailSink
	cur  sinkMsg
}

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { s.cur = sinkMsg{}; return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.cur.data = string(b)
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.cur)
	s.sink.mu.Unlock()
	return err
}
func (s *sinkSession) Reset()        {}
func (s *sinkSession) Logout() error { return nil }

// to lists the messages sent to addr.
func (m *mailSink) to(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, msg := range m.msgs {
		for _, r := range msg.to {
			if r == addr {
				out = append(out, msg.data)
			}
		}
	}
	return out
}

func startMailSink(t *testing.T) (*mailSink, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &mailSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink, "smtp://" + ln.Addr().String()
}

func withMail(smtpURL string) envOption {
	return func(d *Deps) { d.Config.SMTPURL, d.Config.MailFrom = smtpURL, "suratdesa@sumberejo.desa.example" }
}

// browserRun is one browser on one screen size, with the helpers the walk
// uses.
type browserRun struct {
	t      *testing.T
	name   string
	base   string
	mobile bool
	// width is the screen's width in CSS pixels: on an emulated phone the
	// layout viewport grows with a page that is too wide, so that is what
	// a page is measured against.
	width int
	ctx   context.Context
	shots string
	step  int
}

func (b *browserRun) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		b.step++
		w, err := chromedp.Evaluate[int]("document.documentElement.scrollWidth")(ctx, tg)
		if err != nil {
			return err
		}
		if w > b.width {
			b.t.Errorf("%s: page %s is %d px wide on a %d px screen", b.name, name, w, b.width)
		}
		// A table may scroll inside its box on a phone, never on a desktop.
		if !b.mobile {
			wide, err := chromedp.Evaluate[int](`[...document.querySelectorAll(".table-wrap")].filter(e => e.scrollWidth > e.clientWidth + 1).length`)(ctx, tg)
			if err != nil {
				return err
			}
			if wide > 0 {
				b.t.Errorf("%s: page %s has %d tables wider than their box", b.name, name, wide)
			}
		}
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("wf-%s-%02d-%s.png", b.name, b.step, name)), buf, 0o644)
	})
}

func (b *browserRun) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for i, a := range actions {
		sctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(b.ctx, chromedp.Location())
			body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
			b.t.Fatalf("%s: %s, step %d: %v (at %s: %.800s)", b.name, what, i+1, err, loc, body)
		}
	}
}

func (b *browserRun) text(sel string) string {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: read %s: %v", b.name, sel, err)
	}
	return v
}

func (b *browserRun) staffLogin(user string) {
	b.t.Helper()
	b.do("login "+user,
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-username`)),
		chromedp.SendKeys(chromedp.CSS(`#f-username`), user),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`form[action="/logout"]`)),
	)
}

// logout signs out through the menu (behind the Menu button on a phone).
func (b *browserRun) logout() {
	b.t.Helper()
	if b.mobile {
		b.do("open menu", chromedp.Click(chromedp.CSS(`#menu-button`)), b.shot("menu"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)))
	}
	b.do("logout", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-username`)))
}

func (b *browserRun) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], b.base)
}

// TestBrowserWorkflow walks every dead end of issue 18 and the notification
// path in a real browser, at 1280 px and on a 360 px phone, against a real
// server with the demo village, a real SMTP server and a local webhook
// receiver standing in for a WhatsApp gateway:
//
//   - the operator starts a letter from a resident's page (subject
//     prefilled; officials who cannot sign are not offered, and the form
//     says why), saves it, submits it, withdraws it to fix it, submits
//     again, and deletes another draft;
//   - the worker e-mails the kepala desa, whose menu counts the letter;
//     they approve and sign it in one step;
//   - a letter stuck with a signer who has no certificate shows "Perlu
//     penandatangan baru"; the operator picks the kepala desa, who signs it
//     with another one as a selection, one passphrase;
//   - a resident opts in to notifications, requests a letter with one of
//     two required documents; the clerk sees the checklist and returns it;
//     the resident is told by e-mail and WhatsApp, sees their values,
//     uploads the missing document, and the request is back in the
//     clerk's queue; the clerk drafts the letter, the kepala desa reviews
//     it with the request's documents previewed, signs it, and the
//     resident is told it is ready;
//   - the kepala desa's dashboard request card opens without "Akses
//     ditolak".
func TestBrowserWorkflow(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium, or set APP_TEST_CHROMIUM); browser test skipped")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	shots := screenshotDir(t)
	files := t.TempDir()
	pdfFile := filepath.Join(files, "pengantar-rt.pdf")
	pngFile := filepath.Join(files, "ktp.png")
	if err := os.WriteFile(pdfFile, tinyPDF, 0o600); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for x := 0; x < 120; x++ {
		for y := 0; y < 80; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), 90, uint8(y * 3), 255})
		}
	}
	pf, err := os.Create(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(pf, img)
	pf.Close()

	for _, run := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{name: "desktop", width: 1280, height: 900},
		{name: "phone360", width: 360, height: 740, mobile: true},
	} {
		t.Run(run.name, func(t *testing.T) {
			sink, smtpURL := startMailSink(t)
			hook := &webhookSink{}
			hookSrv := httptest.NewServer(hook)
			t.Cleanup(hookSrv.Close)
			ts := httptest.NewUnstartedServer(nil)
			base := "http://" + ts.Listener.Addr().String()
			var iss *issuance.Service
			e := newEnv(t, storetest.SQLite, withBaseURL(base), withIssuance(t, &iss), withMail(smtpURL), withStorage(t.TempDir()))
			ts.Config.Handler = e.h
			ts.Start()
			t.Cleanup(ts.Close)
			ctx := context.Background()
			seeded, err := demo.Seed(ctx, e.st, testParams, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := demo.SeedPKI(ctx, e.st, iss, seeded.Village); err != nil {
				t.Fatal(err)
			}
			vid := seeded.Village.ID
			if err := e.st.SaveWorkflowSettings(ctx, surat.Actor{Username: "admin"}, vid, &surat.WorkflowSettings{
				WebhookURL: hookSrv.URL + "/send", WebhookFormat: "json",
				WebhookBody: `{"target":"{{telepon}}","message":"{{pesan}}"}`}); err != nil {
				t.Fatal(err)
			}
			worker := e.srv.notify.NewWorker()
			deliver := func() {
				t.Helper()
				if _, err := worker.RunOnce(ctx); err != nil {
					t.Fatalf("notification worker: %v", err)
				}
			}
			page, err := e.st.SearchResidents(ctx, vid, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			var adults []surat.Resident
			for _, r := range page.Residents {
				if surat.AgeOn(r.BirthDate, e.clock.Now()) >= 21 {
					adults = append(adults, r)
				}
			}
			subject, requester := adults[0], adults[5]

			opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
				chromedp.DisableGPU, chromedp.WindowSize(int(run.width), int(run.height)))
			actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
			defer cancel()
			bctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			bctx, cancel = context.WithTimeout(bctx, 4*time.Minute)
			defer cancel()
			if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
				t.Fatalf("start chromium: %v", err)
			}
			if run.mobile {
				if err := chromedp.Do(bctx, chromedp.EmulateViewport(run.width, run.height, chromedp.EmulateScale(2),
					chromedp.EmulateMobile)); err != nil {
					t.Fatal(err)
				}
			}
			b := &browserRun{t: t, name: run.name, base: base, mobile: run.mobile, width: int(run.width), ctx: bctx, shots: shots}

			// --- Dead end 5 and 2: a letter from a resident's page. ---
			b.staffLogin("operator")
			b.do("dashboard", chromedp.WaitVisible(chromedp.CSS(`#todo`)), b.shot("operator-dashboard"))
			if run.mobile {
				h, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.querySelector("header.top").getBoundingClientRect().height`))
				if err != nil {
					t.Fatal(err)
				}
				if h > 80 {
					t.Errorf("the staff header takes %.0f px of a 360 px phone", h)
				}
				b.do("menu", chromedp.Click(chromedp.CSS(`#menu-button`)), chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/surat"]`)),
					b.shot("menu-open"), chromedp.Click(chromedp.CSS(`#menu-button`)))
			}
			b.do("resident page",
				chromedp.Navigate(fmt.Sprintf("%s/penduduk/%d", base, subject.ID)),
				chromedp.WaitVisible(chromedp.CSS(`#new-letter`)),
				b.shot("resident"),
				chromedp.Click(chromedp.CSS(`#new-letter`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-for`)),
				b.shot("modules-for-resident"),
				chromedp.Click(chromedp.CSS(`#m-sk_domisili`)),
				chromedp.WaitVisible(chromedp.CSS(`.js-picked-label`)),
			)
			if got := b.text(`.js-picked-label`); !strings.Contains(got, subject.Name) {
				t.Fatalf("the form's subject is %q, want %s", got, subject.Name)
			}
			if signers := b.text(`#f-signer_official_id`); strings.Contains(signers, "Agus Priyanto") || !strings.Contains(signers, "Suparman") {
				t.Errorf("signers offered: %q", signers)
			}
			b.do("why",
				chromedp.Click(chromedp.CSS(`#unready-signers summary`)),
				chromedp.WaitVisible(chromedp.CSS(`#unready-signers li`)),
				chromedp.SendKeys(chromedp.CSS(`[id="f-field.keperluan"]`), "Persyaratan membuka rekening tabungan"),
				b.shot("letter-form"),
				chromedp.Click(chromedp.CSS(`.js-letter-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-draf`)),
				chromedp.Click(chromedp.CSS(`#submit-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-diajukan`)),
				b.shot("submitted"),
			)
			letterPath := b.location()
			// --- Dead end 4: withdraw to fix a typo, submit again. ---
			b.do("withdraw",
				chromedp.Click(chromedp.CSS(`#withdraw-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-draf`)),
				b.shot("withdrawn"),
				chromedp.Click(chromedp.CSS(`#submit-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-diajukan`)),
			)
			// --- Dead end 4: delete a draft. ---
			opActor := surat.Actor{Username: "operator", Role: surat.RoleOperator, VillageID: vid}
			domisiliOf := func(r surat.Resident, signer int64) issuance.Request {
				return issuance.Request{Module: "sk_domisili", SignerOfficialID: signer,
					Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: r.ID}},
					Fields:   map[string]string{"keperluan": "Melamar pekerjaan", "status_tinggal": "Tetap"}}
			}
			extra, err := iss.CreateDraft(ctx, opActor, vid, domisiliOf(adults[2], 0))
			if err != nil {
				t.Fatal(err)
			}
			b.do("delete draft",
				chromedp.Navigate(fmt.Sprintf("%s/surat/%d", base, extra.ID)),
				chromedp.Click(chromedp.CSS(`.delete-draft summary`)),
				chromedp.WaitVisible(chromedp.CSS(`#delete-btn`)),
				b.shot("delete-draft"),
				chromedp.Click(chromedp.CSS(`#delete-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
			)
			if got := b.text(`main`); !strings.Contains(got, "Draf surat dihapus") {
				t.Errorf("after deleting: %.300s", got)
			}
			// --- Dead end 2: a letter stuck with a signer who cannot sign. ---
			var kasi surat.Official
			officials, _ := e.st.Officials(ctx, vid)
			for _, o := range officials {
				if o.CanSignUB && kasi.ID == 0 {
					kasi = o
				}
			}
			stuck, err := iss.CreateDraft(ctx, opActor, vid, domisiliOf(adults[1], kasi.ID))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := iss.Submit(ctx, opActor, vid, stuck.ID); err != nil {
				t.Fatal(err)
			}
			b.do("stuck letter",
				chromedp.Navigate(fmt.Sprintf("%s/surat/%d", base, stuck.ID)),
				chromedp.WaitVisible(chromedp.CSS(`#signer-not-ready`)),
				b.shot("needs-new-signer"),
				chromedp.Click(chromedp.CSS(`#change-signer-btn`)),
				chromedp.WaitNotPresent(chromedp.CSS(`#signer-not-ready`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-diajukan`)),
			)
			if b.text(`dl.content`) == "" || !strings.Contains(b.text(`dl.content`), "Suparman") {
				t.Errorf("signer after the change: %q", b.text(`dl.content`))
			}
			b.logout()

			// --- The kepala desa hears of it and signs in one step. ---
			deliver()
			if mails := sink.to("kades@sumberejo.desa.example"); len(mails) != 1 ||
				!strings.Contains(mails[0], "menunggu persetujuan dan tanda tangan") {
				t.Fatalf("mail to the kepala desa: %d %q", len(mails), mails)
			}
			b.staffLogin("kades")
			b.do("kades dashboard", chromedp.WaitVisible(chromedp.CSS(`#todo-approve`)), b.shot("kades-dashboard"))
			if got := b.text(`#menu-button`); run.mobile && !strings.Contains(got, "2") {
				t.Errorf("the menu button does not count the 2 letters: %q", got)
			}
			if !run.mobile {
				if got := b.text(`#nav-count`); got != "2" {
					t.Errorf("menu count %q, want 2", got)
				}
			}
			// Dead end 3: the request card opens.
			b.do("request card",
				chromedp.Click(chromedp.CSS(`#requests a.stat`)),
				chromedp.WaitVisible(chromedp.CSS(`main h1`)),
			)
			if got := b.text(`main h1`); got != "Permohonan warga" {
				t.Errorf("the kepala desa's request card leads to %q", got)
			}
			b.do("approve and sign",
				chromedp.Navigate(base+letterPath),
				chromedp.WaitVisible(chromedp.CSS(`#approve-sign-btn`)),
				chromedp.SendKeys(chromedp.CSS(`#f-as-passphrase`), demo.SigningPassphrase),
				b.shot("approve-sign"),
				chromedp.Click(chromedp.CSS(`#approve-sign-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-ditandatangani`)),
				b.shot("signed"),
			)
			b.logout()

			// --- Dead end 1 and the resident's notifications. ---
			pin, err := e.srv.mandiri.IssuePIN(ctx, surat.Actor{Username: "operator", Role: surat.RoleOperator, VillageID: vid}, vid, requester.NIK)
			if err != nil {
				t.Fatal(err)
			}
			b.do("resident login",
				chromedp.Navigate(base+"/login"),
				chromedp.WaitVisible(chromedp.CSS(`#mandiri-link a`)),
				chromedp.Click(chromedp.CSS(`#mandiri-link a`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-nik`)),
				chromedp.SendKeys(chromedp.CSS(`#f-nik`), requester.NIK),
				chromedp.SendKeys(chromedp.CSS(`#f-pin`), pin.PIN),
				chromedp.Click(chromedp.CSS(`form[action="/mandiri/masuk"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-pin_baru`)),
				chromedp.SendKeys(chromedp.CSS(`#f-pin_lama`), pin.PIN),
				chromedp.SendKeys(chromedp.CSS(`#f-pin_baru`), "583920"),
				chromedp.SendKeys(chromedp.CSS(`#f-pin_ulang`), "583920"),
				chromedp.Click(chromedp.CSS(`form[action="/mandiri/pin"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#todo-heading`)),
				chromedp.Click(chromedp.CSS(`#notify-offer a`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-telepon`)),
				chromedp.SendKeys(chromedp.CSS(`#f-telepon`), "0812 3456 7890"),
				chromedp.SendKeys(chromedp.CSS(`#f-email`), "warga@example.org"),
				chromedp.Click(chromedp.CSS(`#f-setuju`)),
				b.shot("resident-notifications"),
				chromedp.Click(chromedp.CSS(`#contact-save`)),
				chromedp.WaitVisible(chromedp.CSS(`#todo-heading`)),
				chromedp.Navigate(base+"/mandiri/layanan"),
				chromedp.WaitVisible(chromedp.CSS(`#m-sk_domisili .requirements`)),
				b.shot("resident-modules"),
				chromedp.Navigate(base+"/mandiri/permohonan/baru?modul=sk_domisili"),
				chromedp.WaitVisible(chromedp.CSS(`#requirements`)),
				chromedp.SendKeys(chromedp.CSS(`[id="f-field.keperluan"]`), "Mendaftar sekolah anak"),
				chromedp.SetUploadFiles(chromedp.CSS(`#f-syarat-1`), []string{pngFile}),
				b.shot("resident-request-form"),
				chromedp.Click(chromedp.CSS(`form[action="/mandiri/permohonan"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#checklist`)),
			)
			reqPath := b.location()
			deliver()
			b.do("resident logout", chromedp.Click(chromedp.CSS(`form[action="/mandiri/keluar"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-nik`)))
			if mails := sink.to("operator@sumberejo.desa.example"); len(mails) != 1 || !strings.Contains(mails[0], "Permohonan warga menunggu diperiksa") {
				t.Errorf("mail to the operator about the request: %d", len(mails))
			}

			b.staffLogin("operator")
			clerkReq := strings.Replace(reqPath, "/mandiri/permohonan/", "/permohonan/", 1)
			b.do("clerk checklist",
				chromedp.Navigate(base+clerkReq),
				chromedp.WaitVisible(chromedp.CSS(`#checklist`)),
				b.shot("clerk-checklist"),
			)
			if got := b.text(`#checklist`); !strings.Contains(got, "✗ Surat Pengantar RT/RW") || !strings.Contains(got, "✓ Fotokopi KTP") {
				t.Errorf("clerk checklist: %q", got)
			}
			b.do("return request",
				chromedp.SendKeys(chromedp.CSS(`#f-message`), "Lampirkan surat pengantar RT"),
				chromedp.Click(chromedp.CSS(`form[action$="/kembalikan"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#status .st-belum_lengkap`)),
			)
			b.logout()
			deliver()
			if mails := sink.to("warga@example.org"); len(mails) != 1 || !strings.Contains(mails[0], "perlu dilengkapi") {
				t.Errorf("mail to the resident: %d %q", len(mails), mails)
			}
			hook.mu.Lock()
			hooks := strings.Join(hook.bodies, "\n")
			hook.mu.Unlock()
			if !strings.Contains(hooks, `"target":"6281234567890"`) || strings.Contains(hooks, requester.NIK) {
				t.Errorf("WhatsApp gateway got %q", hooks)
			}

			b.do("resident fixes",
				chromedp.Navigate(base+"/mandiri/masuk"),
				chromedp.WaitVisible(chromedp.CSS(`#f-nik`)),
				chromedp.SendKeys(chromedp.CSS(`#f-nik`), requester.NIK),
				chromedp.SendKeys(chromedp.CSS(`#f-pin`), "583920"),
				chromedp.Click(chromedp.CSS(`form[action="/mandiri/masuk"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#todo li.todo-fix a`)),
				b.shot("resident-todo"),
				chromedp.Click(chromedp.CSS(`#todo li.todo-fix a`)),
				chromedp.WaitVisible(chromedp.CSS(`#what-next`)),
				b.shot("resident-returned"),
			)
			if got := b.text(`#entries`); !strings.Contains(got, "Mendaftar sekolah anak") {
				t.Errorf("the resident does not see what they sent: %q", got)
			}
			b.do("upload the missing document",
				chromedp.SetUploadFiles(chromedp.CSS(`[id="f-syarat.1"]`), []string{pdfFile}),
				chromedp.Click(chromedp.CSS(`#attach-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#status .st-sedang_diperiksa`)),
				b.shot("resident-resent"),
				chromedp.Click(chromedp.CSS(`form[action="/mandiri/keluar"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#f-nik`)),
			)

			b.staffLogin("operator")
			b.do("queue has it back",
				chromedp.Navigate(base+"/permohonan"),
				chromedp.WaitVisible(chromedp.CSS(`#requests a[href="`+clerkReq+`"]`)),
				chromedp.Navigate(base+clerkReq),
				chromedp.WaitVisible(chromedp.CSS(`form[action$="/proses"] button`)),
				chromedp.Click(chromedp.CSS(`form[action$="/proses"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#submit-btn`)),
				chromedp.Click(chromedp.CSS(`#submit-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#letter-status.st-diajukan`)),
			)
			fromRequest := b.location()
			b.logout()

			b.staffLogin("kades")
			b.do("review with the documents",
				chromedp.Navigate(base+fromRequest),
				chromedp.WaitVisible(chromedp.CSS(`#request-panel img`)),
				chromedp.WaitReady(chromedp.CSS(`#request-panel iframe`)),
				b.shot("signer-sees-request"),
				chromedp.Click(chromedp.CSS(`#request-link`)),
				chromedp.WaitVisible(chromedp.CSS(`#checklist`)),
				b.shot("signer-request"),
			)
			// The stuck letter and this one, signed as a selection.
			b.do("batch",
				chromedp.Navigate(base+"/persetujuan"),
				chromedp.WaitVisible(chromedp.CSS(`#batch-form`)),
				chromedp.Click(chromedp.CSS(`#batch-form .js-check-all`)),
				chromedp.SendKeys(chromedp.CSS(`#f-passphrase`), demo.SigningPassphrase),
				b.shot("queue"),
				chromedp.Click(chromedp.CSS(`#batch-sign-btn`)),
				chromedp.WaitVisible(chromedp.CSS(`#batch-results`)),
				b.shot("batch-signed"),
			)
			if got := b.text(`#batch-results`); strings.Count(got, "ditandatangani, nomor") != 2 {
				t.Errorf("batch results: %q", got)
			}
			b.logout()
			deliver()
			if mails := sink.to("warga@example.org"); len(mails) != 2 || !strings.Contains(mails[1], "sudah siap") {
				t.Errorf("ready mail to the resident: %d", len(mails))
			}
			sink.mu.Lock()
			for _, m := range sink.msgs {
				for _, secret := range []string{requester.NIK, subject.NIK} {
					if strings.Contains(m.data, secret) {
						t.Errorf("a mail carries a NIK")
					}
				}
			}
			sink.mu.Unlock()

			// The admin sees every notification with its state.
			b.staffLogin("admin")
			b.do("notifications",
				chromedp.Navigate(base+"/pengaturan/pemberitahuan"),
				chromedp.WaitVisible(chromedp.CSS(`#notifications`)),
				b.shot("admin-notifications"),
			)
			if got := b.text(`#notifications`); !strings.Contains(got, "Terkirim") || strings.Contains(got, "Gagal") {
				t.Errorf("notification states: %.400s", got)
			}
			b.do("settings pages",
				chromedp.Navigate(base+"/pengaturan/surat"),
				chromedp.WaitVisible(chromedp.CSS(`#modules`)),
				b.shot("settings-letters"),
				chromedp.Navigate(base+"/pengaturan/alur"),
				chromedp.WaitVisible(chromedp.CSS(`#workflow-form`)),
				b.shot("settings-workflow"),
				chromedp.Navigate(base+"/pengaturan/penomoran"),
				chromedp.WaitVisible(chromedp.CSS(`#series-0`)),
				b.shot("settings-numbering"),
				chromedp.Navigate(base+"/audit"),
				chromedp.WaitVisible(chromedp.CSS(`#audit`)),
				b.shot("audit"),
			)
		})
	}
	t.Logf("screenshots in %s", shots)
}
