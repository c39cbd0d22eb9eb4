package sign

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// byteRangeWidth is the fixed width of the /ByteRange array text, so filling
// in the real offsets never moves a byte: "[0 " + three 10-digit numbers
// separated by spaces + "]".
const byteRangeWidth = len("[0 0000000000 0000000000 0000000000]")

// prepared is a PDF with the signature update appended, /ByteRange filled
// and /Contents still zero.
type prepared struct {
	out       []byte
	byteRange [4]int // offset, length, offset, length
	room      int    // bytes of DER /Contents holds
}

// structure is what the incremental update needs from the original file.
type structure struct {
	catalog    types.Dict
	catalogRef types.IndirectRef
	page       types.Dict
	pageRef    types.IndirectRef
	acroForm   types.Dict  // existing AcroForm, dereferenced; nil if none
	fields     types.Array // its /Fields, dereferenced
	annots     types.Array // the page's /Annots, dereferenced
	nextObj    int
	prevXRef   int
	info       *types.IndirectRef
	id         types.Array
}

// readStructure parses pdf with pdfcpu and collects the objects the update
// rewrites. pdfcpu is not trusted to be panic-free on odd input, so a panic
// becomes ErrUnsupportedPDF.
func readStructure(pdf []byte) (st *structure, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, fmt.Errorf("%w: parser failed", ErrUnsupportedPDF)
		}
	}()
	// pdfcpu.Read, not api.ReadContext: package api also pulls in form
	// filling and with it go-runewidth, whose init costs every start of the
	// binary some 50 ms of table building.
	ctx, err := pdfcpu.Read(bytes.NewReader(pdf), readConfig())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedPDF, err)
	}
	switch {
	case ctx.Encrypt != nil:
		return nil, fmt.Errorf("%w: encrypted", ErrUnsupportedPDF)
	case ctx.Read.UsingXRefStreams || ctx.Read.Hybrid:
		// An update to an xref-stream file must itself be an xref stream;
		// gofpdf writes classic tables, so that case is not built.
		return nil, fmt.Errorf("%w: cross-reference streams", ErrUnsupportedPDF)
	case ctx.Read.RepairOffset != 0:
		return nil, fmt.Errorf("%w: offsets needed repair", ErrUnsupportedPDF)
	case ctx.Root == nil:
		return nil, fmt.Errorf("%w: no catalog", ErrUnsupportedPDF)
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("%w: page tree: %v", ErrUnsupportedPDF, err)
	}
	st = &structure{catalogRef: *ctx.Root, info: ctx.Info, id: ctx.ID}
	if st.catalog, err = ctx.Catalog(); err != nil || st.catalog == nil {
		return nil, fmt.Errorf("%w: catalog", ErrUnsupportedPDF)
	}
	page, pageRef, _, err := ctx.PageDict(1, false)
	if err != nil || pageRef == nil {
		return nil, fmt.Errorf("%w: first page", ErrUnsupportedPDF)
	}
	st.page, st.pageRef = page, *pageRef
	if o, ok := page.Find("Annots"); ok {
		if st.annots, err = ctx.DereferenceArray(o); err != nil {
			return nil, fmt.Errorf("%w: page annotations", ErrUnsupportedPDF)
		}
	}
	if o, ok := st.catalog.Find("AcroForm"); ok {
		if st.acroForm, err = ctx.DereferenceDict(o); err != nil {
			return nil, fmt.Errorf("%w: AcroForm", ErrUnsupportedPDF)
		}
		if f, ok := st.acroForm.Find("Fields"); ok {
			if st.fields, err = ctx.DereferenceArray(f); err != nil {
				return nil, fmt.Errorf("%w: AcroForm fields", ErrUnsupportedPDF)
			}
		}
	}
	st.nextObj = ctx.MaxObjNr + 1
	if ctx.Size != nil && *ctx.Size > st.nextObj {
		st.nextObj = *ctx.Size
	}
	if st.prevXRef, err = lastStartXRef(pdf); err != nil {
		return nil, err
	}
	return st, nil
}

