package provider

import (
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
)

// exportImportIgnore are the attributes an import cannot read back: HSS's
// export task answers only its id, name, status and file, not the
// arguments it was started with, nor its record count, nor a downloaded
// file's hash. The first apply after an import records the arguments
// from the configuration (TestAccImageBaselineExportImportAdopts).
var exportImportIgnore = []string{
	"export_size", "operate_all", "namespace", "wait_for_completion", "record_total_num", "timeouts", "triggers",
}

// Importing the task a resource created reads back everything HSS keeps
// of it.
func TestAccImageBaselineExportImport(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{Config: e.config(exportConfig(`triggers = { release = "1" }`))},
		resource.TestStep{
			Config:                  e.config(exportConfig(`triggers = { release = "1" }`)),
			ResourceName:            exportAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: exportImportIgnore,
			Check:                   expectExports(e, 1),
		},
	)
	if n := e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports, want 1: importing must not export", n)
	}
}

// An imported task is adopted: the next apply records the configuration's
// arguments with an in-place update (it downloads the file to output_path
// as a create would), never starting an export; then the plan is empty.
func TestAccImageBaselineExportImportAdopts(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// A task that exists in HSS, started outside this configuration (the
	// resource is destroyed, which only forgets it).
	unitTest(t, resource.TestStep{Config: e.config(exportConfig(""))})
	out := filepath.Join(t.TempDir(), "baseline.zip")
	cfg := e.config(exportConfig(fmt.Sprintf("output_path = %q", out)))
	unitTest(t,
		resource.TestStep{
			Config:             cfg,
			ResourceName:       exportAddr,
			ImportState:        true,
			ImportStateId:      "export000001",
			ImportStatePersist: true,
			ImportStateCheck: func(is []*terraform.InstanceState) error {
				if len(is) != 1 {
					return fmt.Errorf("%d instances imported", len(is))
				}
				want := map[string]string{"id": "export000001", "task_id": "export000001", "task_status": "success",
					"task_name": "image-baseline-export-000001", "file_id": "file-export000001", "file_name": "image-baseline-export-000001.zip"}
				for k, v := range want {
					if got := is[0].Attributes[k]; got != v {
						return fmt.Errorf("%s = %q, want %q", k, got, v)
					}
				}
				for _, k := range []string{"export_size", "record_total_num", "output_path", "output_sha256"} {
					if v, ok := is[0].Attributes[k]; ok && v != "" {
						return fmt.Errorf("%s = %q, want null: HSS does not say", k, v)
					}
				}
				return nil
			},
		},
		resource.TestStep{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("export_size"), knownvalue.Int64Exact(1000)),
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Null()),
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
			},
			Check: func(s *terraform.State) error {
				got, err := os.ReadFile(out)
				if err != nil {
					return err
				}
				if want := e.sim.FileBytes("file-export000001"); string(got) != string(want) {
					return fmt.Errorf("%s holds %d bytes, not the %d of the task's file", out, len(got), len(want))
				}
				return expectExports(e, 1)(s)
			},
		},
		resource.TestStep{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: expectExports(e, 1),
		},
	)
}

// An id HSS does not know is an error naming it; nothing is imported.
func TestAccImageBaselineExportImportUnknownTask(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config:        e.config(exportConfig("")),
		ResourceName:  exportAddr,
		ImportState:   true,
		ImportStateId: "export999999",
		ExpectError:   errorLike(`Cannot import HSS export task export999999`, `HSS does not know export task export999999 (region cn-north-4`, `Export task "export999999" does not exist.`),
	})
	if n := e.sim.ExportsCreated(); n != 0 {
		t.Fatalf("%d exports, want 0", n)
	}
}
