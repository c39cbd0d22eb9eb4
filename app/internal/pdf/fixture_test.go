package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// testVillage is a village with every letterhead field set.
func testVillage() surat.Village {
	return surat.Village{
		Code:       "3505122001",
		Name:       "Sumberejo",
		Sebutan:    "Desa",
		Kecamatan:  "Wlingi",
		Kabupaten:  "Blitar",
		SebutanKab: "Kabupaten",
		Provinsi:   "Jawa Timur",
		Address:    "Jl. Raya Sumberejo No. 1, Wlingi",
		PostalCode: "66184",
		Phone:      "(0342) 691234",
		Email:      "pemdes@sumberejo.desa.id",
		Paper:      "F4",
	}
}

// testDate is the letter date of the fixtures.
var testDate = time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC)

// testSigner is a delegated (a.n.) signer.
func testSigner() surat.SignerBlock {
	return surat.SignerBlock{
		Above:   []string{"a.n. Kepala Desa Sumberejo"},
		Jabatan: "Sekretaris Desa",
		Name:    "Ni Luh Putu Ayu Wédari",
		NIP:     "NIPD. 19870412 201001 2 003",
	}
}

// onePageDoc is a typical one-page letter: opening, data rows, statement,
// closing.
func onePageDoc() *surat.Document {
	return &surat.Document{
		Paper:   "F4",
		Village: testVillage(),
		Title:   "Surat Keterangan Domisili",
		Number:  "470/012/35.05.12.2001/XI/2026",
		Blocks: []surat.Block{
			{Kind: surat.Paragraph, Text: "Yang bertanda tangan di bawah ini Kepala Desa Sumberejo, Kecamatan Wlingi, Kabupaten Blitar, Provinsi Jawa Timur, menerangkan dengan sebenarnya bahwa :"},
			{Kind: surat.Rows, Rows: []surat.Row{
				{Label: "Nama Lengkap", Value: "AHMAD FAUZI BIN ABDULLAH"},
				{Label: "NIK", Value: "3505121204870003"},
				{Label: "Tempat/Tanggal Lahir", Value: "Blitar, 12 April 1987"},
				{Label: "Jenis Kelamin", Value: "Laki-laki"},
				{Label: "Agama", Value: "Islam"},
				{Label: "Status Perkawinan", Value: "Kawin"},
				{Label: "Pekerjaan", Value: "Wiraswasta"},
				{Label: "Kewarganegaraan", Value: "WNI"},
				{Label: "Alamat", Value: "Dusun Krajan RT 002 / RW 001 Desa Sumberejo, Kecamatan Wlingi, Kabupaten Blitar, Provinsi Jawa Timur"},
				{Label: "Keterangan", Value: ""},
			}},
			{Kind: surat.Paragraph, Text: "Orang tersebut di atas benar-benar penduduk Desa Sumberejo dan sampai saat ini berdomisili di alamat tersebut di atas. Surat keterangan ini diberikan untuk keperluan pengurusan administrasi perbankan."},
			{Kind: surat.Paragraph, Text: "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana mestinya."},
		},
		Place:  "Sumberejo",
		Date:   testDate,
		Signer: testSigner(),
	}
}

