package client

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A credentialSource obtains one set of credentials and says until when they
// are valid (zero: for ever).
type credentialSource interface {
	retrieve(ctx context.Context) (Credentials, time.Time, error)
}

type staticSource struct{ creds Credentials }

func (s staticSource) retrieve(context.Context) (Credentials, time.Time, error) {
	return s.creds, time.Time{}, nil
}

// MaxRefreshMargin is how long before they expire temporary credentials are
// replaced at most (the official SDK's 10 minutes). Short-lived credentials
// are replaced when a third of their lifetime is left.
const MaxRefreshMargin = 10 * time.Minute

// credentialCache hands out the source's credentials and fetches new ones
// when the current ones are about to expire: once for every caller, however
// many are waiting. A failed refresh keeps the current credentials while
// they are still valid; otherwise the failure is shared with the callers
// waiting for it and not kept, so the next caller tries again.
type credentialCache struct {
	source credentialSource
	now    func() time.Time

	mu        sync.Mutex
	creds     Credentials
	refreshAt time.Time // zero with creds set: never
	expiresAt time.Time
	valid     bool
	inflight  *credentialFetch
}

type credentialFetch struct {
	done  chan struct{}
	creds Credentials
	err   error
}

func newCredentialCache(source credentialSource, now func() time.Time) *credentialCache {
	return &credentialCache{source: source, now: now}
}

// get returns credentials valid for at least the refresh margin.
func (c *credentialCache) get(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	if c.valid && (c.refreshAt.IsZero() || c.now().Before(c.refreshAt)) {
		creds := c.creds
		c.mu.Unlock()
		return creds, nil
	}
	f := c.inflight
	if f == nil {
		f = &credentialFetch{done: make(chan struct{})}
		c.inflight = f
		go c.fetch(f) // detached: one caller going away must not fail the others
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.creds, f.err
	case <-ctx.Done():
		return Credentials{}, ctx.Err()
	}
}

// fetchTimeout bounds one fetch, which runs detached from its callers.
const fetchTimeout = 2 * time.Minute

func (c *credentialCache) fetch(f *credentialFetch) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	obtained := c.now()
	creds, expires, err := c.source.retrieve(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight = nil
	if err != nil {
		now := c.now()
		if c.valid && !c.expiresAt.IsZero() && now.Before(c.expiresAt) {
			// A failed refresh while the current keys still work: keep
			// them, and try again a little later, not on every request.
			c.refreshAt = now.Add(min(c.expiresAt.Sub(now)/4, 30*time.Second))
			f.creds = c.creds
		} else {
			f.err = err
		}
		close(f.done)
		return
	}
	c.creds, c.valid, c.expiresAt = creds, true, expires
	c.refreshAt = time.Time{}
	if !expires.IsZero() {
		margin := min(expires.Sub(obtained)/3, MaxRefreshMargin)
		c.refreshAt = expires.Add(-margin)
	}
	f.creds = creds
	close(f.done)
}

// currentCredentials are the credentials the next attempt is signed with.
func (c *Client) currentCredentials(ctx context.Context) (Credentials, error) {
	creds, err := c.creds.get(ctx)
	if err != nil {
		var ce *CredentialError
		if errors.As(err, &ce) || ctx.Err() != nil {
			return Credentials{}, err
		}
		return Credentials{}, &CredentialError{Source: c.sourceName, Err: err}
	}
	return creds, nil
}

// CredentialError is a failure to obtain credentials from a source.
type CredentialError struct {
	Source string // such as "ECS metadata" or "agency (STS)"
	Err    error
}

func (e *CredentialError) Error() string {
	return "obtaining credentials from " + e.Source + ": " + e.Err.Error()
}

func (e *CredentialError) Unwrap() error { return e.Err }

// CheckCredentials obtains the client's current credentials now, so that a
// configuration that cannot sign in fails before any read. It returns
// nothing: credentials stay inside the client.
func (c *Client) CheckCredentials(ctx context.Context) error {
	_, err := c.currentCredentials(ctx)
	return err
}
