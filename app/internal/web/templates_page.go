package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The letter template editor: /pengaturan/surat/<code>/templat for a
// village's admin (the village's layer) and its kabupaten twin
// /kabupaten/surat/<code>/templat for the kabupaten admin (the layer every
// village inherits). The same handlers serve both; templateScope says
// which layer the route edits, taken from the signed-in user, never from
// the request. Every change goes through issuance, which checks the file
// with the start-up loader and stores and audits a new version.

// templateScope is the layer a template route edits.
type templateScope struct {
	Layer     int64
	Base      string // "/pengaturan/surat" or "/kabupaten/surat"
	Kabupaten bool
}

// templateScope is the layer of the signed-in admin: the kabupaten's on
// the /kabupaten routes (kabupaten admins only), else the admin's village.
func (s *Server) templateScope(c *gin.Context) (templateScope, error) {
	if strings.HasPrefix(c.FullPath(), "/kabupaten/") {
		u := currentUser(c)
		if u == nil || u.Role != surat.RoleAdminKabupaten {
			return templateScope{}, surat.ErrForbidden
		}
		return templateScope{Layer: surat.KabupatenLayer, Base: "/kabupaten/surat", Kabupaten: true}, nil
	}
	vid, err := adminVillage(c)
	if err != nil {
		return templateScope{}, err
	}
	return templateScope{Layer: vid, Base: "/pengaturan/surat"}, nil
}

// EditorURL is the editor of module code in the scope.
func (sc templateScope) EditorURL(code string) string { return sc.Base + "/" + code + "/templat" }

// templateNotices are the notices of the template pages after a redirect.
var templateNotices = map[string]string{
	"disimpan":   "Templat disimpan sebagai versi baru. Surat baru memakai versi ini; surat yang sudah ditandatangani tidak berubah.",
	"dipulihkan": "Versi lama dipulihkan sebagai versi baru.",
	"dihapus":    "Penyesuaian templat dihapus. Templat di bawahnya berlaku lagi.",
}

// reservedCodes are path words of the template routes, which no letter
// type may be called.
var reservedCodes = map[string]bool{"baru": true, "templat": true}

// ---- the editor ----

// templateEditorPage is the editor of one module file.
type templateEditorPage struct {
	basePage
	Tabs  []settingsTab
	Scope templateScope
	Code  string
	Title string
	// New is set for a letter type not saved yet (a copy of From).
	New  bool
	From string
	// Origin says where the module in force comes from ("Bawaan",
	// "Kabupaten versi 2", "Desa versi 3"); Newest is the layer's newest
	// version, a draft when Draft.
	Origin     string
	Newest     *surat.LetterTemplate
	NewestWhen string
	Draft      bool
	Removed    bool
	CanRemove  bool
	// Source is the file in the editor, Lines its line numbers for the
	// gutter, ErrorLines the lines with a problem.
	Source     string
	Lines      []int
	ErrorLines map[int]bool
	Base       int
	Note       string
	Problems   []letters.FileProblem
	Refusal    string
	PreviewURL string
	// Outline is the side panel; nil when the file is not YAML the panel
	// can read.
	Outline    *letters.Outline
	FieldTypes []string
	NewField   letters.NewField
}

// pdfView asks the browser's PDF viewer for the page at full width without
// its side bar, so the preview frame shows the letter.
const pdfView = "#navpanes=0"

// fieldTypes are the types the panel offers for a new field.
var fieldTypes = []string{"text", "textarea", "date", "time", "int", "money"}

// handleTemplateEditor shows the editor of module :module.
func (s *Server) handleTemplateEditor(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	code := c.Param("module")
	v, err := s.issuance.Template(c.Request.Context(), sc.Layer, code)
	p := templateEditorPage{Scope: sc, Code: code}
	switch {
	case errors.Is(err, surat.ErrNotFound):
		// A new letter type, copied from an existing module.
		from := c.Query("dari")
		if !issuance.ValidModuleCode(code) || reservedCodes[code] || from == "" {
			return err
		}
		src, err := s.issuance.ExportTemplate(c.Request.Context(), sc.Layer, from)
		if err != nil {
			return err
		}
		p.New, p.From = true, from
		p.Source = replaceCode(string(src.Data), from, code)
		p.PreviewURL = sc.EditorURL(code) + "/pratinjau.pdf?dari=" + from + pdfView
		return s.renderTemplateEditor(c, http.StatusOK, p)
	case err != nil:
		return err
	}
	p.fromView(v)
	p.Source = v.Source
	p.Problems = v.Problems
	p.PreviewURL = sc.EditorURL(code) + "/pratinjau.pdf" + pdfView
	if p.Flash == "" {
		p.Flash = templateNotices[c.Query("ok")]
	}
	return s.renderTemplateEditor(c, http.StatusOK, p)
}

