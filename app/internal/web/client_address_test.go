package web

import (
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestClientAddress: limits count an IPv4 client by its address and an
// IPv6 client by its /64, whatever form the address comes in.
func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"198.51.100.7:1234":               "198.51.100.7",
		"[::ffff:198.51.100.7]:1234":      "198.51.100.7",
		"[2001:db8:1:2:3:4:5:6]:1234":     "2001:db8:1:2::/64",
		"[2001:db8:1:2::ffff]:1":          "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:1":             "2001:db8:1:3::/64",
		"[2001:0DB8:0001:0002::0001]:443": "2001:db8:1:2::/64",
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/", nil)
		c.Request.RemoteAddr = remote
		if got := clientAddress(c); got != want {
			t.Errorf("%s: %q, want %q", remote, got, want)
		}
	}
}
