package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Validators every type shares. Bad input fails at plan, naming the
// attribute: a selector HSS would read as something else (" web", "",
// "2.0\n") would otherwise match nothing, or everything, and read as a count.

// textValidator rejects what no HSS name or id holds: an empty string,
// leading or trailing white space, and control characters.
type textValidator struct{}

// text is the validator of every free-text argument and list item.
func text() validator.String { return textValidator{} }

func (textValidator) Description(context.Context) string {
	return "must not be empty, start or end with white space, or hold control characters"
}

func (v textValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (textValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := textProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+attrName(req.Path), fmt.Sprintf("%s %s.", req.Path, msg))
	}
}

// textProblem says what is wrong with s, or "" when nothing is.
func textProblem(s string) string {
	switch {
	case s == "":
		return `is empty: HSS reads "" as no filter at all, so it would select every image; leave the argument unset (null) instead`
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.TrimSpace(s) != s:
		return fmt.Sprintf("%q starts or ends with white space, which HSS would compare verbatim and match nothing; remove it, for example with trimspace()", s)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Sprintf("%q holds a control character (such as a newline or tab); remove it, for example with trimspace() or replace()", s)
	}
	return ""
}

// attrName is the last step of p, for a diagnostic's summary.
func attrName(p path.Path) string {
	steps := p.Steps()
	for i := len(steps) - 1; i >= 0; i-- {
		if a, ok := steps[i].(path.PathStepAttributeName); ok {
			return string(a)
		}
	}
	return p.String()
}

// textList is the validator set of a list of free-text items: no null
// item (what [var.x] gives for a null variable), no empty or padded one.
func textList(item ...validator.String) []validator.List {
	return []validator.List{
		noNullItems{},
		listvalidator.ValueStringsAre(append([]validator.String{text()}, item...)...),
	}
}

// noNullItems rejects a list or set holding a null item, naming it.
type noNullItems struct{}

func (noNullItems) Description(context.Context) string { return "must not hold null items" }

func (v noNullItems) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noNullItems) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, item := range req.ConfigValue.Elements() {
		if item.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Null item in "+attrName(req.Path), nullItemDetail(fmt.Sprintf("%s[%d]", req.Path, i)))
		}
	}
}

func (noNullItems) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, item := range req.ConfigValue.Elements() {
		if item.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path, "Null item in "+attrName(req.Path), nullItemDetail(req.Path.String()))
			return
		}
	}
}

func nullItemDetail(where string) string {
	return where + " is null, as [var.x] is when var.x is null. Every item must be a value: leave null items out, for example with compact()."
}

// regionValidator accepts what has the shape of a Huawei Cloud region id.
// Without a provider endpoint the URL is built from the region, so a
// region such as "x@host:port/" must never get through.
type regionValidator struct{}

func (regionValidator) Description(context.Context) string {
	return "must be a Huawei Cloud region id such as cn-north-4 (matching " + client.RegionPattern + ")"
}

func (v regionValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (regionValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkRegion(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid region", fmt.Sprintf("%s %s.", req.Path, err))
	}
}

func checkRegion(s string) error {
	if client.ValidRegion(s) {
		return nil
	}
	if msg := textProblem(s); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%q is not a Huawei Cloud region id: lowercase words and a number joined by hyphens, such as cn-north-4, ap-southeast-1 or eu-west-101", s)
}

// cloudValidator accepts a domain name such as myhuaweicloud.com: every
// default endpoint is built from it, so it must not name a user, port or
// path.
type cloudValidator struct{}

func (cloudValidator) Description(context.Context) string {
	return "must be a domain name such as myhuaweicloud.com"
}

func (v cloudValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cloudValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkCloud(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid cloud", fmt.Sprintf("%s %s.", req.Path, err))
	}
}

func checkCloud(s string) error {
	if client.ValidCloud(s) {
		return nil
	}
	if msg := textProblem(s); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%q is not a domain name: lowercase labels joined by dots, such as myhuaweicloud.com or myhuaweicloud.eu", s)
}

// enterpriseProjectIDValidators: HSS takes at most 256 characters.
func enterpriseProjectIDValidators() []validator.String {
	return []validator.String{text(), stringvalidator.LengthAtMost(256)}
}

// validateEnvironment checks the environment variables that stand for
// provider arguments the configuration leaves unset, as the arguments
// themselves are checked.
func validateEnvironment(m providerModel, diags *diag.Diagnostics) {
	check := func(v types.String, attr, env string, f func(string) error) {
		if !v.IsNull() {
			return
		}
		s, ok := os.LookupEnv(env)
		if !ok || s == "" {
			return
		}
		if err := f(s); err != nil {
			diags.AddAttributeError(path.Root(attr), "Invalid "+env, fmt.Sprintf("%s (for %s) %s.", env, attr, err))
		}
	}
	checkText := func(maxLen int) func(string) error {
		return func(s string) error {
			if msg := textProblem(s); msg != "" {
				return fmt.Errorf("%s", msg)
			}
			if n := utf8.RuneCountInString(s); n > maxLen {
				return fmt.Errorf("is %d characters long; at most %d are allowed", n, maxLen)
			}
			return nil
		}
	}
	check(m.Region, "region", envRegion, checkRegion)
	check(m.Cloud, "cloud", envCloud, checkCloud)
	check(m.ProjectID, "project_id", envProjectID, checkText(256))
	check(m.EnterpriseProjectID, "enterprise_project_id", envEnterpriseProjectID, checkText(256))
}
