package provider

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

var (
	_ datasource.DataSource              = (*imageSecuritySummaryDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*imageSecuritySummaryDataSource)(nil)
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
	resp.Schema = schema.Schema{
		Description: "Every security number HSS has about one image, in one read: its baseline check counts and the record count of each security report. " +
			"Made for `check` blocks, `postcondition`s and policies that want one object per image. The calls run concurrently (at most 4 at a time); " +
			"if any fails, the read fails with that call's error and no number is reported. " +
			"A selector that matches no image reads zeros, as HSS answers; spell image names as HSS lists them (see `provider::hss::parse_image_ref`)." +
			filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageSecuritySummaryDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageSecuritySummaryDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageSecuritySummaryModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	reportTypes := securityReportTypes
	if !m.ReportTypes.IsNull() {
		reportTypes = nil
		resp.Diagnostics.Append(m.ReportTypes.ElementsAs(ctx, &reportTypes, false)...)
		slices.Sort(reportTypes)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	imageType := m.ImageType.ValueString()
	baselineQuery := m.baselineQuery(imageType)
	operateAll := true
	filter := client.ImageFilter{
		OperateAll:   &operateAll,
		ImageType:    &imageType,
		Namespace:    baselineQuery.Namespace,
		ImageName:    baselineQuery.ImageName,
		ImageVersion: baselineQuery.ImageVersion,
		InstanceID:   baselineQuery.InstanceID,
		ImageID:      baselineQuery.ImageID,
	}

	var baseline *client.BaselineStatistic
	counts := make(map[string]int64, len(reportTypes))
	var mu sync.Mutex
	jobs := []summaryJob{{"baseline statistic", func(ctx context.Context) error {
		b, err := c.GetBaselineStatistic(ctx, scope, baselineQuery)
		baseline = b
		return err
	}}}
	for _, rt := range reportTypes {
		jobs = append(jobs, summaryJob{rt + " report", func(ctx context.Context) error {
			n, err := c.GetSecurityReportStatistic(ctx, scope, rt, filter)
			mu.Lock()
			counts[rt] = n
			mu.Unlock()
			return err
		}})
	}
	if name, err := runBounded(ctx, summaryConcurrency, jobs); err != nil {
		resp.Diagnostics.AddError("Cannot read HSS image security summary", apiErrorDetail(name, err))
		return
	}

	countValues := make(map[string]attr.Value, len(counts))
	for k, v := range counts {
		countValues[k] = types.Int64Value(v)
	}
	var diags diag.Diagnostics
	m.Baseline, diags = types.ObjectValue(baselineAttrTypes, map[string]attr.Value{
		"image_weak_pwd": types.Int64Value(baseline.ImageWeakPwd),
		"pwd_policy":     types.Int64Value(baseline.PwdPolicy),
		"security_check": types.Int64Value(baseline.SecurityCheck),
	})
	resp.Diagnostics.Append(diags...)
	m.ReportCounts, diags = types.MapValue(types.Int64Type, countValues)
	resp.Diagnostics.Append(diags...)
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	parts := append([]string{"security_summary", c.ProjectID(), scope.Region, scope.EnterpriseProjectID}, idParts(baselineQuery)...)
	m.ID = types.StringValue(queryID(append(parts, reportTypes...)...))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

type summaryJob struct {
	name string
	run  func(context.Context) error
}

// runBounded runs jobs with at most limit at once. The first failure
// cancels the rest and is returned with its job's name.
func runBounded(parent context.Context, limit int, jobs []summaryJob) (string, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sem := make(chan struct{}, limit)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   string
		firstErr error
	)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			if ctx.Err() != nil {
				return
			}
			if err := j.run(ctx); err != nil {
				mu.Lock()
				defer mu.Unlock()
				if firstErr == nil {
					failed, firstErr = j.name, err
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		// Cancelled before every job ran: no number may be reported.
		return "summary", fmt.Errorf("interrupted: %w", parent.Err())
	}
	return failed, firstErr
}
