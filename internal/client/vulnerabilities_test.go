package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// vulServer is HSS's three vulnerability routes over httptest: the
// per-image list (rows per pass), the CVEs of each vulnerability, and the
// tenant-wide list. Every request is recorded.
type vulServer struct {
	mu       sync.Mutex
	requests []*http.Request
	image    map[vulPass][]string // JSON rows of the image per pass
	cves     map[string][]string  // vul_id -> JSON CVE items
	global   []string             // JSON rows of the tenant-wide list
	total    func(r *http.Request, n int) int
	delay    time.Duration
	before   func()                    // called before answering, when set
	fail     func(r *http.Request) int // a status to answer with instead, 0 for none
}

func (s *vulServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
	if s.before != nil {
		s.before()
	}
	time.Sleep(s.delay)
	if s.fail != nil {
		if status := s.fail(r); status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error_code": "HSS.1000", "error_msg": "busy"}`)
			return
		}
	}
	q := r.URL.Query()
	var rows []string
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/v5/p1/image/vulnerability/") && strings.HasSuffix(p, "/cve"):
		rows = s.cves[strings.TrimSuffix(strings.TrimPrefix(p, "/v5/p1/image/vulnerability/"), "/cve")]
	case p == "/v5/p1/image/vulnerabilities":
		rows = s.global
	case strings.HasPrefix(p, "/v5/p1/image/") && strings.HasSuffix(p, "/vulnerabilities"):
		rows = s.image[vulPass{q.Get("type"), q.Get("handle_status")}]
	default:
		http.NotFound(w, r)
		return
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	var items []string
	if offset < len(rows) {
		items = rows[offset:min(len(rows), offset+limit)]
	}
	total := len(rows)
	if s.total != nil {
		total = s.total(r, total)
	}
	fmt.Fprintf(w, `{"total_num": %q, "data_list": [%s]}`, strconv.Itoa(total), strings.Join(items, ","))
}

// calls counts the requests whose path ends in suffix (and, when query is
// set, whose query has it).
func (s *vulServer) calls(suffix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasSuffix(r.URL.Path, suffix) {
			n++
		}
	}
	return n
}

func (s *vulServer) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
	}
	return out
}

func vulClient(t testing.TB, h http.Handler, now time.Time) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: "p1", Credentials: Credentials{Token: "t"},
		MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var vulNow = time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)

