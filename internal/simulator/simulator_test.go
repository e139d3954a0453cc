package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// do sends a token-authenticated request and returns status and body.
func do(t *testing.T, srv *httptest.Server, method, path, query, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path+"?"+query, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", DefaultToken)
	req.Header.Set("Region", "cn-north-4")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return resp.StatusCode, out
}

// routeCase is one request and the answer it must get: status, and for an
// error the error code and a part of the message.
type routeCase struct {
	name, method, path, query, body string
	header                          map[string]string
	status                          int
	code, msg                       string
}

func checkRoutes(t *testing.T, srv *httptest.Server, tests []routeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, srv, tt.method, tt.path, tt.query, tt.body, tt.header)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, body)
			}
			msg, _ := body["error_msg"].(string)
			if tt.code != "" && (body["error_code"] != tt.code || !strings.Contains(msg, tt.msg)) {
				t.Fatalf("got %v, want %s containing %q", body, tt.code, tt.msg)
			}
		})
	}
}

func TestStrictness(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID
	tests := []routeCase{
		{"ok", "GET", base + "/image/baseline/statistic", "image_type=local", "", nil, 200, "", ""},
		{"missing image_type", "GET", base + "/image/baseline/statistic", "", "", nil, 400, "HSS.0001", "image_type is required"},
		{"bad enum", "GET", base + "/image/baseline/statistic", "image_type=public", "", nil, 400, "HSS.0001", "image_type must be one of"},
		{"unknown query parameter", "GET", base + "/image/baseline/statistic", "image_type=local&limit=1", "", nil, 400, "HSS.0001", `unknown query parameter "limit"`},
		{"repeated parameter", "GET", base + "/image/baseline/statistic", "image_type=local&image_type=registry", "", nil, 400, "HSS.0001", "given 2 times"},
		{"too long", "GET", base + "/image/baseline/statistic", "image_type=local&image_id=" + strings.Repeat("x", 129), "", nil, 400, "HSS.0001", "image_id must be 0 to 128"},
		{"report ok", "POST", base + "/image/security-report/statistic", "security_report_type=apps", `{"operate_all": true}`, nil, 200, "", ""},
		{"report without region", "POST", base + "/image/security-report/statistic", "security_report_type=apps", `{}`, map[string]string{"Region": ""}, 400, "HSS.0001", "region header is required"},
		{"unknown body field", "POST", base + "/image/security-report/statistic", "security_report_type=apps", `{"operateAll": true}`, nil, 400, "HSS.0001", `unknown field "operateAll"`},
		{"wrong body type", "POST", base + "/image/security-report/statistic", "security_report_type=apps", `{"operate_all": "true"}`, nil, 400, "HSS.0001", "operate_all must be a boolean"},
		{"body not an object", "POST", base + "/image/security-report/statistic", "security_report_type=apps", `[]`, nil, 400, "HSS.0001", "JSON object"},
		{"export size range", "POST", base + "/image/baseline/export", "export_size=2147483648", `{}`, nil, 400, "HSS.0001", "export_size must be from 0 to 2147483647"},
		{"unknown task", "GET", base + "/export-task/nope", "", "", nil, 404, "HSS.1013", "does not exist"},
		{"other project", "GET", "/v5/other/image/baseline/statistic", "image_type=local", "", nil, 403, "HSS.0004", "not authorized"},
		{"bad token", "GET", base + "/image/baseline/statistic", "image_type=local", "", map[string]string{"X-Auth-Token": "nope"}, 401, "APIGW.0301", "token is invalid"},
		{"no credentials", "GET", base + "/image/baseline/statistic", "image_type=local", "", map[string]string{"X-Auth-Token": ""}, 401, "APIGW.0301", "Neither"},
		{"unknown route", "GET", base + "/image/other", "", "", nil, 404, "APIGW.0101", "does not exist"},
		{"wrong method", "POST", base + "/image/baseline/statistic", "image_type=local", `{}`, nil, 404, "APIGW.0101", ""},
	}
	checkRoutes(t, srv, tests)
}

