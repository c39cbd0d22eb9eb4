// Package opensid turns OpenSID's letter template definitions, as OpenSID
// exports them (template_surat_tinymce.json: a list of letter formats with
// their TinyMCE HTML, form fields "kode_isian", subjects "form_isian" and
// requirements "syarat_surat"), into suratdesa module files for review.
//
// What has an equivalent is mapped: the letter's title, kode surat, validity
// and online offer, its requirements, the subjects (from the register or
// typed), the form fields with their types, options and register lists,
// the paragraphs and "Label : value" rows of the letter body with OpenSID's
// codes ([nama], [form_keperluan], [nama_desa]...) replaced by placeholders,
// and a second signature (the applicant's) where the letter has one. What
// has none is listed: codes without a placeholder, attachments (lampiran),
// page settings, images and computed values. The result is a draft: the
// caller stores it for an admin to check with the editor and the preview
// before making it active. Nothing here executes or keeps OpenSID's HTML.
package opensid

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// export is one letter format of OpenSID's export, the keys this package
// reads. Several keys hold either a string or a number, or JSON encoded in
// a string; they are read leniently.
type export struct {
	Nama               string          `json:"nama"`
	URLSurat           string          `json:"url_surat"`
	KodeSurat          json.RawMessage `json:"kode_surat"`
	Lampiran           json.RawMessage `json:"lampiran"`
	Mandiri            json.RawMessage `json:"mandiri"`
	MasaBerlaku        json.RawMessage `json:"masa_berlaku"`
	SatuanMasaBerlaku  string          `json:"satuan_masa_berlaku"`
	SyaratSurat        json.RawMessage `json:"syarat_surat"`
	Template           string          `json:"template"`
	TemplateDesa       string          `json:"template_desa"`
	FormIsian          json.RawMessage `json:"form_isian"`
	KodeIsian          json.RawMessage `json:"kode_isian"`
	Orientasi          string          `json:"orientasi"`
	Ukuran             string          `json:"ukuran"`
	LogoGaruda         json.RawMessage `json:"logo_garuda"`
	FormatNomor        json.RawMessage `json:"format_nomor"`
	FormatNomorGlobal  json.RawMessage `json:"format_nomor_global"`
	QRCode             json.RawMessage `json:"qr_code"`
	SumberPendudukUlng json.RawMessage `json:"sumber_penduduk_berulang"`
}

// kodeIsian is one form field of a letter format.
type kodeIsian struct {
	Kategori  string          `json:"kategori"`
	Tipe      string          `json:"tipe"`
	Kode      string          `json:"kode"`
	Nama      string          `json:"nama"`
	Deskripsi string          `json:"deskripsi"`
	Atribut   string          `json:"atribut"`
	Required  json.RawMessage `json:"required"`
	Pilihan   json.RawMessage `json:"pilihan"`
	Refrensi  string          `json:"refrensi"`
}

// subjectSource is one category of form_isian: the main subject
// ("individu") or another person or group of fields.
type subjectSource struct {
	Sumber      json.RawMessage `json:"sumber"`
	Data        json.RawMessage `json:"data"`
	Sex         json.RawMessage `json:"sex"`
	StatusDasar json.RawMessage `json:"status_dasar"`
	KKLevel     json.RawMessage `json:"kk_level"`
	Judul       string          `json:"judul"`
	Label       string          `json:"label"`
}

// Template is one letter format converted.
type Template struct {
	Name   string // OpenSID's name of the format, e.g. "Keterangan Usaha"
	Code   string // the module code given to it, e.g. "opensid_keterangan_usaha"
	Title  string
	Source []byte // the module file, YAML
	// Mapped lists what found an equivalent, e.g. "[form_keperluan] →
	// {{field.keperluan}}"; Unmapped what did not, in Indonesian.
	Mapped, Unmapped []string
	// Problems are the loader's problems with Source; a draft with
	// problems is fixed in the editor before it can be made active.
	Problems []letters.FileProblem
}

// ErrNotExport means the data is not an OpenSID template export.
var ErrNotExport = errors.New("opensid: not a template_surat_tinymce.json export")

// MaxExportBytes bounds an export file (OpenSID's own, with 42 formats,
// is 700 KB).
const MaxExportBytes = 8 << 20

// MaxFormats bounds the formats converted from one export (OpenSID's own
// has 42). The conversion stops there: 8 MB of minimal formats is some
// 300,000 of them, which took two minutes and 45 GB of allocations to
// convert only for all but 200 to be thrown away.
const MaxFormats = 200

