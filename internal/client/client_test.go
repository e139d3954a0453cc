package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func ptr[T any](v T) *T { return &v }

var (
	aksk  = client.Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey}
	temp  = client.Credentials{AccessKey: simulator.DefaultTempAccessKey, SecretKey: simulator.DefaultTempSecretKey, SecurityToken: simulator.DefaultSecurityToken}
	token = client.Credentials{Token: simulator.DefaultToken}
)

// newClient returns a client for endpoint with fast retries.
func newClient(t testing.TB, endpoint string, creds client.Credentials, opts ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		Endpoint:     endpoint,
		AuthURL:      endpoint + "/v3",
		STSEndpoint:  endpoint,
		Region:       "cn-north-4",
		ProjectID:    simulator.DefaultProjectID,
		Credentials:  creds,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 20 * time.Millisecond,
		UserAgent:    "terraform-provider-hss/test",
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startSim(t testing.TB) (*simulator.Simulator, *httptest.Server) {
	t.Helper()
	sim := simulator.New(simulator.Options{Projects: testProjects})
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// testProjects: the regions the tests read from, each with its project.
var testProjects = []simulator.Project{
	{ID: simulator.DefaultProjectID, Name: "cn-north-4"},
	{ID: "a5e6f7a8b9c04d1e8f2a3b4c5d6e7f80", Name: "ap-southeast-1"},
	{ID: "c1d2e3f4a5b64c7d8e9f0a1b2c3d4e5f", Name: "cn-north-1"},
}

func TestBaselineStatisticAllAuthModes(t *testing.T) {
	_, srv := startSim(t)
	for name, creds := range map[string]client.Credentials{"aksk": aksk, "temporary": temp, "token": token} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, srv.URL, creds)
			got, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "private_image", Namespace: ptr("shop"), ImageName: ptr("web")})
			if err != nil {
				t.Fatal(err)
			}
			want := client.BaselineStatistic{ImageWeakPwd: 5, PwdPolicy: 6, SecurityCheck: 16}
			if *got != want {
				t.Fatalf("got %+v, want %+v", *got, want)
			}
		})
	}
}

func TestEscapedNamesAreSignedAndFiltered(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, aksk)
	got, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{
		ImageType: "private_image", ImageName: ptr("api gateway+edge"), ImageVersion: ptr("v1/beta"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ImageWeakPwd != 1 || got.SecurityCheck != 2 {
		t.Fatalf("got %+v: the name did not reach the server intact", *got)
	}
	raw := sim.Requests()[0].RawQuery
	if want := "image_name=api%20gateway%2Bedge&image_type=private_image&image_version=v1%2Fbeta"; raw != want {
		t.Fatalf("wire query\n got %s\nwant %s", raw, want)
	}
}

func TestStringCounts(t *testing.T) {
	sim, srv := startSim(t)
	sim.SetStringCounts(true)
	c := newClient(t, srv.URL, token)
	got, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if *got != (client.BaselineStatistic{ImageWeakPwd: 1, PwdPolicy: 2, SecurityCheck: 5}) {
		t.Fatalf("got %+v", *got)
	}
	n, err := c.GetSecurityReportStatistic(context.Background(), client.Scope{}, "vulnerability", client.ImageFilter{OperateAll: ptr(true)})
	// 13 findings of the shop, nginx and CI images, 453 of the vulns images.
	if err != nil || n != 466 {
		t.Fatalf("total_num = %d, %v; want 466", n, err)
	}
}

func TestHeadersAndScope(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, temp)
	_, err := c.GetSecurityReportStatistic(context.Background(), client.Scope{Region: "ap-southeast-1", EnterpriseProjectID: "all_granted_eps"}, "malwares", client.ImageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	req := sim.Requests()[0]
	// The region's own project, looked up in IAM, in the path and header.
	if req.Endpoint != simulator.IAMProjects || req.Query.Get("name") != "ap-southeast-1" {
		t.Fatalf("first request %s %s?%s, want the project lookup", req.Method, req.Path, req.RawQuery)
	}
	req = sim.Requests()[1]
	if got := req.Header.Get("Region"); got != "ap-southeast-1" {
		t.Errorf("region header = %q", got)
	}
	if want := "/v5/" + testProjects[1].ID + "/image/security-report/statistic"; req.Path != want || req.Header.Get("X-Project-Id") != testProjects[1].ID {
		t.Errorf("path %s, X-Project-Id %q; want %s", req.Path, req.Header.Get("X-Project-Id"), want)
	}
	if got := req.Query.Get("enterprise_project_id"); got != "all_granted_eps" {
		t.Errorf("enterprise_project_id = %q", got)
	}
	if got := req.Header.Get("User-Agent"); got != "terraform-provider-hss/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := req.Header.Get("X-Security-Token"); got != simulator.DefaultSecurityToken {
		t.Errorf("X-Security-Token = %q", got)
	}
	if string(req.Body) != "{}" {
		t.Errorf("body = %s, want {} for an empty filter", req.Body)
	}
}

