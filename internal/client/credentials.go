package client

import (
	"context"
	"errors"
	"strings"
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
// waiting for it and not kept, so the next caller tries again. Keys that
// arrive expired, or so close to expiring that they would be replaced at
// once, are a failed fetch (ExpiredCredentialsError), never handed out.
type credentialCache struct {
	// name is the source as errors show it; empty for the client's own
	// (top) cache, which CredentialError names already.
	name   string
	source credentialSource
	now    func() time.Time
	// renewable: fetching again can give other credentials. Configured
	// keys and tokens are what they are.
	renewable bool

	mu        sync.Mutex
	creds     Credentials
	refreshAt time.Time // zero with creds set: never
	expiresAt time.Time
	valid     bool
	gen       uint64 // counts the credentials stored, so a refusal names the set it refused
	inflight  *credentialFetch
}

type credentialFetch struct {
	done  chan struct{}
	creds Credentials
	gen   uint64
	err   error
}

func newCredentialCache(name string, source credentialSource, now func() time.Time) *credentialCache {
	_, static := source.(staticSource)
	return &credentialCache{name: name, source: source, now: now, renewable: !static}
}

// get returns credentials valid for at least the refresh margin.
func (c *credentialCache) get(ctx context.Context) (Credentials, error) {
	creds, _, err := c.current(ctx)
	return creds, err
}

// current is get, with the generation of the credentials returned.
func (c *credentialCache) current(ctx context.Context) (Credentials, uint64, error) {
	c.mu.Lock()
	if c.valid && (c.refreshAt.IsZero() || c.now().Before(c.refreshAt)) {
		creds, gen := c.creds, c.gen
		c.mu.Unlock()
		return creds, gen, nil
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
		return f.creds, f.gen, f.err
	case <-ctx.Done():
		return Credentials{}, 0, ctx.Err()
	}
}

// invalidate drops the credentials of generation gen, which a server has
// refused (401), so that the next get signs in again: once, however many
// requests the same set failed, since a set already dropped or replaced is
// left alone. It reports whether signing in again can give other
// credentials at all: never for configured keys or a token.
func (c *credentialCache) invalidate(gen uint64) bool {
	if !c.renewable {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.gen == gen {
		c.valid = false
	}
	return true
}

// fetchTimeout bounds one fetch, which runs detached from its callers.
const fetchTimeout = 2 * time.Minute

func (c *credentialCache) fetch(f *credentialFetch) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	obtained := c.now()
	creds, expires, err := c.source.retrieve(ctx)
	now := c.now()
	if err == nil {
		err = checkFresh(c.name, expires, obtained, now)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight = nil
	if err != nil {
		if c.valid && !c.expiresAt.IsZero() && now.Before(c.expiresAt) {
			// A failed refresh while the current keys still work: keep
			// them, and try again a little later, not on every request.
			c.refreshAt = now.Add(min(c.expiresAt.Sub(now)/4, 30*time.Second))
			f.creds, f.gen = c.creds, c.gen
		} else {
			f.err = err
		}
		close(f.done)
		return
	}
	c.creds, c.valid, c.expiresAt = creds, true, expires
	c.gen++
	c.refreshAt = time.Time{}
	if !expires.IsZero() {
		c.refreshAt = refreshPoint(expires, obtained)
	}
	f.creds, f.gen = creds, c.gen
	close(f.done)
}

// refreshPoint is when keys obtained at obtained and expiring at expires
// are replaced: when a third of their lifetime, at most MaxRefreshMargin,
// is left.
func refreshPoint(expires, obtained time.Time) time.Time {
	return expires.Add(-min(expires.Sub(obtained)/3, MaxRefreshMargin))
}

// checkFresh refuses temporary keys that expire (zero: never) no later
// than now, or so soon that they are due to be replaced already: signing
// with them could only earn a 401, and handing them out would make every
// request fetch again.
func checkFresh(source string, expires, obtained, now time.Time) error {
	if expires.IsZero() || expires.After(now) && refreshPoint(expires, obtained).After(now) {
		return nil
	}
	return &ExpiredCredentialsError{Source: source, ExpiresAt: expires, Now: now}
}

// ExpiredCredentialsError is temporary keys that had expired, or were about
// to, when they arrived. They are refused; the next request asks again.
type ExpiredCredentialsError struct {
	Source    string // empty: the source CredentialError names
	ExpiresAt time.Time
	Now       time.Time // by this machine's clock
}

func (e *ExpiredCredentialsError) Error() string {
	from := "the temporary keys"
	if e.Source != "" {
		from += " from " + e.Source
	}
	exp, now := e.ExpiresAt.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339)
	what := from + " expired at " + exp + ", before now (" + now + " by this machine's clock)"
	if e.ExpiresAt.After(e.Now) {
		what = from + " expire at " + exp + ", so soon after now (" + now + " by this machine's clock) that they are due to be replaced already"
	}
	return what + ": refused. Either the source hands out stale keys, or this machine's clock is wrong (check it against NTP)"
}

// resignIn decides what a 401 on an attempt of r means: when r was signed
// with the client's renewable credentials, they are dropped so that the
// next attempt signs in again, and it reports true: r may be sent once
// more. Reads are sent again after any 401. A request that changes
// something only after the API gateway's own 401 (error code APIGW.*):
// the gateway authenticates before it forwards anything, so HSS never saw
// the request. A 401 from behind the gateway may come after HSS acted.
func (c *Client) resignIn(r *request, e *APIError) bool {
	if r.signWith != nil || r.unsigned {
		return false
	}
	if r.retry != retryRead && !strings.HasPrefix(e.Code, "APIGW.") {
		return false
	}
	return c.creds.invalidate(r.credGen)
}

// currentCredentials are the credentials the next attempt is signed with.
func (c *Client) currentCredentials(ctx context.Context) (Credentials, error) {
	creds, _, err := c.signingCredentials(ctx)
	return creds, err
}

// signingCredentials is currentCredentials with their generation, which
// a 401 hands back to invalidate.
func (c *Client) signingCredentials(ctx context.Context) (Credentials, uint64, error) {
	creds, gen, err := c.creds.current(ctx)
	if err != nil {
		var ce *CredentialError
		if errors.As(err, &ce) || ctx.Err() != nil {
			return Credentials{}, 0, err
		}
		return Credentials{}, 0, &CredentialError{Source: c.sourceName, Err: err}
	}
	return creds, gen, nil
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