// vulRows is n rows of a pass; numbers as strings where HSS sends them so.
func vulRows(prefix string, n int, severity string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"vul_id": "%s-%03d", "repair_necessity": %q, "description": "d", "position": "sha256:layer%d", "app_name": "pkg%d", "app_path": "/usr/lib/pkg%d", "version": "1.%d", "solution": "upgrade", "url": "https://example.invalid/%d"}`,
			prefix, i, severity, i%3, i, i, i, i)
	}
	return out
}

var webQuery = ImageVulnerabilityQuery{ImageID: "img-web", ImageType: "private_image", Namespace: "shop", ImageName: "web", TagName: "1.0"}

// 450 rows in every pass: three pages each, every required parameter
// sent, every row labelled with its pass.
func TestImageVulnerabilitiesEveryPassEveryPage(t *testing.T) {
	s := &vulServer{image: map[vulPass][]string{
		{VulTypeLinux, HandleStatusUnhandled}: vulRows("LU", 450, SeverityImmediateRepair),
		{VulTypeLinux, HandleStatusHandled}:   vulRows("LH", 450, SeverityDelayRepair),
		{VulTypeApp, HandleStatusUnhandled}:   vulRows("AU", 450, SeverityCritical),
		{VulTypeApp, HandleStatusHandled}:     vulRows("AH", 450, SeverityLow),
	}}
	c := vulClient(t, s, vulNow)
	got, err := c.ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1800 {
		t.Fatalf("%d rows, want 1800", len(got))
	}
	for i, want := range []struct {
		id, typ, severity string
		handled           bool
	}{
		{"LU-000", VulTypeLinux, SeverityImmediateRepair, false},
		{"LH-000", VulTypeLinux, SeverityDelayRepair, true},
		{"AU-000", VulTypeApp, SeverityCritical, false},
		{"AH-000", VulTypeApp, SeverityLow, true},
	} {
		first, last := got[i*450], got[i*450+449]
		if first.VulID != want.id || first.Type != want.typ || first.Handled != want.handled || first.Severity != want.severity ||
			last.VulID != want.id[:3]+"449" || last.Type != want.typ || last.Handled != want.handled {
			t.Fatalf("pass %d: first %+v, last %+v", i, first, last)
		}
	}
	if r := got[451]; r.AppName != "pkg1" || r.Version != "1.1" || r.AppPath != "/usr/lib/pkg1" || r.Position != "sha256:layer1" ||
		r.Solution != "upgrade" || r.URL != "https://example.invalid/1" || r.Description != "d" {
		t.Fatalf("row fields: %+v", r)
	}
	byPass := map[string][]string{}
	for _, p := range s.paths() {
		u, _ := url.Parse(p)
		q := u.Query()
		if u.Path != "/v5/p1/image/img-web/vulnerabilities" || q.Get("image_type") != "private_image" || q.Get("namespace") != "shop" ||
			q.Get("image_name") != "web" || q.Get("tag_name") != "1.0" || q.Get("limit") != "200" || q.Has("instance_id") {
			t.Fatalf("request %s", p)
		}
		pass := q.Get("type") + "/" + q.Get("handle_status")
		byPass[pass] = append(byPass[pass], q.Get("offset"))
	}
	if len(byPass) != 4 {
		t.Fatalf("passes %v", byPass)
	}
	for pass, offsets := range byPass {
		if o := strings.Join(offsets, " "); o != "0 199 398" {
			t.Errorf("pass %s: offsets %s, want three pages, each overlapping the one before by a record", pass, o)
		}
	}
	// Kept for the client's lifetime: asking again sends nothing.
	if n := len(s.paths()); n != 4*3 {
		t.Fatalf("%d requests, want 12: 4 passes, 3 pages", n)
	}
	if _, err := c.ListImageVulnerabilities(context.Background(), Scope{}, webQuery); err != nil {
		t.Fatal(err)
	}
	if n := len(s.paths()); n != 12 {
		t.Fatalf("%d requests after asking again, want 12", n)
	}
}

// An empty namespace is still sent (HSS requires the parameter), and so is
// instance_id when set; an image without rows is an empty answer.
func TestImageVulnerabilitiesSendsTheRequiredParametersAlways(t *testing.T) {
	s := &vulServer{}
	q := ImageVulnerabilityQuery{ImageID: "c-1", ImageType: "cicd", ImageName: "runner", TagName: "2", InstanceID: str("ins-1")}
	got, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{EnterpriseProjectID: "all_granted_eps"}, q)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	paths := s.paths()
	if len(paths) != 4 {
		t.Fatalf("requests %v", paths)
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/v5/p1/image/c-1/vulnerabilities?enterprise_project_id=all_granted_eps&handle_status=") ||
			!strings.Contains(p, "&image_name=runner&image_type=cicd&instance_id=ins-1&limit=200&namespace=&offset=0&tag_name=2&type=") {
			t.Fatalf("request %s", p)
		}
	}
}

// The query of a list record sends the id the record gives for its image
// type in the path: a repository image's record id, a CI/CD image's
// image_id.
func TestImageRecordVulnerabilityQuery(t *testing.T) {
	got := ImageRecord{ID: 42, ImageID: "sha-id", ImageType: "instance_image", Namespace: "shop", ImageName: "web", ImageVersion: "1.0", InstanceID: "ins-1"}.VulnerabilityQuery()
	if got.ImageID != "42" || got.ImageType != "instance_image" || got.Namespace != "shop" || got.ImageName != "web" || got.TagName != "1.0" || *got.InstanceID != "ins-1" {
		t.Fatalf("got %+v", got)
	}
	if q := (ImageRecord{ImageID: "c-1", ImageType: "cicd", ImageName: "runner", ImageVersion: "2"}).VulnerabilityQuery(); q.InstanceID != nil || q.ImageID != "c-1" {
		t.Fatalf("got %+v", q)
	}
	_, err := vulClient(t, &vulServer{}, vulNow).ListImageVulnerabilities(context.Background(), Scope{},
		ImageRecord{ImageID: "sha-id", ImageType: "private_image", ImageName: "web", ImageVersion: "1"}.VulnerabilityQuery())
	if err == nil || !strings.Contains(err.Error(), "its list record has no id for it") {
		t.Fatalf("a repository record without its record id: got %v", err)
	}
	_, err = vulClient(t, &vulServer{}, vulNow).ListImageVulnerabilities(context.Background(), Scope{},
		ImageRecord{ID: 7, ImageType: "cicd", ImageName: "runner", ImageVersion: "2"}.VulnerabilityQuery())
	if err == nil || !strings.Contains(err.Error(), "its list record has no id for it") {
		t.Fatalf("a CI/CD record without image_id: got %v", err)
	}
}

func TestImageVulnerabilitiesRefusesWhatHSSCannotList(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    ImageVulnerabilityQuery
		want string
	}{
		{"local image", ImageVulnerabilityQuery{ImageID: "sha256:aa", ImageType: "local_image", ImageName: "redis", TagName: "7.2"},
			"listing the vulnerabilities of redis:7.2: HSS keeps no per-image vulnerability list for local images"},
		{"no image id", ImageVulnerabilityQuery{ImageType: "private_image", Namespace: "shop", ImageName: "web", TagName: "1.0"},
			"listing the vulnerabilities of shop/web:1.0 (private_image): its list record has no id for it"},
		{"no type", ImageVulnerabilityQuery{ImageID: "i", ImageName: "web", TagName: "1.0"}, "image_type is empty"},
		{"no tag", ImageVulnerabilityQuery{ImageID: "i", ImageType: "private_image", ImageName: "web"}, "image_name and tag_name are both required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &vulServer{}
			_, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, tc.q)
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(s.paths()) != 0 {
				t.Fatalf("got %v after %d requests, want %q and none", err, len(s.paths()), tc.want)
			}
		})
	}
}

// A row without vul_id or severity, an unknown severity, or a field of
// the wrong type is an error naming the field and the image (and the
// pass), never a skipped row or a lower severity.
func TestImageVulnerabilitiesBadRowsNameTheFieldAndTheImage(t *testing.T) {
	const good = `{"vul_id": "CVE-2024-0001", "repair_necessity": "delay_repair", "app_name": "zlib", "version": "1.2"}`
	for _, tc := range []struct {
		name, row, want string
	}{
		{"no vul_id", `{"repair_necessity": "immediate_repair"}`, "field data_list[1].vul_id: missing (image shop/web:1.0, type=app_vul handle_status=handled)"},
		{"empty vul_id", `{"vul_id": "", "repair_necessity": "immediate_repair"}`, "field data_list[1].vul_id: empty (image shop/web:1.0,"},
		{"vul_id a number", `{"vul_id": 7, "repair_necessity": "immediate_repair"}`, "field data_list[1].vul_id: want a string, got 7 (image shop/web:1.0,"},
		{"no severity", `{"vul_id": "X-1"}`, "field data_list[1].repair_necessity: missing (image shop/web:1.0,"},
		{"null severity", `{"vul_id": "X-1", "repair_necessity": null}`, "field data_list[1].repair_necessity: missing (image shop/web:1.0,"},
		{"unknown severity", `{"vul_id": "X-1", "repair_necessity": "urgent"}`,
			`field data_list[1].repair_necessity: "urgent" is not a severity HSS documents (immediate_repair, delay_repair, not_needed_repair, Critical, High, Medium, Low) (image shop/web:1.0, type=app_vul handle_status=handled)`},
		{"severity in another case", `{"vul_id": "X-1", "repair_necessity": "high"}`, `field data_list[1].repair_necessity: "high" is not a severity HSS documents`},
		{"severity with a space", `{"vul_id": "X-1", "repair_necessity": "High "}`, `field data_list[1].repair_necessity: "High " is not a severity`},
		{"severity a number", `{"vul_id": "X-1", "repair_necessity": 3}`, "field data_list[1].repair_necessity: want a string, got 3 (image shop/web:1.0,"},
		{"version a number", `{"vul_id": "X-1", "repair_necessity": "Low", "version": 1.2}`, "field data_list[1].version: want a string, got 1.2 (image shop/web:1.0,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &vulServer{image: map[vulPass][]string{{VulTypeApp, HandleStatusHandled}: {good, tc.row}}}
			_, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant a decode error with %q", err, tc.want)
			}
		})
	}
	t.Run("total_num negative", func(t *testing.T) {
		s := &vulServer{image: map[vulPass][]string{{VulTypeLinux, HandleStatusUnhandled}: {good}}}
		s.total = func(*http.Request, int) int { return -1 }
		_, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
		if err == nil || !strings.Contains(err.Error(), `field total_num: want a non-negative integer or numeric string, got "-1"`) {
			t.Fatalf("got %v", err)
		}
	})
}

// Both vocabularies are kept as HSS spells them; numbers as strings are
// numbers.
func TestImageVulnerabilitiesKeepsBothVocabularies(t *testing.T) {
	var rows []string
	for _, sev := range KnownSeverities {
		rows = append(rows, fmt.Sprintf(`{"vul_id": "V-%s", "repair_necessity": %q}`, sev, sev))
	}
	s := &vulServer{image: map[vulPass][]string{{VulTypeLinux, HandleStatusUnhandled}: rows}}
	got, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
	if err != nil {
		t.Fatal(err)
	}
	var sev []string
	for _, v := range got {
		sev = append(sev, v.Severity)
	}
	if !slices.Equal(sev, KnownSeverities) {
		t.Fatalf("severities %v", sev)
	}
}

// One row under two handle states (or two types) contradicts itself: an
// HSS that ignores the filter would label every row both ways.
func TestImageVulnerabilitiesRowInTwoPassesIsAnError(t *testing.T) {
	row := `{"vul_id": "CVE-2024-0001", "repair_necessity": "immediate_repair", "app_name": "openssl", "version": "3.0.1", "position": "sha256:l1"}`
	other := strings.Replace(row, "3.0.1", "3.0.2", 1) // another version: another row
	for _, tc := range []struct {
		name  string
		image map[vulPass][]string
		want  string
	}{
		{"handled and unhandled", map[vulPass][]string{
			{VulTypeLinux, HandleStatusUnhandled}: {row}, {VulTypeLinux, HandleStatusHandled}: {other, row},
		}, `GET /v5/{project_id}/image/img-web/vulnerabilities (image shop/web:1.0): HSS lists vul_id "CVE-2024-0001" (package "openssl" version "3.0.1" path "" layer "sha256:l1") ` +
			`under both handle_status unhandled and handle_status handled (passes type=linux_vul handle_status=unhandled and type=linux_vul handle_status=handled)`},
		{"linux and app", map[vulPass][]string{
			{VulTypeLinux, HandleStatusHandled}: {row}, {VulTypeApp, HandleStatusHandled}: {row},
		}, `under both type linux_vul and type app_vul`},
		{"filters ignored", map[vulPass][]string{
			{VulTypeLinux, HandleStatusUnhandled}: {row}, {VulTypeLinux, HandleStatusHandled}: {row},
			{VulTypeApp, HandleStatusUnhandled}: {row}, {VulTypeApp, HandleStatusHandled}: {row},
		}, `under both handle_status unhandled and handle_status handled`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := vulClient(t, &vulServer{image: tc.image}, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
		})
	}
	// The same vulnerability in two packages is two rows.
	s := &vulServer{image: map[vulPass][]string{{VulTypeLinux, HandleStatusUnhandled}: {row}, {VulTypeLinux, HandleStatusHandled}: {other}}}
	got, err := vulClient(t, s, vulNow).ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
	if err != nil || len(got) != 2 || got[0].Handled || !got[1].Handled {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// All three are reads: a 503 is asked again (with the client's limiter
// and breaker, as every HSS request).
func TestVulnerabilityReadsAreRetried(t *testing.T) {
	s := globalServer(5)
	s.image = map[vulPass][]string{{VulTypeApp, HandleStatusUnhandled}: vulRows("AU", 3, SeverityHigh)}
	var mu sync.Mutex
	failed := map[string]bool{}
	s.fail = func(r *http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		key := r.URL.Path + "?" + r.URL.Query().Get("type") + r.URL.Query().Get("handle_status") + r.URL.Query().Get("limit")
		if failed[key] {
			return 0
		}
		failed[key] = true
		return http.StatusServiceUnavailable
	}
	c := vulClient(t, s, vulNow)
	rows, err := c.ListImageVulnerabilities(context.Background(), Scope{}, webQuery)
	if err != nil || len(rows) != 3 || s.calls("/img-web/vulnerabilities") != 8 {
		t.Fatalf("got %d rows, %v after %d requests, want 3 after 8", len(rows), err, s.calls("/img-web/vulnerabilities"))
	}
	cves, err := c.ListVulnerabilityCve(context.Background(), Scope{}, "G-001")
	if err != nil || len(cves) != 1 || s.calls("/G-001/cve") != 2 {
		t.Fatalf("got %+v, %v after %d requests, want 2", cves, err, s.calls("/G-001/cve"))
	}
	global, err := c.ListGlobalVulnerabilities(context.Background(), Scope{}, GlobalVulnerabilityQuery{})
	if err != nil || len(global) != 5 || s.calls("/p1/image/vulnerabilities") != 2 {
		t.Fatalf("got %d rows, %v after %d requests, want 2", len(global), err, s.calls("/p1/image/vulnerabilities"))
	}
}

func TestVulnerabilityCveDecoding(t *testing.T) {
	s := &vulServer{cves: map[string][]string{"CNVD-2024/1": {
		`{"cve_id": "CVE-2021-45960", "cvss_score": 8.8, "description": "expat", "publish_time": 1641035700000}`,
		`{"cve_id": "CVE-2014-0160", "cvss_score": "7.5", "publish_time": "1396915200000"}`, // strings; before 2015
		`{"cve_id": "CVE-2025-0001", "cvss_score": 0}`,                                      // no publish time
	}}}
	got, err := vulClient(t, s, vulNow).ListVulnerabilityCve(context.Background(), Scope{}, "CNVD-2024/1")
	if err != nil {
		t.Fatal(err)
	}
	want := []CVE{
		{ID: "CVE-2021-45960", CVSS: 8.8, PublishTime: 1641035700000, Description: "expat"},
		{ID: "CVE-2014-0160", CVSS: 7.5, PublishTime: 1396915200000},
		{ID: "CVE-2025-0001"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v", got)
	}
	if p := s.paths(); len(p) != 1 || p[0] != "/v5/p1/image/vulnerability/CNVD-2024%2F1/cve?limit=200&offset=0" {
		t.Fatalf("requests %v", p)
	}
}

// A CVSS that is not a number from 0 to 10, or a CVE without its id, is an
// error naming the field and the vulnerability.
func TestVulnerabilityCveBadFieldsNameTheFieldAndTheVulnerability(t *testing.T) {
	for _, tc := range []struct {
		name, item, want string
	}{
		{"cvss missing", `{"cve_id": "CVE-1"}`, "field data_list[0].cvss_score: missing (vulnerability V-1)"},
		{"cvss null", `{"cve_id": "CVE-1", "cvss_score": null}`, "field data_list[0].cvss_score: want a CVSS score, a number from 0 to 10 or a string holding one, got null (vulnerability V-1)"},
		{"cvss a word", `{"cve_id": "CVE-1", "cvss_score": "high"}`, `field data_list[0].cvss_score: want a CVSS score, a number from 0 to 10 or a string holding one, got "high" (vulnerability V-1)`},
		{"cvss empty", `{"cve_id": "CVE-1", "cvss_score": ""}`, `field data_list[0].cvss_score: want a CVSS score`},
		{"cvss NaN", `{"cve_id": "CVE-1", "cvss_score": "NaN"}`, `got "NaN" (vulnerability V-1)`},
		{"cvss hex", `{"cve_id": "CVE-1", "cvss_score": "0x8"}`, `got "0x8" (vulnerability V-1)`},
		{"cvss a bool", `{"cve_id": "CVE-1", "cvss_score": true}`, `got true (vulnerability V-1)`},
		{"cvss scaled to 100", `{"cve_id": "CVE-1", "cvss_score": 88}`, "field data_list[0].cvss_score: 88 is not a CVSS score (0 to 10) (vulnerability V-1)"},
		{"cvss negative", `{"cve_id": "CVE-1", "cvss_score": "-1"}`, `field data_list[0].cvss_score: "-1" is not a CVSS score (0 to 10) (vulnerability V-1)`},
		{"no cve id", `{"cvss_score": 5}`, "field data_list[0].cve_id: missing (vulnerability V-1)"},
		{"publish time a word", `{"cve_id": "CVE-1", "cvss_score": 5, "publish_time": "soon"}`,
			`field data_list[0].publish_time: want a non-negative integer or numeric string, got "soon" (vulnerability V-1)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &vulServer{cves: map[string][]string{"V-1": {tc.item}}}
			_, err := vulClient(t, s, vulNow).ListVulnerabilityCve(context.Background(), Scope{}, "V-1")
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant a decode error with %q", err, tc.want)
			}
		})
	}
}

