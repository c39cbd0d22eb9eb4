package notify

import (
	"net/http/httptest"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// BenchmarkWorkerWebhook measures one worker turning returned requests
// into webhook messages and delivering them to a local receiver: per
// operation, one outbox event expanded and one notification sent (SQLite).
func BenchmarkWorkerWebhook(b *testing.B) {
	f := newFixture(b, storetest.SQLite)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	f.webhook(b, hook.URL, false)
	s := f.service(b, "")
	w := s.NewWorker()
	for range b.N {
		f.returnRequest(b)
	}
	b.ResetTimer()
	if _, err := w.RunOnce(f.ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if got := len(rcv.got()); got != b.N {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
}
