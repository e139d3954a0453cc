package simulator

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func startVulnSim(t *testing.T) (*Simulator, *httptest.Server) {
	t.Helper()
	sim := New(Options{})
	srv := NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// listRecord is an image's record in its list, as a client sees it.
func listRecord(t *testing.T, srv *httptest.Server, path, namespace, name, version string) map[string]any {
	t.Helper()
	q := url.Values{"namespace": {namespace}, "image_name": {name}, "image_version": {version}, "limit": {"200"}}
	status, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+path, q.Encode(), "", nil)
	list, _ := body["data_list"].([]any)
	for _, item := range list {
		r, _ := item.(map[string]any)
		if r["namespace"] == namespace && r["image_name"] == name && r["image_version"] == version {
			return r
		}
	}
	t.Fatalf("%s/%s:%s not in %s: %d %v", namespace, name, version, path, status, body)
	return nil
}

// recordPathID is the id the per-image list takes, read from the record
// the image list gives: "id" for repository images, "image_id" for CI/CD.
func recordPathID(t *testing.T, rec map[string]any) string {
	t.Helper()
	if rec["image_type"] == "cicd" {
		return field[string](t, rec, "CI/CD list record", "image_id")
	}
	return strconv.FormatInt(int64(field[float64](t, rec, "list record", "id")), 10)
}

// field walks JSON decoded into any, from v (named what in messages): a
// string steps into an object, an int into an array. The test fails, naming
// where, if a step is missing or of another type, or if the value at the
// end is not a T.
func field[T any](t testing.TB, v any, what string, path ...any) T {
	t.Helper()
	at := what
	for i, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s is %T, not an object: %v", at, v, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%s has no %q: %v", at, k, m)
			}
			if i == 0 {
				at += ": " + k
			} else {
				at += "." + k
			}
		case int:
			a, ok := v.([]any)
			if !ok {
				t.Fatalf("%s is %T, not an array: %v", at, v, v)
			}
			if k < 0 || k >= len(a) {
				t.Fatalf("%s has %d elements, no [%d]: %v", at, len(a), k, a)
			}
			v = a[k]
			if i == 0 {
				at += ": "
			}
			at += fmt.Sprintf("[%d]", k)
		default:
			t.Fatalf("%s: path step %#v is a %T, not a string or an int", at, step, step)
		}
	}
	out, ok := v.(T)
	if !ok {
		t.Fatalf("%s is %T, want %v: %v", at, v, reflect.TypeFor[T](), v)
	}
	return out
}

func vulnQuery(namespace, name, tag string, extra ...string) string {
	q := url.Values{"image_type": {"private_image"}, "namespace": {namespace}, "image_name": {name}, "tag_name": {tag}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q.Encode()
}

// allRows pages through one per-image query at limit 200.
func allRows(t *testing.T, srv *httptest.Server, id, query string) (rows []map[string]any, requests int) {
	t.Helper()
	for offset := 0; ; {
		status, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+id+"/vulnerabilities", query+"&limit=200&offset="+strconv.Itoa(offset), "", nil)
		requests++
		if status != 200 {
			t.Fatalf("status %d: %v", status, body)
		}
		list, _ := body["data_list"].([]any)
		for i := range list {
			rows = append(rows, field[map[string]any](t, list, fmt.Sprintf("page at offset %d", offset), i))
		}
		offset += len(list)
		total, _ := body["total_num"].(float64)
		if len(list) == 0 || offset >= int(total) {
			if offset != int(total) {
				t.Fatalf("read %d rows, total_num %v", offset, body["total_num"])
			}
			return rows, requests
		}
	}
}

