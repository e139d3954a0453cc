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
