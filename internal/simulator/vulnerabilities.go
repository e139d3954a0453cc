package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The vulnerability APIs (vulnerabilities-and-scans.md §1).
const (
	// ImageVulnerabilities is ListImageVulnerabilities,
	// GET /v5/{project_id}/image/{image_id}/vulnerabilities.
	ImageVulnerabilities Endpoint = "image-vulnerabilities"
	// VulnerabilityCves is ListVulnerabilityCve,
	// GET /v5/{project_id}/image/vulnerability/{vul_id}/cve.
	VulnerabilityCves Endpoint = "vulnerability-cves"
	// GlobalVulnerabilities is ListGlobalVulnerabilities,
	// GET /v5/{project_id}/image/vulnerabilities.
	GlobalVulnerabilities Endpoint = "global-vulnerabilities"
)

// matchVulnerabilities maps what follows /v5/{project_id}/ to one of the
// vulnerability APIs; route.id is the image id or the vulnerability id.
func matchVulnerabilities(segs []string) (route, bool) {
	switch {
	case len(segs) == 2 && segs[0] == "image" && segs[1] == "vulnerabilities":
		return route{GlobalVulnerabilities, http.MethodGet, ""}, true
	case len(segs) == 3 && segs[0] == "image" && segs[1] != "" && segs[2] == "vulnerabilities":
		return route{ImageVulnerabilities, http.MethodGet, segs[1]}, true
	case len(segs) == 4 && segs[0] == "image" && segs[1] == "vulnerability" && segs[2] != "" && segs[3] == "cve":
		return route{VulnerabilityCves, http.MethodGet, segs[2]}, true
	}
	return route{}, false
}

// The per-image list's image types: every repository type and CI/CD, no
// local images (HSS keeps no per-image list for them, note §1.9).
var vulImageTypes = []string{"private_image", "shared_image", "instance_image", "cicd", "harbor", "jfrog"}

var (
	repairNecessities = []string{"immediate_repair", "delay_repair", "not_needed_repair"}
	vulTypes          = []string{"linux_vul", "app_vul"}
	vulOffset         = spec{kind: kInt, min: 0, max: 2000000, checkMax: true}
	vulLimit          = spec{kind: kInt, min: 10, max: 200, checkMax: true}
)

// imageVulQuery is ListImageVulnerabilities' query (note §1.1).
var imageVulQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"offset":                vulOffset,
	"limit":                 vulLimit,
	"image_type":            {kind: kString, required: true, enum: vulImageTypes},
	"namespace":             {kind: kString, required: true, maxLen: 64},
	"image_name":            {kind: kString, required: true, maxLen: 128},
	"tag_name":              {kind: kString, required: true, maxLen: 64},
	"instance_id":           {kind: kString, maxLen: 128},
	"repair_necessity":      {kind: kString, enum: repairNecessities},
	"vul_id":                {kind: kString, maxLen: 128},
	"app_name":              {kind: kString, maxLen: 64},
	"type":                  {kind: kString, enum: vulTypes},
	"handle_status":         {kind: kString, enum: []string{"unhandled", "handled"}},
}

// cveQuery is ListVulnerabilityCve's query (note §1.2).
var cveQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"offset":                vulOffset,
	"limit":                 vulLimit,
}

// globalVulQuery is ListGlobalVulnerabilities' query (note §1.3): offset
// and limit are required there.
var globalVulQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"offset":                {kind: kInt, required: true, min: 0, max: 2000000, checkMax: true},
	"limit":                 {kind: kInt, required: true, min: 10, max: 200, checkMax: true},
	"repair_necessity":      {kind: kString, enum: repairNecessities},
	"vul_id":                {kind: kString, maxLen: 65535},
	"type":                  {kind: kString, enum: vulTypes},
}

// pathImageID is the {image_id} ListImageVulnerabilities takes for the
// image at index i of the data set. Which id HSS wants there is not
// documented (vulnerabilities-and-scans.md §6); the simulator takes the one
// the image's list record gives for its type, as HSS's export API documents
// for its image_id_list: for repository images (private_image,
// shared_image, instance_image, harbor, jfrog) the int64 "id" of the
// ListRegistryImages record, as a decimal string (registryRecord's i+1);
// for CI/CD images the "image_id" of the ListCicdImages record. Any other
// id, the record's image_id of a repository image included, is answered
// 404, so that a client sending the wrong one fails rather than reading an
// empty list. This is the one place that choice is made.
func pathImageID(img *Image, i int) string {
	if img.Type == "cicd" {
		return img.ID
	}
	return strconv.Itoa(i + 1)
}

// ImagePathID is the {image_id} the per-image vulnerability list takes for
// an image of the data set ("" when there is none, e.g. a local image).
func (s *Simulator) ImagePathID(imageType, namespace, name, version string) string {
	for i := range s.opts.Images {
		img := &s.opts.Images[i]
		if img.Type == imageType && img.Namespace == namespace && img.Name == name && img.Version == version && img.Type != "local_image" {
			return pathImageID(img, i)
		}
	}
	return ""
}