func TestVulnerabilityStrictness(t *testing.T) {
	sim, srv := startVulnSim(t)
	base := "/v5/" + DefaultProjectID + "/image/"
	app := sim.ImagePathID("private_image", VulnsNamespace, "app", "1.0")
	web := sim.ImagePathID("private_image", "shop", "web", "2.0")
	ok := vulnQuery(VulnsNamespace, "app", "1.0")
	per := base + app + "/vulnerabilities"
	checkRoutes(t, srv, []routeCase{
		{"ok", "GET", per, ok, "", nil, 200, "", ""},
		{"ok with every filter", "GET", per, ok + "&repair_necessity=delay_repair&vul_id=x&app_name=y&type=app_vul&handle_status=handled&instance_id=&offset=0&limit=10&enterprise_project_id=0", "", nil, 200, "", ""},
		{"ok with region", "GET", per, ok, "", map[string]string{"Region": "cn-north-4"}, 200, "", ""},
		{"no image_type", "GET", per, "namespace=vulns&image_name=app&tag_name=1.0", "", nil, 400, "HSS.0001", "image_type is required"},
		{"no namespace", "GET", per, "image_type=private_image&image_name=app&tag_name=1.0", "", nil, 400, "HSS.0001", "namespace is required"},
		{"no image_name", "GET", per, "image_type=private_image&namespace=vulns&tag_name=1.0", "", nil, 400, "HSS.0001", "image_name is required"},
		{"no tag_name", "GET", per, "image_type=private_image&namespace=vulns&image_name=app", "", nil, 400, "HSS.0001", "tag_name is required"},
		{"image_version is not tag_name", "GET", per, "image_type=private_image&namespace=vulns&image_name=app&image_version=1.0", "", nil, 400, "HSS.0001", `unknown query parameter "image_version"`},
		{"local images have no list", "GET", per, strings.Replace(ok, "private_image", "local_image", 1), "", nil, 400, "HSS.0001", "image_type must be one of private_image, shared_image, instance_image, cicd, harbor, jfrog"},
		{"limit too low", "GET", per, ok + "&limit=9", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 9"},
		{"limit too high", "GET", per, ok + "&limit=201", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 201"},
		{"offset too high", "GET", per, ok + "&offset=2000001", "", nil, 400, "HSS.0001", "offset must be from 0 to 2000000"},
		{"bad type", "GET", per, ok + "&type=os_vul", "", nil, 400, "HSS.0001", "type must be one of linux_vul, app_vul"},
		{"bad handle_status", "GET", per, ok + "&handle_status=ignored", "", nil, 400, "HSS.0001", "handle_status must be one of unhandled, handled"},
		{"other vocabulary in the filter", "GET", per, ok + "&repair_necessity=High", "", nil, 400, "HSS.0001", "repair_necessity must be one of immediate_repair, delay_repair, not_needed_repair"},
		{"namespace too long", "GET", per, vulnQuery(strings.Repeat("n", 65), "app", "1.0"), "", nil, 400, "HSS.0001", "namespace must be 0 to 64"},
		{"tag too long", "GET", per, vulnQuery(VulnsNamespace, "app", strings.Repeat("1", 65)), "", nil, 400, "HSS.0001", "tag_name must be 0 to 64"},
		{"vul_id too long", "GET", per, ok + "&vul_id=" + strings.Repeat("v", 129), "", nil, 400, "HSS.0001", "vul_id must be 0 to 128"},
		{"app_name too long", "GET", per, ok + "&app_name=" + strings.Repeat("a", 65), "", nil, 400, "HSS.0001", "app_name must be 0 to 64"},
		{"image id too long", "GET", base + strings.Repeat("9", 129) + "/vulnerabilities", ok, "", nil, 400, "HSS.0001", "image_id must be 0 to 128"},
		{"record image_id is not the path id", "GET", base + "img-vulns-app-10/vulnerabilities", ok, "", nil, 404, "HSS.1015", `Image "img-vulns-app-10" of type private_image does not exist`},
		{"unknown id", "GET", base + "999999/vulnerabilities", ok, "", nil, 404, "HSS.1015", "does not exist"},
		{"id of another type", "GET", per, strings.Replace(ok, "private_image", "shared_image", 1), "", nil, 404, "HSS.1015", "of type shared_image does not exist"},
		{"names of another image", "GET", base + web + "/vulnerabilities", ok, "", nil, 400, "HSS.0001", "is shop/web:2.0, not vulns/app:1.0"},
		{"other enterprise project", "GET", per, ok + "&enterprise_project_id=ep-finance", "", nil, 404, "HSS.1015", "does not exist"},
		{"wrong instance", "GET", per, ok + "&instance_id=swr-ee-7f3a", "", nil, 400, "HSS.0001", `not in instance "swr-ee-7f3a"`},
		{"post", "POST", per, ok, `{}`, nil, 404, "APIGW.0101", ""},
		{"empty image id", "GET", base + "/vulnerabilities", ok, "", nil, 404, "APIGW.0101", ""},

		{"cve ok", "GET", base + "vulnerability/DSA-9901-1/cve", "", "", nil, 200, "", ""},
		{"cve paged", "GET", base + "vulnerability/DSA-9901-1/cve", "offset=0&limit=200&enterprise_project_id=all_granted_eps", "", nil, 200, "", ""},
		{"cve limit too low", "GET", base + "vulnerability/DSA-9901-1/cve", "limit=1", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 1"},
		{"cve unknown parameter", "GET", base + "vulnerability/DSA-9901-1/cve", "image_type=private_image", "", nil, 400, "HSS.0001", `unknown query parameter "image_type"`},
		{"cve unknown vulnerability", "GET", base + "vulnerability/DSA-0000-1/cve", "", "", nil, 404, "HSS.1016", `Vulnerability "DSA-0000-1" does not exist`},
		{"cve id too long", "GET", base + "vulnerability/" + strings.Repeat("v", 65) + "/cve", "", "", nil, 400, "HSS.0001", "vul_id must be 0 to 64"},

		{"global ok", "GET", base + "vulnerabilities", "offset=0&limit=10", "", nil, 200, "", ""},
		{"global every filter", "GET", base + "vulnerabilities", "offset=0&limit=200&repair_necessity=immediate_repair&vul_id=CVE&type=linux_vul&enterprise_project_id=0", "", nil, 200, "", ""},
		{"global without offset", "GET", base + "vulnerabilities", "limit=10", "", nil, 400, "HSS.0001", "offset is required"},
		{"global without limit", "GET", base + "vulnerabilities", "offset=0", "", nil, 400, "HSS.0001", "limit is required"},
		{"global limit too high", "GET", base + "vulnerabilities", "offset=0&limit=500", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 500"},
		{"global no handle_status", "GET", base + "vulnerabilities", "offset=0&limit=10&handle_status=handled", "", nil, 400, "HSS.0001", `unknown query parameter "handle_status"`},
		{"global bad severity", "GET", base + "vulnerabilities", "offset=0&limit=10&repair_necessity=Critical", "", nil, 400, "HSS.0001", "repair_necessity must be one of"},
	})
}

// The path takes the id the image's list record gives: the registry
// record's "id" for repository images, "image_id" for CI/CD images.
func TestImageVulnerabilityPathID(t *testing.T) {
	sim, srv := startVulnSim(t)
	for _, tc := range []struct {
		list, imageType, namespace, name, version, ep string
		want                                          int
	}{
		{"registries/images", "private_image", VulnsNamespace, "monolith", "3.0", "", MonolithFindings},
		{"registries/images", "private_image", VulnsNamespace, "app", "1.0", "", 3},
		{"registries/images", "private_image", VulnsNamespace, "clean", "1.0", "", 0},
		{"registries/images", "private_image", "shop", "web", "2.0", "", 5},
		{"registries/images", "shared_image", "platform", "alpine-base", "3.20", "", 1},
		{"registries/images", "instance_image", "finance", "payments", "1.2", "ep-finance", 4},
		{"cicd/images", "cicd", "ci", "pipeline-runner", "0.9", "", 1},
	} {
		t.Run(tc.namespace+"/"+tc.name, func(t *testing.T) {
			var rec map[string]any
			if tc.ep != "" {
				_, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+tc.list, "enterprise_project_id="+tc.ep+"&image_name="+tc.name, "", nil)
				list, _ := body["data_list"].([]any)
				if len(list) != 1 {
					t.Fatalf("%v", body)
				}
				rec = field[map[string]any](t, list, "list", 0)
			} else {
				rec = listRecord(t, srv, tc.list, tc.namespace, tc.name, tc.version)
			}
			id := recordPathID(t, rec)
			if got := sim.ImagePathID(tc.imageType, tc.namespace, tc.name, tc.version); got != id {
				t.Fatalf("ImagePathID %q, record says %q", got, id)
			}
			q := url.Values{"image_type": {tc.imageType}, "namespace": {tc.namespace}, "image_name": {tc.name}, "tag_name": {tc.version}}
			if tc.ep != "" {
				q.Set("enterprise_project_id", tc.ep)
			}
			rows, _ := allRows(t, srv, id, q.Encode())
			if len(rows) != tc.want {
				t.Fatalf("%d rows, want %d", len(rows), tc.want)
			}
			// The list record's vul_num and the per-image list agree.
			if rec["vul_num"] != float64(tc.want) {
				t.Fatalf("vul_num %v, per-image list %d", rec["vul_num"], tc.want)
			}
		})
	}
	if got := sim.ImagePathID("local_image", "", "nginx", "1.27"); got != "" {
		t.Fatalf("a local image has path id %q", got)
	}
}

var imageVulFields = []string{"vul_id", "repair_necessity", "description", "position", "app_name", "app_path", "version", "solution", "url"}

func TestImageVulnerabilityPagingAndRows(t *testing.T) {
	sim, srv := startVulnSim(t)
	id := sim.ImagePathID("private_image", VulnsNamespace, "monolith", "3.0")
	q := vulnQuery(VulnsNamespace, "monolith", "3.0")
	rows, requests := allRows(t, srv, id, q)
	if len(rows) != MonolithFindings || requests != 3 {
		t.Fatalf("%d rows in %d requests, want %d in 3", len(rows), requests, MonolithFindings)
	}
	if n := sim.Count(ImageVulnerabilities); n != 3 {
		t.Fatalf("Count(ImageVulnerabilities) = %d", n)
	}
	distinct := map[string]bool{}
	severities := map[string]int{}
	for i, r := range rows {
		for k := range r {
			if !slices.Contains(imageVulFields, k) {
				t.Fatalf("row %d has undocumented field %q: %v", i, k, r)
			}
		}
		for _, k := range []string{"vul_id", "repair_necessity", "description", "position", "app_name", "version", "solution", "url"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("row %d lacks %q: %v", i, k, r)
			}
		}
		distinct[field[string](t, r, fmt.Sprintf("row %d", i), "vul_id")] = true
		severities[field[string](t, r, fmt.Sprintf("row %d", i), "repair_necessity")]++
	}
	if len(distinct) != 401 {
		t.Fatalf("%d distinct vul_ids, want 401", len(distinct))
	}
	for _, s := range []string{"immediate_repair", "delay_repair", "not_needed_repair", "Critical", "High", "Medium", "Low"} {
		if severities[s] == 0 {
			t.Errorf("no finding with repair_necessity %q: %v", s, severities)
		}
	}
	if len(severities) != 7 {
		t.Errorf("severities %v", severities)
	}
	// Offsets page; default limit 10; past the end an empty page.
	_, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+id+"/vulnerabilities", q, "", nil)
	if list, _ := body["data_list"].([]any); len(list) != 10 || body["total_num"] != float64(MonolithFindings) {
		t.Fatalf("default page: %d rows, total %v", len(list), body["total_num"])
	}
	_, body = do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+id+"/vulnerabilities", q+"&offset=445&limit=10", "", nil)
	if list, _ := body["data_list"].([]any); len(list) != 5 || field[map[string]any](t, list, "last page", 4)["vul_id"] != rows[449]["vul_id"] {
		t.Fatalf("last page: %v", body)
	}
	_, body = do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+id+"/vulnerabilities", q+"&offset=450", "", nil)
	if list, ok := body["data_list"].([]any); !ok || len(list) != 0 || body["total_num"] != float64(MonolithFindings) {
		t.Fatalf("past the end: %v", body)
	}
	// app_path for application vulnerabilities only: two rows of one
	// vulnerability differ in path.
	paths := map[string][]string{}
	for i, r := range rows {
		if p, ok := r["app_path"].(string); ok {
			id := field[string](t, r, fmt.Sprintf("row %d", i), "vul_id")
			paths[id] = append(paths[id], p)
		}
	}
	twice := 0
	for _, p := range paths {
		if len(p) == 2 && p[0] != p[1] {
			twice++
		}
	}
	if len(paths) != 101 || twice != 49 {
		t.Fatalf("%d vulnerabilities with paths, %d at two paths; want 101 and 49", len(paths), twice)
	}
}

