package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const scanAddr = "hss_image_scan.release"

// scanImages: a scanned release image, one never scanned, one whose scan
// fails, one not synchronised yet, and a local image.
func scanImages() []simulator.Image {
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	return append(simulator.DefaultImages(),
		simulator.Image{ID: "img-rel", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "app", Version: "1.0", ScanStatus: "success", LatestScanTime: old},
		simulator.Image{ID: "img-fresh", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "fresh", Version: "1.0", ScanStatus: "unscan"},
		simulator.Image{ID: "img-bad", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "bad", Version: "1.0", ScanStatus: "unscan", FailScan: "image_layer_over_sized"},
		simulator.Image{ID: "img-new", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "new", Version: "2.0", ScanStatus: "unscan", NotSynchronised: true},
		simulator.Image{ID: "img-local", Type: "local_image", EnterpriseProjectID: "0", Name: "agent", Version: "3.1", ScanStatus: "success", LatestScanTime: old},
	)
}

func newScanEnv(t testing.TB, scanDelay time.Duration) *testEnv {
	return newTestEnvWith(t, simulator.Options{Images: scanImages(), ScanDelay: scanDelay, SyncDelay: 500 * time.Millisecond})
}

func repoImage(name, version string) string {
	return fmt.Sprintf(`{ image_type = "private_image", namespace = "release", image_name = %q, image_version = %q }`, name, version)
}

func scanConfig(list string, extra ...string) string {
	return fmt.Sprintf(`
resource "hss_image_scan" "release" {
  images = [%s]
  %s
}
`, list, strings.Join(extra, "\n  "))
}

func expectScanRequests(e *testEnv, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := e.sim.Count(simulator.ImageScanTasks); got != n {
			return fmt.Errorf("%d scan requests, want %d", got, n)
		}
		return nil
	}
}

// freshResults: every result succeeded, later than its baseline.
func freshResults(want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[scanAddr]
		if rs == nil {
			return fmt.Errorf("no %s", scanAddr)
		}
		a := rs.Primary.Attributes
		if a["results.#"] != fmt.Sprint(want) {
			return fmt.Errorf("results.# = %s, want %d", a["results.#"], want)
		}
		if _, err := time.Parse(time.RFC3339, a["requested_at"]); err != nil {
			return fmt.Errorf("requested_at %q: %v", a["requested_at"], err)
		}
		for i := range want {
			p := fmt.Sprintf("results.%d.", i)
			if a[p+"scan_status"] != "success" {
				return fmt.Errorf("%sscan_status = %q", p, a[p+"scan_status"])
			}
			scanned, err := time.Parse(time.RFC3339Nano, a[p+"scanned_at"])
			if err != nil {
				return fmt.Errorf("%sscanned_at %q: %v", p, a[p+"scanned_at"], err)
			}
			if prev := a[p+"previous_scanned_at"]; prev != "" {
				before, err := time.Parse(time.RFC3339Nano, prev)
				if err != nil || !scanned.After(before) {
					return fmt.Errorf("%sscanned_at %s is not after previous_scanned_at %s", p, scanned, prev)
				}
			}
			if !strings.HasPrefix(a[p+"digest"], "sha256:") {
				return fmt.Errorf("%sdigest = %q", p, a[p+"digest"])
			}
		}
		return nil
	}
}

