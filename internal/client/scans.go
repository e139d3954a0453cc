package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// Scanning and synchronising (vulnerabilities-and-scans.md §8,
// scan-status.md §2): RunImageSynchronize, CreateImageSynchronizeTask,
// CreateManualImageScanTask and ListImageScanTask. Neither request returns an id: completion is read
// from the images' own scan_status and latest_scan_time (internal/images,
// WaitForScan), and progress from the task list.

type freshKey struct{}

// Fresh returns a context whose image and task list reads ask HSS again
// instead of taking the answer the client kept from an identical read
// earlier, and keep their newer answer for later reads. Polls use it: a
// wait for HSS to change must see the change.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

func isFresh(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }

// SynchronizeTypes are the image types RunImageSynchronize takes: SWR's
// private and shared images.
var SynchronizeTypes = []string{"private_image", "shared_image"}

// RunImageSynchronize asks HSS to synchronise its list of SWR images of
// imageType (private_image or shared_image) with the registry: POST
// /v5/{project_id}/image/synchronize. It returns once HSS accepted the
// request; the images appear in the lists later. A 2xx answer that carries
// a non-zero error_code is an *APIError. Retried only where HSS cannot have
// acted on it, as every request that changes something.
func (c *Client) RunImageSynchronize(ctx context.Context, scope Scope, imageType string) error {
	if !slices.Contains(SynchronizeTypes, imageType) {
		return fmt.Errorf("HSS synchronises SWR private_image and shared_image lists only, not %q", imageType)
	}
	body, err := json.Marshal(map[string]string{"image_type": imageType})
	if err != nil {
		return err
	}
	return c.acknowledge(ctx, &request{
		method:   http.MethodPost,
		segments: c.projectPath("image", "synchronize"),
		body:     body,
		scope:    scope,
		retry:    retryUnsent, // it starts a synchronisation; the zero value, said aloud
	})
}

// Registry types of CreateImageSynchronizeTask's registry_info.
const (
	RegistrySwrPrivate    = "SwrPrivate"
	RegistrySwrShared     = "SwrShared"
	RegistrySwrEnterprise = "SwrEnterprise"
	RegistryHarbor        = "Harbor"
	RegistryJfrog         = "Jfrog"
	RegistryOther         = "Other"
)

// RegistryTypes are the registry_type values CreateImageSynchronizeTask takes.
var RegistryTypes = []string{RegistrySwrPrivate, RegistrySwrShared, RegistrySwrEnterprise, RegistryHarbor, RegistryJfrog, RegistryOther}

// RegistryTypeOf is the registry_type of the registry an image of
// imageType (the image lists' image_type) comes from, "" for the types
// that have no registry (local_image, cicd).
func RegistryTypeOf(imageType string) string {
	switch imageType {
	case "private_image":
		return RegistrySwrPrivate
	case "shared_image":
		return RegistrySwrShared
	case "instance_image":
		return RegistrySwrEnterprise
	case "harbor":
		return RegistryHarbor
	case "jfrog":
		return RegistryJfrog
	}
	return ""
}

// RegistryRef names one registry to synchronise: its registry_id and
// registry_type, as the image lists' records give them.
type RegistryRef struct {
	ID   string `json:"registry_id"`
	Type string `json:"registry_type"`
}

type imageSyncTaskBody struct {
	SyncAll    bool          `json:"sync_all_registries"` // required: always sent
	Registries []RegistryRef `json:"registry_info,omitempty"`
}

