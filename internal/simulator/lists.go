package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The image lists.
const (
	RegistryImages Endpoint = "registry-images" // ListRegistryImages
	LocalImages    Endpoint = "local-images"    // ListImageLocal
	CicdImages     Endpoint = "cicd-images"     // ListCicdImages
)

var (
	boolSpec       = spec{kind: kString, enum: []string{"true", "false"}}
	msSpec         = spec{kind: kInt, min: 0}
	offsetSpec     = spec{kind: kInt, min: 0, max: 2000000, checkMax: true}
	sizeSpec       = spec{kind: kInt, min: 0, max: 2147483547, checkMax: true}
	severitySpec   = spec{kind: kString, enum: []string{"Security", "Low", "Medium", "High"}}
	scanStatusSpec = spec{kind: kString, enum: []string{"unscan", "success", "scanning", "failed", "waiting_for_scan"}}
	sortDirSpec    = spec{kind: kString, enum: []string{"asc", "desc"}}
)

// withTimeRanges adds the documented start/end pairs of a list query.
func withTimeRanges(m map[string]spec, pairs ...string) map[string]spec {
	for _, p := range pairs {
		m["start_"+p] = msSpec
		m["end_"+p] = msSpec
	}
	return m
}

var registryListQuery = withTimeRanges(map[string]spec{
	"enterprise_project_id": epSpec,
	"namespace":             {kind: kString, minLen: 1, maxLen: 128},
	"image_name":            {kind: kString, minLen: 1, maxLen: 128},
	"image_version":         {kind: kString, minLen: 1, maxLen: 64},
	"registry_name":         {kind: kString, minLen: 1, maxLen: 128},
	"image_type":            {kind: kString, enum: []string{"private_image", "shared_image", "instance_image", "harbor", "jfrog"}},
	"offset":                offsetSpec,
	"limit":                 {kind: kInt, min: 1, max: 200, checkMax: true},
	"sort_key":              {kind: kString, enum: []string{"latest_scan_time"}},
	"sort_dir":              sortDirSpec,
	"latest_version":        boolSpec,
	"image_size":            sizeSpec,
	"scan_status":           scanStatusSpec,
	"has_malicious_file":    boolSpec,
	"has_unsafe_setting":    boolSpec,
	"has_vul":               boolSpec,
	"risky":                 boolSpec,
	"is_multarch":           boolSpec,
	"instance_id":           {kind: kString, maxLen: 128},
	"instance_name":         {kind: kString, maxLen: 128},
	"severity_level":        severitySpec,
}, "latest_update_time", "latest_scan_time", "latest_sync_time")

var localListQuery = withTimeRanges(map[string]spec{
	"enterprise_project_id": epSpec,
	"offset":                offsetSpec,
	"limit":                 {kind: kInt, min: 10, max: 200, checkMax: true},
	"image_name":            {kind: kString, minLen: 1, maxLen: 256},
	"image_version":         {kind: kString, minLen: 1, maxLen: 128},
	"scan_status":           scanStatusSpec,
	"local_image_type":      {kind: kString, enum: []string{"other_image", "swr_image"}},
	"image_size":            sizeSpec,
	"has_vul":               boolSpec,
	"host_name":             {kind: kString, maxLen: 256},
	"host_id":               {kind: kString, maxLen: 128},
	"host_ip":               {kind: kString, maxLen: 256},
	"container_id":          {kind: kString, maxLen: 128},
	"container_name":        {kind: kString, maxLen: 256},
	"pod_id":                {kind: kString, maxLen: 128},
	"pod_name":              {kind: kString, maxLen: 256},
	"app_name":              {kind: kString, maxLen: 256},
	"has_container":         boolSpec,
}, "latest_update_time", "latest_scan_time")

var cicdListQuery = withTimeRanges(map[string]spec{
	"enterprise_project_id": epSpec,
	"namespace":             {kind: kString, minLen: 1, maxLen: 128},
	"image_name":            {kind: kString, minLen: 1, maxLen: 128},
	"image_version":         {kind: kString, minLen: 1, maxLen: 64},
	"image_id":              {kind: kString, minLen: 1, maxLen: 128},
	"cicd_name":             {kind: kString, minLen: 1, maxLen: 128},
	"sort_key":              {kind: kString, enum: []string{"latest_scan_time"}},
	"sort_dir":              sortDirSpec,
	"limit":                 {kind: kInt, min: 10, max: 200, checkMax: true},
	"offset":                offsetSpec,
	"latest_version":        boolSpec,
	"image_size":            sizeSpec,
	"scan_status":           scanStatusSpec,
	"has_malicious_file":    boolSpec,
	"has_unsafe_setting":    boolSpec,
	"has_vul":               boolSpec,
	"severity_level":        severitySpec,
	"risky":                 boolSpec,
	"pipeline_type":         {kind: kString, enum: []string{"jenkins", "codearts"}},
}, "latest_update_time", "latest_scan_time")

