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
	// Signatures are the signature blocks after the body, in groups laid
	// out in two columns: the parties the letter binds (grantor, heirs,
	// witnesses, "Pemegang Surat") and, where a block is marked Official,
	// the official's (Signer). Empty means the official's block alone.
	Signatures []SignatureGroup
	// Forms are official forms (lampiran) printed on the pages after
	// the letter, each starting on a new page.
	Forms []AttachedForm
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

// SignatureGroup is a run of signature blocks laid out two to a row, left
// column first; an Official block always takes the right column. A group
// starts on a new row.
type SignatureGroup struct {
	Heading string // optional line above the group, e.g. "Saksi-saksi:"
	Blocks  []SignatureBlock
}

// SignatureBlock is one signature: caption lines, the signature space, the
// name under it. A block never splits across pages, and the blocks of one
// row stay together.
type SignatureBlock struct {
	// Official marks the place of the official's electronic signature
	// (Document.Signer: place and date, a.n. lines, office, QR code, name,
	// NIP). Caption lines of an Official block print between the date and
	// the office, e.g. "Mengetahui,".
	Official bool
	Caption  []string // e.g. "Yang Memberi Kuasa,"
	// Name is printed bold and underlined under the signature space; ""
	// prints a dotted line for a name written by hand.
	Name  string
	Below []string // lines under the name, e.g. "NIP. ........"
	// Materai draws a labelled box "Meterai 10.000" in the signature space,
	// where the party signs across a revenue stamp.
	Materai bool
}

// AttachedForm is an official form printed on the pages after the letter
// (lampiran), rendered from the same data: e.g. model N1 of the marriage
// forms or F-2.01 of the civil registry.
type AttachedForm struct {
	Code      string   // form code printed in a box at the top right, e.g. "Model N1", "F-2.01"
	Reference []string // the rule that sets the form, printed small at the top right
	Header    []Row    // identity lines above the title, e.g. "Kecamatan : Sanankulon"
	Title     string   // printed bold, underlined, upper case
	Number    string   // "Nomor : ..." under the title; "" prints none
	Blocks    []Block
	// Signatures as Document.Signatures; an Official block carries the
	// same electronic signature as the letter.
	Signatures []SignatureGroup
}

// Seal is the visible mark of an electronic signature: the QR code with the
// verification URL, printed in the official's signature space with the
// words "Ditandatangani secara elektronik", and the footer sentence, printed
// at the foot of every page, that says honestly who signed and with which
// certificate authority.
type Seal struct {
	VerifyURL string
	Footer    string
}