// Convert reads an OpenSID template export (a JSON list of formats, or one
// format) and converts its first MaxFormats formats that have a name and a
// template. Two formats whose names make the same code get _2, _3, ...
// Errors: ErrNotExport.
func Convert(data []byte) ([]Template, error) {
	if len(data) > MaxExportBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotExport, MaxExportBytes)
	}
	var list []export
	if err := json.Unmarshal(data, &list); err != nil {
		var one export
		if err2 := json.Unmarshal(data, &one); err2 != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExport, err)
		}
		list = []export{one}
	}
	var out []Template
	codes := map[string]int{}
	for _, e := range list {
		if strings.TrimSpace(e.Nama) == "" || (strings.TrimSpace(e.Template) == "" && strings.TrimSpace(e.TemplateDesa) == "") {
			continue
		}
		if len(out) == MaxFormats {
			break
		}
		t := convert(e)
		code := t.Code
		for n := 2; codes[code] > 0; n++ {
			code = fmt.Sprintf("%s_%d", t.Code, n)
		}
		if code != t.Code {
			t = convertAs(e, code)
		}
		codes[code]++
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no letter format with a name and a template", ErrNotExport)
	}
	return out, nil
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// codeOf derives a module code from the format's URL name: prefix
// "opensid_" so that an import never replaces a built-in module by
// accident.
func codeOf(e export) string {
	base := strings.ToLower(e.URLSurat)
	if base == "" {
		base = strings.ToLower(e.Nama)
	}
	base = strings.TrimPrefix(base, "surat-")
	base = strings.Trim(nonIdent.ReplaceAllString(base, "_"), "_")
	code := "opensid_" + base
	if len(code) > 44 {
		code = strings.TrimRight(code[:44], "_")
	}
	return code
}

func convert(e export) Template { return convertAs(e, codeOf(e)) }

// conv is the state of one conversion.
type conv struct {
	e        export
	t        *Template
	roles    map[string]*role // by OpenSID category, lower case
	fields   map[string]*field
	order    []string // field names in order of appearance in kode_isian
	usedRole map[string]bool
	usedFld  map[string]bool
}

type role struct {
	Name, Label, Kind string
	Sex               string
	Status            []string
	SHDK              []string
}

type field struct {
	Name, Label, Type, Hint, Example, Enum string
	Options                                []string
	Required                               bool
	Min, Max                               *int64
	Kode                                   string // OpenSID's code
}

func convertAs(e export, code string) Template {
	t := &Template{Name: strings.TrimSpace(e.Nama), Code: code}
	c := &conv{e: e, t: t, roles: map[string]*role{}, fields: map[string]*field{}, usedRole: map[string]bool{},
		usedFld: map[string]bool{}}
	c.readSubjects()
	c.readFields()
	src := e.Template
	if strings.TrimSpace(e.TemplateDesa) != "" {
		src = e.TemplateDesa
		t.Mapped = append(t.Mapped, "template_desa (templat yang diubah desa) dipakai, bukan templat bawaan OpenSID")
	}
	body, sig := c.readBody(src)
	c.noteSettings()
	t.Source = c.write(body, sig)
	if _, err := letters.ParseModule(code+".yaml", t.Source); err != nil {
		t.Problems = letters.FileProblems(t.Source, err)
	}
	return *t
}

// ---- scalars of the export ----

func rawString(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	return ""
}

func rawBool(r json.RawMessage) bool {
	var b bool
	if json.Unmarshal(r, &b) == nil {
		return b
	}
	s := rawString(r)
	return s == "1" || strings.EqualFold(s, "true")
}

