// Package client is the one HTTP client of the provider: endpoint
// resolution, SDK-HMAC-SHA256 or token authentication, retries and typed
// errors for the Host Security Service (HSS) container-image APIs. It has no
// Terraform imports.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Credentials hold exactly one of: Token, or AccessKey+SecretKey (with an
// optional SecurityToken for temporary keys). They never print.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
	Token         string
}

func (Credentials) String() string   { return "client.Credentials{redacted}" }
func (Credentials) GoString() string { return "client.Credentials{redacted}" }

// Validate reports a credentials set that is not exactly one auth mode.
func (c Credentials) Validate() error {
	aksk := c.AccessKey != "" || c.SecretKey != ""
	switch {
	case c.Token != "" && aksk:
		return errors.New("both a token and an access key pair are set; use exactly one")
	case c.Token != "":
		if c.SecurityToken != "" {
			return errors.New("a security token goes with an access key pair, not with a token")
		}
		return nil
	case c.AccessKey != "" && c.SecretKey != "":
		return nil
	case c.AccessKey != "":
		return errors.New("an access key is set without its secret key")
	case c.SecretKey != "":
		return errors.New("a secret key is set without its access key")
	default:
		return errors.New("no credentials are set")
	}
}

// Logger receives one debug record per HTTP attempt. Fields never hold
// credentials or header values.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL. Empty means DefaultEndpoint(region) for the
	// region of each request.
	Endpoint string
	Region   string
	// ProjectID is the project of Region. Empty, and for every other
	// region, the project is looked up in IAM once (see project.go).
	ProjectID string
	// Credentials are the base credentials, unless Metadata or OIDC give
	// them. AssumeRole, when set, assumes an agency on top of them.
	Credentials Credentials
	Metadata    *MetadataSource
	OIDC        *OIDCSource
	AssumeRole  *AssumeRole
	// AuthURL is the IAM v3 endpoint, default https://iam.{Region}.{cloud}/v3;
	// STSEndpoint the STS one, default https://sts.{Region}.{cloud}. Cloud
	// is the domain of default endpoints, default CloudDomain(Region).
	AuthURL     string
	STSEndpoint string
	Cloud       string
	// MaxRetries is how many times a retryable failure is retried.
	MaxRetries int
	// RequestTimeout bounds each HTTP attempt, from sending the request to
	// reading the whole answer (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// ReadTimeout bounds each read-only call as a whole: every attempt, the
	// waits between them and the wait for the rate limit (default
	// DefaultReadTimeout).
	ReadTimeout time.Duration
	// HTTPClient defaults to one built on NewTransport(TransportOptions{}).
	// Its own Timeout should be 0: RequestTimeout bounds each attempt.
	HTTPClient *http.Client
	UserAgent  string
	Logger     Logger
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts
	// (defaults 500ms and 30s); Retry-After is honoured up to RetryWaitMax,
	// plus up to half of it again as jitter.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now is the clock used for X-Sdk-Date; defaults to time.Now.
	Now func() time.Time
}

// Client calls HSS. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint *url.URL // nil when derived from the region
	http     *http.Client
	answers  answerMemo
	// limiter and breaker are shared by every request to HSS, and the
	// provider makes one client per process.
	limiter *limiter
	breaker breaker

	iam        *url.URL // the IAM v3 endpoint
	sts        *url.URL
	creds      *credentialCache // what requests are signed with
	sourceName string
	projects   answerMemo // region -> project id, kept for the client's lifetime
}

// Defaults.
const (
	DefaultMaxRetries     = 5
	DefaultRequestTimeout = 30 * time.Second
	DefaultReadTimeout    = 2 * time.Minute
	defaultRetryWaitMin   = 500 * time.Millisecond
	defaultRetryWaitMax   = 30 * time.Second
)