func TestAPIErrors(t *testing.T) {
	sim, srv := startSim(t)
	ctx := context.Background()
	q := client.BaselineStatisticQuery{ImageType: "local"}

	bad := newClient(t, srv.URL, client.Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: "wrong"})
	_, err := bad.GetBaselineStatistic(ctx, client.Scope{}, q)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "APIGW.0301" || apiErr.RequestID != sim.Requests()[0].RequestID {
		t.Fatalf("got %#v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the secret key: %v", err)
	}

	other := newClient(t, srv.URL, token, func(c *client.Config) { c.ProjectID = "another-project" })
	_, err = other.GetBaselineStatistic(ctx, client.Scope{}, q)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code != "HSS.0004" || apiErr.RequestID != sim.Requests()[1].RequestID {
		t.Fatalf("got %#v", err)
	}
	want := "GET /v5/another-project/image/baseline/statistic: HTTP 403 Forbidden, error_code HSS.0004: You are not authorized to access project \"another-project\". (request id " + apiErr.RequestID + ")"
	if err.Error() != want {
		t.Fatalf("error text\n got %s\nwant %s", err, want)
	}
}

func TestInvalidParameterIsNotRetried(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, token)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "bogus"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "HSS.0001" {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		fault    simulator.Fault
		requests int
	}{
		{"429 with delta seconds", simulator.Fault{Status: 429, RetryAfter: "0", Times: 2}, 3},
		{"429 with HTTP date", simulator.Fault{Status: 429, RetryAfter: time.Now().Add(-time.Second).UTC().Format(http.TimeFormat)}, 2},
		{"429 without Retry-After", simulator.Fault{Status: 429, Times: 3}, 4},
		{"502 burst", simulator.Fault{Status: 502, Times: 2}, 3},
		{"503 HTML", simulator.Fault{Status: 503, Body: "<html><title>Service Unavailable</title></html>", ContentType: "text/html"}, 2},
		{"504 empty", simulator.Fault{Status: 504, NoBody: true}, 2},
		{"500 once", simulator.Fault{Status: 500}, 2},
		{"connection reset", simulator.Fault{Reset: true, Times: 2}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := startSim(t)
			sim.InjectAt(simulator.BaselineStatistic, tt.fault)
			c := newClient(t, srv.URL, aksk)
			if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
				t.Fatal(err)
			}
			if n := sim.Count(simulator.BaselineStatistic); n != tt.requests {
				t.Fatalf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Status: 503, Times: 100})
	c := newClient(t, srv.URL, aksk)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != "APIGW.0202" {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 4 {
		t.Fatalf("%d requests, want 1 + MaxRetries(3)", n)
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404} {
		sim, srv := startSim(t)
		sim.Inject(simulator.Fault{Status: status})
		c := newClient(t, srv.URL, aksk)
		_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
		if err == nil || sim.Count(simulator.BaselineStatistic) != 1 {
			t.Fatalf("status %d: err %v after %d requests, want an error after 1", status, err, sim.Count(simulator.BaselineStatistic))
		}
	}
}

