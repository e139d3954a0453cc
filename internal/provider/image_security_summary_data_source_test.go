package provider

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const summaryWeb = `
data "hss_image_security_summary" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}
`

func TestAccImageSecuritySummaryAllReports(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetLatency(20 * time.Millisecond)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(summaryWeb),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_security_summary.web", tfjsonpath.New("baseline"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"image_weak_pwd": knownvalue.Int64Exact(2),
					"pwd_policy":     knownvalue.Int64Exact(3),
					"security_check": knownvalue.Int64Exact(7),
				})),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.web", tfjsonpath.New("report_counts"), knownvalue.MapExact(map[string]knownvalue.Check{
					"vulnerability":       knownvalue.Int64Exact(5),
					"risk-config":         knownvalue.Int64Exact(4),
					"malwares":            knownvalue.Int64Exact(1),
					"apps":                knownvalue.Int64Exact(212),
					"files":               knownvalue.Int64Exact(1530),
					"sensitive-info":      knownvalue.Int64Exact(2),
					"non-compliant-app":   knownvalue.Int64Exact(1),
					"build-command-risks": knownvalue.Int64Exact(2),
				})),
			},
		}},
	})
	// One read is one list call that resolves the image, then nine
	// statistic calls; each carries the selector.
	first := e.sim.Requests()[:10]
	if first[0].Endpoint != simulator.RegistryImages {
		t.Fatalf("first request to %s, want the image list", first[0].Endpoint)
	}
	reports := 0
	for _, r := range first[1:] {
		switch r.Endpoint {
		case simulator.SecurityReport:
			reports++
			assertBody(t, []simulator.Request{r}, simulator.SecurityReport, "web",
				`{"operate_all": true, "image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0"}`)
		case simulator.BaselineStatistic:
		default:
			t.Fatalf("unexpected request to %s", r.Endpoint)
		}
	}
	if reports != 8 {
		t.Fatalf("%d report requests in the first read, want 8", reports)
	}
}

