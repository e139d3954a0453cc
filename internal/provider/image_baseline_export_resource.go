package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

var (
	_ resource.Resource                   = (*imageBaselineExportResource)(nil)
	_ resource.ResourceWithConfigure      = (*imageBaselineExportResource)(nil)
	_ resource.ResourceWithValidateConfig = (*imageBaselineExportResource)(nil)
	_ resource.ResourceWithImportState    = (*imageBaselineExportResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*imageBaselineExportResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*imageBaselineExportResource)(nil)
)

// imageBaselineExportSchemaVersion is the version of the resource's state
// layout: 0 is the layout 0.1.0 released. State written by any released
// version must be read by the next (image_baseline_export_upgrade_test.go
// plans the committed state fixture of every version). Bump it only when
// older state no longer fits the schema (an attribute renamed or its type
// changed; adding an attribute needs no bump), and add an upgrader from
// every older version in UpgradeState.
const imageBaselineExportSchemaVersion = 0

// NewImageBaselineExportResource is the hss_image_baseline_export resource.
func NewImageBaselineExportResource() resource.Resource {
	return &imageBaselineExportResource{}
}

type imageBaselineExportResource struct {
	data *providerData
}

// exportArgsModel holds the arguments the resource and the action share.
type exportArgsModel struct {
	ExportSize          types.Int64  `tfsdk:"export_size"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	WaitForCompletion   types.Bool   `tfsdk:"wait_for_completion"`
	OutputPath          types.String `tfsdk:"output_path"`
	imageFilterModel
}

type imageBaselineExportModel struct {
	ID             types.String   `tfsdk:"id"`
	Triggers       types.Map      `tfsdk:"triggers"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
	TaskID         types.String   `tfsdk:"task_id"`
	RecordTotalNum types.Int64    `tfsdk:"record_total_num"`
	TaskName       types.String   `tfsdk:"task_name"`
	TaskStatus     types.String   `tfsdk:"task_status"`
	FileID         types.String   `tfsdk:"file_id"`
	FileName       types.String   `tfsdk:"file_name"`
	OutputSHA256   types.String   `tfsdk:"output_sha256"`
	exportArgsModel
}

func (r *imageBaselineExportResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_baseline_export"
}

func (r *imageBaselineExportResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	attrs := map[string]schema.Attribute{
		"id": computed("The export task ID."),
		"triggers": schema.MapAttribute{
			Optional:    true,
			ElementType: types.StringType,
			Description: "Arbitrary values that, when changed, start a new export (the resource is replaced), as in `time_static`.",
		},
		"task_id": computed("ID of the export task HSS created."),
		"record_total_num": schema.Int64Attribute{
			Computed: true,
			Description: "Number of records the export holds, as HSS said when the task started; null when HSS's answer named the task but its count was unreadable (that apply failed naming `record_total_num`, and the next one resumed the task), " +
				"and for an imported task (HSS gives the count only when the task starts).",
			PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
		},
		"task_name": computed("Name of the export task; null when not waited for."),
		"task_status": computed("Last known status of the task: `running`, `success` or `failure` (HSS's answer is read in any letter case and recorded in lower case; any other status is an error). Refreshed on every read while HSS still knows the task, " +
			"except for a task a failed apply left unfinished: that one is kept as recorded until the next apply resumes it."),
		"file_id":       computed("ID of the exported file, once the task succeeded."),
		"file_name":     computed("Name of the exported file, once the task succeeded."),
		"output_sha256": computed("Hex SHA-256 of the file written to `output_path`."),
	}
	exportResourceAttributes(attrs) // every argument forces a new export: ModifyPlan
	resp.Schema = schema.Schema{
		Version: imageBaselineExportSchemaVersion,
		Description: "Starts one export of image baseline check results in HSS, waits for it, optionally downloads its ZIP file, and records the task in state. " +
			"Creating it sends exactly one export request. Plan, refresh and a no-op apply never start an export; refresh reads the task's status (one GET) while HSS still knows it. " +
			"Every argument forces a new export; `triggers` starts one on demand. Destroying it only forgets the task: nothing is removed from HSS, and the file at `output_path` is kept. " +
			"It can be imported by task id (`terraform import hss_image_baseline_export.x <task_id>`, or an `import` block with `id`): the task is read back in the provider's region and enterprise project " +
			"(its name, status and file; an id HSS does not know is an error). HSS does not return the arguments a task was started with, nor its record count (`record_total_num` stays null): " +
			"the first apply after the import records the configuration's arguments with an in-place update, without checking them against the task and without starting an export, " +
			"reading the task in the configuration's region and enterprise project and, as a create would, waiting for it and downloading its file to `output_path`; " +
			"from then on every argument forces a new export again. An imported task that failed in HSS is replaced by a new export.\n\n" +
			"`timeouts.create` bounds the export request (at most 60 seconds of it) and then, separately, the wait for the task and the download.\n\n" +
			"When an apply fails: if the export request was refused, nothing was exported and nothing is recorded. If its answer was lost (no answer in time, connection cut), " +
			"HSS may have started an export whose id is unknown: the error says so and when, so that it can be found in the HSS console before applying again. " +
			"If the task started but could not be finished (HSS's answer named the task but another field of it was unreadable, the timeout expired, a status read failed, " +
			"the file could not be written or was not a whole ZIP archive), " +
			"the task is recorded and the resource is tainted; the next apply with the same arguments and triggers resumes that task, waiting for it and downloading its file from `file_id` " +
			"while HSS still has it, instead of starting a new export (it starts a new one if HSS no longer knows the task, or with `create_before_destroy`). " +
			"A task that fails in HSS taints the resource too, and the next apply starts a new export.\n\n" + filterTextNote,
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, CreateDescription: "How long the export may take, 10 minutes by default (for example `30m`); must be positive. " +
				"It bounds the export request (at most 60 seconds of it) and then, separately, the wait for the task and the download."}),
		},
	}
}