// Publish times are plausible milliseconds, with the list times' checks
// but a floor of 1980 (CVEs are older than HSS's scans): seconds land in
// 1970, microseconds tens of thousands of years ahead.
func TestVulnerabilityCvePublishTimesArePlausible(t *testing.T) {
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	for _, tc := range []struct {
		name, value string
		want        int64
		wantErr     string
	}{
		{"absent", "", 0, ""},
		{"null", "null", 0, ""},
		{"zero", `"0"`, 0, ""},
		{"1999", ms(time.Date(1999, 12, 30, 0, 0, 0, 0, time.UTC)), time.Date(1999, 12, 30, 0, 0, 0, 0, time.UTC).UnixMilli(), ""},
		{"1980-01-01 exactly", ms(EarliestPlausibleCVETime), EarliestPlausibleCVETime.UnixMilli(), ""},
		{"now plus the allowance", ms(vulNow.Add(MaxClockSkew)), vulNow.Add(MaxClockSkew).UnixMilli(), ""},
		{"a millisecond before 1980", strconv.FormatInt(EarliestPlausibleCVETime.UnixMilli()-1, 10), 0,
			"field data_list[0].publish_time: 315532799999 is 1979-12-31T23:59:59Z, before 1980-01-01T00:00:00Z, and now is 2026-11-30T11:00:00Z: not milliseconds since the epoch of a time a CVE could have been published (vulnerability V-1)"},
		{"seconds", "1641035700", 0, "field data_list[0].publish_time: 1641035700 is 1970-01-19T23:50:35Z, before 1980-01-01T00:00:00Z"},
		{"microseconds", "1641035700000000", 0, "field data_list[0].publish_time: 1641035700000000 would be in the year 53972, and now is 2026-11-30T11:00:00Z: not milliseconds since the epoch (vulnerability V-1)"},
		{"an hour ahead", ms(vulNow.Add(time.Hour)), 0,
			"field data_list[0].publish_time: 1796040000000 is 2026-11-30T12:00:00Z, later than now (2026-11-30T11:00:00Z) plus the 5m0s clock-skew allowance (vulnerability V-1)"},
		{"fractional", "1641035700000.5", 0, "field data_list[0].publish_time: want a non-negative integer or numeric string, got 1641035700000.5 (vulnerability V-1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			item := `{"cve_id": "CVE-1", "cvss_score": 5`
			if tc.value != "" {
				item += `, "publish_time": ` + tc.value
			}
			s := &vulServer{cves: map[string][]string{"V-1": {item + "}"}}}
			got, err := vulClient(t, s, vulNow).ListVulnerabilityCve(context.Background(), Scope{}, "V-1")
			if tc.wantErr != "" {
				var de *DecodeError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v\nwant a decode error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got[0].PublishTime != tc.want {
				t.Fatalf("got %+v, %v; want publish time %d", got, err, tc.want)
			}
		})
	}
}

