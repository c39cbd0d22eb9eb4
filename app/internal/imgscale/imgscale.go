// Package imgscale decodes images within a size limit and shrinks them by
// box averaging, for village logos: the settings page stores them small,
// the PDF renderer flattens them.
package imgscale

import (
	"bytes"
	"errors"
	"fmt"
	"image"
)

// Fit is the size of an image of bounds b shrunk, keeping its aspect, so
// that its longer side is at most maxSide pixels (at least 1×1); a smaller
// image keeps its size.
func Fit(b image.Rectangle, maxSide int) (w, h int) {
	w, h = b.Dx(), b.Dy()
	if m := max(w, h); m > maxSide {
		w, h = max(1, w*maxSide/m), max(1, h*maxSide/m)
	}
	return w, h
}

// Box sums the premultiplied 16-bit colour (as color.Color.RGBA returns
// it) of the N source pixels one destination pixel covers.
type Box struct {
	R, G, B, A, N uint64
}

// Boxes maps img onto a w×h grid and calls put for every destination
// pixel, row by row, with the box of source pixels it covers; every box
// holds at least one pixel.
func Boxes(img image.Image, w, h int, put func(x, y int, box Box)) {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	for dy := 0; dy < h; dy++ {
		y0 := dy * sh / h
		y1 := max((dy+1)*sh/h, y0+1)
		for dx := 0; dx < w; dx++ {
			x0 := dx * sw / w
			x1 := max((dx+1)*sw/w, x0+1)
			var box Box
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					cr, cg, cb, ca := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
					box.R, box.G, box.B, box.A = box.R+uint64(cr), box.G+uint64(cg), box.B+uint64(cb), box.A+uint64(ca)
					box.N++
				}
			}
			put(dx, dy, box)
		}
	}
}

// MaxSide is the longest width or height of an image the application will
// decode. Decoding costs memory by the pixel count, not the file size: a
// 194 KB 5000×5000 16-bit PNG needs 200 MB, so the dimensions are checked
// from the header before any pixel is decoded.
const MaxSide = 2000

// ErrTooLarge is an image wider or higher than MaxSide pixels.
var ErrTooLarge = errors.New("imgscale: image larger than 2000×2000 pixels")

// Decode decodes an image in a format registered with package image, after
// checking with image.DecodeConfig (which reads only the header) that
// neither side exceeds MaxSide; a larger one is ErrTooLarge and nothing is
// decoded. It returns the format name as image.Decode does.
func Decode(data []byte) (image.Image, string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", errors.New("imgscale: image without pixels")
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, "", fmt.Errorf("%dx%d: %w", cfg.Width, cfg.Height, ErrTooLarge)
	}
	return image.Decode(bytes.NewReader(data))
}