// listImages serves the three lists: HSS's substring match for names,
// exact match for the rest, and one page of offset/limit.
func (s *Simulator) listImages(r *http.Request, q url.Values, e Endpoint) (int, any) {
	specs := map[Endpoint]map[string]spec{RegistryImages: registryListQuery, LocalImages: localListQuery, CicdImages: cicdListQuery}[e]
	p, err := parseQuery(q, specs)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	if e == LocalImages {
		if _, ok := p.str["image_name"]; !ok {
			delete(p.str, "image_version") // documented: ignored without image_name
		}
	}
	now := s.now().UnixMilli()
	images := s.images()
	var rows []map[string]any
	for i := range images {
		img := &images[i]
		if !inEnterpriseProject(img, p) || !listed(img, e) || !listFilter(img, p) {
			continue
		}
		switch e {
		case LocalImages:
			for _, rec := range localRecords(img, now) {
				if st, ok := p.str["scan_status"]; ok && localStatus(st) != rec["scan_status"] {
					continue
				}
				rows = append(rows, rec)
			}
		case CicdImages:
			rows = append(rows, cicdRecord(img, now))
		default:
			rows = append(rows, registryRecord(img, img.RecordID, now))
		}
	}
	total := len(rows)
	offset := int(p.ints["offset"])
	limit := 10
	if l, ok := p.ints["limit"]; ok {
		limit = int(l)
	}
	page := []map[string]any{}
	if offset < total {
		page = rows[offset:min(total, offset+limit)]
	}
	return http.StatusOK, map[string]any{"total_num": s.count(s.servedPage(e, offset, limit, total)), "data_list": page}
}

// ListPage is one page of an image list as the simulator serves it.
type ListPage struct {
	Endpoint Endpoint
	Number   int // pages of this list served since New or Reset, this one included
	Offset   int
	Limit    int
	Total    int // records the list holds for this request
}

// ListHooks change an image list while a client pages through it, as
// HSS's lists change when images are pushed, deleted or rescanned between
// two requests of one reader. For tests only: without hooks every answer
// is consistent with the images the simulator holds.
type ListHooks struct {
	// Total, when set, is the total_num a page reports instead of Total.
	Total func(p ListPage) int64
	// After, when set, runs once a page is built, before it is sent, and
	// returns the images HSS holds from then on (for every endpoint). It
	// gets a copy it may change; images without a RecordID are numbered.
	// It runs with the simulator locked and must not call it.
	After func(p ListPage, images []Image) []Image
}

// SetListHooks sets the hooks of list e (RegistryImages, LocalImages or
// CicdImages), replacing any it had. Reset removes them.
func (s *Simulator) SetListHooks(e Endpoint, h ListHooks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listHooks == nil {
		s.listHooks = map[Endpoint]ListHooks{}
	}
	s.listHooks[e] = h
}

// servedPage counts a page of list e and runs its hooks; it returns the
// total_num to report.
func (s *Simulator) servedPage(e Endpoint, offset, limit, total int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listPages == nil {
		s.listPages = map[Endpoint]int{}
	}
	s.listPages[e]++
	p := ListPage{Endpoint: e, Number: s.listPages[e], Offset: offset, Limit: limit, Total: total}
	h := s.listHooks[e]
	reported := int64(total)
	if h.Total != nil {
		reported = h.Total(p)
	}
	if h.After != nil {
		s.opts.Images = numberRecords(h.After(p, slices.Clone(s.opts.Images)))
	}
	return reported
}

// numberRecords gives the images without a RecordID the next free ones.
func numberRecords(images []Image) []Image {
	next := 1
	for _, img := range images {
		next = max(next, img.RecordID+1)
	}
	for i := range images {
		if images[i].RecordID == 0 {
			images[i].RecordID = next
			next++
		}
	}
	return images
}

func listed(img *Image, e Endpoint) bool {
	if img.NotSynchronised {
		return false
	}
	switch e {
	case LocalImages:
		return img.Type == "local_image"
	case CicdImages:
		return img.Type == "cicd"
	}
	return img.Type != "local_image" && img.Type != "cicd"
}

// listFilter: name filters are case-sensitive substring matches, as HSS
// documents them for the local list; everything else must be equal.
func listFilter(img *Image, p *params) bool {
	for name, have := range map[string]string{"namespace": img.Namespace, "image_name": img.Name, "image_version": img.Version} {
		if v, ok := p.str[name]; ok && !strings.Contains(have, v) {
			return false
		}
	}
	for name, have := range map[string]string{
		"image_type": img.Type, "registry_name": img.RegistryName, "instance_id": img.InstanceID,
		"image_id": img.ID, "severity_level": img.SeverityLevel, "cicd_name": img.CICDName,
	} {
		if v, ok := p.str[name]; ok && v != "" && v != have {
			return false
		}
	}
	if v, ok := p.str["scan_status"]; ok && img.Type != "local_image" && v != img.ScanStatus {
		return false
	}
	if v, ok := p.str["latest_version"]; ok && v != strconv.FormatBool(img.LatestVersion) {
		return false
	}
	return true
}

