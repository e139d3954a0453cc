package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// Which failed export requests may have left a task in HSS.
func TestExportStartError(t *testing.T) {
	req := exportRequest{timeout: 2 * time.Second, timeoutName: "timeouts.create"}
	api := func(status int) error {
		return &client.APIError{StatusCode: status, Method: "POST", Path: "/v5/p/image/baseline/export"}
	}
	transport := func(err error) error {
		return &client.TransportError{Method: "POST", Path: "/x", Attempts: 1, Err: err}
	}
	for _, tc := range []struct {
		name    string
		err     error
		started bool
		want    string
	}{
		{"refused by HSS", api(400), false, "HTTP 400"},
		{"throttled", api(429), false, "HTTP 429"},
		{"unavailable", api(503), false, "HTTP 503"},
		{"server error", api(500), true, "HTTP 500"},
		{"bad gateway", api(502), true, "HTTP 502"},
		{"gateway timeout", api(504), true, "HTTP 504"},
		{"unreadable 2xx", &client.DecodeError{Method: "POST", Path: "/x", Field: "task_id", Err: errors.New("missing")}, true, "field task_id"},
		{"connection refused", transport(syscall.ECONNREFUSED), false, "connection refused"},
		{"unknown host", transport(&net.DNSError{Err: "no such host", Name: "hss.example"}), false, "no such host"},
		{"connection reset", transport(syscall.ECONNRESET), true, "connection reset"},
		{"deadline", transport(context.DeadlineExceeded), true, "no answer within 2s, the time the export request may take (the smaller of timeouts.create and 1m0s)"},
	} {
		err := exportStartError(t.Context(), req, time.Date(2026, 11, 23, 4, 5, 6, 0, time.UTC), tc.err)
		msg := err.Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, mayHaveStarted) != tc.started {
			t.Errorf("%s: %q", tc.name, msg)
		}
		if tc.started && !strings.Contains(msg, "created at about 2026-11-23 04:05:06 (UTC)") {
			t.Errorf("%s: no time to look for: %q", tc.name, msg)
		}
	}
}

// The export request gets its own deadline: an answer that comes after it
// is reported as possibly started, with how to find it, and the task is
// never requested twice.
func TestAccImageBaselineExportLateAnswer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineExport, Late: time.Minute})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(exportConfig(`timeouts { create = "1s" }`)),
			ExpectError: errorLike("HSS baseline export failed", "no answer within 1s", "timeouts.create",
				mayHaveStarted, "look for an image baseline export task created at about"),
		}},
	})
	if n, c := e.sim.ExportsCreated(), e.sim.Count(simulator.BaselineExport); n != 1 || c != 1 {
		t.Fatalf("%d tasks from %d requests, want 1 from 1", n, c)
	}
}

// output_path is checked before the export request: nothing is exported
// when the file could not be written.
func TestAccImageBaselineExportOutputPathCheckedFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing", "baseline.zip"), "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{dir, dir + " is a directory; name the file to write"},
		{filepath.Join(dir, "file.txt", "baseline.zip"), filepath.Join(dir, "file.txt") + " is not a directory"},
	}
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	switch {
	case os.Geteuid() != 0:
		cases = append(cases, struct{ path, want string }{filepath.Join(readOnly, "baseline.zip"), "cannot write in directory " + readOnly})
	case sysfsReadOnly(): // root writes anywhere, but not in sysfs
		cases = append(cases, struct{ path, want string }{"/sys/baseline.zip", "cannot write in directory /sys"})
	default:
		t.Log("running as root without a read-only directory: the unwritable-directory case is not tested")
	}
	for _, tc := range cases {
		e := newTestEnv(t)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      e.config(exportConfig(fmt.Sprintf("output_path = %q", tc.path))),
				ExpectError: errorLike("HSS baseline export failed", "output_path: "+tc.want, "Nothing was exported"),
			}},
		})
		e.expectNoRequests(t)
	}
}

