package provider

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// TestMain pins the acceptance tests to the Terraform CLI on PATH. Nothing
// is ever downloaded: without a terraform binary the tests stop here.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FATAL: the terraform CLI was not found on PATH. The acceptance tests run the real Terraform CLI "+
				"(1.11.4 or later) against the local HSS simulator; install it, or point TF_ACC_TERRAFORM_PATH at it. Tests never download Terraform.")
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", p)
	}
	_ = os.Unsetenv("TF_ACC_TERRAFORM_VERSION") // would download
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	// The tests configure the provider explicitly; a developer's real
	// credentials in the environment must not leak into them.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HW_") {
			_ = os.Unsetenv(name)
		}
	}
	// Nor may their KooCLI profile (~/.hcloud/config.json) or a metadata
	// service: a home without one, and a metadata address that refuses.
	home, err := os.MkdirTemp("", "hss-test-home")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Setenv("HOME", home)
	_ = os.Setenv(envTestMetadataEndpoint, closedEndpoint())
	code := m.Run()
	_ = os.RemoveAll(home)
	os.Exit(code)
}

var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"hss": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// testEnv is a simulator on loopback and the provider configuration that
// reaches it.
type testEnv struct {
	sim *simulator.Simulator
	srv *httptest.Server
}

// closedEndpoint is a loopback URL nothing listens on: connections are
// refused at once.
func closedEndpoint() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	sim := simulator.New(simulator.Options{})
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testEnv{sim: sim, srv: srv}
}

// auth modes for providerConfig.
const (
	authAKSK  = "aksk"
	authTemp  = "temporary"
	authToken = "token"
)

func (e *testEnv) providerConfig(auth string, extra ...string) string {
	creds := map[string]string{
		authAKSK:  fmt.Sprintf("access_key = %q\n  secret_key = %q", simulator.DefaultAccessKey, simulator.DefaultSecretKey),
		authTemp:  fmt.Sprintf("access_key = %q\n  secret_key = %q\n  security_token = %q", simulator.DefaultTempAccessKey, simulator.DefaultTempSecretKey, simulator.DefaultSecurityToken),
		authToken: fmt.Sprintf("token = %q", simulator.DefaultToken),
	}[auth]
	return fmt.Sprintf(`
provider "hss" {
  region     = "cn-north-4"
  project_id = %q
  endpoint   = %q
  %s
  %s
}
`, e.sim.ProjectID(), e.srv.URL, creds, strings.Join(extra, "\n  "))
}

func (e *testEnv) config(body string) string {
	return e.providerConfig(authAKSK) + body
}

// expectNoRequests: invalid input must fail at plan time, before any call
// reaches HSS.
func (e *testEnv) expectNoRequests(t testing.TB) {
	t.Helper()
	if n := len(e.sim.Requests()); n != 0 {
		t.Fatalf("%d requests reached HSS; invalid input must fail before any call", n)
	}
}

// errorLike matches Terraform's rendering of a diagnostic, which wraps long
// lines: the fragments in order, any white space matching any white space.
func errorLike(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile("(?s)" + strings.Join(quoted, ".*"))
}

func expectInt(address, attr string, n int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(attr), knownvalue.Int64Exact(n))
}

func TestProviderSchemaIsValid(t *testing.T) {
	resp, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := resp.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schema.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
	for _, name := range []string{"access_key", "secret_key", "security_token", "token"} {
		found := false
		for _, a := range schema.Provider.Block.Attributes {
			if a.Name == name {
				found = true
				if !a.Sensitive {
					t.Errorf("provider argument %s must be sensitive", name)
				}
			}
		}
		if !found {
			t.Errorf("provider argument %s missing", name)
		}
	}
	sensitiveID := false
	for _, b := range schema.Provider.Block.BlockTypes {
		for _, a := range b.Block.Attributes {
			sensitiveID = sensitiveID || b.TypeName == "assume_role_with_oidc" && a.Name == "id_token" && a.Sensitive
		}
	}
	if !sensitiveID {
		t.Error("assume_role_with_oidc.id_token must exist and be sensitive")
	}
}

func TestAccProviderAuthErrors(t *testing.T) {
	e := newTestEnv(t)
	base := fmt.Sprintf("region = \"cn-north-4\"\n  project_id = %q\n  endpoint = %q\n", e.sim.ProjectID(), e.srv.URL)
	ds := `
data "hss_image_baseline_statistic" "all" {
  image_type = "local"
}
`
	tests := map[string]struct {
		args string
		want string
	}{
		"none":         {"", "No HSS credentials found|provider arguments|environment variables|HW_ACCESS_KEY|HW_AUTH_TOKEN|KooCLI profile|ECS metadata service|connection refused"},
		"both":         {`token = "t"` + "\n" + `access_key = "a"` + "\n" + `secret_key = "s"`, "provider arguments set more than one way to sign in: access_key/secret_key and token"},
		"half a pair":  {`access_key = "a"`, "an access key is set without its secret key|access_key and secret_key|HW_SECRET_KEY"},
		"no region":    {"", "Missing HSS region|HW_REGION_NAME"},
		"bad cacert":   {`token = "t"` + "\n" + `cacert_file = "/nonexistent/ca.pem"`, "Cannot read the CA bundle"},
		"bad endpoint": {`token = "t"`, "is not an absolute http(s) URL"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			args := base + tt.args
			switch name {
			case "no region":
				args = strings.Replace(args, `region = "cn-north-4"`, "", 1) + "\ntoken = \"t\""
			case "bad endpoint":
				args = strings.Replace(args, e.srv.URL, "ftp://example", 1)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "provider \"hss\" {\n" + args + "\n}\n" + ds,
					ExpectError: errorLike(strings.Split(tt.want, "|")...),
				}},
			})
		})
	}
}

