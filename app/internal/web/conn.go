package web

import (
	"context"
	"net"
	"syscall"

	"github.com/gin-gonic/gin"
)

// connKey is the request context's key of the connection it came on.
type connKey struct{}

// ConnContext is for http.Server.ConnContext: it keeps each connection in
// the context of the requests that arrive on it, so that writeWhole can
// send a page in one piece. A server without it still serves every page.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// corkAbove is the size of a body that net/http writes to the socket in
// two calls: its connection buffer holds 4 kB, and the verification page's
// headers take some 600 bytes of it.
const corkAbove = 3 << 10

// writeWhole writes a complete response, as c.Data does. net/http sends a
// body of more than about 3.5 kB in two writes, the first filling its 4 kB
// buffer, and on a TCP connection each write goes out as its own segment,
// which the client reads (and a reverse proxy passes on) with a wake-up of
// its own. For the plain verification page (6 kB) writeWhole holds the
// socket's segments back while net/http writes (TCP_CORK, where the system
// has it) and lets them go as one once the response is flushed. A client
// reading the page from the same machine read it in one piece instead of
// two, and the server's CPU per scan fell by 4-9% (docs/design.md §7).
func writeWhole(c *gin.Context, status int, contentType string, body []byte) {
	sc, ok := c.Request.Context().Value(connKey{}).(syscall.Conn)
	if !ok || len(body) <= corkAbove {
		c.Data(status, contentType, body)
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil || !cork(raw, true) {
		c.Data(status, contentType, body)
		return
	}
	// The deferred uncork also runs when writing fails: a socket left
	// corked would hold the next response back for 200 ms.
	defer cork(raw, false)
	c.Data(status, contentType, body)
	c.Writer.Flush()
}
