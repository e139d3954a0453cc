package provider

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// Issue 15: a list is read as one snapshot or not at all, and scan times
// are proven, not trusted. HSS's lists change while they are read: the
// simulator's list hooks change them between two pages. Terraform reads a
// data source during plan and applies the saved plan, so what the first
// walk of the first plan read is what lands in state; a plan error is
// prefixed "Error running pre-apply plan", an error only the re-read after
// the apply sees is not.

// planFails matches an error of the first plan, the one a gate runs.
func planFails(fragments ...string) *regexp.Regexp {
	return errorLike(append([]string{"Error running pre-apply plan"}, fragments...)...)
}

const recentScan = 2 * time.Hour

// listFiller is n images that match the same list filters as the image a
// test is about and come before it, so that it sits on the page boundary.
func listFiller(n int, f func(i int) simulator.Image) []simulator.Image {
	out := make([]simulator.Image, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// deleteOnce removes the image with id from what HSS holds once the
// first page of the list was served: the change one reader's walk
// straddles. add, when set, is appended at the same time, so that
// total_num stays what it was.
func deleteOnce(id string, add *simulator.Image) simulator.ListHooks {
	return simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		if p.Number != 1 {
			return images
		}
		images = slices.DeleteFunc(images, func(img simulator.Image) bool { return img.ID == id })
		if add != nil {
			images = append(images, *add)
		}
		return images
	}}
}

// localImages: 199 local images whose names contain "redis" and tags
// "7.2", then redis:7.2 on node-a (scanned) and node-b (its scan failed):
// the failed host's record is the 201st, the first of page 2.
func localImages() []simulator.Image {
	images := listFiller(199, func(i int) simulator.Image {
		return simulator.Image{
			ID: fmt.Sprintf("img-local-redis-cache-%03d", i), Type: "local_image", EnterpriseProjectID: "0",
			Name: fmt.Sprintf("redis-cache-%03d", i), Version: "7.2", ScanStatus: "success", ScanAge: recentScan,
			Hosts: []simulator.Host{{Name: fmt.Sprintf("node-x%03d", i), ID: fmt.Sprintf("host-x%03d", i)}},
		}
	})
	return append(images, simulator.Image{
		ID: "img-local-redis", Type: "local_image", EnterpriseProjectID: "0", Name: "redis", Version: "7.2",
		ScanStatus: "success", SeverityLevel: "Low", ScanAge: recentScan,
		Hosts: []simulator.Host{{Name: "node-a", ID: "host-a"}, {Name: "node-b", ID: "host-b", ScanStatus: "failed"}},
	})
}

const localRedis = `
data "hss_image" "redis" {
  image_type    = "local_image"
  image_name    = "redis"
  image_version = "7.2"
}
`

// (a) An unrelated local image is deleted between page 1 and page 2: the
// failed host's record moves to page 1, which was already read. Before
// issue 15 the image read "success" from node-a alone; now the walker sees
// total_num change, walks again, and reads both hosts.
func TestAccListSnapshotLocalImageKeepsItsFailedHost(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{Images: localImages()})
	e.sim.SetListHooks(simulator.LocalImages, deleteOnce("img-local-redis-cache-007", nil))
	unitTest(t, resource.TestStep{
		Config: e.config(localRedis),
		ConfigStateChecks: []statecheck.StateCheck{
			expectString("data.hss_image.redis", "scan_status", "failed"),
			statecheck.ExpectKnownValue("data.hss_image.redis", tfjsonpath.New("hosts"),
				knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("node-a"), knownvalue.StringExact("node-b")})),
		},
	})
}

// (a) The same through the gate: the summary fails in the plan.
func TestAccListSnapshotSummaryFailsOnTheFailedHost(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{Images: localImages()})
	e.sim.SetListHooks(simulator.LocalImages, deleteOnce("img-local-redis-cache-007", nil))
	unitTest(t, resource.TestStep{
		Config:      e.config(summaryOf("local_image", "", "redis", "7.2", "")),
		ExpectError: planFails(`scan_status "failed"`, "node-a, node-b"),
	})
}

