package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

var scanSelectorType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"image_type": tftypes.String, "namespace": tftypes.String, "image_name": tftypes.String, "image_version": tftypes.String,
	"instance_id": tftypes.String, "registry_name": tftypes.String, "image_id": tftypes.String,
}}

// scanSelectors builds images: each element "type ns name version" ("-"
// for a null namespace).
func scanSelectors(elems ...string) tftypes.Value {
	var out []tftypes.Value
	for _, el := range elems {
		f := strings.Fields(el)
		vals := map[string]tftypes.Value{}
		for name := range scanSelectorType.AttributeTypes {
			vals[name] = tftypes.NewValue(tftypes.String, nil)
		}
		vals["image_type"], vals["image_name"], vals["image_version"] = str(f[0]), str(f[2]), str(f[3])
		if f[1] != "-" {
			vals["namespace"] = str(f[1])
		}
		out = append(out, tftypes.NewValue(scanSelectorType, vals))
	}
	return tftypes.NewValue(tftypes.List{ElementType: scanSelectorType}, out)
}

func scanActionConfig(h *protocolHarness, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	return h.value(h.schema.ActionSchemas["hss_image_scan"].Schema.Block, set)
}

func invokeScan(h *protocolHarness, cfg *tfprotov6.DynamicValue) ([]string, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	return h.invokeAction("hss_image_scan", cfg)
}

func newScanHarness(t *testing.T, scanDelay time.Duration) *protocolHarness {
	base, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	return newProtocolHarnessWith(t, base, newScanEnv(t, scanDelay))
}

func TestImageScanActionThroughProviderServer(t *testing.T) {
	h := newScanHarness(t, 500*time.Millisecond)
	cfg := scanActionConfig(h, map[string]tftypes.Value{
		"images": scanSelectors("private_image release app 1.0", "private_image release new 2.0", "local_image - agent 3.1"),
	})
	v, err := h.server.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: "hss_image_scan", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("validate", v.Diagnostics)
	p, err := h.server.PlanAction(t.Context(), &tfprotov6.PlanActionRequest{ActionType: "hss_image_scan", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("plan", p.Diagnostics)
	h.e.expectNoRequests(t) // plan never scans

	progress, diags := invokeScan(h, cfg)
	h.noErrors("invoke", diags)
	all := strings.Join(progress, "\n")
	for _, want := range []string{
		"Asked HSS to synchronise its private_image list: 1 image(s) not listed yet.",
		"HSS lists private_image release/new:2.0 now.",
		"HSS accepted the scan of 2 registry image(s).",
		"HSS accepted the scan of 1 local image(s).",
		"Waiting for HSS to scan: round 1: 0 of 3 image(s) done, 3 pending",
		"HSS scanned all 3 image(s).",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no progress %q in:\n%s", want, all)
		}
	}
	if n := h.e.sim.Count(simulator.ImageScanTasks); n != 2 {
		t.Fatalf("%d scan requests, want 2 (registry and local)", n)
	}
}

func TestImageScanActionFailure(t *testing.T) {
	h := newScanHarness(t, 300*time.Millisecond)
	_, diags := invokeScan(h, scanActionConfig(h, map[string]tftypes.Value{"images": scanSelectors("private_image release bad 1.0")}))
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError ||
		!strings.Contains(diags[0].Detail, `HSS failed to scan private_image release/bad:1.0`) || !strings.Contains(diags[0].Detail, `scan_failed_code "image_layer_over_sized"`) {
		t.Fatalf("diagnostics: %+v", diags)
	}
	// An image not listed, not synchronised: an error, nothing asked.
	_, diags = invokeScan(h, scanActionConfig(h, map[string]tftypes.Value{
		"images": scanSelectors("private_image release new 2.0"), "synchronize": boolean(false)}))
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "synchronize is false") {
		t.Fatalf("diagnostics: %+v", diags)
	}
	// The timeout bounds the wait and is named.
	h2 := newScanHarness(t, 5*time.Second)
	_, diags = invokeScan(h2, scanActionConfig(h2, map[string]tftypes.Value{"images": scanSelectors("private_image release app 1.0"), "timeout": str("1s")}))
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "timeout (1s) ran out before HSS finished") || !strings.Contains(diags[0].Detail, "invoking the action again asks HSS again") {
		t.Fatalf("diagnostics: %+v", diags)
	}
	if n := h.e.sim.Count(simulator.ImageScanTasks) + h.e.sim.Count(simulator.ImageSynchronize); n != 1 {
		t.Fatalf("%d scan or synchronise requests, want 1", n)
	}
}

func TestImageScanActionValidation(t *testing.T) {
	h := newScanHarness(t, time.Second)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("private_image release app %d", i)
	}
	cicd := scanSelectors("cicd ns app 1")
	for _, tc := range []struct {
		set  map[string]tftypes.Value
		want string
	}{
		{map[string]tftypes.Value{"images": cicd}, `not image_type "cicd"`},
		{map[string]tftypes.Value{"images": scanSelectors()}, "must contain at least 1 elements"},
		{map[string]tftypes.Value{"images": scanSelectors(many...)}, "got: 101"},
		{map[string]tftypes.Value{"images": scanSelectors("private_image release app 1.0"), "timeout": str("-1m")}, "must be a positive duration"},
		{map[string]tftypes.Value{"images": scanSelectors("local_image ns app 1.0")}, "images[0]: namespace does not apply"},
	} {
		v, err := h.server.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: "hss_image_scan", Config: scanActionConfig(h, tc.set)})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, d := range v.Diagnostics {
			all = append(all, d.Summary+": "+d.Detail)
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("diagnostics %q, want %q", all, tc.want)
		}
	}
	h.e.expectNoRequests(t)
}

// With Terraform 1.14+, the action runs from the CLI's lifecycle.action_trigger.
func TestAccImageScanActionTrigger(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, 500*time.Millisecond)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
action "hss_image_scan" "release" {
  config {
    images = [{ image_type = "private_image", namespace = "release", image_name = "fresh", image_version = "1.0" }]
  }
}

resource "terraform_data" "release" {
  input = "1"
  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.hss_image_scan.release]
    }
  }
}
`),
			Check: func(*terraform.State) error {
				if n := e.sim.Count(simulator.ImageScanTasks); n != 1 {
					return fmt.Errorf("%d scan requests, want 1", n)
				}
				return nil
			},
		}},
	})
}