// rawStrings reads a list of strings or numbers, also one JSON-encoded in
// a string ("[\"1\",\"2\"]").
func rawStrings(r json.RawMessage) []string {
	var xs []any
	if json.Unmarshal(r, &xs) != nil {
		s := rawString(r)
		if s == "" || json.Unmarshal([]byte(s), &xs) != nil {
			return nil
		}
	}
	var out []string
	for _, x := range xs {
		switch v := x.(type) {
		case string:
			out = append(out, strings.TrimSpace(v))
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return out
}

// ---- subjects ----

// OpenSID's status dasar ids are the register's (surat.LifeStatus).
var statusNames = map[string]string{"1": "hidup", "2": "mati", "3": "pindah", "4": "hilang", "6": "pergi"}

func (c *conv) readSubjects() {
	cats := map[string]subjectSource{}
	if len(c.e.FormIsian) > 0 {
		var raw map[string]json.RawMessage
		if json.Unmarshal(c.e.FormIsian, &raw) == nil {
			for k, v := range raw {
				var s subjectSource
				if json.Unmarshal(v, &s) == nil {
					cats[strings.ToLower(k)] = s
				}
			}
		}
	}
	main, ok := cats["individu"]
	if !ok {
		main = subjectSource{Data: json.RawMessage(`["1"]`)}
	}
	c.roles["individu"] = c.roleOf("pemohon", "Pemohon", main)
	var names []string
	for k := range cats {
		if k != "individu" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		s := cats[k]
		if src := rawString(s.Sumber); src == "0" {
			continue // a group of fields (barang, tanah), not a person
		}
		name := strings.Trim(nonIdent.ReplaceAllString(k, "_"), "_")
		if name == "" || !unicode.IsLetter(rune(name[0])) || name == "pemohon" || reservedRole[name] {
			name = "orang_" + name
		}
		label := strings.TrimSpace(s.Judul)
		if label == "" || strings.EqualFold(label, "utama") {
			label = strings.TrimSpace(s.Label)
		}
		if label == "" {
			label = name
		}
		c.roles[k] = c.roleOf(name, label, s)
	}
}

var reservedRole = map[string]bool{"desa": true, "penandatangan": true, "surat": true, "field": true,
	"no": true, "hubungan": true}

func (c *conv) roleOf(name, label string, s subjectSource) *role {
	r := &role{Name: name, Label: oneLine(titleCase(strings.ToLower(label)), 80), Kind: "resident"}
	if strings.EqualFold(strings.TrimSpace(s.Judul), "utama") || name == "pemohon" {
		r.Label = "Pemohon"
	}
	for _, d := range rawStrings(s.Data) {
		if d != "1" {
			r.Kind = "person" // residents of elsewhere, typed in
		}
	}
	switch rawString(s.Sex) {
	case "1":
		r.Sex = "laki-laki"
	case "2":
		r.Sex = "perempuan"
	}
	statuses := rawStrings(s.StatusDasar)
	if len(statuses) > 0 && !(len(statuses) == 1 && statuses[0] == "1") {
		seen := map[string]bool{}
		for _, st := range statuses {
			if n, ok := statusNames[st]; ok && !seen[n] {
				r.Status, seen[n] = append(r.Status, n), true
			}
		}
	}
	levels := rawStrings(s.KKLevel)
	if len(levels) > 0 && len(levels) < len(surat.FamilyRelation.Options) {
		for _, l := range levels {
			id, err := strconv.Atoi(l)
			if err != nil {
				continue
			}
			if label := surat.FamilyRelation.Label(id); label != "" {
				r.SHDK = append(r.SHDK, label)
			}
		}
	}
	return r
}

// ---- fields ----

// enumOf maps OpenSID's register tables to the register enumerations.
var enumOf = map[string]string{
	"tweb_penduduk_sex": "jenis_kelamin", "tweb_penduduk_agama": "agama", "tweb_penduduk_pekerjaan": "pekerjaan",
	"tweb_penduduk_hubungan": "shdk", "tweb_penduduk_warganegara": "kewarganegaraan",
	"tweb_penduduk_pendidikan_kk": "pendidikan_kk", "tweb_penduduk_pendidikan": "pendidikan_kk",
	"tweb_penduduk_kawin": "status_kawin", "tweb_golongan_darah": "golongan_darah",
	"tweb_status_dasar": "status_dasar",
}

var minMaxRE = regexp.MustCompile(`\b(min|max)\s*=\s*"?(-?\d+)"?`)

// digitsLike are names of "number" fields that are really codes (a phone
// or passport number), kept as text.
var digitsLike = regexp.MustCompile(`telepon|telp|hp|paspor|passport|nomor|no_|nik|kk|rekening|npwp`)

func (c *conv) readFields() {
	var ks []kodeIsian
	if len(c.e.KodeIsian) > 0 && json.Unmarshal(c.e.KodeIsian, &ks) != nil {
		var s string
		if json.Unmarshal(c.e.KodeIsian, &s) == nil {
			_ = json.Unmarshal([]byte(s), &ks)
		}
	}
	for _, k := range ks {
		kode := strings.ToLower(strings.Trim(strings.TrimSpace(k.Kode), "[]"))
		if !strings.HasPrefix(kode, "form_") {
			c.t.Unmapped = append(c.t.Unmapped, fmt.Sprintf("isian %q tanpa kode form_ dilewati", k.Nama))
			continue
		}
		name := strings.Trim(nonIdent.ReplaceAllString(strings.TrimPrefix(kode, "form_"), "_"), "_")
		// A field of another person of the letter is named after that
		// person ([form_telepon] of saksi_i: telepon_saksi_i); one of a
		// group of fields (barang, tanah) keeps its name.
		cat := strings.ToLower(strings.TrimSpace(k.Kategori))
		if _, person := c.roles[cat]; person && cat != "individu" {
			name += "_" + strings.Trim(nonIdent.ReplaceAllString(cat, "_"), "_")
		}
		if name == "" || !unicode.IsLetter(rune(name[0])) {
			name = "isian_" + name
		}
		if len(name) > 47 {
			name = strings.TrimRight(name[:47], "_")
		}
		if _, dup := c.fields[name]; dup {
			continue
		}
		f := &field{Name: name, Label: oneLine(sentenceCase(k.Nama), 80), Hint: oneLine(k.Deskripsi, 200), Kode: kode,
			Required: rawString(k.Required) == "1"}
		if f.Label == "" {
			f.Label = oneLine(sentenceCase(strings.ReplaceAll(name, "_", " ")), 80)
		}
		if strings.EqualFold(f.Hint, f.Label) {
			f.Hint = ""
		}
		switch k.Tipe {
		case "textarea":
			f.Type = "textarea"
		case "date":
			f.Type = "date"
		case "time":
			f.Type = "time"
		case "number":
			f.Type = "int"
			if digitsLike.MatchString(name) {
				f.Type = "text"
			}
			for _, m := range minMaxRE.FindAllStringSubmatch(k.Atribut, -1) {
				n, err := strconv.ParseInt(m[2], 10, 64)
				if err != nil || f.Type != "int" {
					continue
				}
				if m[1] == "min" {
					f.Min = &n
				} else {
					f.Max = &n
				}
			}
		case "select-manual":
			f.Type = "enum"
			seen := map[string]bool{}
			for _, o := range rawStrings(k.Pilihan) {
				key := strings.ToLower(o)
				if o != "" && !seen[key] && !strings.ContainsAny(o, "\r\n") {
					f.Options, seen[key] = append(f.Options, o), true
				}
			}
			if len(f.Options) == 0 {
				f.Type = "text"
				c.t.Unmapped = append(c.t.Unmapped, fmt.Sprintf("pilihan isian %s kosong; dijadikan teks", f.Name))
			}
		case "select-otomatis":
			if e, ok := enumOf[strings.ToLower(k.Refrensi)]; ok {
				f.Type, f.Enum = "enum", e
			} else {
				f.Type = "text"
				c.t.Unmapped = append(c.t.Unmapped, fmt.Sprintf("daftar %q untuk isian %s tidak ada padanannya; dijadikan teks",
					k.Refrensi, f.Name))
			}
		default:
			f.Type = "text"
		}
		f.Example = exampleOf(f)
		c.fields[name] = f
		c.order = append(c.order, name)
	}
}

// exampleOf is a demo value for the preview of a field.
func exampleOf(f *field) string {
	switch f.Type {
	case "date":
		return "hari ini"
	case "time":
		return "08.00"
	case "int":
		if f.Min != nil {
			return strconv.FormatInt(*f.Min, 10)
		}
		return "1"
	case "enum":
		if len(f.Options) > 0 {
			return f.Options[0]
		}
		switch f.Enum {
		case "jenis_kelamin":
			return "LAKI-LAKI"
		case "agama":
			return "ISLAM"
		case "pekerjaan":
			return "PETANI/PEKEBUN"
		case "shdk":
			return "ANAK"
		case "kewarganegaraan":
			return "WNI"
		case "pendidikan_kk":
			return "SLTA / SEDERAJAT"
		case "status_kawin":
			return "KAWIN"
		case "golongan_darah":
			return "O"
		case "status_dasar":
			return "HIDUP"
		}
	}
	return "Contoh " + strings.ToLower(f.Label)
}

// ---- placeholders ----

var codeRE = regexp.MustCompile(`\[([A-Za-z][A-Za-z0-9_]*)\]`)

// personAttr maps OpenSID's codes of a person to the module's attributes.
var personAttr = map[string]string{
	"nama": "nama", "nik": "nik", "no_kk": "no_kk", "kepala_kk": "kepala_keluarga", "ttl": "ttl",
	"tempatlahir": "tempat_lahir", "tempat_lahir": "tempat_lahir", "tanggallahir": "tanggal_lahir",
	"tanggal_lahir": "tanggal_lahir", "usia": "usia", "umur": "usia", "jenis_kelamin": "jenis_kelamin",
	"sex": "jenis_kelamin", "agama": "agama", "status_kawin": "status_kawin", "status": "status_kawin",
	"pendidikan_kk": "pendidikan", "pendidikan": "pendidikan", "pekerjaan": "pekerjaan",
	"warga_negara": "kewarganegaraan", "warganegara": "kewarganegaraan", "gol_darah": "golongan_darah",
	"golongan_darah": "golongan_darah", "alamat": "alamat", "alamat_lengkap": "alamat_lengkap",
	"nama_ayah": "nama_ayah", "nama_ibu": "nama_ibu", "id_bdt": "id_dtks", "hubungan": "hubungan_kk",
	"shdk": "hubungan_kk", "dusun": "dusun", "rt": "rt", "rw": "rw", "telepon": "telepon",
	"hari_lahir": "hari_lahir",
}

// otherCodes maps OpenSID's codes of the village, the letter and the
// signer; "" drops the code (the renderer prints it elsewhere).
var otherCodes = map[string]string{
	"nama_desa": "{{desa.nama}}", "sebutan_desa": "{{desa.sebutan}}", "nama_kecamatan": "{{desa.kecamatan}}",
	"sebutan_kecamatan": "Kecamatan", "nama_kabupaten": "{{desa.kabupaten}}",
	"sebutan_kabupaten": "{{desa.sebutan_kabupaten}}", "nama_provinsi": "{{desa.provinsi}}",
	"kode_desa": "{{desa.kode}}", "alamat_desa": "{{desa.alamat}}", "kode_pos": "{{desa.kode_pos}}",
	"telepon_desa": "{{desa.telepon}}", "email_desa": "{{desa.email}}",
	"tgl_surat": "{{surat.tanggal}}", "judul_surat": "{{surat.judul}}", "format_nomor_surat": "{{surat.nomor}}",
	"mulai_berlaku": "{{surat.berlaku_mulai}}", "berlaku_sampai": "{{surat.berlaku_sampai}}",
	"kode_surat": "{{surat.kode}}", "nama_pamong": "{{penandatangan.nama}}", "jabatan": "{{penandatangan.jabatan}}",
	"nip_pamong": "{{penandatangan.nip}}", "sebutan_kepala_desa": "Kepala {{desa.sebutan}}",
}

// placeholder converts the OpenSID code in brackets (case kept) to a
// placeholder, or "" with ok false when it has no equivalent.
func (c *conv) placeholder(raw string) (string, bool) {
	code := strings.ToLower(raw)
	filter := caseFilter(raw)
	if s, ok := otherCodes[code]; ok {
		if strings.HasPrefix(s, "{{") && filter != "" {
			s = strings.TrimSuffix(s, "}}") + filter + "}}"
		}
		return s, true
	}
	if strings.HasPrefix(code, "form_") {
		name := strings.Trim(nonIdent.ReplaceAllString(strings.TrimPrefix(code, "form_"), "_"), "_")
		if f, ok := c.fields[name]; ok {
			c.usedFld[f.Name] = true
			return "{{field." + f.Name + filter + "}}", true
		}
		// A field of another person is named after that person
		// (keterangan_pembeli) while the template keeps OpenSID's code
		// ([form_keterangan]): that code stands for the field when only one
		// field has it.
		var only *field
		for _, f := range c.fields {
			if f.Kode != code {
				continue
			}
			if only != nil {
				return "", false
			}
			only = f
		}
		if only != nil {
			c.usedFld[only.Name] = true
			return "{{field." + only.Name + filter + "}}", true
		}
		return "", false
	}
	if attr, ok := personAttr[code]; ok {
		c.usedRole["individu"] = true
		return "{{" + c.roles["individu"].Name + "." + attr + filter + "}}", true
	}
	// <attribute>_<category>: another person of the letter.
	for cat, r := range c.roles {
		if cat == "individu" || !strings.HasSuffix(code, "_"+cat) {
			continue
		}
		if attr, ok := personAttr[strings.TrimSuffix(code, "_"+cat)]; ok {
			c.usedRole[cat] = true
			return "{{" + r.Name + "." + attr + filter + "}}", true
		}
	}
	return "", false
}

// caseFilter is the filter that gives OpenSID's case rule of a code:
// [NAma] upper case, [nama] lower case; [Nama], [NaMa] and [NamA] print
// the value as stored (the register stores names and places in capitals
// already).
func caseFilter(raw string) string {
	r := []rune(raw)
	switch {
	case len(r) >= 2 && unicode.IsUpper(r[0]) && unicode.IsUpper(r[len(r)-1]):
		return ""
	case unicode.IsLower(r[0]):
		return " | lower"
	case len(r) >= 2 && unicode.IsUpper(r[0]) && unicode.IsUpper(r[1]):
		return " | upper"
	}
	return ""
}

// convertText replaces the codes in text; unknown ones stay in brackets
// and are listed.
func (c *conv) convertText(text string) string {
	return codeRE.ReplaceAllStringFunc(text, func(m string) string {
		raw := m[1 : len(m)-1]
		ph, ok := c.placeholder(raw)
		if !ok {
			c.noteUnmapped(fmt.Sprintf("kode [%s] tidak ada padanannya; dibiarkan sebagai teks", strings.ToLower(raw)))
			return "[" + strings.ToLower(raw) + "]"
		}
		c.noteMapped(fmt.Sprintf("[%s] → %s", strings.ToLower(raw), strings.Join(strings.Fields(ph), " ")))
		return ph
	})
}

func (c *conv) noteMapped(s string) {
	for _, x := range c.t.Mapped {
		if x == s {
			return
		}
	}
	c.t.Mapped = append(c.t.Mapped, s)
}

func (c *conv) noteUnmapped(s string) {
	for _, x := range c.t.Unmapped {
		if x == s {
			return
		}
	}
	c.t.Unmapped = append(c.t.Unmapped, s)
}

// ---- the HTML body ----

// block is one block of the converted body.
type block struct {
	paragraph string
	rows      [][2]string
}

// sigBlock is a signature beside the official's.
type sigBlock struct {
	role, caption string
}

// readBody walks the format's HTML and returns the body blocks and the
// signature blocks found in its signature table.
func (c *conv) readBody(src string) ([]block, []sigBlock) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		c.noteUnmapped("HTML templat tidak dapat dibaca")
		return nil, nil
	}
	var blocks []block
	var sigs []sigBlock
	done := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil && !done; ch = ch.NextSibling {
			if ch.Type != html.ElementNode {
				if ch.Type == html.TextNode && strings.TrimSpace(ch.Data) != "" && n.Data == "body" {
					blocks = c.addParagraph(blocks, ch.Data)
				}
				continue
			}
			switch ch.Data {
			case "table":
				rows := tableRows(ch)
				if signatureTable(rows) {
					sigs = c.signatures(rows)
					done = true
					return
				}
				blocks = c.addTable(blocks, rows)
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "li":
				text := textOf(ch)
				switch low := strings.ToLower(text); {
				case strings.Contains(low, "[judul_surat]"), strings.Contains(low, "[format_nomor_surat]"),
					strings.Contains(low, "[nomer_surat]"):
					continue // the title and number: the renderer prints them
				case strings.Contains(low, "[qr_code]"), strings.Contains(low, "[nama_pamong]"),
					strings.Contains(low, "[atas_nama]"):
					done = true // the signature: the renderer draws it
					return
				}
				if ch.Data == "li" {
					text = "- " + text
				}
				blocks = c.addParagraph(blocks, text)
			case "img":
				c.noteUnmapped("gambar di isi surat dilewati")
			case "html", "body", "div", "ol", "ul", "tbody", "span", "strong", "em", "u", "center", "section":
				walk(ch)
			default:
				if t := textOf(ch); t != "" {
					blocks = c.addParagraph(blocks, t)
				}
			}
		}
	}
	walk(doc)
	return blocks, sigs
}

