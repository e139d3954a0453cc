package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const gateAddr = "data.hss_image_gate.x"

// gateOf is an hss_image_gate of a private image; body holds policy,
// enforce and the like.
func gateOf(namespace, name, version, body string) string {
	return fmt.Sprintf(`
data "hss_image_gate" "x" {
  image_type    = "private_image"
  namespace     = %q
  image_name    = %q
  image_version = %q
  %s
}
`, namespace, name, version, body)
}

func gateValue(attr string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(gateAddr, tfjsonpath.New(attr), check)
}

func strs(ss ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(ss))
	for i, s := range ss {
		checks[i] = knownvalue.StringExact(s)
	}
	return knownvalue.ListExact(checks)
}

var noItems = knownvalue.ListExact([]knownvalue.Check{})

// sarifResults checks the gate's SARIF log: JSON, version 2.1.0, the
// provider's version, and one result per violation with these rule ids.
func sarifResults(ruleIDs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[gateAddr]
		if !ok {
			return fmt.Errorf("%s not in state", gateAddr)
		}
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Tool struct {
					Driver struct {
						Name, Version string
					} `json:"driver"`
				} `json:"tool"`
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(rs.Primary.Attributes["sarif"]), &log); err != nil {
			return fmt.Errorf("sarif is not JSON: %v", err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Version != "test" {
			return fmt.Errorf("sarif version %q, %d runs, want 2.1.0, one run by the provider's version", log.Version, len(log.Runs))
		}
		var got []string
		for _, r := range log.Runs[0].Results {
			got = append(got, r.RuleID)
		}
		n := rs.Primary.Attributes["violations.#"]
		if fmt.Sprint(len(got)) != n || !slices.Equal(got, ruleIDs) {
			return fmt.Errorf("sarif results %v for %s violations, want %v", got, n, ruleIDs)
		}
		return nil
	}
}

// Pass, fail with enforce (the error holds the table), and the same
// verdict with enforce = false in state, with its report and SARIF log.
func TestAccImageGatePassAndFail(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			// No finding, scanned successfully: passes.
			Config: e.config(gateOf(simulator.VulnsNamespace, "clean", "1.0", "")),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("passed", knownvalue.Bool(true)),
				gateValue("enforce", knownvalue.Bool(true)),
				gateValue("violations", noItems),
				gateValue("excepted", noItems),
				gateValue("policy", knownvalue.Null()),
				gateValue("image", knownvalue.ObjectPartial(map[string]knownvalue.Check{"image_name": knownvalue.StringExact("clean")})),
				gateValue("report_markdown", knownvalue.StringRegexp(errorLike("HSS image gate: ✅ passed", "vulns/clean:1.0"))),
			},
			Check: sarifResults(),
		},
		resource.TestStep{
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", "")),
			ExpectError: errorLike("Image fails the vulnerability gate", "private_image vulns/app:1.0", "2 violations of the policy",
				"VULNERABILITY", "DSA-9901-1", "CVE-2024-4741 (+1)", "high", "9.1", "libssl3", "severity high ≥ fail_on high",
				"GHSA-q2c3-9v6h-w5mr", "The full report is in report_markdown"),
		},
		resource.TestStep{
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", `enforce = false`)),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("passed", knownvalue.Bool(false)),
				gateValue("enforce", knownvalue.Bool(false)),
				gateValue("violations", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("DSA-9901-1"), "cve_ids": strs("CVE-2024-4741", "CVE-2024-5535"),
						"severity": knownvalue.StringExact("high"), "max_cvss": knownvalue.Float64Exact(9.1),
						"package": knownvalue.StringExact("libssl3"), "version": knownvalue.StringExact("3.0.11-1~deb12u2"), "path": knownvalue.Null(),
						"report_type": knownvalue.Null(), "reasons": strs("severity high ≥ fail_on high"),
					}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr"), "path": knownvalue.StringExact("/app/lib/netty-codec-http2-4.1.97.Final.jar"),
					}),
				})),
				gateValue("report_markdown", knownvalue.StringRegexp(errorLike("HSS image gate: ❌ failed, 2 violations", "DSA-9901-1", "GHSA-q2c3-9v6h-w5mr"))),
				gateValue("lapsed_exceptions", noItems),
				gateValue("unused_exceptions", noItems),
			},
			Check: sarifResults("DSA-9901-1", "GHSA-q2c3-9v6h-w5mr"),
		},
		resource.TestStep{
			// fail_on low, handled findings too: the low one HSS marks
			// handled counts, since hss_handled defaults to fail.
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", "enforce = false\npolicy = { fail_on = \"low\" }")),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("violations", knownvalue.ListSizeExact(3)),
				gateValue("policy", knownvalue.ObjectPartial(map[string]knownvalue.Check{"fail_on": knownvalue.StringExact("low"), "hss_handled": knownvalue.Null()})),
			},
			Check: sarifResults("DSA-9901-1", "GHSA-q2c3-9v6h-w5mr", simulator.NoCveVulID),
		},
		resource.TestStep{
			Config:            e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", "enforce = false\npolicy = { fail_on = \"low\", hss_handled = \"ignore\" }")),
			ConfigStateChecks: []statecheck.StateCheck{gateValue("violations", knownvalue.ListSizeExact(2))},
		},
		resource.TestStep{
			// 450 findings, all failing: the error lists the first 20 and
			// the total.
			Config:      e.config(gateOf(simulator.VulnsNamespace, "monolith", "3.0", `policy = { fail_on = "low" }`)),
			ExpectError: errorLike("Image fails the vulnerability gate", "450 violations of the policy (the first 20 below)", "CVE-2024-3094", "… and 430 more (450 in all)."),
		},
	)
}

