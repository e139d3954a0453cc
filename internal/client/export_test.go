package client_test

import (
	"context"
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
