package mandiri

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Documents as residents upload them: a minimal complete PDF, a PNG, a
// JPEG, an executable renamed .pdf and a PDF cut short.
var (
	tinyPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
		"trailer<</Root 1 0 R>>\n%%EOF\n")
	fakeExe = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	cutPDF  = []byte("%PDF-1.4\nnot really")
)

func imageBytes(t testing.TB, encode func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngOf(t testing.TB) []byte { return imageBytes(t, png.Encode) }

func jpegOf(t testing.TB) []byte {
	return imageBytes(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
}

// upload is an Upload of b.
func upload(b []byte) Upload {
	return Upload{Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

func TestCreateRequestKKRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		other := f.village("3505122002", "Sumberagung", true)
		stranger := f.resident(other, "3505126607700005", "Warga Desa Lain", kkAni)
		if err := f.st.SaveLetterSetting(f.ctx, f.clerk, f.v.ID, &surat.LetterSettings{Module: "sk_ahli_waris",
			Enabled: true, Online: true}); err != nil {
			t.Fatal(err)
		}
		budi := f.account(f.v, f.budi, "583920")
		about := func(role string, s surat.RequestSubject, fields map[string]string) surat.RequestForm {
			if fields == nil {
				fields = map[string]string{"keperluan": "Membuka rekening bank"}
			}
			return surat.RequestForm{Subjects: map[string]surat.RequestSubject{role: s}, Fields: fields}
		}
		const outsideKK = "Pemohon: hanya Anda sendiri atau anggota KK Anda yang dapat dipilih. Untuk orang lain, ajukan di kantor desa."
		for _, tc := range []struct {
			name    string
			module  string
			form    surat.RequestForm
			subject int64             // the stored main subject when accepted
			key     string            // the field refused, when refused
			msg     string            // its message, when it matters
			files   []Upload          // documents sent along
			attach  *AttachmentError  // the document refusal expected
			stored  map[string]string // content types stored with the request
		}{
			{name: "self", module: "sk_domisili", form: domisili(f.budi.ID), subject: f.budi.ID},
			{name: "member of the KK", module: " sk_domisili ", form: domisili(f.siti.ID), subject: f.siti.ID},
			{name: "with documents", module: "sk_domisili", form: domisili(f.budi.ID), subject: f.budi.ID,
				files: []Upload{upload(tinyPDF), upload(nil), upload(pngOf(t))}},
			{name: "resident of another KK", module: "sk_domisili", form: domisili(f.ani.ID), key: "subject.pemohon", msg: outsideKK},
			{name: "resident of another village", module: "sk_domisili", form: domisili(stranger.ID), key: "subject.pemohon", msg: outsideKK},
			{name: "unknown id", module: "sk_domisili", form: domisili(999999), key: "subject.pemohon", msg: outsideKK},
			{name: "KK member and a stranger in a list", module: "sk_ahli_waris",
				form: surat.RequestForm{Subjects: map[string]surat.RequestSubject{
					"pewaris":    {ResidentID: f.siti.ID},
					"ahli_waris": {Items: []surat.RequestSubject{{ResidentID: f.budi.ID}, {ResidentID: f.ani.ID}}}}},
				key: "subject.ahli_waris", msg: "hanya Anda sendiri atau anggota KK Anda"},
			{name: "one person for a list role", module: "sk_ahli_waris",
				form: surat.RequestForm{Subjects: map[string]surat.RequestSubject{
					"pewaris": {ResidentID: f.siti.ID}, "ahli_waris": {ResidentID: f.budi.ID}}},
				key: "subject.ahli_waris", msg: "harus berupa daftar"},
			{name: "unknown role", module: "sk_domisili", form: surat.RequestForm{Subjects: map[string]surat.RequestSubject{
				"pemohon": {ResidentID: f.budi.ID}, "saksi": {ResidentID: f.budi.ID}}, Fields: map[string]string{"keperluan": "Bank"}},
				key: "subject.saksi", msg: "Peran saksi tidak dikenal untuk Surat Keterangan Domisili"},
			{name: "unknown field", module: "sk_domisili", form: about("pemohon", surat.RequestSubject{ResidentID: f.budi.ID},
				map[string]string{"keperluan": "Bank", "gaji": "1"}),
				key: "field.gaji", msg: "Isian tidak dikenal untuk Surat Keterangan Domisili"},
			{name: "nobody named", module: "sk_domisili", form: surat.RequestForm{Fields: map[string]string{"keperluan": "Bank"}},
				key: "subject.pemohon", msg: "Pemohon wajib dipilih"},
			{name: "a required field missing (the module's rule)", module: "sk_domisili",
				form: about("pemohon", surat.RequestSubject{ResidentID: f.budi.ID}, map[string]string{}), key: "field.keperluan"},
			{name: "an emoji the letter cannot print", module: "sk_domisili",
				form: about("pemohon", surat.RequestSubject{ResidentID: f.budi.ID}, map[string]string{"keperluan": "Bank 🙏"}),
				key:  "field.keperluan", msg: "tidak dapat dicetak pada surat"},
			{name: "not offered online", module: "sk_kematian", form: domisili(f.budi.ID), key: "module",
				msg: "Jenis surat ini tidak dapat diajukan secara mandiri di desa ini. Silakan datang ke kantor desa."},
			{name: "unknown module", module: "sk_rahasia", form: domisili(f.budi.ID), key: "module"},
			{name: "form problems come before documents", module: "sk_domisili", form: domisili(f.ani.ID),
				files: []Upload{upload(fakeExe)}, key: "subject.pemohon", msg: outsideKK},
			{name: "an executable renamed .pdf", module: "sk_domisili", form: domisili(f.budi.ID),
				files: []Upload{upload(tinyPDF), upload(fakeExe)}, attach: &AttachmentError{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, files := f.requests(f.budi), len(f.files())
				r, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: tc.module, Form: tc.form, Files: tc.files})
				var refused *AttachmentError
				switch {
				case tc.key != "":
					fields, _ := surat.FieldErrors(err)
					if fields[tc.key] == "" || !strings.Contains(fields[tc.key], tc.msg) {
						t.Errorf("err = %v, want %s: %q", err, tc.key, tc.msg)
					}
				case tc.attach != nil:
					if !errors.As(err, &refused) || *refused != *tc.attach {
						t.Errorf("err = %v, want %+v", err, tc.attach)
					}
				default:
					if err != nil {
						t.Fatal(err)
					}
					got, err := f.st.RequestOfResident(f.ctx, f.v.ID, f.budi.ID, r.ID)
					if err != nil || got.SubjectResidentID != tc.subject || got.Effective != surat.RequestInReview ||
						got.ResidentID != f.budi.ID {
						t.Fatalf("stored %+v, %v", got, err)
					}
					as, err := f.st.Attachments(f.ctx, f.v.ID, r.ID)
					if err != nil {
						t.Fatal(err)
					}
					var kinds []string
					for _, a := range as {
						kinds = append(kinds, a.Kind())
					}
					wantFiles := 0
					for _, u := range tc.files {
						if u.Size > 0 {
							wantFiles++
						}
					}
					if len(as) != wantFiles || len(f.files()) != files+wantFiles {
						t.Errorf("stored documents %v and %d new files, want %d", kinds, len(f.files())-files, wantFiles)
					}
					return
				}
				if n := f.requests(f.budi); n != before || len(f.files()) != files {
					t.Errorf("a refused request left %d rows and %d files", n-before, len(f.files())-files)
				}
			})
		}
	})
}

