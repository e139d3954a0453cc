package gate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// reportResult is a failing gate with one of everything.
func reportResult(t *testing.T) Result {
	t.Helper()
	pub := now.Add(-48 * time.Hour)
	findings := []Finding{
		with(fnd("USN-5127-1", High, "CVE-2021-3711", "CVE-2021-3712"), func(f *Finding) {
			f.MaxCVSS, f.HSSSeverity, f.URL, f.Solution = ptr(9.8), "immediate_repair", "https://ubuntu.com/security/notices/USN-5127-1", "Upgrade openssl."
		}),
		with(fnd("GHSA-1", Medium, "CVE-2024-0002"), func(f *Finding) {
			f.Type, f.Package, f.Version, f.Path, f.HSSSeverity = "app_vul", "@evil/pkg|x", "1.0<script>", "/app/node_modules/x/package.json", "delay_repair"
			f.MaxCVSS = ptr(float64(float32(9.7)))
		}),
		with(fnd("USN-7", High, "CVE-2024-0007"), func(f *Finding) { f.PublishedAt = &pub }),
		fnd("USN-8", High, "CVE-2024-0008"),
		fnd("USN-9", High, "CVE-2024-0009"),
		fnd("USN-10", Low, "CVE-2024-0010"),
	}
	for i := 2; i < len(findings); i++ {
		findings[i].MaxCVSS = ptr(5.0)
	}
	p := Policy{FailOn: "medium", MaxCVSS: ptr(9.5), GracePeriod: "168h", Deny: []string{"CVE-2024-0010"},
		MaxReportCounts: map[string]int64{"malwares": 0, "sensitive-info": 0},
		NewOnlyAgainst:  &Baseline{Image: Image{Namespace: "shop", Name: "web", Tag: "1.9"}, Findings: []Finding{fnd("USN-9", High)}},
		Exceptions: []Exception{
			{ID: "CVE-2024-0008", Reason: "Fixed upstream | ships in sprint 12; ask @security-team", Expires: "2026-06-20"},
			{ID: "CVE-2021-3711", Reason: "old", Expires: "2026-01-31"},
			{ID: "CVE-2020-0001", Reason: "stale", Expires: "2027-01-01T00:00:00+09:00"},
		}}
	r, err := Evaluate(findings, p, now, testImage, map[string]ReportCount{"malwares": {Count: 2}, "sensitive-info": {Err: errors.New("HTTP 503")}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMarkdown(t *testing.T) {
	md := Markdown(ptr(reportResult(t)))
	for _, want := range []string{
		"## HSS image gate: ❌ failed, 5 violations",
		"| Image | shop/web:2.0 (private\\_image) |",
		"| Digest | sha256:abab",
		"| Scanned | 2026-06-15T11:00:00Z |",
		"| Evaluated at | 2026-06-15T12:00:00Z |",
		"| Policy | fail_on medium, max_cvss 9.5, grace_period 168h, hss_handled fail |",
		"| Ratchet | only findings that shop/web:1.9 does not have can fail",
		"### Violations (5)",
		"| report malwares | | | | | | | report type malwares: 2 &gt; 0 |",
		"report type sensitive-info could not be read: HTTP 503",
		"| [USN-5127-1](https://ubuntu.com/security/notices/USN-5127-1) | CVE-2021-3711<br>CVE-2021-3712 | high (immediate\\_repair) | 9.8 |",
		"_exception policy.exceptions\\[1\\] (CVE-2021-3711) lapsed at 2026-02-01T00:00:00Z_",
		"@&#8203;evil/pkg\\|x", "1.0&lt;script&gt;",
		"| 9.7 |",
		"CVE-2024-0010 is denied",
		"### Excepted (1)",
		"Fixed upstream \\| ships in sprint 12; ask @&#8203;security-team",
		"2026-06-20 (end of day UTC)",
		"### In grace (1)", "| 2026-06-13T12:00:00Z | 2026-06-20T12:00:00Z |",
		"### Inherited (1)", "| USN-9 |",
		"### Lapsed exceptions (1)", "| policy.exceptions\\[1\\] | CVE-2021-3711 |",
		"### Expiring exceptions (1)", "expire within 336h",
		"### Unused exceptions (1)", "| policy.exceptions\\[2\\] | CVE-2020-0001 |  |  | stale | 2027-01-01T00:00:00+09:00 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "@evil", "@security"} {
		if strings.Contains(md, bad) {
			t.Errorf("Markdown holds %q unescaped", bad)
		}
	}
	// Every table row has as many cells as its header.
	var cols int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row has %d separators, header %d: %s", n, cols, line)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

func TestMarkdownPassedAndLong(t *testing.T) {
	r, err := Evaluate(nil, Policy{}, now, Image{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(&r)
	for _, want := range []string{"## HSS image gate: ✅ passed", "| Image | unknown |", "| Digest | unknown |", "| Findings | 0 findings |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "###") {
		t.Errorf("a passing gate without findings has sections:\n%s", md)
	}

	findings, p := manyFindings(10000)
	r, err = Evaluate(findings, p, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	md = Markdown(&r)
	if want := fmt.Sprintf("… and %d more, not shown (%d in all).", len(r.Violations)-MarkdownRows, len(r.Violations)); !strings.Contains(md, want) {
		t.Errorf("Markdown lacks %q", want)
	}
	if len(md) > 65536 {
		t.Errorf("Markdown is %d characters, more than a pull-request comment holds", len(md))
	}
}

func TestErrorTable(t *testing.T) {
	r := reportResult(t)
	tab := ErrorTable(&r)
	lines := strings.Split(strings.TrimSuffix(tab, "\n"), "\n")
	if len(lines) != 7 || lines[0] != "5 violations of the policy:" ||
		strings.Join(strings.Fields(lines[1]), " ") != "VULNERABILITY CVES SEVERITY CVSS PACKAGE VERSION WHY" {
		t.Errorf("table:\n%s", tab)
	}
	for i, want := range []string{
		"report malwares report type malwares: 2 > 0",
		"report sensitive-info report type sensitive-info could not be read: HTTP 503",
		"USN-5127-1 CVE-2021-3711 (+1) high 9.8 openssl 1.1.1k CVSS 9.8 ≥ max_cvss 9.5; severity high ≥ fail_on medium",
		"GHSA-1 CVE-2024-0002 medium 9.7 @evil/pkg|x 1.0<script> CVSS 9.7 ≥ max_cvss 9.5; severity medium ≥ fail_on medium",
		"USN-10 CVE-2024-0010 low 5 openssl 1.1.1k CVE-2024-0010 is denied",
	} {
		if got := strings.Join(strings.Fields(lines[2+i]), " "); got != want {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
	// Columns line up.
	if at := strings.Index(lines[1], "CVSS"); lines[4][at:at+3] != "9.8" || lines[5][at:at+3] != "9.7" {
		t.Errorf("columns do not line up:\n%s", tab)
	}

	findings := make([]Finding, 30)
	for i := range findings {
		findings[i] = fnd(fmt.Sprintf("USN-%02d", i), High)
		findings[i].Package = "pkg\nwith\ttabs"
	}
	r, err := Evaluate(findings, Policy{}, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab = ErrorTable(&r)
	lines = strings.Split(strings.TrimSuffix(tab, "\n"), "\n")
	if len(lines) != 1+1+ErrorRows+1 || lines[0] != "30 violations of the policy (the first 20 below):" ||
		lines[len(lines)-1] != "… and 10 more (30 in all)." || !strings.HasPrefix(lines[len(lines)-2], "USN-19 ") {
		t.Errorf("table of 30:\n%s", tab)
	}
	if strings.Contains(tab, "\t") || strings.Contains(tab, "pkg\nwith") {
		t.Errorf("control characters leak into the table:\n%s", tab)
	}
}

//go:embed testdata/sarif-schema-2.1.0.json
var sarifSchemaJSON []byte

var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarifSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{}) // nothing is fetched: the schema is all here
	c.AssertFormat()
	if err := c.AddResource(SARIFSchema, doc); err != nil {
		return nil, err
	}
	return c.Compile(SARIFSchema)
})

type noLoader struct{}

func (noLoader) Load(url string) (any, error) { return nil, fmt.Errorf("no loading in tests: %s", url) }

func validateSARIF(t *testing.T, log []byte) error {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatalf("the SARIF log is not JSON: %v", err)
	}
	return sch.Validate(doc)
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	failing := reportResult(t)
	passing, err := Evaluate(nil, Policy{}, now, Image{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	findings, p := manyFindings(2000)
	many, err := Evaluate(findings, p, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Result{"failing": &failing, "passing, unknown image": &passing, "many": &many} {
		t.Run(name, func(t *testing.T) {
			log, err := SARIF(r, "1.2.3")
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, log); err != nil {
				t.Fatalf("invalid SARIF: %v\n%s", err, log)
			}
			var doc struct {
				Runs []struct {
					Tool struct {
						Driver struct{ Rules []map[string]any }
					}
					Results []map[string]any
				}
			}
			if err := json.Unmarshal(log, &doc); err != nil || len(doc.Runs) != 1 {
				t.Fatalf("%v, %d runs", err, len(doc.Runs))
			}
			if got := len(doc.Runs[0].Results); got != len(r.Violations) {
				t.Errorf("%d results for %d violations", got, len(r.Violations))
			}
		})
	}
}

func TestSARIFContent(t *testing.T) {
	r := reportResult(t)
	log, err := SARIF(&r, "")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string `json:"$schema"`
		Runs   []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID                   string
						HelpURI              string
						DefaultConfiguration struct{ Level string }
						Properties           struct {
							Tags             []string
							SecuritySeverity string `json:"security-severity"`
						}
					}
				}
			}
			AutomationDetails struct{ ID string }
			Results           []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(log, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	var got []string
	for _, res := range run.Results {
		rule := run.Tool.Driver.Rules[res.RuleIndex]
		if rule.ID != res.RuleID {
			t.Errorf("result %s points at rule %s", res.RuleID, rule.ID)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s", res.RuleID, res.Level, rule.Properties.SecuritySeverity,
			res.Locations[0].PhysicalLocation.ArtifactLocation.URI))
	}
	want := []string{
		"report-count/malwares error  shop/web",
		"report-count/sensitive-info error  shop/web",
		"USN-5127-1 error 9.8 shop/web",
		"GHSA-1 warning 9.7 app/node_modules/x/package.json",
		"USN-10 note 5 shop/web",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if doc.Schema != SARIFSchema || run.AutomationDetails.ID != "hss-image-gate/shop/web/" || run.Tool.Driver.Name != SARIFToolName {
		t.Errorf("schema %q, category %q, tool %q", doc.Schema, run.AutomationDetails.ID, run.Tool.Driver.Name)
	}
	if m := run.Results[2].Message.Text; m != "USN-5127-1 (CVE-2021-3711, CVE-2021-3712) in openssl 1.1.1k: CVSS 9.8 ≥ max_cvss 9.5; "+
		"severity high ≥ fail_on medium; exception policy.exceptions[1] (CVE-2021-3711) lapsed at 2026-02-01T00:00:00Z" {
		t.Errorf("message = %q", m)
	}
	if u := run.Tool.Driver.Rules[2].HelpURI; u != "https://ubuntu.com/security/notices/USN-5127-1" {
		t.Errorf("helpUri = %q", u)
	}
}

// The schema check can fail: a log that breaks the schema is caught.
func TestSARIFSchemaCatchesInvalidLogs(t *testing.T) {
	r := reportResult(t)
	log, err := SARIF(&r, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*testing.T, map[string]any){
		"unknown level":   func(t *testing.T, d map[string]any) { result(t, d)["level"] = "fatal" },
		"no message":      func(t *testing.T, d map[string]any) { delete(result(t, d), "message") },
		"bad version":     func(t *testing.T, d map[string]any) { d["version"] = "2.0.0" },
		"uri not a uri":   func(t *testing.T, d map[string]any) { location(t, d)["uri"] = "a b\\c" },
		"negative index":  func(t *testing.T, d map[string]any) { result(t, d)["ruleIndex"] = -5 },
		"unknown element": func(t *testing.T, d map[string]any) { result(t, d)["severity"] = "high" },
	} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(log, &doc); err != nil {
				t.Fatal(err)
			}
			edit(t, doc)
			bad, _ := json.Marshal(doc)
			if err := validateSARIF(t, bad); err == nil {
				t.Error("the schema accepted it")
			}
		})
	}
}

// result is the first result of the first run of a SARIF log.
func result(t testing.TB, d map[string]any) map[string]any {
	t.Helper()
	return field[map[string]any](t, d, "SARIF log", "runs", 0, "results", 0)
}

// location is the artifact location of result's first location.
func location(t testing.TB, d map[string]any) map[string]any {
	t.Helper()
	return field[map[string]any](t, d, "SARIF log", "runs", 0, "results", 0, "locations", 0, "physicalLocation", "artifactLocation")
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