// 50 images sharing one vulnerability, asking at once: one request. And
// the answer is kept: asking again sends none.
func TestVulnerabilityCveCoalesced(t *testing.T) {
	s := &vulServer{delay: 50 * time.Millisecond, cves: map[string][]string{
		"V-1": {`{"cve_id": "CVE-2024-1", "cvss_score": 9.8, "publish_time": 1700000000000}`},
		"V-2": {`{"cve_id": "CVE-2024-2", "cvss_score": 4.3}`},
	}}
	c := vulClient(t, s, vulNow)
	// No answer until every caller has been started and is about to ask.
	var started, wg sync.WaitGroup
	started.Add(100)
	s.before = started.Wait
	errs := make(chan error, 100)
	for i := range 50 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			started.Done()
			got, err := c.ListVulnerabilityCve(context.Background(), Scope{}, "V-1")
			if err == nil && (len(got) != 1 || got[0].CVSS != 9.8) {
				err = fmt.Errorf("caller %d got %+v", i, got)
			}
			errs <- err
		}()
		go func() { // the same through VulnerabilityCVEs, as 50 images would ask
			defer wg.Done()
			started.Done()
			got, err := c.VulnerabilityCVEs(context.Background(), Scope{}, []string{"V-2", "V-1"})
			if err == nil && (len(got["V-1"]) != 1 || got["V-2"][0].ID != "CVE-2024-2") {
				err = fmt.Errorf("caller %d got %+v", i, got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.VulnerabilityCVEs(context.Background(), Scope{}, []string{"V-1", "V-2", "V-1"}); err != nil {
		t.Fatal(err)
	}
	if n1, n2, all := s.calls("/V-1/cve"), s.calls("/V-2/cve"), len(s.paths()); n1 != 1 || n2 != 1 || all != 2 {
		t.Fatalf("requests: %d for V-1, %d for V-2, %d in all; want one each: %v", n1, n2, all, s.paths())
	}
}

// globalRows is the tenant-wide list: n vulnerabilities G-000..., each
// with one CVE, and cves answers the same per vulnerability.
func globalServer(n int) *vulServer {
	s := &vulServer{cves: map[string][]string{}}
	for i := range n {
		id := fmt.Sprintf("G-%03d", i)
		cve := fmt.Sprintf(`{"cve_id": "CVE-2024-%d", "cvss_score": "%d.5", "publish_time": %d, "description": "c"}`, i, i%10, 1700000000000+int64(i))
		s.global = append(s.global, fmt.Sprintf(`{"vul_id": %q, "vul_name": "n", "repair_necessity": "delay_repair", "decription": "typo", "history_number": "3", "undeal_number": 2, "data_list": [%s]}`, id, cve))
		s.cves[id] = []string{cve}
	}
	return s
}

// ids are n vulnerability ids from G-<from>: G-000, G-001, ...
func ids(n int) []string { return idsFrom(0, n) }

func idsFrom(from, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("G-%03d", from+i))
	}
	return out
}