// readConfig is pdfcpu's relaxed reading configuration built in place:
// model.NewDefaultConfiguration would create a config directory under the
// user's home on first use, a side effect a server must not have.
func readConfig() *model.Configuration {
	return &model.Configuration{
		Reader15:       true,
		ValidationMode: model.ValidationRelaxed,
		Eol:            types.EolLF,
		Limits:         model.DefaultResourceLimits(),
	}
}

// lastStartXRef returns the offset after the last "startxref" keyword: the
// cross-reference section our update's /Prev points to.
func lastStartXRef(pdf []byte) (int, error) {
	i := bytes.LastIndex(pdf, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref", ErrUnsupportedPDF)
	}
	fields := bytes.Fields(pdf[i+len("startxref"):])
	if len(fields) == 0 {
		return 0, fmt.Errorf("%w: empty startxref", ErrUnsupportedPDF)
	}
	n, err := strconv.Atoi(string(fields[0]))
	if err != nil || n <= 0 || n >= len(pdf) {
		return 0, fmt.Errorf("%w: bad startxref", ErrUnsupportedPDF)
	}
	return n, nil
}

// prepare appends the signature update to a copy of pdf: the rewritten
// first page with the widget in /Annots, the rewritten catalog with the
// AcroForm, the /Sig dictionary with a zero /Contents of room bytes, the
// widget that is also the signature field, a cross-reference section and a
// trailer with /Prev. /ByteRange is filled; /Contents is left for
// fillContents.
func prepare(pdf []byte, meta Meta, room int) (*prepared, error) {
	st, err := readStructure(pdf)
	if err != nil {
		return nil, err
	}
	sigNr, fieldNr := st.nextObj, st.nextObj+1
	fieldRef := *types.NewIndirectRef(fieldNr, 0)

	page := st.page.Clone().(types.Dict)
	page["Annots"] = append(slices.Clone(st.annots), fieldRef)

	catalog := st.catalog.Clone().(types.Dict)
	form := types.Dict{}
	if st.acroForm != nil {
		form = st.acroForm.Clone().(types.Dict)
	}
	form["Fields"] = append(slices.Clone(st.fields), fieldRef)
	form["SigFlags"] = types.Integer(3) // SignaturesExist | AppendOnly
	catalog["AcroForm"] = form

	out := make([]byte, 0, len(pdf)+2*room+4096)
	out = append(out, pdf...)
	if last := out[len(out)-1]; last != '\n' && last != '\r' {
		out = append(out, '\n')
	}
	offsets := map[int]int{}
	writeObj := func(nr, gen int, body string) {
		offsets[nr] = len(out)
		out = fmt.Appendf(out, "%d %d obj\n%s\nendobj\n", nr, gen, body)
	}

	writeObj(st.pageRef.ObjectNumber.Value(), st.pageRef.GenerationNumber.Value(), page.PDFString())
	writeObj(st.catalogRef.ObjectNumber.Value(), st.catalogRef.GenerationNumber.Value(), catalog.PDFString())

	// The /Sig dictionary. Its /ByteRange and /Contents are placeholders of
	// fixed width, so their offsets can be computed before their values.
	offsets[sigNr] = len(out)
	out = fmt.Appendf(out, "%d 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ", sigNr)
	brAt := len(out)
	out = append(out, "[0 0000000000 0000000000 0000000000]"...)
	out = append(out, " /Contents "...)
	contentsAt := len(out)
	out = append(out, '<')
	out = append(out, bytes.Repeat([]byte("0"), 2*room)...)
	out = append(out, '>')
	contentsEnd := len(out)
	out = fmt.Appendf(out, " /M %s", pdfDate(meta.SigningTime))
	for _, kv := range [][2]string{{"Name", meta.Name}, {"Reason", meta.Reason}, {"Location", meta.Location}} {
		if kv[1] != "" {
			out = fmt.Appendf(out, " /%s %s", kv[0], pdfText(kv[1]))
		}
	}
	out = append(out, ">>\nendobj\n"...)

	// An invisible widget merged with its signature field: zero rectangle,
	// flags Print|Locked (132), on the first page.
	writeObj(fieldNr, 0, fmt.Sprintf("<</Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /P %s /Rect [0 0 0 0] /F 132>>",
		pdfText(fmt.Sprintf("Signature%d", fieldNr)), sigNr, st.pageRef.PDFString()))

	xrefAt := len(out)
	out = appendXRef(out, offsets, map[int]int{
		st.pageRef.ObjectNumber.Value():    st.pageRef.GenerationNumber.Value(),
		st.catalogRef.ObjectNumber.Value(): st.catalogRef.GenerationNumber.Value(),
	})
	trailer := types.Dict{
		"Size": types.Integer(fieldNr + 1),
		"Root": st.catalogRef,
		"Prev": types.Integer(st.prevXRef),
	}
	if st.info != nil {
		trailer["Info"] = *st.info
	}
	if len(st.id) > 0 {
		trailer["ID"] = st.id
	}
	out = fmt.Appendf(out, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer.PDFString(), xrefAt)

	br := [4]int{0, contentsAt, contentsEnd, len(out) - contentsEnd}
	text := fmt.Sprintf("[%d %d %d %d]", br[0], br[1], br[2], br[3])
	if len(text) > byteRangeWidth {
		return nil, fmt.Errorf("%w: file too large for the byte range", ErrUnsupportedPDF)
	}
	copy(out[brAt:], text+strings.Repeat(" ", byteRangeWidth-len(text)))
	return &prepared{out: out, byteRange: br, room: room}, nil
}

