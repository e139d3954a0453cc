package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// literalVulnerability is one vulnerability object written out in HCL,
// with every attribute of the element type.
const literalVulnerability = `{
  vul_id = "CVE-2024-3094", cve_ids = ["CVE-2024-3094"], severity = "high", hss_severity = "immediate_repair",
  max_cvss = 10, published_at = "2024-03-29T00:00:00Z", type = "linux_vul", handled = false,
  package = "liblzma5", version = "5.6.0-0.2", path = null, layer = null, solution = null, url = null
}`

// Through Terraform: the data source's findings and the gate's policy go
// straight in, and the function's verdict is the gate's; a literal list
// and a literal policy work offline; check blocks can call it.
func TestAccEvaluateVulnerabilitiesFunction(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.config(`
data "hss_image_vulnerabilities" "x" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
}

data "hss_image_gate" "x" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
  enforce       = false
  policy = {
    fail_on    = "medium"
    exceptions = [{ id = "DSA-9901-1", reason = "the patched base image ships next sprint", expires = "2099-12-31" }]
  }
}

locals {
  verdict = provider::hss::evaluate_vulnerabilities(data.hss_image_vulnerabilities.x.vulnerabilities, data.hss_image_gate.x.policy, plantimestamp())
}

output "same_passed" {
  value = local.verdict.passed == data.hss_image_gate.x.passed
}

output "same_violations" {
  value = local.verdict.violations == data.hss_image_gate.x.violations
}

output "same_excepted" {
  value = local.verdict.excepted == data.hss_image_gate.x.excepted
}

# The report names the time it was evaluated at: it changes on every plan.
output "verdict" {
  value = { for k, v in local.verdict : k => v if k != "report_markdown" }
}

output "report_says" {
  value = strcontains(local.verdict.report_markdown, "❌ failed, 1 violation")
}

output "literal" {
  value = provider::hss::evaluate_vulnerabilities([` + literalVulnerability + `], { fail_on = "low", max_cvss = 9.5 }, "2026-06-01T00:00:00Z")
}

output "excepted_literal" {
  value = provider::hss::evaluate_vulnerabilities([` + literalVulnerability + `], {
    exceptions = [{ id = "cve-2024-3094", reason = "rebuilt tomorrow", expires = "2026-06-02" }]
  }, "2026-06-01T00:00:00Z").passed
}

# GHSA-q2c3-9v6h-w5mr is not excepted: fails (a warning).
check "gate" {
  assert {
    condition     = provider::hss::evaluate_vulnerabilities(data.hss_image_vulnerabilities.x.vulnerabilities, { exceptions = data.hss_image_gate.x.policy.exceptions, deny = [] }, plantimestamp()).passed
    error_message = "the image fails the gate"
  }
}

check "gate_excepted" {
  assert {
    condition = provider::hss::evaluate_vulnerabilities(data.hss_image_vulnerabilities.x.vulnerabilities, {
      exceptions = concat(data.hss_image_gate.x.policy.exceptions, [{ id = "CVE-2023-44487", reason = "no HTTP/2 listener", expires = "2099-12-31" }])
    }, plantimestamp()).passed
    error_message = "the image fails the gate"
  }
}
`)
	unitTest(t,
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					expectCheckStatus{"check.gate", tfjson.CheckStatusFail},
					expectCheckStatus{"check.gate_excepted", tfjson.CheckStatusPass},
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("same_passed", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValue("same_violations", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValue("same_excepted", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValueAtPath("verdict", tfjsonpath.New("passed"), knownvalue.Bool(false)),
				statecheck.ExpectKnownOutputValueAtPath("verdict", tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr"), "reasons": strs("severity high ≥ fail_on medium")}),
				})),
				statecheck.ExpectKnownOutputValueAtPath("verdict", tfjsonpath.New("excepted").AtSliceIndex(0).AtMapKey("vul_id"), knownvalue.StringExact("DSA-9901-1")),
				statecheck.ExpectKnownOutputValue("report_says", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValue("literal", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"passed": knownvalue.Bool(false),
					"violations": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("CVE-2024-3094"), "cve_ids": strs("CVE-2024-3094"), "severity": knownvalue.StringExact("high"),
						"max_cvss": knownvalue.Float64Exact(10), "package": knownvalue.StringExact("liblzma5"), "version": knownvalue.StringExact("5.6.0-0.2"),
						"path": knownvalue.Null(), "report_type": knownvalue.Null(), "reasons": strs("CVSS 10 ≥ max_cvss 9.5", "severity high ≥ fail_on low"),
					})}),
					"excepted": noItems, "lapsed_exceptions": noItems, "expiring_exceptions": noItems, "unused_exceptions": noItems,
					"report_markdown": knownvalue.StringRegexp(errorLike("Image | unknown")),
				})),
				statecheck.ExpectKnownOutputValue("excepted_literal", knownvalue.Bool(true)),
			},
		},
	)
}

