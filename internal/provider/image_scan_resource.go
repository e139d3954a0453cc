package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ resource.Resource                   = (*imageScanResource)(nil)
	_ resource.ResourceWithConfigure      = (*imageScanResource)(nil)
	_ resource.ResourceWithValidateConfig = (*imageScanResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*imageScanResource)(nil)
)

// imageScanSchemaVersion is the version of the resource's state layout: 0
// is the first. State written by any released version must be read by the
// next (image_scan_upgrade_test.go plans the committed state fixture of
// every version). Bump it only when older state no longer fits the schema
// (an attribute renamed or its type changed; adding an attribute needs no
// bump), and add an upgrader from every older version in UpgradeState.
const imageScanSchemaVersion = 0

// A scan is never asked for twice by accident (the export's rule,
// export_resume.go). When Create fails after HSS accepted the scan request
// (the wait ran out of time, a read failed), the request is saved in state
// (requested_at, and per image its identity and baseline,
// previous_scanned_at) and Create returns an error, so Terraform marks the
// resource tainted. Its replacement in the next apply is Delete then
// Create, in one provider process: Delete remembers the unfinished scan
// (providerData.scans) by every argument that defines it, and a Create
// with exactly the same arguments and triggers resumes the wait with the
// recorded baselines instead of asking again. A failed scan is not
// resumed: the next apply asks again.

// NewImageScanResource is the hss_image_scan resource.
func NewImageScanResource() resource.Resource {
	return &imageScanResource{}
}

type imageScanResource struct {
	data *providerData
}