func TestAccImageScanSucceeds(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, time.Second)
	list := repoImage("app", "1.0") + ", " + repoImage("fresh", "1.0") + `, { image_type = "local_image", image_name = "agent", image_version = "3.1" }`
	config := e.config(scanConfig(list, `triggers = { release = "1" }`))
	unitTest(t,
		resource.TestStep{
			// Planning a scan sends nothing.
			Config: config, PlanOnly: true, ExpectNonEmptyPlan: true,
		},
		resource.TestStep{
			PreConfig: func() { e.expectNoRequests(t) },
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("image_name"), knownvalue.StringExact("app")),
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("previous_scanned_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(1).AtMapKey("previous_scanned_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(2).AtMapKey("image_type"), knownvalue.StringExact("local_image")),
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("results").AtSliceIndex(2).AtMapKey("namespace"), knownvalue.Null()),
				statecheck.ExpectKnownValue(scanAddr, tfjsonpath.New("synchronize"), knownvalue.Bool(true)),
			},
			// One request per global image type: registry and local.
			Check: resource.ComposeTestCheckFunc(freshResults(3), expectScanRequests(e, 2)),
		},
		resource.TestStep{
			// Plan and refresh never scan.
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check:            expectScanRequests(e, 2),
		},
		resource.TestStep{
			// A new trigger scans again.
			Config: e.config(scanConfig(list, `triggers = { release = "2" }`)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(scanAddr, plancheck.ResourceActionDestroyBeforeCreate)}},
			Check: resource.ComposeTestCheckFunc(freshResults(3), expectScanRequests(e, 4)),
		},
	)
	// The request names every image by every field its record gives.
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.ImageScanTasks && !strings.Contains(r.RawQuery, "global_image_type=") {
			t.Errorf("scan request without global_image_type: %q", r.RawQuery)
		}
	}
}

func TestAccImageScanFails(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, 500*time.Millisecond)
	config := e.config(scanConfig(repoImage("app", "1.0") + ", " + repoImage("bad", "1.0")))
	unitTest(t,
		resource.TestStep{
			Config:      config,
			ExpectError: errorLike("HSS image scan failed", "HSS failed to scan private_image release/bad:1.0", `scan_failed_code "image_layer_over_sized"`, "The image failed to scan", "next apply asks HSS to scan again"),
		},
		resource.TestStep{
			// The failed scan is not resumed: the replacement asks again
			// (and fails again).
			Config:      config,
			ExpectError: errorLike("HSS failed to scan private_image release/bad:1.0"),
		},
	)
	if n := e.sim.Count(simulator.ImageScanTasks); n != 2 {
		t.Fatalf("%d scan requests, want 2 (a failed scan is asked again)", n)
	}
}

// The resume rule: an apply that runs out of time keeps the
// request in state (tainted), and the next apply resumes the wait with
// the recorded baselines: one scan request across both applies.
func TestAccImageScanTimeoutResumed(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, 4*time.Second)
	config := e.config(scanConfig(repoImage("app", "1.0")+", "+repoImage("fresh", "1.0"), `timeouts { create = "1s" }`))
	resumed := e.config(scanConfig(repoImage("app", "1.0")+", "+repoImage("fresh", "1.0"), `timeouts { create = "1m" }`))
	unitTest(t,
		resource.TestStep{
			Config:      config,
			ExpectError: errorLike("HSS image scan failed", "timeouts.create (1s) ran out before HSS finished", "resource is tainted", "does not ask HSS to scan again"),
		},
		resource.TestStep{
			PreConfig: func() {
				if n := e.sim.Count(simulator.ImageScanTasks); n != 1 {
					t.Errorf("%d scan requests after the first apply, want 1", n)
				}
			},
			Config: resumed,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(scanAddr, plancheck.ResourceActionDestroyBeforeCreate)}},
			Check: resource.ComposeTestCheckFunc(freshResults(2), expectScanRequests(e, 1)),
		},
	)
}

func TestAccImageScanNotSynchronised(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, 500*time.Millisecond)
	unitTest(t,
		resource.TestStep{
			Config:      e.config(scanConfig(repoImage("new", "2.0"), "synchronize = false")),
			ExpectError: errorLike("HSS lists no image", `image_name = "new"`, "synchronize is false"),
		},
		resource.TestStep{
			PreConfig: func() {
				if n := e.sim.Count(simulator.ImageSynchronize) + e.sim.Count(simulator.ImageScanTasks); n != 0 {
					t.Errorf("%d synchronise or scan requests with synchronize = false", n)
				}
			},
			Config: e.config(scanConfig(repoImage("new", "2.0"))),
			Check: resource.ComposeTestCheckFunc(freshResults(1), expectScanRequests(e, 1), func(*terraform.State) error {
				if n := e.sim.Count(simulator.ImageSynchronize); n != 1 {
					return fmt.Errorf("%d synchronise requests, want 1", n)
				}
				return nil
			}),
		},
	)
}

