package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/gate"
)

var _ function.Function = (*evaluateVulnerabilitiesFunction)(nil)

// NewEvaluateVulnerabilitiesFunction is provider::hss::evaluate_vulnerabilities.
func NewEvaluateVulnerabilitiesFunction() function.Function {
	return &evaluateVulnerabilitiesFunction{}
}

type evaluateVulnerabilitiesFunction struct{}

// The arguments, by position.
const (
	argVulnerabilities = iota
	argPolicy
	argNow
)

func (f *evaluateVulnerabilitiesFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "evaluate_vulnerabilities"
}

func (f *evaluateVulnerabilitiesFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Judge vulnerability findings against a gate policy, offline",
		Description: "The verdict of `hss_image_gate`, computed from findings given as an argument: the same policy engine, pure (it reads nothing, " +
			"and the time to judge at is an argument), for `check` blocks and for `terraform test` with `mock_provider` or `override_data`. " +
			"`vulnerabilities` takes `data.hss_image_vulnerabilities.x.vulnerabilities` as it is (or a list of objects with exactly its attributes); " +
			"`policy` takes `data.hss_image_gate.x.policy` as it is, or an object literal with any of its attributes (`{ fail_on = \"medium\" }`); " +
			"`now` is an RFC 3339 time, usually `plantimestamp()`. " +
			"It returns `passed`, `violations`, `excepted`, `lapsed_exceptions`, `expiring_exceptions`, `unused_exceptions` and `report_markdown`, " +
			"as `hss_image_gate` has them. The function knows no image: exceptions limited to an `image` never apply, " +
			"`new_only_against` is not applied (the deployed image's findings cannot be read, so every finding is judged as new), " +
			"and each report type of `max_report_counts` fails (no count can be read). " +
			"A policy mistake (an unknown severity, a blank reason, an unparsable expiry, an id of neither form, `max_cvss` outside 0–10, " +
			"a negative duration, an attribute the policy does not have) or a malformed vulnerability is an error naming the argument and the attribute.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:        "vulnerabilities",
				ElementType: vulnerabilityObjectType,
				Description: "The findings: the `vulnerabilities` of `hss_image_vulnerabilities`.",
			},
			function.DynamicParameter{
				Name: "policy",
				Description: "The policy: an object with any of `fail_on`, `max_cvss`, `grace_period`, `deny`, `hss_handled`, `max_report_counts`, " +
					"`exceptions`, `new_only_against` and `warn_before`, as `hss_image_gate` takes them; `{}` or null for the defaults.",
				AllowNullValue: true,
			},
			function.StringParameter{
				Name:        "now",
				Description: "The time to judge at, RFC 3339 (`plantimestamp()`): exceptions expire, and grace periods end, relative to it.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: verdictAttrTypes},
	}
}

func (f *evaluateVulnerabilitiesFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var (
		vulns  types.List
		policy types.Dynamic
		now    string
	)
	resp.Error = req.Arguments.Get(ctx, &vulns, &policy, &now)
	if resp.Error != nil {
		return
	}
	at, err := time.Parse(time.RFC3339, now)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(argNow, fmt.Sprintf("now %q is not an RFC 3339 time such as 2026-06-01T12:00:00Z (plantimestamp() gives one)", now))
		return
	}
	pr := readPolicy(policy)
	if len(pr.unknown) > 0 {
		resp.Error = function.NewArgumentFuncError(argPolicy, "policy holds values not known yet: "+andList(pr.unknown))
		return
	}
	if errs := pr.mistakes(); len(errs) > 0 {
		resp.Error = function.NewArgumentFuncError(argPolicy, "invalid policy: "+fieldErrorText(errs))
		return
	}
	findings, errs := findingsFromValues(vulns.Elements())
	if len(errs) > 0 {
		resp.Error = function.NewArgumentFuncError(argVulnerabilities, "invalid vulnerabilities: "+fieldErrorText(errs))
		return
	}
	r, err := gate.Evaluate(findings, pr.policy, at, gate.Image{}, nil)
	if err != nil {
		if fe := gate.FieldErrors(err); len(fe) > 0 {
			arg := argVulnerabilities
			if fe[0].Path[0] == "policy" {
				arg = argPolicy
			}
			resp.Error = function.NewArgumentFuncError(int64(arg), "invalid "+fmt.Sprint(fe[0].Path[0])+": "+fieldErrorText(fe))
			return
		}
		resp.Error = function.NewFuncError(err.Error())
		return
	}
	var diags diag.Diagnostics
	obj, d := types.ObjectValue(verdictAttrTypes, verdictOf(&r, &diags).values())
	diags.Append(d...)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, obj)
}

// fieldErrorText renders mistakes one per line, each naming its attribute.
func fieldErrorText(errs []*gate.FieldError) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "; ")
}