// fromView fills what the page shows of the module's versions.
func (p *templateEditorPage) fromView(v *issuance.TemplateView) {
	p.Base = v.Base
	if v.Current != nil {
		p.Title, p.Origin = v.Current.Title, v.Current.Origin.Label()
	}
	if n := v.Newest; n != nil {
		p.Newest, p.Draft, p.Removed = n, n.State == surat.TemplateDraft, n.State == surat.TemplateRemoved
		p.NewestWhen = surat.FormatDate(surat.LetterTime(n.CreatedAt)) + " " + surat.LetterTime(n.CreatedAt).Format("15.04")
		if p.Title == "" {
			p.Title = n.Title
		}
	}
	// The layer's own file is in force: it can be removed.
	own := letters.LayerVillage
	if p.Scope.Kabupaten {
		own = letters.LayerKabupaten
	}
	p.CanRemove = v.Current != nil && v.Current.Origin.Layer == own
}

// replaceCode writes code in the code line of a copied module file.
func replaceCode(src, from, code string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "code: "+from {
			lines[i] = strings.Replace(l, from, code, 1)
			break
		}
	}
	return strings.Join(lines, "\n")
}

// renderTemplateEditor fills the rest of p and renders it.
func (s *Server) renderTemplateEditor(c *gin.Context, status int, p templateEditorPage) error {
	title := "Templat " + p.Title
	if p.New {
		title = "Jenis surat baru: " + p.Code
	}
	flash := p.Flash
	p.basePage = s.base(c, title)
	if p.Flash == "" {
		p.Flash = flash
	}
	if !p.Scope.Kabupaten {
		p.Tabs = settingsTabs("/pengaturan/surat")
	}
	n := strings.Count(p.Source, "\n") + 1
	if strings.HasSuffix(p.Source, "\n") {
		n--
	}
	p.Lines = make([]int, max(n, 1))
	for i := range p.Lines {
		p.Lines[i] = i + 1
	}
	p.ErrorLines = map[int]bool{}
	for _, pr := range p.Problems {
		p.ErrorLines[pr.Line] = true
	}
	if o, err := letters.OutlineOf([]byte(p.Source)); err == nil {
		p.Outline = o
	}
	p.FieldTypes = fieldTypes
	s.render(c, status, "template_editor", p)
	return nil
}

// templateSaveForm is the YAML form of the editor.
type templateSaveForm struct {
	Source string `form:"source"`
	Note   string `form:"note"`
	Base   int    `form:"base_version"`
	From   string `form:"dari"`
}

// handleTemplateSave saves the YAML of the editor as a new version.
func (s *Server) handleTemplateSave(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	var f templateSaveForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	code := c.Param("module")
	if reservedCodes[code] {
		return surat.Invalid("code", surat.ProblemModuleCodeInvalid)
	}
	_, err = s.issuance.SaveTemplate(c.Request.Context(), actorOf(currentUser(c)), sc.Layer, code, []byte(f.Source),
		f.Note, f.Base)
	if err != nil {
		return s.templateRefused(c, sc, code, f.Source, f.Note, f.From, err)
	}
	c.Redirect(http.StatusSeeOther, sc.EditorURL(code)+"?ok=disimpan")
	return nil
}