type imageScanModel struct {
	ID                  types.String   `tfsdk:"id"`
	Images              types.List     `tfsdk:"images"`
	Synchronize         types.Bool     `tfsdk:"synchronize"`
	Triggers            types.Map      `tfsdk:"triggers"`
	Region              types.String   `tfsdk:"region"`
	EnterpriseProjectID types.String   `tfsdk:"enterprise_project_id"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
	RequestedAt         types.String   `tfsdk:"requested_at"`
	Results             types.List     `tfsdk:"results"`
}

func (r *imageScanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_scan"
}

func (r *imageScanResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	selector := map[string]schema.Attribute{}
	for name, desc := range scanSelectorDescriptions {
		a := schema.StringAttribute{Optional: true, Description: desc, Validators: scanSelectorValidators(256)}
		if name == "image_type" {
			a = schema.StringAttribute{Required: true, Description: desc, Validators: []validator.String{stringvalidator.OneOf(images.LookupTypes...)}}
		}
		selector[name] = a
	}
	result := map[string]schema.Attribute{}
	for name, desc := range scanResultDescriptions {
		result[name] = schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Version: imageScanSchemaVersion,
		Description: "Has HSS scan exactly these images, once, and waits until each shows a scan that ended after the request: proof of a fresh result " +
			"without comparing clocks, because before asking the provider records each image's `latest_scan_time` (`previous_scanned_at`) and waits for a " +
			"`scan_status` of `success` with a later `latest_scan_time`. A failed scan is an error naming the image, its `scan_failed_code` and description.\n\n" +
			"Creating it sends one scan request per global image type (one for repository images, one for local images), naming every image by every field HSS lists for it; " +
			"plan, refresh and a no-op apply never scan (refresh reads nothing). Every argument forces a new scan; `triggers` starts one on demand " +
			"(scans can be billed per scan). Destroying it only forgets the scan.\n\n" +
			"When an apply fails before HSS accepted the request, nothing is recorded. When it fails after (`timeouts.create` ran out, a read failed), the request is recorded " +
			"in state (`requested_at`, each image's identity and `previous_scanned_at`) and the resource is tainted: the next apply with the same arguments and triggers " +
			"resumes the wait with the recorded baselines and does not ask HSS again (with `create_before_destroy` it would ask again). A failed scan taints the resource too, " +
			"and the next apply asks again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				Description: "Identifier of the scan: `requested_at` with nanoseconds."},
			"images": schema.ListNestedAttribute{
				Required: true, Description: scanImagesDescription,
				NestedObject:  schema.NestedAttributeObject{Attributes: selector},
				Validators:    []validator.List{listvalidator.SizeBetween(1, maxScanImages)},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"synchronize": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: scanSynchronizeDescription, PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()}},
			"triggers": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Description:   "Arbitrary values that, when changed, scan again (the resource is replaced), as in `time_static`.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"region": schema.StringAttribute{Optional: true, Description: regionDescription, Validators: regionValidators(), PlanModifiers: replace},
			"enterprise_project_id": schema.StringAttribute{Optional: true, Description: enterpriseProjectIDDescription,
				Validators: enterpriseProjectIDValidators(), PlanModifiers: replace},
			"requested_at": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				Description: "When the scan was asked for, RFC 3339 (UTC); null until asked."},
			"results": schema.ListNestedAttribute{
				Computed: true, Description: "One per element of `images`, in order: the image scanned and its scan.",
				NestedObject:  schema.NestedAttributeObject{Attributes: result},
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, CreateDescription: "How long the scan may take, 30 minutes by default (for example `45m`); must be positive. " + scanTimeoutWords}),
		},
	}
}

// UpgradeState upgrades state of an older schema version to the current
// one, directly from each older version. There is none yet: version 0 is
// the first. An upgrader from version N takes PriorSchema, the schema of
// version N as released, and is proved by the fixture vN.tfstate.
func (r *imageScanResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{}
}

func (r *imageScanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *imageScanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m imageScanModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateScanImages(ctx, m.Images, &resp.Diagnostics)
	validatePositiveTimeout(ctx, req.Config, "create", &resp.Diagnostics)
}

func (m *imageScanModel) spec(ctx context.Context, d *providerData, diags *diag.Diagnostics) scanSpec {
	timeout, ds := m.Timeouts.Create(ctx, defaultScanTimeout)
	diags.Append(ds...)
	return scanSpec{
		scope:       d.scope(m.Region, m.EnterpriseProjectID),
		selectors:   scanImagesOf(ctx, m.Images, diags),
		synchronize: m.Synchronize.IsNull() || m.Synchronize.ValueBool(),
		timeout:     timeout,
		timeoutName: "timeouts.create",
	}
}

func (m *imageScanModel) setRun(ctx context.Context, run *scanRun, diags *diag.Diagnostics) {
	if run.requestedAt.IsZero() {
		m.RequestedAt, m.ID = types.StringNull(), types.StringNull()
	} else {
		m.RequestedAt = types.StringValue(run.requestedAt.Format(time.RFC3339))
		m.ID = types.StringValue(run.requestedAt.Format(time.RFC3339Nano))
	}
	list, ds := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: scanResultAttrTypes}, run.results())
	diags.Append(ds...)
	m.Results = list
}

func (r *imageScanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan imageScanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	spec := plan.spec(ctx, r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	say := scanReporter(func(msg string) { tflog.Info(ctx, msg) })
	sctx, cancel := scanContext(ctx, spec)
	defer cancel()

	state := plan
	save := func(run *scanRun) {
		state.setRun(ctx, run, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	key := scanFingerprint(spec.scope, spec.selectors, spec.synchronize, plan.Triggers)
	var run *scanRun
	if p, ok := r.data.scans.take(key); ok {
		var err error
		if run, err = scanRunFromResults(p.requestedAt, p.results); err != nil {
			resp.Diagnostics.AddError("HSS image scan failed", "Cannot resume the scan an earlier apply asked for: "+err.Error())
			return
		}
		resp.Diagnostics.AddWarning(resumeWarning(p.requestedAt, run))
		say.say("Resuming the wait for the scan asked for at %s.", p.requestedAt.Format(time.RFC3339))
		if err := reResolveUnasked(sctx, c, spec.scope, run); err != nil {
			save(run)
			resp.Diagnostics.AddError("HSS image scan failed", err.Error()+resumeNote)
			return
		}
	} else {
		found, err := resolveScanImages(sctx, c, spec, say)
		if err != nil {
			resp.Diagnostics.AddError("HSS image scan failed", err.Error()+"\n\nNothing was asked of HSS and nothing is recorded.")
			return
		}
		run = newScanRun(found)
	}
	started := false
	err := requestScans(sctx, c, spec.scope, run, say, func() {
		if !started { // saved before waiting: the request is never lost
			started = true
			save(run)
		}
	})
	if err != nil {
		if !anyAsked(run) {
			resp.State.RemoveResource(ctx)
			resp.Diagnostics.AddError("HSS image scan failed", err.Error()+"\n\nNothing is recorded.")
			return
		}
		save(run)
		resp.Diagnostics.AddError("HSS image scan failed", err.Error()+resumeNote+
			" The images whose request was not sent (scan_status \""+scanNotRequested+"\") are asked for then.")
		return
	}
	err = waitForScans(sctx, c, spec.scope, run, say)
	save(run)
	if err != nil {
		detail := err.Error()
		if !scanFailedResult(run) {
			detail += resumeNote
		} else {
			detail += "\n\nThe failed scan is recorded and the resource is tainted: the next apply asks HSS to scan again."
		}
		resp.Diagnostics.AddError("HSS image scan failed", detail)
	}
}

const resumeNote = "\n\nThe scan request is recorded in state (requested_at, each image's previous_scanned_at) and the resource is tainted. " +
	"The next apply with the same arguments and triggers resumes the wait and does not ask HSS to scan again."

func anyAsked(run *scanRun) bool {
	for _, t := range run.targets {
		if t.asked {
			return true
		}
	}
	return false
}

func scanFailedResult(run *scanRun) bool {
	for _, r := range run.results() {
		if failedScanStatus(r.ScanStatus.ValueString()) && !r.done() {
			return true
		}
	}
	return false
}

// reResolveUnasked reads again, before asking, the images an earlier
// apply did not ask for: their record and baseline as of now.
func reResolveUnasked(ctx context.Context, c *client.Client, scope client.Scope, run *scanRun) error {
	for i := range run.targets {
		t := &run.targets[i]
		if t.asked {
			continue
		}
		q := identityQuery(&t.identity)
		img, err := images.Lookup(ctx, c, scope, q)
		if err != nil {
			return scanBoundError(ctx, fmt.Errorf("images[%d]: %w", i, err))
		}
		t.identity, t.since, t.last = *img, images.BaselineOf(img), *img
	}
	return nil
}

// Read never scans, and reads nothing: the scan's record is what it is.
func (r *imageScanResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update only happens when nothing but timeouts changed.
func (r *imageScanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state imageScanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete only forgets. An unfinished scan (asked for, not failed, not
// done) is remembered for the Create that replaces this resource.
func (r *imageScanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageScanModel
	if !req.State.Get(ctx, &state).HasError() && r.data != nil && !state.RequestedAt.IsNull() {
		var results []scanResultModel
		var diags diag.Diagnostics
		diags.Append(state.Results.ElementsAs(ctx, &results, false)...)
		requestedAt, err := time.Parse(time.RFC3339Nano, state.ID.ValueString())
		if err != nil {
			requestedAt, err = time.Parse(time.RFC3339, state.RequestedAt.ValueString())
		}
		unfinished := err == nil && !diags.HasError()
		pending := false
		for _, res := range results {
			if failedScanStatus(res.ScanStatus.ValueString()) {
				unfinished = false
			}
			if !res.done() {
				pending = true
			}
		}
		if unfinished && pending {
			spec := state.spec(ctx, r.data, &diags)
			if !diags.HasError() {
				r.data.scans.remember(scanFingerprint(spec.scope, spec.selectors, spec.synchronize, state.Triggers), pendingScan{requestedAt: requestedAt, results: results})
			}
		}
	}
	resp.Diagnostics.AddWarning("HSS image scan forgotten",
		"hss_image_scan only records a scan; destroying it removes it from the Terraform state. Nothing in HSS is changed.")
}

// resumeWarning is the warning of a create that resumes the scan an
// earlier apply asked for: what was asked of HSS again, and what not.
func resumeWarning(requestedAt time.Time, run *scanRun) (summary, detail string) {
	asked := "HSS was not asked again."
	if n := run.unasked(); n > 0 {
		asked = fmt.Sprintf("HSS was not asked again for the images it took; the %d image(s) whose request was not sent (scan_status %q) are asked for now.", n, scanNotRequested)
	}
	return "Resumed the HSS image scan asked for at " + requestedAt.Format(time.RFC3339),
		"An earlier apply asked HSS to scan these images with these arguments but could not finish waiting (the resource was tainted). " +
			"The wait was resumed with the baselines recorded then; " + asked
}
