package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Paging of the image lists: HSS serves at most ListPageSize records per
// request and refuses an offset above MaxListOffset.
const (
	ListPageSize  = 200
	MaxListOffset = 2000000
)

// The bounds of one list read. A total_num above maxListRecords is an
// error on the first page; a walk reads at most maxListPages pages; a read
// walks the list at most maxListWalks times. Tests lower the first two.
var (
	maxListRecords int64 = MaxListOffset
	maxListPages         = int(listReadCost(MaxListOffset))
)

const maxListWalks = 3

// ListChangedError is a list that did not hold still while it was read:
// every walk saw it change, so no answer is a snapshot of it.
type ListChangedError struct {
	Method  string
	Path    string
	Walks   int
	Changes []string // what each walk saw, "walk N: ..."
}

func (e *ListChangedError) Error() string {
	return fmt.Sprintf("%s %s: HSS's list kept changing while it was read: %d walks from offset 0 (the most one read makes), "+
		"none of them one consistent snapshot: %s. Retry later, or narrow the filter so that the list fits on one page (%d records)",
		e.Method, e.Path, e.Walks, strings.Join(e.Changes, "; "), ListPageSize)
}

// Scan states HSS reports for an image. Only ScanSuccess means the numbers
// of the image describe it; every other value, including values this list
// does not know, means they do not.
const (
	ScanUnscan         = "unscan"
	ScanSuccess        = "success"
	ScanScanning       = "scanning"
	ScanFailed         = "failed"
	ScanDownloadFailed = "download_failed"
	ScanImageOversized = "image_oversized"
	ScanWaitingForScan = "waiting_for_scan"
	ScanWaiting        = "waiting" // the local image list's spelling of waiting_for_scan
)

// RegistryImageQuery filters ListRegistryImages
// (GET /v5/{project_id}/image/registries/images). Nil fields are not sent.
// HSS may match names as substrings: callers compare names themselves.
type RegistryImageQuery struct {
	ImageType     *string
	Namespace     *string
	ImageName     *string
	ImageVersion  *string
	RegistryName  *string
	InstanceID    *string
	ScanStatus    *string
	SeverityLevel *string
	LatestVersion *bool
}

// LocalImageQuery filters ListImageLocal
// (GET /v5/{project_id}/image/local-repositories). HSS matches ImageName as
// a substring and ignores ImageVersion unless ImageName is set.
type LocalImageQuery struct {
	ImageName    *string
	ImageVersion *string
	ScanStatus   *string
}

// CicdImageQuery filters ListCicdImages (GET /v5/{project_id}/image/cicd/images).
type CicdImageQuery struct {
	Namespace     *string
	ImageName     *string
	ImageVersion  *string
	ImageID       *string
	ScanStatus    *string
	SeverityLevel *string
	LatestVersion *bool
}

// ImageRecord is one data_list item of an image list. Counts the list left
// out are nil, never 0.
type ImageRecord struct {
	ID               int64 // record id (repository images)
	ImageID          string
	ImageType        string // image_type; local_image and cicd for those lists
	Namespace        string
	ImageName        string
	ImageVersion     string
	ImageDigest      string
	RegistryName     string
	RegistryID       string // repository images: registry_id
	RegistryType     string // repository images: registry_type (SwrPrivate, Harbor, ...)
	InstanceID       string
	InstanceName     string
	InstanceURL      string // SWR enterprise: instance_url
	CICDName         string
	HostName         string // local images: the host this record is from
	HostID           string
	LatestVersion    bool
	ScanStatus       string // verbatim; see Scanned
	ScanFailedCode   string
	ScanFailedDesc   string
	ImageSize        *int64
	LatestUpdateTime int64 // ms; 0 when HSS gives none
	LatestScanTime   int64 // ms of the last completed scan; 0 when never scanned
	VulNum           *int64
	UnsafeSettingNum *int64
	MaliciousFileNum *int64
	SeverityLevel    string
	MultiArch        bool
	Architectures    []ArchImage // association_images of a multi-architecture image
}

// ArchImage is one architecture of a multi-architecture image.
type ArchImage struct {
	ID               int64
	ImageID          string
	ImageDigest      string
	ScanStatus       string
	VulNum           *int64
	UnsafeSettingNum *int64
	MaliciousFileNum *int64
}

