package images

import (
	"slices"
	"testing"

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

// The simulator's hosts of one local image report the same counts, so the
// acceptance tests cannot see how groupHosts merges them; this does.
func TestGroupHostsMergesPerHostRecords(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	show := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	rec := func(host string, status string, scanned int64, vul, unsafe, malicious *int64) client.ImageRecord {
		return client.ImageRecord{
			ImageID: "img-" + host, ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:aa",
			HostName: host, ScanStatus: status, LatestScanTime: scanned, LatestUpdateTime: scanned,
			VulNum: vul, UnsafeSettingNum: unsafe, MaliciousFileNum: malicious,
		}
	}
	got := groupHosts([]client.ImageRecord{
		rec("node-b", "success", 2000, n(3), n(1), n(0)),
		rec("node-a", "success", 1000, n(5), n(0), nil),
		rec("node-b", "success", 3000, n(4), n(2), n(0)),
		{ImageType: "private_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:aa", ScanStatus: "success"},
		{ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:bb", HostName: "node-c", ScanStatus: "success"},
	})
	if len(got) != 3 || got[2].ImageDigest != "sha256:bb" || !slices.Equal(got[2].Hosts, []string{"node-c"}) {
		t.Fatalf("%d images, want the local one merged, the repository one and the local one of another digest apart", len(got))
	}
	f := got[0]
	if !slices.Equal(f.Hosts, []string{"node-a", "node-b"}) {
		t.Errorf("hosts %v, want sorted and without repeats", f.Hosts)
	}
	if f.LatestScanTime != 1000 || f.LatestUpdateTime != 3000 {
		t.Errorf("scan time %d, update time %d; want the oldest scan and the newest update", f.LatestScanTime, f.LatestUpdateTime)
	}
	if f.VulNum == nil || *f.VulNum != 5 || f.UnsafeSettingNum == nil || *f.UnsafeSettingNum != 2 {
		t.Errorf("vul_num %v, unsafe_setting_num %v; want the highest of any host (5, 2)", show(f.VulNum), show(f.UnsafeSettingNum))
	}
	if f.MaliciousFileNum != nil {
		t.Errorf("malicious_file_num %d, want unknown when one host's is", *f.MaliciousFileNum)
	}

	waiting := groupHosts([]client.ImageRecord{
		rec("node-a", "success", 1000, n(1), n(1), n(1)),
		{ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:aa", HostName: "node-c",
			ScanStatus: "waiting", ScanFailedCode: "queued"},
	})[0]
	if waiting.ScanStatus != "waiting" || waiting.ScanFailedCode != "queued" || waiting.LatestScanTime != 0 || waiting.Scanned() {
		t.Errorf("status %q (code %q), scan time %d; want the unscanned host's status and no scan time", waiting.ScanStatus, waiting.ScanFailedCode, waiting.LatestScanTime)
	}
}

// Every selector argument is compared exactly. HSS filters names by
// substring, and no simulator fixture has a namespace inside another
// ("shop" beside "shop-staging"): without this test, dropping the
// namespace comparison left every test passing.
func TestImageQueryMatchesEveryArgumentExactly(t *testing.T) {
	s := func(v string) *string { return &v }
	yes := true
	q := Query{ImageType: "private_image", Namespace: s("shop"), ImageName: s("web"), ImageVersion: s("2.0"),
		InstanceID: s("swr-1"), RegistryName: s("SWR"), ImageID: s("img-web-20"), SeverityLevel: s("High"), LatestVersion: &yes}
	want := client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "2.0",
		InstanceID: "swr-1", RegistryName: "SWR", ImageID: "img-web-20", SeverityLevel: "High", LatestVersion: true}
	if !q.matches(&want) {
		t.Fatal("the record the query describes does not match it")
	}
	for name, change := range map[string]func(*client.ImageRecord){
		"image_type":     func(r *client.ImageRecord) { r.ImageType = "shared_image" },
		"namespace":      func(r *client.ImageRecord) { r.Namespace = "shop-staging" },
		"image_name":     func(r *client.ImageRecord) { r.ImageName = "web-admin" },
		"image_version":  func(r *client.ImageRecord) { r.ImageVersion = "2.0.1" },
		"instance_id":    func(r *client.ImageRecord) { r.InstanceID = "swr-10" },
		"registry_name":  func(r *client.ImageRecord) { r.RegistryName = "SWR-EE" },
		"image_id":       func(r *client.ImageRecord) { r.ImageID = "img-web-200" },
		"severity_level": func(r *client.ImageRecord) { r.SeverityLevel = "Low" },
		"latest_version": func(r *client.ImageRecord) { r.LatestVersion = false },
	} {
		r := want
		change(&r)
		if q.matches(&r) {
			t.Errorf("a record with another %s matches the query", name)
		}
	}
	if !(&Query{ImageType: "private_image"}).matches(&want) {
		t.Error("a query that leaves the arguments unset does not match")
	}
}

// A host record that says success in scan_status and failure in
// scan_failed_desc is an unsuccessful record: the image takes its status
// and description, whichever host comes first.
func TestGroupHostsSuccessWithFailureSignal(t *testing.T) {
	rec := func(host, desc string) client.ImageRecord {
		return client.ImageRecord{ImageType: "local_image", ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:aa",
			HostName: host, ScanStatus: client.ScanSuccess, ScanFailedDesc: desc, LatestScanTime: 1767225600000}
	}
	for _, order := range [][]client.ImageRecord{
		{rec("node-a", ""), rec("node-b", "Failed to scan files.")},
		{rec("node-b", "Failed to scan files."), rec("node-a", "")},
	} {
		img := groupHosts(order)[0]
		if img.Scanned() || img.ScanFailedDesc != "Failed to scan files." {
			t.Errorf("first host %s: scanned %v, scan_failed_desc %q; want not scanned, with node-b's description",
				order[0].HostName, img.Scanned(), img.ScanFailedDesc)
		}
	}
}
