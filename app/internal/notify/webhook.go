package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// A village's webhook (a WhatsApp gateway, a Telegram bot) is an address a
// village admin types, so it is a way to make the server send requests
// anywhere: each request goes only to public addresses (checked on the
// address actually dialled, so a name that resolves to 127.0.0.1 later
// does not get through), follows no redirect, gives up after
// webhookTimeout and reads at most webhookMaxResponse of the answer.

const (
	webhookTimeout     = 10 * time.Second
	webhookMaxResponse = 64 << 10
	webhookMaxBody     = 16 << 10
)

// webhookClient posts notification bodies.
type webhookClient struct {
	allowPrivate bool
	http         *http.Client
}

func newWebhookClient(allowPrivate bool) *webhookClient {
	w := &webhookClient{allowPrivate: allowPrivate}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: w.control}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would hide the address dialled
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: webhookTimeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	w.http = &http.Client{Transport: tr, Timeout: webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return w
}

// errPrivateTarget refuses an address on a private network.
var errPrivateTarget = errors.New("alamat webhook menuju jaringan lokal/privat; tidak diizinkan " +
	"(administrator server dapat mengizinkannya dengan APP_WEBHOOK_ALLOW_PRIVATE=true)")

// control refuses a connection to a non-public address, after name
// resolution, for every dial (also of a redirect or a re-resolved name).
func (w *webhookClient) control(_, address string, _ syscall.RawConn) error {
	if w.allowPrivate {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !publicAddr(ip) {
		return errPrivateTarget
	}
	return nil
}

// cgnat is the carrier-grade NAT range (RFC 6598), not public either.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() &&
		!cgnat.Contains(ip) && !ip.IsUnspecified() && !ip.IsMulticast()
}

// checkURL checks an address before it is saved (see CheckWebhook); the
// error is an Indonesian sentence.
func (w *webhookClient) checkURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return errors.New("alamat webhook harus diawali http:// atau https://, mis. https://api.gateway.id/send")
	case u.User != nil:
		return errors.New("jangan menaruh nama pengguna atau sandi di alamat webhook; pakai kolom Authorization")
	}
	if w.allowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return errPrivateTarget
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return errPrivateTarget
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return fmt.Errorf("nama server webhook %s tidak ditemukan", host)
	}
	for _, ip := range ips {
		if !publicAddr(ip) {
			return errPrivateTarget
		}
	}
	return nil
}

// escapeValue escapes a placeholder value for the body format.
func escapeValue(format, s string) string {
	if format == "form" {
		return url.QueryEscape(s)
	}
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// send posts one message to the village's webhook. The error says what
// went wrong without the address or the token.
func (w *webhookClient) send(ctx context.Context, ws *surat.WorkflowSettings, v surat.WebhookValues) error {
	body, err := surat.RenderWebhookBody(ws.WebhookBody, ws.WebhookFormat, v, escapeValue)
	if err != nil {
		return fmt.Errorf("templat webhook: %w", err)
	}
	if len(body) > webhookMaxBody {
		return errors.New("isi webhook terlalu besar")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ws.WebhookURL, strings.NewReader(body))
	if err != nil {
		return errors.New("alamat webhook tidak valid")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return errors.New("alamat webhook harus http atau https")
	}
	ct := "application/json"
	if ws.WebhookFormat == "form" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "suratdesa-notify/1")
	if ws.WebhookAuth != "" {
		req.Header.Set("Authorization", ws.WebhookAuth)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the address, which may hold a token
		}
		if errors.Is(err, errPrivateTarget) {
			return errPrivateTarget
		}
		return fmt.Errorf("webhook tidak dapat dihubungi: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, webhookMaxResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		first := strings.TrimSpace(string(bytes.ToValidUTF8(snippet[:min(len(snippet), 200)], nil)))
		return fmt.Errorf("webhook menjawab status %d: %s", resp.StatusCode, first)
	}
	return nil
}
