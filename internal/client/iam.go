package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AssumeRole assumes an IAM agency with the base credentials: by domain
// name through IAM (POST /v3.0/OS-CREDENTIAL/securitytokens), by domain id
// through STS (POST /v5/agencies/assume). Exactly one of DomainName and
// DomainID is set.
type AssumeRole struct {
	AgencyName string
	DomainName string
	DomainID   string
	Duration   time.Duration // default DefaultAgencyDuration
}

// OIDCSource exchanges an OpenID Connect id token (a CI system's) for an
// unscoped IAM token, that token for temporary keys, and those for the
// agency AgencyName of domain DomainID. IDTokenFile is read again on every
// refresh; IDToken is used when it is empty.
type OIDCSource struct {
	IdpID       string
	IDToken     string
	IDTokenFile string
	AgencyName  string
	DomainID    string
	Duration    time.Duration // default DefaultAgencyDuration
}

// MetadataSource reads the temporary keys of the agency attached to an ECS
// instance from its metadata service.
type MetadataSource struct {
	Endpoint string        // default DefaultMetadataEndpoint
	Timeout  time.Duration // per request, default DefaultMetadataTimeout
}

// Defaults of the credential sources.
const (
	DefaultAgencyDuration   = time.Hour
	DefaultMetadataEndpoint = "http://169.254.169.254"
	DefaultMetadataTimeout  = 2 * time.Second
	agencySessionName       = "terraform-provider-hss"
)

// setUpAuth resolves the IAM and STS endpoints and builds the credential
// chain: base credentials, then an agency on top.
func (c *Client) setUpAuth() error {
	region, cloud := c.cfg.Region, c.cloud(c.cfg.Region)
	authURL := c.cfg.AuthURL
	if authURL == "" {
		authURL = "https://iam." + region + "." + cloud + "/v3"
	}
	var err error
	if c.iam, err = parseEndpoint(authURL); err != nil {
		return fmt.Errorf("auth_url: %w", err)
	}
	stsURL := c.cfg.STSEndpoint
	if stsURL == "" {
		stsURL = "https://sts." + region + "." + cloud
	}
	if c.sts, err = parseEndpoint(stsURL); err != nil {
		return fmt.Errorf("sts endpoint: %w", err)
	}

	var base credentialSource
	switch {
	case c.cfg.Metadata != nil:
		m := *c.cfg.Metadata
		if m.Endpoint == "" {
			m.Endpoint = DefaultMetadataEndpoint
		}
		if m.Timeout <= 0 {
			m.Timeout = DefaultMetadataTimeout
		}
		u, err := parseEndpoint(m.Endpoint)
		if err != nil {
			return fmt.Errorf("metadata endpoint: %w", err)
		}
		base, c.sourceName = &metadataSource{c: c, endpoint: u, timeout: m.Timeout}, "the ECS metadata service ("+u.String()+")"
	case c.cfg.OIDC != nil:
		o := *c.cfg.OIDC
		switch {
		case o.IdpID == "" || o.AgencyName == "" || o.DomainID == "":
			return errors.New("OIDC needs an identity provider id, an agency name and a domain id")
		case o.IDToken == "" && o.IDTokenFile == "":
			return errors.New("OIDC needs an id token or an id token file")
		}
		if o.Duration == 0 {
			o.Duration = DefaultAgencyDuration
		}
		base, c.sourceName = &oidcSource{c: c, cfg: o}, "OIDC identity provider "+o.IdpID
	default:
		if err := c.cfg.Credentials.Validate(); err != nil {
			return err
		}
		base, c.sourceName = staticSource{c.cfg.Credentials}, "the configured credentials"
	}
	baseCache := newCredentialCache("", base, c.cfg.Now)
	c.creds = baseCache
	if ar := c.cfg.AssumeRole; ar != nil {
		a := *ar
		if a.AgencyName == "" || (a.DomainName == "") == (a.DomainID == "") {
			return errors.New("assuming an agency needs an agency name and exactly one of a domain name and a domain id")
		}
		if a.Duration == 0 {
			a.Duration = DefaultAgencyDuration
		}
		if a.DomainID != "" && c.cfg.Metadata == nil && c.cfg.OIDC == nil && c.cfg.Credentials.Token != "" {
			return errors.New("assuming an agency by domain id (STS) needs access keys; with a token, give the domain name instead")
		}
		baseCache.name = c.sourceName // under the agency's name, errors say where they came from
		c.creds = newCredentialCache("", &agencySource{c: c, base: baseCache, cfg: a}, c.cfg.Now)
		c.sourceName = "agency " + a.AgencyName
	}
	return nil
}

// iamRoot is the IAM host without the /v3 path, where the v3.0 APIs live.
func (c *Client) iamRoot() *url.URL {
	u := *c.iam
	u.Path = strings.TrimSuffix(u.Path, "/v3")
	return &u
}