// UpgradeState upgrades state of an older schema version to the current
// one, directly from each older version. There is none yet: version 0 is
// the first. An upgrader from version N takes PriorSchema, the schema of
// version N as released, and is proved by the fixture vN.tfstate.
func (r *imageBaselineExportResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{}
}

func (r *imageBaselineExportResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *imageBaselineExportResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateExportConfig(ctx, req.Config, &resp.Diagnostics)
	validateFilterRanges(ctx, req.Config, &resp.Diagnostics)
	validatePositiveTimeout(ctx, req.Config, "create", &resp.Diagnostics)
}

// ImportState adopts an export task that exists in HSS: its id, name,
// status and file are read back (one GET, in the provider's region and
// enterprise project). HSS does not say which arguments the task was
// started with, nor its record count: those stay null, and the next apply
// records the configuration's arguments in place (adopt), without
// exporting. An id HSS does not know is an error naming it.
func (r *imageBaselineExportResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	c := r.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	id := req.ID
	summary := "Cannot import HSS export task " + id
	if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, "/?#") {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("The import id is the export task id (task_id) that HSS returned, such as export000001; got %q.", id))
		return
	}
	scope := r.data.scope(types.StringNull(), types.StringNull())
	st, err := c.GetExportTask(ctx, scope, id)
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		resp.Diagnostics.AddError(summary, "HSS does not know export task "+id+" ("+scopeText(scope)+"): nothing was imported. "+
			"Check the id, and that the provider's region and enterprise_project_id are the task's. "+apiErrorDetail("export task "+id, err))
		return
	case err != nil:
		resp.Diagnostics.AddError(summary, apiErrorDetail("export task "+id+" ("+scopeText(scope)+")", err))
		return
	case st.TaskID != "" && st.TaskID != id:
		resp.Diagnostics.AddError(summary, fmt.Sprintf("HSS answered the status of export task %q when asked for %q: nothing was imported.", st.TaskID, id))
		return
	}
	var m imageBaselineExportModel
	m.applyStatus(st)
	for name, v := range map[string]types.String{"id": types.StringValue(id), "task_id": types.StringValue(id),
		"task_name": m.TaskName, "task_status": m.TaskStatus, "file_id": m.FileID, "file_name": m.FileName} {
		if v.ValueString() == "" {
			v = types.StringNull()
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
}

// scopeText names where a task was looked for.
func scopeText(s client.Scope) string {
	eps := s.EnterpriseProjectID
	if eps == "" {
		eps = "HSS's default"
	}
	return "region " + s.Region + ", enterprise project " + eps
}

// adopting reports whether state is an imported task whose arguments are
// not recorded yet (export_size, which every created export has, is
// null) and which has not failed in HSS. Its arguments then change in
// place, recording the configuration's, instead of replacing it; an
// imported task that failed is replaced by a new export, as a created one
// that failed is.
func adopting(ctx context.Context, state tfsdk.State) bool {
	if state.Raw.IsNull() {
		return false
	}
	var size types.Int64
	var status types.String
	if state.GetAttribute(ctx, path.Root("export_size"), &size).HasError() || state.GetAttribute(ctx, path.Root("task_status"), &status).HasError() {
		return false
	}
	return size.IsNull() && status.ValueString() != client.TaskFailure
}

// ModifyPlan: every argument forces a new export, except while an
// imported task is adopted (one rule here rather than a plan modifier per
// argument, whose types differ). Adopting reads the task's status again
// and may download its file, so what it records is known only after the
// apply.
func (r *imageBaselineExportResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	if !adopting(ctx, req.State) {
		var planned, prior map[string]tftypes.Value
		if err := req.Plan.Raw.As(&planned); err != nil {
			resp.Diagnostics.AddError("Planning hss_image_baseline_export", err.Error())
			return
		}
		if err := req.State.Raw.As(&prior); err != nil {
			resp.Diagnostics.AddError("Planning hss_image_baseline_export", err.Error())
			return
		}
		for name, a := range req.Plan.Schema.GetAttributes() {
			if (a.IsOptional() || a.IsRequired()) && !planned[name].Equal(prior[name]) {
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root(name))
			}
		}
		return
	}
	for _, name := range []string{"task_name", "task_status", "file_id", "file_name", "output_sha256"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), types.StringUnknown())...)
	}
}