// An active and a lapsed exception, one expiring soon, one matching
// nothing, one for another image; deny wins over an exception.
func TestAccImageGateExceptions(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	soon := time.Now().UTC().Add(72 * time.Hour).Format("2006-01-02")
	policy := func(extra string) string {
		return fmt.Sprintf(`
  enforce = false
  policy = {
    exceptions = [
      { id = "DSA-9901-1", reason = "the patched base image ships next sprint", expires = "2099-12-31" },
      { id = "cve-2023-44487", reason = "accepted last year", expires = "2025-01-31", package = "netty-codec-http2" },
      { id = "CVE-2024-0001", reason = "matches nothing here", expires = "2099-12-31" },
      { id = "CVE-2023-44487", reason = "only for the web image", expires = "2099-12-31", image = "shop/web:2.0" },
      %s
    ]
    %s
  }
`, "", extra)
	}
	unitTest(t,
		resource.TestStep{
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", policy(""))),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("passed", knownvalue.Bool(false)),
				gateValue("violations", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr")}),
				})),
				gateValue("excepted", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("DSA-9901-1"), "cve_ids": strs("CVE-2024-4741", "CVE-2024-5535"),
						"severity": knownvalue.StringExact("high"), "package": knownvalue.StringExact("libssl3"),
						"version": knownvalue.StringExact("3.0.11-1~deb12u2"),
						"exceptions": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.StringExact("DSA-9901-1"), "reason": knownvalue.StringExact("the patched base image ships next sprint"),
							"expires": knownvalue.StringExact("2099-12-31"),
						})}),
					}),
				})),
				gateValue("lapsed_exceptions", knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.StringExact("cve-2023-44487"), "reason": knownvalue.StringExact("accepted last year"),
					"expires": knownvalue.StringExact("2025-01-31"), "package": knownvalue.StringExact("netty-codec-http2"), "image": knownvalue.Null(),
				})})),
				gateValue("unused_exceptions", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("CVE-2024-0001")}),
				})),
				gateValue("expiring_exceptions", noItems),
				gateValue("report_markdown", knownvalue.StringRegexp(errorLike("the patched base image ships next sprint", "accepted last year"))),
				// policy reads back exactly as written.
				gateValue("policy", knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"fail_on": knownvalue.Null(), "exceptions": knownvalue.ListSizeExact(4),
				})),
			},
		},
		resource.TestStep{
			// The lapsed one renewed, one expiring soon: passes with
			// enforce on.
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", strings.Replace(strings.Replace(policy(""),
				"enforce = false", "", 1), "2025-01-31", soon, 1))),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("passed", knownvalue.Bool(true)),
				gateValue("expiring_exceptions", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("cve-2023-44487"), "expires": knownvalue.StringExact(soon)}),
				})),
				gateValue("excepted", knownvalue.ListSizeExact(2)),
			},
		},
		resource.TestStep{
			// Deny wins over the active exception.
			Config: e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", policy(`deny = ["cve-2024-5535"]`))),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("violations", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("DSA-9901-1"), "reasons": strs("CVE-2024-5535 is denied", "severity high ≥ fail_on high"),
					}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr")}),
				})),
				gateValue("excepted", noItems),
				gateValue("report_markdown", knownvalue.StringRegexp(errorLike(`deny wins over exception policy.exceptions\[0\] (DSA-9901-1)`))),
			},
		},
	)
}