// templateRefused shows the editor again with the admin's file and why it
// was not saved: the loader's problems by line, or a conflict.
func (s *Server) templateRefused(c *gin.Context, sc templateScope, code, src, note, from string, err error) error {
	var te *issuance.TemplateError
	p := templateEditorPage{Scope: sc, Code: code, Source: src, Note: note}
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &te):
		p.Problems = te.Problems
	default:
		pr := classify(err, s.now())
		if !inlineRefusal(pr) {
			return err
		}
		status, p.Refusal = pr.Status, pr.Message
		if msg := pr.Fields["code"]; msg != "" {
			p.Refusal = msg
		}
	}
	v, verr := s.issuance.Template(c.Request.Context(), sc.Layer, code)
	switch {
	case verr == nil:
		p.fromView(v)
		p.PreviewURL = sc.EditorURL(code) + "/pratinjau.pdf" + pdfView
	case errors.Is(verr, surat.ErrNotFound):
		p.New, p.From = true, from
		p.PreviewURL = sc.EditorURL(code) + "/pratinjau.pdf?dari=" + from + pdfView
	default:
		return verr
	}
	if status == http.StatusConflict {
		p.Refusal = fmt.Sprintf("Templat ini sudah disimpan orang lain (sekarang versi %d) sejak halaman ini dibuka. "+
			"Perubahan Anda masih ada di bawah: salin, muat ulang halaman, lalu terapkan lagi.", p.Base)
		// Keep the stale base so that a second click is refused again.
		if b, err := strconv.Atoi(c.PostForm("base_version")); err == nil {
			p.Base = b
		}
	}
	return s.renderTemplateEditor(c, status, p)
}

// handleTemplatePanel saves the side panel's changes as a new version.
func (s *Server) handleTemplatePanel(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	code := c.Param("module")
	src := c.PostForm("source")
	base, _ := strconv.Atoi(c.PostForm("base_version"))
	cur, err := letters.OutlineOf([]byte(src))
	if err != nil {
		return s.templateRefused(c, sc, code, src, c.PostForm("note"), c.PostForm("dari"),
			&issuance.TemplateError{Problems: []letters.FileProblem{{Message: "Panel hanya dapat mengubah berkas YAML yang terbaca. Perbaiki YAML lebih dulu."}}})
	}
	edit := issuance.PanelEdit{Source: []byte(src), Outline: panelOutline(c, cur)}
	if name := strings.TrimSpace(c.PostForm("new_name")); name != "" {
		edit.NewField = &letters.NewField{Name: name, Label: c.PostForm("new_label"), Type: c.PostForm("new_type"),
			Required: c.PostForm("new_required") == "true", Example: c.PostForm("new_example"), Hint: c.PostForm("new_hint")}
	}
	_, applied, err := s.issuance.ApplyPanel(c.Request.Context(), actorOf(currentUser(c)), sc.Layer, code, edit,
		c.PostForm("note"), base)
	if err != nil {
		if applied != nil {
			src = string(applied)
		}
		return s.templateRefused(c, sc, code, src, c.PostForm("note"), c.PostForm("dari"), err)
	}
	c.Redirect(http.StatusSeeOther, sc.EditorURL(code)+"?ok=disimpan")
	return nil
}

// panelOutline reads the panel's inputs over cur, the outline of the file
// the panel was shown for: lists come in the order the page wrote them.
func panelOutline(c *gin.Context, cur *letters.Outline) letters.Outline {
	o := *cur
	o.Title, o.Description = c.PostForm("title"), c.PostForm("description")
	o.Klasifikasi, o.Validity = c.PostForm("klasifikasi"), c.PostForm("validity")
	o.Online = c.PostForm("online") == "true"
	o.Requirements = strings.Split(strings.ReplaceAll(c.PostForm("requirements"), "\r\n", "\n"), "\n")
	paras := c.PostFormArray("paragraph")
	o.Paragraphs = append([]letters.OutlineParagraph(nil), cur.Paragraphs...)
	for i := range o.Paragraphs {
		if i < len(paras) {
			o.Paragraphs[i].Text = paras[i]
		}
	}
	labels, values := c.PostFormArray("row_label"), c.PostFormArray("row_value")
	o.Rows = append([]letters.OutlineRow(nil), cur.Rows...)
	for i := range o.Rows {
		if i < len(labels) && i < len(values) {
			o.Rows[i].Label, o.Rows[i].Value = labels[i], values[i]
		}
	}
	flabels, hints := c.PostFormArray("field_label"), c.PostFormArray("field_hint")
	o.Fields = append([]letters.OutlineField(nil), cur.Fields...)
	for i := range o.Fields {
		if i < len(flabels) && i < len(hints) {
			o.Fields[i].Label, o.Fields[i].Hint = flabels[i], hints[i]
		}
		o.Fields[i].Required = c.PostForm("field_required_"+o.Fields[i].Name) == "true"
	}
	return o
}