// One pass per type and handle status labels every row; the four passes
// add up to the unfiltered list.
func TestImageVulnerabilityFilters(t *testing.T) {
	sim, srv := startVulnSim(t)
	count := func(name, tag string, extra ...string) int {
		t.Helper()
		rows, _ := allRows(t, srv, sim.ImagePathID("private_image", VulnsNamespace, name, tag), vulnQuery(VulnsNamespace, name, tag, extra...))
		return len(rows)
	}
	for _, tc := range []struct {
		name, tag   string
		typ, handle string
		want        int
	}{
		{"monolith", "3.0", "linux_vul", "unhandled", 263},
		{"monolith", "3.0", "linux_vul", "handled", 37},
		{"monolith", "3.0", "app_vul", "unhandled", 129},
		{"monolith", "3.0", "app_vul", "handled", 21},
		{"app", "1.0", "linux_vul", "unhandled", 1},
		{"app", "1.0", "linux_vul", "handled", 1},
		{"app", "1.0", "app_vul", "unhandled", 1},
		{"app", "1.0", "app_vul", "handled", 0},
		{"clean", "1.0", "linux_vul", "unhandled", 0},
	} {
		if got := count(tc.name, tc.tag, "type", tc.typ, "handle_status", tc.handle); got != tc.want {
			t.Errorf("%s:%s %s %s: %d rows, want %d", tc.name, tc.tag, tc.typ, tc.handle, got, tc.want)
		}
	}
	if a, b := count("monolith", "3.0", "type", "linux_vul"), count("monolith", "3.0", "handle_status", "handled"); a != 300 || b != 58 {
		t.Errorf("linux_vul %d (want 300), handled %d (want 58)", a, b)
	}
	// vul_id is a case-sensitive substring filter.
	if got := count("monolith", "3.0", "vul_id", "DLA-900"); got != 10 {
		t.Errorf("vul_id DLA-900: %d rows, want DLA-9000-1 to DLA-9009-1", got)
	}
	if got := count("monolith", "3.0", "vul_id", "dla-900"); got != 0 {
		t.Errorf("vul_id dla-900: %d rows, want 0 (case-sensitive)", got)
	}
	if got := count("app", "1.0", "vul_id", "HSS-2025"); got != 1 {
		t.Errorf("vul_id HSS-2025 in app:1.0: %d rows", got)
	}
	// app_name is a substring filter too.
	if got := count("app", "1.0", "app_name", "netty"); got != 1 {
		t.Errorf("app_name netty: %d rows", got)
	}
	// repair_necessity filters both vocabularies: Critical and High are
	// immediate_repair, Medium delay_repair, Low not_needed_repair.
	all, _ := allRows(t, srv, sim.ImagePathID("private_image", VulnsNamespace, "monolith", "3.0"), vulnQuery(VulnsNamespace, "monolith", "3.0"))
	want := map[string]int{}
	for i, r := range all {
		want[severityLevel(field[string](t, r, fmt.Sprintf("row %d", i), "repair_necessity"))]++
	}
	sum := 0
	for _, level := range repairNecessities {
		got := count("monolith", "3.0", "repair_necessity", level)
		if got != want[level] || got == 0 {
			t.Errorf("repair_necessity %s: %d rows, want %d", level, got, want[level])
		}
		sum += got
	}
	if sum != MonolithFindings {
		t.Errorf("the three levels cover %d rows, want %d", sum, MonolithFindings)
	}
}

