package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Durations: request_timeout, read_timeout, max_scan_age and the
// timeouts blocks are Go durations above zero. "0s" or "-5m" would expire
// before the first request.

// positiveDuration accepts a Go duration string ("30s", "2m", "168h")
// greater than zero.
type positiveDuration struct{}

func (positiveDuration) Description(context.Context) string {
	return `a positive duration with a unit, such as "30s", "20m" or "168h"`
}

func (v positiveDuration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveDuration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parsePositiveDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s %s.", req.Path, err))
	}
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`must be a positive duration with a unit, such as "30s", "20m" or "168h" (units ns, us, ms, s, m, h), got %q`, s)
	}
	return d, nil
}

// durationFromEnv is the argument if set, else the environment variable,
// else def.
func durationFromEnv(v types.String, env string, def time.Duration) (time.Duration, error) {
	if !v.IsNull() {
		return parsePositiveDuration(v.ValueString())
	}
	s := os.Getenv(env)
	if s == "" {
		return def, nil
	}
	d, err := parsePositiveDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %w", env, err)
	}
	return d, nil
}

// validatePositiveTimeout checks timeouts.NAME, which the timeouts package
// declares (and parses) but lets be zero or negative.
func validatePositiveTimeout(ctx context.Context, config tfsdk.Config, name string, diags *diag.Diagnostics) {
	p := path.Root("timeouts").AtName(name)
	var v types.String
	if d := config.GetAttribute(ctx, p, &v); d.HasError() || v.IsNull() || v.IsUnknown() {
		return // no timeouts block, or not known yet
	}
	if _, err := time.ParseDuration(v.ValueString()); err != nil {
		return // the timeouts package reports unparsable durations
	}
	if _, err := parsePositiveDuration(v.ValueString()); err != nil {
		diags.AddAttributeError(p, "Invalid timeout", fmt.Sprintf("timeouts.%s %s.", name, err))
	}
}
