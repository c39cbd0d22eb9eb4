// Package attempt counts sign-in attempts (staff passwords, resident PINs,
// signing passphrases, the setup code) in the database before the
// expensive check runs, so that lock-outs hold under parallel requests and
// across replicas and restarts. What is counted (a username, a NIK, a
// client address) is named in the database only by a keyed hash (HMAC with
// the application secret), so the table lists nobody and an unknown
// username is counted exactly like a known one.
package attempt

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
)

// Rule is one limit on an attempt: at most Max attempts in Bucket per
// Window.
type Rule struct {
	Bucket string
	Max    int
	Window time.Duration
}

// LimitError is an attempt refused, before anything was checked, because
// the limit of Rule is reached until Until.
type LimitError struct {
	Rule  Rule
	Until time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("attempt: limit of %d per %s reached", e.Rule.Max, e.Rule.Window)
}

// Counter counts attempts in the store. It is safe for concurrent use.
type Counter struct {
	st  *store.Store
	key []byte
}

// New returns a counter on st whose bucket names are keyed with secret.
// Replicas must share the secret to share buckets; an empty secret (tests)
// draws a random key that lives as long as the process.
func New(st *store.Store, secret string) (*Counter, error) {
	if st == nil {
		return nil, errors.New("attempt: store is required")
	}
	key := []byte("suratdesa attempt key:" + secret)
	if secret == "" {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("attempt: key: %w", err)
		}
	}
	return &Counter{st: st, key: key}, nil
}

// Bucket names the bucket of scope for the identifying parts (a username
// and a client address, say): the scope in clear, then a keyed hash of
// the parts, so equal parts always meet in the same bucket and the stored
// name reveals none of them.
func (c *Counter) Bucket(scope string, parts ...string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return scope + ":" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:20])
}

// Take counts one attempt under every rule, in order, and returns the
// count of each. When one refuses, the attempts already counted under the
// rules before it are taken back and the error is a *LimitError naming the
// refusing rule.
func (c *Counter) Take(ctx context.Context, rules ...Rule) ([]store.AuthAttempt, error) {
	out := make([]store.AuthAttempt, 0, len(rules))
	for i, r := range rules {
		a, err := c.st.TakeAuthAttempt(ctx, r.Bucket, r.Max, r.Window)
		if err == nil && a.OK {
			out = append(out, a)
			continue
		}
		taken := make([]string, 0, i)
		for _, done := range rules[:i] {
			taken = append(taken, done.Bucket)
		}
		if rerr := c.st.RefundAuthAttempts(ctx, taken...); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			return nil, err
		}
		return nil, &LimitError{Rule: r, Until: a.WindowEnds}
	}
	return out, nil
}

// Lockout is a limit that locks on wrong attempts only. Tries counts every
// attempt as it starts, before the check, so that parallel guesses cannot
// overtake the limit and no more than its Max are checked per window;
// Failures counts the wrong ones as they end, and only it locks. Both have
// the same Max and Window. An owner's own attempts in parallel (several
// tabs, an API client with several workers) fill Tries while their right
// secrets are still being checked: the caller tells them to retry in a
// moment (Refusal), not that they are locked out.
type Lockout struct{ Tries, Failures Rule }

// NewLockout is the Lockout of tries whose failures are counted in
// failedBucket, under the same Max and Window.
func NewLockout(tries Rule, failedBucket string) Lockout {
	failures := tries
	failures.Bucket = failedBucket
	return Lockout{Tries: tries, Failures: failures}
}

// Refusal is the answer to an attempt that l's Tries refused: lockedErr
// when the failures lock, else auth.ErrBusy, as the tries still being
// checked fill the limit (retry in a moment).
func (c *Counter) Refusal(ctx context.Context, l Lockout, lockedErr error) error {
	failed, err := c.Hits(ctx, l.Failures)
	switch {
	case err != nil:
		return err
	case failed >= l.Failures.Max:
		return lockedErr
	}
	return auth.ErrBusy
}

// Failed counts a wrong attempt, one that took a try of l first (so this
// count stays within the same Max), and says whether it used up the last.
func (c *Counter) Failed(ctx context.Context, l Lockout) (locked bool, err error) {
	failed, err := c.Take(ctx, l.Failures)
	var limit *LimitError
	if errors.As(err, &limit) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return failed[0].Hits >= l.Failures.Max, nil
}

// Forget ends the windows of the buckets: after a successful sign-in, the
// failures before it no longer count.
func (c *Counter) Forget(ctx context.Context, buckets ...string) error {
	return c.st.ForgetAuthAttempts(ctx, buckets...)
}

// Refund takes back one attempt from each bucket, for an attempt that
// turned out not to need counting (a right password under a per-address
// limit, an attempt that found the hashing slots busy).
func (c *Counter) Refund(ctx context.Context, buckets ...string) error {
	return c.st.RefundAuthAttempts(ctx, buckets...)
}

// Purge deletes the counters of windows that started more than maxWindow
// before now; maxWindow must be at least the longest window in use.
func (c *Counter) Purge(ctx context.Context, now time.Time, maxWindow time.Duration) (int64, error) {
	return c.st.PurgeAuthAttempts(ctx, now.Add(-maxWindow))
}

// Hits is the number of attempts counted in r's current window.
func (c *Counter) Hits(ctx context.Context, r Rule) (int, error) {
	return c.st.AuthAttemptHits(ctx, r.Bucket, r.Window)
}
