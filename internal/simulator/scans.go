package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scanning and synchronising (vulnerabilities-and-scans.md §8,
// scan-status.md §2). Nothing returns an id: a synchronise request makes
// the images marked NotSynchronised of its type listed SyncDelay later, a
// synchronise task those of its registries (or of every registry); a
// manual scan task makes each of its images waiting_for_scan, then
// scanning, then success (or failed with the image's FailScan code)
// ScanDelay after the request, its latest_scan_time moving to that
// completion time. Time is the simulator's clock (Options.Now): tests move
// it. Every request makes a task of the task list.
const (
	// ImageSynchronize is RunImageSynchronize, POST /v5/{project_id}/image/synchronize.
	ImageSynchronize Endpoint = "image-synchronize"
	// ImageSyncTasks is CreateImageSynchronizeTask, POST /v5/{project_id}/image/image-sync/tasks.
	ImageSyncTasks Endpoint = "image-sync-tasks"
	// ImageScanTasks is CreateManualImageScanTask, POST /v5/{project_id}/image/image-scan/tasks.
	ImageScanTasks Endpoint = "image-scan-tasks"
	// ImageTasks is ListImageScanTask, GET /v5/{project_id}/image/tasks.
	ImageTasks Endpoint = "image-tasks"
)

// Defaults of Options.ScanDelay and Options.SyncDelay.
const (
	DefaultScanDelay = 3 * time.Second
	DefaultSyncDelay = 2 * time.Second
)

func matchScans(rest string) (route, bool) {
	switch rest {
	case "image/synchronize":
		return route{ImageSynchronize, http.MethodPost, ""}, true
	case "image/image-sync/tasks":
		return route{ImageSyncTasks, http.MethodPost, ""}, true
	case "image/image-scan/tasks":
		return route{ImageScanTasks, http.MethodPost, ""}, true
	case "image/tasks":
		return route{ImageTasks, http.MethodGet, ""}, true
	}
	return route{}, false
}

// scanJob is one image's scan in progress.
type scanJob struct {
	at    time.Time
	tasks []*scanTask
}

// scanTask is one entry of the task list.
type scanTask struct {
	id       string
	listType string // image_scan or image_sync
	taskType string // manual or manualSync
	global   string // local or registry
	ep       string
	begin    time.Time
	images   []taskImage
	end      time.Time // zero while it runs
}

type taskImage struct {
	recordID int
	label    map[string]any // what failed_images says of it
	outcome  string         // "" pending, "success", or the failure code
	risky    bool
}

// syncRequest is a synchronise request that has not taken effect yet:
// of one SWR image type (RunImageSynchronize), or of registries, or of
// every registry (CreateImageSynchronizeTask).
type syncRequest struct {
	imageType, ep string
	registries    []registryRef
	all           bool
	at            time.Time
	task          *scanTask
}

type registryRef struct {
	ID   *string `json:"registry_id"`
	Type *string `json:"registry_type"`
}

// registryID is the registry_id the lists give an image's records.
func registryID(img *Image) string { return "reg-" + strings.ToLower(img.RegistryName) }

// covers tells whether sr synchronises img's registry.
func (sr *syncRequest) covers(img *Image) bool {
	if !epMatches(img.EnterpriseProjectID, sr.ep) {
		return false
	}
	switch {
	case sr.imageType != "":
		return img.Type == sr.imageType
	case sr.all:
		return registryTypes[img.Type] != ""
	}
	return slices.ContainsFunc(sr.registries, func(r registryRef) bool {
		return *r.ID == registryID(img) && *r.Type == registryTypes[img.Type]
	})
}

func (s *Simulator) scanDelay() time.Duration {
	if s.opts.ScanDelay > 0 {
		return s.opts.ScanDelay
	}
	return DefaultScanDelay
}

func (s *Simulator) syncDelay() time.Duration {
	if s.opts.SyncDelay > 0 {
		return s.opts.SyncDelay
	}
	return DefaultSyncDelay
}

// epMatches: no enterprise project is the default one, "0".
func epMatches(imageEP, requested string) bool {
	if requested == "" {
		requested = "0"
	}
	if imageEP == "" {
		imageEP = "0"
	}
	return requested == "all_granted_eps" || imageEP == requested
}

// advanceScans applies what is due by now: synchronisations, and each
// scan's phase. Images are replaced, never changed. s.mu is held.
func (s *Simulator) advanceScans() {
	if len(s.syncs) == 0 && len(s.scanJobs) == 0 {
		return
	}
	now := s.opts.Now()
	imgs, cloned := s.opts.Images, false
	edit := func(i int) *Image {
		if !cloned {
			imgs, cloned = slices.Clone(imgs), true
		}
		return &imgs[i]
	}
	var pending []syncRequest
	for _, sr := range s.syncs {
		if now.Before(sr.at.Add(s.syncDelay())) {
			pending = append(pending, sr)
			continue
		}
		for i := range imgs {
			if imgs[i].NotSynchronised && sr.covers(&imgs[i]) {
				edit(i).NotSynchronised = false
			}
		}
		for k := range sr.task.images {
			sr.task.images[k].outcome = "success"
		}
		sr.task.end = sr.at.Add(s.syncDelay())
	}
	s.syncs = pending
	delay := s.scanDelay()
	for i := range imgs {
		job, ok := s.scanJobs[imgs[i].RecordID]
		if !ok {
			continue
		}
		elapsed := now.Sub(job.at)
		status := "waiting_for_scan"
		switch {
		case elapsed >= delay:
			status = "success"
			if imgs[i].FailScan != "" {
				status = "failed"
			}
		case elapsed >= delay/4:
			status = "scanning"
		}
		if status == imgs[i].ScanStatus && elapsed < delay {
			continue
		}
		img := edit(i)
		img.ScanStatus, img.ScanFailedCode, img.ScanFailedDesc = status, "", ""
		img.Hosts = slices.Clone(img.Hosts)
		for h := range img.Hosts { // every host's record follows the image's
			img.Hosts[h].ScanStatus, img.Hosts[h].LatestScanTime, img.Hosts[h].ScanFailedDesc = "", 0, ""
		}
		if elapsed < delay {
			continue
		}
		done := job.at.Add(delay)
		img.LatestScanTime, img.ScanAge = done.UnixMilli(), 0
		img.Arches = slices.Clone(img.Arches)
		for a := range img.Arches {
			img.Arches[a].ScanStatus = status
		}
		outcome := "success"
		if img.FailScan != "" {
			outcome = img.FailScan
			img.ScanFailedCode = img.FailScan
			img.ScanFailedDesc = "The image failed to scan (" + img.FailScan + ")."
		}
		for _, t := range job.tasks {
			for k := range t.images {
				if t.images[k].recordID == img.RecordID && t.images[k].outcome == "" {
					t.images[k].outcome, t.images[k].risky = outcome, outcome == "success" && len(img.Vulns) > 0
				}
			}
			if !slices.ContainsFunc(t.images, func(ti taskImage) bool { return ti.outcome == "" }) {
				t.end = done
			}
		}
		delete(s.scanJobs, img.RecordID)
	}
	if cloned {
		s.opts.Images = imgs
	}
}

var syncBody = map[string]spec{"image_type": {kind: kString, required: true, enum: []string{"private_image", "shared_image"}}}

var scanTaskQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"global_image_type":     {kind: kString, enum: []string{"local", "registry"}},
}

var taskListQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"type":                  {kind: kString, required: true, enum: []string{"image_sync", "image_scan"}},
	"global_image_type":     {kind: kString, enum: []string{"local", "registry"}},
	"offset":                offsetSpec,
	"limit":                 {kind: kInt, min: 10, max: 200, checkMax: true},
	"task_type":             {kind: kString, enum: []string{"cycle", "manual", "autoSync", "manualSync"}},
	"task_name":             {kind: kString, maxLen: 128},
	"task_id":               {kind: kString, maxLen: 128},
	"create_time":           {kind: kInt, min: 0},
	"end_time":              {kind: kInt, min: 0, max: 4070880000000, checkMax: true},
	"task_status":           {kind: kString, enum: []string{"scanning", "finished"}},
	"scan_scope":            {kind: kString, maxLen: 64},
}

// scanImageInfo is one image_info item of a manual scan task.
type scanImageInfo struct {
	ID           *int64  `json:"id"`
	ImageID      *string `json:"image_id"`
	ImageDigest  *string `json:"image_digest"`
	RegistryID   *string `json:"registry_id"`
	RegistryName *string `json:"registry_name"`
	ImageName    *string `json:"image_name"`
	ImageVersion *string `json:"image_version"`
	Namespace    *string `json:"namespace"`
	InstanceID   *string `json:"instance_id"`
	InstanceURL  *string `json:"instance_url"`
	RegistryType *string `json:"registry_type"`
}

