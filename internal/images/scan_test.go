package images

import (
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// "success" without a scan time is not a scan the numbers can be trusted
// from, whatever max_scan_age says.
func TestScanProblemSuccessWithoutScanTime(t *testing.T) {
	f := &Image{ImageRecord: client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "1.0",
		ScanStatus: client.ScanSuccess}}
	for _, maxAge := range []time.Duration{0, time.Hour} {
		want := `HSS reports scan_status "success" for private_image shop/web:1.0 but no scan time.`
		if got := ScanProblem(f, maxAge, time.Now()); got != want {
			t.Errorf("max_scan_age %s: got %q, want %q", maxAge, got, want)
		}
	}
}