// Scanned reports whether a scan status means a completed, successful scan.
// An unknown value is kept verbatim by the decoder and is not a success.
func Scanned(status string) bool { return status == ScanSuccess }

// ListRegistryImages returns every repository image the query selects,
// reading all pages.
func (c *Client) ListRegistryImages(ctx context.Context, scope Scope, q RegistryImageQuery) ([]ImageRecord, error) {
	var query []param
	query = appendStrings(query, []namedString{
		{"image_type", q.ImageType}, {"namespace", q.Namespace}, {"image_name", q.ImageName},
		{"image_version", q.ImageVersion}, {"registry_name", q.RegistryName}, {"instance_id", q.InstanceID},
		{"scan_status", q.ScanStatus}, {"severity_level", q.SeverityLevel},
	})
	query = appendBool(query, "latest_version", q.LatestVersion)
	return listAll(ctx, c, scope, c.projectPath("image", "registries", "images"), query, decodeRegistryImage, registryIdentity)
}

// ListImageLocal returns every local image record the query selects (one
// per host that has the image), reading all pages.
func (c *Client) ListImageLocal(ctx context.Context, scope Scope, q LocalImageQuery) ([]ImageRecord, error) {
	query := appendStrings(nil, []namedString{{"image_name", q.ImageName}, {"scan_status", q.ScanStatus}})
	if q.ImageName != nil { // ignored by HSS without image_name
		query = appendStrings(query, []namedString{{"image_version", q.ImageVersion}})
	}
	return listAll(ctx, c, scope, c.projectPath("image", "local-repositories"), query, decodeLocalImage, localIdentity)
}

// ListCicdImages returns every CI/CD image the query selects, reading all pages.
func (c *Client) ListCicdImages(ctx context.Context, scope Scope, q CicdImageQuery) ([]ImageRecord, error) {
	query := appendStrings(nil, []namedString{
		{"namespace", q.Namespace}, {"image_name", q.ImageName}, {"image_version", q.ImageVersion},
		{"image_id", q.ImageID}, {"scan_status", q.ScanStatus}, {"severity_level", q.SeverityLevel},
	})
	query = appendBool(query, "latest_version", q.LatestVersion)
	return listAll(ctx, c, scope, c.projectPath("image", "cicd", "images"), query, decodeCicdImage, cicdIdentity)
}

type namedString struct {
	key string
	val *string
}

func appendStrings(query []param, values []namedString) []param {
	for _, v := range values {
		if v.val != nil {
			query = append(query, param{v.key, *v.val})
		}
	}
	return query
}

// appendBool sends a bool only when it is set: HSS reads has_vul=false as
// "images without vulnerabilities", so an unset bool is never false.
func appendBool(query []param, key string, v *bool) []param {
	if v != nil {
		query = append(query, param{key, strconv.FormatBool(*v)})
	}
	return query
}

// listAll reads a whole list as one snapshot, or fails; identical lists
// in flight share one read, and its answer is kept like any other read's.
// See readList.
func listAll[T any](ctx context.Context, c *Client, scope Scope, segments []string, query []param,
	decode func(item *fields) (T, error), identity func(T) string,
) ([]T, error) {
	key := "LIST " + escapedPath(segments) + "?" + canonicalQuery(query) + "|" + scope.Region + "|" + scope.EnterpriseProjectID
	get := c.answers.get
	if isFresh(ctx) { // a poll: ask again, and keep the newer answer (scans.go)
		get = c.answers.refresh
	}
	v, err := get(key, func() (any, error) {
		return readList(ctx, c, c.listPages(scope, segments, query), nil, decode, identity)
	})
	if err != nil {
		return nil, err
	}
	records, _ := v.([]T)
	return records, nil
}

// pageReader reads the page of one list that starts at offset (limit
// ListPageSize).
type pageReader func(ctx context.Context, offset int64) (*object, error)

