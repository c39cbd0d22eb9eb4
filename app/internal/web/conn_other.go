//go:build !linux

package web

import "syscall"

// cork does nothing where TCP_CORK is not available: the page is then
// written as net/http writes it.
func cork(syscall.RawConn, bool) bool { return false }
