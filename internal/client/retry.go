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

// retryableStatus: 429 always (the gateway refused before the service
// acted); 502, 503 and 504 only for requests that are safe to repeat.
func retryableStatus(status int, mode retryMode) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return mode == retrySafe
	}
	return false
}

// retryableTransportError: a request that may have reached the server is
// repeated only if it is safe to repeat; one that cannot have (refused
// connection, unknown host) always may be. Certificate errors never heal.
func retryableTransportError(err error, mode retryMode) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	return mode == retrySafe
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
