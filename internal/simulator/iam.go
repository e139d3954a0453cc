package simulator

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file serves the IAM and STS APIs the provider signs in with, and the
// ECS metadata service, after Huawei Cloud's API reference: it lists
// projects, describes tokens, exchanges OIDC id tokens, assumes agencies and
// issues temporary access keys that HSS calls must then carry
// (X-Security-Token) and that stop working when they expire.

// Project is an IAM project; its name is its region (or region_subproject).
type Project struct {
	ID   string
	Name string
}

// Agency is an IAM agency the simulator lets callers assume.
type Agency struct {
	DomainName string
	DomainID   string
	Name       string
}

// Well-known IAM values of DefaultOptions.
const (
	DefaultDomainName = "simulator-domain"
	DefaultDomainID   = "d0d0d0d0e1e1e1e1f2f2f2f2a3a3a3a3"
	DefaultAgencyName = "hss-readonly"
	DefaultIdpID      = "ci-oidc"
	DefaultIDToken    = "eyJhbGciOiJSUzI1NiJ9.simulator-ci-id-token.c2lnbmF0dXJl"
)

// The IAM, STS and metadata endpoints.
const (
	IAMProjects         Endpoint = "iam-projects"
	IAMTokens           Endpoint = "iam-auth-tokens"
	IAMSecurityTokens   Endpoint = "iam-securitytokens"
	IAMIDTokens         Endpoint = "iam-id-token-tokens"
	STSAssume           Endpoint = "sts-agencies-assume"
	MetadataToken       Endpoint = "metadata-api-token"
	MetadataSecurityKey Endpoint = "metadata-securitykey"
)

func matchIAM(path string) (route, bool) {
	for _, r := range []struct {
		path string
		rt   route
	}{
		{"v3/projects", route{IAMProjects, http.MethodGet, ""}},
		{"v3/auth/tokens", route{IAMTokens, http.MethodGet, ""}},
		{"v3.0/OS-CREDENTIAL/securitytokens", route{IAMSecurityTokens, http.MethodPost, ""}},
		{"v3.0/OS-AUTH/id-token/tokens", route{IAMIDTokens, http.MethodPost, ""}},
		{"v5/agencies/assume", route{STSAssume, http.MethodPost, ""}},
		{"meta-data/latest/api/token", route{MetadataToken, http.MethodPut, ""}},
		{"openstack/latest/securitykey", route{MetadataSecurityKey, http.MethodGet, ""}},
	} {
		if path == r.path {
			return r.rt, true
		}
	}
	return route{}, false
}

type issuedKey struct {
	cred    Credential
	expires time.Time
	revoked bool
}

// SetCredentialLifetime makes every temporary credential and token the
// simulator issues from now on expire after d, whatever was asked for (0:
// as asked). A negative d issues keys that expired -d ago: what a metadata
// service with stale keys, or a caller whose clock runs ahead, sees.
func (s *Simulator) SetCredentialLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// RevokeIssuedCredentials revokes every temporary access key issued so far
// (keys issued later work), as when an agency is detached or its keys are
// deleted in IAM: the gateway answers what it answers for an unknown key,
// 401 APIGW.0301. It returns how many keys it revoked.
func (s *Simulator) RevokeIssuedCredentials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for ak, k := range s.issued {
		if !k.revoked {
			k.revoked = true
			s.issued[ak] = k
			n++
		}
	}
	return n
}

// CredentialsIssued is how many temporary access keys the simulator issued
// (IAM security tokens, STS and metadata).
func (s *Simulator) CredentialsIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuedCount
}

// IssuedSecrets lists every temporary credential, token and metadata
// session the simulator handed out, for tests that check none of them leaks.
func (s *Simulator) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.issued {
		out = append(out, k.cred.AccessKey, k.cred.SecretKey, k.cred.SecurityToken)
	}
	for t := range s.unscoped {
		out = append(out, t)
	}
	for t := range s.metadataSessions {
		out = append(out, t)
	}
	return out
}

