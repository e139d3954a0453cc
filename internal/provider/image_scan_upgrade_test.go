package provider

import (
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// scanUpgradeCase: the fixtures of hss_image_scan (state_upgrade_test.go),
// applied from scanUpgradeFixtureConfig: every argument set (every
// selector field of a repository image, a local image, synchronize,
// region, enterprise project, triggers, the timeouts block). Read reads
// nothing, so the simulator need not know the scan: the plan must be empty
// against the fixture alone, and nothing is scanned.
var scanUpgradeCase = stateUpgradeCase{
	typeName:    "hss_image_scan",
	newResource: NewImageScanResource,
	version:     imageScanSchemaVersion,
	newEnv: func(t *testing.T) *testEnv {
		return newTestEnvWith(t, simulator.Options{Images: scanUpgradeImages(), ScanDelay: 100 * time.Millisecond})
	},
	config: scanUpgradeFixtureConfig,
	stateChecks: []statecheck.StateCheck{
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("requested_at"), knownvalue.NotNull()),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("instance_id"), knownvalue.StringExact("swr-ee-release")),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("scan_status"), knownvalue.StringExact("success")),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(1).AtMapKey("image_type"), knownvalue.StringExact("local_image")),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("synchronize"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("20m")),
		statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.4.0")),
	},
	// Planning against the fixture scans nothing.
	check: func(e *testEnv) tfresource.TestCheckFunc { return expectScanRequests(e, 0) },
}

// scanUpgradeImages: a repository image with every field a selector can
// name, and a local image.
func scanUpgradeImages() []simulator.Image {
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	return append(simulator.DefaultImages(),
		simulator.Image{ID: "img-rel", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "app", Version: "1.0",
			InstanceID: "swr-ee-release", InstanceName: "release-registry", RegistryName: "release", ScanStatus: "success", LatestScanTime: old},
		simulator.Image{ID: "img-local", Type: "local_image", EnterpriseProjectID: "0", Name: "agent", Version: "3.1", ScanStatus: "success", LatestScanTime: old},
	)
}

// scanUpgradeFixtureConfig is the configuration the scan fixtures were
// applied with; the test plans it again against each of them.
const scanUpgradeFixtureConfig = `
resource "hss_image_scan" "release" {
  images = [
    {
      image_type    = "private_image"
      namespace     = "release"
      image_name    = "app"
      image_version = "1.0"
      instance_id   = "swr-ee-release"
      registry_name = "release"
      image_id      = "img-rel"
    },
    { image_type = "local_image", image_name = "agent", image_version = "3.1" },
  ]
  synchronize           = false
  region                = "cn-north-4"
  enterprise_project_id = "0"
  triggers              = { release = "1.4.0" }

  timeouts {
    create = "20m"
  }
}
`

func TestImageScanSchemaVersionHasFixtures(t *testing.T) {
	testSchemaVersionHasFixtures(t, scanUpgradeCase)
}

// TestAccImageScanStateUpgrade plans scanUpgradeFixtureConfig against the
// state of every schema version: Terraform upgrades it
// (UpgradeResourceState), refreshes it (Read reads nothing) and plans no
// change; nothing is scanned.
func TestAccImageScanStateUpgrade(t *testing.T) {
	t.Parallel()
	testStateUpgrade(t, scanUpgradeCase)
}
