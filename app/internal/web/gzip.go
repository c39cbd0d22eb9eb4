package web

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
)

// gzipMinSize is the smallest body worth compressing: below one TCP
// segment, compressing saves no round trip.
const gzipMinSize = 1400

// gzipBuffers recycle the compressed verification pages
// (skeleton.writeGzip).
var gzipBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 4<<10)) }}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: a
// "gzip" coding whose q is not zero, or else a "*" whose q is not zero.
func acceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		switch coding {
		case "gzip":
			return !zeroQ(params)
		case "*":
			star = !zeroQ(params)
		}
	}
	return star
}

// zeroQ reports whether the parameters of a coding set q to zero.
func zeroQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && f == 0
		}
	}
	return false
}
