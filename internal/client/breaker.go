package client

import (
	"fmt"
	"sync"
	"time"
)

// breaker stops a process from sending requests to an HSS that is clearly
// unreachable: once breakerThreshold attempts in a row got no answer of any
// kind (refused, reset, timed out, unknown host), every further request
// fails at once with that cause, instead of each read waiting out its own
// retries. Every probeEvery (breakerProbeEvery, or the client's
// RetryWaitMax if shorter) one request is let through as a probe; any
// answer (even an error status) closes the breaker again.
type breaker struct {
	now        func() time.Time
	probeEvery time.Duration

	mu        sync.Mutex
	failures  int   // attempts in a row without an answer
	last      error // the last of them
	open      bool
	probing   bool
	lastProbe time.Time
}

const (
	breakerThreshold  = 3
	breakerProbeEvery = 5 * time.Second
)

// UnreachableError is a request not sent because the last attempts of this
// process got no answer from HSS at all.
type UnreachableError struct {
	Method   string
	Path     string
	Failures int   // attempts in a row without an answer
	Last     error // the last of them
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s %s: not sent: HSS is unreachable: %d requests in a row got no answer, the last: %v", e.Method, e.Path, e.Failures, e.Last)
}

func (e *UnreachableError) Unwrap() error { return e.Last }

// allow reports whether a request may be sent; when it returns false, the
// failure count and last error say why. A request allowed while the
// breaker is open is the probe and must report back.
func (b *breaker) allow() (ok bool, failures int, last error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true, 0, nil
	}
	if !b.probing && b.now().Sub(b.lastProbe) >= b.probeEvery {
		b.probing = true
		b.lastProbe = b.now()
		return true, 0, nil
	}
	return false, b.failures, b.last
}

// answered: HSS or its gateway answered, whatever the status.
func (b *breaker) answered() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.last, b.open, b.probing = 0, nil, false, false
}

// noAnswer: an attempt got no answer of any kind.
func (b *breaker) noAnswer(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.last = err
	b.probing = false
	if b.failures >= breakerThreshold && !b.open {
		b.open = true
		b.lastProbe = b.now()
	}
}

// abandoned: an allowed attempt ended without a verdict (its caller went
// away); a probe can be tried again.
func (b *breaker) abandoned() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}
