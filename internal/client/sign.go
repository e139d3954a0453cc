package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Huawei Cloud API Gateway signing, algorithm SDK-HMAC-SHA256.
const (
	signAlgorithm = "SDK-HMAC-SHA256"
	sdkDateFormat = "20060102T150405Z"
	headerSdkDate = "X-Sdk-Date"
)

// param is one query parameter. Order does not matter: the canonical query
// sorts keys and values.
type param struct{ key, value string }

// escape percent-encodes every byte except A-Z a-z 0-9 _ - ~ . with
// upper-case hex, as the gateway does when it canonicalizes a request.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '~' || c == '.'
}

// escapedPath joins already-decoded path segments into the path sent on the
// wire: each segment escaped, no trailing slash.
func escapedPath(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(escape(s))
	}
	return b.String()
}

// canonicalURI is the wire path with the trailing slash the gateway's
// canonical form always has.
func canonicalURI(segments []string) string {
	return escapedPath(segments) + "/"
}

// canonicalQuery sorts by key, then by value, and joins escape(k)=escape(v)
// with '&'. The same string is sent on the wire, so what is signed is what
// is sent.
func canonicalQuery(params []param) string {
	sorted := make([]param, len(params))
	copy(sorted, params)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].key != sorted[j].key {
			return sorted[i].key < sorted[j].key
		}
		return sorted[i].value < sorted[j].value
	})
	parts := make([]string, len(sorted))
	for i, p := range sorted {
		parts[i] = escape(p.key) + "=" + escape(p.value)
	}
	return strings.Join(parts, "&")
}

// signable reports whether a header takes part in the signature: the gateway
// ignores content-type and drops names containing an underscore.
func signable(lowerName string) bool {
	return lowerName != "content-type" && !strings.Contains(lowerName, "_")
}

// signature computes the hex HMAC-SHA256 over the canonical request built from
// the given parts. headers maps lower-case names to values and must hold
// every name in signedHeaders.
func signature(secretKey, method, uri, query string, headers map[string]string, signedHeaders []string, body []byte, sdkDate string) string {
	var cr strings.Builder
	cr.WriteString(method)
	cr.WriteByte('\n')
	cr.WriteString(uri)
	cr.WriteByte('\n')
	cr.WriteString(query)
	cr.WriteByte('\n')
	for _, h := range signedHeaders {
		cr.WriteString(h)
		cr.WriteByte(':')
		cr.WriteString(strings.TrimSpace(headers[h]))
		cr.WriteByte('\n')
	}
	cr.WriteByte('\n')
	cr.WriteString(strings.Join(signedHeaders, ";"))
	cr.WriteByte('\n')
	cr.WriteString(hexSHA256(body))

	stringToSign := signAlgorithm + "\n" + sdkDate + "\n" + hexSHA256([]byte(cr.String()))
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// signRequest adds X-Sdk-Date and returns the Authorization header value for
// a request whose signable headers are in headers (canonical names as keys).
// Every header in headers is signed, so callers add unsigned headers
// (Content-Type, User-Agent) after signing.
func signRequest(accessKey, secretKey, method string, segments []string, query string, headers map[string]string, body []byte, now time.Time) string {
	sdkDate := now.UTC().Format(sdkDateFormat)
	headers[headerSdkDate] = sdkDate

	lower := make(map[string]string, len(headers))
	names := make([]string, 0, len(headers))
	for k, v := range headers {
		l := strings.ToLower(k)
		if !signable(l) {
			continue
		}
		lower[l] = v
		names = append(names, l)
	}
	sort.Strings(names)

	sig := signature(secretKey, method, canonicalURI(segments), query, lower, names, body, sdkDate)
	return signAlgorithm + " Access=" + accessKey + ", SignedHeaders=" + strings.Join(names, ";") + ", Signature=" + sig
}