// Bad input is an error naming the argument and the attribute (Terraform
// calls the function while validating, before any plan).
func TestAccEvaluateVulnerabilitiesFunctionErrors(t *testing.T) {
	t.Parallel()
	unitTest(t,
		resource.TestStep{
			Config: `output "x" {
  value = provider::hss::evaluate_vulnerabilities([], { exceptions = [{ id = "CVE-2024-1234", reason = "ok", expires = "soon" }] }, "2026-06-01T00:00:00Z")
}`,
			ExpectError: errorLike(`Invalid value for "policy" parameter`, `policy.exceptions[0].expires: expiry "soon" is neither RFC 3339`),
		},
		resource.TestStep{
			Config:      `output "x" { value = provider::hss::evaluate_vulnerabilities([], { fail_onn = "high", fail_on = "severe" }, "2026-06-01T00:00:00Z") }`,
			ExpectError: errorLike(`policy: has no attribute "fail_onn"`, `policy.fail_on: unknown severity "severe"`),
		},
		resource.TestStep{
			Config:      `output "x" { value = provider::hss::evaluate_vulnerabilities([], { max_cvss = "high" }, "2026-06-01T00:00:00Z") }`,
			ExpectError: errorLike(`policy.max_cvss: must be a number, got a string`),
		},
		resource.TestStep{
			Config:      `output "x" { value = provider::hss::evaluate_vulnerabilities([], {}, "yesterday") }`,
			ExpectError: errorLike(`Invalid value for "now" parameter`, `now "yesterday" is not an RFC 3339 time`),
		},
		resource.TestStep{
			Config: `output "x" { value = provider::hss::evaluate_vulnerabilities([` +
				strings.Replace(literalVulnerability, `severity = "high"`, `severity = "critical"`, 1) + `], null, "2026-06-01T00:00:00Z") }`,
			ExpectError: errorLike(`Invalid value for "vulnerabilities" parameter`, `vulnerabilities[0].severity: severity "critical" of CVE-2024-3094 is not one of low, medium, high`),
		},
	)
}

