package provider

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// The harness every test file of the package shares: TestMain, the
// simulator environment and the provider configurations that reach it, the
// protocol harness, and the assertions. A helper that one file uses stays
// in that file.

// TestMain pins the acceptance tests to the Terraform CLI on PATH. Nothing
// is ever downloaded: without a terraform binary the tests stop here.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FATAL: the terraform CLI was not found on PATH. The acceptance tests run the real Terraform CLI "+
				"(1.11.4 or later) against the local HSS simulator; install it, or point TF_ACC_TERRAFORM_PATH at it. Tests never download Terraform.")
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", p)
	}
	_ = os.Unsetenv("TF_ACC_TERRAFORM_VERSION") // would download
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	// make testacc (the acceptance build tag and TF_ACC): the TestAccReal
	// tests against real HSS with the developer's HW_* credentials, so
	// none of the isolation below (acc_real_main_test.go).
	if code, ok := realHSSMain(m); ok {
		os.Exit(code)
	}
	// The tests configure the provider explicitly; a developer's real
	// credentials in the environment must not leak into them.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HW_") {
			_ = os.Unsetenv(name)
		}
	}
	// Nor may their KooCLI profile (~/.hcloud/config.json) or a metadata
	// service: a home without one, and a metadata address that refuses.
	home, err := os.MkdirTemp("", "hss-test-home")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Setenv("HOME", home)
	_ = os.Setenv(envTestMetadataEndpoint, closedEndpoint())
	// And nothing leaves loopback: a dial anywhere else is refused before
	// it is resolved or sent, and fails the run even where a test took the
	// refusal for the error it expected.
	guard := &client.LoopbackGuard{}
	runGuard = guard
	restore := client.SetDialGuard(guard.Check)
	code := m.Run()
	restore()
	if refused := undeliberate(guard.Refused()); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: tests dialled addresses off loopback (refused before any packet was sent): %s\n", strings.Join(refused, ", "))
		code = 1
	}
	_ = os.RemoveAll(home)
	os.Exit(code)
}

var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"hss": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// testEnv is a simulator on loopback and the provider configuration that
// reaches it.
type testEnv struct {
	sim *simulator.Simulator
	srv *httptest.Server
}

// closedEndpoint is a loopback URL nothing listens on: connections are
// refused at once.
func closedEndpoint() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	sim := simulator.New(simulator.Options{})
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testEnv{sim: sim, srv: srv}
}

// auth modes for providerConfig.
const (
	authAKSK  = "aksk"
	authTemp  = "temporary"
	authToken = "token"
)

func (e *testEnv) providerConfig(auth string, extra ...string) string {
	creds := map[string]string{
		authAKSK:  fmt.Sprintf("access_key = %q\n  secret_key = %q", simulator.DefaultAccessKey, simulator.DefaultSecretKey),
		authTemp:  fmt.Sprintf("access_key = %q\n  secret_key = %q\n  security_token = %q", simulator.DefaultTempAccessKey, simulator.DefaultTempSecretKey, simulator.DefaultSecurityToken),
		authToken: fmt.Sprintf("token = %q", simulator.DefaultToken),
	}[auth]
	return fmt.Sprintf(`
provider "hss" {
  region     = "cn-north-4"
  project_id = %q
  endpoint   = %q
  %s
  %s
}
`, e.sim.ProjectID(), e.srv.URL, creds, strings.Join(extra, "\n  "))
}

func (e *testEnv) config(body string) string {
	return e.providerConfig(authAKSK) + body
}

// expectNoRequests: invalid input must fail at plan time, before any call
// reaches HSS.
func (e *testEnv) expectNoRequests(t testing.TB) {
	t.Helper()
	if n := len(e.sim.Requests()); n != 0 {
		t.Fatalf("%d requests reached HSS; invalid input must fail before any call", n)
	}
}

// unitTest runs steps against the test provider: the TestCase every
// acceptance test here needs.
func unitTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
}

// errorLike matches Terraform's rendering of a diagnostic, which wraps long
// lines: the fragments in order, any white space matching any white space.
func errorLike(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile("(?s)" + strings.Join(quoted, ".*"))
}

func expectInt(address, attr string, n int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(attr), knownvalue.Int64Exact(n))
}

