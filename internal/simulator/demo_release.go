package simulator

import "time"

// DemoReleaseRef is the image hss-simulator -demo-release adds (make demo,
// examples/release).
const DemoReleaseRef = "shop/web:2.1"

// DemoReleaseImage is shop/web:2.1 as CI has just pushed it: not yet
// synchronised into HSS (no list shows it) and never scanned. A manual
// scan finds one medium finding, so the default gate (fail_on high)
// passes it. It has no baseline findings: the simulator's statistics
// count images it does not list yet, and this one leaves the demo's other
// numbers as they are. Its digest is derived from its ID, as every
// simulator image's is: sha256:a09518d2... (examples/release's default
// expected_digest).
func DemoReleaseImage(now time.Time) Image {
	return Image{
		ID: "img-web-21", Type: "private_image", EnterpriseProjectID: "0", Namespace: "shop", Name: "web", Version: "2.1",
		ScanStatus: "unscan", SeverityLevel: "Medium", SizeBytes: 188000000, LatestUpdateTime: now.Add(-time.Minute).UnixMilli(),
		NotSynchronised: true,
		Vulns:           []Vuln{{ID: "CVE-2023-44487", Type: "app_vul"}},
		Records:         map[string]int64{"apps": 214, "files": 1541},
	}
}