func (c *conv) addParagraph(blocks []block, text string) []block {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" || strings.Trim(text, ".-_ ") == "" {
		return blocks
	}
	return append(blocks, block{paragraph: c.convertText(text)})
}

// tableRows returns the texts of the cells of each row of a table.
func tableRows(t *html.Node) [][]string {
	var rows [][]string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.ElementNode {
				continue
			}
			if ch.Data == "tr" {
				var cells []string
				for td := ch.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode && (td.Data == "td" || td.Data == "th") {
						cells = append(cells, textOf(td))
					}
				}
				rows = append(rows, cells)
				continue
			}
			if ch.Data != "table" { // nested tables are read as their own rows
				walk(ch)
			}
		}
	}
	walk(t)
	return rows
}

// signatureTable reports whether rows are the letter's signature area.
func signatureTable(rows [][]string) bool {
	for _, r := range rows {
		for _, cell := range r {
			l := strings.ToLower(cell)
			if strings.Contains(l, "[nama_pamong]") || strings.Contains(l, "[tgl_surat]") ||
				strings.Contains(l, "[qr_code]") || strings.Contains(l, "[atas_nama]") {
				return true
			}
		}
	}
	return false
}

var enumerator = regexp.MustCompile(`^([0-9]+|[a-zA-Z])[.)]?$`)