// SetMetadataAgency makes the metadata service answer with (or, with
// false, without) an agency's keys.
func (s *Simulator) SetMetadataAgency(attached bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noMetadataAgency = !attached
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// issue creates a temporary access key valid for d (or the configured
// lifetime); s.mu must not be held.
func (s *Simulator) issue(d time.Duration) (Credential, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lifetime != 0 {
		d = s.lifetime
	}
	c := Credential{
		AccessKey:     "SIMTEMP" + strings.ToUpper(randomHex(7)),
		SecretKey:     "sim-issued-secret-" + randomHex(16),
		SecurityToken: "sim-issued-security-token-" + randomHex(24),
	}
	exp := s.now().Add(d).UTC()
	if s.issued == nil {
		s.issued = map[string]issuedKey{}
	}
	s.issued[c.AccessKey] = issuedKey{cred: c, expires: exp}
	s.issuedCount++
	return c, exp
}

// issuedCredential finds a temporary key the simulator issued and has not
// revoked, and says whether it has expired.
func (s *Simulator) issuedCredential(ak string) (Credential, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.issued[ak]
	if !ok || k.revoked {
		return Credential{}, false, false
	}
	return k.cred, true, !s.now().Before(k.expires)
}

func (s *Simulator) knownProject(id string) bool {
	if id == s.opts.ProjectID {
		return true
	}
	for _, p := range s.opts.Projects {
		if p.ID == id {
			return true
		}
	}
	return false
}

// serveIAM answers the IAM, STS and metadata routes.
func (s *Simulator) serveIAM(w http.ResponseWriter, r *http.Request, rt route, query url.Values, body []byte, requestID string) {
	if r.Method != rt.method {
		writeError(w, http.StatusMethodNotAllowed, "APIGW.0101", "The API does not exist or has not been published in the environment.", requestID)
		return
	}
	switch rt.endpoint {
	case MetadataToken:
		s.mu.Lock()
		if s.metadataSessions == nil {
			s.metadataSessions = map[string]bool{}
		}
		tok := "sim-metadata-session-" + randomHex(12)
		s.metadataSessions[tok] = true
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(tok))
		return
	case MetadataSecurityKey:
		s.mu.Lock()
		ok, attached := s.metadataSessions[r.Header.Get("X-Metadata-Token")], !s.noMetadataAgency
		s.mu.Unlock()
		if !ok {
			http.Error(w, "401 Unauthorized: X-Metadata-Token is missing or invalid", http.StatusUnauthorized)
			return
		}
		if !attached {
			http.Error(w, "404 Not Found: no agency is attached to this instance", http.StatusNotFound)
			return
		}
		c, exp := s.issue(time.Hour)
		writeJSON(w, http.StatusOK, map[string]any{"credential": map[string]string{
			"access": c.AccessKey, "secret": c.SecretKey, "securitytoken": c.SecurityToken, "expires_at": exp.Format("2006-01-02T15:04:05.000000Z"),
		}})
		return
	case IAMIDTokens:
		s.serveIDToken(w, r, body, requestID)
		return
	}

	// The rest are authenticated: a signature or a token.
	if rt.endpoint == IAMSecurityTokens && isTokenMethod(body) {
		// Authenticated by the token in the body.
	} else if msg, ok := s.authenticate(r, body); !ok {
		writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+msg, requestID)
		return
	}
	switch rt.endpoint {
	case IAMProjects:
		s.serveProjects(w, r, query, requestID)
	case IAMTokens:
		s.serveTokenInfo(w, r, requestID)
	case IAMSecurityTokens:
		s.serveSecurityTokens(w, r, body, requestID)
	case STSAssume:
		s.serveSTSAssume(w, r, body, requestID)
	}
}

