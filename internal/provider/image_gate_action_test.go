package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const gateAction = "hss_image_gate"

func (h *protocolHarness) gateConfig(set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	return h.value(h.schema.ActionSchemas[gateAction].Schema.Block, set)
}

// gatePolicy is a policy value of the action's schema: set, null for the
// rest.
func (h *protocolHarness) gatePolicy(set map[string]tftypes.Value) tftypes.Value {
	h.t.Helper()
	for _, a := range h.schema.ActionSchemas[gateAction].Schema.Block.Attributes {
		if a.Name != "policy" {
			continue
		}
		typ, ok := a.ValueType().(tftypes.Object)
		if !ok {
			h.t.Fatalf("policy is %T", a.ValueType())
		}
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = tftypes.NewValue(at, nil)
		}
		for name, v := range set {
			vals[name] = v
		}
		return tftypes.NewValue(typ, vals)
	}
	h.t.Fatal("no policy attribute")
	return tftypes.Value{}
}

// invokeGate validates and invokes the gate action: its progress
// messages and completion diagnostics (or the validation's).
func (h *protocolHarness) invokeGate(cfg *tfprotov6.DynamicValue) ([]string, []*tfprotov6.Diagnostic) {
	const typeName = gateAction
	h.t.Helper()
	v, err := h.server.ValidateActionConfig(h.t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: typeName, Config: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	if diagText(v.Diagnostics, tfprotov6.DiagnosticSeverityError) != "" {
		return nil, v.Diagnostics
	}
	return h.invokeAction(typeName, cfg)
}

func gateSelector(namespace, name, version, digest string, extra map[string]tftypes.Value) map[string]tftypes.Value {
	set := map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str(namespace), "image_name": str(name), "image_version": str(version),
		"expected_digest": str(digest)}
	for k, v := range extra {
		set[k] = v
	}
	return set
}

func TestImageGateActionPasses(t *testing.T) {
	h := newProtocolHarness(t)
	clean := h.e.privateImage(t, simulator.VulnsNamespace, "clean", "1.0")
	for _, tc := range []struct {
		name  string
		extra map[string]tftypes.Value
		want  string
	}{
		{"digest and scan", nil, "digest as planned, scanned successfully at 20"},
		{"policy", map[string]tftypes.Value{"policy": h.gatePolicy(map[string]tftypes.Value{"fail_on": str("low")})}, "passes the policy (0 finding(s) excepted)"},
	} {
		progress, diags := h.invokeGate(h.gateConfig(gateSelector(simulator.VulnsNamespace, "clean", "1.0", clean.ImageDigest, tc.extra)))
		h.noErrors(tc.name, diags)
		all := strings.Join(progress, "\n")
		if len(progress) != 2 || !strings.Contains(progress[0], "resolves to digest "+clean.ImageDigest) || !strings.Contains(progress[1], tc.want) {
			t.Fatalf("%s: progress:\n%s", tc.name, all)
		}
	}
}

// The tag moved since plan: the digest HSS lists now is not the one the
// plan judged, even though the new content is scanned.
func TestImageGateActionTagMoved(t *testing.T) {
	h := newProtocolHarness(t)
	planned := h.e.privateImage(t, "shop", "web", "2.0").ImageDigest
	for _, rescanned := range []bool{true, false} {
		moved, err := h.e.sim.MoveTag("shop", "web", "2.0", rescanned)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := h.invokeGate(h.gateConfig(gateSelector("shop", "web", "2.0", planned, nil)))
		errs := diagText(diags, tfprotov6.DiagnosticSeverityError)
		want := fmt.Sprintf("The tag moved since plan: private_image shop/web:2.0 now names digest %s, but the plan judged digest %s (expected_digest)", moved, planned)
		if !strings.Contains(errs, want) || strings.Count(errs, "\n") > 1 {
			t.Fatalf("rescanned %v: errors %q, want %q", rescanned, errs, want)
		}
	}
}