// A task that could not be finished is resumed by the next apply, not
// exported again: a download that is not a ZIP (a proxy's HTML page
// answered 200), a wait that timed out, a status read that failed.
func TestAccImageBaselineExportResumedNotRepeated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		arrange func(*simulator.Simulator)
		extra   string
		noFile  bool // no output_path
		want    []string
	}{
		{
			name: "download is an HTML page",
			arrange: func(s *simulator.Simulator) {
				s.Inject(simulator.Fault{Endpoint: simulator.Download, Status: 200, ContentType: "text/html",
					Body: "<!DOCTYPE html><html><title>Proxy login</title></html>"})
			},
			want: []string{"export task export000001 succeeded, but its file file-export000001 could not be written to",
				"not a ZIP archive (an HTML page of 54 bytes", "it was not kept", "resumes this task"},
		},
		{
			name:    "wait timed out",
			arrange: func(s *simulator.Simulator) { s.SetExportOutcome(3, "success") },
			extra:   `timeouts { create = "1s" }`,
			want:    []string{"export task export000001 did not finish within timeouts.create (1s)", "resumes this task"},
		},
		{
			name:    "wait timed out, no file",
			arrange: func(s *simulator.Simulator) { s.SetExportOutcome(3, "success") },
			extra:   `timeouts { create = "1s" }`,
			noFile:  true,
			want:    []string{"export task export000001 did not finish within timeouts.create (1s)", "resumes this task"},
		},
		{
			name: "download is a ZIP with a damaged member",
			arrange: func(s *simulator.Simulator) {
				s.Inject(simulator.Fault{Endpoint: simulator.Download, Status: 200, ContentType: "application/octet-stream",
					Body: string(damagedZIP(false))})
			},
			want: []string{"export task export000001 succeeded, but its file file-export000001 could not be written to",
				`the downloaded ZIP archive is damaged: member "findings.csv"`, "checksum", "it was not kept", "resumes this task"},
		},
		{
			name: "download is a ZIP whose member claims no checksum",
			arrange: func(s *simulator.Simulator) {
				s.Inject(simulator.Fault{Endpoint: simulator.Download, Status: 200, ContentType: "application/octet-stream",
					Body: string(damagedZIP(true))})
			},
			want: []string{"export task export000001 succeeded, but its file file-export000001 could not be written to",
				`the downloaded ZIP archive is damaged: member "findings.csv"`, "checksum", "it was not kept", "resumes this task"},
		},
		{
			name: "status unknown",
			arrange: func(s *simulator.Simulator) {
				s.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 200,
					Body: `{"task_id":"export000001","task_name":"baseline","task_status":"Done"}`})
			},
			want: []string{"export task export000001: reading its status", "cannot decode field task_status", `got "Done"`, "resumes this task"},
		},
		{
			name: "status read failed",
			arrange: func(s *simulator.Simulator) {
				s.SetExportOutcome(2, "success")
				s.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Skip: 1, Status: 403,
					Body: `{"error_code":"HSS.0004","error_msg":"denied"}`})
			},
			want: []string{"export task export000001: reading its status", "HTTP 403", "resumes this task"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			tc.arrange(e.sim)
			out := filepath.Join(t.TempDir(), "baseline.zip")
			args := fmt.Sprintf("output_path = %q\n", out)
			if tc.noFile {
				args = ""
			}
			config := e.config(exportConfig(args + `triggers = { release = "1" }` + "\n" + tc.extra))
			var sha knownvalue.Check = knownvalue.NotNull()
			if tc.noFile {
				sha = knownvalue.Null()
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:      config,
						ExpectError: errorLike(append([]string{"HSS baseline export failed"}, tc.want...)...),
					},
					{
						// A step that expects an error runs no Check: the
						// failed apply is checked here, before the next one.
						PreConfig: func() {
							if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
								t.Errorf("%s exists (%v); nothing may be written", out, err)
							}
						},
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							// Terraform replaces the tainted resource...
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionDestroyBeforeCreate)},
						},
						// ...and the provider resumes its task.
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
							statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
							statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.StringExact("file-export000001")),
							statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), sha),
						},
						Check: func(s *terraform.State) error {
							if tc.noFile {
								return expectExports(e, 1)(s)
							}
							got, err := os.ReadFile(out)
							if err != nil {
								return err
							}
							if want := e.sim.FileBytes("file-export000001"); string(got) != string(want) {
								return fmt.Errorf("%s holds %d bytes, not the %d of the export", out, len(got), len(want))
							}
							return expectExports(e, 1)(s)
						},
					},
					{
						// A new trigger is a new export, as always.
						PreConfig: func() { e.sim.SetExportOutcome(0, "success") },
						Config:    strings.Replace(config, `release = "1"`, `release = "2"`, 1),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
						},
						Check: expectExports(e, 2),
					},
				},
			})
		})
	}
}

// damagedZIP is a ZIP archive whose header and directory are sound but
// whose one member's bytes do not match its CRC-32. With claimsNoCRC, the
// archive records the member's CRC-32 as 0 and has no data descriptor, the
// case archive/zip itself does not check.
func damagedZIP(claimsNoCRC bool) []byte {
	content := []byte("image_id,check_type,finding\nimg-1,weak_password,1\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var w io.Writer
	var err error
	if claimsNoCRC {
		w, err = zw.CreateRaw(&zip.FileHeader{Name: "findings.csv", Method: zip.Store,
			CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))})
	} else {
		w, err = zw.CreateHeader(&zip.FileHeader{Name: "findings.csv", Method: zip.Store})
	}
	if err == nil {
		_, err = w.Write(content)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		panic(err)
	}
	b := buf.Bytes()
	if !claimsNoCRC {
		i := bytes.Index(b, []byte("weak_password"))
		b[i] = 'W' // after the CRC-32 was computed: the member no longer matches it
	}
	if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
		panic("the damaged archive must still open: " + err.Error())
	}
	return b
}