// Every read is retried after a 500: the two statistics, a task's status
// and a download.
func TestReadsRetried500(t *testing.T) {
	sim, srv := startSim(t)
	sim.SetExportOutcome(0, "success")
	c := newClient(t, srv.URL, aksk)
	ctx := context.Background()
	task, err := c.ExportBaseline(ctx, client.Scope{}, 1, client.ImageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var fileID string
	reads := []struct {
		endpoint simulator.Endpoint
		read     func() error
	}{
		{simulator.BaselineStatistic, func() error {
			_, err := c.GetBaselineStatistic(ctx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
			return err
		}},
		{simulator.SecurityReport, func() error {
			_, err := c.GetSecurityReportStatistic(ctx, client.Scope{}, "apps", client.ImageFilter{})
			return err
		}},
		{simulator.ExportTask, func() error {
			st, err := c.GetExportTask(ctx, client.Scope{}, task.TaskID)
			if err == nil {
				fileID = st.FileID
			}
			return err
		}},
		{simulator.Download, func() error {
			_, err := c.Download(ctx, client.Scope{}, fileID, io.Discard)
			return err
		}},
	}
	for _, r := range reads {
		sim.Inject(simulator.Fault{Endpoint: r.endpoint, Status: 500})
		if err := r.read(); err != nil {
			t.Fatalf("%s: %v", r.endpoint, err)
		}
		if n := sim.Count(r.endpoint); n != 2 {
			t.Fatalf("%s: %d requests, want the 500 and its retry", r.endpoint, n)
		}
	}
}

func TestExportIsRetriedOnlyWhenNothingHappened(t *testing.T) {
	tests := []struct {
		name    string
		fault   simulator.Fault
		wantErr bool
		posts   int
	}{
		{"429 is retried", simulator.Fault{Status: 429, RetryAfter: "0"}, false, 2},
		{"502 after the task was created is not", simulator.Fault{Status: 502, AfterAction: true}, true, 1},
		{"503 is not", simulator.Fault{Status: 503}, true, 1},
		{"500 is not", simulator.Fault{Status: 500}, true, 1},
		{"reset after the task was created is not", simulator.Fault{Reset: true, AfterAction: true}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := startSim(t)
			sim.InjectAt(simulator.BaselineExport, tt.fault)
			c := newClient(t, srv.URL, aksk)
			_, err := c.ExportBaseline(context.Background(), client.Scope{}, 100, client.ImageFilter{OperateAll: ptr(true)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if n := sim.Count(simulator.BaselineExport); n != tt.posts {
				t.Fatalf("%d export POSTs, want %d", n, tt.posts)
			}
			want := 1
			if tt.wantErr && !tt.fault.AfterAction {
				want = 0 // refused before it took effect
			}
			if n := sim.ExportsCreated(); n != want {
				t.Fatalf("%d export tasks created, want %d", n, want)
			}
		})
	}
}

// A refused connection is retried even for an export (HSS cannot have seen
// it), until the breaker finds HSS unreachable.
func TestExportRetriedOnConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	c := newClient(t, url, aksk)
	_, err := c.ExportBaseline(context.Background(), client.Scope{}, 1, client.ImageFilter{})
	var ue *client.UnreachableError
	if !errors.As(err, &ue) || ue.Failures != 3 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want HSS unreachable after 3 refused attempts", err)
	}
	if !strings.Contains(err.Error(), "not sent: HSS is unreachable: 3 requests in a row got no answer, the last: ") {
		t.Fatalf("error text: %v", err)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Status: 429, RetryAfter: "30", Times: 10})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.RetryWaitMax = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for sim.Count(simulator.BaselineStatistic) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.GetBaselineStatistic(ctx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestStallPastTimeoutFails(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Delay: 2 * time.Second, Times: 10})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.MaxRetries = 1
		cfg.RequestTimeout = 50 * time.Millisecond
	})
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var te *client.TransportError
	if !errors.As(err, &te) || te.Attempts != 2 || !strings.HasSuffix(err.Error(), "no response after 2 attempt(s): no response within the request timeout of 50ms") {
		t.Fatalf("got %v, want a transport error after 2 attempts", err)
	}
}