// A scan older than max_scan_age, a failed scan, and a policy the image
// fails all fail the action.
func TestImageGateActionFailsClosed(t *testing.T) {
	h := newProtocolHarness(t)
	web := h.e.privateImage(t, "shop", "web", "2.0").ImageDigest
	for _, tc := range []struct {
		name  string
		extra map[string]tftypes.Value
		want  []string
	}{
		{"scan too old", map[string]tftypes.Value{"max_scan_age": str("24h")},
			[]string{"Image security numbers cannot be trusted", "private_image shop/web:2.0", "longer than max_scan_age (24h0m0s)", "the apply fails instead of deploying the image"}},
		{"policy failing", map[string]tftypes.Value{"policy": h.gatePolicy(map[string]tftypes.Value{"fail_on": str("low")})},
			[]string{"Image fails the vulnerability gate", "private_image shop/web:2.0 (digest " + web + ") fails the policy at", "judged at apply, by the hss_image_gate action"}},
	} {
		_, diags := h.invokeGate(h.gateConfig(gateSelector("shop", "web", "2.0", web, tc.extra)))
		errs := diagText(diags, tfprotov6.DiagnosticSeverityError)
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: errors %q, want %q", tc.name, errs, w)
			}
		}
	}
	// A scan that failed since plan: the same digest, scanned again, failed.
	e := newTestEnvWith(t, simulator.Options{ScanDelay: 1, Images: failingWeb()})
	h = newProtocolHarnessWith(t, NewProtocol6Server("test")(), e)
	web = e.privateImage(t, "shop", "web", "2.0").ImageDigest
	e.requestScan(t, "shop", "web", "2.0")
	_, diags := h.invokeGate(h.gateConfig(gateSelector("shop", "web", "2.0", web, nil)))
	if errs := diagText(diags, tfprotov6.DiagnosticSeverityError); !strings.Contains(errs, `scan_status "failed"`) || !strings.Contains(errs, "image_layer_over_sized") {
		t.Fatalf("errors %q", errs)
	}
}

func failingWeb() []simulator.Image {
	imgs := simulator.DefaultImages()
	for i := range imgs {
		if imgs[i].Namespace == "shop" && imgs[i].Name == "web" && imgs[i].Version == "2.0" {
			imgs[i].FailScan = "image_layer_over_sized"
		}
	}
	return imgs
}

func TestImageGateActionValidation(t *testing.T) {
	h := newProtocolHarness(t)
	const digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	for _, tc := range []struct {
		set  map[string]tftypes.Value
		want string
	}{
		{gateSelector("shop", "web", "2.0", "latest", nil), "expected_digest"},
		{gateSelector("shop", "web", "2.0", digest, map[string]tftypes.Value{"wait_for_scan": str("0s")}), "wait_for_scan must be a positive duration"},
		{gateSelector("shop", "web", "2.0", digest, map[string]tftypes.Value{"policy": h.gatePolicy(map[string]tftypes.Value{"fail_on": str("severe")})}), "policy.fail_on"},
		{gateSelector("shop", "web", "2.0", digest, map[string]tftypes.Value{"policy": h.gatePolicy(map[string]tftypes.Value{"new_only_against": str("2.0")})}), "is the image's own image_version"},
		{map[string]tftypes.Value{"image_type": str("local_image"), "image_name": str("nginx"), "image_version": str("1.25"), "expected_digest": str(digest),
			"policy": h.gatePolicy(map[string]tftypes.Value{"fail_on": str("low")})}, "Local images have no vulnerability list"},
		{map[string]tftypes.Value{"image_type": str("private_image"), "image_name": str("web"), "image_version": str("2.0"), "expected_digest": str(digest)}, "namespace is required"},
	} {
		v, err := h.server.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: gateAction, Config: h.gateConfig(tc.set)})
		if err != nil {
			t.Fatal(err)
		}
		if errs := diagText(v.Diagnostics, tfprotov6.DiagnosticSeverityError); !strings.Contains(errs, tc.want) {
			t.Errorf("errors %q, want %q", errs, tc.want)
		}
	}
	h.e.expectNoRequests(t)
}