// checkZIP reads every member whole: a damaged member fails however the
// archive records its checksum, and a cancelled check stops.
func TestCheckZIP(t *testing.T) {
	good := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range []string{"a.csv", "b.csv"} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(w, "%s\n%s\n", name, strings.Repeat("x", 5000))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	empty := func() []byte {
		var buf bytes.Buffer
		_ = zip.NewWriter(&buf).Close()
		return buf.Bytes()
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		data []byte
		want string // empty: sound
	}{
		{"sound", t.Context(), good(), ""},
		{"no members", t.Context(), empty(), ""},
		{"member damaged", t.Context(), damagedZIP(false), `the downloaded ZIP archive is damaged: member "findings.csv": its content does not match its checksum (CRC-32): zip: checksum error; it was not kept`},
		{"member claims no checksum", t.Context(), damagedZIP(true), `the downloaded ZIP archive is damaged: member "findings.csv": its content does not match its checksum (CRC-32 `},
		{"not a ZIP", t.Context(), []byte("<html>Proxy login</html>"), "not a ZIP archive (an HTML page of 24 bytes"},
		{"empty", t.Context(), nil, "not a ZIP archive (empty)"},
		{"cancelled", cancelled, good(), `checking the downloaded ZIP archive stopped at member "a.csv": context canceled; it was not kept`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "*.zip")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(tc.data); err != nil {
				t.Fatal(err)
			}
			err = checkZIP(tc.ctx, f, int64(len(tc.data)))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			t.Log(err)
		})
	}
}

// HSS's answer names the task but its record count is unreadable: the
// apply fails naming the field, the task is kept in state, and the next
// apply resumes it. Exactly one export exists.
func TestAccImageBaselineExportUnreadableCountKeepsTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		noWait bool
	}{{"waited for", false}, {"not waited for", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineExport, AfterAction: true, Status: 200,
				Body: `{"record_total_num":"abc","task_id":"export000001"}`})
			out := filepath.Join(t.TempDir(), "baseline.zip")
			args := fmt.Sprintf("output_path = %q", out)
			var sha knownvalue.Check = knownvalue.NotNull()
			status := "success"
			if tc.noWait {
				// Not waited for, the resumed task is adopted as it is:
				// still running, as its status read says.
				e.sim.SetExportOutcome(5, "success")
				args, sha, status = "wait_for_completion = false", knownvalue.Null(), "running"
			}
			config := e.config(exportConfig(args))
			unitTest(t,
				resource.TestStep{
					Config: config,
					ExpectError: errorLike("HSS baseline export failed", "export task export000001", "field record_total_num",
						`got "abc"`, "resumes this task"),
				},
				resource.TestStep{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(exportAddr, plancheck.ResourceActionDestroyBeforeCreate)},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("record_total_num"), knownvalue.Null()),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact(status)),
						statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), sha),
					},
					Check: expectExports(e, 1),
				},
				resource.TestStep{
					// The resumed export is whole: nothing is planned again.
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: expectExports(e, 1),
				},
			)
			if !tc.noWait {
				if got, want := fileBytes(t, out), e.sim.FileBytes("file-export000001"); string(got) != string(want) {
					t.Fatalf("%s holds %d bytes, not the %d of the export", out, len(got), len(want))
				}
			}
		})
	}
}

