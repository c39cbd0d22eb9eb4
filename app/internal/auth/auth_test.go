package auth

import (
	"errors"
	"strings"
	"testing"
)

var fast = Params{Time: 1, Memory: 8 * 1024, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("demo12345", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Errorf("hash %q not in PHC format", h)
	}
	if err := Verify("demo12345", h); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := Verify("demo12346", h); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: got %v, want ErrMismatch", err)
	}
	h2, _ := Hash("demo12345", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if err := Verify("x", "$2a$10$abc"); err == nil || errors.Is(err, ErrMismatch) {
		t.Errorf("malformed hash: got %v", err)
	}
}

func TestTokens(t *testing.T) {
	a, _ := NewToken(32)
	b, _ := NewToken(32)
	if a == b || len(a) != 43 {
		t.Errorf("tokens %q %q", a, b)
	}
	if TokenHash(a) == a || len(TokenHash(a)) != 64 {
		t.Error("token hash")
	}
}
