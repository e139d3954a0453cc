//go:build unix

package client

import "syscall"

// openNonBlocking keeps open(2) of a named pipe from waiting for a writer.
const openNonBlocking = syscall.O_NONBLOCK
