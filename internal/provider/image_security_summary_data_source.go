package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/gate"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ datasource.DataSource                   = (*imageSecuritySummaryDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageSecuritySummaryDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageSecuritySummaryDataSource)(nil)
)

// summaryConcurrency bounds the HSS calls one summary makes at once.
const summaryConcurrency = 4

// NewImageSecuritySummaryDataSource is the hss_image_security_summary data source.
func NewImageSecuritySummaryDataSource() datasource.DataSource {
	return &imageSecuritySummaryDataSource{}
}

type imageSecuritySummaryDataSource struct {
	data *providerData
}

type imageSecuritySummaryModel struct {
	ID                  types.String `tfsdk:"id"`
	ImageType           types.String `tfsdk:"image_type"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	ReportTypes         types.Set    `tfsdk:"report_types"`
	Baseline            types.Object `tfsdk:"baseline"`
	ReportCounts        types.Map    `tfsdk:"report_counts"`
	MaxScanAge          types.String `tfsdk:"max_scan_age"`
	AllowUnscanned      types.Bool   `tfsdk:"allow_unscanned"`
	WaitForScan         types.String `tfsdk:"wait_for_scan"`
	Image               types.Object `tfsdk:"image"`
	// RegistryName selects the image but is not sent to the statistics,
	// which do not take it: they are narrowed by the image's image_id.
	RegistryName types.String `tfsdk:"registry_name"`
	imageSelectorModel
}

// summaryImageTypes are the image types both APIs know.
var summaryImageTypes = []string{"private_image", "shared_image", "local_image", "instance_image"}

var baselineAttrTypes = map[string]attr.Type{
	"image_weak_pwd": types.Int64Type,
	"pwd_policy":     types.Int64Type,
	"security_check": types.Int64Type,
}

func (d *imageSecuritySummaryDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_security_summary"
}

func (d *imageSecuritySummaryDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:    true,
			Description: "Identifier derived from the query: the same query always has the same ID.",
		},
		"image_type": schema.StringAttribute{
			Required:    true,
			Description: "Image type: `private_image`, `shared_image`, `local_image` or `instance_image` (enterprise edition).",
			Validators:  []validator.String{stringvalidator.OneOf(summaryImageTypes...)},
		},
		"enterprise_project_id": enterpriseProjectIDDataSourceAttribute(),
		"region":                regionDataSourceAttribute(),
		"report_types": schema.SetAttribute{
			Optional:    true,
			ElementType: types.StringType,
			Description: "Security reports to count; all of them when unset. Values: `vulnerability`, `risk-config`, `malwares`, `apps`, `files`, `sensitive-info`, `non-compliant-app`, `build-command-risks`.",
			Validators: []validator.Set{
				setvalidator.SizeAtLeast(1),
				noNullItems{},
				setvalidator.ValueStringsAre(stringvalidator.OneOf(securityReportTypes...)),
			},
		},
		"baseline": schema.SingleNestedAttribute{
			Computed:    true,
			Description: "Baseline check counts of the image.",
			Attributes: map[string]schema.Attribute{
				"image_weak_pwd": schema.Int64Attribute{Computed: true, Description: "Weak passwords found."},
				"pwd_policy":     schema.Int64Attribute{Computed: true, Description: "Password complexity policy findings."},
				"security_check": schema.Int64Attribute{Computed: true, Description: "Configuration check findings."},
			},
		},
		"report_counts": schema.MapAttribute{
			Computed:    true,
			ElementType: types.Int64Type,
			Description: "Record count of each security report, keyed by report type (for example `report_counts[\"vulnerability\"]`).",
		},
	}
	imageSelectorAttributes(attrs)
	attrs["registry_name"] = schema.StringAttribute{
		Optional: true,
		Description: "Registry HSS lists the image in, when the same image is in several registries; not for local images. " +
			"HSS's statistics take no registry name, so the counts are then read for the image ID of the image it selects, " +
			"and the read fails when that image ID is listed in another registry too.",
		Validators: []validator.String{text(), stringvalidator.LengthAtMost(128)},
	}
	attrs["max_scan_age"] = schema.StringAttribute{
		Optional: true,
		Description: "Longest time since HSS last scanned the image successfully, as a Go duration (`\"168h\"`, `\"36h30m\"`): " +
			"an older scan fails the read. Unset means any age.",
		Validators: []validator.String{positiveDuration{}, stringvalidator.ConflictsWith(path.MatchRoot("allow_unscanned"))},
	}
	attrs["allow_unscanned"] = schema.BoolAttribute{
		Optional: true,
		Description: "Read the counts even when the image's last scan did not succeed (for dashboards; never for a gate). " +
			"`image.scan_status` then shows why the counts may mean nothing. A selector that matches no image, or several, still fails.",
	}
	attrs["wait_for_scan"] = waitForScanDataSourceAttribute()
	attrs["image"] = schema.SingleNestedAttribute{
		Computed:    true,
		Description: "The image the selector resolved to, with the attributes of `hss_image`.",
		Attributes:  imageFactAttributes(),
	}
	resp.Schema = schema.Schema{
		Description: "Every security number HSS has about one image, in one read: its baseline check counts and the record count of each security report. " +
			"Made for `check` blocks, `postcondition`s and policies that want one object per image. " +
			"It fails closed: before any count is read, the selector is resolved to exactly one image with the lookup of `hss_image` (exact names, every page), " +
			"and the read fails when no image matches (naming the closest names), when several do, when the image's last scan did not succeed by every signal HSS gives " +
			"(every architecture of a multi-architecture image and every host of a local image included; a `success` beside a `scan_failed_code` or `scan_failed_desc` is no success), " +
			"when its scan time is missing, implausible or in the future, or when it is older than `max_scan_age` (see `image.scan_problem`); " +
			"`allow_unscanned = true` reads the counts of an unscanned image anyway. The count calls then run concurrently (at most 4 at a time); " +
			"if any fails, the read fails with that call's error and no number is reported. " +
			"Spell image names as HSS lists them (see `provider::hss::parse_image_ref`). " +
			filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageSecuritySummaryDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageSecuritySummaryDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m imageSecuritySummaryModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateSelector(&resp.Diagnostics, m.ImageType, map[string]types.String{
		"namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion, "instance_id": m.InstanceID,
		"registry_name": m.RegistryName,
	})
}