// The client takes whichever way costs fewer requests: V calls, one per
// vulnerability, or the tenant-wide list's pages (listReadCost). For V of
// 3 or more it reads that list's first page (limit 200) once per client:
// it tells G, its CVEs are used either way, and it is the first page of
// the list's walk. No request of another size is ever sent.
func TestVulnerabilityCVEsChoosesTheCheaperWay(t *testing.T) {
	for _, tc := range []struct {
		name        string
		g, from, v  int // the image's vulnerabilities are G-<from>...
		perVuln     int // ListVulnerabilityCve requests
		globalPages int // tenant-wide list requests
	}{
		// G = 0: the first page names none of them.
		{"an empty tenant-wide list", 0, 0, 3, 3, 1},
		// V <= 2: V calls; no first page.
		{"zero vulnerabilities", 500, 0, 0, 0, 0},
		{"one vulnerability in a huge tenant", 60000, 0, 1, 1, 0},
		{"two vulnerabilities in a small tenant", 10, 0, 2, 2, 0},
		// A one-page list costs 1.
		{"three vulnerabilities, a one-page list", 200, 0, 3, 0, 1},
		{"200 vulnerabilities, a one-page list", 200, 0, 200, 0, 1},
		{"vulnerabilities beyond the list are asked for on their own", 150, 0, 160, 10, 1},
		// Pages overlap by one record: 400 rows are 3 pages, 450 are 3,
		// 2000 are 11. After the first page, the rest of the list against
		// one call for each vulnerability the first page did not name.
		{"all on the first page of a three-page list", 450, 0, 30, 0, 1},
		{"two past the first page of a three-page list: a tie goes to calls", 400, 300, 2, 2, 0},
		{"three past the first page of a three-page list (2 more)", 400, 300, 3, 0, 3},
		{"30 past the first page of a three-page list", 450, 250, 30, 0, 3},
		{"10 past the first page of an 11-page list (10 more): a tie", 2000, 1000, 10, 10, 1},
		{"11 past the first page of an 11-page list", 2000, 1000, 11, 0, 11},
		{"15, of which 10 on the first page of an 11-page list", 2000, 190, 15, 5, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := globalServer(max(tc.g, tc.from+tc.v))
			s.global = s.global[:tc.g]
			c := vulClient(t, s, vulNow)
			want := idsFrom(tc.from, tc.v)
			got, err := c.VulnerabilityCVEs(context.Background(), Scope{}, want)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.v {
				t.Fatalf("%d answers, want %d", len(got), tc.v)
			}
			for i, id := range want {
				n := tc.from + i
				if cves := got[id]; len(cves) != 1 || cves[0].ID != fmt.Sprintf("CVE-2024-%d", n) || cves[0].CVSS != float64(n%10)+0.5 ||
					cves[0].PublishTime != 1700000000000+int64(n) || cves[0].Description != "c" {
					t.Fatalf("%s: %+v", id, cves)
				}
			}
			var perVuln, pages int
			for _, p := range s.paths() {
				switch {
				case strings.HasSuffix(strings.SplitN(p, "?", 2)[0], "/cve"):
					perVuln++
				case strings.Contains(p, "limit=200"):
					pages++
				default:
					t.Fatalf("request %s", p)
				}
			}
			if perVuln != tc.perVuln || pages != tc.globalPages {
				t.Fatalf("%d per-vulnerability requests, %d tenant-wide pages; want %d, %d", perVuln, pages, tc.perVuln, tc.globalPages)
			}
			if tc.from+tc.v <= tc.g && tc.perVuln+tc.globalPages > min(tc.v, int(listReadCost(int64(tc.g))))+1 {
				t.Fatalf("the case costs more than min(V, listReadCost(G)) + 1") // when the tenant-wide list names them all
			}
			// Asking again, for these and fewer, sends nothing.
			before := len(s.paths())
			if _, err := c.VulnerabilityCVEs(context.Background(), Scope{}, append(want, want...)); err != nil {
				t.Fatal(err)
			}
			if tc.v > 0 {
				if _, err := c.VulnerabilityCVEs(context.Background(), Scope{}, want[:1]); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(s.paths()); n != before {
				t.Fatalf("%d requests when asked again", n-before)
			}
		})
	}
}

