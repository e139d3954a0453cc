package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// recordingServer answers each request with the next of answers (the last
// one repeats) and keeps what it received.
type recorded struct {
	method, path, query string
	body                []byte
}

func recordingServer(t *testing.T, answers ...func(w http.ResponseWriter)) (*httptest.Server, func() []recorded) {
	t.Helper()
	var mu sync.Mutex
	var got []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, recorded{r.Method, r.URL.Path, r.URL.RawQuery, body})
		n := len(got)
		mu.Unlock()
		answers[min(n, len(answers))-1](w)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), got...)
	}
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("X-Request-Id", "req-1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestCreateImageSynchronizeTask(t *testing.T) {
	const path = "/v5/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/image/image-sync/tasks"
	harbor := []client.RegistryRef{{ID: "reg-harbor", Type: client.RegistryHarbor}, {ID: "reg-ee", Type: client.RegistrySwrEnterprise}}
	for _, tc := range []struct {
		name     string
		regs     []client.RegistryRef
		all      bool
		answers  []func(http.ResponseWriter)
		requests int
		body     string
		err      string // "" for success
	}{
		{"two registries", harbor, false, []func(http.ResponseWriter){answer(200, `{}`)}, 1,
			`{"sync_all_registries":false,"registry_info":[{"registry_id":"reg-harbor","registry_type":"Harbor"},{"registry_id":"reg-ee","registry_type":"SwrEnterprise"}]}`, ""},
		{"every registry", nil, true, []func(http.ResponseWriter){answer(200, ``)}, 1, `{"sync_all_registries":true}`, ""},
		{"a 200 with an error code", harbor[:1], false, []func(http.ResponseWriter){answer(200, `{"error_code": 1043, "error_description": "registry offline"}`)}, 1,
			`{"sync_all_registries":false,"registry_info":[{"registry_id":"reg-harbor","registry_type":"Harbor"}]}`,
			"POST " + path + ": HTTP 200 OK, error_code 1043: registry offline (request id req-1)"},
		{"503: HSS may have acted, not retried", harbor[:1], false, []func(http.ResponseWriter){answer(503, `{}`), answer(200, `{}`)}, 1,
			`{"sync_all_registries":false,"registry_info":[{"registry_id":"reg-harbor","registry_type":"Harbor"}]}`, "HTTP 503"},
		{"429: refused before HSS acted, retried", harbor[:1], false, []func(http.ResponseWriter){answer(429, `{}`), answer(200, `{}`)}, 2,
			`{"sync_all_registries":false,"registry_info":[{"registry_id":"reg-harbor","registry_type":"Harbor"}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := recordingServer(t, tc.answers...)
			c := newClient(t, srv.URL, aksk)
			err := c.CreateImageSynchronizeTask(context.Background(), client.Scope{}, tc.regs, tc.all)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, want %q", err, tc.err)
			}
			reqs := got()
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			for _, r := range reqs {
				if r.method != http.MethodPost || r.path != path || string(r.body) != tc.body {
					t.Fatalf("sent %s %s %s, want body %s", r.method, r.path, r.body, tc.body)
				}
			}
		})
	}
	srv, got := recordingServer(t, answer(200, `{}`))
	c := newClient(t, srv.URL, aksk)
	for _, tc := range []struct {
		name string
		regs []client.RegistryRef
		all  bool
		err  string
	}{
		{"nothing named", nil, false, "at least one registry"},
		{"both", harbor, true, "either every registry or 2 of them"},
		{"no id", []client.RegistryRef{{Type: client.RegistryHarbor}}, false, "registry 1: no registry_id"},
		{"unknown type", []client.RegistryRef{{ID: "r", Type: "harbor"}}, false, `registry_type "harbor" is not one of`},
		{"twice", []client.RegistryRef{harbor[0], harbor[0]}, false, "named twice"},
	} {
		if err := c.CreateImageSynchronizeTask(context.Background(), client.Scope{}, tc.regs, tc.all); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
		}
	}
	if n := len(got()); n != 0 {
		t.Fatalf("%d requests for refused arguments", n)
	}
}

func TestRunImageSynchronize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  []func(http.ResponseWriter)
		requests int
		err      string // "" for success
	}{
		{"empty object", []func(http.ResponseWriter){answer(200, `{}`)}, 1, ""},
		{"empty body", []func(http.ResponseWriter){answer(200, ``)}, 1, ""},
		{"error_code 0", []func(http.ResponseWriter){answer(200, `{"error_code": 0, "error_description": "success"}`)}, 1, ""},
		{"a 200 with an error code", []func(http.ResponseWriter){answer(200, `{"error_code": 1043, "error_description": "SWR is not authorised"}`)}, 1,
			"POST /v5/" + "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/image/synchronize: HTTP 200 OK, error_code 1043: SWR is not authorised (request id req-1)"},
		{"a 200 with a string error code", []func(http.ResponseWriter){answer(200, `{"error_code": "HSS.1043", "error_msg": "no"}`)}, 1, "error_code HSS.1043: no"},
		{"a 200 with an odd error code", []func(http.ResponseWriter){answer(200, `{"error_code": [1]}`)}, 1, "cannot decode field error_code"},
		{"not JSON", []func(http.ResponseWriter){answer(200, `<html>`)}, 1, "cannot decode response body"},
		{"503: HSS may have acted, not retried", []func(http.ResponseWriter){answer(503, `{}`), answer(200, `{}`)}, 1, "HTTP 503"},
		{"500: not retried", []func(http.ResponseWriter){answer(500, `{}`), answer(200, `{}`)}, 1, "HTTP 500"},
		{"429: refused before HSS acted, retried", []func(http.ResponseWriter){answer(429, `{}`), answer(200, `{}`)}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := recordingServer(t, tc.answers...)
			c := newClient(t, srv.URL, aksk)
			err := c.RunImageSynchronize(context.Background(), client.Scope{}, "private_image")
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, want %q", err, tc.err)
			}
			reqs := got()
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			if r := reqs[0]; r.method != http.MethodPost || r.path != "/v5/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/image/synchronize" || string(r.body) != `{"image_type":"private_image"}` {
				t.Fatalf("sent %s %s %s", r.method, r.path, r.body)
			}
		})
	}
	c := newClient(t, "http://127.0.0.1:1", aksk)
	if err := c.RunImageSynchronize(context.Background(), client.Scope{}, "harbor"); err == nil || !strings.Contains(err.Error(), "private_image and shared_image") {
		t.Fatalf("got %v", err)
	}
}

func TestCreateManualImageScanTask(t *testing.T) {
	full := client.ImageRecord{ID: 42, ImageID: "img-1", ImageType: "instance_image", Namespace: "finance", ImageName: "payments", ImageVersion: "1.2",
		ImageDigest: "sha256:abc", RegistryName: "finance-registry", RegistryID: "reg-1", RegistryType: "SwrEnterprise",
		InstanceID: "swr-ee-7f3a", InstanceName: "finance", InstanceURL: "finance.swr.example.com", ScanStatus: "success"}
	local := client.ImageRecord{ImageID: "img-local", ImageType: "local_image", ImageName: "nginx", ImageVersion: "1.27", ImageDigest: "sha256:def"}
	srv, got := recordingServer(t, answer(200, `{}`))
	c := newClient(t, srv.URL, aksk)
	if err := c.CreateManualImageScanTask(context.Background(), client.Scope{EnterpriseProjectID: "ep-finance"}, []client.ImageRecord{full}, client.ScanTaskOptions{ScanScope: 0x000f0000}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateManualImageScanTask(context.Background(), client.Scope{}, []client.ImageRecord{local}, client.ScanTaskOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := got()
	want := `{"scan_scope":983040,"is_all":false,"image_info":[{"id":42,"image_id":"img-1","image_digest":"sha256:abc","registry_id":"reg-1",` +
		`"registry_name":"finance-registry","image_name":"payments","image_version":"1.2","namespace":"finance","instance_id":"swr-ee-7f3a",` +
		`"instance_url":"finance.swr.example.com","registry_type":"SwrEnterprise"}]}`
	if r := reqs[0]; r.path != "/v5/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/image/image-scan/tasks" || r.query != "enterprise_project_id=ep-finance&global_image_type=registry" || string(r.body) != want {
		t.Fatalf("sent %s?%s\n%s\nwant\n%s", r.path, r.query, r.body, want)
	}
	if r := reqs[1]; r.query != "global_image_type=local" || string(r.body) != `{"is_all":false,"image_info":[{"image_id":"img-local","image_digest":"sha256:def","image_name":"nginx","image_version":"1.27"}]}` {
		t.Fatalf("sent %s %s", r.query, r.body)
	}
	// Refused before sending.
	cicd := full
	cicd.ImageType = "cicd"
	noID := full
	noID.ID, noID.ImageID = 0, ""
	for name, tc := range map[string]struct {
		records []client.ImageRecord
		err     string
	}{
		"none":       {nil, "at least one image"},
		"mixed":      {[]client.ImageRecord{full, local}, "one global_image_type per scan task"},
		"cicd":       {[]client.ImageRecord{cicd}, `not image_type "cicd"`},
		"no id":      {[]client.ImageRecord{noID}, "neither its record id nor its image_id"},
		"too many":   {make([]client.ImageRecord, 101), "at most 100 images"},
		"no version": {[]client.ImageRecord{{ID: 1, ImageType: "private_image", ImageName: "x"}}, "no image_name or image_version"},
	} {
		if err := c.CreateManualImageScanTask(context.Background(), client.Scope{}, tc.records, client.ScanTaskOptions{}); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want %q", name, err, tc.err)
		}
	}
	if n := len(got()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	// A 502 may come after HSS acted: never sent again; a 429 is.
	for _, tc := range []struct {
		status, requests int
	}{{502, 1}, {504, 1}, {429, 2}} {
		srv, got := recordingServer(t, answer(tc.status, `{}`), answer(200, `{}`))
		c := newClient(t, srv.URL, aksk)
		err := c.CreateManualImageScanTask(context.Background(), client.Scope{}, []client.ImageRecord{full}, client.ScanTaskOptions{})
		var apiErr *client.APIError
		if n := len(got()); n != tc.requests || (tc.status != 429) != errors.As(err, &apiErr) {
			t.Errorf("HTTP %d: %d requests, err %v", tc.status, n, err)
		}
	}
}

func TestListImageScanTask(t *testing.T) {
	page := `{"total_num": 2, "data_list": [
	  {"task_id": "t-2", "task_name": "n", "task_type": "manual", "begin_time": 1767225600000, "task_status": -2, "total_num": 3, "success_num": 1, "failed_num": 2,
	   "failed_images": [{"id": 7, "image_name": "web", "image_version": "1.0", "namespace": "shop", "registry_type": "SwrPrivate", "failed_reason": "download_failed"}]},
	  {"task_id": "t-1", "task_status": "55", "end_time": null}]}`
	srv, got := recordingServer(t, answer(200, page))
	c := newClient(t, srv.URL, aksk)
	tasks, err := c.ListImageScanTask(context.Background(), client.Scope{}, client.ImageTaskQuery{Type: client.TaskListScan, TaskType: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].TaskStatus != -2 || !tasks[0].Finished() || tasks[0].Outcome() != "timed out" || *tasks[0].FailedNum != 2 ||
		len(tasks[0].FailedImages) != 1 || tasks[0].FailedImages[0].ID != 7 || tasks[0].FailedImages[0].FailedReason != "download_failed" ||
		tasks[1].TaskStatus != 55 || tasks[1].Finished() || tasks[1].Outcome() != "55% done" || tasks[1].TotalNum != nil {
		b, _ := json.Marshal(tasks)
		t.Fatalf("got %s", b)
	}
	if q := got()[0].query; q != "limit=200&offset=0&task_type=manual&type=image_scan" {
		t.Fatalf("query %s", q)
	}
	for _, bad := range []string{`"task_status": 101`, `"task_status": -4`, `"task_status": null`, `"task_status": "x"`} {
		srv, _ := recordingServer(t, answer(200, `{"total_num": 1, "data_list": [{"task_id": "t", `+bad+`}]}`))
		c := newClient(t, srv.URL, aksk)
		if _, err := c.ListImageScanTask(context.Background(), client.Scope{}, client.ImageTaskQuery{Type: client.TaskListScan}); err == nil || !strings.Contains(err.Error(), "task_status") {
			t.Errorf("%s: got %v", bad, err)
		}
	}
	if _, err := c.ListImageScanTask(context.Background(), client.Scope{}, client.ImageTaskQuery{}); err == nil {
		t.Error("a list without its type was sent")
	}
}
