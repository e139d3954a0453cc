package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// pager serves an image list from records, recording every query; page
// may shorten or empty a page.
type pager struct {
	mu      sync.Mutex
	queries []url.Values
	total   int // total_num to report; len(records) when 0
	records []string
	page    func(offset int, items []string) []string
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.queries = append(p.queries, q)
	p.mu.Unlock()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	var items []string
	if offset < len(p.records) {
		items = p.records[offset:min(len(p.records), offset+limit)]
	}
	if p.page != nil {
		items = p.page(offset, items)
	}
	total := p.total
	if total == 0 {
		total = len(p.records)
	}
	fmt.Fprintf(w, `{"total_num": %d, "data_list": [%s]}`, total, strings.Join(items, ","))
}

func (p *pager) offsets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, q := range p.queries {
		out = append(out, q.Get("offset")+"/"+q.Get("limit"))
	}
	return out
}

func records(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"id": %d, "image_type": "private_image", "namespace": "shop", "image_name": "web-%d", "image_version": "1", "scan_status": "success", "vul_num": "%d"}`, i, i, i)
	}
	return out
}

func listClient(t testing.TB, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: "p1", Credentials: Credentials{Token: "t"}, RetryWaitMin: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListPagesUntilTotal(t *testing.T) {
	p := &pager{records: records(450)}
	got, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 450 || got[449].ImageName != "web-449" || *got[449].VulNum != 449 {
		t.Fatalf("got %d records, last %+v", len(got), got[len(got)-1])
	}
	// Each page after the first starts at the last record of the one
	// before.
	if o := strings.Join(p.offsets(), " "); o != "0/200 199/200 398/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

func TestListExactMultipleOfThePageSizeAsksNoEmptyPage(t *testing.T) {
	p := &pager{records: records(398)}
	if _, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{}); err != nil {
		t.Fatal(err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 199/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// listReadCost, which the CVE chooser trusts, is what a walk of a list
// that holds still costs: ⌈n/200⌉ = k requests, one more only when n is
// within k−2 of 200k (400; 599 and 600; 798 to 800; ...).
func TestListReadCostIsWhatAWalkCosts(t *testing.T) {
	for _, n := range []int{0, 1, 200, 201, 398, 399, 400, 401, 597, 598, 599, 600, 601, 1000} {
		p := &pager{records: records(n)}
		if _, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{}); err != nil {
			t.Fatal(err)
		}
		got, pages := len(p.offsets()), max(1, (n+ListPageSize-1)/ListPageSize)
		if int64(got) != listReadCost(int64(n)) {
			t.Errorf("%d records: %d requests, listReadCost says %d", n, got, listReadCost(int64(n)))
		}
		if extra := n >= 199*pages+2; got != pages+map[bool]int{true: 1}[extra] { // 400, 599, 600, 997-1000 here
			t.Errorf("%d records: %d requests, ⌈n/200⌉ = %d", n, got, pages)
		}
	}
}

func TestListEmpty(t *testing.T) {
	for name, body := range map[string]string{
		"empty list": `{"total_num": 0, "data_list": []}`,
		"no list":    `{"total_num": "0"}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
			got, err := c.ListCicdImages(context.Background(), Scope{}, CicdImageQuery{})
			if err != nil || len(got) != 0 {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func TestListSendsOnlySetFilters(t *testing.T) {
	p := &pager{}
	c := listClient(t, p)
	ctx := context.Background()
	s := func(v string) *string { return &v }
	f := false
	if _, err := c.ListRegistryImages(ctx, Scope{EnterpriseProjectID: "all_granted_eps"}, RegistryImageQuery{ImageType: s("private_image"), ImageName: s("web"), LatestVersion: &f}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListImageLocal(ctx, Scope{}, LocalImageQuery{ImageVersion: s("1.0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListCicdImages(ctx, Scope{}, CicdImageQuery{ImageID: s("cicd-1")}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"enterprise_project_id=all_granted_eps&image_name=web&image_type=private_image&latest_version=false&limit=200&offset=0",
		"limit=200&offset=0", // image_version alone is ignored by HSS, so it is not sent
		"image_id=cicd-1&limit=200&offset=0",
	}
	for i, q := range p.queries {
		if got := q.Encode(); got != want[i] {
			t.Errorf("request %d: query %s, want %s", i, got, want[i])
		}
	}
}

func TestListDecoding(t *testing.T) {
	item := func(extra string) string {
		return `{"total_num": 2, "data_list": [{"image_type": "private_image", "image_name": "ok", "image_version": "1", "scan_status": "success"},
			{"image_type": "private_image", "image_name": "web", "image_version": "1", "scan_status": "success"` + extra + `}]}`
	}
	for _, tc := range []struct {
		name, body, wantErr string
	}{
		{"count as a word", item(`, "vul_num": "many"`), `field data_list[1].vul_num: want a non-negative integer or numeric string, got "many"`},
		{"negative count", item(`, "malicious_file_num": -1`), `field data_list[1].malicious_file_num: want a non-negative integer`},
		{"fractional time", item(`, "latest_scan_time": 1.5`), `field data_list[1].latest_scan_time`},
		{"status missing", `{"total_num": 1, "data_list": [{"image_type": "private_image", "image_name": "web", "image_version": "1"}]}`, `field data_list[0].scan_status: missing`},
		{"status not a string", item(`, "scan_status": 3`), `field data_list[1].scan_status: want a string, got 3`},
		{"bool as a number", item(`, "latest_version": 1`), `field data_list[1].latest_version: want a boolean, got 1`},
		{"arch without status", item(`, "association_images": [{"image_id": "a"}]`), `field data_list[1].association_images[0].scan_status: missing`},
		{"total missing", `{"data_list": []}`, `field total_num: missing`},
		{"list missing", `{"total_num": 3}`, `field data_list: missing, but total_num is not 0`},
		{"list not a list", `{"total_num": 1, "data_list": {}}`, `field data_list: want an array`},
		{"item not an object", `{"total_num": 1, "data_list": [7]}`, `field data_list[0]:`},
		{"name empty", item(`, "image_name": ""`), `field data_list[1].image_name: empty`},
		{"version missing", `{"total_num": 1, "data_list": [{"image_name": "web", "scan_status": "success"}]}`, `field data_list[0].image_version: missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, tc.body) }))
			_, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want a decode error with %q", err, tc.wantErr)
			}
		})
	}
}

// A CI/CD image record without its image id is an error, never a record
// with an empty id.
func TestListCicdImageNeedsItsID(t *testing.T) {
	body := `{"total_num": 1, "data_list": [{"image_name": "web", "image_version": "1", "scan_status": "success"}]}`
	c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
	_, err := c.ListCicdImages(context.Background(), Scope{}, CicdImageQuery{})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "field data_list[0].image_id: missing") {
		t.Fatalf("got %v, want a decode error naming image_id", err)
	}
}

func TestListKeepsAnUnknownScanStatusVerbatim(t *testing.T) {
	body := `{"total_num": "1", "data_list": [{"image_type": "private_image", "image_name": "web", "image_version": "1", "scan_status": "quarantined",
		"vul_num": "4", "latest_scan_time": "1767225600000", "latest_version": "true", "is_multiple_arch": true,
		"association_images": [{"image_id": "a", "image_digest": "sha256:aa", "scan_status": "failed"}]}]}`
	c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
	got, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if r.ScanStatus != "quarantined" || Scanned(r.ScanStatus) || *r.VulNum != 4 || r.LatestScanTime != 1767225600000 || !r.LatestVersion ||
		!r.MultiArch || len(r.Architectures) != 1 || r.Architectures[0].ScanStatus != "failed" || r.UnsafeSettingNum != nil {
		t.Fatalf("got %+v", r)
	}
}

// Against the simulator: a substring filter matches 231 images, the exact
// one on the second page; the client reads both pages.
func TestListRegistryImagesFromTheSimulator(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	sim.SetStringCounts(true)
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: sim.ProjectID(), Credentials: Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	got, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{Namespace: s("mirror"), ImageName: s("redis"), ImageVersion: s("7.2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != simulator.DecoyCount+1 || got[len(got)-1].ImageName != "redis" || got[len(got)-1].ImageVersion != "7.2" {
		t.Fatalf("got %d records", len(got))
	}
	if n := sim.Count(simulator.RegistryImages); n != 2 {
		t.Fatalf("%d list requests, want 2: two pages", n)
	}
	local, err := c.ListImageLocal(context.Background(), Scope{}, LocalImageQuery{ImageName: s("redis"), ImageVersion: s("7.2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 2 || local[0].HostName == local[1].HostName || local[0].ImageDigest != local[1].ImageDigest {
		b, _ := json.Marshal(local)
		t.Fatalf("want one record per host with one digest, got %s", b)
	}
}

// --- Issue 15: a list is read as one snapshot or not at all. ---

// script answers the n-th request (from 1) with body(n, offset).
type script struct {
	mu      sync.Mutex
	queries []string
	body    func(n, offset int) string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	s.mu.Lock()
	s.queries = append(s.queries, r.URL.Query().Get("offset"))
	n := len(s.queries)
	s.mu.Unlock()
	fmt.Fprint(w, s.body(n, offset))
}

func (s *script) offsets() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.queries, " ")
}

// page is a list answer: total_num and the records from offset, at most
// ListPageSize of them.
func page(total int, recs []string, offset int) string {
	var items []string
	if offset < len(recs) {
		items = recs[offset:min(len(recs), offset+ListPageSize)]
	}
	return fmt.Sprintf(`{"total_num": %d, "data_list": [%s]}`, total, strings.Join(items, ","))
}

func simListClient(t testing.TB, opts simulator.Options) (*simulator.Simulator, *Client) {
	t.Helper()
	sim := simulator.New(opts)
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: sim.ProjectID(), Credentials: Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func simOffsets(sim *simulator.Simulator, e simulator.Endpoint) string {
	var out []string
	for _, r := range sim.Requests() {
		if r.Endpoint == e {
			out = append(out, r.Query.Get("offset"))
		}
	}
	return strings.Join(out, " ")
}

func filler(n int, f func(i int) simulator.Image) []simulator.Image {
	out := make([]simulator.Image, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func str(s string) *string { return &s }

// deleteAfterPage1 deletes the image with id once the first page of a
// list was served, and appends add (when set) at the same time.
func deleteAfterPage1(id string, add *simulator.Image) simulator.ListHooks {
	return simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		if p.Number != 1 {
			return images
		}
		for i := range images {
			if images[i].ID == id {
				images = append(images[:i], images[i+1:]...)
				break
			}
		}
		if add != nil {
			images = append(images, *add)
		}
		return images
	}}
}

// redisOnTheBoundary: 199 local images matching redis/7.2, then redis:7.2
// on node-a and on node-b, node-b's record the 201st: the first of page 2.
func redisOnTheBoundary() []simulator.Image {
	images := filler(199, func(i int) simulator.Image {
		return simulator.Image{ID: fmt.Sprintf("img-cache-%03d", i), Type: "local_image", EnterpriseProjectID: "0",
			Name: fmt.Sprintf("redis-cache-%03d", i), Version: "7.2", ScanStatus: "success", ScanAge: time.Hour,
			Hosts: []simulator.Host{{Name: fmt.Sprintf("node-x%03d", i), ID: fmt.Sprintf("host-x%03d", i)}}}
	})
	return append(images, simulator.Image{ID: "img-redis", Type: "local_image", EnterpriseProjectID: "0", Name: "redis", Version: "7.2",
		ScanStatus: "success", ScanAge: time.Hour,
		Hosts: []simulator.Host{{Name: "node-a", ID: "host-a"}, {Name: "node-b", ID: "host-b", ScanStatus: "failed"}}})
}

func hostsOf(records []ImageRecord, name string) []string {
	var out []string
	for _, r := range records {
		if r.ImageName == name {
			out = append(out, r.HostName+"="+r.ScanStatus)
		}
	}
	return out
}

// An unrelated record deleted between page 1 and page 2 moves the record
// at the boundary onto page 1, which was read already. total_num changed:
// the list is walked again, and the second walk, one page, is the answer.
func TestListTotalChangeWalksAgain(t *testing.T) {
	sim, c := simListClient(t, simulator.Options{Images: redisOnTheBoundary()})
	sim.SetListHooks(simulator.LocalImages, deleteAfterPage1("img-cache-007", nil))
	got, err := c.ListImageLocal(context.Background(), Scope{}, LocalImageQuery{ImageName: str("redis"), ImageVersion: str("7.2")})
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(hostsOf(got, "redis"), " "); h != "node-a=success node-b=failed" || len(got) != 200 {
		t.Fatalf("%d records, redis on %s; want 200 and both hosts", len(got), h)
	}
	if o := simOffsets(sim, simulator.LocalImages); o != "0 199 0" {
		t.Fatalf("offsets %s, want 0 199 0", o)
	}
}

// The same deletion with another image pushed at once: total_num holds
// and no record is read twice, but the failed web-b, first on page 2,
// moves onto page 1, read already. Page 2 starts at the last record of
// page 1 (web-a), and finds web-b there: the walk saw the list shift and
// walks again; the second walk holds still.
func TestListOverlapCatchesACompensatedChange(t *testing.T) {
	img := func(id, name, status string) simulator.Image {
		return simulator.Image{ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "bulk", Name: name, Version: "5.0",
			ScanStatus: status, ScanAge: time.Hour}
	}
	images := filler(199, func(i int) simulator.Image {
		return img(fmt.Sprintf("img-svc-%03d", i), fmt.Sprintf("svc-%03d", i), "success")
	})
	images = append(images, img("img-web-a", "web", "success"), img("img-web-b", "web", "failed"))
	pushed := img("img-svc-new", "svc-new", "success")
	sim, c := simListClient(t, simulator.Options{Images: images})
	sim.SetListHooks(simulator.RegistryImages, deleteAfterPage1("img-svc-000", &pushed))
	got, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{Namespace: str("bulk")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ImageID)
	}
	if len(got) != 201 || ids[0] != "img-svc-001" || !slices.Contains(ids, "img-web-b") || ids[200] != "img-svc-new" {
		t.Fatalf("%d records: %v ... %v", len(got), ids[:2], ids[197:])
	}
	if o := simOffsets(sim, simulator.RegistryImages); o != "0 199 0 199" {
		t.Fatalf("offsets %s, want two walks of two pages", o)
	}
}

// A record inserted before the boundary between two pages pushes the
// records of page 1 on by one: page 2 starts with the last record but one
// of page 1, not the last. That is a change.
func TestListRecordReadTwiceWalksAgain(t *testing.T) {
	before := records(250)
	after := append([]string{`{"id": 1000, "image_type": "private_image", "namespace": "shop", "image_name": "new", "image_version": "1", "scan_status": "success"}`}, before[:249]...)
	s := &script{body: func(n, offset int) string {
		if n == 1 {
			return page(250, before, offset)
		}
		return page(250, after, offset)
	}}
	got, err := listClient(t, s).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.ImageName] {
			t.Fatalf("%s read twice", r.ImageName)
		}
		seen[r.ImageName] = true
	}
	if len(got) != 250 || got[0].ImageName != "new" || got[249].ImageName != "web-248" {
		t.Fatalf("%d records, first %s, last %s", len(got), got[0].ImageName, got[len(got)-1].ImageName)
	}
	if o := s.offsets(); o != "0 199 0 199" {
		t.Fatalf("offsets %s", o)
	}
}

// A record deleted before the boundary and another appended, between the
// two pages of every walk: total_num holds and nothing is read twice, but
// page 2 never starts with the record page 1 ended with. Three walks, then
// an error that says where the list shifted. (Without the overlap, each
// walk would have lost web-200 and looked whole.)
func TestListShiftOnEveryWalkFailsClosed(t *testing.T) {
	recs := records(251)
	s := &script{body: func(_, offset int) string {
		if offset == 0 {
			return page(250, recs[:250], 0)
		}
		return page(250, recs[1:], offset)
	}}
	_, err := listClient(t, s).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	var ce *ListChangedError
	want := "walk 3: position 199 held record id 199 (shop/web-199:1) on page 1 but holds record id 200 (shop/web-200:1) on page 2 (records were deleted or inserted before it)"
	if !errors.As(err, &ce) || len(ce.Changes) != 3 || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v", err)
	}
	if o := s.offsets(); o != "0 199 0 199 0 199" {
		t.Fatalf("offsets %s", o)
	}
}

// An empty page before total_num is reached means the list shrank while
// it was read: a change, not the end of the list. (Before issue 15 the
// walk ended there and returned what it had; TestListStopsAtAnEmptyPage
// asked whether it should.) A list that does so on every walk fails.
func TestListEmptyPageBeforeTheTotalIsAChange(t *testing.T) {
	p := &pager{records: records(400), total: 1000}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	var ce *ListChangedError
	if !errors.As(err, &ce) || ce.Walks != 3 ||
		!strings.Contains(err.Error(), "walk 1: the page at offset 398 holds 2 records where total_num 1000 promises 200 (the list shrank)") {
		t.Fatalf("got %v", err)
	}
	if o := strings.Join(p.offsets(), " "); o != strings.TrimSpace(strings.Repeat("0/200 199/200 398/200 ", 3)) {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// A page shorter than total_num promises is a change too: the page and
// its own total_num disagree.
func TestListShortPageIsAChange(t *testing.T) {
	p := &pager{records: records(250), page: func(_ int, items []string) []string { return items[:min(len(items), 120)] }}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "the page at offset 0 holds 120 records where total_num 250 promises 200 (the list shrank)") {
		t.Fatalf("got %v", err)
	}
}

// More records than total_num leaves: the list grew after it was counted.
func TestListPageLongerThanTheTotalIsAChange(t *testing.T) {
	p := &pager{records: records(5), total: 3}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "the page at offset 0 holds 5 records, more than the 3 total_num 3 leaves (the list grew)") {
		t.Fatalf("got %v", err)
	}
}

// total_num 0 with records contradicts itself: an error at once.
func TestListTotalZeroWithRecordsIsAnError(t *testing.T) {
	s := &script{body: func(int, int) string { return `{"total_num": "0", "data_list": [` + records(1)[0] + `]}` }}
	_, err := listClient(t, s).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "field total_num: 0, but data_list holds 1 record") {
		t.Fatalf("got %v", err)
	}
	if o := s.offsets(); o != "0" {
		t.Fatalf("offsets %s, want one request", o)
	}
}

// The same record twice in every walk (HSS listing it twice) is no
// snapshot either.
func TestListRecordTwiceInEveryWalkFailsClosed(t *testing.T) {
	s := &script{body: func(int, int) string {
		return `{"total_num": 2, "data_list": [` + records(6)[5] + "," + records(6)[5] + `]}`
	}}
	_, err := listClient(t, s).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "HSS's list kept changing while it was read") ||
		!strings.Contains(err.Error(), "walk 3: record id 5 (shop/web-5:1) was read twice (positions 0 and 1)") {
		t.Fatalf("got %v", err)
	}
}

// What makes two records one: the repository list's record id (else the
// image id, digest, registry and name); a local record's image id, name,
// tag and host; a CI/CD image's id and name; otherwise the whole record.
func TestListRecordIdentity(t *testing.T) {
	local := func(host string) string {
		return `{"image_id": "sha256:aa", "image_name": "redis", "image_version": "7.2", "scan_status": "success", "host_id": "` + host + `"}`
	}
	for _, tc := range []struct {
		name   string
		list   func(*Client) error
		body   string
		twiceB bool
	}{
		{"local, two hosts", nil, local("h1") + "," + local("h2"), false},
		{"local, one host twice", nil, local("h1") + "," + local("h1"), true},
		{"local, two tags of one image on one host", nil, local("h1") + "," + strings.Replace(local("h1"), `"7.2"`, `"latest"`, 1), false},
		{"cicd, one id twice", func(c *Client) error {
			_, err := c.ListCicdImages(context.Background(), Scope{}, CicdImageQuery{})
			return err
		},
			`{"image_id": "c1", "image_name": "a", "image_version": "1", "scan_status": "success"},{"image_id": "c1", "image_name": "a", "image_version": "1", "scan_status": "failed"}`, true},
		{"repository without ids, two names", func(c *Client) error {
			_, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			return err
		},
			`{"image_name": "a", "image_version": "1", "scan_status": "success"},{"image_name": "b", "image_version": "1", "scan_status": "success"}`, false},
		{"repository without ids, one record twice", func(c *Client) error {
			_, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			return err
		},
			`{"image_name": "a", "image_version": "1", "scan_status": "success"}, {"scan_status": "success", "image_version": "1",  "image_name": "a"}`, true},
		{"repository, two ids of one image", func(c *Client) error {
			_, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			return err
		},
			`{"id": 1, "image_name": "a", "image_version": "1", "scan_status": "success"},{"id": 2, "image_name": "a", "image_version": "1", "scan_status": "failed"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"total_num": 2, "data_list": [` + tc.body + `]}`
			c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
			list := tc.list
			if list == nil {
				list = func(c *Client) error {
					_, err := c.ListImageLocal(context.Background(), Scope{}, LocalImageQuery{})
					return err
				}
			}
			err := list(c)
			if tc.twiceB != (err != nil && strings.Contains(err.Error(), "was read twice")) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// A list that grows by a page on every page (150 times over, as a hostile
// HSS did) ends after three walks of two pages, each of which saw
// total_num change. Before issue 15 it was followed for 152 pages.
func TestListGrowingTotalEndsFast(t *testing.T) {
	app := func(n int) simulator.Image {
		return simulator.Image{ID: fmt.Sprintf("img-grow-%05d", n), Type: "private_image", EnterpriseProjectID: "0", Namespace: "grow",
			Name: fmt.Sprintf("app-%05d", n), Version: "1", ScanStatus: "success", ScanAge: time.Hour}
	}
	sim, c := simListClient(t, simulator.Options{Images: filler(201, app)})
	sim.SetListHooks(simulator.RegistryImages, simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		if p.Number > 150 {
			return images
		}
		return append(images, filler(200, func(i int) simulator.Image { return app(1000 + p.Number*200 + i) })...)
	}})
	start := time.Now()
	_, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{Namespace: str("grow")})
	took := time.Since(start)
	n := sim.Count(simulator.RegistryImages)
	t.Logf("%d pages in %s", n, took.Round(time.Millisecond))
	var ce *ListChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "walk 1: total_num was 201 on page 1 but 401 on page 2 (offset 199)") ||
		!strings.Contains(err.Error(), "walk 3: total_num was 1001 on page 1 but 1201 on page 2 (offset 199)") {
		t.Fatalf("got %v", err)
	}
	if n != 6 {
		t.Fatalf("%d pages read, want 6", n)
	}
}

// A list that changes during every walk fails closed, and says how.
func TestListKeepsChangingFailsClosed(t *testing.T) {
	sim, c := simListClient(t, simulator.Options{Images: redisOnTheBoundary()})
	var gone []simulator.Image
	sim.SetListHooks(simulator.LocalImages, simulator.ListHooks{After: func(p simulator.ListPage, images []simulator.Image) []simulator.Image {
		if p.Offset == 0 {
			gone = images[:1:1]
			return images[1:]
		}
		return append(gone, images...)
	}})
	_, err := c.ListImageLocal(context.Background(), Scope{}, LocalImageQuery{ImageName: str("redis"), ImageVersion: str("7.2")})
	var ce *ListChangedError
	if !errors.As(err, &ce) || ce.Walks != 3 || len(ce.Changes) != 3 {
		t.Fatalf("got %#v", err)
	}
	want := "GET /v5/" + sim.ProjectID() + "/image/local-repositories: HSS's list kept changing while it was read: " +
		"3 walks from offset 0 (the most one read makes), none of them one consistent snapshot: " +
		"walk 1: total_num was 201 on page 1 but 200 on page 2 (offset 199); walk 2: total_num was 201 on page 1 but 200 on page 2 (offset 199); " +
		"walk 3: total_num was 201 on page 1 but 200 on page 2 (offset 199). Retry later, or narrow the filter so that the list fits on one page (200 records)"
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
}

// A list of one page is one answer, one snapshot: one request.
func TestListOnePageIsOneRequest(t *testing.T) {
	p := &pager{records: records(150)}
	if _, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{}); err != nil {
		t.Fatal(err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// total_num above the records bound is an error on the first page, never
// a truncated list; the error names the bound.
func TestListRecordsBound(t *testing.T) {
	defer func(old int64) { maxListRecords = old }(maxListRecords)
	maxListRecords = 400
	p := &pager{records: records(700)}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "total_num is 700: more records than the records bound of one list read (400; HSS pages no further than offset 2000000); narrow the filter") {
		t.Fatalf("got %v", err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// A walk reads at most maxListPages pages; the error names the bound.
func TestListPagesBound(t *testing.T) {
	defer func(old int) { maxListPages = old }(maxListPages)
	maxListPages = 2
	p := &pager{records: records(450)}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "the pages bound of one list read ran out: 2 pages read, 399 of the 450 records total_num promises; narrow the filter") {
		t.Fatalf("got %v", err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 199/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// --- Issue 15: scan times are proven, not trusted. ---

// Times are milliseconds since the epoch of a plausible date: absent,
// null and 0 are "never"; otherwise not before EarliestPlausibleTime and
// not after now plus MaxClockSkew, or a decode error naming the field, the
// image, the value, the time it would be and now.
func TestListTimesArePlausible(t *testing.T) {
	now := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	const rec = `{"id": 1, "image_id": "img-1", "image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0", "scan_status": "success"%s}`
	for _, tc := range []struct {
		name, field, value string
		want               int64
		wantErr            string
	}{
		{"absent", "", "", 0, ""},
		{"null", "latest_scan_time", "null", 0, ""},
		{"zero", "latest_scan_time", "0", 0, ""},
		{"zero as a string", "latest_scan_time", `"0"`, 0, ""},
		{"a year ago", "latest_scan_time", ms(now.AddDate(-1, 0, 0)), now.AddDate(-1, 0, 0).UnixMilli(), ""},
		{"2015-01-01 exactly", "latest_scan_time", ms(EarliestPlausibleTime), EarliestPlausibleTime.UnixMilli(), ""},
		{"now plus the allowance", "latest_scan_time", `"` + ms(now.Add(MaxClockSkew)) + `"`, now.Add(MaxClockSkew).UnixMilli(), ""},
		{"a millisecond before 2015", "latest_scan_time", strconv.FormatInt(EarliestPlausibleTime.UnixMilli()-1, 10), 0,
			"field data_list[0].latest_scan_time: 1420070399999 (image shop/web:2.0) is 2014-12-31T23:59:59Z, before 2015-01-01T00:00:00Z, and now is 2026-11-30T11:00:00Z: not milliseconds since the epoch of a time HSS could have scanned"},
		{"seconds", "latest_scan_time", strconv.FormatInt(now.Unix(), 10), 0,
			"field data_list[0].latest_scan_time: 1796036400 (image shop/web:2.0) is 1970-01-21T18:53:56Z, before 2015-01-01T00:00:00Z"},
		{"microseconds", "latest_scan_time", strconv.FormatInt(now.UnixMicro(), 10), 0,
			"field data_list[0].latest_scan_time: 1796036400000000 (image shop/web:2.0) would be in the year 58884, and now is 2026-11-30T11:00:00Z: not milliseconds since the epoch"},
		{"nanoseconds", "latest_scan_time", strconv.FormatInt(now.UnixNano(), 10), 0, "would be in the year 56916097,"},
		{"8 hours ahead", "latest_scan_time", ms(now.Add(8 * time.Hour)), 0,
			"field data_list[0].latest_scan_time: 1796065200000 (image shop/web:2.0) is 2026-11-30T19:00:00Z, later than now (2026-11-30T11:00:00Z) plus the 5m0s clock-skew allowance"},
		{"a millisecond past the allowance", "latest_scan_time", strconv.FormatInt(now.Add(MaxClockSkew).UnixMilli()+1, 10), 0,
			"is 2026-11-30T11:05:00Z, later than now (2026-11-30T11:00:00Z) plus the 5m0s clock-skew allowance"},
		{"100 years ahead", "latest_scan_time", ms(now.AddDate(100, 0, 0)), 0, "is 2126-11-30T11:00:00Z, later than now (2026-11-30T11:00:00Z)"},
		{"update time ahead", "latest_update_time", ms(now.Add(time.Hour)), 0,
			"field data_list[0].latest_update_time: 1796040000000 (image shop/web:2.0) is 2026-11-30T12:00:00Z, later than now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := ""
			if tc.field != "" {
				extra = fmt.Sprintf(`, %q: %s`, tc.field, tc.value)
			}
			body := `{"total_num": 1, "data_list": [` + fmt.Sprintf(rec, extra) + `]}`
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
			t.Cleanup(srv.Close)
			c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: "p1", Credentials: Credentials{Token: "t"}, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			if tc.wantErr != "" {
				var de *DecodeError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want a decode error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.field == "latest_scan_time" && got[0].LatestScanTime != tc.want {
				t.Fatalf("latest_scan_time %d, want %d", got[0].LatestScanTime, tc.want)
			}
		})
	}
}

// Every list checks its times: local and CI/CD records too.
func TestListTimesArePlausibleInEveryList(t *testing.T) {
	now := time.Now()
	ahead := strconv.FormatInt(now.Add(time.Hour).UnixMilli(), 10)
	for name, list := range map[string]func(*Client) error{
		"local": func(c *Client) error {
			_, err := c.ListImageLocal(context.Background(), Scope{}, LocalImageQuery{})
			return err
		},
		"cicd": func(c *Client) error {
			_, err := c.ListCicdImages(context.Background(), Scope{}, CicdImageQuery{})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			body := `{"total_num": 1, "data_list": [{"image_id": "c1", "image_name": "runner", "image_version": "1.0", "scan_status": "success", "latest_scan_time": ` + ahead + `}]}`
			c := listClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
			err := list(c)
			if err == nil || !strings.Contains(err.Error(), "field data_list[0].latest_scan_time: "+ahead+" (image runner:1.0) is ") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// A walk that saw no change is the answer: the list as it was while that
// walk read it. Another walk that would read other records later plays
// no part (each page of the first walk here is consistent with the
// other), and the first walk that holds still after others changed is
// kept.
func TestListWalkThatHoldsStillIsTheAnswer(t *testing.T) {
	recs := records(260)
	for _, tc := range []struct {
		name    string
		body    func(n, offset int) string
		first   string
		offsets string
	}{
		{"the list changes between walks", func(n, offset int) string {
			walk := (n + 1) / 2 // two pages a walk
			return page(250, recs[walk:walk+250], offset)
		}, "web-1", "0 199"},
		{"the third walk is the first that holds still", func(n, offset int) string {
			if n <= 4 && offset > 0 {
				return page(251, recs[:250], offset) // total_num 251 on page 2 of walks 1 and 2
			}
			return page(250, recs[:250], offset)
		}, "web-0", "0 199 0 199 0 199"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{body: tc.body}
			got, err := listClient(t, s).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 250 || got[0].ImageName != tc.first {
				t.Fatalf("%d records, first %s", len(got), got[0].ImageName)
			}
			if o := s.offsets(); o != tc.offsets {
				t.Fatalf("offsets %s, want %s", o, tc.offsets)
			}
		})
	}
}
