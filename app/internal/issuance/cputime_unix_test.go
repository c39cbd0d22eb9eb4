//go:build unix

package issuance_test

import (
	"syscall"
	"time"
)

// processCPU is the user and system CPU time the test process has used: a
// benchmark figure that other programs on a busy machine do not inflate the
// way they do wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
