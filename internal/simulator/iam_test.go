package simulator

import (
	"strings"
	"testing"
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
