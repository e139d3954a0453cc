package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ action.Action                   = (*imageScanAction)(nil)
	_ action.ActionWithConfigure      = (*imageScanAction)(nil)
	_ action.ActionWithValidateConfig = (*imageScanAction)(nil)
)

// NewImageScanAction is the hss_image_scan action.
func NewImageScanAction() action.Action {
	return &imageScanAction{}
}

type imageScanAction struct {
	data *providerData
}

type imageScanActionModel struct {
	Images              types.List   `tfsdk:"images"`
	Synchronize         types.Bool   `tfsdk:"synchronize"`
	Region              types.String `tfsdk:"region"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Timeout             types.String `tfsdk:"timeout"`
}

func (a *imageScanAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_scan"
}

func (a *imageScanAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	selector := map[string]schema.Attribute{}
	for name, desc := range scanSelectorDescriptions {
		at := schema.StringAttribute{Optional: true, Description: desc, Validators: scanSelectorValidators(256)}
		if name == "image_type" {
			at = schema.StringAttribute{Required: true, Description: desc, Validators: []validator.String{stringvalidator.OneOf(images.LookupTypes...)}}
		}
		selector[name] = at
	}
	resp.Schema = schema.Schema{
		Description: "Has HSS scan exactly these images each time it is invoked (`terraform apply -invoke=action.hss_image_scan.NAME`, or a `lifecycle.action_trigger`), " +
			"and waits until each shows a scan that ended after the request, reporting progress as it goes. Before asking, each image's `latest_scan_time` is recorded; " +
			"an image is done when its `scan_status` is `success` with a later `latest_scan_time` (no clocks compared). A failed scan is an error naming the image, " +
			"its `scan_failed_code` and description. One scan request is sent per global image type (repository, local). " +
			"Actions keep nothing in state: an invocation that runs out of `timeout` does not resume; invoking it again asks HSS again " +
			"(use the `hss_image_scan` resource for a scan recorded in state and resumed after a timeout). Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"images": schema.ListNestedAttribute{
				Required: true, Description: scanImagesDescription,
				NestedObject: schema.NestedAttributeObject{Attributes: selector},
				Validators:   []validator.List{listvalidator.SizeBetween(1, maxScanImages)},
			},
			"synchronize":           schema.BoolAttribute{Optional: true, Description: scanSynchronizeDescription},
			"region":                schema.StringAttribute{Optional: true, Description: regionDescription, Validators: regionValidators()},
			"enterprise_project_id": schema.StringAttribute{Optional: true, Description: enterpriseProjectIDDescription, Validators: enterpriseProjectIDValidators()},
			"timeout": schema.StringAttribute{Optional: true, Validators: []validator.String{positiveDuration{}},
				Description: "How long the scan may take, `30m` by default; a positive Go duration such as `45m`. " + scanTimeoutWords},
		},
	}
}

func (a *imageScanAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *imageScanAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m imageScanActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateScanImages(ctx, m.Images, &resp.Diagnostics)
}

func (a *imageScanAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m imageScanActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := a.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout := defaultScanTimeout
	if !m.Timeout.IsNull() {
		d, err := parsePositiveDuration(m.Timeout.ValueString())
		if err != nil {
			resp.Diagnostics.AddError("Invalid timeout", "timeout "+err.Error()+".")
			return
		}
		timeout = d
	}
	spec := scanSpec{
		scope:       a.data.scope(m.Region, m.EnterpriseProjectID),
		selectors:   scanImagesOf(ctx, m.Images, &resp.Diagnostics),
		synchronize: m.Synchronize.IsNull() || m.Synchronize.ValueBool(),
		timeout:     timeout,
		timeoutName: "timeout",
	}
	if resp.Diagnostics.HasError() {
		return
	}
	say := scanReporter(func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	})
	sctx, cancel := scanContext(ctx, spec)
	defer cancel()
	found, err := resolveScanImages(sctx, c, spec, say)
	if err != nil {
		resp.Diagnostics.AddError("HSS image scan failed", err.Error()+"\n\nNothing was asked of HSS.")
		return
	}
	run := newScanRun(found)
	if err := requestScans(sctx, c, spec.scope, run, say, nil); err != nil {
		detail := err.Error()
		if anyAsked(run) {
			detail += "\n\nThe scans of the other images were asked for and run in HSS; actions keep nothing in state."
		}
		resp.Diagnostics.AddError("HSS image scan failed", detail)
		return
	}
	if err := waitForScans(sctx, c, spec.scope, run, say); err != nil {
		detail := err.Error()
		if !scanFailedResult(run) {
			detail += "\n\nThe scans were asked for at " + run.requestedAt.Format("2006-01-02T15:04:05Z07:00") +
				" and may still finish in HSS. Actions keep nothing in state: invoking the action again asks HSS again."
		}
		resp.Diagnostics.AddError("HSS image scan failed", detail)
	}
}
