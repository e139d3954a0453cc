package provider

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

var keysArgs = fmt.Sprintf("access_key = %q\n  secret_key = %q", simulator.DefaultAccessKey, simulator.DefaultSecretKey)

// hssAuth is how each HSS request signed in: the access key, or "token".
func hssAuth(sim *simulator.Simulator) []string {
	var out []string
	for _, r := range sim.Requests() {
		if r.Endpoint != simulator.BaselineStatistic {
			continue
		}
		if r.Header.Get("X-Auth-Token") != "" {
			out = append(out, "token")
			continue
		}
		ak := strings.TrimPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=")
		ak, _, _ = strings.Cut(ak, ",")
		out = append(out, ak)
	}
	return out
}

// expectAuth: every HSS request signed in as want ("token", an access key,
// or "issued" for a key the simulator issued).
func expectAuth(t *testing.T, sim *simulator.Simulator, want string) {
	t.Helper()
	got := hssAuth(sim)
	if len(got) == 0 {
		t.Fatal("no HSS request was made")
	}
	for _, g := range got {
		ok := g == want || want == "issued" && strings.HasPrefix(g, "SIMTEMP")
		if !ok {
			t.Fatalf("an HSS request signed in as %q, want %q", g, want)
		}
	}
}

func readStep(cfg string) resource.TestStep {
	return resource.TestStep{
		Config:            cfg,
		ConfigStateChecks: []statecheck.StateCheck{expectInt("data.hss_image_baseline_statistic.x", "security_check", oneReadWant)},
	}
}

// Without project_id the project comes from IAM, once per provider
// process however many reads there are.
func TestAccAuthProjectFromRegion(t *testing.T) {
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.signInProvider(regionArg, keysArgs) + `
data "hss_image_baseline_statistic" "x" {
  count      = 3
  image_type = "local"
  image_name = "n${count.index}"
}
`,
	})
	lookups, reads := e.sim.Count(simulator.IAMProjects), e.sim.Count(simulator.BaselineStatistic)
	if lookups == 0 || reads != 3*lookups {
		t.Fatalf("%d project lookups for %d reads: want one per provider process, i.e. one per 3 reads", lookups, reads)
	}
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic && r.Header.Get("X-Project-Id") != simulator.DefaultProjectID {
			t.Fatalf("X-Project-Id %q", r.Header.Get("X-Project-Id"))
		}
	}
}

func TestAccAuthProjectZeroOrSeveral(t *testing.T) {
	for name, tc := range map[string]struct {
		projects []simulator.Project
		want     []string
	}{
		"zero": {[]simulator.Project{{ID: "p-sh", Name: "cn-east-3"}},
			[]string{`IAM has no project named "cn-north-4": GET /v3/projects?name=cn-north-4 answered 0 projects`, "(request id", "Set project_id (or HW_PROJECT_ID)", "region cn-north-4"}},
		"several": {[]simulator.Project{{ID: "p-one", Name: "cn-north-4"}, {ID: "p-two", Name: "cn-north-4"}},
			[]string{`IAM has 2 projects named "cn-north-4" (p-one, p-two)`, "will not guess", "Set project_id"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnvWith(t, simulator.Options{Projects: tc.projects})
			unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg, keysArgs) + oneRead, ExpectError: errorLike(tc.want...)})
			if n := e.sim.Count(simulator.BaselineStatistic); n != 0 {
				t.Fatalf("%d HSS reads without a project", n)
			}
		})
	}
}

// With a token, the project is the token's own scope.
func TestAccAuthTokenProject(t *testing.T) {
	e := newTestEnv(t)
	unitTest(t, readStep(e.signInProvider(regionArg, fmt.Sprintf("token = %q", simulator.DefaultToken))+oneRead))
	if e.sim.Count(simulator.IAMTokens) == 0 || e.sim.Count(simulator.IAMProjects) != 0 {
		t.Fatal("want the token's scope (GET /v3/auth/tokens), not a project search")
	}
	expectAuth(t, e.sim, "token")
}