// (a) A list that changes on every walk (an image deleted after page 1,
// back after page 2) is never read as a snapshot: after three walks the
// read fails, saying so. Before issue 15 every walk missed node-b's record
// and the image read "success".
func TestAccListSnapshotKeepsChangingFailsClosed(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{Images: localImages()})
	var gone []simulator.Image
	e.sim.SetListHooks(simulator.LocalImages, simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		switch {
		case p.Offset == 0 && gone == nil:
			gone = images[:1:1]
			return images[1:]
		case p.Offset > 0 && gone != nil:
			images = append(gone, images...)
			gone = nil
		}
		return images
	}})
	unitTest(t, resource.TestStep{
		Config: e.config(localRedis),
		ExpectError: planFails("HSS's list kept changing while it was read", "3 walks",
			"total_num was 201 on page 1 but 200 on page 2"),
	})
	if n := e.sim.Count(simulator.LocalImages); n != 6 {
		t.Errorf("%d list requests, want 6: two pages in each of three walks", n)
	}
}

// (b) The failed twin of an ambiguous instance_image drops out the same
// way. Before issue 15 the lookup resolved to the good twin (the ambiguity
// only surfaced in the re-read after the apply); now the first plan sees
// both.
func TestAccListSnapshotAmbiguousTwinNotLost(t *testing.T) {
	t.Parallel()
	proxy := func(id, instance, status string) simulator.Image {
		return simulator.Image{
			ID: id, Type: "instance_image", EnterpriseProjectID: "0", Namespace: "platform", Name: "proxy", Version: "1.0",
			InstanceID: instance, InstanceName: instance + "-registry", RegistryName: instance + "-registry",
			ScanStatus: status, ScanAge: recentScan, LatestVersion: true,
		}
	}
	images := listFiller(199, func(i int) simulator.Image {
		img := proxy(fmt.Sprintf("img-proxy-sidecar-%03d", i), "swr-ee-a1", "success")
		img.Name = fmt.Sprintf("proxy-sidecar-%03d", i)
		return img
	})
	images = append(images, proxy("img-proxy-a", "swr-ee-a1", "success"), proxy("img-proxy-b", "swr-ee-b2", "failed"))
	e := newTestEnvWith(t, simulator.Options{Images: images})
	e.sim.SetListHooks(simulator.RegistryImages, deleteOnce("img-proxy-sidecar-100", nil))
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "proxy" {
  image_type    = "instance_image"
  namespace     = "platform"
  image_name    = "proxy"
  image_version = "1.0"
}
`),
		ExpectError: planFails("Image selector matches more than one image", "2 images match", "swr-ee-a1", "swr-ee-b2"),
	})
}

// (c) A release read through hss_images whose failed duplicate record was
// the first of page 2 when an unrelated image was deleted and another
// pushed between the pages: total_num did not change and no record was
// read twice. Each page after the first starts at the last record of the
// page before, which the deletion shifted: the walker sees it and walks
// again. Before issue 15 the failed copy was not in the list.
func TestAccListSnapshotReleaseDuplicateNotLost(t *testing.T) {
	t.Parallel()
	svc := func(id, name, status string) simulator.Image {
		return simulator.Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "bulk", Name: name, Version: "5.0",
			RegistryName: "SWR", ScanStatus: status, ScanAge: recentScan, LatestVersion: true,
		}
	}
	images := listFiller(199, func(i int) simulator.Image {
		return svc(fmt.Sprintf("img-bulk-svc-%03d", i), fmt.Sprintf("svc-%03d", i), "success")
	})
	images = append(images, svc("img-bulk-web-a", "web", "success"), svc("img-bulk-web-b", "web", "failed"))
	pushed := svc("img-bulk-svc-new", "svc-new", "success")
	e := newTestEnvWith(t, simulator.Options{Images: images})
	e.sim.SetListHooks(simulator.RegistryImages, deleteOnce("img-bulk-svc-000", &pushed))
	const addr = "data.hss_images.release"
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_images" "release" {
  image_type = "private_image"
  namespace  = "bulk"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("images"), knownvalue.ListSizeExact(201)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("images"), knownvalue.ListPartial(map[int]knownvalue.Check{
				0:   image("svc-001", "5.0", "success"),
				198: image("svc-new", "5.0", "success"),
				199: image("web", "5.0", "success"),
				200: image("web", "5.0", "failed"),
			})),
		},
	})
}

// (d) total_num 0 with the image in data_list: the answer contradicts
// itself. Before issue 15 the image was used.
func TestAccListSnapshotTotalZeroWithRecordsIsAnError(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetListHooks(simulator.RegistryImages, simulator.ListHooks{Total: func(simulator.ListPage) int64 { return 0 }})
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}
`),
		ExpectError: planFails("cannot decode field total_num", "0, but data_list holds 1 record"),
	})
}

