package provider

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// simClient is a client of e's simulator, for what a test does to HSS
// besides the provider (asking for a scan, as hss_image_scan does).
func (e *testEnv) simClient(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: e.srv.URL, Region: "cn-north-4", ProjectID: e.sim.ProjectID(),
		Credentials: client.Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// privateImage is the private image namespace/name:version as HSS lists
// it now.
func (e *testEnv) privateImage(t testing.TB, namespace, name, version string) *images.Image {
	t.Helper()
	img, err := images.Lookup(client.Fresh(context.Background()), e.simClient(t), client.Scope{},
		images.Query{ImageType: "private_image", Namespace: &namespace, ImageName: &name, ImageVersion: &version})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// requestScan asks HSS to scan the private image namespace/name:version.
func (e *testEnv) requestScan(t testing.TB, namespace, name, version string) {
	t.Helper()
	img := e.privateImage(t, namespace, name, version)
	if err := e.simClient(t).CreateManualImageScanTask(context.Background(), client.Scope{}, []client.ImageRecord{img.ImageRecord}, client.ScanTaskOptions{}); err != nil {
		t.Fatal(err)
	}
}

// stateValue is the value at steps (attribute names and list indexes) of
// a data source's state.
func stateValue(t testing.TB, h *protocolHarness, typeName string, resp *tfprotov6.ReadDataSourceResponse, steps ...any) tftypes.Value {
	t.Helper()
	v, err := resp.State.Unmarshal(h.schema.DataSourceSchemas[typeName].Block.ValueType())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			var m map[string]tftypes.Value
			if err := v.As(&m); err != nil {
				t.Fatalf("%v at %q: %v", steps, s, err)
			}
			v = m[s]
		case int:
			var l []tftypes.Value
			if err := v.As(&l); err != nil || s >= len(l) {
				t.Fatalf("%v at [%d]: %v (%d elements)", steps, s, err, len(l))
			}
			v = l[s]
		}
	}
	return v
}

func stateString(t testing.TB, h *protocolHarness, typeName string, resp *tfprotov6.ReadDataSourceResponse, steps ...any) string {
	t.Helper()
	var s string
	if err := stateValue(t, h, typeName, resp, steps...).As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func diagText(diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity) string {
	var out []string
	for _, d := range diags {
		if d.Severity == severity {
			out = append(out, d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(out, "\n")
}

// waitForScanReads are the five data sources with wait_for_scan, each
// reading shop/web:2.0 (vulns/clean:1.0 for the gate: it has no finding,
// so that only the scan decides), with where each keeps the image's
// scan_status and whether an unscanned image fails its read.
var waitForScanReads = []struct {
	typeName   string
	set        map[string]tftypes.Value
	status     []any
	failClosed bool
	image      [2]string
}{
	{"hss_image", webSelector(), []any{"scan_status"}, false, [2]string{"shop", "web"}},
	{"hss_images", map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str("shop"), "image_name": str("web"), "image_version": str("2.0")},
		[]any{"images", 0, "scan_status"}, false, [2]string{"shop", "web"}},
	{"hss_image_security_summary", map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str("shop"), "image_name": str("web"), "image_version": str("2.0")},
		[]any{"image", "scan_status"}, true, [2]string{"shop", "web"}},
	{"hss_image_vulnerabilities", webSelector(), []any{"image", "scan_status"}, true, [2]string{"shop", "web"}},
	{"hss_image_gate", map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str(simulator.VulnsNamespace), "image_name": str("clean"), "image_version": str("1.0")},
		[]any{"image", "scan_status"}, true, [2]string{simulator.VulnsNamespace, "clean"}},
}

func webSelector() map[string]tftypes.Value {
	return map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str("shop"), "image_name": str("web"), "image_version": str("2.0")}
}

func withWait(set map[string]tftypes.Value, wait string) map[string]tftypes.Value {
	out := map[string]tftypes.Value{"wait_for_scan": str(wait)}
	for k, v := range set {
		out[k] = v
	}
	return out
}