// A certificate the client does not trust never heals: the read fails on
// its first attempt instead of waiting out its retries.
func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a request got through an untrusted certificate")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failures are expected
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, aksk)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var te *client.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("got %v, want a certificate error after 1 attempt", err)
	}
}

// A caller that goes away is not HSS failing to answer: however many
// callers cancel, the breaker stays closed for the next read.
func TestCanceledReadsDoNotOpenTheBreaker(t *testing.T) {
	arrived := make(chan struct{})
	var mu sync.Mutex
	hang := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hang
		mu.Unlock()
		if h {
			arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		fmt.Fprint(w, `{"image_weak_pwd": 1, "pwd_policy": 2, "security_check": 3}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.RetryWaitMax = time.Minute })
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		if _, err := c.GetBaselineStatistic(ctx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr(strconv.Itoa(i))}); !errors.Is(err, context.Canceled) {
			t.Fatalf("read %d: got %v, want the caller's cancellation", i, err)
		}
	}
	mu.Lock()
	hang = false
	mu.Unlock()
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
		t.Fatalf("a read after callers went away: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"image_weak_pwd": 1, "pwd_policy": 2}`, "field security_check: missing"},
		{`{"image_weak_pwd": "x", "pwd_policy": 2, "security_check": 3}`, `field image_weak_pwd: want a non-negative integer or numeric string, got "x"`},
		{`{"image_weak_pwd": -1, "pwd_policy": 2, "security_check": 3}`, "field image_weak_pwd"},
		{`{"image_weak_pwd": 1.5, "pwd_policy": 2, "security_check": 3}`, "field image_weak_pwd"},
		{`{"image_weak_pwd": null, "pwd_policy": 2, "security_check": 3}`, "field image_weak_pwd"},
		{`{"image_weak_pwd": 1, "pwd_`, "cannot decode response body"},
		{``, "cannot decode response body"},
		{`[]`, "cannot decode response body"},
		{`null`, "cannot decode response body: expected a JSON object, got null"},
		{`{"image_weak_pwd": 1, "pwd_policy": 2, "security_check": 3} {"image_weak_pwd": 9}`, "cannot decode response body: trailing data after the JSON object"},
	}
	for _, tt := range tests {
		sim, srv := startSim(t)
		sim.Inject(simulator.Fault{Status: 200, Body: tt.body})
		c := newClient(t, srv.URL, aksk)
		_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
		var de *client.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) || de.RequestID == "" {
			t.Errorf("body %q: got %v, want a decode error containing %q", tt.body, err, tt.want)
		}
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Status: 200, Body: `{"image_weak_pwd": "7", "pwd_policy": 8, "security_check": 9, "extra": {"a": [1]}}`})
	c := newClient(t, srv.URL, aksk)
	got, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if err != nil || *got != (client.BaselineStatistic{ImageWeakPwd: 7, PwdPolicy: 8, SecurityCheck: 9}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestErrorBodiesAreOneLine(t *testing.T) {
	tests := []struct {
		fault simulator.Fault
		want  string
	}{
		{simulator.Fault{Status: 400, Body: "<!DOCTYPE html>\n<html><head><title>400 Bad\n Request</title></head><body>" + strings.Repeat("x", 5000) + "</body></html>", ContentType: "text/html"}, "HTML error page: 400 Bad Request"},
		{simulator.Fault{Status: 400, NoBody: true}, "empty response body"},
		{simulator.Fault{Status: 400, Body: `{"error_code":"HSS.1","error_description":"described"}`}, "error_code HSS.1: described"},
		{simulator.Fault{Status: 400, Body: `{"error_code":"X","error_msg":"m","request_id":"rid-from-body"}`}, "(request id "},
		{simulator.Fault{Status: 400, Body: strings.Repeat("plain text ", 100)}, "unexpected body: plain text"},
		{simulator.Fault{Status: 401, Body: `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`},
			"HTTP 401 Unauthorized, error_code 401: The request you have made requires authentication."},
		{simulator.Fault{Status: 404, Body: `{"error": {"code": "IAM.0011", "message": "Request parameter error."}}`}, "error_code IAM.0011: Request parameter error."},
	}
	for _, tt := range tests {
		sim, srv := startSim(t)
		sim.Inject(tt.fault)
		c := newClient(t, srv.URL, aksk)
		_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
			t.Errorf("got %q, want one short line containing %q", err, tt.want)
		}
	}
}