func (c *Client) listPages(scope Scope, segments []string, query []param) pageReader {
	return func(ctx context.Context, offset int64) (*object, error) {
		page := append(append([]param(nil), query...),
			param{"offset", strconv.FormatInt(offset, 10)}, param{"limit", strconv.Itoa(ListPageSize)})
		return c.readObject(ctx, &request{method: http.MethodGet, segments: segments, query: page, scope: scope, retry: retryRead})
	}
}

// readList reads a whole list as one snapshot, or fails. A walk pages
// through it from offset 0 until total_num records are read. Every page
// after the first starts at the last record of the page before (the
// offset advances by the records received, less one), and that record
// must be the one read there: a record deleted or inserted before it
// since, even with another inserted or deleted after it so that total_num
// holds, shifts it. The list changed while a walk read it when that
// record moved, total_num differs between pages, a page holds fewer
// records than total_num promises (an empty page before the end means the
// list shrank, not that it ended) or more than it leaves, or a record is
// read twice (by identity, or by its whole JSON when identity gives "").
// Then it is walked again, at most maxListWalks times in all. A change
// wholly on one side of a page boundary leaves what was read one
// consistent list: the part already read as it was, the rest as it is.
// total_num 0 with records, or above maxListRecords, is an error, and so
// is a walk longer than maxListPages. A list of total records costs
// listReadCost(total) requests when it holds still. first, when not nil,
// is the list's page at offset 0, read already: the first walk starts
// from it.
func readList[T any](ctx context.Context, c *Client, read pageReader, first *object,
	decode func(item *fields) (T, error), identity func(T) string,
) ([]T, error) {
	var changes []string
	var path string
	for n := 1; n <= maxListWalks; n++ {
		records, p, change, err := walkList(ctx, c, read, first, decode, identity)
		if err != nil {
			return nil, err
		}
		if change == "" {
			return records, nil
		}
		first, path = nil, p
		changes = append(changes, fmt.Sprintf("walk %d: %s", n, change))
	}
	return nil, &ListChangedError{Method: http.MethodGet, Path: path, Walks: maxListWalks, Changes: changes}
}

// listReadCost is the requests readList makes for a list of total
// records that holds still: one page, then one more for each ListPageSize
// − 1 records left (pages overlap by one record).
func listReadCost(total int64) int64 {
	if total <= ListPageSize {
		return 1
	}
	return 1 + (total-ListPageSize+ListPageSize-2)/(ListPageSize-1)
}

// walkList walks a list once from offset 0 (from first when not nil). It
// returns the records, the list's path as errors print it, and what
// changed during the walk ("" when nothing did), or an error: a failed
// request, a record that cannot be decoded, an answer that contradicts
// itself, a bound that ran out.
func walkList[T any](ctx context.Context, c *Client, read pageReader, first *object,
	decode func(item *fields) (T, error), identity func(T) string,
) (records []T, path string, change string, err error) {
	w := newListWalk(c, decode, identity)
	for {
		if w.pages >= maxListPages {
			return nil, "", "", fmt.Errorf("%s %s: the pages bound of one list read ran out: %d pages read, %d of the %d records total_num promises; narrow the filter",
				http.MethodGet, w.path, w.pages, len(w.records), w.total)
		}
		o := first
		if w.pages > 0 || o == nil {
			if o, err = read(ctx, w.offset); err != nil {
				return nil, "", "", err
			}
		}
		done, change, err := w.page(o)
		if err != nil {
			return nil, "", "", err
		}
		if done || change != "" {
			return w.records, w.path, change, nil
		}
	}
}

// listWalk is one walk through a list, a page at a time.
type listWalk[T any] struct {
	c        *Client
	decode   func(item *fields) (T, error)
	identity func(T) string
	records  []T
	seen     map[string]int64 // identity → position
	last     string           // identity of the last record read
	total    int64            // total_num of page 1
	offset   int64            // where the next page starts
	pages    int
	path     string // as errors print it
}

func newListWalk[T any](c *Client, decode func(item *fields) (T, error), identity func(T) string) *listWalk[T] {
	return &listWalk[T]{c: c, decode: decode, identity: identity, seen: map[string]int64{}}
}