func (s *Simulator) serveProjects(w http.ResponseWriter, r *http.Request, query url.Values, requestID string) {
	for k := range query {
		if k != "name" && k != "page" {
			writeError(w, http.StatusBadRequest, "IAM.0007", "Unsupported query parameter "+k+".", requestID)
			return
		}
	}
	var match []map[string]any
	for _, p := range s.opts.Projects {
		if name := query.Get("name"); name == "" || p.Name == name {
			match = append(match, map[string]any{"id": p.ID, "name": p.Name, "domain_id": DefaultDomainID, "enabled": true, "is_domain": false, "parent_id": DefaultDomainID, "description": ""})
		}
	}
	// One project per page when ProjectsPerPage is 1, to exercise links.next.
	page := 1
	if v := query.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	links := map[string]any{"self": "http://" + r.Host + r.URL.RequestURI(), "next": nil, "previous": nil}
	if per := s.opts.ProjectsPerPage; per > 0 {
		start := min((page-1)*per, len(match))
		end := min(start+per, len(match))
		if end < len(match) {
			q := url.Values{"name": {query.Get("name")}, "page": {strconv.Itoa(page + 1)}}
			links["next"] = "http://" + r.Host + "/v3/projects?" + q.Encode()
		}
		match = match[start:end]
	}
	if match == nil {
		match = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": match, "links": links})
}

func (s *Simulator) validToken(tok string) bool {
	for _, t := range s.opts.Tokens {
		if hmac.Equal([]byte(t), []byte(tok)) {
			return true
		}
	}
	return false
}

func (s *Simulator) serveTokenInfo(w http.ResponseWriter, r *http.Request, requestID string) {
	subject := r.Header.Get("X-Subject-Token")
	if !s.validToken(subject) {
		writeError(w, http.StatusNotFound, "IAM.0011", "The subject token is invalid or has expired.", requestID)
		return
	}
	name := ""
	for _, p := range s.opts.Projects {
		if p.ID == s.opts.ProjectID {
			name = p.Name
		}
	}
	token := map[string]any{
		"expires_at": s.now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"),
		"methods":    []string{"password"},
	}
	if !s.opts.UnscopedTokens {
		token["project"] = map[string]any{"id": s.opts.ProjectID, "name": name, "domain": map[string]string{"id": DefaultDomainID, "name": DefaultDomainName}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token})
}

func isTokenMethod(body []byte) bool {
	var b struct {
		Auth struct {
			Identity struct {
				Methods []string `json:"methods"`
			} `json:"identity"`
		} `json:"auth"`
	}
	return json.Unmarshal(body, &b) == nil && len(b.Auth.Identity.Methods) == 1 && b.Auth.Identity.Methods[0] == "token"
}

func (s *Simulator) serveIDToken(w http.ResponseWriter, r *http.Request, body []byte, requestID string) {
	idp := r.Header.Get("X-Idp-Id")
	var b struct {
		Auth struct {
			IDToken struct {
				ID string `json:"id"`
			} `json:"id_token"`
		} `json:"auth"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.Auth.IDToken.ID == "" {
		writeError(w, http.StatusBadRequest, "IAM.0006", "The request body is invalid: auth.id_token.id is required.", requestID)
		return
	}
	accepted, known := s.opts.IdentityProviders[idp]
	if !known {
		writeError(w, http.StatusNotFound, "IAM.0070", fmt.Sprintf("The identity provider %q does not exist.", idp), requestID)
		return
	}
	ok := false
	for _, t := range accepted {
		ok = ok || hmac.Equal([]byte(t), []byte(b.Auth.IDToken.ID))
	}
	if !ok {
		writeError(w, http.StatusUnauthorized, "IAM.0101", "The id token failed verification: signature, issuer or audience does not match the identity provider.", requestID)
		return
	}
	tok := "sim-unscoped-token-" + randomHex(24)
	s.mu.Lock()
	if s.unscoped == nil {
		s.unscoped = map[string]time.Time{}
	}
	s.unscoped[tok] = s.now().Add(time.Hour)
	s.mu.Unlock()
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, http.StatusCreated, map[string]any{"token": map[string]any{"methods": []string{"mapped"}}})
}

func (s *Simulator) serveSecurityTokens(w http.ResponseWriter, r *http.Request, body []byte, requestID string) {
	var b struct {
		Auth struct {
			Identity struct {
				Methods    []string `json:"methods"`
				AssumeRole *struct {
					AgencyName      string `json:"agency_name"`
					DomainName      string `json:"domain_name"`
					DomainID        string `json:"domain_id"`
					DurationSeconds *int64 `json:"duration_seconds"`
				} `json:"assume_role"`
				Token *struct {
					ID              string `json:"id"`
					DurationSeconds *int64 `json:"duration_seconds"`
				} `json:"token"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if err := json.Unmarshal(body, &b); err != nil || len(b.Auth.Identity.Methods) != 1 {
		writeError(w, http.StatusBadRequest, "IAM.0006", "The request body is invalid.", requestID)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusBadRequest, "IAM.0006", "Content-Type must be application/json;charset=UTF-8.", requestID)
		return
	}
	duration := int64(900)
	var given *int64
	switch b.Auth.Identity.Methods[0] {
	case "assume_role":
		a := b.Auth.Identity.AssumeRole
		if a == nil || a.AgencyName == "" || (a.DomainName == "" && a.DomainID == "") {
			writeError(w, http.StatusBadRequest, "IAM.0006", "assume_role needs agency_name and domain_name or domain_id.", requestID)
			return
		}
		if !s.hasAgency(a.DomainName, a.DomainID, a.AgencyName) {
			writeError(w, http.StatusForbidden, "IAM.0003", fmt.Sprintf("You cannot assume agency %q of that domain.", a.AgencyName), requestID)
			return
		}
		given = a.DurationSeconds
	case "token":
		t := b.Auth.Identity.Token
		if t == nil {
			writeError(w, http.StatusBadRequest, "IAM.0006", "token.id is required.", requestID)
			return
		}
		s.mu.Lock()
		exp, ok := s.unscoped[t.ID]
		s.mu.Unlock()
		if !ok && !s.validToken(t.ID) || ok && s.now().After(exp) {
			writeError(w, http.StatusUnauthorized, "IAM.0011", "The token is invalid or has expired.", requestID)
			return
		}
		given = t.DurationSeconds
	default:
		writeError(w, http.StatusBadRequest, "IAM.0006", "Unsupported method.", requestID)
		return
	}
	if given != nil {
		duration = *given
	}
	if duration < 900 || duration > 86400 {
		writeError(w, http.StatusBadRequest, "IAM.0006", "duration_seconds must be from 900 to 86400.", requestID)
		return
	}
	c, exp := s.issue(time.Duration(duration) * time.Second)
	writeJSON(w, http.StatusCreated, map[string]any{"credential": map[string]string{
		"access": c.AccessKey, "secret": c.SecretKey, "securitytoken": c.SecurityToken, "expires_at": exp.Format("2006-01-02T15:04:05.000000Z"),
	}})
}

func (s *Simulator) hasAgency(domainName, domainID, name string) bool {
	for _, a := range s.opts.Agencies {
		if a.Name == name && (domainName != "" && a.DomainName == domainName || domainID != "" && a.DomainID == domainID) {
			return true
		}
	}
	return false
}

func (s *Simulator) serveSTSAssume(w http.ResponseWriter, r *http.Request, body []byte, requestID string) {
	if r.Header.Get("Authorization") == "" {
		writeError(w, http.StatusUnauthorized, "STS.0001", "STS takes signed requests only.", requestID)
		return
	}
	var b struct {
		AgencyURN         string `json:"agency_urn"`
		AgencySessionName string `json:"agency_session_name"`
		DurationSeconds   *int64 `json:"duration_seconds"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.AgencyURN == "" || b.AgencySessionName == "" {
		writeError(w, http.StatusBadRequest, "STS.0002", "agency_urn and agency_session_name are required.", requestID)
		return
	}
	rest, isIAM := strings.CutPrefix(b.AgencyURN, "iam::")
	domainID, name, ok := strings.Cut(rest, ":agency:")
	if !isIAM || !ok || domainID == "" || name == "" {
		writeError(w, http.StatusBadRequest, "STS.0002", "agency_urn must look like iam::{domain_id}:agency:{agency_name}.", requestID)
		return
	}
	if !s.hasAgency("", domainID, name) {
		writeError(w, http.StatusForbidden, "STS.0003", fmt.Sprintf("You cannot assume agency %q of domain %s.", name, domainID), requestID)
		return
	}
	duration := int64(3600)
	if b.DurationSeconds != nil {
		duration = *b.DurationSeconds
	}
	limit := int64(43200)
	if r.Header.Get("X-Security-Token") != "" {
		limit = 3600
	}
	if duration < 900 || duration > limit {
		writeError(w, http.StatusBadRequest, "STS.0004", fmt.Sprintf("duration_seconds must be from 900 to %d for this caller.", limit), requestID)
		return
	}
	c, exp := s.issue(time.Duration(duration) * time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"credentials": map[string]string{
			"access_key_id": c.AccessKey, "secret_access_key": c.SecretKey, "security_token": c.SecurityToken,
			"expiration": exp.Format(time.RFC3339Nano),
		},
		"assumed_agency": map[string]string{"urn": b.AgencyURN + "/" + b.AgencySessionName, "id": "sim-assumed-" + randomHex(4)},
	})
}
