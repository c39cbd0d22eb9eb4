package notify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestSlowGatewayDoesNotSendTwice: worker A claims a batch of 20
// notifications with one lease and sends them one by one to a gateway that
// answers each in 9 s (under the webhook timeout). After its 14th send the
// lease it claimed the batch with has run out and another replica's worker
// B claims the rest. Each notification still goes out once: A renews the
// lease before each send and leaves those B took (without the renewal, the
// gateway got 27 requests for 20). On MySQL a renewal in the same second
// as the claim writes the same value, which MySQL counts as no row: it
// must still count as renewed.
func TestSlowGatewayDoesNotSendTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, store.RequestQuota{MaxOpen: 25})
		var (
			mu      sync.Mutex
			bodies  = map[string]int{}
			calls   int
			release = make(chan struct{})
			atLimit = make(chan struct{})
		)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			body, _ := io.ReadAll(req.Body)
			f.clock.Add(9 * time.Second) // slow, but within the timeout
			mu.Lock()
			calls++
			n := calls
			bodies[string(body)]++
			mu.Unlock()
			w.Write([]byte(`{"status":true}`))
			if n == 14 { // A's lease on the batch ran out 6 s ago
				close(atLimit)
				<-release
			}
		}))
		t.Cleanup(hook.Close)
		f.webhook(t, hook.URL, false)
		s := f.service(t, "")
		for range 20 {
			f.returnRequest(t)
		}
		a, bw := s.NewWorker(), s.NewWorker()
		done := make(chan int)
		go func() {
			n, err := a.RunOnce(f.ctx)
			if err != nil {
				t.Error(err)
			}
			done <- n
		}()
		select {
		case <-atLimit:
		case n := <-done:
			t.Fatalf("worker A ended after %d sends, before its 14th", n)
		}
		nb, err := bw.RunOnce(f.ctx) // the other replica's next poll
		if err != nil {
			t.Fatal(err)
		}
		close(release)
		na := <-done
		mu.Lock()
		defer mu.Unlock()
		if calls != 20 || len(bodies) != 20 || na+nb != 20 {
			t.Errorf("gateway got %d requests (%d distinct) for 20 notifications; A sent %d, B %d", calls, len(bodies), na, nb)
		}
		for body, n := range bodies {
			if n != 1 {
				t.Errorf("sent %d times: %.80s", n, body)
			}
		}
	})
}