func TestOfferedModules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		codes := func() map[string]string {
			t.Helper()
			ms, err := f.svc.OfferedModules(f.ctx, f.v.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for i, m := range ms {
				if i > 0 && ms[i-1].Title > m.Title {
					t.Errorf("not sorted by title: %q before %q", ms[i-1].Title, m.Title)
				}
				out[m.Code] = m.Validity()
			}
			return out
		}
		// The module files' defaults: domisili online, kematian not.
		got := codes()
		if got["sk_domisili"] != "1 bulan" || got["sk_kematian"] != "" {
			t.Fatalf("default offer %v", got)
		}
		for _, tc := range []struct {
			set      surat.LetterSettings
			offered  bool
			validity string
		}{
			{set: surat.LetterSettings{Module: "sk_domisili", Enabled: true, Online: false}},
			{set: surat.LetterSettings{Module: "sk_domisili", Enabled: false, Online: true}},
			{set: surat.LetterSettings{Module: "sk_domisili", Enabled: true, Online: true, ValidityDays: 90},
				offered: true, validity: "90 hari"},
			{set: surat.LetterSettings{Module: "sk_kematian", Enabled: true, Online: true}, offered: true, validity: "1 bulan"},
		} {
			if err := f.st.SaveLetterSetting(f.ctx, f.clerk, f.v.ID, &tc.set); err != nil {
				t.Fatal(err)
			}
			validity, offered := codes()[tc.set.Module]
			_, err := f.svc.OfferedModule(f.ctx, f.v.ID, tc.set.Module)
			_, refused := surat.FieldErrors(err)
			if offered != tc.offered || validity != tc.validity || refused == tc.offered {
				t.Errorf("%+v: offered %v (%q), OfferedModule %v; want offered %v (%q)", tc.set, offered, validity, err,
					tc.offered, tc.validity)
			}
		}
	})
}

func TestRequestChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		budi, ani := f.account(f.v, f.budi, "583920"), f.account(f.v, f.ani, "480917")
		r, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: "sk_domisili", Form: domisili(f.budi.ID)})
		if err != nil {
			t.Fatal(err)
		}
		state := func(err error, from surat.RequestStatus, action surat.RequestAction) bool {
			var st *surat.RequestStateError
			return errors.As(err, &st) && st.From == from && st.Action == action && errors.Is(err, surat.ErrConflict)
		}
		long := strings.Repeat("x", store.MaxRequestMessage+1)
		correction := Correction{Form: domisili(f.siti.ID), Version: r.Version}
		for _, tc := range []struct {
			name string
			do   func() error
			ok   func(err error) bool
			want surat.RequestStatus // the status shown afterwards
		}{
			{"no correction while under review", func() error {
				_, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, correction)
				return err
			}, func(err error) bool { return state(err, surat.RequestInReview, surat.RequestEdit) }, surat.RequestInReview},
			{"no correction form either", func() error {
				_, _, err := f.svc.EditableRequest(f.ctx, budi, r.ID)
				return err
			}, func(err error) bool { return state(err, surat.RequestInReview, surat.RequestEdit) }, surat.RequestInReview},
			{"another resident cannot cancel", func() error {
				_, err := f.svc.CancelRequest(f.ctx, ani, r.ID)
				return err
			}, func(err error) bool { return errors.Is(err, surat.ErrNotFound) }, surat.RequestInReview},
			{"another resident cannot attach", func() error {
				return f.svc.AddAttachments(f.ctx, ani, r.ID, []Upload{upload(tinyPDF)})
			}, func(err error) bool { return errors.Is(err, surat.ErrNotFound) }, surat.RequestInReview},
			{"the clerk must say what is missing", func() error {
				return f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, "  ")
			}, func(err error) bool {
				fields, _ := surat.FieldErrors(err)
				return fields["message"] == "Tuliskan apa yang perlu dilengkapi pemohon"
			}, surat.RequestInReview},
			{"in at most 500 characters", func() error {
				return f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, long)
			}, func(err error) bool {
				fields, _ := surat.FieldErrors(err)
				return fields["message"] == "Pesan paling banyak 500 karakter"
			}, surat.RequestInReview},
			{"returned", func() error {
				return f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, " Lampirkan foto KK ")
			}, func(err error) bool { return err == nil }, surat.RequestIncomplete},
			{"another resident cannot correct it", func() error {
				_, err := f.svc.UpdateRequest(f.ctx, ani, r.ID, correction)
				return err
			}, func(err error) bool { return errors.Is(err, surat.ErrNotFound) }, surat.RequestIncomplete},
			{"the letter type cannot change", func() error {
				c := correction
				c.Module = "sk_usaha"
				_, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, c)
				return err
			}, func(err error) bool {
				fields, _ := surat.FieldErrors(err)
				return strings.Contains(fields["module"], "tidak dapat diganti")
			}, surat.RequestIncomplete},
			{"the KK rule holds for corrections", func() error {
				_, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, Correction{Form: domisili(f.ani.ID)})
				return err
			}, func(err error) bool {
				fields, _ := surat.FieldErrors(err)
				return strings.Contains(fields["subject.pemohon"], "anggota KK Anda")
			}, surat.RequestIncomplete},
			{"a stale version", func() error {
				_, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, correction)
				return err
			}, func(err error) bool {
				var st *surat.RequestStateError
				return errors.Is(err, surat.ErrConflict) && !errors.As(err, &st)
			}, surat.RequestIncomplete},
			{"corrected", func() error {
				cur, _, err := f.svc.EditableRequest(f.ctx, budi, r.ID)
				if err != nil {
					return err
				}
				c := correction
				c.Version, c.Module = cur.Version, "sk_domisili"
				upd, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, c)
				if err == nil && upd.SubjectResidentID != f.siti.ID {
					t.Errorf("corrected subject %d, want Siti", upd.SubjectResidentID)
				}
				return err
			}, func(err error) bool { return err == nil }, surat.RequestInReview},
			{"cancelled", func() error {
				_, err := f.svc.CancelRequest(f.ctx, budi, r.ID)
				return err
			}, func(err error) bool { return err == nil }, surat.RequestCancelled},
			{"not twice", func() error {
				_, err := f.svc.CancelRequest(f.ctx, budi, r.ID)
				return err
			}, func(err error) bool { return state(err, surat.RequestCancelled, surat.RequestCancel) }, surat.RequestCancelled},
			{"no documents for a cancelled request", func() error {
				return f.svc.AddAttachments(f.ctx, budi, r.ID, []Upload{upload(tinyPDF)})
			}, func(err error) bool { return state(err, surat.RequestCancelled, surat.RequestAttach) }, surat.RequestCancelled},
		} {
			err := tc.do()
			if !tc.ok(err) {
				t.Errorf("%s: unexpected %v", tc.name, err)
			}
			got, gerr := f.st.RequestByID(f.ctx, f.v.ID, r.ID)
			if gerr != nil || got.Effective != tc.want {
				t.Errorf("%s: request shows %q (%v), want %q", tc.name, got.Effective, gerr, tc.want)
			}
		}
		if files := f.files(); len(files) != 0 {
			t.Errorf("refused documents left files %v", files)
		}
	})
}

func TestAddAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		budi := f.account(f.v, f.budi, "583920")
		r, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: "sk_domisili", Form: domisili(f.budi.ID)})
		if err != nil {
			t.Fatal(err)
		}
		big := append(append([]byte{}, tinyPDF[:9]...), bytes.Repeat([]byte("0"), MaxAttachmentBytes)...)
		big = append(big, []byte("\n%%EOF\n")...)
		understated := upload(big)
		understated.Size = 1000 // a client may claim any size; the bytes count
		stored := 0
		for _, tc := range []struct {
			name    string
			uploads []Upload
			kinds   []string         // the kinds stored, when accepted
			refused *AttachmentError // the refusal, or nil
			field   string           // or the message on "lampiran"
		}{
			{name: "nothing chosen", field: "Pilih berkas yang akan dilampirkan"},
			{name: "only an empty file input", uploads: []Upload{upload(nil)}, field: "Pilih berkas yang akan dilampirkan"},
			{name: "an executable renamed .pdf", uploads: []Upload{upload(fakeExe)}, refused: &AttachmentError{}},
			{name: "a PDF cut short", uploads: []Upload{upload(cutPDF)}, refused: &AttachmentError{}},
			{name: "a good PDF with a bad one", uploads: []Upload{upload(tinyPDF), upload(fakeExe)}, refused: &AttachmentError{}},
			{name: "over 5 MB", uploads: []Upload{upload(big)}, refused: &AttachmentError{TooLarge: true}},
			{name: "over 5 MB, claimed small", uploads: []Upload{understated}, refused: &AttachmentError{TooLarge: true}},
			{name: "PDF", uploads: []Upload{upload(tinyPDF)}, kinds: []string{"PDF"}},
			{name: "PNG and JPEG", uploads: []Upload{upload(pngOf(t)), upload(jpegOf(t))}, kinds: []string{"PNG", "JPEG"}},
			{name: "up to ten", uploads: []Upload{upload(tinyPDF), upload(tinyPDF), upload(tinyPDF), upload(tinyPDF),
				upload(tinyPDF), upload(tinyPDF), upload(tinyPDF)}, kinds: []string{"PDF", "PDF", "PDF", "PDF", "PDF", "PDF", "PDF"}},
			{name: "not eleven", uploads: []Upload{upload(tinyPDF)}, field: "Satu permohonan paling banyak 10 lampiran"},
		} {
			err := f.svc.AddAttachments(f.ctx, budi, r.ID, tc.uploads)
			var refused *AttachmentError
			fields, _ := surat.FieldErrors(err)
			switch {
			case tc.refused != nil && (!errors.As(err, &refused) || *refused != *tc.refused):
				t.Errorf("%s: %v, want %+v", tc.name, err, tc.refused)
			case tc.field != "" && fields["lampiran"] != tc.field:
				t.Errorf("%s: %v, want lampiran %q", tc.name, err, tc.field)
			case tc.refused == nil && tc.field == "" && err != nil:
				t.Errorf("%s: %v", tc.name, err)
			}
			as, err := f.st.Attachments(f.ctx, f.v.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, a := range as[stored:] {
				kinds = append(kinds, a.Kind())
				if strings.Contains(a.Path, "pdf") || !strings.HasPrefix(a.Path, "attachments/") {
					t.Errorf("%s: stored under %q", tc.name, a.Path)
				}
			}
			stored = len(as)
			if strings.Join(kinds, " ") != strings.Join(tc.kinds, " ") || len(f.files()) != stored {
				t.Errorf("%s: stored %v and %d files for %d rows, want %v", tc.name, kinds, len(f.files()), stored, tc.kinds)
			}
		}
	})
}

func TestSniffAttachment(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" for a refusal
	}{
		{"PDF", tinyPDF, "application/pdf"},
		{"PNG", pngOf(t), "image/png"},
		{"JPEG", jpegOf(t), "image/jpeg"},
		{"PDF without its end", cutPDF, ""},
		{"PDF end beyond the last 1 KB", append(append(append([]byte{}, tinyPDF...), bytes.Repeat([]byte(" "), 1100)...), 'x'), ""},
		{"executable", fakeExe, ""},
		{"text", []byte("hello, this is plain text"), ""},
		{"HTML", []byte("<!DOCTYPE html><html><body>x</body></html>"), ""},
	} {
		got, err := sniffAttachment(tc.b)
		var refused *AttachmentError
		if got != tc.want || (tc.want == "") != errors.As(err, &refused) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