// Read resolves the selector to exactly one image, refuses an image whose
// numbers cannot be trusted, reads every count concurrently, and stores
// the result. Any failure fails the whole read: no partial summary.
func (d *imageSecuritySummaryDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageSecuritySummaryModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	reportTypes := m.reportTypes(ctx, &resp.Diagnostics)
	c := d.data.configuredClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	wait := d.data.scanWait(m.WaitForScan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	countQuery, ok := m.resolveImage(ctx, c, scope, wait, &resp.Diagnostics)
	if !ok {
		return
	}
	counts, err := readSummaryCounts(ctx, c, scope, countQuery, reportTypes)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read HSS image security summary", err.Error())
		return
	}
	m.setCounts(counts, &resp.Diagnostics)
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	parts := append([]string{"security_summary", c.ProjectID(), scope.Region, scope.EnterpriseProjectID}, idParts(m.baselineQuery(m.ImageType.ValueString()))...)
	if !m.RegistryName.IsNull() { // only then, so that the IDs of summaries without it stay as they were
		parts = append(parts, "registry_name", m.RegistryName.ValueString())
	}
	m.ID = types.StringValue(queryID(append(parts, reportTypes...)...))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// reportTypes are the configured report types, sorted, or all of them.
func (m *imageSecuritySummaryModel) reportTypes(ctx context.Context, diags *diag.Diagnostics) []string {
	if m.ReportTypes.IsNull() || m.ReportTypes.IsUnknown() {
		return securityReportTypes
	}
	var out []string
	diags.Append(m.ReportTypes.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

// resolveImage finds the one image the selector names, with the lookup of
// hss_image, sets the image attribute, and returns the query the counts
// are read with. Unless allow_unscanned is set, an image whose last scan
// did not succeed, or succeeded longer than max_scan_age ago, is an error:
// its counts would describe nothing.
func (m *imageSecuritySummaryModel) resolveImage(ctx context.Context, c *client.Client, scope client.Scope, wait scanWait, diags *diag.Diagnostics) (client.BaselineStatisticQuery, bool) {
	q := selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID)
	countQuery := m.baselineQuery(m.ImageType.ValueString())
	found, err := wait.lookup(ctx, c, scope, q)
	now := time.Now() // after any wait: the scan it waited for is not in the future
	if err != nil {
		addLookupError(diags, err)
		return countQuery, false
	}
	m.Image = imageObject(found, diags)
	if q.RegistryName != nil {
		if countQuery.ImageID, err = countableByImageID(ctx, c, scope, q, found); err != nil {
			addLookupError(diags, err)
			return countQuery, false
		}
	}
	if m.AllowUnscanned.ValueBool() {
		return countQuery, !diags.HasError()
	}
	if !wait.trust(diags, found, m.MaxScanAge, now, countsTrust) {
		return countQuery, false
	}
	return countQuery, !diags.HasError()
}

// countsTrust is what the summary says when an image's scan cannot be
// trusted.
var countsTrust = scanTrust{
	unscanned: "HSS's counts for an image it has not scanned successfully are zeros that prove nothing, so this read fails instead of reporting them.",
	anyway:    "To read the counts anyway, for a dashboard and never for a gate, set allow_unscanned = true.",
	tooOld:    "Counts from an old scan say nothing about what was found since, so this read fails instead of reporting them.",
}

// countableByImageID is the image ID the statistics are narrowed by when
// registry_name chose the image, which they cannot be narrowed by: an
// error unless that ID, with the rest of the selector, selects the found
// image alone, for counts of several images would be wrong numbers.
func countableByImageID(ctx context.Context, c *client.Client, scope client.Scope, q images.Query, found *images.Image) (*string, error) {
	id := found.ImageID
	all := q
	all.RegistryName, all.ImageID = nil, &id
	same, err := images.Find(ctx, c, scope, all)
	if err != nil {
		return nil, err
	}
	if id != "" && len(same) == 1 {
		return &id, nil
	}
	registries := make([]string, 0, len(same))
	for _, img := range same {
		registries = append(registries, fmt.Sprintf("%q", img.RegistryName))
	}
	return nil, &images.LookupError{
		Summary: "Image security numbers cannot be told apart",
		Detail: fmt.Sprintf("registry_name %q selects %s (image_id %q), but HSS's statistics take no registry name, "+
			"and %d images with this selector share that image_id (registries %s): their counts cannot be read apart, "+
			"so this read fails instead of reporting the counts of several images as one's.",
			*q.RegistryName, found.Label(), id, len(same), strings.Join(registries, ", ")),
	}
}

// summaryCounts is what the statistics say about the image.
type summaryCounts struct {
	baseline *client.BaselineStatistic
	reports  map[string]int64
}

// readSummaryCounts reads the baseline statistic and every report count,
// at most summaryConcurrency at a time. The first failure cancels the rest
// and is returned with the name of the call that failed.
func readSummaryCounts(ctx context.Context, c *client.Client, scope client.Scope, q client.BaselineStatisticQuery, reportTypes []string) (*summaryCounts, error) {
	filter := reportFilter(q)
	out := &summaryCounts{reports: make(map[string]int64, len(reportTypes))}
	var mu sync.Mutex
	jobs := []summaryJob{{"baseline statistic", func(ctx context.Context) error {
		b, err := c.GetBaselineStatistic(ctx, scope, q)
		out.baseline = b
		return err
	}}}
	for _, rt := range reportTypes {
		jobs = append(jobs, summaryJob{rt + " report", func(ctx context.Context) error {
			n, err := c.GetSecurityReportStatistic(ctx, scope, rt, filter)
			mu.Lock()
			out.reports[rt] = n
			mu.Unlock()
			return err
		}})
	}
	if name, err := runJobs(ctx, summaryConcurrency, jobs); err != nil {
		return nil, errors.New(apiErrorDetail(name, err))
	}
	return out, nil
}

// reportFilter is the filter of the report counts of the image q selects.
func reportFilter(q client.BaselineStatisticQuery) client.ImageFilter {
	operateAll := true
	return client.ImageFilter{
		OperateAll:   &operateAll,
		ImageType:    &q.ImageType,
		Namespace:    q.Namespace,
		ImageName:    q.ImageName,
		ImageVersion: q.ImageVersion,
		InstanceID:   q.InstanceID,
		ImageID:      q.ImageID,
	}
}

// readReportCounts reads the report counts of reportTypes as the summary
// reads them, at most summaryConcurrency at a time, for the gate's
// max_report_counts: a count that cannot be read is kept with its error
// (the gate fails on it) instead of failing the others.
func readReportCounts(ctx context.Context, c *client.Client, scope client.Scope, q client.BaselineStatisticQuery, reportTypes []string) map[string]gate.ReportCount {
	filter := reportFilter(q)
	out := make(map[string]gate.ReportCount, len(reportTypes))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(summaryConcurrency)
	for _, rt := range reportTypes {
		g.Go(func() error {
			n, err := c.GetSecurityReportStatistic(gctx, scope, rt, filter)
			if err != nil {
				err = errors.New(apiErrorDetail(rt+" report", err))
			}
			mu.Lock()
			out[rt] = gate.ReportCount{Count: n, Err: err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // every job returns nil: errors are kept per type
	return out
}

// setCounts stores the counts in the model.
func (m *imageSecuritySummaryModel) setCounts(counts *summaryCounts, diags *diag.Diagnostics) {
	values := make(map[string]attr.Value, len(counts.reports))
	for k, v := range counts.reports {
		values[k] = types.Int64Value(v)
	}
	var d diag.Diagnostics
	m.Baseline, d = types.ObjectValue(baselineAttrTypes, map[string]attr.Value{
		"image_weak_pwd": types.Int64Value(counts.baseline.ImageWeakPwd),
		"pwd_policy":     types.Int64Value(counts.baseline.PwdPolicy),
		"security_check": types.Int64Value(counts.baseline.SecurityCheck),
	})
	diags.Append(d...)
	m.ReportCounts, d = types.MapValue(types.Int64Type, values)
	diags.Append(d...)
}

type summaryJob struct {
	name string
	run  func(context.Context) error
}

// runJobs runs jobs with at most limit at once (errgroup). The first
// failure cancels the rest, and no job starts after it; it is returned
// with its job's name. A parent cancelled before every job ran is an
// error too: no number may be reported.
func runJobs(parent context.Context, limit int, jobs []summaryJob) (string, error) {
	g, ctx := errgroup.WithContext(parent)
	g.SetLimit(limit)
	var failed string
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err // a slot freed after the first failure: do not start
			}
			if err := j.run(ctx); err != nil {
				return &jobError{name: j.name, err: err}
			}
			return nil
		})
	}
	err := g.Wait()
	var je *jobError
	switch {
	case errors.As(err, &je):
		failed, err = je.name, je.err
	case err == nil && parent.Err() != nil:
		err = parent.Err()
		fallthrough
	case err != nil:
		failed, err = "summary", fmt.Errorf("interrupted: %w", err)
	}
	return failed, err
}

type jobError struct {
	name string
	err  error
}

func (e *jobError) Error() string { return e.name + ": " + e.err.Error() }
func (e *jobError) Unwrap() error { return e.err }
