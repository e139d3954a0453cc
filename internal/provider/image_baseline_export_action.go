package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

var (
	_ action.Action                   = (*imageBaselineExportAction)(nil)
	_ action.ActionWithConfigure      = (*imageBaselineExportAction)(nil)
	_ action.ActionWithValidateConfig = (*imageBaselineExportAction)(nil)
)

// NewImageBaselineExportAction is the hss_image_baseline_export action.
func NewImageBaselineExportAction() action.Action {
	return &imageBaselineExportAction{}
}

type imageBaselineExportAction struct {
	data *providerData
}

type imageBaselineExportActionModel struct {
	Timeouts timeouts.Value `tfsdk:"timeouts"`
	exportArgsModel
}

func (a *imageBaselineExportAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_baseline_export"
}

func (a *imageBaselineExportAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := map[string]schema.Attribute{}
	exportActionAttributes(attrs)
	resp.Schema = schema.Schema{
		Description: "Runs one export of image baseline check results in HSS each time it is invoked " +
			"(`terraform apply -invoke=action.hss_image_baseline_export.NAME`, or a `lifecycle.action_trigger`), reporting the task id, its record count, " +
			"its status while waiting and its file id as progress. Actions keep nothing in state: when you need `task_id` in state or outputs, " +
			"use the `hss_image_baseline_export` resource instead. Requires Terraform 1.14 or later.\n\n" +
			"`timeouts.invoke` bounds the export request (at most 60 seconds of it) and then, separately, the wait and the download. " +
			"A failed invocation is an error naming the task when one was started (also when HSS's answer named the task but was otherwise unreadable); " +
			"when the export request's answer was lost, the error says an export may have started in HSS.\n\n" +
			"Run from a `lifecycle.action_trigger`, a failed export fails the apply, but the triggering resource is kept in state, untainted: " +
			"the next plan does not run the export again; invoke it with `terraform apply -invoke=...`, or replace the resource.\n\n" + filterTextNote,
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{InvokeDescription: "How long the export may take, 10 minutes by default (for example `30m`); must be positive. " +
				"It bounds the export request (at most 60 seconds of it) and then, separately, the wait for the task and the download."}),
		},
	}
}

func (a *imageBaselineExportAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *imageBaselineExportAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	validateExportConfig(ctx, req.Config, &resp.Diagnostics)
	validateFilterRanges(ctx, req.Config, &resp.Diagnostics)
	validatePositiveTimeout(ctx, req.Config, "invoke", &resp.Diagnostics)
}

func (a *imageBaselineExportAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m imageBaselineExportActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := a.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, diags := m.Timeouts.Invoke(ctx, defaultExportTimeout)
	resp.Diagnostics.Append(diags...)
	exp, diags := m.exportRequest(ctx, a.data, timeout, "timeouts.invoke")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	say := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	res, err := runExport(ctx, c, exp, exportReporter{progress: say})
	if err != nil {
		detail := err.Error()
		if res != nil && (res.status == nil || res.status.TaskStatus != client.TaskFailure) {
			detail += fmt.Sprintf("\n\nActions keep nothing in state: export task %s stays in HSS, where it can be found by its id "+
				"(the HSS console lists export tasks); invoking the action again starts a new export.", res.task.TaskID)
		}
		resp.Diagnostics.AddError("HSS baseline export failed", detail)
		return
	}
	if res.status == nil {
		say(fmt.Sprintf("Export task %s was not waited for.", res.task.TaskID))
	}
}