// Lapsed, expiring and unused exceptions are warnings, each at its place
// in the policy; a failing gate with enforce = false is a warning too.
func TestImageGateWarnings(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t)
	soon := time.Now().UTC().Add(48 * time.Hour).Format(time.RFC3339)
	exc := func(id, expires string) map[string]tftypes.Value {
		return map[string]tftypes.Value{"id": str(id), "reason": str("reviewed"), "expires": str(expires)}
	}
	resp := h.readGate(map[string]tftypes.Value{
		"image_type": str("private_image"), "namespace": str(simulator.VulnsNamespace), "image_name": str("app"), "image_version": str("1.0"),
		"enforce": tftypes.NewValue(tftypes.Bool, false),
	}, []map[string]tftypes.Value{
		exc("DSA-9901-1", "2099-12-31"), exc("GHSA-q2c3-9v6h-w5mr", "2024-12-31T23:00:00+01:00"), exc("CVE-2024-0001", "2099-12-31"), exc(simulator.NoCveVulID, soon),
	})
	var got []string
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("error: %s: %s", d.Summary, d.Detail)
		}
		where := ""
		if d.Attribute != nil {
			where = d.Attribute.String()
		}
		got = append(got, d.Summary+" @ "+where)
	}
	want := []string{
		`Exception lapsed @ AttributeName("policy").AttributeName("exceptions").ElementKeyInt(1)`,
		`Exception expires soon @ AttributeName("policy").AttributeName("exceptions").ElementKeyInt(3)`,
		`Exception matches no finding @ AttributeName("policy").AttributeName("exceptions").ElementKeyInt(2)`,
		`Image fails the vulnerability gate (enforce = false) @ `,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("diagnostics\n got %q\nwant %q", got, want)
	}
}

// readGate reads hss_image_gate through the provider server with the
// given exceptions as its policy.
func (h *protocolHarness) readGate(set map[string]tftypes.Value, exceptions []map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
	h.t.Helper()
	typ := must[tftypes.Object](h.t, h.schema.DataSourceSchemas["hss_image_gate"].Block.ValueType())
	pt := must[tftypes.Object](h.t, typ.AttributeTypes["policy"])
	lt := must[tftypes.List](h.t, pt.AttributeTypes["exceptions"])
	et := must[tftypes.Object](h.t, lt.ElementType)
	var excs []tftypes.Value
	for _, e := range exceptions {
		excs = append(excs, objectValue(et, e))
	}
	set["policy"] = objectValue(pt, map[string]tftypes.Value{"exceptions": tftypes.NewValue(lt, excs)})
	return h.readDataSource("hss_image_gate", set)
}