func TestRequestIDFromBodyWhenHeaderMissing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		_, _ = w.Write([]byte(`{"error_code":"IAM.0001","error_msg":"denied","request_id":"rid-from-body"}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, token)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "rid-from-body" {
		t.Fatalf("got %v", err)
	}
}

func TestExportTaskAndDownload(t *testing.T) {
	sim, srv := startSim(t)
	sim.SetExportOutcome(1, "success")
	c := newClient(t, srv.URL, aksk)
	ctx := context.Background()
	task, err := c.ExportBaseline(ctx, client.Scope{}, 1000, client.ImageFilter{OperateAll: ptr(true), Namespace: ptr("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if task.RecordTotalNum == nil || *task.RecordTotalNum != 30 || task.TaskID == "" {
		t.Fatalf("got %+v, want 30 records", task)
	}
	st, err := c.GetExportTask(ctx, client.Scope{}, task.TaskID)
	if err != nil || st.TaskStatus != client.TaskRunning {
		t.Fatalf("first poll: %+v, %v", st, err)
	}
	st, err = c.GetExportTask(ctx, client.Scope{}, task.TaskID)
	if err != nil || st.TaskStatus != client.TaskSuccess || st.FileID == "" || st.FileName == "" {
		t.Fatalf("second poll: %+v, %v", st, err)
	}
	var buf strings.Builder
	n, err := c.Download(ctx, client.Scope{}, st.FileID, &buf)
	if err != nil || n == 0 || buf.String() != string(sim.FileBytes(st.FileID)) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
}

func TestCoalescesIdenticalReads(t *testing.T) {
	sim, srv := startSim(t)
	sim.SetLatency(50 * time.Millisecond)
	c := newClient(t, srv.URL, aksk)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			imageType := "local"
			if i%2 == 1 {
				imageType = "registry"
			}
			if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: imageType}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if n := sim.Count(simulator.BaselineStatistic); n != 2 {
		t.Fatalf("%d requests for 2 distinct questions asked 10 times each at once, want 2", n)
	}
}

func TestCredentialsValidate(t *testing.T) {
	tests := map[string]struct {
		c    client.Credentials
		want string
	}{
		"none":     {client.Credentials{}, "no credentials"},
		"both":     {client.Credentials{Token: "t", AccessKey: "a", SecretKey: "s"}, "both"},
		"ak only":  {client.Credentials{AccessKey: "a"}, "without its secret key"},
		"sk only":  {client.Credentials{SecretKey: "s"}, "without its access key"},
		"token+st": {client.Credentials{Token: "t", SecurityToken: "x"}, "security token"},
		"aksk":     {aksk, ""},
		"aksk+st":  {temp, ""},
		"token":    {token, ""},
	}
	for name, tt := range tests {
		err := tt.c.Validate()
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", name, err, tt.want)
		}
	}
	if s := strings.Join([]string{temp.String(), temp.GoString()}, ""); strings.Contains(s, simulator.DefaultTempSecretKey) {
		t.Fatal("credentials print their secret")
	}
}

func TestDefaultEndpoint(t *testing.T) {
	if got := client.DefaultEndpoint("cn-north-4"); got != "https://hss.cn-north-4.myhuaweicloud.com" {
		t.Error(got)
	}
	if got := client.DefaultEndpoint("eu-west-101"); got != "https://hss.eu-west-101.myhuaweicloud.eu" {
		t.Error(got)
	}
}

func TestEndpointWithBasePath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		_, _ = w.Write([]byte(`{"image_weak_pwd":0,"pwd_policy":0,"security_check":0}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/hss-proxy/", token)
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
		t.Fatal(err)
	}
	if want := "/hss-proxy/v5/" + simulator.DefaultProjectID + "/image/baseline/statistic"; got != want {
		t.Fatalf("path %s, want %s", got, want)
	}
}

