package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	if o := strings.Join(p.offsets(), " "); o != "0/200 200/200 400/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

func TestListExactMultipleOfThePageSizeAsksNoEmptyPage(t *testing.T) {
	p := &pager{records: records(400)}
	if _, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{}); err != nil {
		t.Fatal(err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 200/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// Short pages advance the offset by what was received, not by the limit.
func TestListShortPagesAdvanceByWhatCame(t *testing.T) {
	p := &pager{records: records(250), page: func(_ int, items []string) []string { return items[:min(len(items), 120)] }}
	got, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("got %d records, want 250", len(got))
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 120/200 240/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
	}
}

// An empty page ends the walk even when total_num promised more.
func TestListStopsAtAnEmptyPage(t *testing.T) {
	p := &pager{records: records(300), total: 1000}
	got, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 300 {
		t.Fatalf("got %d records, want 300", len(got))
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 200/200 300/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
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

// Beyond the documented offset limit HSS cannot list the rest: an error,
// never a truncated list.
func TestListBeyondTheOffsetLimitFails(t *testing.T) {
	defer func(old int64) { maxListOffset = old }(maxListOffset)
	maxListOffset = 400
	p := &pager{records: records(700)}
	_, err := listClient(t, p).ListRegistryImages(context.Background(), Scope{}, RegistryImageQuery{})
	if err == nil || !strings.Contains(err.Error(), "700 records match, more than HSS pages through (offset at most 400); narrow the filter") {
		t.Fatalf("got %v", err)
	}
	if o := strings.Join(p.offsets(), " "); o != "0/200 200/200 400/200" {
		t.Fatalf("offset/limit of the requests: %s", o)
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
		t.Fatalf("%d list requests, want 2", n)
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