// objectValue is an object of type t: the given attributes, null for the
// rest.
func objectValue(t tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range t.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		vals[name] = v
	}
	return tftypes.NewValue(t, vals)
}

// The ratchet: shop/web:2.0 against 1.9, deployed now, fails only on
// what 1.9 does not have; the deployed version must be known and scanned.
func TestAccImageGateRatchet(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			Config:            e.config(gateOf("shop", "web", "2.0", "enforce = false")),
			ConfigStateChecks: []statecheck.StateCheck{gateValue("violations", knownvalue.ListSizeExact(4))},
		},
		resource.TestStep{
			Config: e.config(gateOf("shop", "web", "2.0", "enforce = false\npolicy = { new_only_against = \"1.9\" }")),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("violations", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("CVE-2024-3094")}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("CVE-2024-45337")}),
				})),
				gateValue("report_markdown", knownvalue.StringRegexp(errorLike("shop/web:1.9"))),
			},
		},
		resource.TestStep{
			// Denied ids fail even when the deployed version has them.
			Config:            e.config(gateOf("shop", "web", "2.0", "enforce = false\npolicy = { new_only_against = \"1.9\", deny = [\"CVE-2023-4863\"] }")),
			ConfigStateChecks: []statecheck.StateCheck{gateValue("violations", knownvalue.ListSizeExact(3))},
		},
		resource.TestStep{
			Config:      e.config(gateOf("shop", "web", "2.0", "policy = { new_only_against = \"0.1\" }")),
			ExpectError: errorLike("Image not found in HSS (policy.new_only_against)", `image_version = "0.1"`, "the ratchet needs its findings"),
		},
		resource.TestStep{
			// storefront/web:4.9 was never scanned.
			Config: e.config(gateOf("storefront", "web", "5.0", "policy = { new_only_against = \"4.9\" }")),
			ExpectError: errorLike("Image security numbers cannot be trusted", `private_image storefront/web:4.9 has scan_status "unscan"`,
				"the ratchet (policy.new_only_against)"),
		},
	)
}

// max_report_counts reads the counts the summary reads, for the image
// alone; a count it cannot read fails the gate.
func TestAccImageGateReportCounts(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			Config: e.config(gateOf("shop", "web", "2.0", "enforce = false\npolicy = { max_report_counts = { malwares = 0, sensitive-info = 2 } }")),
			ConfigStateChecks: []statecheck.StateCheck{
				gateValue("violations", knownvalue.ListSizeExact(5)),
				statecheck.ExpectKnownValue(gateAddr, tfjsonpath.New("violations").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"vul_id": knownvalue.Null(), "cve_ids": noItems, "severity": knownvalue.Null(), "max_cvss": knownvalue.Null(),
					"package": knownvalue.Null(), "version": knownvalue.Null(), "path": knownvalue.Null(),
					"report_type": knownvalue.StringExact("malwares"), "reasons": strs("report type malwares: 1 > 0"),
				})),
			},
			Check: sarifResults("report-count/malwares", "CVE-2024-3094", "CVE-2024-45337", "CVE-2023-4863", "CVE-2024-6387"),
		},
		resource.TestStep{
			Config:            e.config(gateOf(simulator.VulnsNamespace, "clean", "1.0", "policy = { max_report_counts = { malwares = 0, vulnerability = 0 } }")),
			ConfigStateChecks: []statecheck.StateCheck{gateValue("passed", knownvalue.Bool(true))},
		},
		resource.TestStep{
			PreConfig: func() {
				e.sim.InjectAt(simulator.SecurityReport, simulator.Fault{Status: 403, Body: `{"error_code":"HSS.1090","error_msg":"report access denied"}`, Times: 1000})
			},
			Config:      e.config(gateOf(simulator.VulnsNamespace, "clean", "1.0", "policy = { max_report_counts = { malwares = 0 } }")),
			ExpectError: errorLike("Image fails the vulnerability gate", "report malwares", "report type malwares could not be read", "HTTP 403"),
		},
	)
	// Every count request named the one image.
	for _, r := range e.sim.Requests() {
		if r.Endpoint == simulator.SecurityReport && !strings.Contains(string(r.Body), `"image_name":"`) {
			t.Fatalf("report count request %s does not name the image", r.Body)
		}
	}
}