// Task states come in any letter case: "Running" and "SUCCESS" are the
// states they spell.
func TestAccImageBaselineExportStatusAnyCase(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(1, "success")
	e.sim.InjectAt(simulator.ExportTask,
		simulator.Fault{AfterAction: true, Status: 200, Body: `{"task_id":"export000001","task_name":"baseline","task_status":"Running"}`},
		simulator.Fault{AfterAction: true, Status: 200, Body: `{"task_id":"export000001","task_name":"baseline","task_status":"SUCCESS",` +
			`"file_id":"file-export000001","file_name":"baseline.zip"}`})
	out := filepath.Join(t.TempDir(), "baseline.zip")
	unitTest(t, resource.TestStep{
		Config: e.config(exportConfig(fmt.Sprintf("output_path = %q", out))),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
			statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("file_id"), knownvalue.StringExact("file-export000001")),
			statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("output_sha256"), knownvalue.NotNull()),
		},
		Check: expectExports(e, 1),
	})
	if n := e.sim.Count(simulator.ExportTask); n < 2 {
		t.Fatalf("%d status reads, want the running one and the successful one", n)
	}
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The action keeps no state: when HSS's answer names the task but its
// record count is unreadable, the error names the task, for the user to
// find it.
func TestImageBaselineExportActionUnreadableCountNamesTask(t *testing.T) {
	h := newProtocolHarness(t)
	h.e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineExport, AfterAction: true, Status: 200,
		Body: `{"record_total_num":"abc","task_id":"export000001"}`})
	_, diags := h.invoke(h.config(map[string]tftypes.Value{"export_size": num(1)}))
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("diagnostics %+v", diags)
	}
	for _, want := range []string{"export task export000001", "field record_total_num", `got "abc"`, "invoking the action again starts a new export"} {
		if !strings.Contains(diags[0].Detail, want) {
			t.Errorf("detail %q does not say %q", diags[0].Detail, want)
		}
	}
	if strings.Contains(diags[0].Detail, mayHaveStarted) {
		t.Errorf("detail %q says the task id is unknown", diags[0].Detail)
	}
	t.Log(diags[0].Detail)
	if n := h.e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports, want 1", n)
	}
}

// A task the earlier apply left that HSS has since forgotten: a new
// export starts, with a warning.
func TestAccImageBaselineExportResumeForgottenTask(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(3, "success")
	config := e.config(exportConfig(`timeouts { create = "1s" }`))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ExpectError: errorLike("did not finish within timeouts.create (1s)")},
			{
				PreConfig: func() {
					e.sim.SetExportOutcome(0, "success")
					e.sim.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 404,
						Body: `{"error_code":"HSS.1013","error_msg":"Export task does not exist."}`})
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
				},
				Check: expectExports(e, 2),
			},
		},
	})
}

// A task the earlier apply left that has since failed in HSS: a new
// export starts.
func TestAccImageBaselineExportResumeFailedTask(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(3, "success")
	config := e.config(exportConfig(`timeouts { create = "1s" }`))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ExpectError: errorLike("did not finish within timeouts.create (1s)")},
			{
				PreConfig: func() {
					e.sim.SetExportOutcome(0, "success")
					e.sim.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 200,
						Body: `{"task_id":"export000001","task_name":"baseline","task_status":"failure"}`})
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
				},
				Check: expectExports(e, 2),
			},
		},
	})
}

// A task the earlier apply left whose status cannot be read when it is to
// be resumed: the apply fails naming it, still without a new export, and
// the next apply resumes it.
func TestAccImageBaselineExportResumeStatusUnreadable(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(3, "success")
	config := e.config(exportConfig(`timeouts { create = "1s" }`))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ExpectError: errorLike("did not finish within timeouts.create (1s)")},
			{
				PreConfig: func() {
					e.sim.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 403,
						Body: `{"error_code":"HSS.0004","error_msg":"denied"}`})
				},
				Config:      config,
				ExpectError: errorLike("HSS baseline export failed", "resuming export task export000001: reading its status", "HTTP 403"),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000001")),
					statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
				},
				Check: expectExports(e, 1),
			},
		},
	})
}

// A tainted task is resumed only by the export it was: with a trigger
// changed, the replacement is a new export even though the old task is
// still pending.
func TestAccImageBaselineExportChangedTriggerNotResumed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(3, "success")
	config := func(release string) string {
		return e.config(exportConfig(`triggers = { release = "` + release + `" }` + "\n" + `timeouts { create = "1s" }`))
	}
	unitTest(t,
		resource.TestStep{Config: config("1"), ExpectError: errorLike("did not finish within timeouts.create (1s)")},
		resource.TestStep{
			PreConfig: func() { e.sim.SetExportOutcome(0, "success") },
			Config:    config("2"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_id"), knownvalue.StringExact("export000002")),
			},
			Check: expectExports(e, 2),
		},
	)
}

// The action names an expired timeout too.
func TestImageBaselineExportActionTimeoutIsNamed(t *testing.T) {
	h := newProtocolHarness(t)
	h.e.sim.SetExportOutcome(1000, "success")
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"invoke": tftypes.String}}
	_, diags := h.invoke(h.config(map[string]tftypes.Value{
		"export_size": num(1),
		"timeouts":    tftypes.NewValue(typ, map[string]tftypes.Value{"invoke": str("500ms")}),
	}))
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "export task export000001 did not finish within timeouts.invoke (500ms); it may still finish in HSS") {
		t.Fatalf("diagnostics %+v", diags)
	}
}

func sysfsReadOnly() bool {
	f, err := os.CreateTemp("/sys", ".probe-*")
	if err == nil {
		f.Close()
		os.Remove(f.Name())
		return false
	}
	fi, err := os.Stat("/sys")
	return err == nil && fi.IsDir()
}
