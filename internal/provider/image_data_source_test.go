package provider

import (
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func expectString(address, attr, want string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(attr), knownvalue.StringExact(want))
}

func TestAccImageRepositoryImage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const addr = "data.hss_image.web"
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString(addr, "image_id", "img-web-20"),
			expectString(addr, "scan_status", "success"),
			expectString(addr, "scanned_at", "2026-01-12T00:00:00Z"),
			expectString(addr, "updated_at", "2026-01-11T00:00:00Z"),
			expectString(addr, "severity_level", "High"),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringRegexp(regexp.MustCompile(`^sha256:[0-9a-f]{64}$`))),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("scan_failed_code"), knownvalue.Null()),
			expectInt(addr, "vul_num", 5),
			expectInt(addr, "unsafe_setting_num", 4),
			expectInt(addr, "malicious_file_num", 1),
			expectInt(addr, "image_size", 187000000),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("latest_version"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("architectures"), knownvalue.ListSizeExact(0)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("hosts"), knownvalue.ListSizeExact(0)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
		},
	})
}

// 230 images contain mirror/redis:7.2 in their names and come first: a
// substring match, or a lookup that read one page, would pick a decoy or
// find nothing.
func TestAccImageExactMatchOnALaterPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "redis" {
  image_type    = "private_image"
  namespace     = "mirror"
  image_name    = "redis"
  image_version = "7.2"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.redis", "image_id", "img-mirror-redis-72"),
			expectString("data.hss_image.redis", "scan_status", "success"),
		},
	})
	offsets := map[string]int{}
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.RegistryImages {
			offsets[r.Query.Get("offset")+"/"+r.Query.Get("limit")]++
		}
	}
	if len(offsets) != 2 || offsets["0/200"] == 0 || offsets["0/200"] != offsets["199/200"] {
		t.Fatalf("list pages asked: %v; want every read to ask offsets 0 and 199 (the last record of page 1 again) with limit 200", offsets)
	}
}

func TestAccImageNotFoundSuggestsClosestNames(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	image := func(name, version string) string {
		return e.config(fmt.Sprintf(`
data "hss_image" "x" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = %q
  image_version = %q
}
`, name, version))
	}
	unitTest(t,
		resource.TestStep{
			Config: image("crat", "3.1"),
			ExpectError: errorLike("Image not found in HSS", `image_type = "private_image", namespace = "shop", image_name = "crat", image_version = "3.1"`,
				"not be synchronised yet", `Closest images HSS has in namespace "shop": cart:3.1,`),
		},
		resource.TestStep{
			Config:      image("web", "9.9"),
			ExpectError: errorLike("Image not found in HSS", `image_name = "web", image_version = "9.9"`, `Closest images HSS has in namespace "shop": web:1.9, web:2.0,`),
		},
	)
}

func TestAccImageAmbiguousNamesTheDistinguishingArgument(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proxy := func(extra string) string {
		return e.config(`
data "hss_image" "proxy" {
  image_type    = "instance_image"
  namespace     = "platform"
  image_name    = "proxy"
  image_version = "1.0"
  ` + extra + `
}
`)
	}
	unitTest(t,
		resource.TestStep{
			Config: proxy(""),
			ExpectError: errorLike("Image selector matches more than one image", "2 images match",
				`instance_image platform/proxy:1.0 (instance_id "swr-ee-a1"`, `instance_image platform/proxy:1.0 (instance_id "swr-ee-b2"`,
				"Set instance_id to choose one."),
		},
		resource.TestStep{
			Config:            proxy(`instance_id = "swr-ee-b2"`),
			ConfigStateChecks: []statecheck.StateCheck{expectString("data.hss_image.proxy", "image_id", "img-proxy-b")},
		},
	)
}

func TestAccImageMultiArchitecture(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "gw" {
  image_type    = "private_image"
  namespace     = "release"
  image_name    = "gateway"
  image_version = "3.0"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.gw", "scan_status", "success"),
			statecheck.ExpectKnownValue("data.hss_image.gw", tfjsonpath.New("architectures"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"image_id": knownvalue.StringExact("img-gateway-30-amd64"), "scan_status": knownvalue.StringExact("success"),
					"digest": knownvalue.StringRegexp(regexp.MustCompile(`^sha256:`))}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"image_id": knownvalue.StringExact("img-gateway-30-arm64"), "scan_status": knownvalue.StringExact("failed")}),
			})),
		},
	})
}

