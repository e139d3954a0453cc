package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func image(name, version, status string) knownvalue.Check {
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"image_name": knownvalue.StringExact(name), "image_version": knownvalue.StringExact(version), "scan_status": knownvalue.StringExact(status),
	})
}

func TestAccImagesRelease(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_images" "release" {
  image_type = "private_image"
  namespace  = "release"
}

data "hss_images" "failed" {
  image_type  = "private_image"
  namespace   = "release"
  scan_status = "failed"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.hss_images.release", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{
				image("checkout", "4.0", "success"),
				image("gateway", "3.0", "success"),
				image("ledger", "1.4", "failed"),
				image("media", "5.1", "download_failed"),
				image("model", "9.0", "image_oversized"),
				image("notify", "0.8", "waiting_for_scan"),
				image("search", "2.3", "unscan"),
			})),
			statecheck.ExpectKnownValue("data.hss_images.release", tfjsonpath.New("images").AtSliceIndex(1).AtMapKey("architectures").AtSliceIndex(1).AtMapKey("scan_status"),
				knownvalue.StringExact("failed")),
			statecheck.ExpectKnownValue("data.hss_images.failed", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{image("ledger", "1.4", "failed")})),
		},
	})
}

// HSS returns the 230 decoys too; the name filter means equality.
func TestAccImagesNameFilterIsExact(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_images" "redis" {
  image_type = "private_image"
  namespace  = "mirror"
  image_name = "redis"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.hss_images.redis", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{image("redis", "7.2", "success")})),
		},
	})
	if n := e.sim.Count(simulator.RegistryImages); n == 0 || n%2 != 0 {
		t.Fatalf("%d list requests; want two pages per read", n)
	}
}

func TestAccImagesLocal(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			Config:      e.config("data \"hss_images\" \"x\" {\nimage_type = \"local_image\"\nnamespace = \"shop\"\n}\n"),
			ExpectError: errorLike("Filter does not apply", `namespace does not apply when image_type is "local_image"`),
		},
		resource.TestStep{
			Config: e.config(`
data "hss_images" "local" {
  image_type = "local_image"
}

data "hss_images" "waiting" {
  image_type  = "local_image"
  scan_status = "waiting"
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_images.local", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{
					image("busybox", "1.36", "waiting"),
					image("nginx", "1.27", "success"),
					image("redis", "7.2", "success"),
				})),
				statecheck.ExpectKnownValue("data.hss_images.waiting", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{image("busybox", "1.36", "waiting")})),
			},
		},
	)
}

// scan_status = "success" selects the images whose scan succeeded by every
// signal: not a record whose scan_failed_code or scan_failed_desc says it
// failed, nor a multi-architecture image that lists no architecture.
func TestAccImagesScanStatusSuccessHonoursEveryFailureSignal(t *testing.T) {
	t.Parallel()
	e := oddEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_images" "odd" {
  image_type  = "private_image"
  namespace   = "odd"
  scan_status = "success"
}

data "hss_images" "local" {
  image_type    = "local_image"
  image_name    = "odd"
  scan_status   = "success"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.hss_images.odd", tfjsonpath.New("images"), knownvalue.ListExact([]knownvalue.Check{image("plain", "1.0", "success")})),
			statecheck.ExpectKnownValue("data.hss_images.local", tfjsonpath.New("images"), knownvalue.ListSizeExact(0)),
		},
	})
}

// hss_images' docs example gates every copy of a release's image: one
// image listed twice, one copy failed, fails the plan (it passed while the
// example asked whether any copy was scanned). The example as it stands
// passes on the default data.
func TestAccImagesDocsExampleFailsOnAFailedCopy(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("../../examples/data-sources/hss_images/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{Config: e.config(string(example))},
		resource.TestStep{
			Config: e.config(string(example)),
			ConfigVariables: config.Variables{"release_images": config.ListVariable(
				config.StringVariable("swr.cn-north-4.myhuaweicloud.com/release/checkout:4.0"),
				config.StringVariable("swr.cn-north-4.myhuaweicloud.com/release/missing:1.0"),
				config.StringVariable("swr.cn-north-4.myhuaweicloud.com/release/ledger:1.4"),
			)},
			ExpectError: errorLike("Resource postcondition failed", "release/missing:1.0: HSS does not list it.",
				`release/ledger:1.4 in registry SWR: HSS's last scan of private_image release/ledger:1.4 has scan_status "failed"`),
		},
	)

	copyOf := simulator.Image{
		ID: "img-checkout-40-mirror", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "checkout", Version: "4.0",
		RegistryName: "SWR-mirror", ScanStatus: "failed", ScanFailedCode: "failed_to_scan_vulnerability", LatestUpdateTime: 1767225600000,
	}
	e = newTestEnvWith(t, simulator.Options{Images: append(simulator.DefaultImages(), copyOf)})
	unitTest(t, resource.TestStep{
		Config: e.config(string(example)),
		ExpectError: errorLike("Resource postcondition failed", "swr.cn-north-4.myhuaweicloud.com/release/checkout:4.0", "SWR-mirror",
			`scan_status "failed"`),
	})
}