func TestVulnerabilityCves(t *testing.T) {
	sim, srv := startVulnSim(t)
	base := "/v5/" + DefaultProjectID + "/image/vulnerability/"
	_, body := do(t, srv, "GET", base+ManyCveVulID+"/cve", "limit=10", "", nil)
	first, _ := body["data_list"].([]any)
	_, body2 := do(t, srv, "GET", base+ManyCveVulID+"/cve", "limit=10&offset=10", "", nil)
	second, _ := body2["data_list"].([]any)
	if body["total_num"] != float64(12) || len(first) != 10 || len(second) != 2 {
		t.Fatalf("%s: total %v, pages of %d and %d", ManyCveVulID, body["total_num"], len(first), len(second))
	}
	_, body = do(t, srv, "GET", base+NoCveVulID+"/cve", "", "", nil)
	if list, ok := body["data_list"].([]any); !ok || len(list) != 0 || body["total_num"] != float64(0) {
		t.Fatalf("%s: %v, want total_num 0 and an empty list", NoCveVulID, body)
	}
	_, body = do(t, srv, "GET", base+"DSA-9901-1/cve", "", "", nil)
	list, _ := body["data_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("DSA-9901-1: %v", body)
	}
	c := field[map[string]any](t, list, "DSA-9901-1 CVEs", 0)
	if c["cve_id"] != "CVE-2024-5535" || c["cvss_score"] != 9.1 || c["publish_time"] != float64(date(2024, 6, 27)) || c["description"] == "" || len(c) != 4 {
		t.Fatalf("CVE row %v", c)
	}
	// One CVE shared by two vulnerabilities.
	_, body = do(t, srv, "GET", base+"GHSA-q2c3-9v6h-w5mr/cve", "", "", nil)
	list, _ = body["data_list"].([]any)
	if len(list) != 1 || field[map[string]any](t, list, "GHSA-q2c3-9v6h-w5mr CVEs", 0)["cve_id"] != "CVE-2023-44487" {
		t.Fatalf("GHSA-q2c3-9v6h-w5mr: %v", body)
	}
	// A vulnerability found in an image but missing from the catalogue has
	// no CVEs; one found nowhere does not exist.
	odd := New(Options{Images: []Image{{ID: "img-odd", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "odd", Version: "1",
		ScanStatus: "success", Vulns: []Vuln{{ID: "VENDOR-1", Type: "linux_vul"}}}}, Advisories: []Advisory{}})
	oddSrv := NewServer(odd)
	defer oddSrv.Close()
	if status, body := do(t, oddSrv, "GET", base+"VENDOR-1/cve", "", "", nil); status != 200 || body["total_num"] != float64(0) {
		t.Fatalf("VENDOR-1: %d %v", status, body)
	}
	if status, _ := do(t, oddSrv, "GET", base+"CVE-2024-3094/cve", "", "", nil); status != 404 {
		t.Fatalf("a vulnerability outside the data: %d, want 404", status)
	}
	if n := sim.Count(VulnerabilityCves); n != 5 {
		t.Fatalf("Count(VulnerabilityCves) = %d, want 5", n)
	}
}