func TestAccImageSecuritySummaryReportTypes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(`
data "hss_image_security_summary" "nginx" {
  image_type    = "local_image"
  image_name    = "nginx"
  image_version = "1.27"
  report_types  = ["vulnerability", "malwares"]
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.hss_image_security_summary.nginx", tfjsonpath.New("report_counts"), knownvalue.MapExact(map[string]knownvalue.Check{
						"vulnerability": knownvalue.Int64Exact(2),
						"malwares":      knownvalue.Int64Exact(0),
					})),
				},
			},
		},
	})
}

func TestAccImageSecuritySummaryValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config(`
data "hss_image_security_summary" "x" {
  image_type   = "registry"
  report_types = ["viruses"]
}
`),
				ExpectError: errorLike("image_type", `value must be one of: ["private_image" "shared_image" "local_image" "instance_image"]`),
			},
			{
				Config: e.config(`
data "hss_image_security_summary" "x" {
  image_type   = "local_image"
  report_types = ["viruses"]
}
`),
				ExpectError: errorLike("report_types", `"build-command-risks"]`, `got: "viruses"`),
			},
		},
	})
	e.expectNoRequests(t)
}

// One failing call fails the whole read with that call's error: never a
// partial summary with a silent zero.
func TestAccImageSecuritySummaryOneFailureFailsTheRead(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.Inject(simulator.Fault{Endpoint: simulator.SecurityReport, Status: 403, Body: `{"error_code":"HSS.1090","error_msg":"report access denied"}`})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.config(summaryWeb),
			ExpectError: errorLike("Cannot read HSS image security summary", "report: POST", "HTTP 403 Forbidden, error_code HSS.1090: report access denied (request id"),
		}},
	})
}

func TestRunJobsLimitsConcurrency(t *testing.T) {
	var running, peak atomic.Int32
	var jobs []summaryJob
	for i := 0; i < 20; i++ {
		jobs = append(jobs, summaryJob{"job", func(context.Context) error {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			return nil
		}})
	}
	if _, err := runJobs(context.Background(), 4, jobs); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 4 {
		t.Fatalf("peak concurrency %d, want 4", p)
	}
}

func TestRunJobsFirstErrorCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var failed atomic.Bool
	var startedAfterFailure atomic.Int32
	slow := func(ctx context.Context) error {
		if failed.Load() {
			startedAfterFailure.Add(1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
			return nil
		}
	}
	jobs := []summaryJob{{"slow", slow}, {"slow", slow}}
	jobs = append(jobs, summaryJob{"failing", func(context.Context) error { failed.Store(true); return boom }})
	for i := 0; i < 10; i++ {
		jobs = append(jobs, summaryJob{"slow", slow})
	}
	name, err := runJobs(context.Background(), 1, jobs)
	if name != "failing" || !errors.Is(err, boom) {
		t.Fatalf("got %s: %v, want the failing job's error", name, err)
	}
	if n := startedAfterFailure.Load(); n != 0 {
		t.Fatalf("%d jobs started after the first failure", n)
	}
}

func TestRunJobsCancelledBeforeStartIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := runJobs(ctx, 2, []summaryJob{{"never", func(context.Context) error { return nil }}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// Every way the image behind a summary can be unknown or unscanned fails
// the read before any count is asked.
func TestAccImageSecuritySummaryFailsClosed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		config string
		want   []string
	}{
		{"typo", summaryOf("private_image", "shop", "crat", "3.1", ""),
			[]string{"Image not found in HSS", `image_name = "crat"`, `Closest images HSS has in namespace "shop": cart:3.1`}},
		{"tag never pushed", summaryOf("private_image", "shop", "web", "9.9", ""),
			[]string{"Image not found in HSS", `image_version = "9.9"`}},
		{"ambiguous", summaryOf("instance_image", "platform", "proxy", "1.0", ""),
			[]string{"Image selector matches more than one image", "swr-ee-a1", "swr-ee-b2", "Set instance_id to choose one."}},
		{"never scanned", summaryOf("private_image", "release", "search", "2.3", ""),
			[]string{"Image security numbers cannot be trusted", `private_image release/search:2.3 has scan_status "unscan", not "success"`, "allow_unscanned = true"}},
		{"waiting", summaryOf("private_image", "release", "notify", "0.8", ""),
			[]string{`scan_status "waiting_for_scan"`}},
		{"scan failed", summaryOf("private_image", "release", "ledger", "1.4", ""),
			[]string{`scan_status "failed" (scan_failed_code "failed_to_scan_vulnerability": Failed to scan the image for vulnerabilities.)`, "Scan the image in HSS"}},
		{"download failed", summaryOf("private_image", "release", "media", "5.1", ""),
			[]string{`scan_status "download_failed" (scan_failed_code "download_failed"`}},
		{"one architecture failed", summaryOf("private_image", "release", "gateway", "3.0", ""),
			[]string{"multi-architecture image", `architecture image "img-gateway-30-arm64"`, `scan_status "failed"`}},
		{"one host waiting", summaryOf("local_image", "", "busybox", "1.36", ""),
			[]string{`local_image busybox:1.36 has scan_status "waiting" on at least one of its hosts (node-a, node-c)`}},
		{"scan too old", summaryOf("private_image", "shop", "web", "2.0", `max_scan_age = "168h"`),
			[]string{"HSS last scanned private_image shop/web:2.0 at 2026-01-12T00:00:00Z", "longer than max_scan_age (168h0m0s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: e.config(tc.config), ExpectError: errorLike(tc.want...)}},
			})
			if n := e.sim.Count(simulator.BaselineStatistic) + e.sim.Count(simulator.SecurityReport); n != 0 {
				t.Fatalf("%d statistic requests; the read must fail before any count is asked", n)
			}
		})
	}
}

func TestAccImageSecuritySummaryFreshScanPassesMaxScanAge(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(summaryOf("private_image", "release", "checkout", "4.0", `max_scan_age = "24h"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("image_id"), knownvalue.StringExact("img-checkout-40")),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("scan_status"), knownvalue.StringExact("success")),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("report_counts").AtMapKey("vulnerability"), knownvalue.Int64Exact(0)),
			},
		}},
	})
}

// allow_unscanned reads the counts of an unscanned image, and the image
// attribute says why they mean nothing.
func TestAccImageSecuritySummaryAllowUnscanned(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(summaryOf("private_image", "release", "ledger", "1.4", `allow_unscanned = true`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("scan_status"), knownvalue.StringExact("failed")),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("scan_failed_code"), knownvalue.StringExact("failed_to_scan_vulnerability")),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("scanned_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("report_counts").AtMapKey("vulnerability"), knownvalue.Int64Exact(0)),
			},
		}},
	})
}