// templateProblemJSON is one problem of the live check.
type templateProblemJSON struct {
	Line    int    `json:"line"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// templateCheckJSON is the answer of the live check.
type templateCheckJSON struct {
	OK       bool                  `json:"ok"`
	Problems []templateProblemJSON `json:"problems"`
}

// handleTemplateCheck checks the editor's YAML as the loader would,
// storing nothing: the editor's script marks the lines while the admin
// types.
func (s *Server) handleTemplateCheck(c *gin.Context) error {
	if _, err := s.templateScope(c); err != nil {
		return err
	}
	out := templateCheckJSON{OK: true, Problems: []templateProblemJSON{}}
	_, err := s.issuance.CheckTemplate(c.Param("module"), []byte(c.PostForm("source")))
	var te *issuance.TemplateError
	switch {
	case errors.As(err, &te):
		out.OK = false
		for _, p := range te.Problems {
			out.Problems = append(out.Problems, templateProblemJSON{Line: p.Line, Path: p.Path, Message: p.Message})
		}
	case err != nil:
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// templatePreviewPage is what the preview frame shows when the file or the
// example data does not build a letter.
type templatePreviewPage struct {
	basePage
	Problems []letters.FileProblem
	Fields   []string
	Message  string
}

// handleTemplatePreview renders the posted YAML as a DRAF PDF in the
// editor's preview frame: with example data, or with the resident chosen
// (penduduk, a resident id of the admin's village).
func (s *Server) handleTemplatePreview(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	var residentID int64
	if v := strings.TrimSpace(c.PostForm("penduduk")); v != "" && !sc.Kabupaten && c.PostForm("data") == "penduduk" {
		if residentID, err = strconv.ParseInt(v, 10, 64); err != nil || residentID < 1 {
			return s.previewRefused(c, &surat.ValidationError{Fields: map[string]string{"penduduk": "Pilih penduduk dari daftar"}})
		}
	}
	b, err := s.issuance.PreviewTemplate(c.Request.Context(), sc.Layer, c.Param("module"), []byte(c.PostForm("source")), residentID)
	if err != nil {
		return s.previewRefused(c, err)
	}
	writePDF(c, b, "pratinjau-"+c.Param("module")+".pdf", true)
	return nil
}

// handleTemplatePreviewSaved renders the editor's starting file (the
// layer's newest version, the module in force, or the copied module of a
// new letter type) with example data: the frame's first picture.
func (s *Server) handleTemplatePreviewSaved(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	ctx, code := c.Request.Context(), c.Param("module")
	var src string
	v, err := s.issuance.Template(ctx, sc.Layer, code)
	switch {
	case err == nil:
		src = v.Source
	case errors.Is(err, surat.ErrNotFound) && c.Query("dari") != "":
		f, err := s.issuance.ExportTemplate(ctx, sc.Layer, c.Query("dari"))
		if err != nil {
			return err
		}
		src = replaceCode(string(f.Data), c.Query("dari"), code)
	default:
		return err
	}
	b, err := s.issuance.PreviewTemplate(ctx, sc.Layer, code, []byte(src), 0)
	if err != nil {
		return s.previewRefused(c, err)
	}
	writePDF(c, b, "pratinjau-"+code+".pdf", true)
	return nil
}

// previewRefused shows in the frame why the preview cannot be drawn.
func (s *Server) previewRefused(c *gin.Context, err error) error {
	p := templatePreviewPage{basePage: basePage{Title: "Pratinjau"}}
	var te *issuance.TemplateError
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &te):
		p.Problems = te.Problems
		p.Message = "Templat belum benar; pratinjau belum dapat dibuat."
	default:
		pr := classify(err, s.now())
		if pr.Status >= 500 {
			return err
		}
		status, p.Message = pr.Status, pr.Message
		if pr.Status == http.StatusUnprocessableEntity {
			p.Message = "Data contoh atau penduduk yang dipilih tidak memenuhi aturan jenis surat ini:"
		}
		for _, msg := range pr.Fields {
			p.Fields = append(p.Fields, msg)
		}
		sort.Strings(p.Fields)
	}
	c.Header("X-Frame-Options", "SAMEORIGIN")
	c.Header("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
	s.render(c, status, "template_preview", p)
	return nil
}

// ---- versions ----

// templateVersionsPage lists the layer's versions of a module.
type templateVersionsPage struct {
	basePage
	Tabs     []settingsTab
	Scope    templateScope
	Code     string
	Title    string
	Versions []templateVersionRow
	Base     int
}

// templateVersionRow is one version in the list.
type templateVersionRow struct {
	surat.LetterTemplate
	When, Hash string
	Newest     bool
}

// handleTemplateVersions lists the versions of module :module.
func (s *Server) handleTemplateVersions(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	code := c.Param("module")
	v, err := s.issuance.Template(c.Request.Context(), sc.Layer, code)
	if err != nil {
		return err
	}
	hist, err := s.issuance.TemplateHistory(c.Request.Context(), sc.Layer, code)
	if err != nil {
		return err
	}
	p := templateVersionsPage{Scope: sc, Code: code, Base: v.Base, Title: code}
	if v.Current != nil {
		p.Title = v.Current.Title
	} else if v.Newest != nil {
		p.Title = v.Newest.Title
	}
	for i, t := range hist {
		at := surat.LetterTime(t.CreatedAt)
		p.Versions = append(p.Versions, templateVersionRow{LetterTemplate: t, Newest: i == 0,
			When: surat.FormatDate(at) + " " + at.Format("15.04"), Hash: t.SHA256[:min(12, len(t.SHA256))]})
	}
	p.basePage = s.base(c, "Versi templat "+p.Title)
	if p.Flash == "" {
		p.Flash = templateNotices[c.Query("ok")]
	}
	if !sc.Kabupaten {
		p.Tabs = settingsTabs("/pengaturan/surat")
	}
	s.render(c, http.StatusOK, "template_versions", p)
	return nil
}

// templateDiffPage compares a version with the one before it.
type templateDiffPage struct {
	basePage
	Tabs    []settingsTab
	Scope   templateScope
	Code    string
	Compare *issuance.TemplateComparison
	Against string
	Rows    []templateDiffRow
	Hunks   int
}

// templateDiffRow is one line of the diff table; Gap starts a new hunk.
type templateDiffRow struct {
	Op       string // "same", "added", "removed"
	Sign     string
	Old, New string
	Text     string
	Gap      bool
}

// handleTemplateDiff shows what version :v changed.
func (s *Server) handleTemplateDiff(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(c.Param("v"))
	if err != nil || v < 1 {
		return fmt.Errorf("version %q: %w", c.Param("v"), surat.ErrNotFound)
	}
	code := c.Param("module")
	cmp, err := s.issuance.CompareTemplate(c.Request.Context(), sc.Layer, code, v)
	if err != nil {
		return err
	}
	p := templateDiffPage{Scope: sc, Code: code, Compare: cmp, Hunks: len(cmp.Hunks)}
	switch {
	case cmp.Previous != nil:
		p.Against = fmt.Sprintf("versi %d", cmp.Previous.Version)
	case cmp.BelowLabel != "":
		p.Against = "templat " + strings.ToLower(cmp.BelowLabel)
	default:
		p.Against = "berkas kosong (jenis surat baru)"
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for i, h := range cmp.Hunks {
		for j, l := range h.Lines {
			r := templateDiffRow{Old: num(l.Old), New: num(l.New), Text: l.Text, Gap: i > 0 && j == 0}
			switch l.Op {
			case letters.DiffAdded:
				r.Op, r.Sign = "added", "+"
			case letters.DiffRemoved:
				r.Op, r.Sign = "removed", "−"
			default:
				r.Op, r.Sign = "same", " "
			}
			p.Rows = append(p.Rows, r)
		}
	}
	p.basePage = s.base(c, fmt.Sprintf("Perubahan versi %d: %s", v, cmp.Version.Title))
	if !sc.Kabupaten {
		p.Tabs = settingsTabs("/pengaturan/surat")
	}
	s.render(c, http.StatusOK, "template_diff", p)
	return nil
}

// handleTemplateRestore stores version :v again as the newest version.
func (s *Server) handleTemplateRestore(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(c.Param("v"))
	if err != nil || v < 1 {
		return fmt.Errorf("version %q: %w", c.Param("v"), surat.ErrNotFound)
	}
	base, _ := strconv.Atoi(c.PostForm("base_version"))
	code := c.Param("module")
	if _, err := s.issuance.RestoreTemplate(c.Request.Context(), actorOf(currentUser(c)), sc.Layer, code, v, base); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, sc.EditorURL(code)+"?ok=dipulihkan")
	return nil
}

// handleTemplateRemove takes the module out of the layer.
func (s *Server) handleTemplateRemove(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(c.PostForm("base_version"))
	code := c.Param("module")
	if _, err := s.issuance.RemoveTemplate(c.Request.Context(), actorOf(currentUser(c)), sc.Layer, code,
		c.PostForm("note"), base); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, sc.Base+"?ok=templat-dihapus")
	return nil
}

// ---- export and import ----

// handleTemplateDownload sends the module file as the layer's catalogue
// holds it.
func (s *Server) handleTemplateDownload(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	f, err := s.issuance.ExportTemplate(c.Request.Context(), sc.Layer, c.Param("module"))
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, f.Name))
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", f.Data)
	return nil
}

// handleTemplateLayerDownload sends the layer's active files as a zip.
func (s *Server) handleTemplateLayerDownload(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	files, err := s.issuance.ExportLayer(c.Request.Context(), sc.Layer)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	name := "templat-kabupaten.zip"
	if !sc.Kabupaten {
		v, err := s.store.VillageByID(c.Request.Context(), sc.Layer)
		if err != nil {
			return err
		}
		name = "templat-desa-" + v.Code + ".zip"
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
	return nil
}

// templateImportPage is the import form and its result.
type templateImportPage struct {
	basePage
	Tabs     []settingsTab
	Scope    templateScope
	Filename string
	Error    string
	Problems []letters.FileProblem
	Saved    []*surat.LetterTemplate
	Same     []string
	OpenSID  []issuance.OpenSIDImport
	Done     bool
}

func (s *Server) renderTemplateImport(c *gin.Context, status int, p templateImportPage) error {
	p.basePage = s.base(c, "Impor templat surat")
	if !p.Scope.Kabupaten {
		p.Tabs = settingsTabs("/pengaturan/surat")
	}
	s.render(c, status, "template_import", p)
	return nil
}

// handleTemplateImportForm shows the import form.
func (s *Server) handleTemplateImportForm(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	return s.renderTemplateImport(c, http.StatusOK, templateImportPage{Scope: sc})
}

// maxZipEntryBytes bounds one file read out of an uploaded zip.
const maxZipEntryBytes = letters.MaxModuleBytes + 1

// handleTemplateImport takes module files (.yaml, or a .zip of them, as
// the export writes) into the layer, or an OpenSID export (.json) as
// drafts.
func (s *Server) handleTemplateImport(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	p := templateImportPage{Scope: sc}
	fh, err := c.FormFile("file")
	if err != nil {
		p.Error = "Pilih berkas templat: .yaml, .zip hasil unduhan templat, atau template_surat_tinymce.json dari OpenSID."
		return s.renderTemplateImport(c, http.StatusUnprocessableEntity, p)
	}
	p.Filename = path.Base(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBodyBytes))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	ctx, actor := c.Request.Context(), actorOf(currentUser(c))
	var files []issuance.TemplateFile
	switch ext := strings.ToLower(path.Ext(p.Filename)); ext {
	case ".json":
		res, err := s.issuance.ImportOpenSID(ctx, actor, sc.Layer, data)
		if err != nil {
			pr := classify(err, s.now())
			if pr.Status >= 500 {
				return err
			}
			p.Error = pr.Message
			return s.renderTemplateImport(c, pr.Status, p)
		}
		p.OpenSID, p.Done = res, true
		return s.renderTemplateImport(c, http.StatusOK, p)
	case ".yaml", ".yml":
		files = []issuance.TemplateFile{{Name: p.Filename, Data: data}}
	case ".zip":
		var msg string
		if files, msg = unzipTemplates(data); msg != "" {
			p.Error = msg
			return s.renderTemplateImport(c, http.StatusUnprocessableEntity, p)
		}
	default:
		p.Error = "Berkas harus .yaml, .zip atau .json (ekspor templat OpenSID)."
		return s.renderTemplateImport(c, http.StatusUnsupportedMediaType, p)
	}
	res, err := s.issuance.ImportTemplates(ctx, actor, sc.Layer, files, c.PostForm("note"))
	var te *issuance.TemplateError
	switch {
	case errors.As(err, &te):
		p.Problems, p.Error = te.Problems, "Berkas ditolak; tidak ada templat yang disimpan. Perbaiki masalah berikut lalu unggah lagi."
		return s.renderTemplateImport(c, http.StatusUnprocessableEntity, p)
	case err != nil:
		pr := classify(err, s.now())
		if pr.Status >= 500 {
			return err
		}
		p.Error = pr.Message
		for _, msg := range pr.Fields {
			p.Error = msg
		}
		return s.renderTemplateImport(c, pr.Status, p)
	}
	p.Saved, p.Same, p.Done = res.Saved, res.Unchanged, true
	return s.renderTemplateImport(c, http.StatusOK, p)
}

// unzipTemplates reads the *.yaml files at the root of a zip (as the
// layer export writes them), each at most letters.MaxModuleBytes; msg says
// in Indonesian why it cannot.
func unzipTemplates(data []byte) (files []issuance.TemplateFile, msg string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "Berkas .zip tidak dapat dibaca."
	}
	for _, zf := range zr.File {
		name := path.Base(zf.Name)
		if zf.FileInfo().IsDir() || (path.Ext(name) != ".yaml" && path.Ext(name) != ".yml") || strings.HasPrefix(name, ".") {
			continue
		}
		if len(files) == issuance.MaxImportFiles {
			return nil, fmt.Sprintf("Berkas .zip berisi lebih dari %d templat.", issuance.MaxImportFiles)
		}
		r, err := zf.Open()
		if err != nil {
			return nil, name + " tidak dapat dibaca dari .zip."
		}
		b, err := io.ReadAll(io.LimitReader(r, maxZipEntryBytes))
		r.Close()
		if err != nil {
			return nil, name + " tidak dapat dibaca dari .zip."
		}
		files = append(files, issuance.TemplateFile{Name: name, Data: b})
	}
	if len(files) == 0 {
		return nil, "Berkas .zip tidak berisi templat (.yaml)."
	}
	return files, ""
}

// ---- new letter types and the kabupaten's list ----

// templateNewPage asks for the code of a new letter type and the module
// it starts as a copy of.
type templateNewPage struct {
	basePage
	Tabs    []settingsTab
	Scope   templateScope
	Code    string
	From    string
	Modules []moduleItem
	Errors  map[string]string
}

func (s *Server) renderTemplateNew(c *gin.Context, status int, p templateNewPage) error {
	cat, err := s.issuance.ModulesFor(c.Request.Context(), p.Scope.Layer)
	if err != nil {
		return err
	}
	for _, m := range cat.Modules() {
		p.Modules = append(p.Modules, moduleItem{Code: m.Code, Title: m.Title})
	}
	sort.Slice(p.Modules, func(i, j int) bool { return p.Modules[i].Title < p.Modules[j].Title })
	p.basePage = s.base(c, "Jenis surat baru")
	if !p.Scope.Kabupaten {
		p.Tabs = settingsTabs("/pengaturan/surat")
	}
	s.render(c, status, "template_new", p)
	return nil
}

// handleTemplateNewForm shows the new letter type form.
func (s *Server) handleTemplateNewForm(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	return s.renderTemplateNew(c, http.StatusOK, templateNewPage{Scope: sc, From: "sk_pengantar"})
}

// handleTemplateNew checks the new code and opens the editor on a copy.
func (s *Server) handleTemplateNew(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	p := templateNewPage{Scope: sc, Code: strings.TrimSpace(c.PostForm("code")), From: c.PostForm("dari"),
		Errors: map[string]string{}}
	cat, err := s.issuance.ModulesFor(c.Request.Context(), sc.Layer)
	if err != nil {
		return err
	}
	switch {
	case !issuance.ValidModuleCode(p.Code) || reservedCodes[p.Code]:
		p.Errors["code"] = surat.ProblemModuleCodeInvalid.Message()
	case cat.Module(p.Code) != nil:
		p.Errors["code"] = "Kode ini sudah dipakai jenis surat lain; ubah templatnya dari daftar jenis surat."
	}
	if cat.Module(p.From) == nil {
		p.Errors["dari"] = "Pilih jenis surat yang akan disalin"
	}
	if len(p.Errors) > 0 {
		return s.renderTemplateNew(c, http.StatusUnprocessableEntity, p)
	}
	c.Redirect(http.StatusSeeOther, sc.EditorURL(p.Code)+"?dari="+p.From)
	return nil
}

// templateLayerPage lists the kabupaten's catalogue with where each module
// comes from, and the layer's drafts.
type templateLayerPage struct {
	basePage
	Scope  templateScope
	Rows   []templateLayerRow
	Drafts []surat.LetterTemplate
}

// templateLayerRow is one module of the list.
type templateLayerRow struct {
	Code, Title, Origin string
	Own                 bool // from this layer
}

// handleKabupatenTemplates lists the kabupaten's letter templates.
func (s *Server) handleKabupatenTemplates(c *gin.Context) error {
	sc, err := s.templateScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	cat, err := s.issuance.ModulesFor(ctx, sc.Layer)
	if err != nil {
		return err
	}
	p := templateLayerPage{Scope: sc}
	for _, m := range cat.Modules() {
		p.Rows = append(p.Rows, templateLayerRow{Code: m.Code, Title: m.Title, Origin: m.Origin.Label(),
			Own: m.Origin.Layer == letters.LayerKabupaten})
	}
	if p.Drafts, err = s.layerDrafts(c, sc); err != nil {
		return err
	}
	p.basePage = s.base(c, "Templat surat kabupaten")
	if p.Flash == "" {
		p.Flash = templateNotices[c.Query("ok")]
		if c.Query("ok") == "templat-dihapus" {
			p.Flash = templateNotices["dihapus"]
		}
	}
	s.render(c, http.StatusOK, "template_layer", p)
	return nil
}

// layerDrafts are the modules whose newest version in the layer is a
// draft (an OpenSID import waiting for review).
func (s *Server) layerDrafts(c *gin.Context, sc templateScope) ([]surat.LetterTemplate, error) {
	ts, err := s.issuance.LayerTemplates(c.Request.Context(), sc.Layer)
	if err != nil {
		return nil, err
	}
	var out []surat.LetterTemplate
	for _, t := range ts {
		if t.State == surat.TemplateDraft {
			out = append(out, t)
		}
	}
	return out, nil
}

// handleLetterRerender builds an unsigned draft again with the village's
// current module of its type. When the draft lacks what the new version
// asks for (a new required field), the draft's form opens with the
// messages, to be completed and saved.
func (s *Server) handleLetterRerender(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.PostForm("version"))
	ctx, vid := c.Request.Context(), villageOf(c)
	_, err = s.issuance.RerenderDraft(ctx, actorOf(currentUser(c)), vid, id, version)
	if err == nil {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=templat-baru", id))
		return nil
	}
	fields, ok := surat.FieldErrors(err)
	if !ok {
		return s.letterRefusal(c, id, err, letterPage{})
	}
	l, m, err := s.draftForEdit(c)
	if err != nil {
		return err
	}
	req, err := s.issuance.RequestOf(l)
	if err != nil {
		return err
	}
	p := letterFormPage{Module: m, Action: fmt.Sprintf("/surat/%d/ubah", l.ID), Cancel: fmt.Sprintf("/surat/%d", l.ID),
		Version: l.Version, Edit: true, ReturnReason: l.ReturnReason,
		FormError: "Templat terbaru memerlukan isian yang belum ada di draf ini. Lengkapi isian yang ditandai, lalu simpan."}
	return s.renderLetterForm(c, http.StatusUnprocessableEntity, p, valuesFromRequest(m, req), fields)
}