// A harbor image not synchronised yet: the synchronise task names the
// registry of the selector's registry_name (its id read from an image HSS
// lists of it), and no other.
func TestAccImageScanNotSynchronisedHarbor(t *testing.T) {
	t.Parallel()
	imgs := append(simulator.DefaultImages(),
		simulator.Image{ID: "img-h-old", Type: "harbor", EnterpriseProjectID: "0", Namespace: "ci", Name: "tool", Version: "1", RegistryName: "harbor-ci", ScanStatus: "success", LatestScanTime: time.Now().Add(-time.Hour).UnixMilli()},
		simulator.Image{ID: "img-h-other", Type: "harbor", EnterpriseProjectID: "0", Namespace: "ci", Name: "tool", Version: "1", RegistryName: "harbor-dr", ScanStatus: "success", LatestScanTime: time.Now().Add(-time.Hour).UnixMilli()},
		simulator.Image{ID: "img-h-new", Type: "harbor", EnterpriseProjectID: "0", Namespace: "ci", Name: "tool", Version: "2", RegistryName: "harbor-ci", ScanStatus: "unscan", NotSynchronised: true},
	)
	e := newTestEnvWith(t, simulator.Options{Images: imgs, ScanDelay: 500 * time.Millisecond, SyncDelay: 500 * time.Millisecond})
	harbor := func(registry string) string {
		return fmt.Sprintf(`{ image_type = "harbor", namespace = "ci", image_name = "tool", image_version = "2", registry_name = %q }`, registry)
	}
	noRequests := func() {
		if n := e.sim.Count(simulator.ImageSyncTasks) + e.sim.Count(simulator.ImageSynchronize) + e.sim.Count(simulator.ImageScanTasks); n != 0 {
			t.Errorf("%d synchronise or scan requests before synchronize = true", n)
		}
	}
	unitTest(t,
		resource.TestStep{
			Config:      e.config(scanConfig(harbor("harbor-ci"), "synchronize = false")),
			ExpectError: errorLike("HSS lists no image", `image_name = "tool"`, "synchronize is false"),
		},
		resource.TestStep{
			PreConfig:   noRequests,
			Config:      e.config(scanConfig(harbor("harbor-typo"))),
			ExpectError: errorLike(`registry_name = "harbor-typo"`, "no harbor image of that registry at all", "cannot tell"),
		},
		resource.TestStep{
			PreConfig: noRequests,
			Config:    e.config(scanConfig(harbor("harbor-ci"))),
			Check: resource.ComposeTestCheckFunc(freshResults(1), expectScanRequests(e, 1), func(*terraform.State) error {
				var bodies []string
				for _, r := range e.sim.Requests() {
					if r.Endpoint == simulator.ImageSyncTasks {
						bodies = append(bodies, string(r.Body))
					}
				}
				want := `{"sync_all_registries":false,"registry_info":[{"registry_id":"reg-harbor-ci","registry_type":"Harbor"}]}`
				if len(bodies) != 1 || bodies[0] != want {
					return fmt.Errorf("synchronise task requests %q, want one %s", bodies, want)
				}
				if n := e.sim.Count(simulator.ImageSynchronize); n != 0 {
					return fmt.Errorf("%d SWR synchronise requests for a harbor image", n)
				}
				return nil
			}),
		},
	)
}