// A vulnerability the tenant-wide list does not name, or names without a
// CVE list (data_list missing or null), is asked for on its own, never
// taken to have none. An empty list is HSS saying it has none.
func TestVulnerabilityCVEsNeverReadsAbsenceAsNone(t *testing.T) {
	s := globalServer(10)
	s.global[3] = `{"vul_id": "G-003", "data_list": []}`
	s.global[4] = `{"vul_id": "G-004"}`
	s.global[5] = `{"vul_id": "G-005", "data_list": null}`
	s.cves["X-1"] = []string{`{"cve_id": "CVE-2023-9", "cvss_score": 6}`}
	c := vulClient(t, s, vulNow)
	got, err := c.VulnerabilityCVEs(context.Background(), Scope{}, append(ids(6), "X-1"))
	if err != nil {
		t.Fatal(err)
	}
	if cves, ok := got["G-003"]; !ok || len(cves) != 0 || got["G-004"][0].ID != "CVE-2024-4" || got["G-005"][0].ID != "CVE-2024-5" ||
		got["X-1"][0].ID != "CVE-2023-9" || got["G-000"][0].ID != "CVE-2024-0" {
		t.Fatalf("got %+v", got)
	}
	if s.calls("/cve") != 3 || s.calls("/G-004/cve") != 1 || s.calls("/G-005/cve") != 1 || s.calls("/image/vulnerabilities") != 1 {
		t.Fatalf("requests %v", s.paths())
	}
}