// Through the provider server directly, as Terraform calls it: a dynamic
// policy, the verdict object, and an argument error.
func TestEvaluateVulnerabilitiesFunctionServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.GetFunctions(ctx, &tfprotov6.GetFunctionsRequest{}); err != nil {
		t.Fatal(err)
	}
	vulnType := must[tftypes.Object](t, vulnerabilityObjectType.TerraformType(ctx))
	vuln := func(id, severity string, cvss float64) tftypes.Value {
		return objectValue(vulnType, map[string]tftypes.Value{
			"vul_id": str(id), "severity": str(severity), "type": str("linux_vul"), "handled": tftypes.NewValue(tftypes.Bool, false),
			"package": str("openssl"), "version": str("3.0.1"), "max_cvss": tftypes.NewValue(tftypes.Number, big.NewFloat(cvss)),
			"cve_ids": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str(id)}),
		})
	}
	listType := tftypes.List{ElementType: vulnType}
	policyType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"fail_on": tftypes.String, "deny": tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String}}}}
	call := func(policy tftypes.Value, now string) *tfprotov6.CallFunctionResponse {
		args := []*tfprotov6.DynamicValue{}
		for _, a := range []struct {
			typ tftypes.Type
			v   tftypes.Value
		}{
			{listType, tftypes.NewValue(listType, []tftypes.Value{vuln("CVE-2024-0001", "medium", 5), vuln("CVE-2024-0002", "low", 2)})},
			{tftypes.DynamicPseudoType, policy},
			{tftypes.String, str(now)},
		} {
			dv, err := tfprotov6.NewDynamicValue(a.typ, a.v)
			if err != nil {
				t.Fatal(err)
			}
			args = append(args, &dv)
		}
		resp, err := server.CallFunction(ctx, &tfprotov6.CallFunctionRequest{Name: "evaluate_vulnerabilities", Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := call(tftypes.NewValue(policyType, map[string]tftypes.Value{
		"fail_on": str("high"),
		"deny":    tftypes.NewValue(tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String}}, []tftypes.Value{str("cve-2024-0002")}),
	}), "2026-06-01T12:00:00+02:00")
	if resp.Error != nil {
		t.Fatalf("error: %s", resp.Error.Text)
	}
	verdictType := types.ObjectType{AttrTypes: verdictAttrTypes}.TerraformType(ctx)
	v, err := resp.Result.Unmarshal(verdictType)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]tftypes.Value
	if err := v.As(&fields); err != nil {
		t.Fatal(err)
	}
	var passed bool
	var violations []tftypes.Value
	if err := fields["passed"].As(&passed); err != nil {
		t.Fatal(err)
	}
	if err := fields["violations"].As(&violations); err != nil {
		t.Fatal(err)
	}
	if passed || len(violations) != 1 {
		t.Fatalf("passed %v, %d violations; want the denied low one alone", passed, len(violations))
	}
	var one map[string]tftypes.Value
	var id string
	_ = violations[0].As(&one)
	_ = one["vul_id"].As(&id)
	if id != "CVE-2024-0002" {
		t.Fatalf("violation %s, want CVE-2024-0002", id)
	}

	// null policy: the defaults; a bad time names its argument.
	resp = call(tftypes.NewValue(tftypes.DynamicPseudoType, nil), "2026-06-01T12:00:00Z")
	if resp.Error != nil {
		t.Fatalf("null policy: %s", resp.Error.Text)
	}
	resp = call(tftypes.NewValue(tftypes.DynamicPseudoType, nil), "2026-06-01")
	if resp.Error == nil || resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != argNow {
		t.Fatalf("got %+v, want an error for argument %d", resp.Error, argNow)
	}
}

