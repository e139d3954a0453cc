package simulator

import (
	"strings"
	"testing"
	"time"
)

// The IAM and STS routes are as strict as the HSS ones: what the provider
// gets wrong here fails, as it would against Huawei Cloud.
func TestIAMStrictness(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	assume := func(duration string) string {
		return `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"` + DefaultAgencyName + `","domain_name":"` + DefaultDomainName + `","duration_seconds":` + duration + `}}}}`
	}
	json := map[string]string{"Content-Type": "application/json;charset=UTF-8"}
	tests := []routeCase{
		{"projects", "GET", "/v3/projects", "name=cn-north-4", "", nil, 200, "", ""},
		{"projects, unknown parameter", "GET", "/v3/projects", "name=cn-north-4&limit=1", "", nil, 400, "IAM.0007", "limit"},
		{"securitytokens", "POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", assume("900"), json, 201, "", ""},
		{"securitytokens, duration too short", "POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", assume("899"), json, 400, "IAM.0006", "900 to 86400"},
		{"securitytokens, unknown agency", "POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", strings.Replace(assume("900"), DefaultAgencyName, "other", 1), json, 403, "IAM.0003", "cannot assume"},
		{"securitytokens, unknown token", "POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", `{"auth":{"identity":{"methods":["token"],"token":{"id":"forged"}}}}`, json, 401, "IAM.0011", "invalid"},
		{"id token, unknown provider", "POST", "/v3.0/OS-AUTH/id-token/tokens", "", `{"auth":{"id_token":{"id":"x"}}}`, map[string]string{"X-Idp-Id": "nope"}, 404, "IAM.0070", "does not exist"},
		{"id token, rejected", "POST", "/v3.0/OS-AUTH/id-token/tokens", "", `{"auth":{"id_token":{"id":"x"}}}`, map[string]string{"X-Idp-Id": DefaultIdpID}, 401, "IAM.0101", "failed verification"},
		{"STS with a token", "POST", "/v5/agencies/assume", "", `{}`, nil, 401, "STS.0001", "signed requests only"},
		{"token info, bad subject", "GET", "/v3/auth/tokens", "", "", map[string]string{"X-Subject-Token": "nope"}, 404, "IAM.0011", "subject token"},
	}
	checkRoutes(t, srv, tests)
	if n := sim.CredentialsIssued(); n != 1 {
		t.Fatalf("%d credentials issued, want 1", n)
	}
}

// Issued keys stop working when revoked, and a negative lifetime issues
// keys that have expired already: both are answered as the gateway answers
// keys it does not take, 401 APIGW.0301.
func TestIssuedKeysRevokedAndExpired(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	issue := func() (string, string) {
		t.Helper()
		status, body := do(t, srv, "POST", "/v3.0/OS-CREDENTIAL/securitytokens", "",
			`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"`+DefaultAgencyName+`","domain_name":"`+DefaultDomainName+`"}}}}`,
			map[string]string{"Content-Type": "application/json;charset=UTF-8"})
		cred, _ := body["credential"].(map[string]any)
		ak, _ := cred["access"].(string)
		st, _ := cred["securitytoken"].(string)
		if status != 201 || ak == "" || st == "" {
			t.Fatalf("securitytokens: %d %v", status, body)
		}
		return ak, st
	}
	// A signature that never matches: what the gateway says first tells
	// whether it took the key.
	hss := func(ak, st string) string {
		t.Helper()
		status, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/baseline/statistic", "image_type=local", "", map[string]string{
			"X-Auth-Token": "", "X-Security-Token": st, "X-Sdk-Date": time.Now().UTC().Format("20060102T150405Z"),
			"Authorization": "SDK-HMAC-SHA256 Access=" + ak + ", SignedHeaders=x-sdk-date, Signature=00",
		})
		msg, _ := body["error_msg"].(string)
		if status != 401 || body["error_code"] != "APIGW.0301" {
			t.Fatalf("%d %v, want 401 APIGW.0301", status, body)
		}
		return msg
	}
	ak, st := issue()
	if msg := hss(ak, st); !strings.Contains(msg, "signature does not match") {
		t.Fatalf("a live issued key: %q", msg)
	}
	if n := sim.RevokeIssuedCredentials(); n != 1 {
		t.Fatalf("revoked %d keys, want 1", n)
	}
	if msg := hss(ak, st); !strings.Contains(msg, "Unknown access key") {
		t.Fatalf("a revoked key: %q", msg)
	}
	ak2, st2 := issue()
	if msg := hss(ak2, st2); !strings.Contains(msg, "signature does not match") {
		t.Fatalf("a key issued after the revocation: %q", msg)
	}
	sim.SetCredentialLifetime(-time.Minute)
	ak3, st3 := issue()
	if msg := hss(ak3, st3); !strings.Contains(msg, "security token has expired") {
		t.Fatalf("a key issued expired: %q", msg)
	}
}
