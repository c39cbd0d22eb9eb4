package pdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // logos may be JPEG
	"image/png"
	"sync"

	"github.com/jung-kurt/gofpdf"

	"github.com/suratdesa/suratdesa/app/internal/imgscale"
)

// maxLogoPixels bounds the longer side of a logo in the PDF: printed 25 mm
// high, 400 pixels is 400 dpi, sharper than any office printer.
const maxLogoPixels = 400

// logoCacheSize bounds the prepared logos a Renderer keeps: one per village
// of a kabupaten is a few hundred.
const logoCacheSize = 512

// preparedLogo is a logo in a form gofpdf embeds without re-encoding.
type preparedLogo struct {
	data []byte
	kind string // "PNG" or "JPG"
}

// logoCache remembers prepared logos by the SHA-256 of the uploaded bytes,
// so that decoding and flattening a logo happens once, not per letter.
type logoCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]preparedLogo
}

// get returns the prepared form of data, preparing it on first use.
func (c *logoCache) get(data []byte) (preparedLogo, error) {
	key := sha256.Sum256(data)
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := prepareLogo(data)
	if err != nil {
		return preparedLogo{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= logoCacheSize {
		c.m = make(map[[sha256.Size]byte]preparedLogo)
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
)

// prepareLogo returns data itself when gofpdf can embed it as it is: an RGB
// or grey JPEG, or an 8-bit, non-interlaced PNG without transparency, no larger than
// maxLogoPixels. Anything else is decoded, laid on white paper, scaled down
// and encoded again as an opaque PNG. gofpdf cannot read 16-bit or
// interlaced PNGs at all, and would split and recompress an alpha channel
// for every letter.
func prepareLogo(data []byte) (preparedLogo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return preparedLogo{}, fmt.Errorf("pdf: logo is not a readable PNG or JPEG: %w", err)
	}
	small := cfg.Width <= maxLogoPixels && cfg.Height <= maxLogoPixels
	switch {
	case format == "jpeg" && bytes.HasPrefix(data, jpegMagic) && small &&
		(cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.GrayModel):
		return preparedLogo{data: data, kind: "JPG"}, nil
	case format == "png" && small && plainPNG(data):
		return preparedLogo{data: data, kind: "PNG"}, nil
	case format != "png" && format != "jpeg":
		return preparedLogo{}, fmt.Errorf("pdf: logo is %s, want PNG or JPEG", format)
	}
	img, _, err := imgscale.Decode(data)
	if err != nil {
		return preparedLogo{}, fmt.Errorf("pdf: decode logo: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, flattenLogo(img, maxLogoPixels)); err != nil {
		return preparedLogo{}, fmt.Errorf("pdf: encode logo: %w", err)
	}
	return preparedLogo{data: buf.Bytes(), kind: "PNG"}, nil
}

// plainPNG reports whether a PNG is 8-bit or less, not interlaced and
// without an alpha channel or tRNS transparency.
func plainPNG(data []byte) bool {
	if !bytes.HasPrefix(data, pngMagic) || len(data) < 33 {
		return false
	}
	depth, colorType, interlace := data[24], data[25], data[28]
	if depth > 8 || interlace != 0 || colorType == 4 || colorType == 6 {
		return false
	}
	for off := 8; off+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[off:]))
		switch string(data[off+4 : off+8]) {
		case "tRNS":
			return false
		case "IDAT", "IEND":
			return true
		}
		off += 12 + n
	}
	return false
}

// flattenLogo lays img on white paper and scales it down, averaging, so
// that its longer side is at most maxSide pixels.
func flattenLogo(img image.Image, maxSide int) *image.RGBA {
	dw, dh := imgscale.Fit(img.Bounds(), maxSide)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	imgscale.Boxes(img, dw, dh, func(x, y int, b imgscale.Box) {
		// Premultiplied colour over white: c + (1 - a), summed over the box.
		white := b.N*0xFFFF - b.A
		i := dst.PixOffset(x, y)
		dst.Pix[i+0] = uint8((b.R + white) / b.N >> 8)
		dst.Pix[i+1] = uint8((b.G + white) / b.N >> 8)
		dst.Pix[i+2] = uint8((b.B + white) / b.N >> 8)
		dst.Pix[i+3] = 0xFF
	})
	return dst
}

// placedLogo is a logo registered with the document and its printed size.
type placedLogo struct {
	name string
	w, h float64
}

// logo registers the village logo with the document and sizes it for the
// letterhead.
func (l *layout) logo(data []byte) (placedLogo, error) {
	p, err := l.logos.get(data)
	if err != nil {
		return placedLogo{}, err
	}
	const name = "logo"
	info := l.f.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: p.kind}, bytes.NewReader(p.data))
	if err := l.f.Error(); err != nil {
		return placedLogo{}, fmt.Errorf("pdf: logo: %w", err)
	}
	if info == nil || info.Width() <= 0 || info.Height() <= 0 {
		return placedLogo{}, errors.New("pdf: logo has no size")
	}
	h := logoH
	w := h * info.Width() / info.Height()
	if w > logoMaxW {
		w, h = logoMaxW, logoMaxW*info.Height()/info.Width()
	}
	return placedLogo{name: name, w: w, h: h}, nil
}