// addTable turns "Label : value" rows into a rows block; other tables
// become paragraphs, one a row.
func (c *conv) addTable(blocks []block, rows [][]string) []block {
	var b block
	for _, r := range rows {
		colon := -1
		for i, cell := range r {
			if strings.TrimSpace(cell) == ":" {
				colon = i
				break
			}
		}
		if colon < 0 {
			// "Label : value" in one cell, or a table row of text.
			line := strings.Join(nonEmpty(r), " ")
			if l, v, ok := strings.Cut(line, " : "); ok && len([]rune(l)) <= 80 {
				b.rows = append(b.rows, [2]string{l, v})
				continue
			}
			if len(b.rows) > 0 {
				blocks = append(blocks, c.rowsBlock(b))
				b = block{}
			}
			blocks = c.addParagraph(blocks, line)
			continue
		}
		label := ""
		for i := colon - 1; i >= 0; i-- {
			if t := strings.TrimSpace(r[i]); t != "" && !enumerator.MatchString(t) {
				label = t
				break
			}
		}
		value := strings.Join(nonEmpty(r[colon+1:]), " ")
		b.rows = append(b.rows, [2]string{label, value})
	}
	if len(b.rows) > 0 {
		blocks = append(blocks, c.rowsBlock(b))
	}
	return blocks
}