type agencySource struct {
	c    *Client
	base *credentialCache
	cfg  AssumeRole
}

func (s *agencySource) retrieve(ctx context.Context) (Credentials, time.Time, error) {
	base, err := s.base.get(ctx)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if s.cfg.DomainID != "" {
		return s.c.stsAssume(ctx, base, s.cfg.AgencyName, s.cfg.DomainID, s.cfg.Duration)
	}
	body := map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"assume_role"},
		"assume_role": map[string]any{
			"agency_name":      s.cfg.AgencyName,
			"domain_name":      s.cfg.DomainName,
			"duration_seconds": int64(s.cfg.Duration / time.Second),
		},
	}}}
	return s.c.securityToken(ctx, base, body)
}

type oidcSource struct {
	c   *Client
	cfg OIDCSource
}

func (s *oidcSource) retrieve(ctx context.Context) (Credentials, time.Time, error) {
	idToken := s.cfg.IDToken
	if s.cfg.IDTokenFile != "" {
		// Read again on every sign-in and refresh, with the same checks.
		b, err := readSignInFile("the id token file", s.cfg.IDTokenFile, MaxIDTokenFileSize)
		if err != nil {
			return Credentials{}, time.Time{}, err
		}
		idToken = strings.TrimSpace(string(b))
		if idToken == "" {
			return Credentials{}, time.Time{}, fmt.Errorf("the id token file %s is empty", s.cfg.IDTokenFile)
		}
	}
	// 1. id token -> unscoped IAM token (X-Subject-Token).
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{"id_token": map[string]string{"id": idToken}}})
	r := &request{
		method:   http.MethodPost,
		base:     s.c.iamRoot(),
		segments: []string{"v3.0", "OS-AUTH", "id-token", "tokens"},
		body:     body,
		header:   map[string]string{"X-Idp-Id": s.cfg.IdpID},
		unsigned: true,
		retry:    retryRead, // asking again only mints another token
	}
	resp, err := s.c.do(ctx, r)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()
	unscoped := resp.Header.Get("X-Subject-Token")
	if unscoped == "" {
		return Credentials{}, time.Time{}, &DecodeError{Method: r.method, Path: r.displayPath(), RequestID: resp.Header.Get("X-Request-Id"),
			Field: "X-Subject-Token header", Err: errors.New("missing: IAM returned no token for the id token")}
	}
	// 2. unscoped token -> temporary keys.
	tokenBody := map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"token"},
		"token":   map[string]any{"id": unscoped, "duration_seconds": int64(s.cfg.Duration / time.Second)},
	}}}
	obtained := s.c.cfg.Now()
	temp, expires, err := s.c.securityToken(ctx, Credentials{Token: unscoped}, tokenBody)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if err := checkFresh("IAM for the id token", expires, obtained, s.c.cfg.Now()); err != nil {
		return Credentials{}, time.Time{}, err
	}
	// 3. temporary keys -> the agency.
	return s.c.stsAssume(ctx, temp, s.cfg.AgencyName, s.cfg.DomainID, s.cfg.Duration)
}

// securityToken posts body to IAM's securitytokens API, signed with creds.
func (c *Client) securityToken(ctx context.Context, creds Credentials, body map[string]any) (Credentials, time.Time, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	r := &request{
		method:   http.MethodPost,
		base:     c.iamRoot(),
		segments: []string{"v3.0", "OS-CREDENTIAL", "securitytokens"},
		body:     b,
		signWith: &creds,
		retry:    retryRead, // asking again only mints other temporary keys
	}
	var out struct {
		Credential *iamCredential `json:"credential"`
	}
	raw, err := c.decodeInto(ctx, r, &out)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if out.Credential == nil {
		return Credentials{}, time.Time{}, raw.fieldError("credential", errors.New("missing"))
	}
	return out.Credential.check(raw)
}

// iamCredential is the temporary credential of IAM's securitytokens API and
// of the ECS metadata service's securitykey: the same shape in both.
type iamCredential struct {
	Access        string `json:"access"`
	Secret        string `json:"secret"`
	SecurityToken string `json:"securitytoken"`
	ExpiresAt     string `json:"expires_at"`
}

func (cr *iamCredential) check(o *object) (Credentials, time.Time, error) {
	return o.temporary("credential.", cr.Access, cr.Secret, cr.SecurityToken, cr.ExpiresAt)
}

