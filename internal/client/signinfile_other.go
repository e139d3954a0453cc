//go:build !unix

package client

// openNonBlocking: outside Unix, a path cannot name a pipe that blocks open.
const openNonBlocking = 0