// A tenant-wide list that keeps changing while it is read is not used:
// each vulnerability is asked for on its own.
func TestVulnerabilityCVEsFallsBackWhenTheTenantListKeepsChanging(t *testing.T) {
	s := globalServer(450)
	var n atomic.Int32
	s.total = func(r *http.Request, total int) int {
		if strings.HasSuffix(r.URL.Path, "/image/vulnerabilities") && r.URL.Query().Get("limit") == "200" {
			return total + int(n.Add(1)) // a vulnerability found on every page
		}
		return total
	}
	got, err := vulClient(t, s, vulNow).VulnerabilityCVEs(context.Background(), Scope{}, idsFrom(300, 40))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 40 || got["G-339"][0].ID != "CVE-2024-339" {
		t.Fatalf("got %d answers", len(got))
	}
	// The first page, then three walks that each saw total_num change on
	// their second page.
	if c, g := s.calls("/cve"), s.calls("/image/vulnerabilities"); c != 40 || g != 1+1+2+2 {
		t.Fatalf("%d per-vulnerability requests, want 40; %d tenant-wide pages, want 6", c, g)
	}
}

// A first page that contradicts itself is no answer: here it lists G-000
// twice, first without CVEs. Every vulnerability is asked for on its own,
// and the page is not read again.
func TestVulnerabilityCVEsDistrustAFirstPageThatContradictsItself(t *testing.T) {
	s := globalServer(10)
	s.global[5] = s.global[0]
	s.global[0] = `{"vul_id": "G-000", "data_list": []}`
	c := vulClient(t, s, vulNow)
	for range 2 {
		got, err := c.VulnerabilityCVEs(context.Background(), Scope{}, ids(5))
		if err != nil || len(got) != 5 || len(got["G-000"]) != 1 || got["G-004"][0].ID != "CVE-2024-4" {
			t.Fatalf("got %v, %v", got, err)
		}
	}
	if c, g := s.calls("/cve"), s.calls("/image/vulnerabilities"); c != 5 || g != 1 {
		t.Fatalf("%d per-vulnerability requests, want 5; %d tenant-wide pages, want 1", c, g)
	}
}

