package provider

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
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
		{"10 summaries of 10 requests at 10 per second", 10, `
data "hss_image_security_summary" "x" {
  count         = 10
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "3.${count.index}"
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
			e := newTestEnvWith(t, simulator.Options{Images: throttlingImages()})
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
			t.Logf("%s: quota %d/s: %d successful answers, %d throttled, %d requests in all, %.1fs (the quota allows %d requests in %.1fs)",
				tt.name, tt.quota, ok, throttled, len(e.sim.Requests()), time.Since(start).Seconds(), ok, float64(ok-tt.quota)/float64(tt.quota))
			if throttled == 0 {
				t.Fatalf("no request was throttled (%d successful answers): the quota never applied, so the test proves nothing", ok)
			}
			if throttled*5 > ok {
				t.Fatalf("%d throttled answers for %d successful ones, want at most 1 per 5", throttled, ok)
			}
			if other := len(e.sim.Requests()) - ok - throttled; other != 0 {
				t.Fatalf("%d answers were neither 200 nor 429", other)
			}
		})
	}
}

// throttlingImages are the simulator's images plus shop/web:3.0 to 3.9, so
// that ten summaries each read an image of their own.
func throttlingImages() []simulator.Image {
	images := simulator.DefaultImages()
	var web simulator.Image
	for _, img := range images {
		if img.Namespace == "shop" && img.Name == "web" && img.Version == "2.0" {
			web = img
		}
	}
	for i := range 10 {
		img := web
		img.ID, img.Version, img.LatestVersion = fmt.Sprintf("img-web-3%d-throttling", i), fmt.Sprintf("3.%d", i), false
		images = append(images, img)
	}
	return images
}
