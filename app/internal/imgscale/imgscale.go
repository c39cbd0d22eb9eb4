// Package imgscale shrinks images by box averaging, for village logos: the
// settings page stores them small, the PDF renderer flattens them.
package imgscale

import "image"

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