// rowsBlock converts the codes of a rows block and fixes its labels.
func (c *conv) rowsBlock(b block) block {
	var out block
	for _, r := range b.rows {
		label := strings.Join(strings.Fields(codeRE.ReplaceAllString(r[0], "")), " ")
		label = strings.TrimRight(label, " :")
		value := strings.Join(strings.Fields(r[1]), " ")
		if value == "" || strings.Trim(value, ".-_ ") == "" {
			continue
		}
		if label == "" {
			label = "Keterangan"
		}
		if label != r[0] && strings.Contains(r[0], "[") {
			c.noteUnmapped(fmt.Sprintf("kode di label baris %q dihapus", r[0]))
		}
		out.rows = append(out.rows, [2]string{oneLine(titleCase(label), 80), c.convertText(value)})
	}
	return out
}

// signatures finds a second signer beside the official in the signature
// table: a column with a caption and a person's name code below it.
func (c *conv) signatures(rows [][]string) []sigBlock {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	var out []sigBlock
	for col := 0; col < width; col++ {
		caption, who := "", ""
		official := false
		for _, r := range rows {
			if col >= len(r) {
				continue
			}
			cell := strings.TrimSpace(r[col])
			low := strings.ToLower(cell)
			switch {
			case cell == "":
			case strings.Contains(low, "[nama_pamong]") || strings.Contains(low, "[atas_nama]") ||
				strings.Contains(low, "[tgl_surat]"):
				official = true
			case who == "" && codeRE.MatchString(cell) && strings.HasPrefix(low, "[nama"):
				who = strings.ToLower(codeRE.FindStringSubmatch(cell)[1])
			case caption == "" && !strings.Contains(cell, "["):
				caption = cell
			}
		}
		if official || who == "" {
			continue
		}
		roleName := ""
		if who == "nama" {
			roleName, c.usedRole["individu"] = c.roles["individu"].Name, true
		} else {
			for cat, r := range c.roles {
				if who == "nama_"+cat {
					roleName, c.usedRole[cat] = r.Name, true
				}
			}
		}
		if roleName == "" {
			c.noteUnmapped(fmt.Sprintf("tanda tangan %q tidak ada padanannya", caption))
			continue
		}
		if caption == "" {
			caption = "Yang Bersangkutan,"
		}
		out = append(out, sigBlock{role: roleName, caption: oneLine(caption, 80)})
		c.noteMapped(fmt.Sprintf("tanda tangan %q → blok tanda tangan %s", caption, roleName))
	}
	return out
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if t := strings.TrimSpace(x); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// textOf is the text of an element, line breaks as spaces.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteString(" ")
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style"):
			return
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
		if n.Type == html.ElementNode && (n.Data == "p" || n.Data == "div" || n.Data == "td") {
			b.WriteString(" ")
		}
	}
	walk(n)
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
}

// ---- settings of the format ----

