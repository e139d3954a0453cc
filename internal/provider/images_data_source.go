package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ datasource.DataSource                   = (*imagesDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imagesDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imagesDataSource)(nil)
)

// NewImagesDataSource is the hss_images data source.
func NewImagesDataSource() datasource.DataSource {
	return &imagesDataSource{}
}

type imagesDataSource struct {
	data *providerData
}

type imagesDataSourceModel struct {
	ID                  types.String `tfsdk:"id"`
	ImageType           types.String `tfsdk:"image_type"`
	Namespace           types.String `tfsdk:"namespace"`
	ImageName           types.String `tfsdk:"image_name"`
	ImageVersion        types.String `tfsdk:"image_version"`
	InstanceID          types.String `tfsdk:"instance_id"`
	RegistryName        types.String `tfsdk:"registry_name"`
	ScanStatus          types.String `tfsdk:"scan_status"`
	SeverityLevel       types.String `tfsdk:"severity_level"`
	LatestVersion       types.Bool   `tfsdk:"latest_version"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	Images              types.List   `tfsdk:"images"`
	WaitForScan         types.String `tfsdk:"wait_for_scan"`
}

// listScanStatuses are the scan_status values the image lists report.
var listScanStatuses = []string{"unscan", "success", "scanning", "failed", "download_failed", "image_oversized", "waiting_for_scan", "waiting"}

func (d *imagesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_images"
}

func (d *imagesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	filter := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc, Validators: []validator.String{text(), stringvalidator.LengthAtMost(256)}}
	}
	resp.Schema = schema.Schema{
		Description: "Every image a filter selects, with the same facts as `hss_image` for each, in a few requests: one list call per 200 images. " +
			"Filters mean exact equality (HSS's own name filters may match substrings; the provider compares every name itself, over every page). " +
			"Made for gating a release of many images: check each element's `scan_status`, `scanned_at` and counts in a policy or a `postcondition`. " +
			"An empty result is not an error: compare `length(images)` with what the release deploys.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, Description: "Identifier derived from the filter: the same filter always has the same ID."},
			"image_type": schema.StringAttribute{
				Required:    true,
				Description: "Image type: " + quotedList(images.LookupTypes) + ".",
				Validators:  []validator.String{stringvalidator.OneOf(images.LookupTypes...)},
			},
			"namespace":     filter("Only images in this organization (namespace), exactly. Not for local images."),
			"image_name":    filter("Only images of this name, exactly."),
			"image_version": filter("Only images with this tag, exactly."),
			"instance_id":   filter("Only images of this SWR enterprise edition instance."),
			"registry_name": filter("Only images of this registry. Not for local or CI/CD images."),
			"scan_status": schema.StringAttribute{
				Optional: true,
				Description: "Only images whose last scan has this status: " + quotedList(listScanStatuses) + " (`waiting` is the local images' spelling of `waiting_for_scan`). " +
					"`success` means success by every signal, as `scan_problem` judges it apart from the scan time: not an image whose `scan_failed_code` or `scan_failed_desc` says the scan failed, nor one with an architecture or a host not scanned.",
				Validators: []validator.String{stringvalidator.OneOf(listScanStatuses...)},
			},
			"severity_level": schema.StringAttribute{
				Optional:    true,
				Description: "Only images of this severity: `Security`, `Low`, `Medium` or `High`. Not for local images.",
				Validators:  []validator.String{stringvalidator.OneOf("Security", "Low", "Medium", "High")},
			},
			"latest_version": schema.BoolAttribute{
				Optional:    true,
				Description: "Only the latest tags (true) or only the others (false); unset means both. Not for local images.",
			},
			"enterprise_project_id": enterpriseProjectIDDataSourceAttribute(),
			"region":                regionDataSourceAttribute(),
			"wait_for_scan":         waitForScanDataSourceAttribute(),
			"images": schema.ListNestedAttribute{
				Computed:     true,
				Description:  "The images, sorted by type, namespace, name, tag, instance, registry and image ID. Each has the attributes of `hss_image`.",
				NestedObject: schema.NestedAttributeObject{Attributes: imageFactAttributes()},
			},
		},
	}
}

func (d *imagesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imagesDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m imagesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.ImageType.IsNull() || m.ImageType.IsUnknown() {
		return
	}
	t := m.ImageType.ValueString()
	notFor := func(name string, set bool, types ...string) {
		for _, typ := range types {
			if set && t == typ {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Filter does not apply",
					fmt.Sprintf("%s does not apply when image_type is %q: HSS does not list it for these images.", name, t))
			}
		}
	}
	notFor("namespace", !m.Namespace.IsNull(), "local_image")
	notFor("instance_id", !m.InstanceID.IsNull(), "local_image", "cicd")
	notFor("registry_name", !m.RegistryName.IsNull(), "local_image", "cicd")
	notFor("severity_level", !m.SeverityLevel.IsNull(), "local_image")
	notFor("latest_version", !m.LatestVersion.IsNull(), "local_image")
}

func (d *imagesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imagesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	q := images.Query{
		ImageType:     m.ImageType.ValueString(),
		Namespace:     stringOrNil(m.Namespace),
		ImageName:     stringOrNil(m.ImageName),
		ImageVersion:  stringOrNil(m.ImageVersion),
		InstanceID:    stringOrNil(m.InstanceID),
		RegistryName:  stringOrNil(m.RegistryName),
		ScanStatus:    stringOrNil(m.ScanStatus),
		SeverityLevel: stringOrNil(m.SeverityLevel),
		LatestVersion: m.LatestVersion.ValueBoolPointer(),
	}
	wait := d.data.scanWait(m.WaitForScan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	found, err := wait.find(ctx, c, scope, q)
	if err != nil {
		addLookupError(&resp.Diagnostics, err)
		return
	}
	var scanning []string
	for i := range found {
		if wait.ranOut(&found[i]) != "" {
			scanning = append(scanning, found[i].Label())
		}
	}
	if len(scanning) > 0 {
		resp.Diagnostics.AddWarning("Image scan still running", fmt.Sprintf("wait_for_scan (%s) ran out while HSS still listed %d image(s) as waiting for their scan or scanning: %s. "+
			"They are listed as HSS lists them now: check each scan_status.", wait.max, len(scanning), strings.Join(scanning, ", ")))
	}
	values := make([]attr.Value, len(found))
	for i := range found {
		values[i] = imageObject(&found[i], &resp.Diagnostics)
	}
	list, diags := types.ListValue(imageObjectType, values)
	resp.Diagnostics.Append(diags...)
	m.Images = list
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	latest := "\x00unset"
	if q.LatestVersion != nil {
		latest = strconv.FormatBool(*q.LatestVersion)
	}
	m.ID = types.StringValue(queryID("images", c.ProjectID(), scope.Region, scope.EnterpriseProjectID, q.ImageType,
		optPart(q.Namespace), optPart(q.ImageName), optPart(q.ImageVersion), optPart(q.InstanceID), optPart(q.RegistryName),
		optPart(q.ScanStatus), optPart(q.SeverityLevel), latest))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// optPart renders an optional argument for queryID: unset and empty differ.
func optPart(s *string) string {
	if s == nil {
		return "\x00unset"
	}
	return "=" + *s
}