// page takes in o, the page at w.offset. It reports whether the walk is
// done, or what changed ("" when nothing did), or an error.
func (w *listWalk[T]) page(o *object) (done bool, change string, err error) {
	w.pages++
	w.path = o.path
	total, err := parseCount(o.fields["total_num"])
	if err != nil {
		return false, "", o.fieldError("total_num", err)
	}
	items, err := rawList(o.fields["data_list"], total == 0)
	if err != nil {
		return false, "", o.fieldError("data_list", err)
	}
	if total == 0 && len(items) > 0 {
		return false, "", o.fieldError("total_num", fmt.Errorf("0, but data_list holds %d record%s", len(items), plural(len(items))))
	}
	if total > maxListRecords {
		return false, "", fmt.Errorf("%s %s: total_num is %d: more records than the records bound of one list read (%d; HSS pages no further than offset %d); narrow the filter",
			http.MethodGet, o.path, total, maxListRecords, MaxListOffset)
	}
	offset := w.offset
	if w.pages == 1 {
		w.total = total
	} else if total != w.total {
		return false, fmt.Sprintf("total_num was %d on page 1 but %d on page %d (offset %d)", w.total, total, w.pages, offset), nil
	}
	if want := min(int64(ListPageSize), total-offset); int64(len(items)) < want {
		return false, fmt.Sprintf("the page at offset %d holds %d records where total_num %d promises %d (the list shrank)", offset, len(items), total, want), nil
	}
	if int64(len(items)) > total-offset {
		return false, fmt.Sprintf("the page at offset %d holds %d records, more than the %d total_num %d leaves (the list grew)", offset, len(items), total-offset, total), nil
	}
	now := w.c.cfg.Now()
	for i, raw := range items {
		pos := offset + int64(i)
		f, err := decodeFields(raw)
		if err != nil {
			return false, "", o.fieldError(fmt.Sprintf("data_list[%d]", pos), err)
		}
		rec, err := w.decode(&fields{raw: f, prefix: fmt.Sprintf("data_list[%d].", pos), o: o, now: now})
		if err != nil {
			return false, "", err
		}
		id := w.identity(rec)
		if id == "" {
			id = abbreviate(canonicalJSON(raw))
		}
		id = "record " + id
		if i == 0 && w.pages > 1 { // the last record of the page before, read again
			if id != w.last {
				return false, fmt.Sprintf("position %d held %s on page %d but holds %s on page %d (records were deleted or inserted before it)",
					pos, w.last, w.pages-1, id, w.pages), nil
			}
			continue
		}
		if at, ok := w.seen[id]; ok {
			return false, fmt.Sprintf("%s was read twice (positions %d and %d)", id, at, pos), nil
		}
		w.seen[id] = pos
		w.records = append(w.records, rec)
		w.last = id
	}
	if w.offset += int64(len(items)); w.offset < total {
		w.offset-- // the next page starts with the last record of this one
		return false, "", nil
	}
	if int64(len(w.records)) != total { // every page held what total_num promised: cannot happen
		return false, "", fmt.Errorf("%s %s: %d records read, but total_num is %d", http.MethodGet, o.path, len(w.records), total)
	}
	return true, "", nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// canonicalJSON is raw with its objects' keys sorted and no white space,
// so that one record sent twice reads the same.
func canonicalJSON(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// The identities of list records: what makes two records one, for
// telling a record read twice. Only fields that do not change when an
// image is rescanned are used.
func registryIdentity(r ImageRecord) string {
	if r.ID != 0 {
		return fmt.Sprintf("id %d (%s)", r.ID, recordLabel(r))
	}
	if r.ImageID == "" && r.ImageDigest == "" {
		return ""
	}
	return fmt.Sprintf("image_id %q digest %q (%s, registry %q, instance %q)", r.ImageID, r.ImageDigest, recordLabel(r), r.RegistryName, r.InstanceID)
}

func localIdentity(r ImageRecord) string {
	host := cmp.Or(r.HostID, r.HostName)
	if r.ImageID == "" && host == "" {
		return ""
	}
	return fmt.Sprintf("image_id %q (%s) on host %q", r.ImageID, recordLabel(r), host)
}

func cicdIdentity(r ImageRecord) string {
	return fmt.Sprintf("image_id %q (%s)", r.ImageID, recordLabel(r))
}

func recordLabel(r ImageRecord) string {
	s := r.ImageName + ":" + r.ImageVersion
	if r.Namespace != "" {
		s = r.Namespace + "/" + s
	}
	return s
}

// rawList splits a JSON array. A missing or null list is only accepted when
// total_num says there is nothing to list.
func rawList(raw json.RawMessage, emptyOK bool) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		if emptyOK {
			return nil, nil
		}
		return nil, fmt.Errorf("missing, but total_num is not 0")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("want an array, got %s", abbreviate(string(raw)))
	}
	return items, nil
}

