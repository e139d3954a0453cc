package provider

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// secrets are the credential values, and the Authorization scheme, that
// must never appear in logs, state, plans or errors.
var secrets = []string{
	simulator.DefaultSecretKey, simulator.DefaultTempSecretKey, simulator.DefaultSecurityToken,
	simulator.DefaultToken, simulator.DefaultAccessKey, simulator.DefaultTempAccessKey, simulator.DefaultIDToken,
	"SDK-HMAC-SHA256 Access", "Signature=",
}

// rejectedIDToken is the id token of the oidc-error mode: IAM refuses it,
// and it is as secret as one it accepts.
const rejectedIDToken = "eyJ.rejected-id-token.sig"

// secretsOf adds what the simulator issued so far: agency, OIDC and
// metadata keys, unscoped tokens, metadata sessions.
func secretsOf(sim *simulator.Simulator) func() []string {
	return func() []string { return append(append([]string(nil), secrets...), sim.IssuedSecrets()...) }
}

type jsonLeakCheck struct {
	t       *testing.T
	what    string
	secrets func() []string
}

func (c jsonLeakCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	c.check(req.State, &resp.Error)
}

func (c jsonLeakCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	c.check(req.Plan, &resp.Error)
}

func (c jsonLeakCheck) check(v any, errp *error) {
	b, err := json.Marshal(v)
	if err != nil {
		*errp = err
		return
	}
	if len(b) < 100 {
		c.t.Errorf("%s JSON is suspiciously small: %s", c.what, b)
	}
	for _, s := range c.secrets() {
		if i := strings.Index(string(b), s); i >= 0 {
			c.t.Errorf("%s JSON contains %q in: %s", c.what, s, strings.ReplaceAll(string(b[max(0, i-200):i]), s, "<SECRET>"))
		}
	}
}

// With TF_LOG=TRACE, plan and apply in every auth mode and a failing read
// leave no credential in Terraform's logs, the provider's logs, the state,
// the plan or the error text.
//
// Credentials come from the environment, as the docs recommend: a literal
// in a .tf file is recorded by Terraform itself (plan JSON keeps provider
// arguments under configuration.provider_config as constant_value, and TRACE
// logs show configuration source), which no provider can prevent.
func TestAccSecretsNeverLeak(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
	e := newTestEnv(t)
	ds := `data "hss_image_baseline_statistic" "x" { image_type = "local" }`
	// Plan and apply: a resource too, so create, refresh and destroy run.
	applied := ds + "\n" + `resource "hss_image_baseline_export" "x" { export_size = 5 }`
	// No project_id: the project comes from IAM, signed in each mode.
	provider := e.signInProvider(regionArg)
	profile := koocliFile(t, t.TempDir())
	agency := map[string]string{"HW_ASSUME_ROLE_AGENCY_NAME": simulator.DefaultAgencyName, "HW_ASSUME_ROLE_DOMAIN_ID": simulator.DefaultDomainID}
	with := func(a, b map[string]string) map[string]string {
		out := map[string]string{}
		maps.Copy(out, a)
		maps.Copy(out, b)
		return out
	}
	keys := map[string]string{"HW_ACCESS_KEY": simulator.DefaultAccessKey, "HW_SECRET_KEY": simulator.DefaultSecretKey}
	modes := map[string]map[string]string{
		authAKSK:   keys,
		authTemp:   {"HW_ACCESS_KEY": simulator.DefaultTempAccessKey, "HW_SECRET_KEY": simulator.DefaultTempSecretKey, "HW_SECURITY_TOKEN": simulator.DefaultSecurityToken},
		authToken:  {"HW_AUTH_TOKEN": simulator.DefaultToken},
		"profile":  {"HW_SHARED_CONFIG_FILE": profile, "HW_PROFILE": "sso"},
		"agency":   with(keys, agency),
		"oidc":     with(agency, map[string]string{"HW_ASSUME_ROLE_IDP_ID": simulator.DefaultIdpID, "HW_ASSUME_ROLE_ID_TOKEN": simulator.DefaultIDToken}),
		"metadata": {envTestMetadataEndpoint: e.srv.URL},
		// A rejected request: the error names the failure, not the key.
		"error": {"HW_ACCESS_KEY": simulator.DefaultTempAccessKey, "HW_SECRET_KEY": simulator.DefaultSecretKey, "HW_SECURITY_TOKEN": simulator.DefaultSecurityToken},
		// A rejected id token: the error names the failure, not the token.
		"oidc-error": with(agency, map[string]string{"HW_ASSUME_ROLE_IDP_ID": simulator.DefaultIdpID, "HW_ASSUME_ROLE_ID_TOKEN": rejectedIDToken}),
	}
	envNames := []string{"HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_AUTH_TOKEN", "HW_SHARED_CONFIG_FILE", "HW_PROFILE",
		"HW_ASSUME_ROLE_AGENCY_NAME", "HW_ASSUME_ROLE_DOMAIN_ID", "HW_ASSUME_ROLE_IDP_ID", "HW_ASSUME_ROLE_ID_TOKEN", envTestMetadataEndpoint}
	leak := func() []string { return append(secretsOf(e.sim)(), rejectedIDToken) }
	for _, auth := range []string{authAKSK, authTemp, authToken, "profile", "agency", "oidc", "metadata", "error", "oidc-error"} {
		t.Run(auth, func(t *testing.T) {
			for _, name := range envNames {
				if v, ok := modes[auth][name]; ok {
					t.Setenv(name, v)
				} else if name == envTestMetadataEndpoint {
					t.Setenv(name, closedEndpoint())
				} else {
					t.Setenv(name, "")
				}
			}
			if want, ok := map[string]string{"error": "The signature does not match", "oidc-error": "id token failed verification"}[auth]; ok {
				unitTest(t, resource.TestStep{Config: provider + ds, ExpectError: errorLike("HTTP 401", want)})
				return
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: provider + applied,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{jsonLeakCheck{t, "plan", leak}},
						},
						ConfigStateChecks: []statecheck.StateCheck{jsonLeakCheck{t, "state", leak}, expectInt("data.hss_image_baseline_statistic.x", "security_check", 5)},
					},
				},
			})
		})
	}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no logs were written to %s: %v", dir, err)
	}
	var total int
	sawRequestLog := false
	for _, f := range logs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total += len(b)
		text := string(b)
		sawRequestLog = sawRequestLog || strings.Contains(text, "HSS request")
		for _, s := range leak() {
			if i := strings.Index(text, s); i >= 0 {
				line := text[strings.LastIndex(text[:i], "\n")+1:]
				line, _, _ = strings.Cut(line, "\n")
				t.Errorf("%s contains %q in: %.400s", filepath.Base(f), s, strings.ReplaceAll(line, s, "<SECRET>"))
			}
		}
	}
	if issued := len(leak()) - len(secrets); issued < 10 {
		t.Fatalf("the simulator issued %d temporary secrets; the agency, OIDC and metadata modes did not run", issued)
	}
	if !sawRequestLog || total < 10000 {
		t.Fatalf("the logs (%d bytes in %d files) do not hold the provider's request records; the test would prove nothing", total, len(logs))
	}
}
