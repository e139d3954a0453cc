package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*imageBaselineStatisticDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*imageBaselineStatisticDataSource)(nil)
)

// NewImageBaselineStatisticDataSource is the hss_image_baseline_statistic data source.
func NewImageBaselineStatisticDataSource() datasource.DataSource {
	return &imageBaselineStatisticDataSource{}
}

type imageBaselineStatisticDataSource struct {
	data *providerData
}

type imageBaselineStatisticModel struct {
	ID                  types.String `tfsdk:"id"`
	ImageType           types.String `tfsdk:"image_type"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	ImageWeakPwd        types.Int64  `tfsdk:"image_weak_pwd"`
	PwdPolicy           types.Int64  `tfsdk:"pwd_policy"`
	SecurityCheck       types.Int64  `tfsdk:"security_check"`
	imageSelectorModel
}

// baselineImageTypes are the image_type values of the baseline statistic.
var baselineImageTypes = []string{"private_image", "shared_image", "local_image", "instance_image", "registry", "local"}

func (d *imageBaselineStatisticDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_baseline_statistic"
}

func (d *imageBaselineStatisticDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:    true,
			Description: "Identifier derived from the query: the same query always has the same ID.",
		},
		"image_type": schema.StringAttribute{
			Required: true,
			Description: "Which images to count: `private_image` (private repository), `shared_image` (shared repository), `local_image` (local images), " +
				"`instance_image` (enterprise edition repository), `registry` (every repository image) or `local` (every local image, the global view).",
			Validators: []validator.String{stringvalidator.OneOf(baselineImageTypes...)},
		},
		"enterprise_project_id": enterpriseProjectIDDataSourceAttribute(),
		"region":                regionDataSourceAttribute(),
		"image_weak_pwd": schema.Int64Attribute{
			Computed:    true,
			Description: "Number of weak passwords found in the selected images.",
		},
		"pwd_policy": schema.Int64Attribute{
			Computed:    true,
			Description: "Number of password complexity policy findings in the selected images.",
		},
		"security_check": schema.Int64Attribute{
			Computed:    true,
			Description: "Number of configuration check (server configuration baseline) findings in the selected images.",
		},
	}
	imageSelectorAttributes(attrs)
	resp.Schema = schema.Schema{
		Description: "Counts the baseline check findings of container images in HSS: weak passwords, password complexity policy findings and configuration check findings. " +
			"For one repository image, set `image_type`, `namespace`, `image_name` and `image_version`; for one CI/CD image, `image_type` and `image_id`. Filters left unset select every image of the type. " +
			"**A count of 0 does not prove that an image exists, or that HSS scanned it**: HSS counts findings, and an image it has not synchronised, has not scanned yet, " +
			"failed to scan, or that a typo names, has none. To gate one image, use `hss_image_security_summary` (it fails unless the image exists and its last scan succeeded) " +
			"or check `scan_status` of `hss_image`; for many images, `hss_images`. " +
			filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageBaselineStatisticDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageBaselineStatisticDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageBaselineStatisticModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	q := m.baselineQuery(m.ImageType.ValueString())
	stat, err := c.GetBaselineStatistic(ctx, scope, q)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read HSS image baseline statistic", apiErrorDetail("baseline statistic", err))
		return
	}

	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	m.ID = types.StringValue(queryID(append([]string{"baseline_statistic", c.ProjectID(), scope.Region, scope.EnterpriseProjectID}, idParts(q)...)...))
	m.ImageWeakPwd = types.Int64Value(stat.ImageWeakPwd)
	m.PwdPolicy = types.Int64Value(stat.PwdPolicy)
	m.SecurityCheck = types.Int64Value(stat.SecurityCheck)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
