package surat

import "time"

// Document is a letter laid out as typed content, ready for the PDF renderer.
// The letter catalogue builds it from a module, its subjects and fields; the
// renderer draws it without knowing which module it came from. Every string
// is final text: no placeholders remain.
type Document struct {
	Paper   Paper
	Village Village
	// LogoPNG is the village logo (PNG or JPEG bytes), or nil for none.
	LogoPNG []byte
	Title   string // e.g. "SURAT KETERANGAN DOMISILI"; printed bold, underlined, upper case
	// Number is the full letter number, or "" for a draft, which prints a
	// blank line of dots in its place.
	Number string
	Blocks []Block // the body, in order: opening, data rows, statements, closing
	Place  string  // place of issue, e.g. "Sumberejo"
	Date   time.Time
	Signer SignerBlock
	// Draft prints a DRAF watermark and never a QR code.
	Draft bool
	// Seal is the QR code and TTE footer of a signed letter; nil on drafts
	// and before signing.
	Seal *Seal
}

// BlockKind says how a Block is drawn.
type BlockKind int

// The kinds of body block.
const (
	// Paragraph is justified text with a first-line indent.
	Paragraph BlockKind = iota
	// Rows is a borderless label : value table (nama, NIK, alamat...).
	Rows
	// Table is a bordered table with a header row (household members,
	// heirs, followers).
	Table
	// Heading is a short bold line introducing what follows.
	Heading
)

// Block is one piece of a letter body.
type Block struct {
	Kind   BlockKind
	Text   string     // Paragraph, Heading
	Rows   []Row      // Rows
	Header []string   // Table
	Cells  [][]string // Table
	// Indent shifts a Rows block right, e.g. for a second person's data.
	Indent bool
}

// Row is one label : value line of a Rows block. Value "" prints "-".
type Row struct {
	Label string
	Value string
}

// SignerBlock is what is printed above and below the signature space.
type SignerBlock struct {
	// Lines above the office, e.g. "a.n. Kepala Desa Sumberejo" and
	// "Sekretaris Desa" then "u.b." for a delegated signature; empty when the
	// kepala desa signs in person.
	Above   []string
	Jabatan string // office line right above the signature space, e.g. "Kepala Desa Sumberejo"
	Name    string // printed bold and underlined
	NIP     string // "NIP. ..." / "NIPD. ..." line; omitted when empty
}

// Seal is the visible mark of an electronic signature: the QR code with the
// verification URL and the footer sentence that says honestly who signed and
// with which certificate authority.
type Seal struct {
	VerifyURL string
	Footer    string
}