// CreateImageSynchronizeTask asks HSS to synchronise its image lists with
// registries of any type (SWR private, shared and enterprise, Harbor,
// Jfrog, other): POST /v5/{project_id}/image/image-sync/tasks. Either
// all is true and registries is empty (every registry HSS knows), or all
// is false and registries names at least one (each with its registry_id
// and one of RegistryTypes): never every registry by accident. It returns
// once HSS accepted the request: no task id comes back; the images appear
// in the lists later and the task in the task list (type image_sync). A
// 2xx answer that carries a non-zero error_code is an *APIError. Retried
// only where HSS cannot have acted on it, as RunImageSynchronize.
func (c *Client) CreateImageSynchronizeTask(ctx context.Context, scope Scope, registries []RegistryRef, all bool) error {
	if all && len(registries) > 0 {
		return fmt.Errorf("a synchronise task names either every registry or %d of them, not both", len(registries))
	}
	if !all && len(registries) == 0 {
		return fmt.Errorf("a synchronise task names at least one registry unless it asks for every one")
	}
	seen := map[RegistryRef]bool{}
	for i, r := range registries {
		if r.ID == "" {
			return fmt.Errorf("registry %d: no registry_id", i+1)
		}
		if !slices.Contains(RegistryTypes, r.Type) {
			return fmt.Errorf("registry %d (%s): registry_type %q is not one of %v", i+1, r.ID, r.Type, RegistryTypes)
		}
		if seen[r] {
			return fmt.Errorf("registry %d (%s, %s) is named twice", i+1, r.ID, r.Type)
		}
		seen[r] = true
	}
	body, err := json.Marshal(imageSyncTaskBody{SyncAll: all, Registries: registries})
	if err != nil {
		return err
	}
	return c.acknowledge(ctx, &request{
		method:   http.MethodPost,
		segments: c.projectPath("image", "image-sync", "tasks"),
		body:     body,
		scope:    scope,
		retry:    retryUnsent, // it starts a synchronisation; the zero value, said aloud
	})
}

// Global image types of a manual scan task.
const (
	GlobalImageLocal    = "local"
	GlobalImageRegistry = "registry"
)

// GlobalImageType is the global_image_type a scan task of images of
// imageType (the image lists' image_type) takes: local for local_image,
// registry for the repository types. CI/CD images are scanned by their
// pipeline plugin, not by a task: an error.
func GlobalImageType(imageType string) (string, error) {
	switch imageType {
	case "local_image":
		return GlobalImageLocal, nil
	case "private_image", "shared_image", "instance_image", "harbor", "jfrog":
		return GlobalImageRegistry, nil
	}
	return "", fmt.Errorf("HSS's manual scan task takes local and repository images, not image_type %q", imageType)
}

// MaxScanTaskImages is the most images one scan request names here.
const MaxScanTaskImages = 100

// ScanTaskOptions are the optional parts of a manual scan task; zero
// values are not sent (HSS's defaults apply).
type ScanTaskOptions struct {
	// ScanScope is the bitmask of what to scan (0x7fffffff everything,
	// 0x000f0000 vulnerabilities, ...); 0: HSS's default.
	ScanScope int64
	// RateLimit is images an hour (1–1000); 0: unlimited.
	RateLimit int64
}

// scanImageInfo is one image_info item: every field the list gave.
type scanImageInfo struct {
	ID           int64  `json:"id,omitempty"`
	ImageID      string `json:"image_id,omitempty"`
	ImageDigest  string `json:"image_digest,omitempty"`
	RegistryID   string `json:"registry_id,omitempty"`
	RegistryName string `json:"registry_name,omitempty"`
	ImageName    string `json:"image_name"`
	ImageVersion string `json:"image_version"`
	Namespace    string `json:"namespace,omitempty"`
	InstanceID   string `json:"instance_id,omitempty"`
	InstanceURL  string `json:"instance_url,omitempty"`
	RegistryType string `json:"registry_type,omitempty"`
}

type scanTaskBody struct {
	ScanScope int64           `json:"scan_scope,omitempty"`
	RateLimit int64           `json:"rate_limit,omitempty"`
	IsAll     bool            `json:"is_all"` // always sent, always false: never every image by accident
	ImageInfo []scanImageInfo `json:"image_info"`
}