// longDoc is a letter with every block kind and enough content to flow onto
// a second page.
func longDoc() *surat.Document {
	doc := onePageDoc()
	doc.Title = "Surat Keterangan Ahli Waris"
	doc.LogoPNG = testLogo()
	doc.Signer = surat.SignerBlock{
		Above:   []string{"a.n. Kepala Desa Sumberejo", "Sekretaris Desa", "u.b."},
		Jabatan: "Kepala Seksi Pemerintahan",
		Name:    "Nyoman Sukarsa",
		NIP:     "NIP. 19750817 200501 1 004",
	}
	heirs := [][]string{
		{"1", "Ni Luh Putu Ayu Wédari", "3505124107900002", "Istri", "Blitar, 01-07-1990"},
		{"2", "Muhammad Ma'ruf Amin", "3505121503120001", "Anak Kandung", "Blitar, 15-03-2012"},
		{"3", "Siti Nur'aini Rahmawati binti Ahmad Fauzi", "3505125609150002", "Anak Kandung", "Blitar, 16-09-2015"},
		{"4", "Ahmad Fauzi bin Abdullah", "3505121204870003", "Saudara Kandung", "Blitar, 12-04-1987"},
		{"5", "François Ñúñez Çelik", "3505121111110005", "Lain-lain", "Surabaya, 11-11-1961"},
	}
	statement := "Bahwa berdasarkan keterangan para ahli waris dan saksi-saksi yang dapat dipercaya, almarhum semasa hidupnya telah menikah secara sah dan dari perkawinan tersebut dikaruniai anak-anak sebagaimana tersebut di bawah ini, dan sampai dengan meninggalnya almarhum tidak pernah mengangkat anak maupun meninggalkan wasiat yang bertentangan dengan ketentuan hukum yang berlaku."
	doc.Blocks = []surat.Block{
		doc.Blocks[0],
		{Kind: surat.Heading, Text: "Pewaris"},
		doc.Blocks[1],
		{Kind: surat.Paragraph, Text: statement},
		{Kind: surat.Heading, Text: "Saksi"},
		{Kind: surat.Rows, Indent: true, Rows: []surat.Row{
			{Label: "Nama", Value: "I Gusti Ngurah Rai Wirawan"},
			{Label: "NIK", Value: "3505120101700001"},
			{Label: "Alamat", Value: "Dusun Kaliwungu RT 004 / RW 002 Desa Sumberejo"},
		}},
		{Kind: surat.Heading, Text: "Daftar Ahli Waris"},
		{Kind: surat.Table, Header: []string{"No", "Nama", "NIK", "Hubungan", "Tempat/Tgl. Lahir"}, Cells: heirs},
		{Kind: surat.Paragraph, Text: statement + "\n" + statement},
		{Kind: surat.Paragraph, Text: statement},
		{Kind: surat.Paragraph, Text: statement},
		{Kind: surat.Paragraph, Text: statement},
		doc.Blocks[3],
	}
	return doc
}

// testSeal is the seal of a signed fixture.
func testSeal() *surat.Seal {
	return &surat.Seal{
		VerifyURL: "http://localhost:8080/v/QK3M7ZJ2XW5TNB4RCY6HD8PAFE",
		Footer:    "Dokumen ini ditandatangani secara elektronik oleh Kepala Desa Sumberejo menggunakan sertifikat elektronik yang diterbitkan oleh Otoritas Sertifikat suratdesa Kabupaten Blitar. Keaslian dokumen dapat diperiksa dengan memindai kode QR atau di http://localhost:8080/v/QK3M7ZJ2XW5TNB4RCY6HD8PAFE.",
	}
}

// testLogo draws a shield emblem with a transparent background, like the
// kabupaten logos villages upload.
func testLogo() []byte {
	const w, h = 300, 360
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	green := color.NRGBA{0, 110, 60, 255}
	gold := color.NRGBA{230, 180, 30, 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/w-0.5, float64(y)/h
			half := 0.48
			if fy > 0.55 {
				half = 0.48 * math.Sqrt(max(0, 1-math.Pow((fy-0.55)/0.45, 2)))
			}
			if math.Abs(fx) > half || fy < 0.02 {
				continue
			}
			c := green
			if math.Abs(fx) > half-0.04 || fy < 0.06 {
				c = gold
			}
			// A gold star in the middle.
			dx, dy := fx, fy-0.42
			r := math.Hypot(dx, dy)
			a := math.Atan2(dy, dx)
			if r < 0.2*(0.55+0.45*math.Cos(5*a+math.Pi/2)) {
				c = gold
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// newTestRenderer is a Renderer or a failed test.
func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := NewRenderer()
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

// render renders doc or fails the test.
func render(t testing.TB, r *Renderer, doc *surat.Document) []byte {
	t.Helper()
	out, err := r.Render(doc, Options{})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("Render: output does not start with %%PDF-: %q", out[:min(len(out), 16)])
	}
	return out
}

// squash collapses runs of white space, so text can be compared without
// caring about layout.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
