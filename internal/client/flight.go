package client

import (
	"context"
	"errors"
	"sync"
)

// group coalesces identical reads: callers asking the same question while
// one request is under way share its answer, and a successful answer is kept
// for the client's lifetime, so that one plan (one provider process, one
// configured client) sees one consistent number per question and asks HSS
// once. A failure is shared with the callers waiting for it, so a failing
// HSS is asked once too, but it is not kept.
type group struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

func (g *group) do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		if errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded) {
			// The leader's caller went away; this caller did not.
			return g.do(key, fn)
		}
		return c.val, c.err
	}
	if g.calls == nil {
		g.calls = map[string]*call{}
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()

	c.val, c.err = fn()

	if c.err != nil {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
	}
	close(c.done)
	return c.val, c.err
}
