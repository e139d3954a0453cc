package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestCheckRegion(t *testing.T) {
	for _, ok := range []string{
		"cn-north-4", "cn-north-9", "cn-east-3", "cn-south-1", "cn-southwest-2", "ap-southeast-1", "ap-southeast-4",
		"eu-west-101", "eu-west-0", "la-south-2", "la-north-2", "sa-brazil-1", "af-south-1", "me-east-1", "tr-west-1",
		"ru-northwest-2", "ae-ad-1", "my-kualalumpur-1",
	} {
		if err := checkRegion(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []struct{ region, want string }{
		{"x@127.0.0.1:8443/", "not a Huawei Cloud region id"},
		{"cn-north-4.evil.example", "not a Huawei Cloud region id"},
		{"cn-north-4/", "not a Huawei Cloud region id"},
		{"cn-north-4:443", "not a Huawei Cloud region id"},
		{"CN-NORTH-4", "not a Huawei Cloud region id"},
		{"cn-north", "not a Huawei Cloud region id"},
		{"north-4", "not a Huawei Cloud region id"},
		{"cn-north-4444", "not a Huawei Cloud region id"},
		{"cn--north-4", "not a Huawei Cloud region id"},
		{"cn-north-4 ", "trimspace()"},
		{"cn-north-4\r\n", "trimspace()"},
		{"cn-\tnorth-4", "control character"},
		{"", "is empty"},
	} {
		err := checkRegion(bad.region)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.region, err, bad.want)
		}
	}
}

func TestTextProblem(t *testing.T) {
	for _, ok := range []string{"web", "shop/web", "2.0", "a b", "Pipes a download into a shell", "镜像"} {
		if msg := textProblem(ok); msg != "" {
			t.Errorf("%q: %s", ok, msg)
		}
	}
	for _, bad := range []struct{ s, want string }{
		{"", "is empty"},
		{" web", "trimspace()"},
		{"web ", "trimspace()"},
		{"2.0\n", "trimspace()"},
		{"\u00a0web", "trimspace()"}, // a no-break space is white space too
		{"we\x00b", "control character"},
		{"we\tb", "control character"},
		{"we\x7fb", "control character"},
		{"\xff", "not valid UTF-8"},
	} {
		if msg := textProblem(bad.s); !strings.Contains(msg, bad.want) {
			t.Errorf("%q: %q, want %q", bad.s, msg, bad.want)
		}
	}
}