// New checks the configuration and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("region is empty")
	}
	// Default URLs are built from the region and the cloud domain: neither
	// may name another host.
	if !ValidRegion(cfg.Region) {
		return nil, fmt.Errorf("region %q is not a region id (such as cn-north-4)", cfg.Region)
	}
	if cfg.Cloud != "" && !ValidCloud(cfg.Cloud) {
		return nil, fmt.Errorf("cloud %q is not a domain name (such as myhuaweicloud.com)", cfg.Cloud)
	}
	if cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("max retries must be at least 0, got %d", cfg.MaxRetries)
	}
	if cfg.RequestTimeout < 0 || cfg.ReadTimeout < 0 {
		return nil, errors.New("timeouts must be positive")
	}
	c := &Client{cfg: cfg, http: cfg.HTTPClient}
	if cfg.Endpoint != "" {
		u, err := parseEndpoint(cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(strings.ToLower(u.Path), "/v5") {
			base := *u
			base.Path = u.Path[:len(u.Path)-len("/v5")]
			return nil, fmt.Errorf("endpoint %q ends in /v5, the API version the provider puts in front of every path (requests would go to %s/v5/...); use %q", cfg.Endpoint, u.Path, base.String())
		}
		c.endpoint = u
	}
	if c.http == nil {
		t, err := NewTransport(TransportOptions{})
		if err != nil {
			return nil, err
		}
		c.http = &http.Client{Transport: t}
	}
	if c.cfg.RequestTimeout == 0 {
		c.cfg.RequestTimeout = DefaultRequestTimeout
	}
	if c.cfg.ReadTimeout == 0 {
		c.cfg.ReadTimeout = DefaultReadTimeout
	}
	if c.cfg.RetryWaitMin <= 0 {
		c.cfg.RetryWaitMin = defaultRetryWaitMin
	}
	if c.cfg.RetryWaitMax <= 0 {
		c.cfg.RetryWaitMax = defaultRetryWaitMax
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	c.limiter = newLimiter(time.Now)
	c.breaker.now = time.Now
	c.breaker.probeEvery = min(breakerProbeEvery, c.cfg.RetryWaitMax)
	if err := c.setUpAuth(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("endpoint %q is not an absolute http(s) URL without query", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// CloudDomain is the domain of a region's endpoints: myhuaweicloud.eu for
// the regions whose name starts with eu-west-1 (eu-west-101), else
// myhuaweicloud.com.
func CloudDomain(region string) string {
	if strings.HasPrefix(region, "eu-west-1") {
		return "myhuaweicloud.eu"
	}
	return "myhuaweicloud.com"
}

// DefaultEndpoint is the public HSS endpoint of a region.
func DefaultEndpoint(region string) string {
	return "https://hss." + region + "." + CloudDomain(region)
}

func (c *Client) cloud(region string) string {
	if c.cfg.Cloud != "" {
		return c.cfg.Cloud
	}
	return CloudDomain(region)
}

// ProjectID is the configured project of the client's region; empty when
// it is looked up in IAM.
func (c *Client) ProjectID() string { return c.cfg.ProjectID }

// Region is the region requests go to unless a Scope overrides it.
func (c *Client) Region() string { return c.cfg.Region }

// TransportOptions configure NewTransport.
type TransportOptions struct {
	Insecure bool   // skip TLS verification
	CACert   []byte // extra PEM CA certificates
}

// NewTransport returns the keep-alive transport a provider process shares:
// proxy from the environment, TLS 1.2 at least.
func NewTransport(o TransportOptions) (*http.Transport, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.Insecure} //nolint:gosec // opt-in, for self-signed test endpoints
	if len(o.CACert) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(o.CACert) {
			return nil, errors.New("the CA bundle holds no PEM certificate")
		}
		tlsConfig.RootCAs = pool
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           guardedDial(&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}),
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}, nil
}

// Scope is what varies per call: the region (header and default endpoint)
// and the enterprise project (query parameter). Empty fields mean the
// client's region and no enterprise_project_id parameter.
type Scope struct {
	Region              string
	EnterpriseProjectID string
}

type request struct {
	method   string
	segments []string // path after the base, decoded; project id included
	query    []param
	body     []byte // JSON, nil for none
	scope    Scope
	retry    retryMode

	// IAM, STS and metadata calls: an absolute endpoint instead of HSS's,
	// no Region or X-Project-Id header, and extra (signed) headers.
	base   *url.URL
	header map[string]string
	// signWith signs with these credentials instead of the client's
	// current ones; unsigned sends no credentials at all.
	signWith *Credentials
	unsigned bool
	// credGen is the generation of the client's credentials the last
	// attempt was signed with, for resignIn.
	credGen uint64

	project string // the project the placeholder segment resolved to
}

// projectSegment stands for the project id of the request's region until
// newHTTPRequest resolves it.
const projectSegment = "\x00{project_id}"

func (c *Client) projectPath(segments ...string) []string {
	return append([]string{"v5", projectSegment}, segments...)
}

// path is the path a request is sent to, as errors and logs show it: an
// HSS endpoint's base path included.
func (c *Client) path(r *request) string {
	if r.base == nil && c.endpoint != nil {
		return c.endpoint.Path + r.displayPath()
	}
	return r.displayPath()
}

// displayPath is the path after the base URL.
func (r *request) displayPath() string {
	if r.base != nil {
		return strings.TrimSuffix(r.base.Path, "/") + escapedPath(r.segments)
	}
	segments := r.segments
	if i := slices.Index(segments, projectSegment); i >= 0 {
		segments = slices.Clone(segments)
		segments[i] = r.project
		if r.project == "" {
			return strings.Replace(escapedPath(segments), "//", "/{project_id}/", 1)
		}
	}
	return escapedPath(segments)
}

func (c *Client) baseURL(region string) (*url.URL, error) {
	if c.endpoint != nil {
		u := *c.endpoint
		return &u, nil
	}
	if !ValidRegion(region) { // never let a region name another host
		return nil, fmt.Errorf("region %q is not a region id (such as cn-north-4)", region)
	}
	return parseEndpoint("https://hss." + region + "." + c.cloud(region))
}

// newHTTPRequest builds and signs one attempt. Signing again on every
// attempt keeps X-Sdk-Date fresh.
func (c *Client) newHTTPRequest(ctx context.Context, r *request) (*http.Request, error) {
	region := r.scope.Region
	if region == "" {
		region = c.cfg.Region
	}
	var u *url.URL
	var err error
	if r.base != nil {
		base := *r.base
		u = &base
	} else if u, err = c.baseURL(region); err != nil {
		return nil, err
	}
	segments := r.segments
	if i := slices.Index(segments, projectSegment); i >= 0 {
		if r.project == "" {
			if r.project, err = c.Project(ctx, region); err != nil {
				return nil, err
			}
		}
		segments = slices.Clone(segments)
		segments[i] = r.project
	}
	if u.Path != "" { // an endpoint with a base path
		segments = append(strings.Split(strings.TrimPrefix(u.Path, "/"), "/"), segments...)
	}
	query := r.query
	if r.scope.EnterpriseProjectID != "" {
		query = append(append([]param(nil), query...), param{"enterprise_project_id", r.scope.EnterpriseProjectID})
	}
	u.RawPath = escapedPath(segments)
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = canonicalQuery(query)

	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.URL = u // the escaped path and canonical query, exactly as signed

	signed := map[string]string{"Host": u.Host}
	if r.base == nil {
		signed["Region"] = region
		if r.project != "" {
			signed["X-Project-Id"] = r.project
		}
	}
	maps.Copy(signed, r.header)
	if !r.unsigned {
		// The current credentials for every attempt: temporary ones may
		// have been refreshed since the last.
		var creds Credentials
		if r.signWith != nil {
			creds = *r.signWith
		} else if creds, r.credGen, err = c.signingCredentials(ctx); err != nil {
			return nil, err
		}
		if creds.Token != "" {
			signed["X-Auth-Token"] = creds.Token
		} else {
			if creds.SecurityToken != "" {
				signed["X-Security-Token"] = creds.SecurityToken
			}
			signed["Authorization"] = signRequest(creds.AccessKey, creds.SecretKey, r.method, segments, u.RawQuery, signed, r.body, c.cfg.Now())
		}
	}
	for k, v := range signed {
		if k == "Host" {
			continue
		}
		if !validHeaderValue(v) {
			// Values are not printed: some are credentials.
			return nil, fmt.Errorf("not sent: the %s header would hold a control character or leading or trailing white space; check the provider's and the data source's arguments", k)
		}
		req.Header.Set(k, v)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	return req, nil
}

func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(ctx, msg, fields)
	}
}