func TestSignatureChecks(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	now := time.Now().UTC().Format("20060102T150405Z")
	ak := "SDK-HMAC-SHA256 Access=" + DefaultAccessKey
	for _, tc := range []struct{ name, auth, date, want string }{
		{"other algorithm", "AWS4-HMAC-SHA256 Credential=x", now, "Unsupported signing algorithm"},
		{"unknown key", "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=x-sdk-date, Signature=00", now, "Unknown access key"},
		{"date unsigned", ak + ", SignedHeaders=host, Signature=00", now, "x-sdk-date must be signed"},
		{"unsorted", ak + ", SignedHeaders=x-sdk-date;host, Signature=00", now, "must be sorted"},
		{"stale date", ak + ", SignedHeaders=x-sdk-date, Signature=00", "20200101T000000Z", "expired"},
		{"bad signature", ak + ", SignedHeaders=x-sdk-date, Signature=00", now, "signature does not match"},
		{"temp key without token", "SDK-HMAC-SHA256 Access=" + DefaultTempAccessKey + ", SignedHeaders=x-sdk-date, Signature=00", now, "security token"},
	} {
		status, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/baseline/statistic", "image_type=local", "",
			map[string]string{"X-Auth-Token": "", "Authorization": tc.auth, "X-Sdk-Date": tc.date})
		msg, _ := body["error_msg"].(string)
		if status != 401 || body["error_code"] != "APIGW.0301" || body["request_id"] == nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %v, want 401 with %q", tc.name, status, body, tc.want)
		}
	}
}

func TestGatewayEscape(t *testing.T) {
	if got := gatewayEscape("a b+c/~._-ä*"); got != "a%20b%2Bc%2F~._-%C3%A4%2A" {
		t.Fatal(got)
	}
}

// The quota lets a burst of perSecond through, then answers 429 APIGW.0308
// with a Retry-After in whole seconds, per project.
func TestQuota(t *testing.T) {
	sim := New(Options{})
	sim.SetQuota(3)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	path := "/v5/" + DefaultProjectID + "/image/baseline/statistic"
	for i := 0; i < 3; i++ {
		if status, body := do(t, srv, http.MethodGet, path, "image_type=local", "", nil); status != 200 {
			t.Fatalf("request %d: %d %v", i+1, status, body)
		}
	}
	status, body := do(t, srv, http.MethodGet, path, "image_type=local", "", nil)
	if status != 429 || body["error_code"] != "APIGW.0308" {
		t.Fatalf("4th request: %d %v, want 429 APIGW.0308", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path+"?image_type=local", nil)
	req.Header.Set("X-Auth-Token", DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("5th request: %d, Retry-After %q; want 429 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another project has its own bucket (and is then refused for the project).
	if status, _ := do(t, srv, http.MethodGet, "/v5/other/image/baseline/statistic", "image_type=local", "", nil); status != 403 {
		t.Fatalf("other project: %d, want its own quota and then 403", status)
	}
	if n := sim.Answered(429); n != 2 {
		t.Fatalf("Answered(429) = %d", n)
	}
}

// Skip picks the nth request; Late acts, then answers after the client
// gave up.
func TestFaultSkipAndLate(t *testing.T) {
	s := New(Options{})
	srv := NewServer(s)
	t.Cleanup(srv.Close)
	base := "/v5/" + s.ProjectID()
	s.Inject(Fault{Endpoint: ExportTask, Skip: 1, Status: http.StatusInternalServerError})
	for i, want := range []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusNotFound} {
		if got, _ := do(t, srv, http.MethodGet, base+"/export-task/nope", "", "", nil); got != want {
			t.Fatalf("request %d: status %d, want %d", i+1, got, want)
		}
	}

	s.Inject(Fault{Endpoint: BaselineExport, Late: time.Hour})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+base+"/image/baseline/export?export_size=1", strings.NewReader(`{"operate_all":true}`))
	req.Header.Set("X-Auth-Token", DefaultToken)
	req.Header.Set("Region", "cn-north-4")
	c := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d, want no answer in time", resp.StatusCode)
	}
	if n := s.ExportsCreated(); n != 1 {
		t.Fatalf("%d tasks created, want 1: a late answer still acts", n)
	}
}