// Errors of the tenant-wide list name the field and the vulnerability;
// they are errors, not a reason to ask elsewhere.
func TestGlobalVulnerabilitiesDecoding(t *testing.T) {
	s := globalServer(2)
	got, err := vulClient(t, s, vulNow).ListGlobalVulnerabilities(context.Background(), Scope{}, GlobalVulnerabilityQuery{Type: str("app_vul")})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[1]; g.VulID != "G-001" || g.VulName != "n" || g.Severity != SeverityDelayRepair || g.Description != "typo" || *g.HistoryNumber != 3 ||
		*g.UndealNumber != 2 || len(g.CVEs) != 1 || g.CVEs[0].CVSS != 1.5 {
		t.Fatalf("got %+v", g)
	}
	if p := s.paths(); p[0] != "/v5/p1/image/vulnerabilities?limit=200&offset=0&type=app_vul" {
		t.Fatalf("requests %v", p)
	}
	for _, tc := range []struct{ name, row, want string }{
		{"no vul_id", `{"data_list": []}`, "field data_list[0].vul_id: missing"},
		{"unknown severity", `{"vul_id": "V-9", "repair_necessity": "soon"}`, `field data_list[0].repair_necessity: "soon" is not a severity HSS documents`},
		{"cvss a word", `{"vul_id": "V-9", "data_list": [{"cve_id": "CVE-1", "cvss_score": 9}, {"cve_id": "CVE-2", "cvss_score": "x"}]}`,
			`field data_list[0].data_list[1].cvss_score: want a CVSS score, a number from 0 to 10 or a string holding one, got "x" (vulnerability V-9)`},
		{"publish time in seconds", `{"vul_id": "V-9", "data_list": [{"cve_id": "CVE-1", "cvss_score": 9, "publish_time": 1641035700}]}`,
			`field data_list[0].data_list[0].publish_time: 1641035700 is 1970-01-19T23:50:35Z, before 1980-01-01T00:00:00Z`},
		{"one CVE twice", `{"vul_id": "V-9", "data_list": [{"cve_id": "CVE-1", "cvss_score": 9}, {"cve_id": "CVE-1", "cvss_score": 9}]}`,
			`field data_list[0].data_list[1].cve_id: CVE-1 is listed twice (data_list[0] and [1]) (vulnerability V-9)`},
		{"count a word", `{"vul_id": "V-9", "undeal_number": "some"}`, `field data_list[0].undeal_number: want a non-negative integer or numeric string, got "some" (vulnerability V-9)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &vulServer{global: []string{tc.row}}
			c := vulClient(t, s, vulNow)
			_, err := c.ListGlobalVulnerabilities(context.Background(), Scope{}, GlobalVulnerabilityQuery{})
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
			// Through VulnerabilityCVEs the same error stops the read.
			s.global = append(s.global, globalServer(5).global...)
			if _, err := c.VulnerabilityCVEs(context.Background(), Scope{}, ids(5)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("through VulnerabilityCVEs: got %v", err)
			}
		})
	}
}

func TestVulnerabilityCVEsRefusesAnEmptyID(t *testing.T) {
	s := &vulServer{}
	if _, err := vulClient(t, s, vulNow).VulnerabilityCVEs(context.Background(), Scope{}, []string{"V-1", ""}); err == nil || len(s.paths()) != 0 {
		t.Fatalf("got %v after %d requests", err, len(s.paths()))
	}
	if _, err := vulClient(t, s, vulNow).ListVulnerabilityCve(context.Background(), Scope{}, ""); err == nil || len(s.paths()) != 0 {
		t.Fatalf("got %v after %d requests", err, len(s.paths()))
	}
}

// The client and the simulator agree on the whole path: an image found in
// its list, its findings through the id its record gives, and their CVEs.
func TestImageVulnerabilitiesFromTheSimulator(t *testing.T) {
	sim, c := simListClient(t, simulator.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		findings int
		requests int // per-image list requests: 4 passes
	}{
		{"clean", 0, 4},
		{"app", 3, 4},
		{"monolith", 450, 2 + 1 + 1 + 1}, // linux unhandled 263: 2 pages; handled 37, app unhandled 129, handled 21: a page each
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.ListRegistryImages(ctx, Scope{}, RegistryImageQuery{ImageType: str("private_image"), Namespace: str(simulator.VulnsNamespace), ImageName: str(tc.name)})
			if err != nil || len(recs) != 1 {
				t.Fatalf("list: %d records, %v", len(recs), err)
			}
			recs[0].ImageType = "private_image"
			before := sim.Count(simulator.ImageVulnerabilities)
			vulns, err := c.ListImageVulnerabilities(ctx, Scope{}, recs[0].VulnerabilityQuery())
			if err != nil {
				t.Fatal(err)
			}
			if len(vulns) != tc.findings {
				t.Fatalf("%d findings, want %d", len(vulns), tc.findings)
			}
			if n := sim.Count(simulator.ImageVulnerabilities) - before; n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
		})
	}
	cves, err := c.ListVulnerabilityCve(ctx, Scope{}, simulator.ManyCveVulID)
	if err != nil || len(cves) != 12 {
		t.Fatalf("%s: %d CVEs, %v; want 12", simulator.ManyCveVulID, len(cves), err)
	}
}
