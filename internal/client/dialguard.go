package client

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// A DialGuard is asked about every connection the client opens (to HSS,
// IAM, STS and the metadata service, through NewTransport's dialer or the
// metadata client's), with the address as it is about to be dialled:
// before a name is resolved or any packet is sent. An error refuses the
// connection. Production code sets none; tests set one that keeps every
// connection on loopback (LoopbackGuard).
type DialGuard func(network, address string) error

var dialGuard atomic.Pointer[DialGuard]

// SetDialGuard makes g the guard of every dial from now on (nil for
// none) and returns a function that puts the previous guard back.
func SetDialGuard(g DialGuard) (restore func()) {
	var p *DialGuard
	if g != nil {
		p = &g
	}
	old := dialGuard.Swap(p)
	return func() { dialGuard.Store(old) }
}

// guardedDial is d.DialContext behind the dial guard.
func guardedDial(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if g := dialGuard.Load(); g != nil {
			if err := (*g)(network, address); err != nil {
				return nil, err
			}
		}
		return d.DialContext(ctx, network, address)
	}
}

// LoopbackGuard is a DialGuard for tests: it lets through dials to
// loopback addresses (127.0.0.0/8, ::1, or the name localhost) and refuses
// every other one before it is resolved or sent, recording it so that the
// test run can fail even where the refusal itself was taken for an
// ordinary network error.
type LoopbackGuard struct {
	mu      sync.Mutex
	refused []string
}

// Check is the DialGuard.
func (g *LoopbackGuard) Check(network, address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	g.mu.Lock()
	g.refused = append(g.refused, network+" "+address)
	g.mu.Unlock()
	return fmt.Errorf("not dialled: %s %s is not a loopback address, and tests never leave loopback", network, address)
}

// Refused lists the dials refused so far.
func (g *LoopbackGuard) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}
