package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

var countFilterArguments = strings.NewReplacer(
	`  instance_name              = "swr-prod"`+"\n", "",
	`  instance_id                = "swr-inst-01"`+"\n", "",
	`  cicd_name                  = "ci-shop"`+"\n", "",
).Replace(allFilterArguments)

func TestAccImageSecurityReportStatisticEveryArgument(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
data "hss_image_security_report_statistic" "every" {
  security_report_type = "vulnerability"
` + allFilterArguments + `
}

data "hss_image_security_report_statistic" "all" {
  security_report_type = "vulnerability"
` + countFilterArguments + `
}

data "hss_image_security_report_statistic" "risks" {
  security_report_type = "build-command-risks"
` + countFilterArguments + `
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				// shop/web:2.0 has CVE-2024-3094 and CVE-2023-44487 as Linux
				// vulnerabilities among those listed...
				expectInt("data.hss_image_security_report_statistic.all", "total_num", 2),
				// ...and one critical curl|sh build risk.
				expectInt("data.hss_image_security_report_statistic.risks", "total_num", 1),
			},
		}},
	})
	assertBody(t, e.sim.Requests(), simulator.SecurityReport, "swr-inst-01", allFilterBody)
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.SecurityReport && r.Header.Get("Region") != "cn-north-4" {
			t.Fatalf("region header %q", r.Header.Get("Region"))
		}
	}
}

func TestAccImageSecurityReportStatisticReportTypes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// vulnerability: 13 findings of the shop, nginx and CI images, 453 of
	// the simulator's vulns images.
	want := map[string]int64{
		"vulnerability": 466, "risk-config": 16, "malwares": 1, "apps": 892, "files": 5823,
		"sensitive-info": 4, "non-compliant-app": 1, "build-command-risks": 5,
	}
	var cfg strings.Builder
	var checks []statecheck.StateCheck
	for _, rt := range securityReportTypes {
		name := strings.ReplaceAll(rt, "-", "_")
		cfg.WriteString(`
data "hss_image_security_report_statistic" "` + name + `" {
  security_report_type = "` + rt + `"
  operate_all          = true
}
`)
		checks = append(checks, expectInt("data.hss_image_security_report_statistic."+name, "total_num", want[rt]))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.config(cfg.String()), ConfigStateChecks: checks},
		},
	})
}

// Unset arguments are not sent; a bool set to false is sent as false; the
// enterprise project comes from the provider unless the data source says.
func TestAccImageSecurityReportStatisticOnlySetArguments(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerConfig(authAKSK, `enterprise_project_id = "all_granted_eps"`) + `
data "hss_image_security_report_statistic" "none" {
  security_report_type = "malwares"
}

data "hss_image_security_report_statistic" "clean" {
  security_report_type  = "vulnerability"
  has_malicious_file    = false
  enterprise_project_id = "ep-finance"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				// ep-finance's only image has malware, so none is clean.
				expectInt("data.hss_image_security_report_statistic.clean", "total_num", 0),
				// all_granted_eps: shop/web:2.0's 1 plus payments' 2.
				expectInt("data.hss_image_security_report_statistic.none", "total_num", 3),
			},
		}},
	})
	reqs := e.sim.Requests()
	assertBody(t, reqs, simulator.SecurityReport, "has_malicious_file", `{"has_malicious_file": false}`)
	for _, r := range reqs {
		if r.Endpoint != simulator.SecurityReport {
			continue
		}
		ep := r.Query.Get("enterprise_project_id")
		switch string(r.Body) {
		case "{}":
			if ep != "all_granted_eps" {
				t.Errorf("provider default enterprise project not sent: %q", ep)
			}
		default:
			if ep != "ep-finance" {
				t.Errorf("data source enterprise project not sent: %q", ep)
			}
		}
	}
}

func TestAccImageSecurityReportStatisticValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	steps := []struct {
		args string
		want []string
	}{
		{`security_report_type = "secrets"`, []string{"security_report_type", `value must be one of: ["vulnerability"`, `got: "secrets"`}},
		{`security_report_type = "apps"` + "\n" + `severity_level = "high"`, []string{"severity_level", `["Security" "Low" "Medium" "High"]`, `got: "high"`}},
		{`security_report_type = "apps"` + "\n" + `image_type = "registry"`, []string{"image_type", `"harbor" "jfrog" "cicd"`}},
		{`security_report_type = "apps"` + "\n" + `scan_status = "done"`, []string{"scan_status", `"download_failed" "image_oversized"`}},
		{`security_report_type = "apps"` + "\n" + `vul_type = "os"`, []string{"vul_type", `["linux_vul" "app_vul"]`}},
		{`security_report_type = "apps"` + "\n" + `build_command_risk_level = "severe"`, []string{"build_command_risk_level", `["critical" "high" "medium" "low"]`}},
		{`security_report_type = "apps"` + "\n" + `image_size = -1`, []string{"image_size", "value must be between 0 and 2147483547, got: -1"}},
		{`security_report_type = "apps"` + "\n" + `start_latest_scan_time = -5`, []string{"start_latest_scan_time", "value must be at least 0, got: -5"}},
		{`security_report_type = "apps"` + "\n" + `start_latest_update_time = 20` + "\n" + `end_latest_update_time = 10`, []string{"Invalid time range", "start_latest_update_time (20) must not be after end_latest_update_time (10)"}},
		{`security_report_type = "apps"` + "\n" + `image_id_list = []`, []string{"image_id_list", "list must contain at least 1 elements"}},
		{`security_report_type = "apps"` + "\n" + `build_command_risk_name = ""`, []string{"Invalid build_command_risk_name", `build_command_risk_name is empty: HSS reads "" as no filter at all`}},
		{`security_report_type = "apps"` + "\n" + `cicd_name = "` + strings.Repeat("c", 129) + `"`, []string{"cicd_name", "string length must be at most 128, got: 129"}},
	}
	var ts []resource.TestStep
	for _, s := range steps {
		ts = append(ts, resource.TestStep{
			Config:      e.config("data \"hss_image_security_report_statistic\" \"x\" {\n" + s.args + "\n}\n"),
			ExpectError: errorLike(s.want...),
		})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: ts})
	e.expectNoRequests(t)
}
