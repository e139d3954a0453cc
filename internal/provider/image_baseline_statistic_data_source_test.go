package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const baselineFilters = `
data "hss_image_baseline_statistic" "local" {
  image_type = "local"
}

data "hss_image_baseline_statistic" "registry" {
  image_type = "registry"
}

data "hss_image_baseline_statistic" "shop" {
  image_type = "private_image"
  namespace  = "shop"
}

data "hss_image_baseline_statistic" "web_20" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}

data "hss_image_baseline_statistic" "by_id" {
  image_type = "shared_image"
  image_id   = "img-base-alpine"
}

data "hss_image_baseline_statistic" "finance" {
  image_type            = "instance_image"
  instance_id           = "swr-ee-7f3a"
  enterprise_project_id = "ep-finance"
}

data "hss_image_baseline_statistic" "nothing" {
  image_type = "private_image"
  image_name = "does-not-exist"
}
`

func TestAccImageBaselineStatisticFilters(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var checks []statecheck.StateCheck
	for _, c := range []struct {
		addr                string
		weak, policy, check int64
	}{
		{"local", 1, 2, 5},
		{"registry", 6, 7, 19},
		{"shop", 6, 6, 18},
		{"web_20", 2, 3, 7},
		{"by_id", 0, 1, 1},
		{"finance", 4, 2, 11},
		{"nothing", 0, 0, 0},
	} {
		checks = append(checks, baselineChecks(c.addr, c.weak, c.policy, c.check)...)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(baselineFilters),
				ConfigStateChecks: append(checks,
					sameID.AddStateValue("data.hss_image_baseline_statistic.web_20", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("data.hss_image_baseline_statistic.web_20", tfjsonpath.New("region"), knownvalue.StringExact("cn-north-4")),
					statecheck.ExpectKnownValue("data.hss_image_baseline_statistic.web_20", tfjsonpath.New("enterprise_project_id"), knownvalue.Null()),
				),
			},
			{
				// Reading again gives the same ID: nothing to change.
				Config: e.config(baselineFilters),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue("data.hss_image_baseline_statistic.web_20", tfjsonpath.New("id")),
				},
			},
		},
	})
	// Only the arguments that were set reach the wire.
	for _, r := range e.sim.Requests() {
		if r.Query.Get("image_type") == "local" && r.RawQuery != "image_type=local" {
			t.Errorf("query %q: unset arguments were sent", r.RawQuery)
		}
	}
}

// Names with spaces, + and / are escaped exactly as signed; the numbers
// prove the server saw the name the user wrote.
func TestAccImageBaselineStatisticEscaping(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
data "hss_image_baseline_statistic" "odd" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "api gateway+edge"
  image_version = "v1/beta"
}
`),
			ConfigStateChecks: baselineChecks("odd", 1, 0, 2),
		}},
	})
	want := "image_name=api%20gateway%2Bedge&image_type=private_image&image_version=v1%2Fbeta&namespace=shop"
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic && r.RawQuery != want {
			t.Fatalf("wire query\n got %s\nwant %s", r.RawQuery, want)
		}
	}
}

func TestAccImageBaselineStatisticAuthModes(t *testing.T) {
	t.Parallel()
	for _, auth := range []string{authAKSK, authTemp, authToken} {
		t.Run(auth, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            e.providerConfig(auth) + baselineFilters,
					ConfigStateChecks: baselineChecks("web_20", 2, 3, 7),
				}},
			})
			r := e.sim.Requests()[0]
			hasSig := strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 ")
			hasToken := r.Header.Get("X-Auth-Token") != ""
			if hasSig == (auth == authToken) || hasToken != (auth == authToken) {
				t.Fatalf("%s: Authorization %t, X-Auth-Token %t", auth, hasSig, hasToken)
			}
			if (r.Header.Get("X-Security-Token") != "") != (auth == authTemp) {
				t.Fatalf("%s: X-Security-Token sent = %t", auth, auth != authTemp)
			}
		})
	}
}

func TestAccImageBaselineStatisticStringCounts(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetStringCounts(true)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            e.config(baselineFilters),
			ConfigStateChecks: append(baselineChecks("registry", 6, 7, 19), baselineChecks("nothing", 0, 0, 0)...),
		}},
	})
}

func TestAccImageBaselineStatisticValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	long := strings.Repeat("x", 65536)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(`
data "hss_image_baseline_statistic" "bad" {
  image_type = "public_image"
}
`),
				ExpectError: errorLike("image_type", `value must be one of: ["private_image" "shared_image" "local_image" "instance_image" "registry" "local"]`, `got: "public_image"`),
			},
			{
				Config: e.config(fmt.Sprintf(`