// A data source's region gets that region's project, even when the
// provider's is configured.
func TestAccAuthDataSourceRegionProject(t *testing.T) {
	e := newTestEnvWith(t, simulator.Options{Projects: []simulator.Project{
		{ID: simulator.DefaultProjectID, Name: "cn-north-4"}, {ID: "a5e6f7a8b9c04d1e8f2a3b4c5d6e7f80", Name: "ap-southeast-1"},
	}})
	unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg, keysArgs, fmt.Sprintf("project_id = %q", simulator.DefaultProjectID)) + `
data "hss_image_baseline_statistic" "x" {
  region     = "ap-southeast-1"
  image_type = "local"
}
`})
	if e.sim.Count(simulator.BaselineStatistic) == 0 {
		t.Fatal("the data source read nothing")
	}
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic && (r.Header.Get("Region") != "ap-southeast-1" || !strings.HasPrefix(r.Path, "/v5/a5e6f7a8b9c04d1e8f2a3b4c5d6e7f80/")) {
			t.Fatalf("region %s read with path %s", r.Header.Get("Region"), r.Path)
		}
	}
	if e.sim.Count(simulator.IAMProjects) == 0 {
		t.Fatal("no project lookup for the data source's region")
	}
}

func TestAccAuthProfile(t *testing.T) {
	t.Run("named AKSK profile gives keys, region and project", func(t *testing.T) {
		e := newTestEnv(t)
		file := koocliFile(t, t.TempDir())
		unitTest(t, readStep(e.signInProvider(fmt.Sprintf("shared_config_file = %q\n  profile = \"dev\"", file))+oneRead))
		expectAuth(t, e.sim, simulator.DefaultAccessKey)
		if n := e.sim.Count(simulator.IAMProjects); n != 0 {
			t.Fatalf("%d project lookups; the profile has the project", n)
		}
	})
	t.Run("the KooCLI default file and its current SSO profile, nothing configured", func(t *testing.T) {
		e := newTestEnv(t)
		home := t.TempDir()
		t.Setenv("HOME", home)
		koocliFile(t, filepath.Join(home, ".hcloud"))
		unitTest(t, readStep(e.signInProvider()+oneRead))
		expectAuth(t, e.sim, simulator.DefaultTempAccessKey)
	})
	t.Run("HW_PROFILE naming a profile that does not exist", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv("HW_SHARED_CONFIG_FILE", koocliFile(t, t.TempDir()))
		t.Setenv("HW_PROFILE", "prod")
		unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg) + oneRead,
			ExpectError: errorLike("Cannot use the KooCLI profile", `has no profile "prod" (it has: dev, sso)`)})
		e.expectNoRequests(t)
	})
	t.Run("a profile region that would name another host", func(t *testing.T) {
		e := newTestEnv(t)
		file := koocliFile(t, t.TempDir())
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(string(body), `"region": "cn-north-4"`, `"region": "x@127.0.0.1:1/"`, 1)
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		unitTest(t, resource.TestStep{Config: e.signInProvider(fmt.Sprintf("shared_config_file = %q\n  profile = \"dev\"", file)) + oneRead,
			ExpectError: errorLike("Invalid region in the profile", `"x@127.0.0.1:1/" is not a Huawei Cloud region id`)})
		e.expectNoRequests(t)
	})
	// KooCLI encrypts the keys by default: whether the whole file or the
	// key fields are unreadable, the error says how to turn that off.
	for name, body := range map[string]string{
		"an encrypted file": "\x8a\x13\x07ciphertext-of-a-kooCLI-config",
		"encrypted keys": `{"current": "default", "profiles": [{"name": "default", "mode": "AKSK", "region": "cn-north-4",
  "accessKeyId": "9f2c4e1ab37d0c5e8a6b2f14d9e07c3a5b8e1f60c2d4a7b9", "secretAccessKey": "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			file := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg, fmt.Sprintf("shared_config_file = %q", file)) + oneRead,
				ExpectError: errorLike("Cannot use the KooCLI profile", "hcloud configure set --cli-auth-encrypt=false")})
			e.expectNoRequests(t)
		})
	}
}

func bodyOf(t *testing.T, sim *simulator.Simulator, e simulator.Endpoint) string {
	t.Helper()
	for _, r := range sim.Requests() {
		if r.Endpoint == e {
			return string(r.Body)
		}
	}
	t.Fatalf("no %s request", e)
	return ""
}

func TestAccAuthAssumeRole(t *testing.T) {
	t.Run("by domain name through IAM, duration honoured", func(t *testing.T) {
		e := newTestEnv(t)
		unitTest(t, readStep(e.signInProvider(regionArg, keysArgs, fmt.Sprintf(`assume_role {
    agency_name = %q
    domain_name = %q
    duration    = 1800
  }`, simulator.DefaultAgencyName, simulator.DefaultDomainName))+oneRead))
		expectAuth(t, e.sim, "issued")
		if b := bodyOf(t, e.sim, simulator.IAMSecurityTokens); !strings.Contains(b, `"duration_seconds":1800`) || !strings.Contains(b, `"methods":["assume_role"]`) {
			t.Fatalf("securitytokens body %s", b)
		}
	})
	t.Run("by domain id through STS, from HW_ASSUME_ROLE_* alone", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv("HW_ASSUME_ROLE_AGENCY_NAME", simulator.DefaultAgencyName)
		t.Setenv("HW_ASSUME_ROLE_DOMAIN_ID", simulator.DefaultDomainID)
		t.Setenv("HW_ASSUME_ROLE_DURATION", "2000")
		unitTest(t, readStep(e.signInProvider(regionArg, keysArgs)+oneRead))
		expectAuth(t, e.sim, "issued")
		b := bodyOf(t, e.sim, simulator.STSAssume)
		if want := `"agency_urn":"iam::` + simulator.DefaultDomainID + `:agency:` + simulator.DefaultAgencyName + `"`; !strings.Contains(b, want) || !strings.Contains(b, `"duration_seconds":2000`) {
			t.Fatalf("STS body %s", b)
		}
	})
	t.Run("an agency IAM refuses", func(t *testing.T) {
		e := newTestEnv(t)
		unitTest(t, resource.TestStep{
			Config: e.signInProvider(regionArg, keysArgs, `assume_role {
    agency_name = "not-granted"
    domain_name = "someone-else"
  }`) + oneRead,
			ExpectError: errorLike("Cannot sign in to Huawei Cloud", "agency not-granted", "HTTP 403", "IAM.0003"),
		})
	})
}

func TestAccAuthOIDC(t *testing.T) {
	t.Run("block with an id token file", func(t *testing.T) {
		e := newTestEnv(t)
		file := filepath.Join(t.TempDir(), "id-token")
		if err := os.WriteFile(file, []byte(simulator.DefaultIDToken), 0o600); err != nil {
			t.Fatal(err)
		}
		unitTest(t, readStep(e.signInProvider(regionArg, fmt.Sprintf(`assume_role_with_oidc {
    agency_name   = %q
    domain_id     = %q
    idp_id        = %q
    id_token_file = %q
    duration      = 900
  }`, simulator.DefaultAgencyName, simulator.DefaultDomainID, simulator.DefaultIdpID, file))+oneRead))
		expectAuth(t, e.sim, "issued")
		if b := bodyOf(t, e.sim, simulator.STSAssume); !strings.Contains(b, `"duration_seconds":900`) {
			t.Fatalf("STS body %s", b)
		}
		if !strings.Contains(bodyOf(t, e.sim, simulator.IAMSecurityTokens), `"methods":["token"]`) {
			t.Fatal("the unscoped token must be exchanged for keys")
		}
	})
	t.Run("environment variables", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv("HW_ASSUME_ROLE_IDP_ID", simulator.DefaultIdpID)
		t.Setenv("HW_ASSUME_ROLE_ID_TOKEN", simulator.DefaultIDToken)
		t.Setenv("HW_ASSUME_ROLE_AGENCY_NAME", simulator.DefaultAgencyName)
		t.Setenv("HW_ASSUME_ROLE_DOMAIN_ID", simulator.DefaultDomainID)
		unitTest(t, readStep(e.signInProvider(regionArg)+oneRead))
		expectAuth(t, e.sim, "issued")
	})
	t.Run("an id token IAM rejects", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv("HW_ASSUME_ROLE_IDP_ID", simulator.DefaultIdpID)
		t.Setenv("HW_ASSUME_ROLE_ID_TOKEN", "eyJhbGciOiJSUzI1NiJ9.expired-or-forged.c2ln")
		t.Setenv("HW_ASSUME_ROLE_AGENCY_NAME", simulator.DefaultAgencyName)
		t.Setenv("HW_ASSUME_ROLE_DOMAIN_ID", simulator.DefaultDomainID)
		unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg) + oneRead,
			ExpectError: errorLike("Cannot sign in to Huawei Cloud", "POST /v3.0/OS-AUTH/id-token/tokens", "HTTP 401", "IAM.0101", "id token failed verification")})
		if n := e.sim.Count(simulator.BaselineStatistic); n != 0 {
			t.Fatalf("%d HSS reads", n)
		}
	})
}

func TestAccAuthMetadata(t *testing.T) {
	t.Run("the agency of the instance", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv(envTestMetadataEndpoint, e.srv.URL)
		unitTest(t, readStep(e.signInProvider(regionArg)+oneRead))
		expectAuth(t, e.sim, "issued")
		if e.sim.Count(simulator.MetadataToken) == 0 {
			t.Fatal("no session token was asked for")
		}
	})
	t.Run("the instance's agency assumes another", func(t *testing.T) {
		e := newTestEnv(t)
		t.Setenv(envTestMetadataEndpoint, e.srv.URL)
		t.Setenv("HW_ASSUME_ROLE_AGENCY_NAME", simulator.DefaultAgencyName)
		t.Setenv("HW_ASSUME_ROLE_DOMAIN_ID", simulator.DefaultDomainID)
		unitTest(t, readStep(e.signInProvider(regionArg)+oneRead))
		expectAuth(t, e.sim, "issued")
		if e.sim.Count(simulator.MetadataSecurityKey) == 0 || e.sim.Count(simulator.STSAssume) == 0 {
			t.Fatal("want the metadata keys, then STS")
		}
	})
	// A metadata address that accepts connections and never answers: the
	// short timeout ends it (without one, this test would hang until go
	// test's own timeout), and the error lists every source tried.
	t.Run("unreachable", func(t *testing.T) {
		e := newTestEnv(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { conn.Close() })
			}
		}()
		t.Setenv(envTestMetadataEndpoint, "http://"+ln.Addr().String())
		start := time.Now()
		unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg) + oneRead,
			ExpectError: errorLike("No HSS credentials found", "It tried, in order:",
				"provider arguments: none of access_key, secret_key, token, assume_role_with_oidc, profile, shared_config_file is set",
				"environment variables: none of HW_ACCESS_KEY, HW_SECRET_KEY, HW_AUTH_TOKEN, HW_ASSUME_ROLE_IDP_ID is set",
				"KooCLI profile: HW_PROFILE and HW_SHARED_CONFIG_FILE are not set and ~/.hcloud/config.json does not exist",
				"ECS metadata service", "Client.Timeout exceeded")})
		t.Logf("failed after %s", time.Since(start).Round(time.Millisecond))
	})
}

// The first level that sets any credential chooses the mode as a whole.
func TestAccAuthPrecedence(t *testing.T) {
	profileWithTempKeys := func(t *testing.T) string { return koocliFile(t, t.TempDir()) }
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // how HSS requests sign in, or an error
		err  []string
	}{
		{name: "key arguments beat a leftover HW_AUTH_TOKEN",
			env: map[string]string{"HW_AUTH_TOKEN": "leftover-token"}, args: []string{keysArgs}, want: simulator.DefaultAccessKey},
		{name: "a token argument beats exported keys",
			env:  map[string]string{"HW_ACCESS_KEY": simulator.DefaultAccessKey, "HW_SECRET_KEY": simulator.DefaultSecretKey},
			args: []string{fmt.Sprintf("token = %q", simulator.DefaultToken), fmt.Sprintf("project_id = %q", simulator.DefaultProjectID)}, want: "token"},
		{name: "a profile argument beats exported keys",
			env: map[string]string{"HW_ACCESS_KEY": "AKENVNOTUSED", "HW_SECRET_KEY": "not-used"}, args: []string{"profile = \"sso\""}, want: simulator.DefaultTempAccessKey},
		{name: "exported keys beat HW_PROFILE",
			env:  map[string]string{"HW_ACCESS_KEY": simulator.DefaultAccessKey, "HW_SECRET_KEY": simulator.DefaultSecretKey, "HW_PROFILE": "no-such-profile"},
			want: simulator.DefaultAccessKey},
		{name: "two modes in the environment",
			env: map[string]string{"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s", "HW_AUTH_TOKEN": "t"},
			err: []string{"Conflicting HSS credentials", "environment variables set more than one way to sign in: HW_ACCESS_KEY/HW_SECRET_KEY and HW_AUTH_TOKEN"}},
		{name: "a security token alone",
			env: map[string]string{"HW_SECURITY_TOKEN": "st"},
			err: []string{"Invalid HSS credentials", "a security token is set without the access key pair it belongs to"}},
		{name: "two modes in the arguments",
			args: []string{keysArgs, `profile = "dev"`},
			err:  []string{"provider arguments set more than one way to sign in: access_key/secret_key and profile"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			t.Setenv("HW_SHARED_CONFIG_FILE", profileWithTempKeys(t))
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg := e.signInProvider(append([]string{regionArg}, tc.args...)...) + oneRead
			if tc.err != nil {
				unitTest(t, resource.TestStep{Config: cfg, ExpectError: errorLike(tc.err...)})
				e.expectNoRequests(t)
				return
			}
			unitTest(t, readStep(cfg))
			expectAuth(t, e.sim, tc.want)
		})
	}
}

// The example on the provider's docs page, with the keys its comment tells
// users to export: the alias signs in with its token, not the keys.
//
// The example's default provider block is left out: the acceptance tests
// serve every provider configuration from one in-process server, where the
// last configure wins, while Terraform proper starts a plugin process per
// configuration. TestAccProviderEnvironment covers the default block.
func TestAccAuthDocsExample(t *testing.T) {
	e := newTestEnv(t)
	example, err := os.ReadFile("../../examples/provider/provider.tf")
	if err != nil {
		t.Fatal(err)
	}
	alias, n := strings.CutPrefix(string(example)[strings.Index(string(example), "provider \"hss\" {}"):], "provider \"hss\" {}")
	if !n || !strings.Contains(alias, `token                 = var.iam_token`) {
		t.Fatal("the example no longer has a default provider block followed by the alias with a token; update this test")
	}
	t.Setenv("HW_REGION_NAME", "cn-north-4")
	t.Setenv("HW_HSS_ENDPOINT", e.srv.URL)
	t.Setenv("HW_ACCESS_KEY", simulator.DefaultAccessKey)
	t.Setenv("HW_SECRET_KEY", simulator.DefaultSecretKey)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: alias + `
data "hss_image_baseline_statistic" "x" {
  provider   = hss.explicit
  image_type = "local"
}
`,
			ConfigVariables: config.Variables{
				"project_id": config.StringVariable(simulator.DefaultProjectID),
				"iam_token":  config.StringVariable(simulator.DefaultToken),
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_baseline_statistic.x", tfjsonpath.New("enterprise_project_id"), knownvalue.StringExact("all_granted_eps")),
			},
		}},
	})
	expectAuth(t, e.sim, "token")
}

// countingServer counts ConfigureProvider calls: each obtains credentials
// once, so what the simulator issued beyond them are refreshes.
type countingServer struct {
	tfprotov6.ProviderServer
	configures *atomic.Int64
}

func (s countingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	s.configures.Add(1)
	return s.ProviderServer.ConfigureProvider(ctx, req)
}

// Agency keys that live 3 seconds, and plans whose reads take longer:
// every plan succeeds, and the keys are refreshed once per expiry, not
// once per read.
func TestAccAuthCredentialsExpireDuringLongPlan(t *testing.T) {
	e := newTestEnv(t)
	e.sim.SetCredentialLifetime(3 * time.Second)
	e.sim.SetLatency(200 * time.Millisecond)
	var configures atomic.Int64
	const reads = 200 // 200 reads x 200 ms / 10 in parallel = 4 s per plan
	start := time.Now()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"hss": func() (tfprotov6.ProviderServer, error) {
				return countingServer{NewProtocol6Server("test")(), &configures}, nil
			},
		},
		Steps: []resource.TestStep{{
			Config: e.signInProvider(regionArg, keysArgs, fmt.Sprintf(`assume_role {
    agency_name = %q
    domain_name = %q
  }`, simulator.DefaultAgencyName, simulator.DefaultDomainName)) + fmt.Sprintf(`
data "hss_image_baseline_statistic" "x" {
  count      = %d
  image_type = "local"
  image_name = "n${count.index}"
}
`, reads),
		}},
	})
	elapsed := time.Since(start)
	issued, n, hss := e.sim.CredentialsIssued(), int(configures.Load()), e.sim.Count(simulator.BaselineStatistic)
	refreshes := issued - n
	t.Logf("%s: %d HSS reads, %d configures, %d keys issued, %d refreshes", elapsed.Round(time.Millisecond), hss, n, issued, refreshes)
	// Keys are replaced when a third of their life (1 s) is left, so at most
	// one refresh per 2 s of wall time (the commands run one after another).
	if refreshes < 1 || refreshes > int(elapsed/(2*time.Second))+n {
		t.Fatalf("%d refreshes in %s; want at least 1 and at most one per 2 s", refreshes, elapsed)
	}
	if issued*20 > hss {
		t.Fatalf("%d keys issued for %d reads: refreshed per read, not per expiry", issued, hss)
	}
}

// STS grants an agency at most 43200 seconds: a longer duration with
// domain_id fails at configure, from the block or from the variable.
func TestAssumeRoleDurationLimitOfSTS(t *testing.T) {
	keys := providerModel{AccessKey: types.StringValue("AK"), SecretKey: types.StringValue("SK")}
	for _, tc := range []struct {
		name string
		env  string
		a    assumeRoleModel
		want string
	}{
		{"block", "", assumeRoleModel{AgencyName: types.StringValue("ops"), DomainID: types.StringValue("d1"), Duration: types.Int64Value(43201)},
			"STS (assume_role by domain_id) grants at most 43200 seconds."},
		{"variable", "43201", assumeRoleModel{AgencyName: types.StringValue("ops"), DomainID: types.StringValue("d1")},
			"HW_ASSUME_ROLE_DURATION must be a whole number of seconds from 900 to 43200, got \"43201\"."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HW_ASSUME_ROLE_DURATION", tc.env)
			m := keys
			m.AssumeRole = &tc.a
			_, err := resolveSignIn(m)
			if ae, ok := asAuthError(err); !ok || ae.detail != tc.want {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