// fields is one list item being decoded; errors name the item's field.
// now is the client's clock when the page came, for judging times.
type fields struct {
	raw    map[string]json.RawMessage
	prefix string
	o      *object
	now    time.Time
	err    error
	// subject is what the item is about when it does not name its image
	// itself ("image shop/web:1.0", "vulnerability CNVD-2024-1"): every
	// error of the item ends with it. Empty for the image lists, whose
	// items name their image.
	subject string
}

func (f *fields) fail(name string, err error) {
	if f.err == nil {
		if f.subject != "" {
			err = fmt.Errorf("%w (%s)", err, f.subject)
		}
		f.err = f.o.fieldError(f.prefix+name, err)
	}
}

// str reads a string field; required ones must be present and non-empty.
func (f *fields) str(name string, required bool) string {
	s, err := stringField(f.raw, name, required)
	if err != nil {
		f.fail(name, err)
	}
	return s
}

// count reads an optional count: nil when absent or null.
func (f *fields) count(name string) *int64 {
	raw, ok := f.raw[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	n, err := parseCount(raw)
	if err != nil {
		f.fail(name, err)
		return nil
	}
	return &n
}

// millis reads an optional time in ms since the epoch; absent, null and 0
// are 0 (never). Any other value must be a plausible time (see
// timeFloor.plausible), or the item fails to decode, naming the field, the
// image, the value and what it would mean.
func (f *fields) millis(name string) int64 { return f.millisSince(name, scanTimes) }

// millisSince is millis with another floor than the scan times' one.
func (f *fields) millisSince(name string, floor timeFloor) int64 {
	n := f.count(name)
	if n == nil || *n == 0 {
		return 0
	}
	if err := floor.plausible(*n, f.now); err != nil {
		if f.subject != "" { // fail names it
			f.fail(name, fmt.Errorf("%d %w", *n, err))
		} else {
			f.fail(name, fmt.Errorf("%d (image %s) %w", *n, f.imageLabel(), err))
		}
		return 0
	}
	return *n
}

// timeFloor is the earliest plausible value of a kind of time, and what
// a time before it cannot be.
type timeFloor struct {
	earliest time.Time
	what     string
}

// scanTimes is the floor of the image lists' times.
var scanTimes = timeFloor{EarliestPlausibleTime, "a time HSS could have scanned"}

// plausible checks that ms is milliseconds since the epoch of a time HSS
// could have sent: not before the floor (EarliestPlausibleTime for scan
// times; a time in seconds lands in 1970) and not after now plus
// MaxClockSkew (one in microseconds lands tens of thousands of years
// ahead; a local time sent as UTC, hours ahead).
func (floor timeFloor) plausible(ms int64, now time.Time) error {
	t := time.UnixMilli(ms).UTC()
	nowText := now.UTC().Format(time.RFC3339)
	switch {
	case t.Year() > 9999:
		return fmt.Errorf("would be in the year %d, and now is %s: not milliseconds since the epoch", t.Year(), nowText)
	case t.Before(floor.earliest):
		return fmt.Errorf("is %s, before %s, and now is %s: not milliseconds since the epoch of %s",
			t.Format(time.RFC3339), floor.earliest.Format(time.RFC3339), nowText, floor.what)
	case t.After(now.Add(MaxClockSkew)):
		return fmt.Errorf("is %s, later than now (%s) plus the %s clock-skew allowance", t.Format(time.RFC3339), nowText, MaxClockSkew)
	}
	return nil
}

// imageLabel names the image of the item for an error, as far as the item
// says: namespace/name:version.
func (f *fields) imageLabel() string {
	get := func(name string) string {
		s, _ := stringField(f.raw, name, false)
		return s
	}
	s := cmp.Or(get("image_name"), "?") + ":" + cmp.Or(get("image_version"), "?")
	if ns := get("namespace"); ns != "" {
		s = ns + "/" + s
	}
	return s
}

// boolean reads an optional bool: true, false or their strings.
func (f *fields) boolean(name string) bool {
	raw, ok := f.raw[name]
	if !ok {
		return false
	}
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", `"false"`:
		return false
	case "true", `"true"`:
		return true
	}
	f.fail(name, fmt.Errorf("want a boolean, got %s", abbreviate(string(raw))))
	return false
}

