package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func TestAccImageBaselineExportLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(2, "success") // running, running, success
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(exportConfig(`triggers = { release = "1" }`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("id"), knownvalue.StringExact("export000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_name"), knownvalue.StringExact("image-baseline-export-000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.StringExact("file-export000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_name"), knownvalue.StringExact("image-baseline-export-000001.zip")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), knownvalue.Null()),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("wait_for_completion"), knownvalue.Bool(true)),
				},
				Check: expectExports(e, 1),
			},
			{
				// Same configuration: plan, refresh and apply send no export.
				Config: e.config(exportConfig(`triggers = { release = "1" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectExports(e, 1),
			},
			{
				// Only the timeouts change: an update, no export.
				Config: e.config(exportConfig(`triggers = { release = "1" }` + "\n" + `timeouts { create = "20m" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionUpdate)},
				},
				Check: expectExports(e, 1),
			},
			{
				// A trigger changes: the export is replaced, exactly one more.
				Config: e.config(exportConfig(`triggers = { release = "2" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
				},
				Check: expectExports(e, 2),
			},
			{
				// Any argument replaces too.
				Config: e.config(exportConfig(`triggers = { release = "2" }` + "\n" + `image_name = "web"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Int64Exact(27)),
				},
				Check: expectExports(e, 3),
			},
		},
	})
}

func TestAccImageBaselineExportEveryArgument(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
resource "hss_image_baseline_export" "all" {
  export_size           = 2147483647
  enterprise_project_id = "all_granted_eps"
` + allFilterArguments + `
}
`),
			Check: expectExports(e, 1),
		}},
	})
	assertBody(t, e.sim.Requests(), simulator.BaselineExport, "image_id_list", allFilterBody)
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.BaselineExport && r.RawQuery != "enterprise_project_id=all_granted_eps&export_size=2147483647" {
			t.Fatalf("query %q", r.RawQuery)
		}
	}
}

func TestAccImageBaselineExportOutputPath(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	out := filepath.Join(t.TempDir(), "baseline.zip")
	var fileSum string
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(exportConfig(fmt.Sprintf("output_path = %q", out))),
			Check: func(*terraform.State) error {
				got, err := os.ReadFile(out)
				if err != nil {
					return err
				}
				want := e.sim.FileBytes("file-export000001")
				if len(want) == 0 || string(got) != string(want) {
					return fmt.Errorf("%s holds %d bytes, not the %d the simulator served", out, len(got), len(want))
				}
				fi, err := os.Stat(out)
				if err != nil {
					return err
				}
				if mode := fi.Mode().Perm(); mode != 0o600 {
					return fmt.Errorf("mode %o, want 600", mode)
				}
				sum := sha256.Sum256(got)
				fileSum = hex.EncodeToString(sum[:])
				leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp"))
				if len(leftovers) != 0 {
					return fmt.Errorf("temporary files left: %v", leftovers)
				}
				return nil
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), knownvalue.StringFunc(func(v string) error {
					if v != fileSum || len(v) != 64 {
						return fmt.Errorf("output_sha256 %q, file sha256 %q", v, fileSum)
					}
					return nil
				})),
			},
		}},
	})
}

// A task that fails in HSS is an error naming the task; its id is kept in
// state, tainted, and the next apply replaces it.
func TestAccImageBaselineExportFailureTaints(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(1, "failure")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      e.config(exportConfig("")),
				ExpectError: errorLike("HSS baseline export failed", "export task export000001 (image-baseline-export-000001) failed in HSS"),
			},
			{
				PreConfig: func() { e.sim.SetExportOutcome(0, "success") },
				Config:    e.config(exportConfig("")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// Replacing the tainted resource: the failed task was in state.
						plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(exportAddr, tfjsonpath.New("export_size"), knownvalue.Int64Exact(1000)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
				},
				Check: expectExports(e, 2),
			},
		},
	})
}

func TestAccImageBaselineExportTimeout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(1000, "success")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.config(exportConfig(`timeouts { create = "2s" }`)),
			ExpectError: errorLike("export task export000001 did not finish within timeouts.create (2s); it may still finish in HSS", "resumes this task"),
		}},
	})
	if n := e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports, want 1", n)
	}
}

func TestAccImageBaselineExportNoWait(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(5, "success")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(exportConfig(`wait_for_completion = false`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.Null()),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.Null()),
				},
			},
			{
				// A later refresh records the status HSS reports; no change is planned.
				Config: e.config(exportConfig(`wait_for_completion = false`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("running")),
				},
				Check: expectExports(e, 1),
			},
		},
	})
}

// A finished task that HSS no longer knows (404) does not drop the resource.
func TestAccImageBaselineExportAgedOutTaskIsKept(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.config(exportConfig(""))},
			{
				PreConfig: func() {
					e.sim.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 404, Times: 10,
						Body: `{"error_code":"HSS.1013","error_msg":"Export task does not exist."}`})
				},
				Config: e.config(exportConfig("")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
				},
				Check: expectExports(e, 1),
			},
		},
	})
}

func TestAccImageBaselineExportValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      e.config(`resource "hss_image_baseline_export" "x" { export_size = -1 }`),
				ExpectError: errorLike("export_size", "value must be between 0 and 2147483647, got: -1"),
			},
			{
				Config:      e.config(`resource "hss_image_baseline_export" "x" {` + "\n" + `export_size = 1` + "\n" + `wait_for_completion = false` + "\n" + `output_path = "x.zip"` + "\n}"),
				ExpectError: errorLike("output_path needs wait_for_completion"),
			},
			{
				Config:      e.config(`resource "hss_image_baseline_export" "x" {` + "\n" + `export_size = 1` + "\n" + `severity_level = "Critical"` + "\n}"),
				ExpectError: regexp.MustCompile(`severity_level`),
			},
			{
				Config:      e.config(`resource "hss_image_baseline_export" "x" {` + "\n" + `export_size = 1` + "\n" + `start_latest_scan_time = 9` + "\n" + `end_latest_scan_time = 1` + "\n}"),
				ExpectError: errorLike("start_latest_scan_time (9) must not be after end_latest_scan_time (1)"),
			},
		},
	})
	e.expectNoRequests(t)
}
