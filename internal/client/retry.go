package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryMode says which failures a request may be retried after. The zero
// value is the safe one for a request that changes something: a request
// that forgets to choose is never sent twice once HSS may have seen it.
type retryMode int

const (
	// retryUnsent, the zero value: retried only where HSS cannot have
	// acted on the request: 429 (the gateway refused it), a refused
	// connection, an unknown host.
	retryUnsent retryMode = iota
	// retryRead: the request only reads, so repeating it changes nothing;
	// also retried after 500, 502, 503, 504 and any failure before an
	// answer (reset, timeout). Every read opts in explicitly.
	retryRead
)

// retryableStatus: 429 always (the gateway refused before the service
// acted); 500, 502, 503 and 504 only for reads.
func retryableStatus(status int, mode retryMode) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return mode == retryRead
	}
	return false
}

// retryableTransportError: a request that may have reached the server is
// repeated only if it is a read; one that cannot have (refused connection,
// unknown host) always may be. Certificate errors never heal.
func retryableTransportError(err error, mode retryMode) bool {
	if neverHeals(err) {
		return false
	}
	if notSent(err) {
		return true
	}
	return mode == retryRead
}

func neverHeals(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr)
}

// notSent: the request cannot have reached HSS.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr)
}

// backoff is exponential with full jitter: a random wait in
// [min, min*2^(attempt-1)], capped at max.
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.cfg.RetryWaitMin << min(attempt-1, 16)
	if ceiling <= 0 || ceiling > c.cfg.RetryWaitMax {
		ceiling = c.cfg.RetryWaitMax
	}
	if ceiling <= c.cfg.RetryWaitMin {
		return ceiling
	}
	return c.cfg.RetryWaitMin + rand.N(ceiling-c.cfg.RetryWaitMin+1) //nolint:gosec // jitter, not security
}

// afterRetryAfter is the wait a Retry-After of ra asks for, capped at
// RetryWaitMax, plus a random part of up to half of it (at least up to
// RetryWaitMin): requests throttled together do not all come back at the
// same instant.
func (c *Client) afterRetryAfter(ra time.Duration) time.Duration {
	d := min(ra, c.cfg.RetryWaitMax)
	return d + rand.N(max(d/2, c.cfg.RetryWaitMin)+1) //nolint:gosec // jitter, not security
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(time.Hour/time.Second) {
			secs = int64(time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
