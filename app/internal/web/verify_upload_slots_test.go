package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// stalledUpload starts a PDF check from addr whose body stops after the
// multipart headers, as a client that never finishes sends it; closing the
// returned writer ends it. done is closed when the handler returned.
func stalledUpload(t *testing.T, h http.Handler, code, addr string) (pw *io.PipeWriter, done chan struct{}) {
	t.Helper()
	pr, pw := io.Pipe()
	req := httptest.NewRequest("POST", "/v/"+code+"/periksa", pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	req.ContentLength = -1
	req.RemoteAddr = addr
	done = make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	go pw.Write([]byte("--XX\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"a.pdf\"\r\n\r\n%PDF-"))
	return pw, done
}

// uploadFrom posts pdf to the check of code from addr.
func uploadFrom(h http.Handler, code, addr string, pdf []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("berkas", "surat.pdf")
	w.Write(pdf)
	mw.Close()
	req := httptest.NewRequest("POST", "/v/"+code+"/periksa", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestVerifyUploadSlotsTurnAwayRatherThanWait: four uploads that never
// finish, from four addresses, hold every slot. An honest check used to wait
// as long as they lasted (the server's two-minute read timeout, and their
// sender reconnects); now it is turned away as busy within the slot wait,
// with Retry-After, and a second upload from an address that has one
// running is refused at once. Once the slots are free, the check works.
func TestVerifyUploadSlotsTurnAwayRatherThanWait(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	f.e.srv.public.slotWait = 300 * time.Millisecond
	l := f.sign(t)
	code := *l.VerifyCode
	pdf := f.pdfOf(t, l)

	var writers []*io.PipeWriter
	var dones []chan struct{}
	for i := range maxConcurrentUploads {
		pw, done := stalledUpload(t, f.e.h, code, fmt.Sprintf("203.0.113.%d:4000", i+1))
		writers, dones = append(writers, pw), append(dones, done)
	}
	// Wait until the four hold their slots.
	for deadline := time.Now().Add(5 * time.Second); len(f.e.srv.public.uploadSlots) < maxConcurrentUploads; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d slots taken", len(f.e.srv.public.uploadSlots), maxConcurrentUploads)
		}
		time.Sleep(10 * time.Millisecond)
	}

	start := time.Now()
	rec := uploadFrom(f.e.h, code, "198.51.100.7:1234", pdf)
	if took := time.Since(start); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "sedang sibuk") || took > 20*time.Second {
		t.Errorf("honest upload while the slots are held: %d, Retry-After %q, after %v", rec.Code, rec.Header().Get("Retry-After"), took)
	}
	// 429, not the 503 of a wait for a slot: refused before waiting.
	rec = uploadFrom(f.e.h, code, "203.0.113.1:4001", pdf)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "pemeriksaan berkas lain") {
		t.Errorf("second upload from an address with one running: %d", rec.Code)
	}

	for i, pw := range writers {
		pw.CloseWithError(io.ErrUnexpectedEOF)
		<-dones[i]
	}
	if rec := uploadFrom(f.e.h, code, "198.51.100.7:1234", pdf); rec.Code != http.StatusOK || verdictKind(t, rec.Body.String()) != "identical" {
		t.Errorf("honest upload after the slots were freed: %d %q", rec.Code, verdictKind(t, rec.Body.String()))
	}
	f.e.srv.public.mu.Lock()
	n := len(f.e.srv.public.uploading)
	f.e.srv.public.mu.Unlock()
	if n != 0 {
		t.Errorf("%d addresses still marked uploading", n)
	}
}

// TestVerifyUploadSlowBodyLosesItsSlot: over a real connection, a body that
// stops arriving holds its slot only for the upload read timeout; then the
// handler gives up, the slot is free and the same address can check again.
// Without the deadline the slot stayed held for the server's ReadTimeout.
func TestVerifyUploadSlowBodyLosesItsSlot(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	f.e.srv.public.readTimeout = 500 * time.Millisecond
	l := f.sign(t)
	code := *l.VerifyCode
	pdf := f.pdfOf(t, l)
	ts := httptest.NewServer(f.e.h)
	defer ts.Close()

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "--XX\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"a.pdf\"\r\n\r\n%PDF-"
	fmt.Fprintf(conn, "POST /v/%s/periksa HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=XX\r\n"+
		"Content-Length: 1000000\r\n\r\n%s", code, ts.Listener.Addr(), head)
	var once sync.Once
	stalledAnswered := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // until the server closes the connection
		once.Do(func() { close(stalledAnswered) })
	}()
	for deadline := time.Now().Add(5 * time.Second); len(f.e.srv.public.uploadSlots) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the stalled upload never took a slot")
		}
		time.Sleep(10 * time.Millisecond)
	}

	post := func() *http.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("berkas", "surat.pdf")
		w.Write(pdf)
		mw.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v/"+code+"/periksa", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := post(); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("upload from the same address while the stalled one runs: %d, want 429", res.StatusCode)
	}
	select {
	case <-stalledAnswered:
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled upload still holds its connection after 5 s")
	}
	for deadline := time.Now().Add(5 * time.Second); len(f.e.srv.public.uploadSlots) > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the stalled upload's slot was not given back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if res := post(); res.StatusCode != http.StatusOK {
		t.Errorf("upload after the stalled one timed out: %d, want 200", res.StatusCode)
	}
}

// TestClientGoneIsNotAServerError: a check whose client gives up while it
// waits for a slot ends as 499 (nginx's "client closed request"), not as a
// 500 logged as the server's failure.
func TestClientGoneIsNotAServerError(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	l := f.sign(t)
	for range maxConcurrentUploads {
		f.e.srv.public.uploadSlots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(100*time.Millisecond, cancel) // the client closes the tab
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("berkas", "surat.pdf")
	w.Write(f.pdfOf(t, l))
	mw.Close()
	req := httptest.NewRequest("POST", "/v/"+*l.VerifyCode+"/periksa", &body).WithContext(ctx)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	f.e.h.ServeHTTP(rec, req)
	if rec.Code != statusClientClosedRequest {
		t.Errorf("client gone while waiting: %d, want %d", rec.Code, statusClientClosedRequest)
	}
	if strings.Contains(f.e.logs.String(), "request failed") {
		t.Error("a client that went away was logged as a server failure")
	}
}
