package simulator

import (
	"slices"
	"time"
)

// Image is one container image HSS knows, with what its scans found.
type Image struct {
	ID                  string
	Type                string // private_image, shared_image, local_image, instance_image, harbor, jfrog or cicd
	EnterpriseProjectID string // "0" is the default enterprise project
	Namespace           string
	Name                string
	Version             string
	InstanceID          string // SWR enterprise edition instance
	InstanceName        string
	CICDName            string
	ScanStatus          string
	SeverityLevel       string // Security, Low, Medium or High
	SizeBytes           int64
	LatestUpdateTime    int64 // ms
	LatestScanTime      int64 // ms
	LatestVersion       bool
	HasContainer        bool

	// What only the image lists show (see lists.go).
	// RecordID is the id of the image's record in the repository list,
	// stable while the list changes around it; New and list hooks number
	// the images without one after the highest in use, in order.
	RecordID       int
	Digest         string // default: derived from ID
	RegistryName   string
	ScanFailedCode string
	ScanFailedDesc string
	// ScanAge, when set, makes LatestScanTime the simulator's now minus
	// ScanAge: an image HSS keeps rescanning. A negative ScanAge puts the
	// scan time ahead of now, as a clock in another zone would.
	ScanAge time.Duration
	// NotSynchronised: HSS has not synchronised the image's registry
	// since it was pushed, so no list shows it until a synchronise request
	// of its type has taken effect (scans.go).
	NotSynchronised bool
	// FailScan, when set, is the scan_failed_code a manual scan of the
	// image ends with (scan_status failed).
	FailScan string
	// Hosts of a local image, one list record each; one host when empty.
	Hosts []Host
	// Arches of a multi-architecture image.
	Arches []Arch
	// MultiArch flags the image multi-architecture (is_multiple_arch true)
	// even when it has no Arches; ArchList then says what its
	// association_images is: "[]", "null", or "" to leave it out.
	MultiArch bool
	ArchList  string

	Baseline Baseline
	Vulns    []Vuln
	Risks    []BuildRisk
	// Records of the other report types: risk-config, malwares, apps,
	// files, sensitive-info, non-compliant-app.
	Records map[string]int64
}

// Baseline holds an image's baseline check findings.
type Baseline struct {
	WeakPwd       int64
	PwdPolicy     int64
	SecurityCheck int64
}

// Vuln is a vulnerability found in an image: one row of the image's
// vulnerability list (vulnerabilities.go). Empty fields take the values of
// the Advisory with the same ID.
type Vuln struct {
	ID   string
	Type string // linux_vul or app_vul
	// Handled: HSS lists the finding under handle_status=handled (ignored,
	// repaired by hand or whitelisted in the console).
	Handled bool
	// RepairNecessity overrides the advisory's, in either vocabulary, or
	// with any other value a test needs.
	RepairNecessity string
	AppName         string
	Version         string
	AppPath         string // shown for app_vul only
	Position        string // the image layer; default derived from the package
}

// BuildRisk is a risky instruction found in an image's build history.
type BuildRisk struct {
	RuleID string
	Name   string
	Level  string // critical, high, medium or low
}