// Every policy mistake fails at plan, naming its attribute, before any
// request.
func TestAccImageGatePolicyErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	step := func(policy string, want ...string) resource.TestStep {
		return resource.TestStep{
			Config:      e.config(gateOf(simulator.VulnsNamespace, "app", "1.0", "policy = "+policy)),
			ExpectError: errorLike(want...),
		}
	}
	exc := func(id, reason, expires string) string {
		return fmt.Sprintf(`{ exceptions = [{ id = "DSA-9901-1", reason = "ok", expires = "2099-12-31" }, { id = %q, reason = %q, expires = %q }] }`, id, reason, expires)
	}
	unitTest(t,
		step(`{ fail_on = "critical" }`, "Invalid policy.fail_on", `policy.fail_on: unknown severity "critical": allowed values are low, medium, high`),
		step(exc("CVE-2024-1234", "  ", "2099-12-31"), "Invalid policy.exceptions[1].reason", "reason is blank"),
		step(exc("CVE-2024-1234", "ok", "31/12/2026"), "Invalid policy.exceptions[1].expires", `expiry "31/12/2026" is neither RFC 3339`),
		step(exc("CVE-2024-1234", "ok", "2026-02-30"), "Invalid policy.exceptions[1].expires", `"2026-02-30" is not a date`),
		step(exc("openssl", "ok", "2099-12-31"), "Invalid policy.exceptions[1].id", `id "openssl" holds no digit`),
		step(exc("CVE-24-1", "ok", "2099-12-31"), "Invalid policy.exceptions[1].id", `starts with CVE- but is not a CVE id`),
		step(`{ max_cvss = 11 }`, "Invalid policy.max_cvss", "max_cvss 11 is outside 0–10"),
		step(`{ max_cvss = -0.5 }`, "Invalid policy.max_cvss", "outside 0–10"),
		step(`{ grace_period = "-1h" }`, "Invalid policy.grace_period", "grace_period -1h is negative"),
		step(`{ grace_period = "7d" }`, "Invalid policy.grace_period", `grace_period "7d" is not a Go duration`),
		step(`{ warn_before = "-1s" }`, "Invalid policy.warn_before", "negative"),
		step(`{ hss_handled = "skip" }`, "Invalid policy.hss_handled", `unknown hss_handled "skip"`),
		step(`{ deny = ["CVE-2024-3094", "not an id"] }`, "Invalid policy.deny[1]", `id "not an id" is neither form`),
		step(`{ max_report_counts = { viruses = 0 } }`, `Invalid policy.max_report_counts["viruses"]`, `unknown report type "viruses"`),
		step(`{ max_report_counts = { malwares = -1 } }`, `Invalid policy.max_report_counts["malwares"]`, "is negative"),
		step(`{ exceptions = [{ id = "CVE-2024-1234", reason = "ok", expires = "2099-12-31", image = "web" }] }`,
			"Invalid policy.exceptions[0].image", `names a repository, not one image`),
		step(`{ new_only_against = " 0.9" }`, "Invalid policy.new_only_against", "starts or ends with white space"),
		step(`{ new_only_against = "1.0" }`, "Invalid policy.new_only_against", `"1.0" is the image's own image_version`),
	)
	e.expectNoRequests(t)
}

