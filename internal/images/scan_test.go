package images

import (
	"strings"
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

// Every failure signal counts, whatever scan_status says; a scan time is
// proven, not trusted. Now is fixed, the records are crafted.
func TestScanProblemEveryFailureSignal(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	image := func(change func(*client.ImageRecord)) *Image {
		r := client.ImageRecord{ImageType: "private_image", Namespace: "odd", ImageName: "web", ImageVersion: "1.0",
			ScanStatus: client.ScanSuccess, LatestScanTime: ms(now.Add(-2 * time.Hour))}
		change(&r)
		return &Image{ImageRecord: r}
	}
	for _, tc := range []struct {
		name   string
		img    *Image
		maxAge time.Duration
		want   string // "" when the numbers can be trusted
	}{
		{"plain", image(func(*client.ImageRecord) {}), 0, ""},
		{"within max_scan_age", image(func(*client.ImageRecord) {}), 3 * time.Hour, ""},
		{"success with scan_failed_code", image(func(r *client.ImageRecord) {
			r.ScanFailedCode, r.ScanFailedDesc = "failed_to_scan_vulnerability", "Failed to scan the image for vulnerabilities."
		}), 0, `HSS's last scan of private_image odd/web:1.0 did not succeed: scan_status is "success" but scan_failed_code is "failed_to_scan_vulnerability" (Failed to scan the image for vulnerabilities.).`},
		{"success with scan_failed_code only", image(func(r *client.ImageRecord) { r.ScanFailedCode = "unknown_error" }), 0,
			`HSS's last scan of private_image odd/web:1.0 did not succeed: scan_status is "success" but scan_failed_code is "unknown_error".`},
		{"success with scan_failed_desc", image(func(r *client.ImageRecord) { r.ScanFailedDesc = "Failed to scan files." }), 0,
			`HSS's last scan of private_image odd/web:1.0 did not succeed: scan_status is "success" but scan_failed_desc is "Failed to scan files.".`},
		{"multi-architecture without architectures", image(func(r *client.ImageRecord) { r.MultiArch = true }), 0,
			`HSS flags private_image odd/web:1.0 as multi-architecture (is_multiple_arch is true) but lists none of its architecture images (association_images is empty or null), so no architecture can be proven scanned.`},
		{"multi-architecture with architectures", image(func(r *client.ImageRecord) {
			r.MultiArch, r.Architectures = true, []client.ArchImage{{ImageID: "amd64", ScanStatus: client.ScanSuccess}}
		}), 0, ""},
		{"an hour ahead", image(func(r *client.ImageRecord) { r.LatestScanTime = ms(now.Add(time.Hour)) }), 0,
			`HSS dates its last scan of private_image odd/web:1.0 at 2026-03-01T01:00:00Z (latest_scan_time), later than now (2026-03-01T00:00:00Z) plus the allowed clock skew of 5m0s: a scan that has not happened yet proves nothing.`},
		{"an hour ahead, with max_scan_age", image(func(r *client.ImageRecord) { r.LatestScanTime = ms(now.Add(time.Hour)) }), time.Hour,
			`at 2026-03-01T01:00:00Z (latest_scan_time), later than now (2026-03-01T00:00:00Z)`},
		{"a local time sent as UTC", image(func(r *client.ImageRecord) { r.LatestScanTime = ms(now.Add(8 * time.Hour)) }), 0,
			`at 2026-03-01T08:00:00Z (latest_scan_time), later than now (2026-03-01T00:00:00Z)`},
		{"a century ahead", image(func(r *client.ImageRecord) { r.LatestScanTime = ms(now.AddDate(100, 0, 0)) }), 0,
			`at 2126-03-01T00:00:00Z (latest_scan_time), later than now`},
		{"within the clock skew", image(func(r *client.ImageRecord) { r.LatestScanTime = ms(now.Add(client.MaxClockSkew)) }), 0, ""},
		{"seconds, not milliseconds", image(func(r *client.ImageRecord) { r.LatestScanTime = now.Unix() }), 0,
			`HSS dates its last scan of private_image odd/web:1.0 at 1970-01-21T`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ScanProblem(tc.img, tc.maxAge, now)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A local image's records are checked one by one: a host whose scan time
// is ahead of now fails the image, though the oldest scan time is fine.
func TestScanProblemLocalHostAhead(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rec := func(host string, scanned time.Time) client.ImageRecord {
		return client.ImageRecord{ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:aa",
			HostName: host, ScanStatus: client.ScanSuccess, LatestScanTime: scanned.UnixMilli()}
	}
	img := groupHosts([]client.ImageRecord{rec("node-a", now.Add(-time.Hour)), rec("node-b", now.Add(48*time.Hour))})[0]
	if got, want := ScanProblem(&img, 0, now), "at 2026-03-03T00:00:00Z (latest_scan_time), later than now"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

// RFC3339 renders what RFC 3339 can express and refuses the rest.
func TestRFC3339(t *testing.T) {
	for _, tc := range []struct {
		ms   int64
		want string
		err  string
	}{
		{0, "", ""},
		{-1, "", ""},
		{1767225600000, "2026-01-01T00:00:00Z", ""},
		{1767225600123, "2026-01-01T00:00:00Z", ""},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMilli(), "9999-12-31T23:59:59Z", ""},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), "", "in the year 10000, which RFC 3339 cannot express"},
		{1767225600000 * 1000, "", "in the year 57971, which RFC 3339 cannot express"},
		{1<<63 - 1, "", "which RFC 3339 cannot express"},
	} {
		got, err := RFC3339(tc.ms)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("RFC3339(%d) = %q, %v; want %q, %q", tc.ms, got, err, tc.want, tc.err)
		}
	}
}