// Environment variables configure the provider; arguments win over them.
func TestAccProviderEnvironment(t *testing.T) {
	e := newTestEnv(t)
	t.Setenv("HW_REGION_NAME", "cn-north-4")
	t.Setenv("HW_PROJECT_ID", e.sim.ProjectID())
	t.Setenv("HW_HSS_ENDPOINT", e.srv.URL)
	t.Setenv("HW_ACCESS_KEY", simulator.DefaultTempAccessKey)
	t.Setenv("HW_SECRET_KEY", simulator.DefaultTempSecretKey)
	t.Setenv("HW_SECURITY_TOKEN", simulator.DefaultSecurityToken)
	t.Setenv("HW_ENTERPRISE_PROJECT_ID", "all_granted_eps")
	t.Setenv("HW_MAX_RETRIES", "2")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "hss" {}

data "hss_image_baseline_statistic" "all" {
  image_type = "registry"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					// all_granted_eps from the environment includes ep-finance.
					expectInt("data.hss_image_baseline_statistic.all", "image_weak_pwd", 10),
					statecheck.ExpectKnownValue("data.hss_image_baseline_statistic.all", tfjsonpath.New("enterprise_project_id"), knownvalue.StringExact("all_granted_eps")),
					statecheck.ExpectKnownValue("data.hss_image_baseline_statistic.all", tfjsonpath.New("region"), knownvalue.StringExact("cn-north-4")),
				},
			},
			{
				Config: `
provider "hss" {
  enterprise_project_id = "0"
}

data "hss_image_baseline_statistic" "all" {
  image_type = "registry"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					expectInt("data.hss_image_baseline_statistic.all", "image_weak_pwd", 6),
				},
			},
		},
	})
}

func TestAccProviderEnvironmentInvalid(t *testing.T) {
	e := newTestEnv(t)
	t.Setenv("HW_INSECURE", "sometimes")
	t.Setenv("HW_MAX_RETRIES", "many")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.config(`data "hss_image_baseline_statistic" "all" { image_type = "registry" }`),
			ExpectError: errorLike("HW_INSECURE must be true or false", "HW_MAX_RETRIES must be a whole number from 0 to 20"),
		}},
	})
}

// unknownTokenConfig is body under a provider whose token comes from a
// resource that does not exist yet, so it is unknown during plan.
func (e *testEnv) unknownTokenConfig(body string) string {
	return fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

provider "hss" {
  region     = "cn-north-4"
  project_id = %q
  endpoint   = %q
  token      = terraform_data.token.output
}
`, simulator.DefaultToken, e.sim.ProjectID(), e.srv.URL) + body
}

// A provider argument derived from a resource that does not exist yet is
// unknown at plan: reads fail with a message that says so, never a zero.
func TestAccProviderUnknownConfiguration(t *testing.T) {
	e := newTestEnv(t)
	cfg := e.unknownTokenConfig(`
data "hss_image_baseline_statistic" "all" {
  image_type = "local"
}
`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: errorLike("Provider configuration not known yet", "token depend on values that are not known until apply"),
		}},
	})
	if n := e.sim.Count(simulator.BaselineStatistic); n != 0 {
		t.Fatalf("%d requests were made with an unknown configuration", n)
	}
}

// Resources need no API call to plan, so an unknown provider argument does
// not stop them: Terraform configures the provider again, with the value
// known, before apply.
func TestAccProviderUnknownConfigurationResource(t *testing.T) {
	e := newTestEnv(t)
	cfg := e.unknownTokenConfig(`
resource "hss_image_baseline_export" "x" {
  export_size = 3
}
`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("hss_image_baseline_export.x", tfjsonpath.New("record_total_num"), knownvalue.Int64Exact(3)),
			},
		}},
	})
	if n := e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports, want 1", n)
	}
}

// request_timeout and read_timeout are positive durations, checked at plan
// before any request; so are their environment variables.
func TestAccProviderTimeoutsInvalid(t *testing.T) {
	e := newTestEnv(t)
	ds := `data "hss_image_baseline_statistic" "all" { image_type = "registry" }`
	for _, arg := range []string{`request_timeout = "0s"`, `read_timeout = "-5m"`, `read_timeout = "2 minutes"`} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      e.providerConfig(authAKSK, arg) + ds,
				ExpectError: errorLike("Invalid duration", "must be a positive duration such as 30s, 2m or 1m30s"),
			}},
		})
	}
	t.Setenv("HW_READ_TIMEOUT", "0")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.config(ds),
			ExpectError: errorLike("HW_READ_TIMEOUT must be a positive duration such as 30s, 2m or 1m30s, got \"0\""),
		}},
	})
	e.expectNoRequests(t)
}

// An endpoint ending in the API version would send every request to
// /v5/v5/...: the provider says so and how to fix it.
func TestAccProviderEndpointWithVersion(t *testing.T) {
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: strings.Replace(e.config(`data "hss_image_baseline_statistic" "all" { image_type = "registry" }`),
				fmt.Sprintf("%q", e.srv.URL), fmt.Sprintf("%q", e.srv.URL+"/v5"), 1),
			ExpectError: errorLike("ends in /v5, the API version the provider puts in front of every path", "use \""+e.srv.URL+"\""),
		}},
	})
	e.expectNoRequests(t)
}