func (s *Simulator) serveVulnerabilities(r *http.Request, q url.Values, rt route) (int, any) {
	switch rt.endpoint {
	case ImageVulnerabilities:
		return s.imageVulnerabilities(r, q, rt.id)
	case VulnerabilityCves:
		return s.vulnerabilityCves(r, q, rt.id)
	default:
		return s.globalVulnerabilities(r, q)
	}
}

// advisories indexes the catalogue by id; later entries win.
func (s *Simulator) advisories() map[string]*Advisory {
	list := s.opts.Advisories
	if list == nil {
		list = DefaultAdvisories()
	}
	out := make(map[string]*Advisory, len(list))
	for i := range list {
		out[list[i].ID] = &list[i]
	}
	return out
}

// finding is one row of an image's list, with the advisory's defaults
// filled in.
type finding struct {
	v        Vuln
	severity string
	adv      *Advisory
	app      string
	version  string
	path     string
	position string
}

func resolve(img *Image, v Vuln, advs map[string]*Advisory) finding {
	a := advs[v.ID]
	if a == nil {
		a = &Advisory{ID: v.ID}
	}
	f := finding{v: v, severity: v.RepairNecessity, adv: a, app: v.AppName, version: v.Version, path: v.AppPath, position: v.Position}
	if f.severity == "" {
		f.severity = a.RepairNecessity
	}
	if f.app == "" {
		f.app = a.AppName
	}
	if f.version == "" {
		f.version = a.Version
	}
	if f.path == "" {
		f.path = a.AppPath
	}
	if f.position == "" {
		// One layer per package: the same package is in the same layer.
		sum := sha256.Sum256([]byte(img.ID + "/layer/" + f.app))
		f.position = "sha256:" + hex.EncodeToString(sum[:])
	}
	return f
}

// severityLevel maps either vocabulary to the per-image list's filter
// values: Critical and High are immediate_repair, Medium delay_repair, Low
// not_needed_repair. Anything else matches no filter.
func severityLevel(s string) string {
	switch s {
	case "Critical", "High":
		return "immediate_repair"
	case "Medium":
		return "delay_repair"
	case "Low":
		return "not_needed_repair"
	}
	return s
}

// row is the finding as ListImageVulnerabilities shows it: exactly the
// documented ImageVulInfo fields, no CVE, CVSS, type or handle state.
// vul_id and repair_necessity are left out when empty, as HSS may (the
// SDK's fields are optional).
func (f finding) row() map[string]any {
	row := map[string]any{
		"description": f.adv.Description,
		"position":    f.position,
		"app_name":    f.app,
		"version":     f.version,
		"solution":    f.adv.Solution,
		"url":         f.adv.URL,
	}
	if f.v.ID != "" {
		row["vul_id"] = f.v.ID
	}
	if f.severity != "" {
		row["repair_necessity"] = f.severity
	}
	if f.v.Type == "app_vul" && f.path != "" {
		row["app_path"] = f.path
	}
	return row
}

// number is a non-integer number (a CVSS score) as JSON: a string in
// string-count mode, as HSS sometimes sends numbers; integers go through
// count.
func (s *Simulator) number(n float64) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stringCounts {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return n
}

// page answers one page of rows.
func (s *Simulator) page(p *params, rows []map[string]any) map[string]any {
	total := len(rows)
	offset := int(p.ints["offset"])
	limit := 10
	if l, ok := p.ints["limit"]; ok {
		limit = int(l)
	}
	out := []map[string]any{}
	if offset < total {
		out = rows[offset:min(total, offset+limit)]
	}
	return map[string]any{"total_num": s.count(int64(total)), "data_list": out}
}

