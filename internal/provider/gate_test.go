package provider

import (
	"context"
	"fmt"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// The gate of examples/gate in plain Terraform: a data-source
// postcondition fails the plan; a check block only warns.

// expectCheckStatus asserts the status Terraform recorded for a check
// block (or a data source's conditions) in the plan.
type expectCheckStatus struct {
	address string
	status  tfjson.CheckStatus
}

func (e expectCheckStatus) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, c := range req.Plan.Checks {
		if c.Address.ToDisplay == e.address {
			if c.Status != e.status {
				resp.Error = fmt.Errorf("%s: status %s, want %s", e.address, c.Status, e.status)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("no check result for %s in the plan", e.address)
}

func gateConfig(image string) string {
	return fmt.Sprintf(`
locals {
  image = provider::hss::parse_image_ref(%q)
}

data "hss_image_security_summary" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}

check "vulnerabilities" {
  assert {
    condition     = data.hss_image_security_summary.deploy.report_counts["vulnerability"] <= 3
    error_message = "too many vulnerabilities: ${data.hss_image_security_summary.deploy.report_counts["vulnerability"]}"
  }
}
`, image)
}

func TestAccGateCheckBlockWarns(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// shop/web:2.0 has 5 vulnerabilities: the check fails, the
				// plan and apply still succeed.
				Config: e.config(gateConfig("swr.cn-north-4.myhuaweicloud.com/shop/web:2.0")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectCheckStatus{"check.vulnerabilities", tfjson.CheckStatusFail}},
				},
			},
			{
				Config: e.config(gateConfig("swr.cn-north-4.myhuaweicloud.com/shop/cart:3.1")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectCheckStatus{"check.vulnerabilities", tfjson.CheckStatusPass}},
				},
			},
		},
	})
}

func TestAccGatePostconditionFailsThePlan(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	postcondition := func(image string) string {
		return fmt.Sprintf(`
data "hss_image_baseline_statistic" "deploy" {
  image_type    = "private_image"
  namespace     = provider::hss::parse_image_ref(%q).namespace
  image_name    = provider::hss::parse_image_ref(%q).image_name
  image_version = provider::hss::parse_image_ref(%q).image_version

  lifecycle {
    postcondition {
      condition     = self.image_weak_pwd == 0
      error_message = "the image has ${self.image_weak_pwd} weak password(s)"
    }
  }
}
`, image, image, image)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(postcondition("shop/cart:3.1")),
			},
			{
				Config:      e.config(postcondition("shop/web:2.0")),
				ExpectError: errorLike("Resource postcondition failed", "the image has 2 weak password(s)"),
			},
		},
	})
}