type scanTaskRequest struct {
	ScanScope *int64          `json:"scan_scope"`
	RateLimit *int64          `json:"rate_limit"`
	IsAll     *bool           `json:"is_all"`
	QueryInfo json.RawMessage `json:"query_info"`
	ImageInfo []scanImageInfo `json:"image_info"`
}

func (s *Simulator) serveScans(r *http.Request, q url.Values, body []byte, e Endpoint) (int, any) {
	switch e {
	case ImageSynchronize:
		return s.synchronize(r, q, body)
	case ImageSyncTasks:
		return s.createSyncTask(r, q, body)
	case ImageScanTasks:
		return s.createScanTask(r, q, body)
	}
	return s.listTasks(r, q)
}

func (s *Simulator) synchronize(r *http.Request, q url.Values, body []byte) (int, any) {
	p, err := parseQuery(q, plainQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	b, err := parseBody(body, syncBody)
	if err != nil {
		return badRequest(err)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &scanTask{id: s.nextTaskID(), listType: "image_sync", taskType: "manualSync", global: "registry", ep: p.str["enterprise_project_id"], begin: now,
		images: []taskImage{{label: map[string]any{"image_name": "", "registry_type": registryTypes[b.str["image_type"]]}}}}
	s.scanTasks = append(s.scanTasks, t)
	s.syncs = append(s.syncs, syncRequest{imageType: b.str["image_type"], ep: t.ep, at: now, task: t})
	return http.StatusOK, map[string]any{}
}

// syncTaskRegistryTypes is registry_info's registry_type enumeration.
var syncTaskRegistryTypes = []string{"SwrPrivate", "SwrShared", "SwrEnterprise", "Harbor", "Jfrog", "Other"}

type syncTaskRequest struct {
	SyncAll    *bool         `json:"sync_all_registries"`
	Registries []registryRef `json:"registry_info"`
}

// createSyncTask is CreateImageSynchronizeTask: sync_all_registries is
// required; registry_info's items need a registry_id and a documented
// registry_type. Like HSS's, it answers {} and keeps no id; the task list
// shows one image_sync task with an entry per registry.
func (s *Simulator) createSyncTask(r *http.Request, q url.Values, body []byte) (int, any) {
	p, err := parseQuery(q, plainQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	var req syncTaskRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest(fmt.Errorf("the request body: %v", err))
	}
	if req.SyncAll == nil {
		return badRequest(fmt.Errorf("sync_all_registries is required"))
	}
	if !*req.SyncAll && len(req.Registries) == 0 {
		return badRequest(fmt.Errorf("registry_info is required when sync_all_registries is false"))
	}
	for n, reg := range req.Registries {
		if reg.ID == nil || *reg.ID == "" {
			return badRequest(fmt.Errorf("registry_info[%d].registry_id is required", n))
		}
		if reg.Type == nil || !slices.Contains(syncTaskRegistryTypes, *reg.Type) {
			return badRequest(fmt.Errorf("registry_info[%d].registry_type must be one of %s", n, strings.Join(syncTaskRegistryTypes, ", ")))
		}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &scanTask{id: s.nextTaskID(), listType: "image_sync", taskType: "manualSync", global: "registry", ep: p.str["enterprise_project_id"], begin: now}
	sr := syncRequest{ep: t.ep, at: now, task: t}
	if *req.SyncAll {
		sr.all = true
		t.images = []taskImage{{label: map[string]any{"image_name": ""}}}
	} else {
		sr.registries = req.Registries
		for _, reg := range req.Registries {
			t.images = append(t.images, taskImage{label: map[string]any{"image_name": "", "registry_id": *reg.ID, "registry_type": *reg.Type}})
		}
	}
	s.scanTasks = append(s.scanTasks, t)
	s.syncs = append(s.syncs, sr)
	return http.StatusOK, map[string]any{}
}

func (s *Simulator) nextTaskID() string { return fmt.Sprintf("scan-task-%04d", len(s.scanTasks)+1) }

func (s *Simulator) createScanTask(r *http.Request, q url.Values, body []byte) (int, any) {
	p, err := parseQuery(q, scanTaskQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	var req scanTaskRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest(fmt.Errorf("the request body: %v", err))
	}
	if v := req.ScanScope; v != nil && (*v < 0 || *v > 0x7fffffff) {
		return badRequest(fmt.Errorf("scan_scope must be from 0 to 2147483647, got %d", *v))
	}
	if v := req.RateLimit; v != nil && (*v < 0 || *v > 1000) {
		return badRequest(fmt.Errorf("rate_limit must be from 0 to 1000, got %d", *v))
	}
	global := p.str["global_image_type"]
	if global == "" {
		global = "registry"
	}
	all := req.IsAll != nil && *req.IsAll
	if !all && len(req.ImageInfo) == 0 {
		return badRequest(fmt.Errorf("image_info is required when is_all is false"))
	}
	ep := p.str["enterprise_project_id"]
	images := s.images() // advanced to now
	now := s.now()
	ofType := func(img *Image) bool {
		if global == "local" {
			return img.Type == "local_image"
		}
		return img.Type != "local_image" && img.Type != "cicd"
	}
	var chosen []int
	for i := range images {
		img := &images[i]
		if all && !img.NotSynchronised && ofType(img) && epMatches(img.EnterpriseProjectID, ep) {
			chosen = append(chosen, i)
		}
	}
	for n, info := range req.ImageInfo {
		if all {
			break
		}
		var found []int
		for i := range images {
			img := &images[i]
			if img.NotSynchronised || !ofType(img) || !epMatches(img.EnterpriseProjectID, ep) {
				continue
			}
			if infoMatches(&info, s.record(img, now.UnixMilli())) {
				found = append(found, i)
			}
		}
		if len(found) != 1 {
			return badRequest(fmt.Errorf("image_info[%d] names %d images HSS lists (%s images), not one", n, len(found), global))
		}
		if !slices.Contains(chosen, found[0]) {
			chosen = append(chosen, found[0])
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &scanTask{id: s.nextTaskID(), listType: "image_scan", taskType: "manual", global: global, ep: ep, begin: now}
	if s.scanJobs == nil {
		s.scanJobs = map[int]*scanJob{}
	}
	for _, i := range chosen {
		img := &images[i]
		t.images = append(t.images, taskImage{recordID: img.RecordID, label: map[string]any{
			"id": img.RecordID, "registry_id": registryID(img), "registry_name": img.RegistryName,
			"registry_type": registryTypes[img.Type], "namespace": img.Namespace, "image_name": img.Name, "image_version": img.Version,
		}})
		job, ok := s.scanJobs[img.RecordID]
		if !ok { // a scan in progress is not started again: this task waits for it
			job = &scanJob{at: now}
			s.scanJobs[img.RecordID] = job
		}
		job.tasks = append(job.tasks, t)
	}
	if len(t.images) == 0 {
		t.end = now
	}
	s.scanTasks = append(s.scanTasks, t)
	s.advanceScans() // the images are waiting_for_scan from now on
	return http.StatusOK, map[string]any{}
}

// record is what the image's list says of it.
func (s *Simulator) record(img *Image, now int64) map[string]any {
	if img.Type == "local_image" {
		return localRecords(img, now)[0]
	}
	return registryRecord(img, img.RecordID, now)
}

// infoMatches: every field the item sends equals the record's; an item
// must send a name, a tag and an id.
func infoMatches(info *scanImageInfo, rec map[string]any) bool {
	if info.ImageName == nil || info.ImageVersion == nil || (info.ID == nil && info.ImageID == nil) {
		return false
	}
	if info.ID != nil && fmt.Sprint(rec["id"]) != strconv.FormatInt(*info.ID, 10) {
		return false
	}
	for name, v := range map[string]*string{
		"image_id": info.ImageID, "image_digest": info.ImageDigest, "registry_id": info.RegistryID, "registry_name": info.RegistryName,
		"image_name": info.ImageName, "image_version": info.ImageVersion, "namespace": info.Namespace,
		"instance_id": info.InstanceID, "instance_url": info.InstanceURL, "registry_type": info.RegistryType,
	} {
		if v == nil {
			continue
		}
		have, ok := rec[name]
		if !ok && *v == "" {
			continue
		}
		if !ok || fmt.Sprint(have) != *v {
			return false
		}
	}
	return true
}

func (s *Simulator) listTasks(r *http.Request, q url.Values) (int, any) {
	p, err := parseQuery(q, taskListQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	s.images() // advance to now
	s.mu.Lock()
	var rows []map[string]any
	for i := len(s.scanTasks) - 1; i >= 0; i-- { // newest first
		t := s.scanTasks[i]
		if t.listType != p.str["type"] || !epMatches(t.ep, p.str["enterprise_project_id"]) {
			continue
		}
		if !equalIfSet(p, "global_image_type", t.global) || !equalIfSet(p, "task_type", t.taskType) || !equalIfSet(p, "task_id", t.id) {
			continue
		}
		finished := !t.end.IsZero()
		if st, ok := p.str["task_status"]; ok && (st == "finished") != finished {
			continue
		}
		rows = append(rows, s.taskRow(t))
	}
	s.mu.Unlock()
	total := len(rows)
	offset, limit := int(p.ints["offset"]), 10
	if l, ok := p.ints["limit"]; ok {
		limit = int(l)
	}
	page := []map[string]any{}
	if offset < total {
		page = rows[offset:min(total, offset+limit)]
	}
	return http.StatusOK, map[string]any{"total_num": s.count(int64(total)), "data_list": page}
}

// taskRow is one item of the task list. s.mu is held.
func (s *Simulator) taskRow(t *scanTask) map[string]any {
	var done, failed, risky int
	failedImages := []map[string]any{}
	for _, ti := range t.images {
		switch ti.outcome {
		case "":
			continue
		case "success":
		default:
			failed++
			fi := map[string]any{"failed_reason": ti.outcome}
			for k, v := range ti.label {
				fi[k] = v
			}
			failedImages = append(failedImages, fi)
		}
		done++
		if ti.risky {
			risky++
		}
	}
	progress := 100
	if len(t.images) > 0 {
		progress = done * 100 / len(t.images)
	}
	row := map[string]any{
		"task_id": t.id, "task_name": t.taskType + " " + t.id, "task_type": t.taskType, "begin_time": t.begin.UnixMilli(),
		"task_status": progress, "total_num": len(t.images), "success_num": done - failed, "failed_num": failed,
		"risky_num": risky, "failed_images": failedImages,
	}
	if !t.end.IsZero() {
		row["end_time"] = t.end.UnixMilli()
		row["remain_min"] = 0
	} else {
		row["remain_min"] = int(s.scanDelay().Minutes()) + 1
	}
	if failed > 0 {
		row["failed_reason"] = fmt.Sprintf("%d image(s) failed to scan", failed)
	}
	return row
}

// MoveTag points a repository image's tag at a new digest, as a push of
// another build under the same tag does, and returns the new digest.
// HSS lists the new content unscanned (scan_status unscan, no scan time)
// unless rescanned, when it lists it scanned now (a test of the digest
// check alone). The image must be the only repository image with that
// namespace, name and tag.
func (s *Simulator) MoveTag(namespace, name, version string, rescanned bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	imgs := slices.Clone(s.opts.Images)
	found := -1
	for i := range imgs {
		img := &imgs[i]
		if img.Type == "local_image" || img.Type == "cicd" || img.Namespace != namespace || img.Name != name || img.Version != version {
			continue
		}
		if found >= 0 {
			return "", fmt.Errorf("more than one repository image is %s/%s:%s", namespace, name, version)
		}
		found = i
	}
	if found < 0 {
		return "", fmt.Errorf("no repository image is %s/%s:%s", namespace, name, version)
	}
	img := &imgs[found]
	now := s.opts.Now()
	img.Digest = digestOf(fmt.Sprintf("%s@moved-%d", img.digest(), now.UnixNano()))
	img.LatestUpdateTime = now.UnixMilli()
	img.ScanAge, img.ScanFailedCode, img.ScanFailedDesc = 0, "", ""
	if rescanned {
		img.ScanStatus, img.LatestScanTime = "success", now.UnixMilli()
	} else {
		img.ScanStatus, img.LatestScanTime = "unscan", 0
	}
	delete(s.scanJobs, img.RecordID)
	s.opts.Images = imgs
	return img.Digest, nil
}
