package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// providerDataFrom unpacks what Configure shared; nil before the provider
// is configured (Terraform validates configurations first).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	d, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return d
}

// queryID is a stable identifier of a query: the same parts give the same
// id on every read, so plans show no spurious change.
func queryID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// Length-prefixed, so ("ab","c") and ("a","bc") differ.
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// stringOrNil is a string argument as the client takes it: nil when unset.
func stringOrNil(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// apiErrorDetail is how an API failure reads in a diagnostic: one line with
// status, error code, message and request id (see client.APIError).
func apiErrorDetail(what string, err error) string {
	return what + ": " + strings.TrimSpace(err.Error())
}