func TestIdenticalReadsAskOnceDistinctNeverMerged(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, aksk)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := c.GetBaselineStatistic(ctx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
			t.Fatal(err)
		}
	}
	distinct := []struct {
		scope client.Scope
		q     client.BaselineStatisticQuery
	}{
		{client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr("")}},
		{client.Scope{EnterpriseProjectID: "0"}, client.BaselineStatisticQuery{ImageType: "local"}},
		{client.Scope{Region: "cn-north-1"}, client.BaselineStatisticQuery{ImageType: "local"}},
		{client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr("a"), ImageVersion: ptr("b")}},
		{client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr("a&image_version=b")}},
	}
	for _, d := range distinct {
		if _, err := c.GetBaselineStatistic(ctx, d.scope, d.q); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 1+len(distinct) {
		t.Fatalf("%d requests, want %d", n, 1+len(distinct))
	}
	// A failure is not kept: the next identical read asks again.
	sim.Inject(simulator.Fault{Endpoint: simulator.SecurityReport, Status: 400})
	if _, err := c.GetSecurityReportStatistic(ctx, client.Scope{}, "apps", client.ImageFilter{}); err == nil {
		t.Fatal("want the injected error")
	}
	if n, err := c.GetSecurityReportStatistic(ctx, client.Scope{}, "apps", client.ImageFilter{}); err != nil || n != 892 {
		t.Fatalf("got %d, %v", n, err)
	}
}

func TestResponseCutMidBody(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Status: 200, Body: `{"image_weak_pwd": 1, "pwd_pol`, DeclaredLength: 500})
	c := newClient(t, srv.URL, aksk)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var te *client.TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "reading the response body (request id ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
}

// Identical reads in flight share a failure too: a failing HSS is asked once
// (plus its retries), not once per waiting caller.
func TestCoalescedReadsShareAFailure(t *testing.T) {
	sim, srv := startSim(t)
	sim.SetLatency(50 * time.Millisecond)
	sim.Inject(simulator.Fault{Status: 403, Times: 100})
	c := newClient(t, srv.URL, aksk)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
			t.Fatalf("got %v, want the shared 403", err)
		}
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 1 {
		t.Fatalf("%d requests for 10 identical reads in flight against a failing server, want 1", n)
	}
	// Not kept: a later read asks again.
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err == nil {
		t.Fatal("want the injected 403 again")
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// A follower whose own context is alive does not inherit the leader's
// cancellation or deadline: it asks for itself.
func TestCoalescedReadSurvivesLeaderCancel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		leader func() (context.Context, context.CancelFunc) // the leader's context, and what ends it
		want   error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			return ctx, func() { <-ctx.Done(); cancel() }
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, srv := startSim(t)
			sim.SetLatency(100 * time.Millisecond)
			c := newClient(t, srv.URL, aksk)
			leaderCtx, end := tc.leader()
			leaderDone := make(chan error, 1)
			go func() {
				_, err := c.GetBaselineStatistic(leaderCtx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
				leaderDone <- err
			}()
			for sim.Count(simulator.BaselineStatistic) == 0 {
				time.Sleep(time.Millisecond)
			}
			followerDone := make(chan error, 1)
			go func() {
				_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
				followerDone <- err
			}()
			time.Sleep(10 * time.Millisecond) // let the follower join the leader's call
			end()
			if err := <-leaderDone; !errors.Is(err, tc.want) {
				t.Fatalf("leader: %v", err)
			}
			if err := <-followerDone; err != nil {
				t.Fatalf("follower inherited the leader's %s: %v", tc.name, err)
			}
		})
	}
}