// Run through the framework: malformed vulnerabilities name their
// element and attribute; policies of the wrong shape name theirs.
func TestEvaluateVulnerabilitiesFunctionRun(t *testing.T) {
	f := NewEvaluateVulnerabilitiesFunction()
	vuln := func(set map[string]attr.Value) attr.Value {
		vals := map[string]attr.Value{}
		for name, t := range vulnerabilityAttrTypes {
			vals[name] = nullOf(t)
		}
		vals["vul_id"], vals["severity"] = types.StringValue("V-1"), types.StringValue("high")
		for k, v := range set {
			vals[k] = v
		}
		o, d := types.ObjectValue(vulnerabilityAttrTypes, vals)
		if d.HasError() {
			t.Fatal(d)
		}
		return o
	}
	run := func(vulns []attr.Value, policy attr.Value) *function.FuncError {
		list, d := types.ListValue(vulnerabilityObjectType, vulns)
		if d.HasError() {
			t.Fatal(d)
		}
		resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(verdictAttrTypes))}
		f.Run(t.Context(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{
			list, types.DynamicValue(policy), types.StringValue("2026-06-01T00:00:00Z"),
		})}, &resp)
		return resp.Error
	}
	empty := types.ObjectValueMust(map[string]attr.Type{}, map[string]attr.Value{})
	for _, tc := range []struct {
		name   string
		vulns  []attr.Value
		policy attr.Value
		arg    int64
		want   string
	}{
		{"published_at", []attr.Value{vuln(map[string]attr.Value{"published_at": types.StringValue("2024-03-29")})}, empty,
			argVulnerabilities, `vulnerabilities[0].published_at: "2024-03-29" is not RFC 3339`},
		{"severity", []attr.Value{vuln(nil), vuln(map[string]attr.Value{"severity": types.StringValue("HIGH")})}, empty,
			argVulnerabilities, `vulnerabilities[1].severity: severity "HIGH" of V-1 is not one of low, medium, high`},
		{"hss_severity lowered", []attr.Value{vuln(map[string]attr.Value{"severity": types.StringValue("low"), "hss_severity": types.StringValue("Critical")})}, empty,
			argVulnerabilities, `vulnerabilities[0].severity: severity low of V-1 disagrees with its hss_severity "Critical", which is high`},
		{"vul_id", []attr.Value{vuln(map[string]attr.Value{"vul_id": types.StringNull()})}, empty,
			argVulnerabilities, `vulnerabilities[0].vul_id: vul_id is empty`},
		{"cvss", []attr.Value{vuln(map[string]attr.Value{"max_cvss": types.Float64Value(42)})}, empty,
			argVulnerabilities, `vulnerabilities[0].max_cvss: max_cvss 42 of V-1 is outside 0–10`},
		{"policy not an object", nil, types.StringValue("high"), argPolicy, `policy: must be an object, got a string`},
		{"deny not a list", nil, types.ObjectValueMust(map[string]attr.Type{"deny": types.StringType}, map[string]attr.Value{"deny": types.StringValue("CVE-2024-1")}),
			argPolicy, `policy.deny: must be a list, got a string`},
		{"count not whole", nil, types.ObjectValueMust(map[string]attr.Type{"max_report_counts": types.ObjectType{AttrTypes: map[string]attr.Type{"malwares": types.NumberType}}},
			map[string]attr.Value{"max_report_counts": types.ObjectValueMust(map[string]attr.Type{"malwares": types.NumberType}, map[string]attr.Value{"malwares": types.NumberValue(big.NewFloat(0.5))})}),
			argPolicy, `policy.max_report_counts["malwares"]: 0.5 is not a whole number`},
		{"exception attribute", nil, types.ObjectValueMust(map[string]attr.Type{"exceptions": types.TupleType{ElemTypes: []attr.Type{types.ObjectType{AttrTypes: map[string]attr.Type{"cve": types.StringType}}}}},
			map[string]attr.Value{"exceptions": types.TupleValueMust([]attr.Type{types.ObjectType{AttrTypes: map[string]attr.Type{"cve": types.StringType}}},
				[]attr.Value{types.ObjectValueMust(map[string]attr.Type{"cve": types.StringType}, map[string]attr.Value{"cve": types.StringValue("CVE-2024-1234")})})}),
			argPolicy, `policy.exceptions[0]: has no attribute "cve"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.vulns, tc.policy)
			if err == nil || err.FunctionArgument == nil || *err.FunctionArgument != tc.arg || !strings.Contains(err.Text, tc.want) {
				t.Fatalf("got %v, want an error for argument %d containing %q", err, tc.arg, tc.want)
			}
		})
	}

	// Without image identity, an exception for an image never applies;
	// report counts cannot be read, so they fail.
	policy := types.ObjectValueMust(map[string]attr.Type{
		"exceptions":        types.ListType{ElemType: types.ObjectType{AttrTypes: map[string]attr.Type{"id": types.StringType, "reason": types.StringType, "expires": types.StringType, "image": types.StringType}}},
		"max_report_counts": types.MapType{ElemType: types.Int64Type},
	}, map[string]attr.Value{
		"exceptions": types.ListValueMust(types.ObjectType{AttrTypes: map[string]attr.Type{"id": types.StringType, "reason": types.StringType, "expires": types.StringType, "image": types.StringType}},
			[]attr.Value{types.ObjectValueMust(map[string]attr.Type{"id": types.StringType, "reason": types.StringType, "expires": types.StringType, "image": types.StringType},
				map[string]attr.Value{"id": types.StringValue("V-1"), "reason": types.StringValue("ok"), "expires": types.StringValue("2099-01-01"), "image": types.StringValue("shop/web:2.0")})}),
		"max_report_counts": types.MapValueMust(types.Int64Type, map[string]attr.Value{"malwares": types.Int64Value(0)}),
	})
	list, _ := types.ListValue(vulnerabilityObjectType, []attr.Value{vuln(nil)})
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(verdictAttrTypes))}
	f.Run(t.Context(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{
		list, types.DynamicValue(policy), types.StringValue("2026-06-01T00:00:00Z"),
	})}, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	got := must[types.Object](t, resp.Result.Value()).Attributes()
	if n := len(must[types.List](t, got["violations"]).Elements()); n != 2 || len(must[types.List](t, got["excepted"]).Elements()) != 0 {
		t.Fatalf("%d violations, excepted %s; want V-1 and the unreadable malwares count, nothing excepted", n, got["excepted"])
	}
}

func nullOf(t attr.Type) attr.Value {
	switch {
	case t.Equal(types.StringType):
		return types.StringNull()
	case t.Equal(types.BoolType):
		return types.BoolNull()
	case t.Equal(types.Float64Type):
		return types.Float64Null()
	}
	if l, ok := t.(types.ListType); ok {
		return types.ListNull(l.ElemType)
	}
	panic(t)
}
