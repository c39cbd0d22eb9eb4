package auth

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// ErrBusy means every hashing slot is taken: the caller should answer at
// once that the server is busy (429 with Retry-After) rather than queue,
// since queued requests would hold their memory while waiting.
var ErrBusy = errors.New("auth: all password hashing slots are busy")

// Slots bounds how many Argon2id derivations (password and PIN checks,
// new hashes, signing-key unlocks) run at once, so that parallel logins
// cannot exhaust memory: each derivation holds its Memory parameter
// (64 MiB by default) while it runs. A nil *Slots bounds nothing.
type Slots struct{ c chan struct{} }

// NewSlots returns n slots (at least 1).
func NewSlots(n int) *Slots { return &Slots{c: make(chan struct{}, max(1, n))} }

// SlotsFor sizes the slots from the memory the process may use for
// hashing: max(2, min(NumCPU, budget/memory)), where budget is half of
// GOMEMLIMIT when set, else a quarter of the machine's (or cgroup's)
// memory, and memory is p.Memory. With 2 CPUs that is 2 slots, 128 MiB:
// each derivation already keeps p.Threads cores busy, so more slots would
// only queue inside the CPU while holding their memory.
func SlotsFor(p Params) *Slots {
	per := int64(p.Memory) * 1024
	if per <= 0 {
		per = 64 << 20
	}
	return NewSlots(max(2, min(runtime.NumCPU(), int(hashBudget()/per))))
}

// hashBudget is the memory hashing may use, in bytes.
func hashBudget() int64 {
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < 1<<62 {
		return lim / 2
	}
	total := memTotal()
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	if total == 0 {
		return 512 << 20
	}
	return total / 4
}

// memTotal is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if fields := bytes.Fields(sc.Bytes()); len(fields) >= 2 && string(fields[0]) == "MemTotal:" {
			if kb, err = strconv.ParseInt(string(fields[1]), 10, 64); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// Cap is the number of slots.
func (s *Slots) Cap() int {
	if s == nil {
		return 0
	}
	return cap(s.c)
}

// Acquire takes a slot without waiting, or returns ErrBusy. Every
// successful Acquire must be followed by one Release.
func (s *Slots) Acquire() error {
	if s == nil {
		return nil
	}
	select {
	case s.c <- struct{}{}:
		return nil
	default:
		return ErrBusy
	}
}

// Release gives back a slot taken by Acquire.
func (s *Slots) Release() {
	if s != nil {
		<-s.c
	}
}

// Verify is the package's Verify inside a slot: ErrBusy when none is free.
func (s *Slots) Verify(password, encoded string) error {
	if err := s.Acquire(); err != nil {
		return err
	}
	defer s.Release()
	return Verify(password, encoded)
}

// Hash is the package's Hash inside a slot: ErrBusy when none is free.
func (s *Slots) Hash(password string, p Params) (string, error) {
	if err := s.Acquire(); err != nil {
		return "", err
	}
	defer s.Release()
	return Hash(password, p)
}
