package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The admin desa's workflow settings (issue 18): the approval steps
// (verification by the sekretaris desa), the village's webhook for
// WhatsApp gateways and Telegram bots with a test message, the
// notifications sent and their delivery state, and where each number
// sequence continues.

// workflowForm is the workflow settings as the form submits them.
type workflowForm struct {
	VerifySekdes  bool   `form:"verify_sekdes"`
	WebhookURL    string `form:"webhook_url"`
	WebhookAuth   string `form:"webhook_auth"`
	WebhookBody   string `form:"webhook_body"`
	WebhookFormat string `form:"webhook_format"`
	WebhookStaff  bool   `form:"webhook_staff"`
}

// workflowPage is /pengaturan/alur.
type workflowPage struct {
	basePage
	Tabs   []settingsTab
	Form   workflowForm
	Errors map[string]string
	// Verifiers are the accounts that verify (sekretaris desa); none
	// means turning verification on would stall letters.
	Verifiers    []string
	EmailEnabled bool
	Placeholders []struct{ Name, Meaning string }
	// TestResult is the outcome of a test message.
	TestResult, TestError string
	TestPhone             string
	// AuthStored says a webhook Authorization value is stored; the page
	// never shows it back (it is a gateway's secret).
	AuthStored bool
}

// clearAuth is what the Authorization field submits to remove the stored
// value; an empty field keeps it.
const clearAuth = "-"

// workflowFormOf fills the form from stored settings, without the
// Authorization value: the form is write-only for that secret.
func workflowFormOf(ws *surat.WorkflowSettings) workflowForm {
	return workflowForm{VerifySekdes: ws.VerifySekdes, WebhookURL: ws.WebhookURL,
		WebhookBody: ws.WebhookBody, WebhookFormat: ws.WebhookFormat, WebhookStaff: ws.WebhookStaff}
}

