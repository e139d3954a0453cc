package client

import (
	"strings"
	"testing"
	"time"
)

// The published vectors of the gateway's signing algorithm.
func TestSignatureVectors(t *testing.T) {
	date := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		method string
		query  []param
		body   string
		want   string
	}{
		{"get", "GET", []param{{"limit", "1"}}, "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
		{"post", "POST", []param{{"key", "value"}}, "{\"Name\":\"test\",\"Id\":1}\n", "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := map[string]string{}
			auth := signRequest("AccessKey", "SecretKey", tt.method, []string{"path"}, canonicalQuery(tt.query), headers, []byte(tt.body), date)
			want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=" + tt.want
			if auth != want {
				t.Fatalf("Authorization\n got: %s\nwant: %s", auth, want)
			}
			if headers[headerSdkDate] != "20060102T150405Z" {
				t.Fatalf("X-Sdk-Date = %q", headers[headerSdkDate])
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"":                "",
		"AZaz09_-~.":      "AZaz09_-~.",
		"shop/web":        "shop%2Fweb",
		"a b+c":           "a%20b%2Bc",
		"ä":               "%C3%A4",
		"*'()!":           "%2A%27%28%29%21",
		"100%":            "100%25",
		"k=v&x":           "k%3Dv%26x",
		"\x00\x7f\xff":    "%00%7F%FF",
		"lower-hex-check": "lower-hex-check",
	}
	for in, want := range tests {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuerySortsKeysThenValues(t *testing.T) {
	got := canonicalQuery([]param{{"b", "2"}, {"a", "z"}, {"a", "y"}, {"image_name", "web app+v/1"}})
	want := "a=y&a=z&b=2&image_name=web%20app%2Bv%2F1"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestCanonicalURIEndsWithSlashAndEscapesSegments(t *testing.T) {
	got := canonicalURI([]string{"v5", "p id", "export-task", "a/b"})
	if got != "/v5/p%20id/export-task/a%2Fb/" {
		t.Fatalf("got %s", got)
	}
	if p := escapedPath([]string{"v5", "x"}); strings.HasSuffix(p, "/") {
		t.Fatalf("wire path %q must not end with a slash", p)
	}
}

func TestSignedHeadersSkipContentTypeAndUnderscores(t *testing.T) {
	headers := map[string]string{"Content-Type": "application/json", "X_Custom": "1", "Region": "r", "Host": "h"}
	auth := signRequest("ak", "sk", "GET", nil, "", headers, nil, time.Unix(0, 0))
	if !strings.Contains(auth, "SignedHeaders=host;region;x-sdk-date,") {
		t.Fatalf("unexpected signed headers in %s", auth)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"999999999", time.Hour, true},
		{"Sun, 22 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 22-Nov-26 12:01:00 GMT", time.Minute, true},
		{"Sun, 22 Nov 2026 11:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
