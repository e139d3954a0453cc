package provider

import (
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// exportUpgradeCase: the fixtures of hss_image_baseline_export
// (state_upgrade_test.go), applied from upgradeFixtureConfig: every
// argument set, the timeouts block, triggers; only output_path is left
// out, as its file would be outside the test.
var exportUpgradeCase = stateUpgradeCase{
	typeName:    "hss_image_baseline_export",
	newResource: NewImageBaselineExportResource,
	version:     imageBaselineExportSchemaVersion,
	newEnv:      func(t *testing.T) *testEnv { return newTestEnv(t) },
	config:      upgradeFixtureConfig,
	// The task the fixture records, as HSS knows it, so that refresh finds
	// it: the simulator numbers tasks from 1, so the first export is the
	// fixture's.
	prime: func(t *testing.T, e *testEnv) {
		tfresource.UnitTest(t, tfresource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps:                    []tfresource.TestStep{{Config: e.config(upgradeFixtureConfig), Check: expectExports(e, 1)}},
		})
	},
	stateChecks: []statecheck.StateCheck{
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Int64Exact(0)),
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.StringExact("file-export000001")),
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("20m")),
		statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.4.0")),
	},
	// Only the first export, the task the fixture records.
	check: func(e *testEnv) tfresource.TestCheckFunc { return expectExports(e, 1) },
}

// upgradeFixtureConfig is the configuration the export fixtures were
// applied with; the test plans it again against each of them.
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

func TestImageBaselineExportSchemaVersionHasFixtures(t *testing.T) {
	testSchemaVersionHasFixtures(t, exportUpgradeCase)
}

// TestAccImageBaselineExportStateUpgrade plans upgradeFixtureConfig
// against the state of every schema version: Terraform upgrades it
// (UpgradeResourceState), refreshes it (HSS knows the task) and plans no
// change; nothing is exported.
func TestAccImageBaselineExportStateUpgrade(t *testing.T) {
	t.Parallel()
	testStateUpgrade(t, exportUpgradeCase)
}