// syaratNames are the requirements OpenSID installs (ref_syarat_surat),
// by id.
var syaratNames = map[string]string{
	"1": "Surat Pengantar RT/RW", "2": "Fotokopi KK", "3": "Fotokopi KTP",
	"4": "Fotokopi Surat Nikah/Akta Nikah/Kutipan Akta Perkawinan",
	"5": "Fotokopi Akta Kelahiran/Surat Kelahiran bagi keluarga yang mempunyai anak",
	"6": "Surat Pindah Datang dari tempat asal",
	"7": "Surat Keterangan Kematian dari Rumah Sakit, Rumah Bersalin Puskesmas, atau visum Dokter",
	"8": "Surat Keterangan Cerai", "9": "Fotokopi Ijasah Terakhir", "10": "SK. PNS/KARIP/SK. TNI – POLRI",
	"11": "Surat Keterangan Kematian dari Kepala Desa/Kelurahan",
	"12": "Surat imigrasi / STMD (Surat Tanda Melapor Diri)",
}

func (c *conv) noteSettings() {
	e := c.e
	if l := rawString(e.Lampiran); l != "" {
		c.noteUnmapped(fmt.Sprintf("lampiran %q tidak diimpor; lampiran ditulis sebagai forms di berkas modul", l))
	}
	if strings.EqualFold(e.Orientasi, "landscape") {
		c.noteUnmapped("orientasi lanskap tidak didukung; surat dicetak tegak")
	}
	if u := strings.TrimSpace(e.Ukuran); u != "" && !strings.EqualFold(u, "F4") && !strings.EqualFold(u, "A4") {
		c.noteUnmapped(fmt.Sprintf("ukuran kertas %q tidak didukung; ukuran kertas diatur per desa (F4 atau A4)", u))
	}
	if rawBool(e.LogoGaruda) {
		c.noteUnmapped("logo Garuda tidak didukung; kop memakai logo desa")
	}
	if f := rawString(e.FormatNomor); f != "" {
		c.noteUnmapped(fmt.Sprintf("format nomor %q tidak diimpor; atur di Pengaturan jenis surat", f))
	}
	c.noteUnmapped("margin, header dan footer OpenSID tidak diimpor; tata letak mengikuti aturan suratdesa")
}

// ---- writing the module file ----

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func integer(n int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(n, 10)}
}

func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		var n *yaml.Node
		switch x := v.(type) {
		case *yaml.Node:
			if x == nil {
				continue
			}
			n = x
		case string:
			n = str(x)
		}
		m.Content = append(m.Content, str(kv[i].(string)), n)
	}
	return m
}

func seq(items ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Content: items} }

func flowSeq(xs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, x := range xs {
		n.Content = append(n.Content, str(x))
	}
	return n
}

// text is a scalar for a body text: placeholders force quotes.
func text(s string, folded bool) *yaml.Node {
	if folded && len(s) > 60 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.FoldedStyle}
	}
	if strings.Contains(s, "{{") || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return quoted(s)
	}
	return str(s)
}

