package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ action.Action                   = (*imageGateAction)(nil)
	_ action.ActionWithConfigure      = (*imageGateAction)(nil)
	_ action.ActionWithValidateConfig = (*imageGateAction)(nil)
)

// NewImageGateAction is the hss_image_gate action: the gate again at
// apply, bound to the digest the plan saw.
func NewImageGateAction() action.Action {
	return &imageGateAction{}
}

type imageGateAction struct {
	data *providerData
}

type imageGateActionModel struct {
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	ImageType           types.String `tfsdk:"image_type"`
	Namespace           types.String `tfsdk:"namespace"`
	ImageName           types.String `tfsdk:"image_name"`
	ImageVersion        types.String `tfsdk:"image_version"`
	InstanceID          types.String `tfsdk:"instance_id"`
	RegistryName        types.String `tfsdk:"registry_name"`
	ImageID             types.String `tfsdk:"image_id"`
	MaxScanAge          types.String `tfsdk:"max_scan_age"`
	WaitForScan         types.String `tfsdk:"wait_for_scan"`
	ExpectedDigest      types.String `tfsdk:"expected_digest"`
	Policy              types.Object `tfsdk:"policy"`
}

func (a *imageGateAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_gate"
}

// actionAttribute is a data source argument as an action argument: the
// same type, description and checks (actions have no computed values).
func actionAttribute(a dsschema.Attribute) schema.Attribute {
	switch a := a.(type) {
	case dsschema.StringAttribute:
		return schema.StringAttribute{Required: a.Required, Optional: a.Optional || a.Computed && !a.Required, Description: a.Description, Validators: a.Validators}
	case dsschema.Float64Attribute:
		return schema.Float64Attribute{Required: a.Required, Optional: !a.Required, Description: a.Description, Validators: a.Validators}
	case dsschema.Int64Attribute:
		return schema.Int64Attribute{Required: a.Required, Optional: !a.Required, Description: a.Description, Validators: a.Validators}
	case dsschema.BoolAttribute:
		return schema.BoolAttribute{Required: a.Required, Optional: !a.Required, Description: a.Description, Validators: a.Validators}
	case dsschema.ListAttribute:
		return schema.ListAttribute{Required: a.Required, Optional: !a.Required, ElementType: a.ElementType, Description: a.Description, Validators: a.Validators}
	case dsschema.MapAttribute:
		return schema.MapAttribute{Required: a.Required, Optional: !a.Required, ElementType: a.ElementType, Description: a.Description, Validators: a.Validators}
	case dsschema.ListNestedAttribute:
		return schema.ListNestedAttribute{Required: a.Required, Optional: !a.Required, Description: a.Description, Validators: a.Validators,
			NestedObject: schema.NestedAttributeObject{Attributes: actionAttributes(a.NestedObject.Attributes)}}
	case dsschema.SingleNestedAttribute:
		return schema.SingleNestedAttribute{Required: a.Required, Optional: !a.Required, Description: a.Description, Validators: a.Validators,
			Attributes: actionAttributes(a.Attributes)}
	}
	panic(fmt.Sprintf("actionAttribute: %T is not converted", a))
}

func actionAttributes(attrs map[string]dsschema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(attrs))
	for name, a := range attrs {
		out[name] = actionAttribute(a)
	}
	return out
}

func (a *imageGateAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	ds := map[string]dsschema.Attribute{}
	findingsImageAttributes(ds)
	attrs := map[string]schema.Attribute{}
	for _, name := range []string{"namespace", "image_name", "image_version", "max_scan_age"} {
		attrs[name] = actionAttribute(ds[name])
	}
	found := map[string]string{
		"instance_id":   "SWR enterprise edition instance, when the same image is in several instances.",
		"registry_name": "Registry name, when the same image is in several registries.",
		"image_id":      "Image ID as HSS lists it: required for `cicd` images, optional otherwise (to choose between images that share a name and tag).",
	}
	for name, desc := range found {
		sa, _ := ds[name].(dsschema.StringAttribute) // the selector's, as hss_image takes it
		attrs[name] = schema.StringAttribute{Optional: true, Description: desc, Validators: sa.Validators}
	}
	attrs["image_type"] = schema.StringAttribute{
		Required: true,
		Description: "Image type: " + quotedList(images.LookupTypes) + ". " +
			"With a `policy`, `local_image` is refused at plan: HSS keeps no per-image vulnerability list for local images.",
		Validators: []validator.String{stringvalidator.OneOf(images.LookupTypes...)},
	}
	attrs["region"] = schema.StringAttribute{Optional: true, Description: regionDescription, Validators: regionValidators()}
	attrs["enterprise_project_id"] = schema.StringAttribute{Optional: true, Description: enterpriseProjectIDDescription, Validators: enterpriseProjectIDValidators()}
	attrs["wait_for_scan"] = waitForScanActionAttribute()
	attrs["expected_digest"] = schema.StringAttribute{
		Required: true,
		Description: "The digest the plan judged (`sha256:` and 64 hexadecimal digits), usually `data.hss_image_gate.NAME.image.digest` or " +
			"`hss_image_scan.NAME.results[0].digest`: the action fails when the tag now names another digest (the tag moved since plan).",
		Validators: []validator.String{stringvalidator.RegexMatches(sha256Re, "must be `sha256:` followed by 64 lowercase hexadecimal digits")},
	}
	attrs["policy"] = actionAttribute(policyAttribute())
	resp.Schema = schema.Schema{
		Description: "The gate again at apply, bound to the digest the plan saw. Triggered by `lifecycle.action_trigger` " +
			"`before_create`/`before_update` of the resource that deploys the image, it resolves the image again (as `hss_image` does: exact names, " +
			"every page, one image or an error) and fails the apply when its digest is not `expected_digest` (the tag moved since plan: what would be deployed " +
			"is not what was checked), when its last scan did not succeed by every signal HSS gives or is older than `max_scan_age`, and, with a `policy`, " +
			"when it no longer passes the policy (an exception lapsed, a CVE's grace period ended, the deployed version of the ratchet changed): " +
			"the judgement of the `hss_image_gate` data source, at the time of the action. " +
			"Its progress messages say what it found. Nothing is kept in state. Requires Terraform 1.14 or later; " +
			"with OpenTofu, which has no actions, read the `hss_image_gate` data source during apply instead (`depends_on` the scan) " +
			"with a `postcondition` on `image.digest`, and make the deployment depend on it. " + filterTextNote,
		Attributes: attrs,
	}
}