// appendXRef writes a classic cross-reference section for the objects in
// offsets, grouped into subsections of consecutive numbers; gens gives the
// generation of rewritten objects (new ones are 0).
func appendXRef(out []byte, offsets, gens map[int]int) []byte {
	nrs := make([]int, 0, len(offsets))
	for nr := range offsets {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	out = append(out, "xref\n"...)
	for i := 0; i < len(nrs); {
		j := i + 1
		for j < len(nrs) && nrs[j] == nrs[j-1]+1 {
			j++
		}
		out = fmt.Appendf(out, "%d %d\n", nrs[i], j-i)
		for _, nr := range nrs[i:j] {
			// Each entry is exactly 20 bytes, ending in space + LF.
			out = fmt.Appendf(out, "%010d %05d n \n", offsets[nr], gens[nr])
		}
		i = j
	}
	return out
}

// signedContent is the concatenation of the two signed byte ranges.
func (p *prepared) signedContent() []byte {
	br := p.byteRange
	content := make([]byte, 0, br[1]+br[3])
	content = append(content, p.out[br[0]:br[0]+br[1]]...)
	return append(content, p.out[br[2]:br[2]+br[3]]...)
}

// fillContents writes cms as hex into the /Contents placeholder.
func (p *prepared) fillContents(cms []byte) error {
	if len(cms) > p.room {
		return fmt.Errorf("%w: %d bytes, room for %d", ErrSignatureTooLarge, len(cms), p.room)
	}
	hex.Encode(p.out[p.byteRange[1]+1:], cms)
	return nil
}

// pdfDate formats t as a PDF date, e.g. D:20260102150405+07'00'.
func pdfDate(t time.Time) string {
	_, offset := t.Zone()
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, offset/3600, offset%3600/60)
}

// pdfText encodes s as a PDF text string: a literal string when s is
// printable ASCII, otherwise UTF-16BE with a byte-order mark in hex.
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
		return "(" + r.Replace(s) + ")"
	}
	units := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(units))
	b[0], b[1] = 0xfe, 0xff
	for _, u := range units {
		b = append(b, byte(u>>8), byte(u))
	}
	return "<" + strings.ToUpper(hex.EncodeToString(b)) + ">"
}