// (e) A list that grows by a page on every page (150 times): before issue
// 15 the walker followed it for 152 pages and 30,201 records; now the
// first walks see total_num change and the read ends after six pages.
func TestAccListSnapshotGrowingTotalEndsFast(t *testing.T) {
	t.Parallel()
	app := func(id, name string) simulator.Image {
		return simulator.Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "grow", Name: name, Version: "1",
			RegistryName: "SWR", ScanStatus: "success", ScanAge: recentScan,
		}
	}
	images := append([]simulator.Image{app("img-grow-app", "app")}, listFiller(200, func(i int) simulator.Image {
		return app(fmt.Sprintf("img-grow-%05d", i), fmt.Sprintf("app-%05d", i))
	})...)
	e := newTestEnvWith(t, simulator.Options{Images: images})
	e.sim.SetListHooks(simulator.RegistryImages, simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		if p.Number > 150 {
			return images
		}
		return append(images, listFiller(200, func(i int) simulator.Image {
			n := p.Number*200 + i
			return app(fmt.Sprintf("img-grow-%05d", n), fmt.Sprintf("app-%05d", n))
		})...)
	}})
	start := time.Now()
	unitTest(t, resource.TestStep{
		Config: e.config(`
data "hss_image" "app" {
  image_type    = "private_image"
  namespace     = "grow"
  image_name    = "app"
  image_version = "1"
}
`),
		ExpectError: planFails("HSS's list kept changing while it was read", "3 walks",
			"total_num was 201 on page 1 but 401 on page 2"),
	})
	t.Logf("the step took %s, %d list requests", time.Since(start).Round(time.Millisecond), e.sim.Count(simulator.RegistryImages))
	if n := e.sim.Count(simulator.RegistryImages); n != 6 {
		t.Errorf("%d list requests, want 6: two pages in each of three walks", n)
	}
}

// (f) Scan times that cannot be milliseconds since the epoch of a scan
// that happened: in microseconds, 8 hours ahead (a UTC+8 clock sent as
// UTC), 100 years ahead, in seconds. Before issue 15 each passed the
// summary (the future ones its max_scan_age too: a negative age); now the
// plan fails with a decode error naming the field, the image, and both
// times.
func TestAccScanTimeImplausibleFailsThePlan(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	rfc := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`
	for _, tc := range []struct {
		name   string
		set    func(img *simulator.Image)
		maxAge string
		want   string // a regular expression
	}{
		{"microseconds", func(img *simulator.Image) { img.LatestScanTime = now.Add(-time.Hour).UnixMicro() }, "24h",
			fmt.Sprintf(`would be in the year %d, and now is %s: not milliseconds since the epoch`, time.UnixMilli(now.Add(-time.Hour).UnixMicro()).UTC().Year(), rfc)},
		{"8 hours ahead", func(img *simulator.Image) { img.ScanAge = -8 * time.Hour }, "24h",
			`is ` + rfc + `, later than now \(` + rfc + `\) plus the 5m0s clock-skew allowance`},
		{"100 years ahead", func(img *simulator.Image) { img.ScanAge = -100 * 365 * 24 * time.Hour }, "24h",
			`is 21\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ, later than now \(` + rfc + `\) plus the 5m0s clock-skew allowance`},
		{"seconds", func(img *simulator.Image) { img.LatestScanTime = now.Add(-time.Hour).Unix() }, "",
			`is 1970-\d\d-\d\dT\d\d:\d\d:\d\dZ, before 2015-01-01T00:00:00Z, and now is ` + rfc + `: not milliseconds since the epoch`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			images := simulator.DefaultImages()
			for i := range images {
				if images[i].ID == "img-web-20" {
					images[i].LatestScanTime, images[i].ScanAge = 0, 0
					tc.set(&images[i])
				}
			}
			e := newTestEnvWith(t, simulator.Options{Images: images})
			extra := ""
			if tc.maxAge != "" {
				extra = fmt.Sprintf("max_scan_age = %q", tc.maxAge)
			}
			unitTest(t, resource.TestStep{
				Config: e.config(summaryOf("private_image", "shop", "web", "2.0", extra)),
				ExpectError: regexp.MustCompile(`(?s)Error running pre-apply plan.*cannot decode field\s+data_list\[0\]\.latest_scan_time:\s+\d+\s+\(image\s+shop/web:2\.0\)\s+` +
					regexp.MustCompile(`\s+`).ReplaceAllString(tc.want, `\s+`)),
			})
		})
	}
}
