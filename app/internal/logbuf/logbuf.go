// Package logbuf buffers a server's log output. Every request writes an
// access log line; written straight to stdout that is a write call per
// request, and the public verification page served about 13% fewer
// requests a second than with the lines buffered (scripts/bench-verify.sh,
// stdout piped to a reader, alternated three times). A Writer holds the
// lines for at most its interval, or until its buffer fills; a Handler
// writes them out at once after a warning or an error, so those are never
// held back.
package logbuf

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Interval is how long app serve (and the verification benchmark, which
// measures what serve does) holds log lines before writing them out.
const Interval = 200 * time.Millisecond

// bufferSize is how much a Writer holds before it writes: a few hundred
// lines.
const bufferSize = 64 << 10

// Writer is an io.Writer that buffers what is written to out and writes it
// out every interval, when the buffer is full, on Flush and on Close. It is
// safe for concurrent use; each Write stays whole and in order.
type Writer struct {
	mu     sync.Mutex
	out    io.Writer
	buf    *bufio.Writer
	closed bool
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// New starts a Writer to out that writes out every interval; Close stops
// it.
func New(out io.Writer, interval time.Duration) *Writer {
	w := &Writer{out: out, buf: bufio.NewWriterSize(out, bufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop(interval)
	return w
}

func (w *Writer) loop(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.Flush()
		case <-w.stop:
			return
		}
	}
}

// Write buffers p; after Close it writes p out at once.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if err == nil && w.closed {
		err = w.buf.Flush()
	}
	w.dropOnError(err)
	return n, err
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.buf.Flush()
	w.dropOnError(err)
	return err
}

// dropOnError drops what could not be written after a failed write,
// instead of keeping the error (as a bufio.Writer does) and refusing every
// later line.
func (w *Writer) dropOnError(err error) {
	if err != nil {
		w.buf.Reset(w.out)
	}
}

// Close stops the interval and writes out what is buffered; later writes
// (a handler still finishing) go out at once.
func (w *Writer) Close() error {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	return w.Flush()
}

// Handler returns h (which writes to w), writing w out after every record
// at slog.LevelWarn or above.
func (w *Writer) Handler(h slog.Handler) slog.Handler { return flushing{h, w} }

type flushing struct {
	slog.Handler
	w *Writer
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := f.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{f.Handler.WithAttrs(attrs), f.w}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{f.Handler.WithGroup(name), f.w}
}