func (r *imageBaselineExportResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan imageBaselineExportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultExportTimeout)
	resp.Diagnostics.Append(diags...)
	exp, diags := plan.exportRequest(ctx, r.data, timeout, "timeouts.create")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	state := plan
	for _, v := range []*types.String{&state.TaskName, &state.TaskStatus, &state.FileID, &state.FileName, &state.OutputSHA256} {
		*v = types.StringNull()
	}
	record := func(t client.ExportTask) {
		state.ID, state.TaskID = types.StringValue(t.TaskID), types.StringValue(t.TaskID)
		state.RecordTotalNum = types.Int64PointerValue(t.RecordTotalNum)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	rep := exportReporter{
		// Saved before waiting: if the wait fails, the task id is in state
		// and Terraform marks the resource tainted.
		started:  record,
		progress: func(msg string) { tflog.Info(ctx, msg) },
	}
	res, resumed, err := r.resume(ctx, c, exp, exportFingerprint(exp, plan.Triggers), rep, &resp.Diagnostics)
	if !resumed {
		res, err = runExport(ctx, c, exp, rep)
	}
	if res != nil { // the task exists: record what is known of it
		if res.status != nil {
			state.applyStatus(res.status)
		}
		state.OutputSHA256 = types.StringPointerValue(nonEmpty(res.outputSHA256))
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	if err != nil {
		detail := err.Error()
		if res != nil && (res.status == nil || res.status.TaskStatus != client.TaskFailure) && (exp.wait || res.task.RecordTotalNum == nil) {
			// Read keeps this task's recorded status, so that the Delete of
			// the tainted resource sees it unfinished (export_resume.go).
			resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateUnfinished, []byte(`true`))...)
			detail += "\n\nThe task is recorded in state and the resource is tainted. The next apply with the same arguments and triggers " +
				"does not start a new export: it resumes this task, waiting for it if it still runs and downloading its file while HSS still has it " +
				"(a new export starts only if HSS no longer knows the task, or the task failed)."
		}
		resp.Diagnostics.AddError("HSS baseline export failed", detail)
	}
}