// recordingLogger keeps the client's debug records.
type recordingLogger struct {
	mu      sync.Mutex
	records []map[string]any
}

func (l *recordingLogger) Debug(_ context.Context, _ string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, fields)
}

// The wait before a retry comes from Retry-After, in both forms, capped at
// RetryWaitMax (20ms here), plus jitter of up to half of it (at least up to
// RetryWaitMin, 1ms here).
func TestRetryAfterChoosesTheWait(t *testing.T) {
	tests := []struct {
		name, retryAfter string
		minMs, maxMs     int64
	}{
		{"seconds", "0", 0, 1},
		{"seconds over the cap", "3600", 20, 30},
		{"date in the past", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 1},
		{"date over the cap", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 20, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := startSim(t)
			sim.Inject(simulator.Fault{Status: 429, RetryAfter: tt.retryAfter})
			log := &recordingLogger{}
			c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.Logger = log })
			if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
				t.Fatal(err)
			}
			var waits []any
			for _, r := range log.records {
				if w, ok := r["retry_in_ms"]; ok {
					waits = append(waits, w)
				}
			}
			if len(waits) != 1 {
				t.Fatalf("waits %v, want one", waits)
			}
			if w, ok := waits[0].(int64); !ok || w < tt.minMs || w > tt.maxMs {
				t.Fatalf("waits %v, want one in [%d, %d] ms", waits, tt.minMs, tt.maxMs)
			}
			first := log.records[0]
			for _, k := range []string{"method", "path", "status", "duration_ms", "attempt", "request_id"} {
				if _, ok := first[k]; !ok {
					t.Errorf("debug record lacks %s: %v", k, first)
				}
			}
		})
	}
}

// A 2xx answer that carries an HSS error object fails with its error_msg,
// not as a decode error, and is not kept.
func TestSuccessStatusWithErrorObject(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Endpoint: simulator.BaselineStatistic, Status: 200, Body: `{"error_code":"HSS.1077","error_msg":"The image does not exist."}`})
	c := newClient(t, srv.URL, aksk)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "HSS.1077" || apiErr.Message != "The image does not exist." || apiErr.RequestID != sim.Requests()[0].RequestID {
		t.Fatalf("got %v, want the error object's code and message", err)
	}
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
		t.Fatalf("the failure was kept: %v", err)
	}
}

