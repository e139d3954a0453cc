package provider

import (
	"fmt"
	"math/big"
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

// actionHarness drives the action through the provider server, the way
// Terraform 1.14 does, so these tests run with any Terraform.
type actionHarness struct {
	t      testing.TB
	e      *testEnv
	server tfprotov6.ProviderServerWithActions //nolint:staticcheck // the only interface with InvokeAction until terraform-plugin-go folds it into ProviderServer
	schema *tfprotov6.GetProviderSchemaResponse
}

func newActionHarness(t testing.TB) *actionHarness {
	t.Helper()
	base, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessFor(t, base)
}

// newHarnessFor configures base against a new simulator.
func newHarnessFor(t testing.TB, base tfprotov6.ProviderServer) *actionHarness {
	t.Helper()
	return newHarnessWith(t, base, newTestEnv(t))
}

// newHarnessWith configures base against e's simulator.
func newHarnessWith(t testing.TB, base tfprotov6.ProviderServer, e *testEnv) *actionHarness {
	t.Helper()
	server, ok := base.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck // see actionHarness
	if !ok {
		t.Fatalf("%T serves no actions", base)
	}
	schema, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &actionHarness{t: t, e: e, server: server, schema: schema}
	resp, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: h.providerConfig()})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("configure", resp.Diagnostics)
	return h
}

// providerConfig is the provider configuration that reaches the harness's
// simulator.
func (h *actionHarness) providerConfig() *tfprotov6.DynamicValue {
	return h.value(h.schema.Provider.Block, map[string]tftypes.Value{
		"region":     str("cn-north-4"),
		"project_id": str(h.e.sim.ProjectID()),
		"endpoint":   str(h.e.srv.URL),
		"token":      str(simulator.DefaultToken),
	})
}

// value builds a configuration for block: the given attributes, null for
// the rest.
func (h *actionHarness) value(block *tfprotov6.SchemaBlock, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	h.t.Helper()
	typ, ok := block.ValueType().(tftypes.Object)
	if !ok {
		h.t.Fatalf("block type %T", block.ValueType())
	}
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		if _, ok := vals[name]; !ok {
			h.t.Fatalf("no attribute %s", name)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		h.t.Fatal(err)
	}
	return &dv
}

func (h *actionHarness) config(set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	return h.value(h.schema.ActionSchemas["hss_image_baseline_export"].Schema.Block, set)
}

func (h *actionHarness) noErrors(what string, diags []*tfprotov6.Diagnostic) {
	h.t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			h.t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// invoke returns the progress messages and the completion diagnostics.
func (h *actionHarness) invoke(cfg *tfprotov6.DynamicValue) ([]string, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	stream, err := h.server.InvokeAction(h.t.Context(), &tfprotov6.InvokeActionRequest{ActionType: "hss_image_baseline_export", Config: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	var progress []string
	var completed []*tfprotov6.Diagnostic
	done := 0
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completed = e.Diagnostics
			done++
		}
	}
	if done != 1 {
		h.t.Fatalf("%d completed events, want 1", done)
	}
	return progress, completed
}

func str(s string) tftypes.Value   { return tftypes.NewValue(tftypes.String, s) }
func num(n int64) tftypes.Value    { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }
func boolean(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }

func TestImageBaselineExportActionThroughProviderServer(t *testing.T) {
	h := newActionHarness(t)
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
	h := newActionHarness(t)
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
	h := newActionHarness(t)
	progress, diags := h.invoke(h.config(map[string]tftypes.Value{"export_size": num(1), "wait_for_completion": boolean(false)}))
	h.noErrors("invoke", diags)
	if len(progress) != 2 || !strings.Contains(progress[1], "was not waited for") || h.e.sim.Count(simulator.ExportTask) != 0 {
		t.Fatalf("progress %q, %d status reads", progress, h.e.sim.Count(simulator.ExportTask))
	}
}

func TestImageBaselineExportActionValidation(t *testing.T) {
	h := newActionHarness(t)
	for _, tc := range []struct {
		set  map[string]tftypes.Value
		want string
	}{
		{map[string]tftypes.Value{"export_size": num(-1)}, "value must be between 0 and 2147483647"},
		{map[string]tftypes.Value{"export_size": num(1), "wait_for_completion": boolean(false), "output_path": str("x.zip")}, "output_path needs wait_for_completion"},
		{map[string]tftypes.Value{"export_size": num(1), "image_type": str("registry")}, `"harbor" "jfrog" "cicd"`},
		{map[string]tftypes.Value{"export_size": num(1), "start_latest_update_time": num(2), "end_latest_update_time": num(1)}, "must not be after"},
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
