package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// positiveDuration accepts a Go duration string ("30s", "2m", "1m30s")
// greater than zero.
type positiveDuration struct{}

func (positiveDuration) Description(context.Context) string {
	return "a positive duration such as 30s or 2m"
}

func (v positiveDuration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveDuration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parsePositiveDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s %s", req.Path, err))
	}
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration such as 30s, 2m or 1m30s, got %q", s)
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