// Every selector, filter, list item, region and timeout is checked at plan,
// in every type that takes it; nothing reaches HSS.
func TestAccValidationAtPlan(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const nullVariable = `
variable "id" {
  type    = string
  default = null
}
`
	steps := []struct {
		config string
		want   []string
	}{
		{`data "hss_image_baseline_statistic" "x" {
  image_type = "private_image"
  image_name = "  web  "
}`, []string{"Invalid image_name", `image_name "  web  " starts or ends with white space`, "trimspace()"}},
		{`data "hss_image_baseline_statistic" "x" {
  image_type    = "private_image"
  image_version = "2.0\n"
}`, []string{"Invalid image_version", "trimspace()"}},
		{`data "hss_image_baseline_statistic" "x" {
  image_type = "private_image"
  namespace  = ""
}`, []string{"Invalid namespace", `namespace is empty: HSS reads "" as no filter at all`}},
		{`data "hss_image_baseline_statistic" "x" {
  image_type  = "instance_image"
  instance_id = "swr\t1"
}`, []string{"Invalid instance_id", "control character"}},
		{`data "hss_image_security_summary" "x" {
  image_type = "private_image"
  image_id   = " img-web-20"
}`, []string{"Invalid image_id", "trimspace()"}},
		{`data "hss_image_security_summary" "x" {
  image_type   = "private_image"
  report_types = [null]
}`, []string{"Null item in report_types", "report_types is null, as [var.x] is when var.x is null", "compact()"}},
		{`data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  image_id_list        = [""]
}`, []string{`image_id_list[0] is empty`}},
		{nullVariable + `data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  image_id_list        = [var.id]
}`, []string{"Null item in image_id_list", "image_id_list[0] is null"}},
		{`data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  vul_id_list          = ["CVE-2024-3094 "]
}`, []string{`vul_id_list[0] "CVE-2024-3094 " starts or ends with white space`}},
		{`data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  cicd_name            = "main-pipeline\r\n"
}`, []string{"Invalid cicd_name", "trimspace()"}},
		{`data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  instance_name        = ""
}`, []string{"Invalid instance_name", "is empty"}},
		{`data "hss_images" "x" {
  image_type = "private_image"
  image_name = " web"
}`, []string{"Invalid image_name", `image_name " web" starts or ends with white space`}},
		{`data "hss_images" "x" {
  image_type    = "private_image"
  registry_name = ""
}`, []string{"Invalid registry_name", "is empty"}},
		{`data "hss_images" "x" {
  image_type = "private_image"
  region     = "cn-north-4\r\n"
}`, []string{"Invalid region", "trimspace()"}},
		{`data "hss_image" "x" {
  image_type = "cicd"
  image_id   = "img-cicd-ci\t"
}`, []string{"Invalid image_id", "trimspace()"}},
		{`data "hss_image" "x" {
  image_type = "cicd"
  image_id   = "img-cicd-ci"
  region     = "x@127.0.0.1:8443/"
}`, []string{"Invalid region", "is not a Huawei Cloud region id"}},
		{`data "hss_image_baseline_statistic" "x" {
  image_type = "private_image"
  region     = "x@127.0.0.1:8443/"
}`, []string{"Invalid region", `"x@127.0.0.1:8443/" is not a Huawei Cloud region id`}},
		{`data "hss_image_security_report_statistic" "x" {
  security_report_type = "vulnerability"
  region               = "cn-north-4 "
}`, []string{"Invalid region", "trimspace()"}},
		{`data "hss_image_baseline_statistic" "x" {
  image_type            = "private_image"
  enterprise_project_id = " 0"
}`, []string{"Invalid enterprise_project_id", "trimspace()"}},
		{nullVariable + `resource "hss_image_baseline_export" "x" {
  export_size   = 1
  image_id_list = [var.id]
}`, []string{"Null item in image_id_list", "image_id_list[0] is null"}},
		{`resource "hss_image_baseline_export" "x" {
  export_size = 1
  region      = "cn-north-4\n"
}`, []string{"Invalid region", "trimspace()"}},
		{`resource "hss_image_baseline_export" "x" {
  export_size = 1
  output_path = ""
}`, []string{"Invalid output_path", "is empty"}},
		{`resource "hss_image_baseline_export" "x" {
  export_size = 1
  image_name  = ""
}`, []string{"Invalid image_name", "is empty"}},
		{`resource "hss_image_baseline_export" "x" {
  export_size = 1
  timeouts {
    create = "-5m"
  }
}`, []string{"Invalid timeout", `timeouts.create must be a positive duration with a unit`, `got "-5m"`}},
		{`resource "hss_image_baseline_export" "x" {
  export_size = 1
  timeouts {
    create = "0s"
  }
}`, []string{"Invalid timeout", `got "0s"`}},
	}
	var ts []resource.TestStep
	for _, s := range steps {
		ts = append(ts, resource.TestStep{Config: e.config(s.config), ExpectError: errorLike(s.want...)})
	}
	// The provider's own region.
	ts = append(ts, resource.TestStep{
		Config:      strings.Replace(e.config(`data "hss_image_baseline_statistic" "x" { image_type = "local" }`), `region     = "cn-north-4"`, `region     = "CN-NORTH-4"`, 1),
		ExpectError: errorLike("Invalid region", `"CN-NORTH-4" is not a Huawei Cloud region id`),
	})
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: ts})
	e.expectNoRequests(t)
}

// Environment variables are checked as the arguments they stand for.
func TestAccValidationEnvironment(t *testing.T) {
	e := newTestEnv(t)
	config := e.providerConfig(authAKSK) + `data "hss_image_baseline_statistic" "x" { image_type = "local" }`
	withoutRegion := strings.Replace(config, `region     = "cn-north-4"`, "", 1)
	t.Setenv("HW_REGION_NAME", "cn-north-4\r\n")
	t.Setenv("HW_ENTERPRISE_PROJECT_ID", strings.Repeat("e", 300))
	t.Setenv("HW_CLOUD", "myhuaweicloud.com@127.0.0.1:1")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: withoutRegion,
			ExpectError: errorLike("Invalid HW_REGION_NAME", "HW_REGION_NAME (for region)", "trimspace()",
				"Invalid HW_CLOUD", "is not a domain name",
				"Invalid HW_ENTERPRISE_PROJECT_ID", "is 300 characters long; at most 256 are allowed"),
		}},
	})
	e.expectNoRequests(t)
}

// A null item that reaches a read (unknown at plan, null at apply) is an
// error in words, not the framework's "always an error in the provider".
func TestFilterRequestRejectsNullItems(t *testing.T) {
	list, diags := types.ListValue(types.StringType, []attr.Value{types.StringValue("img-1"), types.StringNull()})
	if diags.HasError() {
		t.Fatal(diags)
	}
	m := imageFilterModel{ImageIDList: list}
	f, diags := m.request(t.Context())
	if !diags.HasError() || f.ImageIDList != nil || !strings.Contains(diags[0].Detail(), "every item must be a known, non-empty string") {
		t.Fatalf("filter %+v, diagnostics %v", f, diags)
	}
}
