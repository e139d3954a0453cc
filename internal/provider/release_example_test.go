package provider

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// examples/release as a user runs it with Terraform 1.14+ (main.tf and
// actions.tf): shop/web:2.1, just pushed, is synchronised, scanned once,
// gated at apply by the data source and by the gate action, and only then
// deployed. The example's own terraform and provider blocks give way to
// the test's provider configuration.
func TestAccReleaseExampleWithActions(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{
		Images:    append(simulator.DefaultImages(), simulator.DemoReleaseImage(time.Now())),
		ScanDelay: 300 * time.Millisecond, SyncDelay: 300 * time.Millisecond,
	})
	read := func(p string) string {
		b, err := os.ReadFile("../../examples/release/" + p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	main := regexp.MustCompile(`(?s)terraform \{\n  required_providers \{.*?\n\}\n`).ReplaceAllString(read("main.tf"), "")
	main = regexp.MustCompile(`provider "hss" \{\}\n`).ReplaceAllString(main, "")
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(main + read("actions.tf")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_gate.release", tfjsonpath.New("passed"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("hss_image_scan.release[0]", tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("scan_status"), knownvalue.StringExact("success")),
				statecheck.ExpectKnownValue("terraform_data.deployment", tfjsonpath.New("input"), knownvalue.StringExact(
					"swr.cn-north-4.myhuaweicloud.com/shop/web:2.1@sha256:a09518d26a6297fa6da37a51c52f535c5980ceea365d2dd58541e05289b3fcd2")),
			},
		}}})
	if n := e.sim.Count(simulator.ImageScanTasks); n != 1 {
		t.Fatalf("%d scan requests, want 1", n)
	}
	if n := e.sim.Count(simulator.ImageSynchronize); n != 1 {
		t.Fatalf("%d synchronise requests, want 1", n)
	}
}
