package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	tfconfig "github.com/hashicorp/terraform-plugin-testing/config"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Safe upgrades: state written by a released version is read by this one.
//
// testdata/state/image_baseline_export/v<N>.tfstate is a terraform.tfstate
// that Terraform wrote with the provider at schema version N, from
// upgradeFixtureConfig (every argument set, the timeouts block, triggers;
// only output_path is left out, as its file would be outside the test).
// A fixture is never regenerated once released: it is what users' state
// files look like. To add one for a new schema version, set
// HSS_WRITE_STATE_FIXTURES=1 and run this test; the file is written from
// the current build, at its version.
//
// When the schema changes in a way older state does not fit (an attribute
// renamed, its type changed), bump imageBaselineExportSchemaVersion, add an
// upgrader from every older version in UpgradeState, and keep the older
// fixtures: each must still plan empty.

const stateFixtureDir = "testdata/state/image_baseline_export"

// upgradeFixtureConfig is the configuration the fixtures were applied
// with; the test plans it again against each of them.
const upgradeFixtureConfig = `
resource "hss_image_baseline_export" "shop" {
  export_size           = 1000
  region                = "cn-north-4"
  enterprise_project_id = "all_granted_eps"
  wait_for_completion   = true
  triggers              = { release = "1.4.0" }
` + allFilterArguments + `
  timeouts {
    create = "20m"
  }
}
`

// withLocalState writes config, with a local backend keeping the state in
// state, to a file of its own: plugin-testing runs init with a step's
// ConfigFile, so the backend is initialised (with Config it is not).
func withLocalState(t *testing.T, state, config string) func(tfconfig.TestStepConfigRequest) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "main.tf")
	body := fmt.Sprintf("terraform {\n  backend \"local\" {\n    path = %q\n  }\n}\n", state) + config
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return tfconfig.StaticFile(file)
}

func TestImageBaselineExportSchemaVersionHasFixtures(t *testing.T) {
	var resp resource.SchemaResponse
	NewImageBaselineExportResource().Schema(t.Context(), resource.SchemaRequest{}, &resp)
	if resp.Schema.Version != imageBaselineExportSchemaVersion {
		t.Fatalf("schema version %d, constant %d", resp.Schema.Version, imageBaselineExportSchemaVersion)
	}
	r, ok := NewImageBaselineExportResource().(resource.ResourceWithUpgradeState)
	if !ok {
		t.Fatal("hss_image_baseline_export has no UpgradeState")
	}
	upgraders := r.UpgradeState(t.Context())
	for v := int64(0); v <= imageBaselineExportSchemaVersion; v++ {
		if _, err := os.Stat(filepath.Join(stateFixtureDir, fmt.Sprintf("v%d.tfstate", v))); err != nil {
			t.Errorf("no state fixture for schema version %d (write it with HSS_WRITE_STATE_FIXTURES=1): %v", v, err)
		}
		if _, ok := upgraders[v]; v < imageBaselineExportSchemaVersion && !ok {
			t.Errorf("no state upgrader from schema version %d to %d", v, imageBaselineExportSchemaVersion)
		}
	}
}

// TestAccImageBaselineExportStateUpgrade plans upgradeFixtureConfig
// against the state of every schema version: Terraform upgrades it
// (UpgradeResourceState), refreshes it (HSS knows the task) and plans no
// change; nothing is exported.
func TestAccImageBaselineExportStateUpgrade(t *testing.T) {
	t.Parallel()
	if os.Getenv("HSS_WRITE_STATE_FIXTURES") != "" {
		writeStateFixture(t)
		return
	}
	fixtures, err := filepath.Glob(filepath.Join(stateFixtureDir, "v*.tfstate"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no state fixtures in %s: %v", stateFixtureDir, err)
	}
	for _, fixture := range fixtures {
		t.Run(filepath.Base(fixture), func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			// The task the fixture records, as HSS knows it: the simulator
			// numbers tasks from 1, so the first export is the fixture's.
			tfresource.UnitTest(t, tfresource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []tfresource.TestStep{{Config: e.config(upgradeFixtureConfig), Check: expectExports(e, 1)}},
			})
			data, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			state := filepath.Join(t.TempDir(), "terraform.tfstate")
			if err := os.WriteFile(state, data, 0o600); err != nil {
				t.Fatal(err)
			}
			tfresource.UnitTest(t, tfresource.TestCase{
				Steps: []tfresource.TestStep{{
					ProtoV6ProviderFactories: protoV6ProviderFactories,
					ConfigFile:               withLocalState(t, state, e.config(upgradeFixtureConfig)),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Int64Exact(0)),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.StringExact("file-export000001")),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("20m")),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.4.0")),
					},
					// Only the first export, the task the fixture records.
					Check: expectExports(e, 1),
				}},
			})
		})
	}
}

// writeStateFixture applies upgradeFixtureConfig with the current build
// and keeps the state Terraform wrote, as the fixture of the current
// schema version.
func writeStateFixture(t *testing.T) {
	e := newTestEnv(t)
	state := filepath.Join(t.TempDir(), "terraform.tfstate")
	fixture := filepath.Join(stateFixtureDir, fmt.Sprintf("v%d.tfstate", imageBaselineExportSchemaVersion))
	tfresource.UnitTest(t, tfresource.TestCase{
		Steps: []tfresource.TestStep{{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			ConfigFile:               withLocalState(t, state, e.config(upgradeFixtureConfig)),
			Check: func(*terraform.State) error {
				data, err := os.ReadFile(state)
				if err != nil {
					return err
				}
				if err := os.MkdirAll(stateFixtureDir, 0o755); err != nil {
					return err
				}
				return os.WriteFile(fixture, data, 0o644)
			},
		}},
	})
	t.Logf("wrote %s", fixture)
}