// A finding whose advisory gives no severity leaves repair_necessity out;
// a finding can carry any value a test needs.
func TestImageVulnerabilityOddRows(t *testing.T) {
	sim := New(Options{Images: []Image{{ID: "img-odd", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "odd", Version: "1",
		ScanStatus: "success", Vulns: []Vuln{
			{ID: "VENDOR-1", Type: "linux_vul"},
			{ID: "VENDOR-2", Type: "app_vul", RepairNecessity: "urgent", AppName: "x", AppPath: "/x.jar"},
			{ID: "", Type: "linux_vul", RepairNecessity: "High"},
		}}}})
	srv := NewServer(sim)
	defer srv.Close()
	rows, _ := allRows(t, srv, sim.ImagePathID("private_image", "odd", "odd", "1"), vulnQuery("odd", "odd", "1"))
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	if _, ok := rows[0]["repair_necessity"]; ok {
		t.Errorf("row without a severity: %v", rows[0])
	}
	if rows[1]["repair_necessity"] != "urgent" || rows[1]["app_path"] != "/x.jar" || rows[1]["app_name"] != "x" {
		t.Errorf("row with an unknown severity: %v", rows[1])
	}
	if _, ok := rows[2]["vul_id"]; ok || rows[2]["repair_necessity"] != "High" {
		t.Errorf("row without vul_id: %v", rows[2])
	}
	if _, ok := rows[0]["app_path"]; ok {
		t.Errorf("a Linux finding has app_path: %v", rows[0])
	}
}