// resume finishes the unfinished task a tainted predecessor with the same
// fingerprint left (see export_resume.go). It reports whether it took the
// task on; when it did not, a new export is to be started.
func (r *imageBaselineExportResource) resume(ctx context.Context, c *client.Client, exp exportRequest, key string, rep exportReporter, diags *diag.Diagnostics) (*exportResult, bool, error) {
	task, ok := r.data.pending.take(key)
	if !ok {
		return nil, false, nil
	}
	st, err := c.GetExportTask(ctx, exp.scope, task.TaskID)
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		diags.AddWarning("Starting a new HSS export",
			"Export task "+task.TaskID+", which an earlier apply could not finish, is no longer known to HSS; a new export starts.")
		return nil, false, nil
	case err == nil && st.TaskStatus == client.TaskFailure:
		diags.AddWarning("Starting a new HSS export",
			"Export task "+task.TaskID+", which an earlier apply could not finish, failed in HSS; a new export starts.")
		return nil, false, nil
	}
	// From here on the task is this resource's, whatever happens next.
	rep.started(task)
	res := &exportResult{task: task}
	if err != nil { // whether it still exists is unknown: keep it, and fail
		return res, true, fmt.Errorf("resuming export task %s: reading its status: %w", task.TaskID, err)
	}
	if exp.outputPath != "" {
		if err := checkOutputPath(exp.outputPath); err != nil {
			return res, true, fmt.Errorf("export task %s: output_path: %w", task.TaskID, err)
		}
	}
	detail := "An earlier apply started export task " + task.TaskID + " with these arguments but could not finish it (the resource was tainted). " +
		"It was resumed instead of starting a new export."
	if task.RecordTotalNum == nil {
		detail += " Its record count stays unknown (record_total_num is null): HSS's answer to the export request did not give it readably."
	}
	diags.AddWarning("Resumed HSS export task "+task.TaskID, detail)
	if !exp.wait {
		// Not waited for: the task is adopted as it is. Its status is
		// recorded, which also tells a later Delete it is not unfinished.
		res.status = st
		return res, true, nil
	}
	return res, true, finishExport(ctx, c, exp, res, rep)
}

func (m *imageBaselineExportModel) applyStatus(st *client.ExportTaskStatus) {
	m.TaskName = types.StringPointerValue(nonEmpty(st.TaskName))
	m.TaskStatus = types.StringValue(st.TaskStatus)
	if st.FileID != "" {
		m.FileID = types.StringValue(st.FileID)
		m.FileName = types.StringPointerValue(nonEmpty(st.FileName))
	}
}

// exportRequest turns the shared arguments into what runExport takes.
func (m *exportArgsModel) exportRequest(ctx context.Context, d *providerData, timeout time.Duration, timeoutName string) (exportRequest, diag.Diagnostics) {
	filter, diags := m.request(ctx)
	return exportRequest{
		scope:       d.scope(m.Region, m.EnterpriseProjectID),
		size:        m.ExportSize.ValueInt64(),
		filter:      filter,
		wait:        m.WaitForCompletion.IsNull() || m.WaitForCompletion.ValueBool(),
		outputPath:  m.OutputPath.ValueString(),
		timeout:     timeout,
		timeoutName: timeoutName,
	}, diags
}

