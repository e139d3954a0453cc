package client

import (
	"context"
	"errors"
	"sync"
)

// answerMemo keeps the answers to identical reads for the client's lifetime,
// so that one plan (one provider process, one configured client) sees one
// consistent number per question and asks HSS once. Callers asking a
// question while it is being asked wait for that answer. A failure is shared
// with the callers waiting for it, so a failing HSS is asked once too, but
// it is not kept: the next caller asks again.
type answerMemo struct {
	mu      sync.Mutex
	answers map[string]*answer
}

type answer struct {
	done chan struct{}
	val  any
	err  error
}

// get returns the answer kept under key, or the one fetch gives.
func (m *answerMemo) get(key string, fetch func() (any, error)) (any, error) {
	m.mu.Lock()
	if a, ok := m.answers[key]; ok {
		m.mu.Unlock()
		<-a.done
		if errors.Is(a.err, context.Canceled) || errors.Is(a.err, context.DeadlineExceeded) {
			// The asking caller went away; this caller did not.
			return m.get(key, fetch)
		}
		return a.val, a.err
	}
	if m.answers == nil {
		m.answers = map[string]*answer{}
	}
	a := &answer{done: make(chan struct{})}
	m.answers[key] = a
	m.mu.Unlock()

	a.val, a.err = fetch()

	if a.err != nil {
		m.mu.Lock()
		delete(m.answers, key)
		m.mu.Unlock()
	}
	close(a.done)
	return a.val, a.err
}

// refresh asks fetch again whatever is kept under key, and keeps its
// answer in place of the old one: a poll that waits for HSS to change
// must see the change, and later reads see the newer answer. Callers
// already waiting for an answer in flight get that answer. A failure
// keeps what was kept.
func (m *answerMemo) refresh(key string, fetch func() (any, error)) (any, error) {
	val, err := fetch()
	if err != nil {
		return nil, err
	}
	a := &answer{done: make(chan struct{}), val: val}
	close(a.done)
	m.mu.Lock()
	if m.answers == nil {
		m.answers = map[string]*answer{}
	}
	m.answers[key] = a
	m.mu.Unlock()
	return val, nil
}