func TestGlobalVulnerabilities(t *testing.T) {
	sim, srv := startVulnSim(t)
	read := func(query string) (map[string]map[string]any, []string, int) {
		t.Helper()
		rows := map[string]map[string]any{}
		var order []string
		requests := 0
		for offset := 0; ; {
			status, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/vulnerabilities", fmt.Sprintf("%s&offset=%d&limit=200", query, offset), "", nil)
			requests++
			if status != 200 {
				t.Fatalf("%d %v", status, body)
			}
			page := fmt.Sprintf("%q at offset %d", query, offset)
			list, _ := body["data_list"].([]any)
			for i := range list {
				r := field[map[string]any](t, list, page, i)
				id := field[string](t, r, fmt.Sprintf("%s, row %d", page, i), "vul_id")
				rows[id] = r
				order = append(order, id)
			}
			offset += len(list)
			if len(list) == 0 || offset >= int(field[float64](t, body, page, "total_num")) {
				return rows, order, requests
			}
		}
	}
	rows, order, requests := read("")
	// Default enterprise project: 8 of the shop, nginx and CI images plus
	// 399 of the vulns images (CVE-2025-0001 is ep-finance's alone).
	if len(rows) != 407 || len(order) != 407 || requests != 3 {
		t.Fatalf("%d vulnerabilities (%d rows) in %d requests, want 407 in 3", len(rows), len(order), requests)
	}
	for _, tc := range []struct {
		id               string
		history, undealt float64
		cves             int
	}{
		{"CVE-2024-6387", 4, 4, 1},  // shop/web:2.0, shop/web:1.9, ci/pipeline-runner:0.9, vulns/monolith:3.0
		{NoCveVulID, 2, 1, 0},       // handled in vulns/app:1.0 only
		{"DSA-9901-1", 2, 2, 2},     // vulns/app:1.0 and vulns/monolith:3.0
		{ManyCveVulID, 1, 1, 12},    //
		{"DLA-9007-1", 1, 0, 2},     // handled
		{"CVE-2024-24790", 1, 1, 1}, // Critical
	} {
		r := rows[tc.id]
		cves, _ := r["data_list"].([]any)
		if r == nil || r["history_number"] != tc.history || r["undeal_number"] != tc.undealt || len(cves) != tc.cves {
			t.Errorf("%s: %v; want history %v, undealt %v, %d CVEs", tc.id, r, tc.history, tc.undealt, tc.cves)
		}
	}
	r := rows["CVE-2024-24790"]
	for _, k := range []string{"vul_name", "vul_id", "repair_necessity", "decription", "solution", "url", "history_number", "undeal_number", "data_list"} {
		if _, ok := r[k]; !ok {
			t.Errorf("no %q in %v", k, r)
		}
	}
	if len(r) != 9 || r["repair_necessity"] != "Critical" {
		t.Errorf("row %v", r)
	}
	cve := field[map[string]any](t, r, "CVE-2024-24790", "data_list", 0)
	if cve["cve_id"] != "CVE-2024-24790" || cve["cvss_score"] != 9.8 || cve["publish_time"] != float64(date(2024, 6, 5)) {
		t.Errorf("CVE %v", cve)
	}
	// Filters: type (any finding of that type), repair_necessity (both
	// vocabularies), vul_id substring; another enterprise project.
	apps, _, _ := read("type=app_vul")
	// 101 of the vulns images, and CVE-2024-6387 (app_vul in shop/web:2.0,
	// linux_vul elsewhere) and CVE-2023-44487 (app_vul in shop/web:1.9).
	if _, ok := apps["CVE-2024-6387"]; !ok || len(apps) != 103 {
		t.Errorf("type=app_vul: %d vulnerabilities, want 103", len(apps))
	}
	high, _, _ := read("repair_necessity=immediate_repair")
	if _, ok := high["CVE-2024-24790"]; !ok {
		t.Errorf("immediate_repair lacks the Critical CVE-2024-24790")
	}
	if _, ok := high["GHSA-q2c3-9v6h-w5mr"]; !ok {
		t.Errorf("immediate_repair lacks the High GHSA-q2c3-9v6h-w5mr")
	}
	for id, r := range high {
		if severityLevel(field[string](t, r, id, "repair_necessity")) != "immediate_repair" {
			t.Errorf("immediate_repair lists %s: %v", id, r["repair_necessity"])
		}
	}
	// CVE-2024-3094, -6387, -45337, -24790, -2511 and -7347.
	if sub, _, _ := read("vul_id=CVE-2024-"); len(sub) != 6 {
		t.Errorf("vul_id=CVE-2024-: %d vulnerabilities, want 6", len(sub))
	}
	fin, _, _ := read("enterprise_project_id=ep-finance")
	if len(fin) != 4 || fin["CVE-2025-0001"] == nil || fin["CVE-2025-0001"]["repair_necessity"] != "Low" {
		t.Errorf("ep-finance: %v", fin)
	}
	if n := sim.Count(GlobalVulnerabilities); n != 3+1+1+1+1 {
		t.Errorf("Count(GlobalVulnerabilities) = %d", n)
	}
}