func TestAccImageScanStates(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "ledger" {
  image_type    = "private_image"
  namespace     = "release"
  image_name    = "ledger"
  image_version = "1.4"
}

data "hss_image" "search" {
  image_type    = "private_image"
  namespace     = "release"
  image_name    = "search"
  image_version = "2.3"
}

data "hss_image" "builder" {
  image_type    = "harbor"
  namespace     = "tools"
  image_name    = "builder"
  image_version = "5"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.ledger", "scan_status", "failed"),
			expectString("data.hss_image.ledger", "scan_failed_code", "failed_to_scan_vulnerability"),
			expectString("data.hss_image.ledger", "scan_failed_desc", "Failed to scan the image for vulnerabilities."),
			statecheck.ExpectKnownValue("data.hss_image.ledger", tfjsonpath.New("scanned_at"), knownvalue.Null()),
			expectString("data.hss_image.search", "scan_status", "unscan"),
			statecheck.ExpectKnownValue("data.hss_image.search", tfjsonpath.New("scanned_at"), knownvalue.Null()),
			statecheck.ExpectKnownValue("data.hss_image.search", tfjsonpath.New("severity_level"), knownvalue.Null()),
			expectString("data.hss_image.builder", "scan_status", "scanning"),
		},
	})
}

// A local image is listed once per host; the records of one digest are one
// image, scanned only when every host's record is.
func TestAccImageLocalOnTwoHosts(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "redis" {
  image_type    = "local_image"
  image_name    = "redis"
  image_version = "7.2"
}

data "hss_image" "busybox" {
  image_type    = "local_image"
  image_name    = "busybox"
  image_version = "1.36"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.redis", "scan_status", "success"),
			statecheck.ExpectKnownValue("data.hss_image.redis", tfjsonpath.New("hosts"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("node-a"), knownvalue.StringExact("node-b")})),
			expectString("data.hss_image.busybox", "scan_status", "waiting"),
			statecheck.ExpectKnownValue("data.hss_image.busybox", tfjsonpath.New("scanned_at"), knownvalue.Null()),
			statecheck.ExpectKnownValue("data.hss_image.busybox", tfjsonpath.New("hosts"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("node-a"), knownvalue.StringExact("node-c")})),
		},
	})
}

func TestAccImageCicdByID(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "runner" {
  image_type = "cicd"
  image_id   = "img-cicd-ci"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.runner", "scan_status", "success"),
			expectInt("data.hss_image.runner", "vul_num", 1),
			statecheck.ExpectKnownValue("data.hss_image.runner", tfjsonpath.New("image_name"), knownvalue.Null()), // not configured
		},
	})
	for _, r := range e.sim.Requests() {
		if r.Endpoint != simulator.CicdImages || r.Query.Get("image_id") != "img-cicd-ci" {
			t.Fatalf("request to %s with %s; want only CI/CD lists by image_id", r.Endpoint, r.RawQuery)
		}
	}
}

func TestAccImageValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	steps := []struct {
		body string
		want []string
	}{
		{`image_type = "local_image"` + "\n" + `namespace = "shop"` + "\n" + `image_name = "nginx"` + "\n" + `image_version = "1.27"`,
			[]string{"Argument does not apply", `namespace does not apply when image_type is "local_image"`}},
		{`image_type = "private_image"` + "\n" + `namespace = "shop"` + "\n" + `image_name = "web"`,
			[]string{"Missing image selector argument", `image_version is required when image_type is "private_image"`}},
		{`image_type = "cicd"`, []string{`image_id is required when image_type is "cicd"`}},
		{`image_type = "private_image"` + "\n" + `namespace = ""` + "\n" + `image_name = "web"` + "\n" + `image_version = "2.0"`,
			[]string{"Invalid namespace", `namespace is empty: HSS reads "" as no filter at all`}},
		{`image_type = "private_image"` + "\n" + `namespace = "shop"` + "\n" + `image_name = "web"` + "\n" + `image_version = "2.0\n"`,
			[]string{"Invalid image_version", "trimspace()"}},
		{`image_type = "registry"`, []string{"image_type", `value must be one of: ["private_image" "shared_image" "instance_image" "harbor" "jfrog" "local_image" "cicd"]`}},
	}
	var ts []resource.TestStep
	for _, s := range steps {
		ts = append(ts, resource.TestStep{Config: e.config("data \"hss_image\" \"x\" {\n" + s.body + "\n}\n"), ExpectError: errorLike(s.want...)})
	}
	unitTest(t, ts...)
	e.expectNoRequests(t)
}

