package simulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// This file verifies requests the way the API gateway does. It is written
// from the gateway's documentation, independently of the provider's signer,
// so that a signing bug in the provider cannot confirm itself.

const maxClockSkew = 15 * time.Minute

// gatewayEscape writes every byte but A-Z a-z 0-9 - _ . ~ as %XX.
func gatewayEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func (s *Simulator) authenticate(r *http.Request, body []byte) (string, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return s.verifySignature(r, auth, body)
	}
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if s.validToken(tok) {
			return "", true
		}
		return "The token is invalid or has expired.", false
	}
	return "Neither an X-Auth-Token header nor an Authorization signature was sent.", false
}

func (s *Simulator) verifySignature(r *http.Request, auth string, body []byte) (string, bool) {
	const prefix = "SDK-HMAC-SHA256 "
	if !strings.HasPrefix(auth, prefix) {
		return "Unsupported signing algorithm.", false
	}
	parts := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(auth, prefix), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return "Malformed Authorization header.", false
		}
		parts[k] = v
	}
	ak, signedList, sig := parts["Access"], parts["SignedHeaders"], parts["Signature"]
	if ak == "" || signedList == "" || sig == "" {
		return "Malformed Authorization header.", false
	}
	var cred *Credential
	for i := range s.opts.Credentials {
		if s.opts.Credentials[i].AccessKey == ak {
			cred = &s.opts.Credentials[i]
		}
	}
	if cred == nil {
		issued, ok, expired := s.issuedCredential(ak)
		switch {
		case !ok:
			return "Unknown access key.", false
		case expired:
			return "The security token has expired.", false
		}
		cred = &issued
	}
	if cred.SecurityToken != "" && !hmac.Equal([]byte(r.Header.Get("X-Security-Token")), []byte(cred.SecurityToken)) {
		return "The security token is missing or invalid for this temporary access key.", false
	}
	signed := strings.Split(signedList, ";")
	if !sort.StringsAreSorted(signed) {
		return "SignedHeaders must be sorted.", false
	}
	hasDate := false
	for _, h := range signed {
		if h != strings.ToLower(h) {
			return "SignedHeaders must be lower case.", false
		}
		hasDate = hasDate || h == "x-sdk-date"
	}
	if !hasDate {
		return "x-sdk-date must be signed.", false
	}
	date, err := time.Parse("20060102T150405Z", r.Header.Get("X-Sdk-Date"))
	if err != nil {
		return "X-Sdk-Date is missing or not in the form 20060102T150405Z.", false
	}
	if skew := s.now().Sub(date); skew > maxClockSkew || skew < -maxClockSkew {
		return "The request has expired: X-Sdk-Date is more than 15 minutes away from the server time.", false
	}

	// The canonical query is rebuilt from the decoded parameters; the query
	// on the wire must already be in that form.
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "Malformed query string.", false
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), values[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, gatewayEscape(k)+"="+gatewayEscape(v))
		}
	}
	query := strings.Join(pairs, "&")
	if query != r.URL.RawQuery {
		return "The query string is not in canonical form.", false
	}

	segments := strings.Split(r.URL.EscapedPath(), "/")
	for i, seg := range segments {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "Malformed path.", false
		}
		segments[i] = gatewayEscape(dec)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}

	lines := []string{r.Method, uri, query}
	var headerBlock strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		headerBlock.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	bodySum := sha256.Sum256(body)
	lines = append(lines, headerBlock.String(), signedList, hex.EncodeToString(bodySum[:]))
	canonical := strings.Join(lines, "\n")

	canonicalSum := sha256.Sum256([]byte(canonical))
	toSign := "SDK-HMAC-SHA256\n" + r.Header.Get("X-Sdk-Date") + "\n" + hex.EncodeToString(canonicalSum[:])
	mac := hmac.New(sha256.New, []byte(cred.SecretKey))
	mac.Write([]byte(toSign))
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)) {
		return "The signature does not match.", false
	}
	return "", true
}
