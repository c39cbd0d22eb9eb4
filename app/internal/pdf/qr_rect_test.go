package pdf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// appendRect writes the QR code's rectangles exactly as fmt's %.3f did, so
// that letters look, and are, byte for byte what they were.
func TestAppendRectMatchesPrintf(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 0.0005, 0.0015, 1.2345, -1.2345, 99.9995, 595.28, 841.89, 1e6 + 0.0004}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		vals = append(vals, (r.Float64()-0.2)*900)
	}
	for i := 0; i+3 < len(vals); i++ {
		x, y, w, h := vals[i], vals[i+1], vals[i+2], vals[i+3]
		want := fmt.Sprintf("%.3f %.3f %.3f %.3f re", x, y, w, h)
		if got := string(appendRect(nil, x, y, w, h)); got != want {
			t.Fatalf("appendRect(%v, %v, %v, %v) = %q, want %q", x, y, w, h, got, want)
		}
	}
}
