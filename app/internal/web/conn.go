package web

import (
	"bytes"
	"context"
	"net"
	"sync"

	"github.com/gin-gonic/gin"
)

// Listener wraps ln's connections so that writeWhole can send a response
// with one write call. With ConnContext, for an http.Server:
//
//	hs := &http.Server{Handler: h, ConnContext: web.ConnContext}
//	hs.Serve(web.Listener(ln))
//
// A server without them still serves every page.
func Listener(ln net.Listener) net.Listener { return wholeListener{ln} }

type wholeListener struct{ net.Listener }

func (l wholeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wholeConn{Conn: c}, nil
}

// connKey is the request context's key of the connection it came on.
type connKey struct{}

// ConnContext is for http.Server.ConnContext: it keeps each connection in
// the context of the requests that arrive on it, for writeWhole.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// wholeConn is a connection whose writes writeWhole can gather into one.
// net/http writes to a connection only from the goroutine serving its
// current request, the one that runs writeWhole, so held needs no lock.
type wholeConn struct {
	net.Conn
	held *bytes.Buffer // the writes gathered, nil when writes go straight out
}

func (c *wholeConn) Write(p []byte) (int, error) {
	if c.held != nil {
		return c.held.Write(p)
	}
	return c.Conn.Write(p)
}

// CloseWrite half-closes the connection as net/http does on a TCP
// connection before closing it, so that a client still sending is not
// answered with a reset before it has read the response.
func (c *wholeConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// heldBuffers recycles the buffers responses are gathered in; a page is
// some 7 kB with its headers.
var heldBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 8<<10)) }}

// gatherAbove is the size of a body that net/http writes to the socket in
// two calls: its connection buffer holds 4 kB, and the verification page's
// headers take some 600 bytes of it.
const gatherAbove = 3 << 10

// writeWhole writes a complete response, as c.Data does. net/http sends a
// body of more than about 3.5 kB in two writes, the first filling its 4 kB
// buffer, and on a TCP connection each write goes out as its own segment,
// which the client reads (and a reverse proxy passes on) with a wake-up of
// its own. For the plain verification page (6 kB) writeWhole gathers what
// net/http writes, headers and body, and sends it with one write call once
// the response is flushed. Against corking the socket (TCP_CORK) around
// net/http's two writes, which cost two system calls more, the server's
// CPU per scan at 1,000,000 letters fell from 104-108 to 93-98 µs on
// SQLite and from 75-83 to 68-76 µs on MariaDB (scripts/bench-verify.sh's
// load with the server on a core of its own; docs/design.md §7).
func writeWhole(c *gin.Context, status int, contentType string, body []byte) {
	wc, ok := c.Request.Context().Value(connKey{}).(*wholeConn)
	if !ok || len(body) <= gatherAbove {
		c.Data(status, contentType, body)
		return
	}
	wc.held = heldBuffers.Get().(*bytes.Buffer)
	// The deferred send also runs if writing panics: what net/http wrote
	// goes out, and later writes go straight to the socket again.
	defer func() {
		b := wc.held
		wc.held = nil
		// An error here is the client's connection failing; net/http
		// finds it on its next read or write and closes the connection.
		wc.Conn.Write(b.Bytes())
		recycle(&heldBuffers, b)
	}()
	c.Data(status, contentType, body)
	c.Writer.Flush()
}
