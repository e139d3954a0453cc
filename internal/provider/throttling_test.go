package provider

import (
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Under the API gateway's flow control (the simulator's per-second quota),
// plans through real Terraform succeed with the default max_retries, and
// the process backs off as a whole: at most one throttled answer per five
// successful ones. Each case is one plan-only step: two terraform plans,
// each a new provider process reading every data source.
func TestAccThrottling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		quota int // requests per second
		body  string
	}{
		{"100 baseline reads at 10 per second", 10, `
data "hss_image_baseline_statistic" "x" {
  count      = 100
  image_type = "private_image"
  image_name = "img-${count.index}"
}
`},
		{"10 summaries of 9 requests at 10 per second", 10, `
data "hss_image_security_summary" "x" {
  count      = 10
  image_type = "private_image"
  image_name = "img-${count.index}"
}
`},
		{"60 baseline reads at 3 per second", 3, `
data "hss_image_baseline_statistic" "x" {
  count      = 60
  image_type = "private_image"
  image_name = "img-${count.index}"
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			e.sim.SetQuota(tt.quota)
			start := time.Now()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:   e.config(tt.body),
					PlanOnly: true,
				}},
			})
			ok, throttled := e.sim.Answered(http.StatusOK), e.sim.Answered(http.StatusTooManyRequests)
			t.Logf("quota %d/s: %d successful answers, %d throttled, %d requests in all, %.1fs (the quota allows %d requests in %.1fs)",
				tt.quota, ok, throttled, len(e.sim.Requests()), time.Since(start).Seconds(), ok, float64(ok-tt.quota)/float64(tt.quota))
			if throttled*5 > ok {
				t.Fatalf("%d throttled answers for %d successful ones, want at most 1 per 5", throttled, ok)
			}
			if other := len(e.sim.Requests()) - ok - throttled; other != 0 {
				t.Fatalf("%d answers were neither 200 nor 429", other)
			}
		})
	}
}