// CreateManualImageScanTask asks HSS to scan exactly these images: POST
// /v5/{project_id}/image/image-scan/tasks?global_image_type=... Each image
// is named by every field its list record gives (record id, image id,
// digest, registry, namespace, name, tag, instance), so that HSS scans the
// image that was read and no other. Every record must be of the same
// global type (GlobalImageType). No task id comes back: completion is read
// from the images. Retried only where HSS cannot have acted on it (scans
// can be billed per scan): never twice once HSS may have seen it.
func (c *Client) CreateManualImageScanTask(ctx context.Context, scope Scope, records []ImageRecord, o ScanTaskOptions) error {
	if len(records) == 0 {
		return fmt.Errorf("a scan task names at least one image (is_all is never sent)")
	}
	if len(records) > MaxScanTaskImages {
		return fmt.Errorf("a scan task names at most %d images, got %d", MaxScanTaskImages, len(records))
	}
	if o.ScanScope < 0 || o.ScanScope > 0x7fffffff {
		return fmt.Errorf("scan scope %#x is not a bitmask of 31 bits", o.ScanScope)
	}
	if o.RateLimit < 0 || o.RateLimit > 1000 {
		return fmt.Errorf("rate limit must be 0 (unlimited) to 1000 images an hour, got %d", o.RateLimit)
	}
	global := ""
	body := scanTaskBody{ScanScope: o.ScanScope, RateLimit: o.RateLimit}
	for i, r := range records {
		g, err := GlobalImageType(r.ImageType)
		if err != nil {
			return fmt.Errorf("image %d (%s): %w", i+1, recordLabel(r), err)
		}
		if global == "" {
			global = g
		} else if g != global {
			return fmt.Errorf("image %d (%s) is a %s image, image 1 a %s one: HSS takes one global_image_type per scan task; ask once per type",
				i+1, recordLabel(r), g, global)
		}
		if r.ImageName == "" || r.ImageVersion == "" {
			return fmt.Errorf("image %d (%s): no image_name or image_version to name it by", i+1, recordLabel(r))
		}
		if r.ID == 0 && r.ImageID == "" {
			return fmt.Errorf("image %d (%s): neither its record id nor its image_id is known", i+1, recordLabel(r))
		}
		body.ImageInfo = append(body.ImageInfo, scanImageInfo{
			ID: r.ID, ImageID: r.ImageID, ImageDigest: r.ImageDigest, RegistryID: r.RegistryID, RegistryName: r.RegistryName,
			ImageName: r.ImageName, ImageVersion: r.ImageVersion, Namespace: r.Namespace,
			InstanceID: r.InstanceID, InstanceURL: r.InstanceURL, RegistryType: r.RegistryType,
		})
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return c.acknowledge(ctx, &request{
		method:   http.MethodPost,
		segments: c.projectPath("image", "image-scan", "tasks"),
		query:    []param{{"global_image_type", global}},
		body:     raw,
		scope:    scope,
		retry:    retryUnsent, // it starts (billed) scans; the zero value, said aloud
	})
}

// acknowledge sends a request whose answer carries no data: an empty body,
// {}, or {"error_code": ..., "error_description": ...}. An error_code
// other than 0 or "" (as a number or a string) or a non-empty error_msg is
// an *APIError with the answer's status; a body that is not a JSON object
// is a *DecodeError.
func (c *Client) acknowledge(ctx context.Context, r *request) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	path, requestID := c.path(r), resp.Header.Get("X-Request-Id")
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		err = fmt.Errorf("reading the response body (request id %s): %w", requestID, err)
		return &TransportError{Method: r.method, Path: path, Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	fields, err := decodeFields(body)
	if err != nil {
		return &DecodeError{Method: r.method, Path: path, RequestID: requestID, Err: err}
	}
	code := ""
	if raw, ok := fields["error_code"]; ok {
		raw = bytes.TrimSpace(raw)
		var s string
		switch {
		case string(raw) == "null":
		case json.Unmarshal(raw, &s) == nil:
			code = s
		default:
			var n json.Number
			if json.Unmarshal(raw, &n) != nil {
				return &DecodeError{Method: r.method, Path: path, RequestID: requestID, Field: "error_code",
					Err: fmt.Errorf("want a number or a string, got %s", abbreviate(string(raw)))}
			}
			code = n.String()
		}
	}
	msg, _ := stringField(fields, "error_msg", false)
	desc, _ := stringField(fields, "error_description", false)
	if (code == "" || code == "0") && msg == "" {
		return nil
	}
	return &APIError{
		StatusCode: resp.StatusCode, Code: code, Message: firstNonEmpty(msg, desc, "HSS answered with an error code and no description"),
		RequestID: firstNonEmpty(requestID, stringOrEmpty(fields, "request_id")), Method: r.method, Path: path,
	}
}

func stringOrEmpty(fields map[string]json.RawMessage, name string) string {
	s, _ := stringField(fields, name, false)
	return s
}

// Task list types.
const (
	TaskListScan = "image_scan"
	TaskListSync = "image_sync"
)

// ImageTaskQuery filters ListImageScanTask (GET /v5/{project_id}/image/tasks).
// Empty fields are not sent.
type ImageTaskQuery struct {
	Type            string // required: image_scan or image_sync
	GlobalImageType string // local or registry
	TaskType        string // cycle, manual, autoSync, manualSync
	TaskID          string
	TaskStatus      string // scanning or finished
}

// ImageTask is one task of the list. TaskStatus is HSS's int32: 0–100
// progress (100 done), -1 stopped, -2 timed out, -3 failed.
type ImageTask struct {
	TaskID       string
	TaskName     string
	TaskType     string
	BeginTime    int64 // ms; 0 when HSS gives none
	EndTime      int64 // ms; 0 while it runs
	RemainMin    *int64
	TaskStatus   int64
	TotalNum     *int64
	SuccessNum   *int64
	FailedNum    *int64
	RiskyNum     *int64
	FailedReason string
	FailedImages []FailedScanImage
}

// Finished reports whether the task ended, well or not.
func (t *ImageTask) Finished() bool { return t.TaskStatus == 100 || t.TaskStatus < 0 }

// Outcome renders TaskStatus in words.
func (t *ImageTask) Outcome() string {
	switch t.TaskStatus {
	case 100:
		return "finished"
	case -1:
		return "stopped"
	case -2:
		return "timed out"
	case -3:
		return "failed"
	}
	return fmt.Sprintf("%d%% done", t.TaskStatus)
}

// FailedScanImage is one image a task failed to scan.
type FailedScanImage struct {
	ID           int64
	RegistryID   string
	RegistryName string
	RegistryType string
	Namespace    string
	ImageName    string
	ImageVersion string
	FailedReason string
}

// ListImageScanTask returns every task the query selects, reading all
// pages through the one list walker.
func (c *Client) ListImageScanTask(ctx context.Context, scope Scope, q ImageTaskQuery) ([]ImageTask, error) {
	if q.Type != TaskListScan && q.Type != TaskListSync {
		return nil, fmt.Errorf("the task list's type is %s or %s, not %q", TaskListScan, TaskListSync, q.Type)
	}
	query := []param{{"type", q.Type}}
	for _, p := range []param{{"global_image_type", q.GlobalImageType}, {"task_type", q.TaskType}, {"task_id", q.TaskID}, {"task_status", q.TaskStatus}} {
		if p.value != "" {
			query = append(query, p)
		}
	}
	return listAll(ctx, c, scope, c.projectPath("image", "tasks"), query, decodeImageTask, func(t ImageTask) string { return "task " + strconv.Quote(t.TaskID) })
}

func decodeImageTask(f *fields) (ImageTask, error) {
	t := ImageTask{
		TaskID:       f.str("task_id", true),
		TaskName:     f.str("task_name", false),
		TaskType:     f.str("task_type", false),
		BeginTime:    f.millis("begin_time"),
		EndTime:      f.millis("end_time"),
		RemainMin:    f.count("remain_min"),
		TotalNum:     f.count("total_num"),
		SuccessNum:   f.count("success_num"),
		FailedNum:    f.count("failed_num"),
		RiskyNum:     f.count("risky_num"),
		FailedReason: f.str("failed_reason", false),
	}
	t.TaskStatus = f.signed("task_status", -3, 100)
	if raw, ok := f.raw["failed_images"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		items, err := rawList(raw, true)
		if err != nil {
			f.fail("failed_images", err)
		}
		for i, item := range items {
			af, err := decodeFields(item)
			if err != nil {
				f.fail(fmt.Sprintf("failed_images[%d]", i), err)
				break
			}
			a := &fields{raw: af, prefix: fmt.Sprintf("%sfailed_images[%d].", f.prefix, i), o: f.o, now: f.now, subject: "task " + t.TaskID}
			img := FailedScanImage{
				RegistryID: a.str("registry_id", false), RegistryName: a.str("registry_name", false), RegistryType: a.str("registry_type", false),
				Namespace: a.str("namespace", false), ImageName: a.str("image_name", false), ImageVersion: a.str("image_version", false),
				FailedReason: a.str("failed_reason", false),
			}
			if id := a.count("id"); id != nil {
				img.ID = *id
			}
			if a.err != nil && f.err == nil {
				f.err = a.err
			}
			t.FailedImages = append(t.FailedImages, img)
		}
	}
	return t, f.err
}

// signed reads a required integer from lo to hi, negative ones included
// (a JSON number or a numeric string).
func (f *fields) signed(name string, lo, hi int64) int64 {
	raw := bytes.TrimSpace(f.raw[name])
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			text = string(raw)
		}
	}
	if len(raw) == 0 || text == "null" {
		f.fail(name, fmt.Errorf("missing"))
		return 0
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < lo || n > hi {
		f.fail(name, fmt.Errorf("want an integer from %d to %d, got %s", lo, hi, abbreviate(string(raw))))
		return 0
	}
	return n
}