func TestVulnerabilityStringCounts(t *testing.T) {
	sim, srv := startVulnSim(t)
	sim.SetStringCounts(true)
	id := sim.ImagePathID("private_image", VulnsNamespace, "app", "1.0")
	_, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/"+id+"/vulnerabilities", vulnQuery(VulnsNamespace, "app", "1.0"), "", nil)
	if body["total_num"] != "3" {
		t.Fatalf("per-image total_num %#v", body["total_num"])
	}
	_, body = do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/vulnerability/DSA-9901-1/cve", "", "", nil)
	c := field[map[string]any](t, body, "CVE answer", "data_list", 0)
	if body["total_num"] != "2" || c["cvss_score"] != "9.1" || c["publish_time"] != strconv.FormatInt(date(2024, 6, 27), 10) {
		t.Fatalf("CVE answer %v", body)
	}
	_, body = do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/vulnerabilities", "offset=0&limit=10&vul_id=DSA-9901-1", "", nil)
	g := field[map[string]any](t, body, "global answer", "data_list", 0)
	gc := field[map[string]any](t, body, "global answer", "data_list", 0, "data_list", 0)
	if body["total_num"] != "1" || g["history_number"] != "2" || g["undeal_number"] != "2" || gc["cvss_score"] != "9.1" || gc["publish_time"] == nil {
		t.Fatalf("global answer %v", body)
	}
	if _, ok := gc["publish_time"].(string); !ok {
		t.Fatalf("publish_time %#v", gc["publish_time"])
	}
}