func (c *conv) write(body []block, sigs []sigBlock) []byte {
	e, t := c.e, c.t
	title := oneLine(strings.TrimSpace(e.Nama), 114)
	if !strings.HasPrefix(strings.ToLower(title), "surat") {
		title = "Surat " + title
	}
	t.Title = title
	klas := rawString(e.KodeSurat)
	ls := surat.LetterSettings{Module: "modul", KodeSurat: klas}
	if fields, ok := surat.FieldErrors(ls.Validate()); klas == "" || (ok && fields["kode_surat"] != "") {
		c.noteUnmapped(fmt.Sprintf("kode surat %q tidak valid; diganti 470", klas))
		klas = "470"
	}
	validity := "1 bulan"
	if n, err := strconv.Atoi(rawString(e.MasaBerlaku)); err == nil && n >= 1 && n <= 3650 {
		unit := map[string]string{"d": "hari", "w": "minggu", "m": "bulan", "y": "tahun"}[strings.ToLower(e.SatuanMasaBerlaku)]
		if e.SatuanMasaBerlaku == "M" {
			unit = "bulan"
		}
		if unit != "" {
			validity = fmt.Sprintf("%d %s", n, unit)
		}
	}
	var reqs []string
	for _, id := range rawStrings(e.SyaratSurat) {
		if name, ok := syaratNames[id]; ok {
			reqs = append(reqs, name)
		} else {
			c.noteUnmapped(fmt.Sprintf("syarat nomor %s tidak dikenal; tulis di requirements", id))
		}
	}
	root := mapping("code", t.Code, "title", title,
		"description", oneLine("Diimpor dari OpenSID ("+e.URLSurat+"); periksa sebelum diaktifkan.", 200),
		"klasifikasi", quoted(klas), "validity", validity, "online", boolean(rawBool(e.Mandiri)))
	if len(reqs) > 0 {
		r := seq()
		for _, x := range reqs {
			r.Content = append(r.Content, str(x))
		}
		root.Content = append(root.Content, str("requirements"), r)
	}
	// Body.
	bodyNode := seq()
	for _, b := range body {
		if b.paragraph != "" {
			bodyNode.Content = append(bodyNode.Content, mapping("paragraph", text(b.paragraph, true)))
			continue
		}
		rows := seq()
		for _, r := range b.rows {
			rows.Content = append(rows.Content, mapping(r[0], text(r[1], false)))
		}
		bodyNode.Content = append(bodyNode.Content, mapping("rows", rows))
	}
	// Subjects: the main one always; others when the body uses them.
	subjects := seq()
	cats := []string{"individu"}
	var others []string
	for cat := range c.roles {
		if cat != "individu" {
			others = append(others, cat)
		}
	}
	sort.Strings(others)
	cats = append(cats, others...)
	for _, cat := range cats {
		r := c.roles[cat]
		if cat != "individu" && !c.usedRole[cat] {
			c.noteUnmapped(fmt.Sprintf("subjek %q tidak dipakai di isi surat; dilewati", r.Label))
			continue
		}
		if cat == "individu" && !c.usedRole[cat] {
			// The main subject must appear: its name row.
			bodyNode.Content = append([]*yaml.Node{mapping("rows", seq(mapping("Nama", quoted("{{"+r.Name+".nama}}"))))},
				bodyNode.Content...)
			c.noteUnmapped("isi surat tidak menyebut pemohon; baris Nama ditambahkan")
		}
		s := mapping("role", r.Name, "label", r.Label, "kind", r.Kind)
		if r.Sex != "" {
			s.Content = append(s.Content, str("sex"), str(r.Sex))
		}
		if len(r.Status) > 0 {
			s.Content = append(s.Content, str("status"), flowSeq(r.Status))
		}
		if len(r.SHDK) > 0 {
			s.Content = append(s.Content, str("shdk"), flowSeq(r.SHDK))
		}
		subjects.Content = append(subjects.Content, s)
		c.noteMapped(fmt.Sprintf("subjek %s → peran %s", cat, r.Name))
	}
	root.Content = append(root.Content, str("subjects"), subjects)
	// Fields the body uses.
	fieldsNode := seq()
	for _, name := range c.order {
		f := c.fields[name]
		if !c.usedFld[name] {
			c.noteUnmapped(fmt.Sprintf("isian [%s] tidak dipakai di isi surat; dilewati", f.Kode))
			continue
		}
		fn := mapping("name", f.Name, "label", f.Label, "type", f.Type)
		if f.Required {
			fn.Content = append(fn.Content, str("required"), boolean(true))
		}
		if f.Min != nil {
			fn.Content = append(fn.Content, str("min"), integer(*f.Min))
		}
		if f.Max != nil && (f.Min == nil || *f.Max >= *f.Min) {
			fn.Content = append(fn.Content, str("max"), integer(*f.Max))
		}
		if len(f.Options) > 0 {
			fn.Content = append(fn.Content, str("options"), flowSeq(f.Options))
		}
		if f.Enum != "" {
			fn.Content = append(fn.Content, str("enum"), str(f.Enum))
		}
		if f.Hint != "" {
			fn.Content = append(fn.Content, str("hint"), str(f.Hint))
		}
		fn.Content = append(fn.Content, str("example"), str(f.Example))
		fieldsNode.Content = append(fieldsNode.Content, fn)
	}
	if len(fieldsNode.Content) > 0 {
		root.Content = append(root.Content, str("fields"), fieldsNode)
	}
	root.Content = append(root.Content, str("body"), bodyNode)
	if len(sigs) > 0 {
		blocks := seq()
		for _, s := range sigs {
			blocks.Content = append(blocks.Content, mapping("role", s.role, "caption", s.caption))
		}
		blocks.Content = append(blocks.Content, mapping("official", boolean(true)))
		root.Content = append(root.Content, str("signatures"), seq(mapping("blocks", blocks)))
	}
	var b strings.Builder
	b.WriteString("# Diimpor dari OpenSID: " + oneLine(e.Nama, 100) + " (" + oneLine(e.URLSurat, 100) + ").\n")
	b.WriteString("# Draf untuk diperiksa: bandingkan pratinjau dengan surat OpenSID sebelum diaktifkan.\n")
	for _, u := range t.Unmapped {
		b.WriteString("# Belum dipetakan: " + oneLine(u, 160) + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		c.noteUnmapped("berkas modul tidak dapat ditulis: " + err.Error())
	}
	_ = enc.Close()
	return []byte(b.String())
}

// ---- text helpers ----

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max]))
	}
	return s
}

// smallWords stay lower case inside a label (the loader's Title Case rule).
var smallWords = map[string]bool{"dan": true, "atau": true, "di": true, "ke": true, "dari": true, "yang": true,
	"dengan": true, "untuk": true, "pada": true, "bagi": true, "dalam": true, "oleh": true, "per": true,
	"serta": true, "sampai": true, "kepada": true, "tentang": true, "bin": true, "binti": true, "sebagai": true,
	"antara": true}

// titleCase capitalises each word of a row label, leaving small words and
// words already in capitals (NIK, KTP) as they are.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if i > 0 && smallWords[strings.ToLower(w)] {
			words[i] = strings.ToLower(w)
			continue
		}
		words[i] = capitalise(w)
	}
	return strings.Join(words, " ")
}

// capitalise upper-cases the first letter of each part of w split at "/",
// "(" and "-".
func capitalise(w string) string {
	r := []rune(w)
	start := true
	for i, ch := range r {
		if start && unicode.IsLetter(ch) {
			r[i] = unicode.ToUpper(ch)
		}
		start = ch == '/' || ch == '(' || ch == '-'
	}
	return string(r)
}

// sentenceCase writes a field label with a capital first letter only
// ("Nama usaha"), as the built-in modules do.
func sentenceCase(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return s
	}
	words := strings.Fields(s)
	for i, w := range words {
		if i > 0 && !isAcronym(w) {
			words[i] = strings.ToLower(w)
		}
	}
	r := []rune(strings.Join(words, " "))
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func isAcronym(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters >= 2
}