data "hss_image_baseline_statistic" "bad" {
  image_type = "local"
  image_name = %q
}
`, long)),
				ExpectError: errorLike("image_name", "string length must be at most 65535, got: 65536"),
			},
			{
				Config: e.config(`
data "hss_image_baseline_statistic" "bad" {
  image_type = "local"
  image_id   = "` + strings.Repeat("i", 129) + `"
}
`),
				ExpectError: errorLike("image_id", "string length must be at most 128, got: 129"),
			},
		},
	})
	e.expectNoRequests(t)
}

func TestAccImageBaselineStatisticAPIErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// 401: the simulator rejects a wrong secret key.
	wrongKey := fmt.Sprintf(`
provider "hss" {
  region     = "cn-north-4"
  project_id = %q
  endpoint   = %q
  access_key = %q
  secret_key = "not-the-secret"
}
`, e.sim.ProjectID(), e.srv.URL, simulator.DefaultAccessKey)
	// 403: a project the credentials may not use.
	otherProject := strings.Replace(e.providerConfig(authToken), e.sim.ProjectID(), "another-project", 1)
	ds := `data "hss_image_baseline_statistic" "x" { image_type = "local" }`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: wrongKey + ds,
				// The first request the simulator answered, so its request id.
				ExpectError: errorLike("Cannot read HSS image baseline statistic", "HTTP 401 Unauthorized, error_code APIGW.0301", "The signature does not match.",
					"(request id "+simulator.NthRequestID(1)+")"),
			},
			{
				Config: otherProject + ds,
				ExpectError: errorLike("HTTP 403 Forbidden, error_code HSS.0004", `not authorized to access project "another-project"`,
					"(request id "+simulator.NthRequestID(2)+")"),
			},
		},
	})
	statuses := []int{}
	for _, r := range e.sim.Requests() {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[401 403]" {
		t.Fatalf("statuses %v, want [401 403]: neither error may be retried", statuses)
	}
}

func TestAccImageBaselineStatisticRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   []simulator.Fault
		statuses string // of the first read
	}{
		{"429 then success", []simulator.Fault{{Status: 429, RetryAfter: "1"}}, "[429 200]"},
		{"5xx burst then success", []simulator.Fault{{Status: 502}, {Status: 503, RetryAfter: "0"}, {Status: 504, Body: "<html><title>Gateway Timeout</title></html>", ContentType: "text/html"}}, "[502 503 504 200]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			e.sim.InjectAt(simulator.BaselineStatistic, tt.faults...)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            e.config(`data "hss_image_baseline_statistic" "local" { image_type = "local" }`),
					ConfigStateChecks: baselineChecks("local", 1, 2, 5),
				}},
			})
			// The first read absorbs the faults, in order, and ends in
			// success; every later read is clean.
			statuses := []int{}
			for _, r := range e.sim.Requests() {
				statuses = append(statuses, r.Status)
			}
			n := strings.Count(tt.statuses, " ") + 1
			if len(statuses) < n || fmt.Sprint(statuses[:n]) != tt.statuses {
				t.Fatalf("statuses %v, want %s first", statuses, tt.statuses)
			}
			for _, s := range statuses[n:] {
				if s != 200 {
					t.Fatalf("statuses %v: a later read was not clean", statuses)
				}
			}
		})
	}
}

// A read is retried after a 500; when the 500s outlast max_retries, the
// read fails with everything the API said.
func TestAccImageBaselineStatisticServerError(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineStatistic, Status: 500, Times: 10, Body: `{"error_code":"HSS.0500","error_msg":"backend exploded"}`})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.providerConfig(authAKSK, "max_retries = 1") + `data "hss_image_baseline_statistic" "local" { image_type = "local" }`,
			ExpectError: errorLike("HTTP 500 Internal Server Error, error_code HSS.0500: backend exploded (request id "),
		}},
	})
	if n := e.sim.Count(simulator.BaselineStatistic); n != 2 {
		t.Fatalf("%d requests, want the first and its one retry", n)
	}
}
