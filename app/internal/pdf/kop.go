package pdf

import (
	"strings"

	"github.com/jung-kurt/gofpdf"
)

// Letterhead (kop) geometry, in millimetres.
const (
	logoH      = 25.0 // the logo is scaled to this height...
	logoMaxW   = 30.0 // ...unless that would make it wider than this
	logoGap    = 4.0  // between the logo and the kop text
	ruleThick  = 0.8  // the upper, thick line of the double rule
	ruleThin   = 0.25 // the lower, thin line
	ruleSpace  = 1.0  // between the two lines' centres, beyond their half widths
	afterRules = 6.0  // from the thin line to the title
)

// kopLine is one centred line of the letterhead.
type kopLine struct {
	text   string
	style  string
	pt     float64
	shrink bool // shrink rather than wrap when too long
}

// kop draws the letterhead on page 1: the logo at the left, the centred
// government, kecamatan, village and address lines, and the double rule.
func (l *layout) kop() error {
	v := l.doc.Village
	var lines []kopLine
	gov := "PEMERINTAH " + strings.ToUpper(orDefault(v.SebutanKab, "Kabupaten"))
	if v.Kabupaten != "" {
		gov += " " + strings.ToUpper(strings.TrimSpace(v.Kabupaten))
	}
	lines = append(lines, kopLine{gov, "", 14, true})
	if k := strings.TrimSpace(v.Kecamatan); k != "" {
		lines = append(lines, kopLine{"KECAMATAN " + strings.ToUpper(k), "", 14, true})
	}
	lines = append(lines, kopLine{strings.ToUpper(orDefault(v.Sebutan, "Desa") + " " + strings.TrimSpace(v.Name)), "B", 17, true})
	for _, s := range addressLines(v.Address, v.PostalCode, v.Phone, v.Email, v.Website) {
		lines = append(lines, kopLine{s, "", 10, false})
	}

	top := l.y
	var logo placedLogo // zero: no logo
	if len(l.doc.LogoPNG) > 0 {
		var err error
		if logo, err = l.logo(l.doc.LogoPNG); err != nil {
			return err
		}
	}

	// The text is centred on the page; with a logo it keeps clear of the
	// logo on both sides so that it stays centred.
	textL, textR := l.left, l.right
	if logo.name != "" {
		textL += logo.w + logoGap
		textR -= logo.w + logoGap
	}
	// Names too long for the line shrink to fit, down to 75 %, then wrap.
	// The government and kecamatan lines shrink together, so that they keep
	// one size; the small print only wraps.
	scale := func(kl kopLine) float64 {
		l.setFont(kl.style, kl.pt)
		w := l.textWidth(l.clean(kl.text))
		if !kl.shrink || w <= textR-textL {
			return 1
		}
		return max(0.75, (textR-textL)/w)
	}
	shared := 1.0
	for _, kl := range lines {
		if kl.shrink && kl.style == "" {
			shared = min(shared, scale(kl))
		}
	}
	type placed struct {
		text  string
		style string
		pt    float64
		h     float64
	}
	var out []placed
	textH := 0.0
	for _, kl := range lines {
		pt := kl.pt
		if kl.shrink && kl.style == "" {
			pt *= shared
		} else {
			pt *= scale(kl)
		}
		l.setFont(kl.style, pt)
		lh := pt * 0.3528 * 1.22
		for _, s := range l.lines(kl.text, textR-textL) {
			out = append(out, placed{s, kl.style, pt, lh})
			textH += lh
		}
	}

	kopH := max(textH, logo.h)
	if logo.name != "" {
		l.f.ImageOptions(logo.name, l.left, top+(kopH-logo.h)/2, logo.w, logo.h, false,
			gofpdf.ImageOptions{}, 0, "")
	}
	y := top + (kopH-textH)/2
	for _, p := range out {
		l.setFont(p.style, p.pt)
		l.drawText(p.text, textL, textR-textL, y, p.h, alignCenter)
		y += p.h
	}

	// The double rule: thick over thin, the full width of the text area.
	ruleY := top + kopH + 2
	l.f.SetDrawColor(0, 0, 0)
	l.f.SetLineWidth(ruleThick)
	l.f.Line(l.left, ruleY, l.right, ruleY)
	thinY := ruleY + ruleThick/2 + ruleSpace + ruleThin/2
	l.f.SetLineWidth(ruleThin)
	l.f.Line(l.left, thinY, l.right, thinY)
	l.y = thinY + afterRules
	return nil
}

// addressLines is the small print under the village name: the address with
// its postal code, then the telephone, e-mail and website that are set.
func addressLines(address, postal, phone, email, website string) []string {
	var lines []string
	first := strings.TrimSpace(address)
	// An address that already ends in its postal code keeps it once.
	if p := strings.TrimSpace(postal); p != "" && !strings.Contains(first, p) {
		if first != "" {
			first += ", "
		}
		first += "Kode Pos " + p
	}
	if first != "" {
		lines = append(lines, first)
	}
	var contact []string
	if s := strings.TrimSpace(phone); s != "" {
		contact = append(contact, "Telepon "+s)
	}
	if s := strings.TrimSpace(email); s != "" {
		contact = append(contact, "Email "+s)
	}
	if s := strings.TrimSpace(website); s != "" {
		contact = append(contact, "Laman "+s)
	}
	if len(contact) > 0 {
		lines = append(lines, strings.Join(contact, " · "))
	}
	return lines
}

// title draws the letter title, bold, underlined and upper case, and the
// number line under it. A letter without a number yet (a draft) shows a
// dotted blank.
func (l *layout) title(title, number string) {
	const titlePt, titleLine = 13.0, 6.0
	l.setFont("B", titlePt)
	for _, s := range l.lines(strings.ToUpper(title), l.width()) {
		w := l.textWidth(s)
		x := l.left + (l.width()-w)/2
		l.drawText(s, x, w, l.y, titleLine, alignLeft)
		l.underline(x, w, l.y, titleLine, 0.3)
		l.y += titleLine
	}
	l.setFont("", bodyPt)
	number = strings.TrimSpace(number)
	if number == "" {
		number = "....../....../......"
	}
	for _, s := range l.lines("Nomor : "+number, l.width()) {
		l.drawText(s, l.left, l.width(), l.y, bodyLine, alignCenter)
		l.y += bodyLine
	}
	l.y += 5
}