func TestAccImageSecuritySummaryLookupValidation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      e.config(summaryOf("private_image", "shop", "web", "2.0", `max_scan_age = "7d"`)),
				ExpectError: errorLike("Invalid duration", `max_scan_age must be a positive duration with a unit, such as "30s", "20m" or "168h"`, `got "7d"`),
			},
			{
				Config:      e.config(summaryOf("private_image", "shop", "web", "2.0", `max_scan_age = "-1h"`)),
				ExpectError: errorLike("Invalid duration", `got "-1h"`),
			},
			{
				Config:      e.config(summaryOf("private_image", "shop", "web", "2.0", "max_scan_age = \"24h\"\nallow_unscanned = true")),
				ExpectError: errorLike("Invalid Attribute Combination", "allow_unscanned"),
			},
			{
				Config:      e.config("data \"hss_image_security_summary\" \"x\" {\nimage_type = \"local_image\"\nimage_name = \"nginx\"\n}\n"),
				ExpectError: errorLike(`image_version is required when image_type is "local_image"`),
			},
		},
	})
	e.expectNoRequests(t)
}

// A record that says success in scan_status and failure, or nothing
// provable, elsewhere is no successful scan: the summary fails before any
// count is read and names the field. The same image without the
// contradiction passes.
func TestAccImageSecuritySummaryEveryFailureSignal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, imageType, namespace, image string
		want                              []string
	}{
		{"plain", "private_image", "odd", "plain", nil},
		{"success with scan_failed_code", "private_image", "odd", "code", []string{
			`private_image odd/code:1.0 did not succeed: scan_status is "success" but scan_failed_code is "failed_to_scan_vulnerability" (Failed to scan the image for vulnerabilities.)`}},
		{"success with scan_failed_desc", "private_image", "odd", "desc", []string{
			`private_image odd/desc:1.0 did not succeed: scan_status is "success" but scan_failed_desc is "Failed to scan files."`}},
		{"multi-architecture, empty architecture list", "private_image", "odd", "arch-empty", []string{
			"private_image odd/arch-empty:1.0", "is_multiple_arch is true", "association_images is empty or null"}},
		{"multi-architecture, null architecture list", "private_image", "odd", "arch-null", []string{
			"private_image odd/arch-null:1.0", "is_multiple_arch is true", "association_images is empty or null"}},
		{"local, one host success with scan_failed_desc", "local_image", "", "odd", []string{
			`local_image odd:1.0 on at least one of its hosts (node-a, node-b) did not succeed: scan_status is "success" but scan_failed_desc is "Failed to scan files."`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := oddEnv(t)
			step := resource.TestStep{Config: e.config(summaryOf(tc.imageType, tc.namespace, tc.image, "1.0", ""))}
			if tc.want != nil {
				step.ExpectError = errorLike(append([]string{"Image security numbers cannot be trusted"}, tc.want...)...)
			} else {
				step.ConfigStateChecks = []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("report_counts").AtMapKey("vulnerability"), knownvalue.Int64Exact(0)),
				}
			}
			unitTest(t, step)
			if n := e.sim.Count(simulator.BaselineStatistic) + e.sim.Count(simulator.SecurityReport); tc.want != nil && n != 0 {
				t.Fatalf("%d statistic requests; the read must fail before any count is asked", n)
			}
		})
	}
}

// The summary takes registry_name, suggests it when it is what tells the
// candidates apart, and counts only the image it resolved: the statistics
// take no registry_name, so they are narrowed by the image's image_id, and
// a read fails when even that selects more than the one image.
func TestAccImageSecuritySummaryRegistryName(t *testing.T) {
	t.Parallel()
	e := twinEnv(t)
	summary := func(name, extra string) string {
		return e.config(summaryOf("private_image", "twin", name, "1.0", extra))
	}
	unitTest(t,
		resource.TestStep{
			Config:      e.config(summaryOf("local_image", "", "nginx", "1.27", `registry_name = "SWR"`)),
			ExpectError: errorLike("Argument does not apply", `registry_name does not apply when image_type is "local_image"`),
		},
		resource.TestStep{
			Config:      summary("own", `registry_name = ""`),
			ExpectError: errorLike("Invalid registry_name", `registry_name is empty`),
		},
		resource.TestStep{
			Config:      summary("same", ""),
			ExpectError: errorLike("Image selector matches more than one image", `registry_name "SWR-mirror"`, "Set registry_name to choose one."),
		},
		resource.TestStep{
			Config: summary("same", `registry_name = "SWR-mirror"`),
			ExpectError: errorLike("Image security numbers cannot be told apart", `registry_name "SWR-mirror" selects private_image twin/same:1.0`,
				`image_id "img-twin-same"`, `2 images`, `registries "SWR", "SWR-mirror"`),
		},
		resource.TestStep{
			// 3, the mirror copy's: counted by the whole selector, the
			// statistics would add SWR's 5.
			Config: summary("own", `registry_name = "SWR-mirror"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("image_id"), knownvalue.StringExact("img-twin-own-b")),
				statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("report_counts").AtMapKey("malwares"), knownvalue.Int64Exact(3)),
			},
		},
	)
}
