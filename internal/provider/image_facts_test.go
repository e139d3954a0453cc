package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

// scanned_at and updated_at are RFC 3339 or null, never a string a policy
// cannot parse: a time that RFC 3339 cannot express (microseconds read as
// milliseconds land in the year 58883) fails the read and names the field.
func TestImageModelTimesAreRFC3339OrFail(t *testing.T) {
	ok := time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC).UnixMilli()
	img := func(scanned, updated int64) *images.Image {
		return &images.Image{ImageRecord: client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "2.0",
			ScanStatus: client.ScanSuccess, LatestScanTime: scanned, LatestUpdateTime: updated}}
	}
	var diags diag.Diagnostics
	m := newImageModel(img(ok, 0), &diags)
	if diags.HasError() || m.ScannedAt.ValueString() != "2026-01-12T00:00:00Z" || !m.UpdatedAt.IsNull() {
		t.Fatalf("scanned_at %s, updated_at %s, %v; want 2026-01-12T00:00:00Z and null", m.ScannedAt, m.UpdatedAt, diags)
	}
	for _, tc := range []struct {
		name             string
		scanned, updated int64
		field            string
	}{
		{"scan time in microseconds", ok * 1000, ok, "latest_scan_time"},
		{"update time in microseconds", ok, ok * 1000, "latest_update_time"},
		{"the year 10000", ok, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), "latest_update_time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			m := newImageModel(img(tc.scanned, tc.updated), &diags)
			for _, s := range []string{m.ScannedAt.ValueString(), m.UpdatedAt.ValueString()} {
				if _, err := time.Parse(time.RFC3339, s); s != "" && (err != nil || len(s) != len("2006-01-02T15:04:05Z")) {
					t.Errorf("rendered %q, not RFC 3339", s)
				}
			}
			if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), tc.field) || !strings.Contains(diags.Errors()[0].Detail(), "private_image shop/web:2.0") {
				t.Errorf("diagnostics %v; want an error naming %s and the image", diags, tc.field)
			}
		})
	}
}