func (a *imageGateAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (m *imageGateActionModel) selectorArgs() map[string]types.String {
	return map[string]types.String{
		"namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion,
		"instance_id": m.InstanceID, "registry_name": m.RegistryName, "image_id": m.ImageID,
	}
}

func (a *imageGateAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m imageGateActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateSelector(&resp.Diagnostics, m.ImageType, m.selectorArgs())
	if !m.Policy.IsNull() && !m.ImageType.IsUnknown() && m.ImageType.ValueString() == "local_image" {
		resp.Diagnostics.AddAttributeError(path.Root("image_type"), "Local images have no vulnerability list",
			`image_type "local_image": `+images.ErrNoLocalList.Error()+", so a policy cannot judge it. Without a policy the action checks the digest and the scan.")
	}
	pr := readPolicy(m.Policy)
	addPolicyErrors(&resp.Diagnostics, pr.mistakes())
	validateRatchet(&resp.Diagnostics, m.ImageVersion, pr)
}

// gateActionTrust is what the action says when the image's scan cannot
// be trusted.
var gateActionTrust = scanTrust{
	unscanned: "The gate at apply passes only an image HSS scanned successfully, so the apply fails instead of deploying it.",
	tooOld:    "A scan older than max_scan_age says nothing about what was found since, so the apply fails instead of deploying the image.",
}

func (a *imageGateAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m imageGateActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := a.data.configuredClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	validateSelector(&resp.Diagnostics, m.ImageType, m.selectorArgs())
	pr := readGatePolicy(m.Policy, m.ImageVersion, &resp.Diagnostics)
	wait := a.data.scanWait(m.WaitForScan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	say := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	selector := selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID)
	scope := a.data.scope(m.Region, m.EnterpriseProjectID)
	// Fresh: the image as HSS lists it now, not as an earlier read of
	// this run found it.
	found, err := wait.lookup(client.Fresh(ctx), c, scope, selector)
	now := time.Now()
	if err != nil {
		addLookupError(&resp.Diagnostics, err)
		return
	}
	expected := m.ExpectedDigest.ValueString()
	say(fmt.Sprintf("%s resolves to digest %s (expected %s), scan_status %q.", found.Label(), orUnknownText(found.ImageDigest), expected, found.ScanStatus))
	if found.ImageDigest != expected {
		got := "no digest"
		if found.ImageDigest != "" {
			got = "digest " + found.ImageDigest
		}
		resp.Diagnostics.AddAttributeError(path.Root("expected_digest"), "The tag moved since plan",
			fmt.Sprintf("%s now names %s, but the plan judged digest %s (expected_digest): what would be deployed is not what was checked, so the apply fails. "+
				"Plan again to judge the image the tag names now.", found.Label(), got, expected))
		return
	}
	if !wait.trust(&resp.Diagnostics, found, m.MaxScanAge, now, gateActionTrust) {
		return
	}
	if m.Policy.IsNull() {
		say(fmt.Sprintf("%s: digest as planned, scanned successfully at %s; no policy to judge.", found.Label(), scannedAt(found)))
		return
	}
	r, ok := evaluateGate(ctx, c, scope, selector, found, pr, now, &resp.Diagnostics)
	if !ok {
		return
	}
	exceptionWarnings(&resp.Diagnostics, r)
	if !r.Passed {
		resp.Diagnostics.AddError("Image fails the vulnerability gate", gateFailureDetail(found, now, r)+
			"\nIt was judged at apply, by the hss_image_gate action. Fix the findings, or accept a risk with a reviewed exception (policy.exceptions: id, reason, expires).")
		return
	}
	say(fmt.Sprintf("%s: digest as planned, scanned successfully at %s, passes the policy (%d finding(s) excepted).", found.Label(), scannedAt(found), len(r.Excepted)))
}

func scannedAt(img *images.Image) string {
	s, err := images.RFC3339(img.LatestScanTime)
	if err != nil || s == "" {
		return "an unknown time"
	}
	return s
}