func TestAccImageScanValidation(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, time.Second)
	many := make([]string, 101)
	for i := range many {
		many[i] = repoImage("app", fmt.Sprint(i))
	}
	for _, tc := range []struct{ list, want string }{
		{`{ image_type = "cicd", image_id = "x" }`, `HSS's manual scan task takes local and repository images only, not image_type "cicd"`},
		{``, "images list must contain at least 1 elements"},
		{strings.Join(many, ", "), "images list must contain at least 1 elements and at most 100 elements, got: 101"},
		{`{ image_type = "private_image", image_name = "app", image_version = "1.0" }`, "images[0]: namespace is required"},
		{`{ image_type = "local_image", namespace = "x", image_name = "a", image_version = "1" }`, "images[0]: namespace does not apply"},
		{`{ image_type = "registry", image_name = "a", image_version = "1" }`, "value must be one of"},
	} {
		unitTest(t, resource.TestStep{Config: e.config(scanConfig(tc.list)), PlanOnly: true, ExpectError: errorLike(tc.want)})
	}
	e.expectNoRequests(t)
}

// A 10-image scan: how many requests and how long, against the scan
// delay. Measured and logged, never asserted against the clock.
func TestAccImageScanTenImages(t *testing.T) {
	t.Parallel()
	delay := 2 * time.Second
	imgs := simulator.DefaultImages()
	var list []string
	for i := range 10 {
		imgs = append(imgs, simulator.Image{ID: fmt.Sprintf("img-ten-%d", i), Type: "private_image", EnterpriseProjectID: "0",
			Namespace: "ten", Name: "svc", Version: fmt.Sprintf("1.%d", i), ScanStatus: "unscan"})
		list = append(list, fmt.Sprintf(`{ image_type = "private_image", namespace = "ten", image_name = "svc", image_version = "1.%d" }`, i))
	}
	e := newTestEnvWith(t, simulator.Options{Images: imgs, ScanDelay: delay})
	var start time.Time
	var took time.Duration
	var before int
	unitTest(t, resource.TestStep{
		PreConfig: func() { start = time.Now(); before = len(e.sim.Requests()) },
		Config:    e.config(scanConfig(strings.Join(list, ", "))),
		Check: resource.ComposeTestCheckFunc(freshResults(10), expectScanRequests(e, 1), func(*terraform.State) error {
			took = time.Since(start)
			return nil
		}),
	})
	byEndpoint := map[simulator.Endpoint]int{}
	reqs := e.sim.Requests()[before:]
	for _, r := range reqs {
		byEndpoint[r.Endpoint]++
	}
	t.Logf("10-image scan, scan delay %s: %d requests in %s (plan, apply and refresh included): %v", delay, len(reqs), took.Round(10*time.Millisecond), byEndpoint)
}