// The docs examples do what their comments say, against the simulator.
func TestAccVulnerabilityDocsExamples(t *testing.T) {
	t.Parallel()
	read := func(p string) string {
		b, err := os.ReadFile("../../examples/" + p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			Config: e.config(read("data-sources/hss_image_vulnerabilities/data-source.tf")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("app_counts", knownvalue.MapExact(map[string]knownvalue.Check{
					"high": knownvalue.Int64Exact(2), "medium": knownvalue.Int64Exact(0), "low": knownvalue.Int64Exact(1),
				})),
				statecheck.ExpectKnownOutputValue("app_critical_cves", strs("CVE-2024-4741", "CVE-2024-5535")),
				statecheck.ExpectKnownValue("data.hss_image_vulnerabilities.app_high", tfjsonpath.New("vulnerabilities"), knownvalue.ListSizeExact(1)),
			},
		},
		resource.TestStep{
			Config: e.config(read("functions/evaluate_vulnerabilities/function.tf")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{expectCheckStatus{"check.web_vulnerabilities", tfjson.CheckStatusFail}},
			},
		},
		resource.TestStep{
			Config:      e.config(read("data-sources/hss_image_gate/data-source.tf")),
			ExpectError: errorLike("Image fails the vulnerability gate", "private_image shop/web:2.0", "CVE-2024-3094", "CVE-2024-3094 is denied"),
		},
	)
}

// Values not known at plan are not judged then: the read waits for them
// (Terraform defers it to apply) and judges them there; a known mistake
// beside them still fails at plan.
func TestAccImageGateUnknownPolicyValues(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(expires, reason string) string {
		return e.config(fmt.Sprintf(`
resource "terraform_data" "expires" {
  input = %q
}
`, expires) + gateOf(simulator.VulnsNamespace, "app", "1.0", fmt.Sprintf(`
  policy = {
    exceptions = [
      { id = "DSA-9901-1", reason = %q, expires = terraform_data.expires.output },
      { id = "GHSA-q2c3-9v6h-w5mr", reason = "reviewed", expires = "2099-12-31" },
    ]
  }
`, reason)))
	}
	unitTest(t,
		resource.TestStep{
			Config:            config("2099-12-31", "reviewed"),
			ConfigStateChecks: []statecheck.StateCheck{gateValue("passed", knownvalue.Bool(true))},
		},
	)
	unitTest(t,
		resource.TestStep{
			Config:      config("soon", "reviewed"),
			ExpectError: errorLike("Invalid policy.exceptions[0].expires", `expiry "soon" is neither RFC 3339`),
		},
	)
	e.sim.Reset()
	unitTest(t,
		resource.TestStep{
			Config:      config("2099-12-31", " "),
			ExpectError: errorLike("Invalid policy.exceptions[0].reason", "reason is blank"),
		},
	)
	e.expectNoRequests(t)
}

// must is v as a T, or the test fails.
func must[T any](t testing.TB, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("got %T, want %T", v, x)
	}
	return x
}

// When the deployed version cannot be read, that is the one error: the
// image's own read, cancelled by it, adds no "context canceled".
func TestImageGateRatchetFailureIsOneError(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t)
	h.e.sim.SetLatency(30 * time.Millisecond) // the image's findings take longer than the deployed lookup
	typ := must[tftypes.Object](t, h.schema.DataSourceSchemas["hss_image_gate"].Block.ValueType())
	pt := must[tftypes.Object](t, typ.AttributeTypes["policy"])
	resp := h.readDataSource("hss_image_gate", map[string]tftypes.Value{
		"image_type": str("private_image"), "namespace": str(simulator.VulnsNamespace), "image_name": str("monolith"), "image_version": str("3.0"),
		"policy": objectValue(pt, map[string]tftypes.Value{"new_only_against": str("2.9")}),
	})
	var errs []string
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d.Summary+": "+d.Detail)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "Image not found in HSS (policy.new_only_against)") {
		t.Fatalf("errors %q, want the deployed image's alone", errs)
	}
}