// common reads the fields the three lists share.
func (f *fields) common(rec *ImageRecord) {
	rec.ImageID = f.str("image_id", false)
	rec.ImageName = f.str("image_name", true)
	rec.ImageVersion = f.str("image_version", true)
	rec.ImageDigest = f.str("image_digest", false)
	rec.ScanStatus = f.str("scan_status", true)
	rec.ScanFailedDesc = f.str("scan_failed_desc", false)
	rec.ImageSize = f.count("image_size")
	rec.LatestUpdateTime = f.millis("latest_update_time")
	rec.LatestScanTime = f.millis("latest_scan_time")
	rec.VulNum = f.count("vul_num")
	rec.UnsafeSettingNum = f.count("unsafe_setting_num")
	rec.MaliciousFileNum = f.count("malicious_file_num")
	rec.SeverityLevel = f.str("severity_level", false)
}

func decodeRegistryImage(f *fields) (ImageRecord, error) {
	var rec ImageRecord
	f.common(&rec)
	if id := f.count("id"); id != nil {
		rec.ID = *id
	}
	rec.ImageType = f.str("image_type", false) // the SDK has it; callers that filtered by type may fill it in
	rec.Namespace = f.str("namespace", false)
	rec.RegistryName = f.str("registry_name", false)
	rec.RegistryID = f.str("registry_id", false)
	rec.RegistryType = f.str("registry_type", false)
	rec.InstanceID = f.str("instance_id", false)
	rec.InstanceName = f.str("instance_name", false)
	rec.InstanceURL = f.str("instance_url", false)
	rec.LatestVersion = f.boolean("latest_version")
	rec.ScanFailedCode = f.str("scan_failed_code", false)
	rec.MultiArch = f.boolean("is_multiple_arch")
	if raw, ok := f.raw["association_images"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		items, err := rawList(raw, true)
		if err != nil {
			f.fail("association_images", err)
		}
		for i, item := range items {
			af, err := decodeFields(item)
			if err != nil {
				f.fail(fmt.Sprintf("association_images[%d]", i), err)
				break
			}
			a := &fields{raw: af, prefix: fmt.Sprintf("%sassociation_images[%d].", f.prefix, i), o: f.o, now: f.now}
			arch := ArchImage{
				ImageID:          a.str("image_id", false),
				ImageDigest:      a.str("image_digest", false),
				ScanStatus:       a.str("scan_status", true),
				VulNum:           a.count("vul_num"),
				UnsafeSettingNum: a.count("unsafe_setting_num"),
				MaliciousFileNum: a.count("malicious_file_num"),
			}
			if id := a.count("id"); id != nil {
				arch.ID = *id
			}
			if a.err != nil && f.err == nil {
				f.err = a.err
			}
			rec.Architectures = append(rec.Architectures, arch)
		}
	}
	return rec, f.err
}

func decodeLocalImage(f *fields) (ImageRecord, error) {
	rec := ImageRecord{ImageType: "local_image"}
	f.common(&rec)
	rec.HostName = f.str("host_name", false)
	rec.HostID = f.str("host_id", false)
	return rec, f.err
}

func decodeCicdImage(f *fields) (ImageRecord, error) {
	rec := ImageRecord{ImageType: "cicd"}
	f.common(&rec)
	rec.ImageID = f.str("image_id", true)
	rec.Namespace = f.str("namespace", false)
	rec.RegistryName = f.str("registry_name", false)
	rec.CICDName = f.str("cicd_name", false)
	rec.LatestVersion = f.boolean("latest_version")
	rec.ScanFailedCode = f.str("scan_failed_code", false)
	return rec, f.err
}