// DefaultImages is the fixed data set of the demo and the tests.
func DefaultImages() []Image {
	const t0 = 1767225600000 // 2026-01-01T00:00:00Z in ms
	const day = 86400000
	vulns := func(ids ...string) []Vuln {
		out := make([]Vuln, len(ids))
		for i, id := range ids {
			out[i] = Vuln{ID: id, Type: "linux_vul"}
			if i%3 == 2 {
				out[i].Type = "app_vul"
			}
		}
		return out
	}
	return append([]Image{
		{
			ID: "img-web-20", Type: "private_image", EnterpriseProjectID: "0", Namespace: "shop", Name: "web", Version: "2.0",
			ScanStatus: "success", SeverityLevel: "High", SizeBytes: 187000000, LatestUpdateTime: t0 + 10*day, LatestScanTime: t0 + 11*day,
			LatestVersion: true, HasContainer: true,
			Baseline: Baseline{WeakPwd: 2, PwdPolicy: 3, SecurityCheck: 7},
			Vulns:    vulns("CVE-2024-3094", "CVE-2023-4863", "CVE-2024-6387", "CVE-2023-44487", "CVE-2024-45337"),
			Risks:    []BuildRisk{{RuleID: "rule-root-user", Name: "Runs as root", Level: "high"}, {RuleID: "rule-curl-pipe-sh", Name: "Pipes a download into a shell", Level: "critical"}},
			Records:  map[string]int64{"risk-config": 4, "malwares": 1, "apps": 212, "files": 1530, "sensitive-info": 2, "non-compliant-app": 1},
		},
		{
			ID: "img-web-19", Type: "private_image", EnterpriseProjectID: "0", Namespace: "shop", Name: "web", Version: "1.9",
			ScanStatus: "success", SeverityLevel: "Medium", SizeBytes: 181000000, LatestUpdateTime: t0 + 2*day, LatestScanTime: t0 + 3*day,
			Baseline: Baseline{WeakPwd: 3, PwdPolicy: 3, SecurityCheck: 9},
			Vulns:    vulns("CVE-2023-4863", "CVE-2024-6387", "CVE-2023-44487"),
			Risks:    []BuildRisk{{RuleID: "rule-root-user", Name: "Runs as root", Level: "high"}},
			Records:  map[string]int64{"risk-config": 5, "apps": 209, "files": 1498, "sensitive-info": 2},
		},
		{
			ID: "img-cart-31", Type: "private_image", EnterpriseProjectID: "0", Namespace: "shop", Name: "cart", Version: "3.1",
			ScanStatus: "success", SeverityLevel: "Security", SizeBytes: 64000000, LatestUpdateTime: t0 + 20*day, LatestScanTime: t0 + 20*day,
			LatestVersion: true, HasContainer: true,
			Records: map[string]int64{"apps": 88, "files": 402},
		},
		{
			ID: "img-api-plus", Type: "private_image", EnterpriseProjectID: "0", Namespace: "shop", Name: "api gateway+edge", Version: "v1/beta",
			ScanStatus: "success", SeverityLevel: "Low", SizeBytes: 92000000, LatestUpdateTime: t0 + 30*day, LatestScanTime: t0 + 31*day,
			LatestVersion: true,
			Baseline:      Baseline{WeakPwd: 1, SecurityCheck: 2},
			Vulns:         vulns("CVE-2024-24790"),
			Records:       map[string]int64{"risk-config": 1, "apps": 131, "files": 777},
		},
		{
			ID: "img-base-alpine", Type: "shared_image", EnterpriseProjectID: "0", Namespace: "platform", Name: "alpine-base", Version: "3.20",
			ScanStatus: "success", SeverityLevel: "Low", SizeBytes: 8000000, LatestUpdateTime: t0 + 5*day, LatestScanTime: t0 + 6*day,
			LatestVersion: true,
			Baseline:      Baseline{PwdPolicy: 1, SecurityCheck: 1},
			Vulns:         vulns("CVE-2024-2511"),
			Records:       map[string]int64{"risk-config": 1, "apps": 17, "files": 96},
		},
		{
			ID: "img-payments-12", Type: "instance_image", EnterpriseProjectID: "ep-finance", Namespace: "finance", Name: "payments", Version: "1.2",
			InstanceID: "swr-ee-7f3a", InstanceName: "finance-registry",
			ScanStatus: "success", SeverityLevel: "High", SizeBytes: 240000000, LatestUpdateTime: t0 + 40*day, LatestScanTime: t0 + 40*day,
			LatestVersion: true, HasContainer: true,
			Baseline: Baseline{WeakPwd: 4, PwdPolicy: 2, SecurityCheck: 11},
			Vulns:    vulns("CVE-2024-3094", "CVE-2024-6387", "CVE-2024-45337", "CVE-2025-0001"),
			Risks:    []BuildRisk{{RuleID: "rule-secret-in-env", Name: "Secret in ENV", Level: "critical"}},
			Records:  map[string]int64{"risk-config": 6, "malwares": 2, "apps": 301, "files": 2210, "sensitive-info": 5, "non-compliant-app": 2},
		},
		{
			ID: "img-local-nginx", Type: "local_image", EnterpriseProjectID: "0", Namespace: "", Name: "nginx", Version: "1.27",
			ScanStatus: "success", SeverityLevel: "Medium", SizeBytes: 70000000, LatestUpdateTime: t0 + 8*day, LatestScanTime: t0 + 9*day,
			LatestVersion: true, HasContainer: true,
			Baseline: Baseline{WeakPwd: 1, PwdPolicy: 2, SecurityCheck: 5},
			Vulns:    vulns("CVE-2023-44487", "CVE-2024-7347"),
			Records:  map[string]int64{"risk-config": 3, "apps": 140, "files": 880},
		},
		{
			ID: "img-harbor-tools", Type: "harbor", EnterpriseProjectID: "0", Namespace: "tools", Name: "builder", Version: "5",
			ScanStatus: "scanning", SizeBytes: 410000000, LatestUpdateTime: t0 + 50*day,
		},
		{
			ID: "img-cicd-ci", Type: "cicd", EnterpriseProjectID: "0", Namespace: "ci", Name: "pipeline-runner", Version: "0.9",
			CICDName:   "main-pipeline",
			ScanStatus: "success", SeverityLevel: "Medium", SizeBytes: 150000000, LatestUpdateTime: t0 + 12*day, LatestScanTime: t0 + 12*day,
			LatestVersion: true,
			Baseline:      Baseline{PwdPolicy: 1, SecurityCheck: 3},
			Vulns:         vulns("CVE-2024-6387"),
			Risks:         []BuildRisk{{RuleID: "rule-add-remote", Name: "ADD from a remote URL", Level: "medium"}, {RuleID: "rule-root-user", Name: "Runs as root", Level: "high"}},
			Records:       map[string]int64{"risk-config": 2, "apps": 95, "files": 640},
		},
	}, append(listImages(), vulnImages()...)...)
}