// versionOf is the tag each read of waitForScanReads selects.
func versionOf(ns string) string {
	if ns == simulator.VulnsNamespace {
		return "1.0"
	}
	return "2.0"
}

// wait_for_scan long enough: each data source reads an image HSS is
// scanning again until the scan ended, and judges the new result.
func TestWaitForScanLongEnough(t *testing.T) {
	const delay = 1500 * time.Millisecond
	for _, tc := range waitForScanReads {
		t.Run(tc.typeName, func(t *testing.T) {
			e := newTestEnvWith(t, simulator.Options{ScanDelay: delay})
			h := newProtocolHarnessWith(t, NewProtocol6Server("test")(), e)
			before := e.privateImage(t, tc.image[0], tc.image[1], versionOf(tc.image[0])).LatestScanTime
			e.requestScan(t, tc.image[0], tc.image[1], versionOf(tc.image[0]))
			start := time.Now()
			resp := h.readDataSource(tc.typeName, withWait(tc.set, "30s"))
			took := time.Since(start)
			h.noErrors("read", resp.Diagnostics)
			if w := diagText(resp.Diagnostics, tfprotov6.DiagnosticSeverityWarning); strings.Contains(w, "wait_for_scan") {
				t.Errorf("warnings: %s", w)
			}
			if got := stateString(t, h, tc.typeName, resp, tc.status...); got != "success" {
				t.Fatalf("scan_status %q after the wait", got)
			}
			if after := e.privateImage(t, tc.image[0], tc.image[1], versionOf(tc.image[0])).LatestScanTime; after <= before {
				t.Fatalf("latest_scan_time %d, not after %d: not the new scan", after, before)
			}
			if took < delay/2 { // the scan was pending when the read began: it must have waited
				t.Fatalf("the read took %s: it did not wait for the scan (delay %s)", took, delay)
			}
		})
	}
}

