package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

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
				ExpectError: errorLike("Invalid duration", "must be a positive duration with a unit"),
			}},
		})
	}
	t.Setenv("HW_READ_TIMEOUT", "0")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.config(ds),
			ExpectError: errorLike("HW_READ_TIMEOUT must be a positive duration with a unit", `got "0"`),
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
