package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                   = (*imageSecurityReportStatisticDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageSecurityReportStatisticDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageSecurityReportStatisticDataSource)(nil)
)

// NewImageSecurityReportStatisticDataSource is the
// hss_image_security_report_statistic data source.
func NewImageSecurityReportStatisticDataSource() datasource.DataSource {
	return &imageSecurityReportStatisticDataSource{}
}

type imageSecurityReportStatisticDataSource struct {
	data *providerData
}

type imageSecurityReportStatisticModel struct {
	ID                  types.String `tfsdk:"id"`
	SecurityReportType  types.String `tfsdk:"security_report_type"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	TotalNum            types.Int64  `tfsdk:"total_num"`
	imageFilterModel
}

// securityReportTypes are the report types of the security-report statistic.
var securityReportTypes = []string{"vulnerability", "risk-config", "malwares", "apps", "files", "sensitive-info", "non-compliant-app", "build-command-risks"}

func (d *imageSecurityReportStatisticDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_security_report_statistic"
}

func (d *imageSecurityReportStatisticDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:    true,
			Description: "Identifier derived from the query: the same query always has the same ID.",
		},
		"security_report_type": schema.StringAttribute{
			Required: true,
			Description: "Which report to count records of: `vulnerability` (vulnerabilities), `risk-config` (baseline configuration), `malwares` (malicious files), " +
				"`apps` (software), `files` (files), `sensitive-info` (sensitive information), `non-compliant-app` (software compliance) or `build-command-risks` (image build instruction risks).",
			Validators: []validator.String{stringvalidator.OneOf(securityReportTypes...)},
		},
		"enterprise_project_id": enterpriseProjectIDDataSourceAttribute(),
		"region":                regionDataSourceAttribute(),
		"total_num": schema.Int64Attribute{
			Computed:    true,
			Description: "Number of records the report holds for the selected images.",
		},
	}
	filterDataSourceAttributes(attrs)
	resp.Schema = schema.Schema{
		Description: "Counts the records of one HSS image security report (vulnerabilities, malicious files, risky configuration, ...) for the images the filters select. " +
			"Only the filters you set are sent. Unset `operate_all` and `image_id_list` and HSS counts every image the other filters match. " +
			"**A count of 0 does not prove that an image exists, or that HSS scanned it**: HSS counts findings, and an image it has not synchronised, has not scanned yet, " +
			"failed to scan, or that a typo names, has none. To gate one image, use `hss_image_security_summary` (it fails unless the image exists and its last scan succeeded) " +
			"or check `scan_status` of `hss_image`; for many images, `hss_images`. " +
			filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageSecurityReportStatisticDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageSecurityReportStatisticDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateFilterRanges(ctx, req.Config, &resp.Diagnostics)
}

func (d *imageSecurityReportStatisticDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageSecurityReportStatisticModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	filter, diags := m.request(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	reportType := m.SecurityReportType.ValueString()
	total, err := c.GetSecurityReportStatistic(ctx, scope, reportType, filter)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read HSS image security report statistic", apiErrorDetail(reportType+" report", err))
		return
	}
	body, _ := json.Marshal(filter)
	m.ID = types.StringValue(queryID("security_report_statistic", c.ProjectID(), scope.Region, scope.EnterpriseProjectID, reportType, string(body)))
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	m.TotalNum = types.Int64Value(total)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
