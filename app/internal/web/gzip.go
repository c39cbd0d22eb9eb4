package web

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// gzipMinSize is the smallest body worth compressing: below one TCP
// segment, compressing saves no round trip.
const gzipMinSize = 1400

// gzipWriters and gzipBuffers recycle the compressors and their output.
var (
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return w
	}}
	gzipBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 4<<10)) }}
)

// writeMaybeGzip writes body, gzip-compressed when the client accepts it.
// It is used for the public verification page only: a page scanned from a
// phone on a slow connection, some 6 kB of HTML that compresses to under
// 3 kB, and one that carries no secret of the reader's (no session, no
// CSRF token), so compressing it next to reflected input gives nothing
// away (BREACH).
func writeMaybeGzip(c *gin.Context, status int, contentType string, body []byte) {
	c.Header("Vary", "Accept-Encoding")
	if len(body) < gzipMinSize || !acceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.Data(status, contentType, body)
		return
	}
	buf := gzipBuffers.Get().(*bytes.Buffer)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer func() {
		gzipWriters.Put(zw)
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			gzipBuffers.Put(buf)
		}
	}()
	zw.Reset(buf)
	if _, err := zw.Write(body); err != nil {
		c.Data(status, contentType, body)
		return
	}
	if err := zw.Close(); err != nil {
		c.Data(status, contentType, body)
		return
	}
	c.Header("Content-Encoding", "gzip")
	c.Data(status, contentType, buf.Bytes())
}

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