// handleWorkflowSettings shows the workflow settings.
func (s *Server) handleWorkflowSettings(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	ws, err := s.store.WorkflowSettings(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	return s.renderWorkflow(c, http.StatusOK, workflowPage{Form: workflowFormOf(ws), AuthStored: ws.WebhookAuth != ""})
}

func (s *Server) renderWorkflow(c *gin.Context, status int, p workflowPage) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	p.basePage = s.base(c, "Alur surat dan pemberitahuan")
	p.Tabs = settingsTabs("/pengaturan/alur")
	s.settingsNotice(c, &p.basePage)
	vs, err := s.store.Verifiers(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	for _, v := range vs {
		name := v.Username
		if v.FullName != "" {
			name = v.FullName + " (" + v.Username + ")"
		}
		p.Verifiers = append(p.Verifiers, name)
	}
	p.EmailEnabled = s.notify.EmailEnabled()
	p.Placeholders = surat.WebhookPlaceholders
	if p.Form.WebhookFormat == "" {
		p.Form.WebhookFormat = "json"
	}
	s.render(c, status, "settings_workflow", p)
	return nil
}

// handleWorkflowSave stores the workflow settings: a webhook address is
// checked (http(s), no private target unless allowed) and its template
// must use only the known placeholders.
func (s *Server) handleWorkflowSave(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	var f workflowForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	stored, err := s.store.WorkflowSettings(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	auth := strings.TrimSpace(f.WebhookAuth)
	switch auth {
	case "":
		auth = stored.WebhookAuth
	case clearAuth:
		auth = ""
	}
	ws := &surat.WorkflowSettings{VerifySekdes: f.VerifySekdes, WebhookURL: f.WebhookURL, WebhookAuth: auth,
		WebhookBody: f.WebhookBody, WebhookFormat: f.WebhookFormat, WebhookStaff: f.WebhookStaff}
	p := surat.Problems{}
	if fields, ok := surat.FieldErrors(ws.ValidateWebhook(notify.EscapeWebhook)); ok {
		for k, v := range fields {
			p.Add(k, v)
		}
	}
	if fields, ok := surat.FieldErrors(s.notify.CheckWebhook(c.Request.Context(), ws.WebhookURL)); ok {
		for k, v := range fields {
			p.Add(k, v)
		}
	}
	if ws.VerifySekdes {
		vs, err := s.store.Verifiers(c.Request.Context(), vid)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			p.Add("verify_sekdes", "Belum ada akun penandatangan untuk sekretaris desa (pejabat yang menandatangani a.n.). "+
				"Buat akunnya di Pengaturan › Pengguna lebih dulu, agar surat tidak menunggu orang yang tidak ada.")
		}
	}
	if len(p) > 0 {
		return s.renderWorkflow(c, http.StatusUnprocessableEntity, workflowPage{Form: workflowFormOf(ws), Errors: p,
			AuthStored: ws.WebhookAuth != ""})
	}
	if err := s.store.SaveWorkflowSettings(c.Request.Context(), actorOf(currentUser(c)), vid, ws); err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/alur", "alur")
	return nil
}

// handleWorkflowTest sends a test message through the saved webhook and
// shows the outcome at once (nothing is stored).
func (s *Server) handleWorkflowTest(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	ws, err := s.store.WorkflowSettings(ctx, vid)
	if err != nil {
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	p := workflowPage{Form: workflowFormOf(ws), AuthStored: ws.WebhookAuth != "", TestPhone: strings.TrimSpace(c.PostForm("telepon"))}
	phone, msg := surat.NormalizePhone(p.TestPhone)
	if msg != "" {
		p.Errors = map[string]string{"telepon": msg}
		return s.renderWorkflow(c, http.StatusUnprocessableEntity, p)
	}
	err = s.notify.SendTest(ctx, v, ws, phone)
	switch {
	case errors.Is(err, surat.ErrNoChannel):
		p.TestError = "Simpan alamat webhook lebih dulu."
	case err != nil:
		p.TestError = "Pesan uji gagal: " + err.Error()
	default:
		p.TestResult = "Pesan uji terkirim ke webhook. Periksa apakah pesannya sampai."
	}
	status := http.StatusOK
	if p.TestError != "" {
		status = http.StatusBadGateway
	}
	return s.renderWorkflow(c, status, p)
}

// notificationsPage is /pengaturan/pemberitahuan.
type notificationsPage struct {
	basePage
	Tabs     []settingsTab
	Status   string
	States   []statusOption
	Counts   map[string]int64
	Rows     []notificationRow
	Total    int64
	EventLag int64
}

// notificationRow is one notification as the admin sees it.
type notificationRow struct {
	ID                 int64
	Kind, Channel      string
	To                 string
	Subject            string
	State, StateLabel  string
	Attempts           int
	Created, Sent      string
	NextAttempt, Error string
	CanRetry           bool
}

// maskAddress shows enough of a resident's phone or e-mail to recognise
// it; staff addresses are shown whole.
func maskAddress(n surat.Notification) string {
	a := n.Address
	if !strings.HasPrefix(n.Recipient, "resident:") || a == "" {
		if n.Recipient == "kantor" {
			return "Webhook kantor desa"
		}
		return a
	}
	if at := strings.Index(a, "@"); at > 1 {
		return a[:1] + strings.Repeat("•", at-1) + a[at:]
	}
	if len(a) > 6 {
		return a[:4] + strings.Repeat("•", len(a)-7) + a[len(a)-3:]
	}
	return a
}

// handleNotifications lists the village's notifications with their
// delivery state, newest first.
func (s *Server) handleNotifications(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	switch status {
	case "", surat.NotificationPending, surat.NotificationSent, surat.NotificationFailed:
	default:
		status = ""
	}
	page, err := s.store.Notifications(c.Request.Context(), vid, store.NotificationFilter{Status: status, PerPage: 100})
	if err != nil {
		return err
	}
	p := notificationsPage{basePage: s.base(c, "Riwayat pemberitahuan"), Tabs: settingsTabs("/pengaturan/pemberitahuan"),
		Status: status, Counts: page.Counts, Total: page.Total}
	if p.Flash == "" {
		p.Flash = settingsNotices[c.Query("ok")]
	}
	p.States = []statusOption{{"", "Semua"}, {surat.NotificationPending, surat.NotificationStateLabel(surat.NotificationPending)},
		{surat.NotificationSent, surat.NotificationStateLabel(surat.NotificationSent)},
		{surat.NotificationFailed, surat.NotificationStateLabel(surat.NotificationFailed)}}
	for _, n := range page.Items {
		row := notificationRow{ID: n.ID, Kind: notify.KindLabel(n.Kind), Channel: n.Channel, To: maskAddress(n),
			Subject: n.Subject, State: n.Status, StateLabel: surat.NotificationStateLabel(n.Status), Attempts: n.Attempts,
			Created: mandiriDateTime(n.CreatedAt), Error: n.LastError, CanRetry: n.Status == surat.NotificationFailed}
		if n.Channel == surat.ChannelEmail {
			row.Channel = "E-mail"
		} else {
			row.Channel = "Webhook"
		}
		if n.SentAt != nil {
			row.Sent = mandiriDateTime(*n.SentAt)
		}
		if n.Status == surat.NotificationPending && n.Attempts > 0 {
			row.NextAttempt = mandiriDateTime(n.NextAttemptAt)
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(c, http.StatusOK, "settings_notifications", p)
	return nil
}

// handleNotificationRetry puts a failed notification back in the queue.
func (s *Server) handleNotificationRetry(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RetryNotification(c.Request.Context(), actorOf(currentUser(c)), vid, id); err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/pemberitahuan", "kirim-ulang")
	return nil
}

// numberingPage is /pengaturan/penomoran.
type numberingPage struct {
	basePage
	Tabs   []settingsTab
	Series []issuance.NumberSeries
	Year   int
	Errors map[string]string
	// ErrorScope is the series the errors belong to; Next keeps its input.
	ErrorScope, Next string
}

// handleNumbering lists the number sequences of this year with their last
// number.
func (s *Server) handleNumbering(c *gin.Context) error {
	return s.renderNumbering(c, http.StatusOK, numberingPage{})
}

func (s *Server) renderNumbering(c *gin.Context, status int, p numberingPage) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	if p.Series, err = s.issuance.NumberSeriesOf(c.Request.Context(), vid); err != nil {
		return err
	}
	p.basePage = s.base(c, "Penomoran surat")
	p.Tabs = settingsTabs("/pengaturan/penomoran")
	p.Year = surat.LetterTime(s.now()).Year()
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "settings_numbering", p)
	return nil
}

// handleNumberingStart makes one number sequence continue at the typed
// number this year.
func (s *Server) handleNumberingStart(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	scope, raw := c.PostForm("scope"), strings.TrimSpace(c.PostForm("next"))
	next, perr := strconv.Atoi(raw)
	if perr != nil {
		err = surat.Invalid("next", surat.ProblemManualSeqInvalid)
	} else {
		err = s.issuance.SetSeriesStart(c.Request.Context(), actorOf(currentUser(c)), vid, scope, next)
	}
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderNumbering(c, http.StatusUnprocessableEntity, numberingPage{Errors: fields, ErrorScope: scope, Next: raw})
	} else if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/penomoran", "penomoran")
	return nil
}

// scopeLabel is how a series key reads for the admin.
func scopeLabel(scope string) string {
	if scope == "" {
		return "Satu urutan untuk semua surat desa"
	}
	return fmt.Sprintf("Urutan %s", strings.NewReplacer("{n}", "…", "{m}", "(bulan)", "{y}", "(tahun)").Replace(scope))
}
