package provider

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// Faults through the real Terraform CLI: each read either succeeds after
// bounded retries or fails with one line naming status, code and request
// id; nothing panics.
func TestAccFaultInjection(t *testing.T) {
	t.Parallel()
	ds := `data "hss_image_baseline_statistic" "x" { image_type = "local" }`
	httpDate := func() string { return time.Now().Add(time.Second).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name     string
		faults   []simulator.Fault
		wantErr  []string // empty: the read succeeds
		requests int      // requests for the first read
	}{
		{"429 storm with Retry-After seconds", []simulator.Fault{{Status: 429, RetryAfter: "0", Times: 2}}, nil, 3},
		{"429 storm with Retry-After date", []simulator.Fault{{Status: 429, RetryAfter: httpDate(), Times: 2}}, nil, 3},
		{"429 storm past max_retries", []simulator.Fault{{Status: 429, RetryAfter: "0", Times: 10}}, []string{"HTTP 429 Too Many Requests, error_code APIGW.0308", "(request id "}, 3},
		{"503 HTML storm", []simulator.Fault{{Status: 503, RetryAfter: "0", Times: 10, ContentType: "text/html", Body: "<html><head><title>503 Service Temporarily Unavailable</title></head><body>" + strings.Repeat("<p>nginx</p>", 200) + "</body></html>"}},
			[]string{"HTTP 503 Service Unavailable: HTML error page: 503 Service Temporarily Unavailable (request id "}, 3},
		{"empty 502 then success", []simulator.Fault{{Status: 502, NoBody: true, RetryAfter: "0"}}, nil, 2},
		{"truncated JSON", []simulator.Fault{{Status: 200, Body: `{"image_weak_pwd": 1, "pwd_po`}}, []string{"cannot decode response body", "(request id "}, 1},
		{"wrong type in a count", []simulator.Fault{{Status: 200, Body: `{"image_weak_pwd": "many", "pwd_policy": 1, "security_check": 2}`}}, []string{`cannot decode field image_weak_pwd: want a non-negative integer or numeric string, got "many"`}, 1},
		{"count missing", []simulator.Fault{{Status: 200, Body: `{"image_weak_pwd": 1, "pwd_policy": 1}`}}, []string{"cannot decode field security_check: missing"}, 1},
		{"reset mid-response", []simulator.Fault{{Status: 200, Body: `{"image_weak_pwd": 1`, DeclaredLength: 400}}, []string{"reading the response body (request id ", "unexpected EOF"}, 1},
		{"connection reset before answering", []simulator.Fault{{Reset: true, Times: 2}}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			e.sim.InjectAt(simulator.BaselineStatistic, tt.faults...)
			step := resource.TestStep{Config: e.providerConfig(authAKSK, "max_retries = 2") + ds}
			if tt.wantErr != nil {
				step.ExpectError = errorLike(tt.wantErr...)
			} else {
				step.ConfigStateChecks = baselineChecks("x", 1, 2, 5)
			}
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: []resource.TestStep{step}})
			if n := e.sim.Count(simulator.BaselineStatistic); n < tt.requests || (tt.wantErr != nil && n != tt.requests) {
				t.Fatalf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// An export whose answer is lost after HSS created the task is an error,
// never a second export.
func TestAccFaultInjectionExportNotDuplicated(t *testing.T) {
	t.Parallel()
	for _, f := range []simulator.Fault{
		{Status: 502, AfterAction: true},
		{Status: 504, AfterAction: true, ContentType: "text/html", Body: "<html><title>504 Gateway Time-out</title></html>"},
		{Reset: true, AfterAction: true},
	} {
		e := newTestEnv(t)
		e.sim.InjectAt(simulator.BaselineExport, f)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      e.config(`resource "hss_image_baseline_export" "x" { export_size = 10 }`),
				ExpectError: errorLike("HSS baseline export failed", "starting the export: POST", mayHaveStarted),
			}},
		})
		if n, c := e.sim.ExportsCreated(), e.sim.Count(simulator.BaselineExport); n != 1 || c != 1 {
			t.Fatalf("fault %+v: %d tasks from %d requests, want 1 from 1", f, n, c)
		}
	}
}

// Ctrl-C during an export: Terraform cancels the context; the wait stops
// with an error naming the task, nothing panics, and nothing is re-sent.
func TestExportCancelledWhileWaiting(t *testing.T) {
	h := newProtocolHarness(t)
	h.e.sim.SetExportOutcome(1000, "success")
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for h.e.sim.Count(simulator.ExportTask) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	stream, err := h.server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: "hss_image_baseline_export",
		Config:     h.config(map[string]tftypes.Value{"export_size": num(1)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var diags []*tfprotov6.Diagnostic
	for ev := range stream.Events {
		if c, ok := ev.Type.(tfprotov6.CompletedInvokeActionEventType); ok {
			diags = c.Diagnostics
		}
	}
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "waiting for export task export000001: context canceled") {
		t.Fatalf("diagnostics %+v", diags)
	}
	if n := h.e.sim.ExportsCreated(); n != 1 {
		t.Fatalf("%d exports", n)
	}
}

// One 500 on one status poll is retried like any read's: the apply
// succeeds with the one task HSS ran, nothing is tainted, no second export.
func TestAccFaultInjectionExportPoll500(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.SetExportOutcome(2, "success")
	e.sim.Inject(simulator.Fault{Endpoint: simulator.ExportTask, Status: 500, Times: 1})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(exportConfig("")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(exportAddr, tfjsonpath.New("task_status"), knownvalue.StringExact("success")),
			},
			Check: expectExports(e, 1),
		}},
	})
	if n := e.sim.Answered(http.StatusInternalServerError); n != 1 {
		t.Fatalf("%d answers were 500, want the one injected", n)
	}
}

// A hung endpoint: each attempt ends at request_timeout, and the read as a
// whole at read_timeout, with an error that says which bound ran out and
// never that HSS answered.
func TestAccFaultInjectionHungEndpoint(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.Inject(simulator.Fault{Endpoint: simulator.BaselineStatistic, Delay: time.Minute, Times: 1000})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// The first retry would come 500ms or more later: after the
			// read timeout.
			Config: e.providerConfig(authAKSK, `request_timeout = "100ms"`, `read_timeout = "250ms"`) +
				`data "hss_image_baseline_statistic" "x" { image_type = "local" }`,
			ExpectError: errorLike("Cannot read HSS image baseline statistic",
				"no response after 1 attempt(s): no response within the request timeout of 100ms; not retried: the read timeout of 250ms ran out"),
		}},
	})
	if n := e.sim.Count(simulator.BaselineStatistic); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// 200 reads against an endpoint that stopped answering: a few attempts find
// it unreachable, every read fails at once with that one cause, and no
// error claims that HSS answered.
func TestAccFaultInjectionDeadEndpoint(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sim.Inject(simulator.Fault{Reset: true, Times: 100000})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.config(`
data "hss_image_baseline_statistic" "x" {
  count      = 200
  image_type = "private_image"
  image_name = "img-${count.index}"
}
`),
			ExpectError: regexp.MustCompile(`not sent: HSS\s+is\s+unreachable:\s+\d+\s+requests\s+in\s+a\s+row\s+got\s+no\s+answer,\s+the\s+last:`),
		}},
	})
	n := e.sim.Count(simulator.BaselineStatistic)
	t.Logf("%d requests for 200 reads", n)
	if n > 30 {
		t.Fatalf("%d requests for 200 reads against a dead endpoint; want a few, then none", n)
	}
}
