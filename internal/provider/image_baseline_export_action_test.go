package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func boolean(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }

func TestImageBaselineExportActionThroughProviderServer(t *testing.T) {
	h := newProtocolHarness(t)
	h.e.sim.SetExportOutcome(2, "success")
	out := filepath.Join(t.TempDir(), "export.zip")
	cfg := h.config(map[string]tftypes.Value{
		"export_size": num(5),
		"operate_all": boolean(true),
		"namespace":   str("shop"),
		"image_name":  str("web"),
		"output_path": str(out),
	})

	v, err := h.server.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: "hss_image_baseline_export", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("validate", v.Diagnostics)
	p, err := h.server.PlanAction(t.Context(), &tfprotov6.PlanActionRequest{ActionType: "hss_image_baseline_export", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("plan", p.Diagnostics)
	h.e.expectNoRequests(t)

	progress, diags := h.invoke(cfg)
	h.noErrors("invoke", diags)
	want := []string{
		"Export task export000001 started: 5 record(s).",
		"Export task export000001 is running (poll 1).",
		"Export task export000001 is running (poll 2).",
		"Export task export000001 succeeded: file file-export000001 (image-baseline-export-000001.zip).",
		"Export file file-export000001 written to " + out,
	}
	if len(progress) != len(want) {
		t.Fatalf("progress:\n%s", strings.Join(progress, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(progress[i], want[i]) {
			t.Errorf("progress[%d] = %q, want %q", i, progress[i], want[i])
		}
	}
	if n := h.e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports, want 1", n)
	}
	assertBody(t, h.e.sim.Requests(), simulator.BaselineExport, "web", `{"operate_all": true, "namespace": "shop", "image_name": "web"}`)
	if got, _ := os.ReadFile(out); string(got) != string(h.e.sim.FileBytes("file-export000001")) {
		t.Fatal("the downloaded file differs from what the simulator served")
	}
}

func TestImageBaselineExportActionFailureIsADiagnostic(t *testing.T) {
	h := newProtocolHarness(t)
	h.e.sim.SetExportOutcome(0, "failure")
	_, diags := h.invoke(h.config(map[string]tftypes.Value{"export_size": num(1)}))
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(diags[0].Detail, "export task export000001 (image-baseline-export-000001) failed in HSS") {
		t.Fatalf("diagnostics: %+v", diags)
	}
	h.e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineExport, Status: 403, Body: `{"error_code":"HSS.0004","error_msg":"denied"}`})
	_, diags = h.invoke(h.config(map[string]tftypes.Value{"export_size": num(1)}))
	// Refused: nothing started, and the error does not pretend otherwise.
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "HTTP 403 Forbidden, error_code HSS.0004: denied (request id ") || strings.Contains(diags[0].Detail, mayHaveStarted) {
		t.Fatalf("diagnostics: %+v", diags)
	}
}

func TestImageBaselineExportActionNoWait(t *testing.T) {
	h := newProtocolHarness(t)
	progress, diags := h.invoke(h.config(map[string]tftypes.Value{"export_size": num(1), "wait_for_completion": boolean(false)}))
	h.noErrors("invoke", diags)
	if len(progress) != 2 || !strings.Contains(progress[1], "was not waited for") || h.e.sim.Count(simulator.ExportTask) != 0 {
		t.Fatalf("progress %q, %d status reads", progress, h.e.sim.Count(simulator.ExportTask))
	}
}

func TestImageBaselineExportActionValidation(t *testing.T) {
	h := newProtocolHarness(t)
	timeouts := func(invoke string) tftypes.Value {
		typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"invoke": tftypes.String}}
		return tftypes.NewValue(typ, map[string]tftypes.Value{"invoke": str(invoke)})
	}
	for _, tc := range []struct {
		set  map[string]tftypes.Value
		want string
	}{
		{map[string]tftypes.Value{"export_size": num(-1)}, "value must be between 0 and 2147483647"},
		{map[string]tftypes.Value{"export_size": num(1), "wait_for_completion": boolean(false), "output_path": str("x.zip")}, "output_path needs wait_for_completion"},
		{map[string]tftypes.Value{"export_size": num(1), "image_type": str("registry")}, `"harbor" "jfrog" "cicd"`},
		{map[string]tftypes.Value{"export_size": num(1), "start_latest_update_time": num(2), "end_latest_update_time": num(1)}, "must not be after"},
		{map[string]tftypes.Value{"export_size": num(1), "timeouts": timeouts("-1m")}, `timeouts.invoke must be a positive duration with a unit, such as "30s", "20m" or "168h" (units ns, us, ms, s, m, h), got "-1m"`},
		{map[string]tftypes.Value{"export_size": num(1), "region": str("x@127.0.0.1:1/")}, "is not a Huawei Cloud region id"},
		{map[string]tftypes.Value{"export_size": num(1), "image_name": str("web\n")}, "trimspace()"},
		{map[string]tftypes.Value{"export_size": num(1), "image_id_list": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, nil)})}, "image_id_list[0] is null"},
	} {
		v, err := h.server.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{ActionType: "hss_image_baseline_export", Config: h.config(tc.set)})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, d := range v.Diagnostics {
			all = append(all, d.Summary+": "+d.Detail)
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("%v: diagnostics %q, want %q", tc.set, all, tc.want)
		}
	}
	h.e.expectNoRequests(t)
}

// With Terraform 1.14+, the action runs from a lifecycle.action_trigger.
func TestAccImageBaselineExportActionTrigger(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
action "hss_image_baseline_export" "shop" {
  config {
    export_size = 100
    operate_all = true
    namespace   = "shop"
  }
}

resource "terraform_data" "release" {
  input = "1"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.hss_image_baseline_export.shop]
    }
  }
}
`),
			Check: func(*terraform.State) error {
				if n := e.sim.ExportsCreated(); n != 1 {
					return fmt.Errorf("%d exports, want 1", n)
				}
				return nil
			},
		}},
	})
}

// What the guide says about a failed action_trigger export: the apply
// fails, the triggering resource stays in state untainted, and the next
// plan is empty: nothing runs the export again by itself.
func TestAccImageBaselineExportActionTriggerFailure(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(0, "failure")
	config := e.config(`
action "hss_image_baseline_export" "shop" {
  config {
    export_size = 100
  }
}

resource "terraform_data" "release" {
  input = "1"
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.hss_image_baseline_export.shop]
    }
  }
}
`)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ExpectError: errorLike("HSS baseline export failed", "export task export000001 (image-baseline-export-000001) failed in HSS")},
			{
				PreConfig: func() { e.sim.SetExportOutcome(0, "success") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					if n := e.sim.ExportsCreated(); n != 1 {
						return fmt.Errorf("%d exports, want 1: a failed action is not run again by itself", n)
					}
					return nil
				},
			},
		},
	})
}