// moveTag is a plan check that moves the tag after the plan and before
// the apply: a push of another build under the same tag.
type moveTag struct {
	e                        *testEnv
	namespace, name, version string
}

func (m moveTag) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if _, err := m.e.sim.MoveTag(m.namespace, m.name, m.version, true); err != nil {
		resp.Error = err
	}
}

// With Terraform 1.14+: the gate action before_create of the resource
// that deploys the image fails the apply when the tag moved since plan,
// and the deployment is not created.
func TestAccImageGateActionTagMovedFailsTheApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(trigger string) string {
		return e.config(fmt.Sprintf(`
data "hss_image_gate" "web" {
  image_type    = "private_image"
  namespace     = %[1]q
  image_name    = "clean"
  image_version = "1.0"
}

action "hss_image_gate" "web" {
  config {
    image_type      = "private_image"
    namespace       = %[1]q
    image_name      = "clean"
    image_version   = "1.0"
    expected_digest = data.hss_image_gate.web.image.digest
    max_scan_age    = "8760h"
    policy          = { fail_on = "low" }
  }
}

resource "terraform_data" "deployment" {
  input = "%[2]s@${data.hss_image_gate.web.image.digest}"
  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.hss_image_gate.web]
    }
  }
}
`, simulator.VulnsNamespace, trigger))
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("v1")},
			{
				Config:           config("v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{moveTag{e, simulator.VulnsNamespace, "clean", "1.0"}}},
				ExpectError:      errorLike("The tag moved since plan", "private_image vulns/clean:1.0 now names digest sha256:", "but the plan judged digest sha256:"),
			},
		},
	})
}

// OpenTofu has no actions: the gate data source read during apply
// (depends_on the scan, here a terraform_data standing for
// hss_image_scan), with a postcondition on its digest against the
// digest read at plan, and the deployment depends_on it. A tag moved
// between plan and apply fails the apply before the deployment changes.
func TestAccImageGateWithoutActionsTagMovedFailsTheApply(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{ScanDelay: 300 * time.Millisecond})
	config := func(release string) string {
		return e.config(fmt.Sprintf(`
data "hss_image" "planned" {
  image_type    = "private_image"
  namespace     = %[1]q
  image_name    = "clean"
  image_version = "1.0"
}

# A change of the scan is what makes the gate be read during apply, after
# the scan, whatever the plan saw.
resource "hss_image_scan" "release" {
  images      = [{ image_type = "private_image", namespace = %[1]q, image_name = "clean", image_version = "1.0" }]
  synchronize = false
  triggers    = { release = %[2]q }
}

data "hss_image_gate" "apply" {
  depends_on    = [hss_image_scan.release]
  image_type    = "private_image"
  namespace     = %[1]q
  image_name    = "clean"
  image_version = "1.0"
  policy        = { fail_on = "low" }
  lifecycle {
    postcondition {
      condition     = self.image.digest == data.hss_image.planned.digest
      error_message = "The tag moved since plan: ${self.image.digest} is not ${data.hss_image.planned.digest}."
    }
  }
}

resource "terraform_data" "deployment" {
  depends_on = [data.hss_image_gate.apply]
  input      = "%[2]s@${data.hss_image.planned.digest}"
}
`, simulator.VulnsNamespace, release))
	}
	unitTest(t,
		resource.TestStep{Config: config("v1")},
		resource.TestStep{
			Config: config("v2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue("data.hss_image_gate.apply", tfjsonpath.New("passed")),
				moveTag{e, simulator.VulnsNamespace, "clean", "1.0"},
			}},
			ExpectError: errorLike("The tag moved since plan: sha256:"),
		},
	)
}