// scanningEnv is a simulator whose clock the test moves: an image asked
// to be scanned is listed as "scanning" once the clock moved 3 minutes
// (a quarter of the scan delay of 10), and stays so for 7 more. (Signed
// requests allow 15 minutes of skew.)
func scanningEnv(t *testing.T) (*testEnv, func()) {
	var offset atomic.Int64
	e := newTestEnvWith(t, simulator.Options{ScanDelay: 10 * time.Minute, Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	return e, func() { offset.Add(int64(3 * time.Minute)) }
}

// wait_for_scan too short, and unset: the image is judged as HSS lists it
// (scan_status "scanning"), failing closed where an unscanned image does;
// with a wait that ran out, the error (or hss_image's warning) says so.
func TestWaitForScanTooShortOrUnset(t *testing.T) {
	for _, tc := range waitForScanReads {
		for _, wait := range []string{"300ms", ""} {
			t.Run(tc.typeName+" wait="+wait, func(t *testing.T) {
				e, later := scanningEnv(t)
				h := newProtocolHarnessWith(t, NewProtocol6Server("test")(), e)
				e.requestScan(t, tc.image[0], tc.image[1], versionOf(tc.image[0]))
				later()
				set := tc.set
				if wait != "" {
					set = withWait(set, wait)
				}
				start := time.Now()
				resp := h.readDataSource(tc.typeName, set)
				took := time.Since(start)
				errs, warns := diagText(resp.Diagnostics, tfprotov6.DiagnosticSeverityError), diagText(resp.Diagnostics, tfprotov6.DiagnosticSeverityWarning)
				ranOut := "wait_for_scan (300ms) ran out while HSS still listed it as waiting for its scan or scanning."
				if tc.failClosed {
					if !strings.Contains(errs, "Image security numbers cannot be trusted") || !strings.Contains(errs, `scan_status "scanning"`) {
						t.Fatalf("errors %q", errs)
					}
					if (wait != "") != strings.Contains(errs, ranOut) {
						t.Fatalf("wait %q, errors %q", wait, errs)
					}
				} else {
					h.noErrors("read", resp.Diagnostics)
					if got := stateString(t, h, tc.typeName, resp, tc.status...); got != "scanning" {
						t.Fatalf("scan_status %q", got)
					}
					if tc.typeName == "hss_image" && (wait != "") != strings.Contains(warns, ranOut) {
						t.Fatalf("wait %q, warnings %q", wait, warns)
					}
					if tc.typeName == "hss_images" && (wait != "") != strings.Contains(warns, "wait_for_scan (300ms) ran out while HSS still listed 1 image(s) as waiting for their scan or scanning: private_image shop/web:2.0.") {
						t.Fatalf("wait %q, warnings %q", wait, warns)
					}
				}
				if wait == "" && took > 5*time.Second || wait != "" && took < 300*time.Millisecond {
					t.Fatalf("wait %q: the read took %s", wait, took)
				}
			})
		}
	}
}

// The provider's read_timeout bounds the wait too, and the error says it
// was that bound that ran out.
func TestWaitForScanBoundedByReadTimeout(t *testing.T) {
	e, later := scanningEnv(t)
	h := newProtocolHarnessWith(t, NewProtocol6Server("test")(), e)
	resp, err := h.server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0",
		Config: h.value(h.schema.Provider.Block, map[string]tftypes.Value{
			"region": str("cn-north-4"), "project_id": str(e.sim.ProjectID()), "endpoint": str(e.srv.URL), "token": str(simulator.DefaultToken),
			"read_timeout": str("1s"),
		})})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("configure", resp.Diagnostics)
	e.requestScan(t, "shop", "web", "2.0")
	later()
	start := time.Now()
	read := h.readDataSource("hss_image_security_summary", withWait(waitForScanReads[2].set, "1h"))
	took := time.Since(start)
	errs := diagText(read.Diagnostics, tfprotov6.DiagnosticSeverityError)
	want := `Image scan still running: the provider's read_timeout (1s), which bounds wait_for_scan (1h0m0s) as well, ran out before HSS finished: private_image shop/web:2.0: scan_status "scanning"`
	if !strings.Contains(errs, want) {
		t.Fatalf("errors %q, want %q", errs, want)
	}
	if took > 10*time.Second {
		t.Fatalf("the read took %s: read_timeout did not bound it", took)
	}
}

// wait_for_scan through Terraform: an image asked to be scanned just
// before the plan is read once its scan ended.
func TestAccWaitForScanSummary(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, simulator.Options{ScanDelay: 3 * time.Second})
	unitTest(t, resource.TestStep{
		PreConfig: func() { e.requestScan(t, "shop", "web", "2.0") },
		Config:    e.config(summaryOf("private_image", "shop", "web", "2.0", `wait_for_scan = "2m"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("image").AtMapKey("scan_status"), knownvalue.StringExact("success")),
			statecheck.ExpectKnownValue("data.hss_image_security_summary.x", tfjsonpath.New("wait_for_scan"), knownvalue.StringExact("2m")),
		},
	})
}

// And a wait too short fails closed, as without one, saying the wait ran
// out; a wait that is no duration fails at plan.
func TestAccWaitForScanTooShort(t *testing.T) {
	t.Parallel()
	e, later := scanningEnv(t)
	unitTest(t,
		resource.TestStep{
			Config:      e.config(summaryOf("private_image", "shop", "web", "2.0", `wait_for_scan = "soon"`)),
			ExpectError: errorLike("wait_for_scan", "must be a positive duration"),
		},
		resource.TestStep{
			PreConfig:   func() { e.requestScan(t, "shop", "web", "2.0"); later() },
			Config:      e.config(summaryOf("private_image", "shop", "web", "2.0", `wait_for_scan = "1s"`)),
			ExpectError: errorLike("Image security numbers cannot be trusted", `scan_status "scanning"`, "wait_for_scan (1s) ran out"),
		},
	)
}