func notFound(code, format string, args ...any) (int, any) {
	return http.StatusNotFound, &apiError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// imageVulnerabilities serves ListImageVulnerabilities: the image is the one
// the path id names (pathImageID), and namespace, image_name, tag_name (and
// instance_id when given) must name it too; vul_id and app_name are
// case-sensitive substring filters, the others exact.
func (s *Simulator) imageVulnerabilities(r *http.Request, q url.Values, id string) (int, any) {
	p, err := parseQuery(q, imageVulQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err == nil && utf8.RuneCountInString(id) > 128 {
		err = fmt.Errorf("image_id must be 0 to 128 characters long, got %d", utf8.RuneCountInString(id))
	}
	if err != nil {
		return badRequest(err)
	}
	imageType := p.str["image_type"]
	var img *Image
	for i := range s.opts.Images {
		cand := &s.opts.Images[i]
		if cand.Type == imageType && inEnterpriseProject(cand, p) && pathImageID(cand, i) == id {
			img = cand
			break
		}
	}
	if img == nil {
		return notFound("HSS.1015", "Image %q of type %s does not exist.", id, imageType)
	}
	if p.str["namespace"] != img.Namespace || p.str["image_name"] != img.Name || p.str["tag_name"] != img.Version {
		return badRequest(fmt.Errorf("image %q is %s/%s:%s, not %s/%s:%s", id, img.Namespace, img.Name, img.Version,
			p.str["namespace"], p.str["image_name"], p.str["tag_name"]))
	}
	if v, ok := p.str["instance_id"]; ok && v != "" && v != img.InstanceID {
		return badRequest(fmt.Errorf("image %q is not in instance %q", id, v))
	}
	advs := s.advisories()
	var rows []map[string]any
	for _, v := range img.Vulns {
		f := resolve(img, v, advs)
		if t, ok := p.str["type"]; ok && t != v.Type {
			continue
		}
		if h, ok := p.str["handle_status"]; ok && (h == "handled") != v.Handled {
			continue
		}
		if rn, ok := p.str["repair_necessity"]; ok && rn != severityLevel(f.severity) {
			continue
		}
		if sub, ok := p.str["vul_id"]; ok && !strings.Contains(v.ID, sub) {
			continue
		}
		if sub, ok := p.str["app_name"]; ok && !strings.Contains(f.app, sub) {
			continue
		}
		rows = append(rows, f.row())
	}
	return http.StatusOK, s.page(p, rows)
}

// knownVulnerability: in the catalogue or found in some image.
func (s *Simulator) knownVulnerability(id string, advs map[string]*Advisory) bool {
	if advs[id] != nil {
		return true
	}
	for i := range s.opts.Images {
		for _, v := range s.opts.Images[i].Vulns {
			if v.ID == id {
				return true
			}
		}
	}
	return false
}

func (s *Simulator) cveRows(a *Advisory) []map[string]any {
	rows := []map[string]any{}
	if a == nil {
		return rows
	}
	for _, c := range a.CVEs {
		rows = append(rows, map[string]any{
			"cve_id":       c.ID,
			"cvss_score":   s.number(c.CVSS),
			"publish_time": s.count(c.Published),
			"description":  c.Description,
		})
	}
	return rows
}

// vulnerabilityCves serves ListVulnerabilityCve: a vulnerability's CVEs,
// the same for every image and enterprise project. An id HSS never
// reported is answered 404 (a client that mangles ids fails instead of
// reading "no CVEs").
func (s *Simulator) vulnerabilityCves(r *http.Request, q url.Values, id string) (int, any) {
	p, err := parseQuery(q, cveQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err == nil && utf8.RuneCountInString(id) > 64 {
		err = fmt.Errorf("vul_id must be 0 to 64 characters long, got %d", utf8.RuneCountInString(id))
	}
	if err != nil {
		return badRequest(err)
	}
	advs := s.advisories()
	if !s.knownVulnerability(id, advs) {
		return notFound("HSS.1016", "Vulnerability %q does not exist.", id)
	}
	return http.StatusOK, s.page(p, s.cveRows(advs[id]))
}

// globalVul is one vulnerability of the tenant-wide list.
type globalVul struct {
	id       string
	adv      *Advisory
	severity string
	types    map[string]bool
	images   map[*Image]bool
	undealt  map[*Image]bool
}

// globalVulnerabilities serves ListGlobalVulnerabilities: every
// vulnerability found in an image of the enterprise project, in order of
// first appearance, with its CVE list. history_number counts the images
// it was found in, undeal_number those with an unhandled finding of it;
// type matches when any finding has that type.
func (s *Simulator) globalVulnerabilities(r *http.Request, q url.Values) (int, any) {
	p, err := parseQuery(q, globalVulQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	advs := s.advisories()
	byID := map[string]*globalVul{}
	var order []*globalVul
	for i := range s.opts.Images {
		img := &s.opts.Images[i]
		if !inEnterpriseProject(img, p) {
			continue
		}
		for _, v := range img.Vulns {
			g := byID[v.ID]
			if g == nil {
				f := resolve(img, v, advs)
				g = &globalVul{id: v.ID, adv: f.adv, severity: f.adv.RepairNecessity, types: map[string]bool{}, images: map[*Image]bool{}, undealt: map[*Image]bool{}}
				if g.severity == "" {
					g.severity = f.severity
				}
				byID[v.ID] = g
				order = append(order, g)
			}
			g.types[v.Type] = true
			g.images[img] = true
			if !v.Handled {
				g.undealt[img] = true
			}
		}
	}
	var rows []map[string]any
	for _, g := range order {
		if t, ok := p.str["type"]; ok && !g.types[t] {
			continue
		}
		if rn, ok := p.str["repair_necessity"]; ok && rn != severityLevel(g.severity) {
			continue
		}
		if sub, ok := p.str["vul_id"]; ok && !strings.Contains(g.id, sub) {
			continue
		}
		row := map[string]any{
			"vul_name":       g.adv.Name,
			"vul_id":         g.id,
			"decription":     g.adv.Description, // sic: HSS's field name
			"solution":       g.adv.Solution,
			"url":            g.adv.URL,
			"history_number": s.count(int64(len(g.images))),
			"undeal_number":  s.count(int64(len(g.undealt))),
			"data_list":      s.cveRows(advs[g.id]),
		}
		if g.severity != "" {
			row["repair_necessity"] = g.severity
		}
		rows = append(rows, row)
	}
	return http.StatusOK, s.page(p, rows)
}