// What HSS answers is decoded strictly: an unknown scan status is kept
// verbatim and is no success; a count that is not a number fails the read
// and names the field.
func TestAccImageStrictAnswers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const item = `{"id": 1, "image_id": "img-x", "image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0", "scan_status": "quarantined", "latest_scan_time": 1767225600000%s}`
	e.sim.Inject(simulator.Fault{Endpoint: simulator.RegistryImages, Status: 200, Times: 100, Body: `{"total_num": 1, "data_list": [` + fmt.Sprintf(item, "") + `]}`})
	summary := e.config(summaryOf("private_image", "shop", "web", "2.0", ""))
	unitTest(t,
		resource.TestStep{
			Config:      summary,
			ExpectError: errorLike("Image security numbers cannot be trusted", `private_image shop/web:2.0 has scan_status "quarantined", not "success"`),
		},
	)
	e2 := newTestEnv(t)
	e2.sim.Inject(simulator.Fault{Endpoint: simulator.RegistryImages, Status: 200, Times: 100, Body: `{"total_num": 1, "data_list": [` + fmt.Sprintf(item, `, "vul_num": "many"`) + `]}`})
	unitTest(t, resource.TestStep{
		Config: e2.config(`
data "hss_image" "x" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}
`),
		ExpectError: errorLike("Cannot list HSS images", "GET /v5/", "/image/registries/images: cannot decode field data_list[0].vul_num:",
			`want a non-negative integer or numeric string, got "many" (request id`),
	})
}

// oddImages are images whose records say success and, in another field,
// that the scan failed or cannot be proven: each is private_image
// odd/<name>:1.0 (local_image odd:1.0 for "local"), scanned two hours ago
// with no findings, so nothing but the contradiction can fail a gate.
// "plain" is the same image without one. The scan time is fixed when the
// data is made, so that a plan after apply is empty.
func oddImages() []simulator.Image {
	scanned := time.Now().Add(-2 * time.Hour).UnixMilli()
	odd := func(name string, change func(*simulator.Image)) simulator.Image {
		img := simulator.Image{
			ID: "img-odd-" + name, Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: name, Version: "1.0",
			RegistryName: "SWR", ScanStatus: "success", SeverityLevel: "Security", SizeBytes: 1000000,
			LatestUpdateTime: 1767225600000, LatestScanTime: scanned, LatestVersion: true,
		}
		change(&img)
		return img
	}
	return []simulator.Image{
		odd("plain", func(*simulator.Image) {}),
		odd("code", func(img *simulator.Image) {
			img.ScanFailedCode, img.ScanFailedDesc = "failed_to_scan_vulnerability", "Failed to scan the image for vulnerabilities."
		}),
		odd("desc", func(img *simulator.Image) { img.ScanFailedDesc = "Failed to scan files." }),
		odd("arch-empty", func(img *simulator.Image) { img.MultiArch, img.ArchList = true, "[]" }),
		odd("arch-null", func(img *simulator.Image) { img.MultiArch, img.ArchList = true, "null" }),
		odd("local", func(img *simulator.Image) {
			img.Type, img.Namespace, img.Name, img.RegistryName = "local_image", "", "odd", ""
			img.Hosts = []simulator.Host{{Name: "node-a", ID: "host-a"}, {Name: "node-b", ID: "host-b", ScanFailedDesc: "Failed to scan files."}}
		}),
	}
}

// oddEnv serves the default images and oddImages.
func oddEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvWith(t, simulator.Options{Images: append(simulator.DefaultImages(), oddImages()...)})
}

