package provider

import (
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// One local image on two hosts: a count is the highest of the hosts', and
// unknown when any host's is, never the other host's number.
func TestGroupHostsCountsFailClosed(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	rec := func(host string, vul, unsafe *int64) client.ImageRecord {
		return client.ImageRecord{ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:1",
			HostName: host, ScanStatus: client.ScanSuccess, VulNum: vul, UnsafeSettingNum: unsafe, MaliciousFileNum: n(0)}
	}
	for _, order := range [][]client.ImageRecord{
		{rec("node-a", n(3), n(1)), rec("node-b", nil, n(4))},
		{rec("node-b", nil, n(4)), rec("node-a", n(3), n(1))},
	} {
		images := groupHosts(order)
		if len(images) != 1 {
			t.Fatalf("%d images, want 1", len(images))
		}
		f := images[0]
		if f.VulNum != nil {
			t.Errorf("vul_num %d, want unknown: node-b's count is unknown", *f.VulNum)
		}
		if f.UnsafeSettingNum == nil || *f.UnsafeSettingNum != 4 {
			t.Errorf("unsafe_setting_num %v, want 4, the highest", f.UnsafeSettingNum)
		}
		if len(f.Hosts) != 2 || f.Hosts[0] != "node-a" || f.Hosts[1] != "node-b" {
			t.Errorf("hosts %v, want [node-a node-b]", f.Hosts)
		}
	}
}

// "success" without a scan time is not a scan the numbers can be trusted
// from, whatever max_scan_age says.
func TestScanProblemSuccessWithoutScanTime(t *testing.T) {
	f := &foundImage{ImageRecord: client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "1.0",
		ScanStatus: client.ScanSuccess}}
	for _, maxAge := range []time.Duration{0, time.Hour} {
		want := `HSS reports scan_status "success" for private_image shop/web:1.0 but no scan time.`
		if got := scanProblem(f, maxAge, time.Now()); got != want {
			t.Errorf("max_scan_age %s: got %q, want %q", maxAge, got, want)
		}
	}
}