// Every endpoint is counted and takes faults.
func TestVulnerabilityFaults(t *testing.T) {
	sim, srv := startVulnSim(t)
	id := sim.ImagePathID("private_image", VulnsNamespace, "app", "1.0")
	per := "/v5/" + DefaultProjectID + "/image/" + id + "/vulnerabilities"
	sim.InjectAt(ImageVulnerabilities, Fault{Status: 500})
	sim.InjectAt(VulnerabilityCves, Fault{Status: 200, Body: `{"total_num": 1, "data_list": [{"cve_id": "CVE-1", "cvss_score": "high"}]}`})
	sim.InjectAt(GlobalVulnerabilities, Fault{Status: 429})
	if status, body := do(t, srv, "GET", per, vulnQuery(VulnsNamespace, "app", "1.0"), "", nil); status != 500 || body["error_code"] != "HSS.0500" {
		t.Fatalf("%d %v", status, body)
	}
	if status, _ := do(t, srv, "GET", per, vulnQuery(VulnsNamespace, "app", "1.0"), "", nil); status != 200 {
		t.Fatalf("second request %d", status)
	}
	if _, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/vulnerability/DSA-9901-1/cve", "", "", nil); field[map[string]any](t, body, "CVE answer", "data_list", 0)["cvss_score"] != "high" {
		t.Fatalf("fault body not served: %v", body)
	}
	if status, _ := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/vulnerabilities", "offset=0&limit=10", "", nil); status != 429 {
		t.Fatalf("global: %d", status)
	}
	for e, want := range map[Endpoint]int{ImageVulnerabilities: 2, VulnerabilityCves: 1, GlobalVulnerabilities: 1} {
		if n := sim.Count(e); n != want {
			t.Errorf("Count(%s) = %d, want %d", e, n, want)
		}
	}
	for _, r := range sim.Requests() {
		if r.Endpoint == ImageVulnerabilities && r.Query.Get("tag_name") != "1.0" {
			t.Errorf("request %v", r)
		}
	}
}

// The security-report statistic counts what the per-image list lists.
func TestVulnerabilityReportCountsAgree(t *testing.T) {
	_, srv := startVulnSim(t)
	for name, want := range map[string]float64{"monolith": MonolithFindings, "app": 3, "clean": 0} {
		body := fmt.Sprintf(`{"operate_all": true, "image_type": "private_image", "namespace": %q, "image_name": %q}`, VulnsNamespace, name)
		_, out := do(t, srv, "POST", "/v5/"+DefaultProjectID+"/image/security-report/statistic", "security_report_type=vulnerability", body, nil)
		if out["total_num"] != want {
			t.Errorf("%s: report total_num %v, want %v", name, out["total_num"], want)
		}
	}
}

// The catalogue covers every finding of the default data, with a
// severity in one of the two vocabularies and CVSS scores from 0 to 10.
func TestDefaultAdvisories(t *testing.T) {
	advs := New(Options{}).advisories()
	valid := []string{"immediate_repair", "delay_repair", "not_needed_repair", "Critical", "High", "Medium", "Low"}
	noCVE := 0
	for _, a := range advs {
		if !slices.Contains(valid, a.RepairNecessity) {
			t.Errorf("%s: repair_necessity %q", a.ID, a.RepairNecessity)
		}
		if len(a.CVEs) == 0 {
			noCVE++
		}
		if len(a.Description) > 128 || len(a.Solution) > 256 || len(a.URL) > 128 {
			t.Errorf("%s: a text is longer than documented", a.ID)
		}
		for _, c := range a.CVEs {
			if c.CVSS < 0 || c.CVSS > 10 || c.Published <= 0 || !strings.HasPrefix(c.ID, "CVE-") || len(c.Description) > 256 {
				t.Errorf("%s: CVE %+v", a.ID, c)
			}
		}
	}
	if noCVE != 1 || len(advs[NoCveVulID].CVEs) != 0 || len(advs[ManyCveVulID].CVEs) != 12 {
		t.Errorf("%d advisories without CVEs, want only %s", noCVE, NoCveVulID)
	}
	for _, img := range DefaultImages() {
		for _, v := range img.Vulns {
			if advs[v.ID] == nil {
				t.Errorf("%s: %s has no advisory", img.ID, v.ID)
			}
		}
	}
}
