package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// answering serves body with status 200 to every request.
func answering(t *testing.T, body string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "rid-1")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL, token)
}

// An export answer that names its task but whose count is unreadable
// keeps the task: the error names the task id and the field.
func TestExportBaselineKeepsTaskWhenCountUnreadable(t *testing.T) {
	for _, count := range []string{`"abc"`, `-1`, `1.5`, `null`, `""`, `{}`, `"+3"`, ``} {
		body := `{"task_id":"task-7f3a"` + map[bool]string{true: "", false: `,"record_total_num":` + count}[count == ""] + `}`
		t.Run(body, func(t *testing.T) {
			c := answering(t, body)
			task, err := c.ExportBaseline(context.Background(), client.Scope{}, 10, client.ImageFilter{})
			if err == nil {
				t.Fatalf("got %+v, want an error", task)
			}
			var started *client.ExportStartedError
			var decodeErr *client.DecodeError
			if task != nil || !errors.As(err, &started) || started.Task.TaskID != "task-7f3a" || started.Task.RecordTotalNum != nil ||
				!errors.As(err, &decodeErr) || decodeErr.Field != "record_total_num" {
				t.Fatalf("got %+v, %#v; want no task and an ExportStartedError of task-7f3a naming record_total_num", task, err)
			}
			msg := err.Error()
			for _, want := range []string{"task-7f3a", "field record_total_num", "request id rid-1"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
		})
	}
}

// Task states are known in any letter case; an unknown one is an error
// naming task_status.
func TestGetExportTaskStatusCase(t *testing.T) {
	for status, want := range map[string]string{
		"running": client.TaskRunning, "Running": client.TaskRunning, "RUNNING": client.TaskRunning,
		"success": client.TaskSuccess, "SUCCESS": client.TaskSuccess, "Success": client.TaskSuccess,
		"failure": client.TaskFailure, "FAILURE": client.TaskFailure,
		"done": "", "succeeded": "", " success": "", "success\n": "", "": "", "runnıng": "", "ſuccess": "", "SUCCEſS": "",
	} {
		t.Run(status, func(t *testing.T) {
			c := answering(t, fmt.Sprintf(`{"task_id":"t","task_name":"n","task_status":%q,"file_id":"f","file_name":"f.zip"}`, status))
			st, err := c.GetExportTask(context.Background(), client.Scope{}, "t")
			if want == "" {
				if err == nil || !strings.Contains(err.Error(), "task_status") {
					t.Fatalf("got %+v, %v; want an error naming task_status", st, err)
				}
				return
			}
			if err != nil || st.TaskStatus != want {
				t.Fatalf("got %+v, %v; want status %q", st, err, want)
			}
		})
	}
}

// Without a readable task id nothing is known of the task: a plain
// DecodeError naming task_id. A readable answer gives both fields.
func TestExportBaselineAnswers(t *testing.T) {
	for body, want := range map[string]string{
		`{"record_total_num":1}`:                   "field task_id: missing",
		`{"task_id":"","record_total_num":1}`:      "field task_id: empty",
		`{"task_id":7,"record_total_num":1}`:       "field task_id: want a string",
		`{"task_id":null,"record_total_num":"x"}`:  "field task_id: missing",
		`{"task_id":"t-1","record_total_num":30}`:  "30",
		`{"task_id":"t-1","record_total_num":"0"}`: "0",
	} {
		t.Run(body, func(t *testing.T) {
			c := answering(t, body)
			task, err := c.ExportBaseline(context.Background(), client.Scope{}, 10, client.ImageFilter{})
			var started *client.ExportStartedError
			var decodeErr *client.DecodeError
			switch {
			case strings.HasPrefix(want, "field"):
				if task != nil || errors.As(err, &started) || !errors.As(err, &decodeErr) || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %+v, %v; want a DecodeError saying %q", task, err, want)
				}
			default:
				if err != nil || task.TaskID != "t-1" || task.RecordTotalNum == nil || fmt.Sprint(*task.RecordTotalNum) != want {
					t.Fatalf("got %+v, %v; want task t-1 of %s records", task, err, want)
				}
			}
		})
	}
}