// Read keeps the export as it is and refreshes the task's status while HSS
// still knows it. A task HSS no longer knows is not a reason to forget it.
func (r *imageBaselineExportResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state imageBaselineExportModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.client == nil || state.TaskID.IsNull() {
		return
	}
	if marker, _ := req.Private.GetKey(ctx, privateUnfinished); marker != nil {
		tflog.Debug(ctx, "export task left unfinished by a failed apply; its recorded status is kept for the next apply to resume it", map[string]any{"task_id": state.TaskID.ValueString()})
		return
	}
	scope := r.data.scope(state.Region, state.EnterpriseProjectID)
	st, err := r.data.client.GetExportTask(ctx, scope, state.TaskID.ValueString())
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		tflog.Debug(ctx, "export task no longer known to HSS; keeping its recorded state", map[string]any{"task_id": state.TaskID.ValueString()})
		return
	case err != nil:
		resp.Diagnostics.AddWarning("Cannot refresh the HSS export task status",
			"The recorded state is kept. "+apiErrorDetail("export task "+state.TaskID.ValueString(), err))
		return
	}
	state.applyStatus(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only happens when nothing but timeouts changed: every argument
// requires replacement.
func (r *imageBaselineExportResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state imageBaselineExportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.ExportSize.IsNull() {
		r.adopt(ctx, plan, state, resp)
		return
	}
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// adopt records the configuration's arguments for an imported task, the
// first apply after the import. It reads the task in the configuration's
// region and enterprise project (an error if HSS does not know it there)
// and then does what a create would have done after the export request:
// waits for the task and downloads its file, when asked. It never starts
// an export. If it fails, nothing is recorded and the next apply tries
// again.
func (r *imageBaselineExportResource) adopt(ctx context.Context, plan, state imageBaselineExportModel, resp *resource.UpdateResponse) {
	c := r.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultExportTimeout)
	resp.Diagnostics.Append(diags...)
	exp, diags := plan.exportRequest(ctx, r.data, timeout, "timeouts.create")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.TaskID.ValueString()
	summary := "Cannot adopt imported HSS export task " + id
	if exp.outputPath != "" {
		if err := checkOutputPath(exp.outputPath); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("output_path"), summary, "output_path: "+err.Error())
			return
		}
	}
	st, err := c.GetExportTask(ctx, exp.scope, id)
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		resp.Diagnostics.AddError(summary, "HSS does not know export task "+id+" in "+scopeText(exp.scope)+
			", which the configuration names: region and enterprise_project_id must be the task's. Nothing was recorded. "+apiErrorDetail("export task "+id, err))
		return
	case err != nil:
		resp.Diagnostics.AddError(summary, apiErrorDetail("export task "+id+" ("+scopeText(exp.scope)+")", err))
		return
	}
	res := &exportResult{task: client.ExportTask{TaskID: id}, status: st}
	if exp.wait {
		if err := finishExport(ctx, c, exp, res, exportReporter{progress: func(msg string) { tflog.Info(ctx, msg) }}); err != nil {
			resp.Diagnostics.AddError(summary, err.Error()+"\n\nNothing was recorded: the next apply tries again "+
				"(it starts a new export instead if the task failed in HSS).")
			return
		}
	}
	adopted := plan
	adopted.ID, adopted.TaskID, adopted.RecordTotalNum = state.ID, state.TaskID, state.RecordTotalNum
	for _, v := range []*types.String{&adopted.TaskName, &adopted.TaskStatus, &adopted.FileID, &adopted.FileName} {
		*v = types.StringNull()
	}
	adopted.applyStatus(res.status)
	adopted.OutputSHA256 = types.StringPointerValue(nonEmpty(res.outputSHA256))
	resp.Diagnostics.Append(resp.State.Set(ctx, &adopted)...)
	resp.Diagnostics.AddWarning("Adopted imported HSS export task "+id,
		"Its arguments are recorded from the configuration; HSS does not say which ones the task was started with, so that is not checked. "+
			"Its record count is unknown (record_total_num is null). From now on, changing an argument or a trigger starts a new export.")
}

func (r *imageBaselineExportResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	// A task a failed Create left unfinished is remembered for the Create
	// that replaces this resource in the same apply (export_resume.go).
	var state imageBaselineExportModel
	if !req.State.Get(ctx, &state).HasError() && r.data != nil {
		if task, ok := state.unfinished(); ok {
			timeout, _ := state.Timeouts.Create(ctx, defaultExportTimeout)
			if exp, diags := state.exportRequest(ctx, r.data, timeout, "timeouts.create"); !diags.HasError() {
				r.data.pending.remember(exportFingerprint(exp, state.Triggers), task)
			}
		}
	}
	resp.Diagnostics.AddWarning("HSS export task forgotten, not deleted",
		"hss_image_baseline_export only records an export task; destroying it removes it from the Terraform state. No data in HSS is removed, and any file written to output_path is kept.")
}

// validateExportConfig: output_path needs the task to be waited for.
func validateExportConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	var wait types.Bool
	var out types.String
	diags.Append(config.GetAttribute(ctx, path.Root("wait_for_completion"), &wait)...)
	diags.Append(config.GetAttribute(ctx, path.Root("output_path"), &out)...)
	if !out.IsNull() && !wait.IsNull() && !wait.IsUnknown() && !wait.ValueBool() {
		diags.AddAttributeError(path.Root("output_path"), "output_path needs wait_for_completion",
			"The file exists only once the export task has succeeded: remove output_path or set wait_for_completion = true.")
	}
}