// scanRequestsOf describes each scan request the simulator received, in
// order: its global_image_type, the images it names and its answer's
// status, as "local [agent:3.1] 200".
func scanRequestsOf(t *testing.T, e *testEnv) []string {
	var out []string
	for _, r := range e.sim.Requests() {
		if r.Endpoint != simulator.ImageScanTasks {
			continue
		}
		var body struct {
			ImageInfo []struct {
				ImageName    string `json:"image_name"`
				ImageVersion string `json:"image_version"`
			} `json:"image_info"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("scan request body %q: %v", r.Body, err)
		}
		var names []string
		for _, i := range body.ImageInfo {
			names = append(names, i.ImageName+":"+i.ImageVersion)
		}
		out = append(out, fmt.Sprintf("%s [%s] %d", r.Query.Get("global_image_type"), strings.Join(names, " "), r.Status))
	}
	return out
}

// expectPriorResults checks the state an apply left before this step's
// plan (a failed apply runs no Check): the resource is tainted, the
// request is recorded, and each result has the scan_status given, in
// order ("asked": any status but "not_requested").
type expectPriorResults []string

func (want expectPriorResults) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil || req.Plan.PriorState.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no prior state: the failed apply recorded nothing")
		return
	}
	for _, rs := range req.Plan.PriorState.Values.RootModule.Resources {
		if rs.Address != scanAddr {
			continue
		}
		if !rs.Tainted {
			resp.Error = fmt.Errorf("%s is not tainted after the failed apply", scanAddr)
			return
		}
		if at, _ := rs.AttributeValues["requested_at"].(string); at == "" {
			resp.Error = fmt.Errorf("requested_at = %v: the accepted request is not recorded", rs.AttributeValues["requested_at"])
			return
		}
		results, _ := rs.AttributeValues["results"].([]any)
		if len(results) != len(want) {
			resp.Error = fmt.Errorf("%d results recorded, want %d: %v", len(results), len(want), rs.AttributeValues["results"])
			return
		}
		for i, r := range results {
			m, _ := r.(map[string]any)
			got, _ := m["scan_status"].(string)
			switch {
			case want[i] == scanNotRequested && got != scanNotRequested:
				resp.Error = fmt.Errorf("results[%d] (%v) scan_status = %q, want %q: its request was never sent", i, m["image_name"], got, scanNotRequested)
			case want[i] != scanNotRequested && (got == "" || got == scanNotRequested):
				resp.Error = fmt.Errorf("results[%d] (%v) scan_status = %q: HSS accepted its request, it must be recorded as asked", i, m["image_name"], got)
			}
			if resp.Error != nil {
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("no %s in the prior state", scanAddr)
}

// One apply sends two scan requests (repository images and local images
// are asked for separately); HSS accepts the first and refuses the second.
// The apply fails, and state records the accepted image as asked and the
// other as "not_requested". The next apply asks for that image only (one
// more request, of its global type; the accepted one is never asked
// again), waits for both, and every image ends scanned.
func TestAccImageScanNotRequestedAskedNext(t *testing.T) {
	t.Parallel()
	e := newScanEnv(t, time.Second)
	// The registry request first (types in the order they first appear),
	// then the local one, which HSS refuses.
	e.sim.InjectAt(simulator.ImageScanTasks, simulator.Fault{Skip: 1, Status: 400,
		Body: `{"error_code":"HSS.1001","error_msg":"Too many scan tasks in progress."}`})
	list := repoImage("app", "1.0") + `, { image_type = "local_image", image_name = "agent", image_version = "3.1" }`
	config := e.config(scanConfig(list, `timeouts { create = "30s" }`))
	unitTest(t,
		resource.TestStep{
			Config: config,
			ExpectError: errorLike("HSS image scan failed", "asking HSS to scan 1 local image(s)", "HSS.1001",
				"The images whose request was not sent (scan_status \"not_requested\") are asked for then."),
		},
		resource.TestStep{
			PreConfig: func() {
				if got, want := scanRequestsOf(t, e), []string{"registry [app:1.0] 200", "local [agent:3.1] 400"}; !slices.Equal(got, want) {
					t.Errorf("scan requests of the first apply: %q, want %q", got, want)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				expectPriorResults{"asked", scanNotRequested},
				plancheck.ExpectResourceAction(scanAddr, plancheck.ResourceActionDestroyBeforeCreate)}},
			// One more request, for the image not asked for only.
			Check: resource.ComposeTestCheckFunc(freshResults(2), func(*terraform.State) error {
				want := []string{"registry [app:1.0] 200", "local [agent:3.1] 400", "local [agent:3.1] 200"}
				if got := scanRequestsOf(t, e); !slices.Equal(got, want) {
					return fmt.Errorf("scan requests: %q, want %q", got, want)
				}
				return nil
			}),
		},
	)
}

// The warning of a resumed create says what HSS is asked again: nothing
// when every image was asked for, the images not_requested otherwise.
func TestImageScanResumeWarningSaysWhatIsAskedAgain(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	run := &scanRun{requestedAt: at, targets: []scanTarget{{asked: true}, {asked: true}}}
	summary, detail := resumeWarning(at, run)
	if summary != "Resumed the HSS image scan asked for at 2026-11-30T12:00:00Z" || !strings.HasSuffix(detail, "; HSS was not asked again.") {
		t.Fatalf("all asked: %q, %q", summary, detail)
	}
	run.targets[1].asked = false
	if _, detail := resumeWarning(at, run); !strings.HasSuffix(detail,
		`; HSS was not asked again for the images it took; the 1 image(s) whose request was not sent (scan_status "not_requested") are asked for now.`) {
		t.Fatalf("one not asked: %q", detail)
	}
}