func (c *Client) stsAssume(ctx context.Context, creds Credentials, agency, domainID string, d time.Duration) (Credentials, time.Time, error) {
	b, err := json.Marshal(map[string]any{
		"agency_urn":          "iam::" + domainID + ":agency:" + agency,
		"agency_session_name": agencySessionName,
		"duration_seconds":    int64(d / time.Second),
	})
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	r := &request{
		method:   http.MethodPost,
		base:     c.sts,
		segments: []string{"v5", "agencies", "assume"},
		body:     b,
		signWith: &creds,
		retry:    retryRead, // asking again only mints other temporary keys
	}
	var out struct {
		Credentials *struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			SecurityToken   string `json:"security_token"`
			Expiration      string `json:"expiration"`
		} `json:"credentials"`
	}
	raw, err := c.decodeInto(ctx, r, &out)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if out.Credentials == nil {
		return Credentials{}, time.Time{}, raw.fieldError("credentials", errors.New("missing"))
	}
	cr := out.Credentials
	return raw.temporary("credentials.", cr.AccessKeyID, cr.SecretAccessKey, cr.SecurityToken, cr.Expiration)
}

// decodeInto sends r and decodes its JSON answer into v. Decoding errors
// never quote the body: it holds credentials.
func (c *Client) decodeInto(ctx context.Context, r *request, v any) (*object, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return decodeResponse(resp, r.method, r.displayPath(), v)
}

func decodeResponse(resp *http.Response, method, path string, v any) (*object, error) {
	o := &object{method: method, path: path, requestID: resp.Header.Get("X-Request-Id")}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, &TransportError{Method: method, Path: path, Err: fmt.Errorf("reading the response body (request id %s): %w", o.requestID, err)}
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, o.fieldError(typeErr.Field, fmt.Errorf("want a %s, got a JSON %s", typeErr.Type, typeErr.Value))
		}
		return nil, o.fieldError("", errors.New("the body is not the JSON object the API documents"))
	}
	return o, nil
}

// temporary checks a temporary credential's fields, naming a missing one
// but never showing a value.
func (o *object) temporary(prefix, access, secret, token, expires string) (Credentials, time.Time, error) {
	for _, f := range []struct{ name, v string }{{"access", access}, {"secret", secret}, {"security token", token}, {"expiry", expires}} {
		if f.v == "" {
			return Credentials{}, time.Time{}, o.fieldError(prefix+f.name, errors.New("missing"))
		}
	}
	t, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil {
		return Credentials{}, time.Time{}, o.fieldError(prefix+"expiry", fmt.Errorf("want an RFC 3339 time, got %q", expires))
	}
	return Credentials{AccessKey: access, SecretKey: secret, SecurityToken: token}, t, nil
}

type metadataSource struct {
	c        *Client
	endpoint *url.URL
	timeout  time.Duration
}

// MetadataError is a failure of the ECS metadata service: off ECS, the sign
// in found nothing at all.
type MetadataError struct {
	Endpoint string
	Err      error
}

func (e *MetadataError) Error() string { return e.Err.Error() }
func (e *MetadataError) Unwrap() error { return e.Err }

func (s *metadataSource) retrieve(ctx context.Context) (Credentials, time.Time, error) {
	creds, exp, err := s.ask(ctx)
	if err != nil {
		return Credentials{}, time.Time{}, &MetadataError{Endpoint: s.endpoint.String(), Err: err}
	}
	return creds, exp, nil
}

// ask asks the metadata service directly, not through the proxy and
// without retries: off ECS it must fail at once.
func (s *metadataSource) ask(ctx context.Context) (Credentials, time.Time, error) {
	hc := &http.Client{Timeout: s.timeout, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, DialContext: guardedDial(&net.Dialer{})}}
	call := func(method, path string, header map[string]string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, s.endpoint.String()+path, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, &TransportError{Method: method, Path: path, Attempts: 1, Err: err}
		}
		return resp, nil
	}
	// A session token first; a service that does not know the API (404,
	// 405) needs none.
	session := ""
	resp, err := call(http.MethodPut, "/meta-data/latest/api/token", map[string]string{"X-Metadata-Token-Ttl-Seconds": "21600"})
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		session = strings.TrimSpace(string(body))
	case http.StatusNotFound, http.StatusMethodNotAllowed:
	default:
		return Credentials{}, time.Time{}, newAPIError(resp, nil, http.MethodPut, "/meta-data/latest/api/token")
	}
	header := map[string]string{}
	if session != "" {
		header["X-Metadata-Token"] = session
	}
	const keyPath = "/openstack/latest/securitykey"
	resp, err = call(http.MethodGet, keyPath, header)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return Credentials{}, time.Time{}, newAPIError(resp, b, http.MethodGet, keyPath)
	}
	var out struct {
		Credential *iamCredential `json:"credential"`
	}
	o, err := decodeResponse(resp, http.MethodGet, keyPath, &out)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if out.Credential == nil {
		return Credentials{}, time.Time{}, o.fieldError("credential", errors.New("missing; is an agency attached to this instance?"))
	}
	return out.Credential.check(o)
}