// The postconditions of hss_image's docs example fail for every image
// whose scan cannot be proven, not only for a scan_status other than
// success, and pass for the image without the contradiction.
func TestAccImageDocsExampleFailsOnEveryFailureSignal(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("../../examples/data-sources/hss_image/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	ref := func(name string) config.Variables {
		return config.Variables{"image_ref": config.StringVariable("swr.cn-north-4.myhuaweicloud.com/odd/" + name + ":1.0")}
	}
	e := oddEnv(t)
	steps := []resource.TestStep{{
		Config: e.config(string(example)), ConfigVariables: ref("plain"),
		ConfigStateChecks: []statecheck.StateCheck{expectString("data.hss_image.deploy", "image_id", "img-odd-plain")},
	}}
	for name, want := range map[string]string{
		"code":       `scan_failed_code is "failed_to_scan_vulnerability"`,
		"desc":       `scan_failed_desc is "Failed to scan files."`,
		"arch-empty": "association_images",
		"arch-null":  "association_images",
	} {
		steps = append(steps, resource.TestStep{
			Config: e.config(string(example)), ConfigVariables: ref(name),
			ExpectError: errorLike("Resource postcondition failed", "odd/"+name+":1.0", want),
		})
	}
	unitTest(t, steps...)
}

// twinImages are private_image twin/app:1.0 twice over: in registries SWR
// and SWR-mirror with the same image_id ("same"), in registries SWR and
// SWR-mirror with image_ids of their own ("own": 5 malicious files in SWR,
// 3 in the mirror), and twice in registry SWR with the same image_id and
// different digests ("clone"): nothing an argument can name tells those
// apart.
func twinImages() []simulator.Image {
	scanned := time.Now().Add(-2 * time.Hour).UnixMilli()
	twin := func(name, id, registry, digest string, malwares int64) simulator.Image {
		return simulator.Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "twin", Name: name, Version: "1.0",
			RegistryName: registry, Digest: digest, ScanStatus: "success", SeverityLevel: "Security",
			LatestUpdateTime: 1767225600000, LatestScanTime: scanned, Records: map[string]int64{"malwares": malwares},
		}
	}
	return []simulator.Image{
		twin("same", "img-twin-same", "SWR", "", 0), twin("same", "img-twin-same", "SWR-mirror", "", 0),
		twin("own", "img-twin-own-a", "SWR", "", 5), twin("own", "img-twin-own-b", "SWR-mirror", "", 3),
		twin("clone", "img-twin-clone", "SWR", "sha256:aa", 0), twin("clone", "img-twin-clone", "SWR", "sha256:bb", 0),
	}
}

// twinEnv serves the default images and twinImages.
func twinEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvWith(t, simulator.Options{Images: append(simulator.DefaultImages(), twinImages()...)})
}

// An ambiguity error suggests an argument only when it tells the
// candidates apart; when none does, it says so instead of suggesting one
// whose values are the same.
func TestAccImageAmbiguousSuggestsOnlyWhatTellsThemApart(t *testing.T) {
	t.Parallel()
	e := twinEnv(t)
	twin := func(name string) string {
		return e.config(fmt.Sprintf(`
data "hss_image" "x" {
  image_type    = "private_image"
  namespace     = "twin"
  image_name    = %q
  image_version = "1.0"
}
`, name))
	}
	unitTest(t,
		resource.TestStep{
			Config:      twin("same"),
			ExpectError: errorLike("Image selector matches more than one image", `registry_name "SWR-mirror"`, "Set registry_name to choose one."),
		},
		resource.TestStep{
			Config: twin("clone"),
			ExpectError: errorLike("Image selector matches more than one image", `digest "sha256:aa"`, `digest "sha256:bb"`,
				"No argument tells them apart: they have the same instance_id, registry_name and image_id"),
		},
	)
}

// hss_image fills in instance_id and registry_name of the image it
// resolved when they are not set, as it does image_id.
func TestAccImageFillsInstanceAndRegistry(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "proxy" {
  image_type    = "instance_image"
  namespace     = "platform"
  image_name    = "proxy"
  image_version = "1.0"
  image_id      = "img-proxy-b"
}

data "hss_image" "checkout" {
  image_type    = "private_image"
  namespace     = "release"
  image_name    = "checkout"
  image_version = "4.0"
}

data "hss_image" "named" {
  image_type    = "private_image"
  namespace     = "release"
  image_name    = "checkout"
  image_version = "4.0"
  registry_name = "SWR"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.proxy", "instance_id", "swr-ee-b2"),
			expectString("data.hss_image.proxy", "registry_name", "swr-ee-b2-registry"),
			statecheck.ExpectKnownValue("data.hss_image.checkout", tfjsonpath.New("instance_id"), knownvalue.Null()),
			expectString("data.hss_image.checkout", "registry_name", "SWR"),
			expectString("data.hss_image.named", "registry_name", "SWR"),
		},
	})
}