// validHeaderValue: no control characters, no white space at either end.
func validHeaderValue(v string) bool {
	if strings.TrimSpace(v) != v {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return false
		}
	}
	return true
}

// do sends r, retrying as its retry mode allows, and returns a 2xx response
// whose body the caller must close. Every other outcome is an error:
// *APIError when HSS (or its gateway) answered with an error,
// *TransportError when it did not answer, *UnreachableError when earlier
// requests found it unreachable, the context's error otherwise.
//
// Each attempt waits for the client's rate limit, then gets RequestTimeout;
// a read as a whole gets ReadTimeout.
func (c *Client) do(ctx context.Context, r *request) (*http.Response, error) {
	hss := r.base == nil // IAM and STS calls are few and not HSS's quota
	opCtx, cancelOp := ctx, context.CancelFunc(func() {})
	if r.retry == retryRead {
		opCtx, cancelOp = context.WithTimeoutCause(ctx, c.cfg.ReadTimeout, &TimeoutError{Bound: boundRead, After: c.cfg.ReadTimeout})
	}
	signedInAgain := false // after a 401: at most once per call, never a loop
	for attempt := 1; ; attempt++ {
		sentAt := time.Now()
		if hss {
			var err error
			if sentAt, err = c.limiter.wait(opCtx); err != nil {
				cancelOp()
				return nil, fmt.Errorf("%s %s: not sent: %w", r.method, c.path(r), err)
			}
			if ok, failures, last := c.breaker.allow(); !ok {
				cancelOp()
				return nil, &UnreachableError{Method: r.method, Path: c.path(r), Failures: failures, Last: last}
			}
		}
		attemptCtx, cancelAttempt := context.WithTimeoutCause(opCtx, c.cfg.RequestTimeout, &TimeoutError{Bound: boundRequest, After: c.cfg.RequestTimeout})
		req, err := c.newHTTPRequest(attemptCtx, r)
		if err != nil {
			cancelAttempt()
			cancelOp()
			if hss {
				c.breaker.abandoned()
			}
			return nil, err
		}
		path := c.path(r) // the project is resolved now
		start := time.Now()
		resp, err := c.http.Do(req)
		fields := map[string]any{
			"method":      r.method,
			"path":        path,
			"attempt":     attempt,
			"duration_ms": time.Since(start).Milliseconds(),
		}
		if err != nil {
			cancelAttempt()
			if ctx.Err() != nil { // the caller went away
				cancelOp()
				if hss {
					c.breaker.abandoned()
				}
				return nil, &TransportError{Method: r.method, Path: path, Attempts: attempt, Err: err}
			}
			var timeout *TimeoutError
			if errors.As(context.Cause(attemptCtx), &timeout) {
				err = timeout // clearer than the transport's "context deadline exceeded"
			}
			fields["error"] = err.Error()
			c.debug(ctx, "HSS request got no answer", fields)
			if hss {
				c.breaker.noAnswer(err)
			}
			te := &TransportError{Method: r.method, Path: path, Attempts: attempt, Err: err}
			if attempt > c.cfg.MaxRetries || !retryableTransportError(err, r.retry) || timeout != nil && timeout.Bound == boundRead {
				cancelOp()
				return nil, te
			}
			if werr := c.pause(opCtx, c.backoff(attempt), fields); werr != nil {
				cancelOp()
				te.Err = fmt.Errorf("%w; not retried: %w", err, werr)
				return nil, te
			}
			continue
		}
		fields["status"] = resp.StatusCode
		fields["request_id"] = resp.Header.Get("X-Request-Id")
		c.debug(ctx, "HSS request", fields)
		if hss {
			c.breaker.answered()
			if resp.StatusCode == http.StatusTooManyRequests {
				c.limiter.throttled(sentAt)
			} else {
				c.limiter.succeeded(sentAt)
			}
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancelAttempt(); cancelOp() }}
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancelAttempt()
		apiErr := newAPIError(resp, body, r.method, path)
		if resp.StatusCode == http.StatusUnauthorized && !signedInAgain && c.resignIn(r, apiErr) {
			// Temporary keys that stopped working (revoked, expired
			// early): the next attempt signs in again, once, at once.
			// A second 401 is the answer.
			signedInAgain = true
			c.debug(ctx, "HSS request refused (401): signing in again and sending it once more", fields)
			continue
		}
		if attempt > c.cfg.MaxRetries || !retryableStatus(resp.StatusCode, r.retry) {
			cancelOp()
			return nil, apiErr
		}
		delay := c.backoff(attempt)
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			delay = c.afterRetryAfter(ra)
		}
		if werr := c.pause(opCtx, delay, fields); werr != nil {
			cancelOp()
			return nil, fmt.Errorf("%w; not retried: %w", apiErr, werr)
		}
	}
}

// pause waits d before the next attempt, or until ctx ends.
func (c *Client) pause(ctx context.Context, d time.Duration, fields map[string]any) error {
	retry := maps.Clone(fields) // the request's own record is already logged
	retry["retry_in_ms"] = d.Milliseconds()
	c.debug(ctx, "HSS request will be retried", retry)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// cancelOnClose ends a request's contexts when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