// baselineTypes maps the baseline statistic's image_type to image types:
// "registry" means every repository image, "local" every local image.
func baselineTypes(imageType string) []string {
	switch imageType {
	case "registry":
		return []string{"private_image", "shared_image", "instance_image", "harbor", "jfrog"}
	case "local":
		return []string{"local_image"}
	}
	return []string{imageType}
}

// inEnterpriseProject: no parameter means the default project "0";
// all_granted_eps means every project.
func inEnterpriseProject(img *Image, p *params) bool {
	ep, ok := p.str["enterprise_project_id"]
	if !ok {
		ep = "0"
	}
	return ep == "all_granted_eps" || img.EnterpriseProjectID == ep
}

// matchesFilter applies the shared filter body of the security-report
// statistic and the baseline export to one image.
func matchesFilter(img *Image, f *params) bool {
	// image_id_list restricts the selection unless operate_all asks for
	// everything the other criteria select.
	if ids, ok := f.lists["image_id_list"]; ok && !f.bools["operate_all"] && !slices.Contains(ids, img.ID) {
		return false
	}
	for name, want := range map[string]string{
		"image_type": img.Type, "namespace": img.Namespace, "image_name": img.Name, "image_version": img.Version,
		"image_id": img.ID, "scan_status": img.ScanStatus, "severity_level": img.SeverityLevel,
		"instance_name": img.InstanceName, "instance_id": img.InstanceID, "cicd_name": img.CICDName,
	} {
		if v, ok := f.str[name]; ok && v != "" && v != want {
			return false
		}
	}
	for name, have := range map[string]bool{
		"latest_version":     img.LatestVersion,
		"has_container":      img.HasContainer,
		"has_malicious_file": img.Records["malwares"] > 0,
		"has_vul":            len(img.Vulns) > 0,
		"has_unsafe_setting": img.Records["risk-config"] > 0,
		"risky":              len(img.Vulns) > 0 || img.Records["malwares"] > 0 || img.Records["risk-config"] > 0,
	} {
		if v, ok := f.bools[name]; ok && v != have {
			return false
		}
	}
	if v, ok := f.ints["image_size"]; ok && img.SizeBytes > v {
		return false
	}
	inRange := func(t int64, start, end string) bool {
		if v, ok := f.ints[start]; ok && t < v {
			return false
		}
		if v, ok := f.ints[end]; ok && t > v {
			return false
		}
		return true
	}
	return inRange(img.LatestUpdateTime, "start_latest_update_time", "end_latest_update_time") &&
		inRange(img.LatestScanTime, "start_latest_scan_time", "end_latest_scan_time")
}

// reportRecords counts an image's records of one report type, narrowed by
// the filters that apply to the records rather than to the image.
func reportRecords(img *Image, reportType string, f *params) int64 {
	switch reportType {
	case "vulnerability":
		var n int64
		for _, v := range img.Vulns {
			if t, ok := f.str["vul_type"]; ok && t != v.Type {
				continue
			}
			if ids, ok := f.lists["vul_id_list"]; ok && !slices.Contains(ids, v.ID) {
				continue
			}
			n++
		}
		return n
	case "build-command-risks":
		var n int64
		for _, r := range img.Risks {
			if l, ok := f.str["build_command_risk_level"]; ok && l != r.Level {
				continue
			}
			if name, ok := f.str["build_command_risk_name"]; ok && name != r.Name {
				continue
			}
			if ids, ok := f.lists["build_command_rule_id_list"]; ok && !slices.Contains(ids, r.RuleID) {
				continue
			}
			n++
		}
		return n
	}
	return img.Records[reportType]
}
