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

// TestDummyHash: no password matches a dummy hash, and verifying against it
// derives a key with the same parameters, salt length and key length as
// verifying against a real hash with the same Params, so it costs the same.
func TestDummyHash(t *testing.T) {
	dummy, err := DummyHash(fast)
	if err != nil {
		t.Fatal(err)
	}
	real, err := Hash("demo12345", fast)
	if err != nil {
		t.Fatal(err)
	}
	d, r := strings.Split(dummy, "$"), strings.Split(real, "$")
	if len(d) != 6 || len(r) != 6 || strings.Join(d[:4], "$") != strings.Join(r[:4], "$") {
		t.Fatalf("dummy %q and real %q differ in format or parameters", dummy, real)
	}
	if len(d[4]) != len(r[4]) || len(d[5]) != len(r[5]) {
		t.Errorf("salt or key length differs: dummy %q, real %q", dummy, real)
	}
	for _, pw := range []string{"", "demo12345", "000000-not-a-pin", "not a real password"} {
		if err := Verify(pw, dummy); !errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%q, dummy) = %v, want ErrMismatch", pw, err)
		}
	}
	if other, _ := DummyHash(fast); other == dummy {
		t.Error("two dummy hashes are equal")
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

func TestValidatePassword(t *testing.T) {
	related := []string{"kades", "Slamet Riyadi", "Sumberejo"}
	for _, tt := range []struct {
		pw string
		ok bool
	}{
		{"pendek", false},
		{"12345678", false},
		{"password", false},
		{"qwertyuiop", false},
		{"admin123", false},
		{"kades123", false},     // the username with digits
		{"sumberejo", false},    // the village
		{"slametriyadi", false}, // the person
		{"demo12345", true},     // the demo's, kept acceptable
		{"rahasia123", true},
		{"Kuat-Sekali-9182", true},
		{strings.Repeat("ab", 64), false}, // a repeat, however long
		{strings.Repeat("x", 129), false}, // too long
		{"kuda lari di sawah pagi 7", true},
	} {
		if got := ValidatePassword(tt.pw, related...); (got == "") != tt.ok {
			t.Errorf("ValidatePassword(%q) = %q, want ok %v", tt.pw, got, tt.ok)
		}
	}
}

// BenchmarkValidatePasswordLong is the worst case the password rule
// reads: 128 characters of varied text.
func BenchmarkValidatePasswordLong(b *testing.B) {
	pw := strings.Repeat("Ab3$xYz9", 16)
	for b.Loop() {
		ValidatePassword(pw, "kades", "Sumberejo")
	}
}

func TestSlots(t *testing.T) {
	s := NewSlots(2)
	if err := s.Acquire(); err != nil {
		t.Fatal(err)
	}
	if err := s.Acquire(); err != nil {
		t.Fatal(err)
	}
	if err := s.Acquire(); !errors.Is(err, ErrBusy) {
		t.Fatalf("third acquire of two slots: %v, want ErrBusy", err)
	}
	if _, err := s.Hash("demo12345", fast); !errors.Is(err, ErrBusy) {
		t.Fatalf("hash with no slot free: %v, want ErrBusy", err)
	}
	s.Release()
	h, err := s.Hash("demo12345", fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify("demo12345", h); err != nil {
		t.Fatal(err)
	}
	if n := SlotsFor(DefaultParams).Cap(); n < 2 {
		t.Errorf("SlotsFor gives %d slots, want at least 2", n)
	}
}