// Errors show the path actually requested, an endpoint's base path
// included; an endpoint ending in /v5 is refused with the fix.
func TestErrorsShowTheRequestedPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"error_code":"APIGW.0101","error_msg":"not found"}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/hss-proxy", token)
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if want := "GET /hss-proxy/v5/" + simulator.DefaultProjectID + "/image/baseline/statistic: HTTP 404"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want it to start with %q", err, want)
	}

	_, err = client.New(client.Config{Endpoint: srv.URL + "/v5/", Region: "cn-north-4", ProjectID: "p", Credentials: token})
	if want := `ends in /v5, the API version the provider puts in front of every path (requests would go to /v5/v5/...); use "` + srv.URL + `"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// A header value with a control character is never sent, nor retried, and
// the error names the header, not its value.
func TestInvalidHeaderIsNotSent(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, client.Credentials{Token: simulator.DefaultToken + "\r\n"})
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if err == nil || !strings.Contains(err.Error(), "not sent: the X-Auth-Token header would hold a control character") || strings.Contains(err.Error(), simulator.DefaultToken) {
		t.Fatalf("got %v", err)
	}
	var te *client.TransportError
	if errors.As(err, &te) || len(sim.Requests()) != 0 {
		t.Fatalf("%d requests; %v must not read as a request HSS did not answer", len(sim.Requests()), err)
	}
}

// ReadTimeout bounds a read as a whole, however many retries are left.
func TestReadTimeoutBoundsRetries(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Endpoint: simulator.BaselineStatistic, Status: 503, Times: 1000})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.MaxRetries = 20
		cfg.RetryWaitMin, cfg.RetryWaitMax = 20*time.Millisecond, 20*time.Millisecond
		cfg.ReadTimeout = 100 * time.Millisecond
	})
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !strings.HasSuffix(err.Error(), "; not retried: the read timeout of 100ms ran out") {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.BaselineStatistic); n >= 21 {
		t.Fatalf("%d requests: the read timeout did not stop the retries", n)
	}
}

// A hung endpoint: each attempt ends at RequestTimeout, and the breaker
// counts them: the third in a row opens it.
func TestHungEndpointTimesOutAndOpensTheBreaker(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Delay: time.Minute, Times: 1000})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.MaxRetries = 5
		cfg.RequestTimeout = 30 * time.Millisecond
	})
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	var ue *client.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "3 requests in a row got no answer, the last: no response within the request timeout of 30ms") {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.BaselineStatistic); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

// Many reads against a dead endpoint: a few attempts find it unreachable,
// the rest fail at once with that cause; a later answer closes the breaker.
func TestDeadEndpointFailsFastThenRecovers(t *testing.T) {
	sim, srv := startSim(t)
	sim.Inject(simulator.Fault{Reset: true, Times: 1000})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.MaxRetries = 5 })
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr(strconv.Itoa(i))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	unreachable := 0
	for err := range errs {
		var ue *client.UnreachableError
		if errors.As(err, &ue) {
			unreachable++
		} else if err == nil {
			t.Fatal("a read succeeded against a dead endpoint")
		}
	}
	// The breaker opens after 3 failures in a row; reads already on their
	// way when it opened still end, one probe per RetryWaitMax may pass.
	if n := sim.Count(simulator.BaselineStatistic); n > 60 || unreachable < 40 {
		t.Fatalf("%d requests, %d of 50 reads failed fast; want most reads failed fast", n, unreachable)
	}
	sim.Reset()
	var err error
	for range 100 { // the next probe, at most RetryWaitMax (20ms) away
		if _, err = c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"}); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the breaker did not close after HSS answered again: %v", err)
	}
}

// TestNewRefusesHostNamingRegionAndCloud: default URLs are built from the
// region and the cloud domain, so neither may add a user, port or path.
func TestNewRefusesHostNamingRegionAndCloud(t *testing.T) {
	for _, tc := range []struct{ region, cloud, want string }{
		{"x@127.0.0.1:1/", "", `region "x@127.0.0.1:1/" is not a region id`},
		{"cn-north-4 ", "", "is not a region id"},
		{"cn-north-4", "myhuaweicloud.com@127.0.0.1:1", "is not a domain name"},
		{"cn-north-4", "evil.example/x", "is not a domain name"},
	} {
		_, err := client.New(client.Config{Region: tc.region, Cloud: tc.cloud, ProjectID: simulator.DefaultProjectID, Credentials: aksk})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(region %q, cloud %q) = %v, want an error containing %q", tc.region, tc.cloud, err, tc.want)
		}
	}
	if _, err := client.New(client.Config{Region: "eu-west-101", Cloud: "myhuaweicloud.eu", ProjectID: simulator.DefaultProjectID, Credentials: aksk}); err != nil {
		t.Errorf("a real region and cloud: %v", err)
	}
}
