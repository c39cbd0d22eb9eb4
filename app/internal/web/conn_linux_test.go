package web

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestVerifyPageOneSegment serves the verification page over TCP as the
// server runs (Listener and ConnContext), many times on one kept-alive
// connection: the plain page (6 kB) leaves the server as one TCP segment a
// response rather than two, the plain and compressed pages arrive whole,
// and a page written straight (the compressed one) between gathered ones
// is not held back.
func TestVerifyPageOneSegment(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	l := f.sign(t)
	path := "/v/" + *l.VerifyCode
	// The env's clock stands still, so every response is these bytes.
	want := f.e.do("GET", path, nil, nil).Body.Bytes()
	if len(want) <= gatherAbove+1024 {
		t.Fatalf("the plain page is %d bytes: too small to be written in two pieces", len(want))
	}

	var mu sync.Mutex
	var server *net.TCPConn
	ts := httptest.NewUnstartedServer(f.e.h)
	ts.Listener = Listener(ts.Listener)
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		mu.Lock()
		server = c.(*wholeConn).Conn.(*net.TCPConn)
		mu.Unlock()
		return ConnContext(ctx, c)
	}
	ts.Start()
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A response held back by the server fails the test here, not at
	// the test binary's timeout.
	conn.SetDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(conn)
	get := func(gzip bool) {
		t.Helper()
		req := "GET " + path + " HTTP/1.1\r\nHost: desa.test\r\n"
		if gzip {
			req += "Accept-Encoding: gzip\r\n"
		}
		if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("GET %s: %d, close %v, %v", path, resp.StatusCode, resp.Close, err)
		}
		if gzip {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("no gzip: %v", resp.Header)
			}
			body = gunzip(t, bytes.NewReader(body))
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("the page over TCP differs from the page:\n%s", body)
		}
	}
	segsOut := func() uint32 {
		t.Helper()
		mu.Lock()
		c := server
		mu.Unlock()
		raw, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var info *unix.TCPInfo
		var serr error
		raw.Control(func(fd uintptr) {
			info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		})
		if serr != nil {
			t.Fatal(serr)
		}
		return info.Segs_out
	}

	// The first requests of a connection are acknowledged at once (TCP's
	// quick-ack mode); after them the acknowledgement rides on the answer.
	for i := range 20 {
		get(i%2 == 1)
	}
	const n = 20
	before := segsOut()
	for range n {
		get(false)
	}
	after := segsOut()
	// Two segments a page would be 40; a few acknowledgements of their own
	// may still go out.
	if segs := after - before; segs > n+n/4 {
		t.Errorf("%d pages went out in %d TCP segments, want about one a page", n, segs)
	} else {
		t.Logf("%d pages of %d bytes in %d TCP segments", n, len(want), segs)
	}
	// The compressed page fits net/http's buffer and is written once anyway.
	for range 3 {
		get(true)
	}
}