// localStatus is the local list's spelling of a request's scan_status.
func localStatus(s string) string {
	if s == "waiting_for_scan" {
		return "waiting"
	}
	return s
}

func digestOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (img *Image) digest() string {
	if img.Digest != "" {
		return img.Digest
	}
	return digestOf(img.ID)
}

func (img *Image) scanTime(now int64) int64 {
	if img.ScanAge != 0 {
		return now - img.ScanAge.Milliseconds()
	}
	return img.LatestScanTime
}

// common is what every list says of an image; severity_level only once a
// scan completed.
func (img *Image) common(now int64) map[string]any {
	rec := map[string]any{
		"image_id":           img.ID,
		"image_name":         img.Name,
		"image_version":      img.Version,
		"image_digest":       img.digest(),
		"scan_status":        img.ScanStatus,
		"scan_failed_desc":   img.ScanFailedDesc,
		"image_size":         img.SizeBytes,
		"latest_update_time": img.LatestUpdateTime,
		"latest_scan_time":   img.scanTime(now),
		"vul_num":            len(img.Vulns),
		"unsafe_setting_num": img.Records["risk-config"],
		"malicious_file_num": img.Records["malwares"],
	}
	if img.scanTime(now) > 0 && img.SeverityLevel != "" {
		rec["severity_level"] = img.SeverityLevel
	}
	return rec
}

var registryTypes = map[string]string{
	"private_image": "SwrPrivate", "shared_image": "SwrShared", "instance_image": "SwrEnterprise", "harbor": "Harbor", "jfrog": "Jfrog",
}

func registryRecord(img *Image, id int, now int64) map[string]any {
	rec := img.common(now)
	rec["id"] = id
	rec["namespace"] = img.Namespace
	rec["image_type"] = img.Type
	rec["registry_id"] = registryID(img)
	rec["registry_name"] = img.RegistryName
	rec["registry_type"] = registryTypes[img.Type]
	rec["latest_version"] = img.LatestVersion
	rec["scan_failed_code"] = img.ScanFailedCode
	rec["latest_sync_time"] = img.LatestUpdateTime
	rec["scannable"] = true
	rec["is_multiple_arch"] = len(img.Arches) > 0 || img.MultiArch
	if img.InstanceID != "" {
		rec["instance_id"], rec["instance_name"] = img.InstanceID, img.InstanceName
		rec["instance_url"] = img.InstanceName + ".swr.example.com"
	}
	if len(img.Arches) > 0 {
		var assoc []map[string]any
		for i, a := range img.Arches {
			assoc = append(assoc, map[string]any{
				"id": id*100 + i + 1, "image_id": a.ImageID, "image_name": img.Name, "image_version": img.Version,
				"image_type": img.Type, "namespace": img.Namespace, "image_digest": a.Digest, "scan_status": a.ScanStatus,
				"vul_num": a.VulNum, "unsafe_setting_num": 0, "malicious_file_num": 0,
			})
		}
		rec["association_images"] = assoc
	} else if img.MultiArch {
		switch img.ArchList {
		case "[]":
			rec["association_images"] = []map[string]any{}
		case "null":
			rec["association_images"] = nil
		}
	}
	return rec
}

// localRecords: one record per host; waiting_for_scan is "waiting" here.
func localRecords(img *Image, now int64) []map[string]any {
	hosts := img.Hosts
	if len(hosts) == 0 {
		hosts = []Host{{Name: "node-1", ID: "host-1"}}
	}
	var out []map[string]any
	for _, h := range hosts {
		rec := img.common(now)
		rec["scan_status"] = localStatus(img.ScanStatus)
		if h.ScanStatus != "" {
			rec["scan_status"] = h.ScanStatus
			rec["latest_scan_time"] = h.LatestScanTime
			delete(rec, "severity_level")
		}
		if h.ScanFailedDesc != "" {
			rec["scan_failed_desc"] = h.ScanFailedDesc
		}
		if rec["latest_scan_time"] == int64(0) {
			delete(rec, "latest_scan_time") // HSS leaves it out, or sends 0
		}
		rec["local_image_type"] = "other_image"
		rec["host_name"], rec["host_id"], rec["agent_id"] = h.Name, h.ID, "agent-"+h.ID
		rec["host_num"], rec["container_num"], rec["component_num"] = len(hosts), 1, 10
		rec["non_scan_reason"] = ""
		out = append(out, rec)
	}
	return out
}

func cicdRecord(img *Image, now int64) map[string]any {
	rec := img.common(now)
	rec["cicd_name"] = img.CICDName
	rec["namespace"] = img.Namespace
	rec["registry_name"] = img.RegistryName
	rec["image_type"] = "cicd"
	rec["latest_version"] = img.LatestVersion
	rec["scan_failed_code"] = img.ScanFailedCode
	rec["pipeline_type"] = "jenkins"
	return rec
}