// unknownTokenConfig is body under a provider whose token comes from a
// resource that does not exist yet, so it is unknown during plan.
func (e *testEnv) unknownTokenConfig(body string) string {
	return fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

provider "hss" {
  region     = "cn-north-4"
  project_id = %q
  endpoint   = %q
  token      = terraform_data.token.output
}
`, simulator.DefaultToken, e.sim.ProjectID(), e.srv.URL) + body
}

func newTestEnvWith(t testing.TB, opts simulator.Options) *testEnv {
	t.Helper()
	sim := simulator.New(opts)
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testEnv{sim: sim, srv: srv}
}

// signInProvider is a provider block that reaches the simulator for HSS,
// IAM and STS, with no credentials or project of its own: args add them.
func (e *testEnv) signInProvider(args ...string) string {
	return fmt.Sprintf(`
provider "hss" {
  endpoint     = %q
  auth_url     = "%s/v3"
  sts_endpoint = %q
  %s
}
`, e.srv.URL, e.srv.URL, e.srv.URL, strings.Join(args, "\n  "))
}

const (
	regionArg   = `region = "cn-north-4"`
	oneRead     = `data "hss_image_baseline_statistic" "x" { image_type = "local" }`
	oneReadWant = 5 // its security_check
)

// koocliFile writes a KooCLI configuration with an AKSK profile "dev"
// (the current one), an SSO profile "sso" and returns its path.
func koocliFile(t *testing.T, dir string) string {
	t.Helper()
	body := fmt.Sprintf(`{
  "current": "sso",
  "profiles": [
    {"name": "dev", "mode": "AKSK", "accessKeyId": %q, "secretAccessKey": %q, "region": "cn-north-4", "projectId": %q},
    {"name": "sso", "mode": "SSO", "region": "cn-north-4", "projectId": %q,
     "ssoAuth": {"stsToken": {"accessKeyId": %q, "secretAccessKey": %q, "securityToken": %q}}}
  ]
}`, simulator.DefaultAccessKey, simulator.DefaultSecretKey, simulator.DefaultProjectID, simulator.DefaultProjectID,
		simulator.DefaultTempAccessKey, simulator.DefaultTempSecretKey, simulator.DefaultSecurityToken)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config.json")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

const mayHaveStarted = "HSS may have started an export task"

// protocolHarness drives the provider through its protocol-6 server, as
// Terraform does: configured once, then called RPC by RPC (an action's
// invocation, a data source's read). The action tests run through it with
// any Terraform, and the server and benchmark tests measure it.
type protocolHarness struct {
	t      testing.TB
	e      *testEnv
	server tfprotov6.ProviderServerWithActions //nolint:staticcheck // the only interface with InvokeAction until terraform-plugin-go folds it into ProviderServer
	schema *tfprotov6.GetProviderSchemaResponse
}

func newProtocolHarness(t testing.TB) *protocolHarness {
	t.Helper()
	base, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	return newProtocolHarnessFor(t, base)
}

// newProtocolHarnessFor configures base against a new simulator.
func newProtocolHarnessFor(t testing.TB, base tfprotov6.ProviderServer) *protocolHarness {
	t.Helper()
	return newProtocolHarnessWith(t, base, newTestEnv(t))
}

// newProtocolHarnessWith configures base against e's simulator.
func newProtocolHarnessWith(t testing.TB, base tfprotov6.ProviderServer, e *testEnv) *protocolHarness {
	t.Helper()
	server, ok := base.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck // see protocolHarness.server
	if !ok {
		t.Fatalf("%T serves no actions", base)
	}
	schema, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &protocolHarness{t: t, e: e, server: server, schema: schema}
	resp, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: h.providerConfig()})
	if err != nil {
		t.Fatal(err)
	}
	h.noErrors("configure", resp.Diagnostics)
	return h
}

// providerConfig is the provider configuration that reaches the harness's
// simulator.
func (h *protocolHarness) providerConfig() *tfprotov6.DynamicValue {
	return h.value(h.schema.Provider.Block, map[string]tftypes.Value{
		"region":     str("cn-north-4"),
		"project_id": str(h.e.sim.ProjectID()),
		"endpoint":   str(h.e.srv.URL),
		"token":      str(simulator.DefaultToken),
	})
}

// value builds a configuration for block: the given attributes, null for
// the rest.
func (h *protocolHarness) value(block *tfprotov6.SchemaBlock, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	h.t.Helper()
	typ, ok := block.ValueType().(tftypes.Object)
	if !ok {
		h.t.Fatalf("block type %T", block.ValueType())
	}
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		if _, ok := vals[name]; !ok {
			h.t.Fatalf("no attribute %s", name)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		h.t.Fatal(err)
	}
	return &dv
}

func (h *protocolHarness) config(set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	return h.value(h.schema.ActionSchemas["hss_image_baseline_export"].Schema.Block, set)
}

func (h *protocolHarness) noErrors(what string, diags []*tfprotov6.Diagnostic) {
	h.t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			h.t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// invoke invokes the export action: its progress messages and its
// completion diagnostics.
func (h *protocolHarness) invoke(cfg *tfprotov6.DynamicValue) ([]string, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	return h.invokeAction("hss_image_baseline_export", cfg)
}

// invokeAction invokes an action: its progress messages and its
// completion diagnostics, of exactly one completed event.
func (h *protocolHarness) invokeAction(typeName string, cfg *tfprotov6.DynamicValue) ([]string, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	stream, err := h.server.InvokeAction(h.t.Context(), &tfprotov6.InvokeActionRequest{ActionType: typeName, Config: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	var progress []string
	var completed []*tfprotov6.Diagnostic
	done := 0
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completed = e.Diagnostics
			done++
		}
	}
	if done != 1 {
		h.t.Fatalf("%d completed events, want 1", done)
	}
	return progress, completed
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func num(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }

const exportAddr = "hss_image_baseline_export.shop"

func exportConfig(extra string) string {
	return `
resource "hss_image_baseline_export" "shop" {
  export_size = 1000
  operate_all = true
  namespace   = "shop"
` + extra + `
}
`
}

func expectExports(e *testEnv, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := e.sim.ExportsCreated(); got != n {
			return fmt.Errorf("%d export tasks created in HSS, want %d", got, n)
		}
		if got := e.sim.Count(simulator.BaselineExport); got != n {
			return fmt.Errorf("%d export requests, want %d", got, n)
		}
		return nil
	}
}

func baselineChecks(addr string, weak, policy, check int64) []statecheck.StateCheck {
	a := "data.hss_image_baseline_statistic." + addr
	return []statecheck.StateCheck{expectInt(a, "image_weak_pwd", weak), expectInt(a, "pwd_policy", policy), expectInt(a, "security_check", check)}
}

// allFilterArguments sets every filter argument; allFilterBody is the JSON
// body HSS must receive for it: names, types and values. The SWR instance
// and pipeline filters select no private image, so the count checks use
// countFilterArguments, which leaves them out.
const allFilterArguments = `
  image_id_list              = ["img-web-20", "img-web-19"]
  operate_all                = false
  image_type                 = "private_image"
  vul_type                   = "linux_vul"
  scan_status                = "success"
  namespace                  = "shop"
  image_name                 = "web"
  image_version              = "2.0"
  image_id                   = "img-web-20"
  latest_version             = true
  image_size                 = 200000000
  start_latest_update_time   = 1767225600000
  end_latest_update_time     = 1769904000000
  start_latest_scan_time     = 1767225600000
  end_latest_scan_time       = 1769904000000
  has_malicious_file         = true
  has_vul                    = true
  has_unsafe_setting         = true
  risky                      = true
  severity_level             = "High"
  instance_name              = "swr-prod"
  instance_id                = "swr-inst-01"
  cicd_name                  = "ci-shop"
  build_command_risk_level   = "critical"
  build_command_risk_name    = "Pipes a download into a shell"
  build_command_rule_id_list = ["rule-curl-pipe-sh"]
  has_container              = true
  vul_id_list                = ["CVE-2024-3094", "CVE-2024-6387", "CVE-2023-44487"]
`

const allFilterBody = `{
  "image_id_list": ["img-web-20", "img-web-19"],
  "operate_all": false,
  "image_type": "private_image",
  "vul_type": "linux_vul",
  "scan_status": "success",
  "namespace": "shop",
  "image_name": "web",
  "image_version": "2.0",
  "image_id": "img-web-20",
  "latest_version": true,
  "image_size": 200000000,
  "start_latest_update_time": 1767225600000,
  "end_latest_update_time": 1769904000000,
  "start_latest_scan_time": 1767225600000,
  "end_latest_scan_time": 1769904000000,
  "has_malicious_file": true,
  "has_vul": true,
  "has_unsafe_setting": true,
  "risky": true,
  "severity_level": "High",
  "instance_name": "swr-prod",
  "instance_id": "swr-inst-01",
  "cicd_name": "ci-shop",
  "build_command_risk_level": "critical",
  "build_command_risk_name": "Pipes a download into a shell",
  "build_command_rule_id_list": ["rule-curl-pipe-sh"],
  "has_container": true,
  "vul_id_list": ["CVE-2024-3094", "CVE-2024-6387", "CVE-2023-44487"]
}`

// assertBody finds the one request whose body has marker and compares it,
// as JSON values with their types, to want.
func assertBody(t *testing.T, reqs []simulator.Request, e simulator.Endpoint, marker, want string) {
	t.Helper()
	var wantV any
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range reqs {
		if r.Endpoint != e || !strings.Contains(string(r.Body), marker) {
			continue
		}
		found++
		var got any
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		if !reflect.DeepEqual(got, wantV) {
			t.Fatalf("request body\n got %s\nwant %s", r.Body, want)
		}
	}
	if found == 0 {
		t.Fatalf("no %s request with %q in its body", e, marker)
	}
}

func summaryOf(imageType, namespace, name, version, extra string) string {
	ns := ""
	if namespace != "" {
		ns = fmt.Sprintf("namespace = %q", namespace)
	}
	return fmt.Sprintf(`
data "hss_image_security_summary" "x" {
  image_type    = %q
  %s
  image_name    = %q
  image_version = %q
  %s
}
`, imageType, ns, name, version, extra)
}
