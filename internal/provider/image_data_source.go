package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ datasource.DataSource                   = (*imageDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageDataSource)(nil)
)

// NewImageDataSource is the hss_image data source.
func NewImageDataSource() datasource.DataSource {
	return &imageDataSource{}
}

type imageDataSource struct {
	data *providerData
}

type imageDataSourceModel struct {
	ID                  types.String `tfsdk:"id"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	WaitForScan         types.String `tfsdk:"wait_for_scan"`
	imageModel
}

func (d *imageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image"
}

// selectorAttributes turn the identifying facts of an image into the
// arguments that select it.
func selectorAttributes(attrs map[string]schema.Attribute, imageTypes []string) {
	arg := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc, Validators: []validator.String{text(), stringvalidator.LengthAtMost(256)}}
	}
	attrs["image_type"] = schema.StringAttribute{
		Required:    true,
		Description: "Image type: " + quotedList(imageTypes) + ".",
		Validators:  []validator.String{stringvalidator.OneOf(imageTypes...)},
	}
	attrs["namespace"] = arg("Organization (namespace), exactly as HSS lists it. Required for repository images; not for local images.")
	attrs["image_name"] = arg("Image name without organization or tag, exactly as HSS lists it. Required for repository and local images.")
	attrs["image_version"] = arg("Image tag, exactly. Required for repository and local images.")
	found := func(a schema.StringAttribute) schema.StringAttribute { a.Computed = true; return a }
	attrs["instance_id"] = found(arg("SWR enterprise edition instance, when the same image is in several instances; the found image's instance when unset (null when it has none)."))
	attrs["registry_name"] = found(arg("Registry name, when the same image is in several registries; the found image's registry when unset (null when HSS gives none)."))
	attrs["image_id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		Description: "Image ID as HSS lists it: required for `cicd` images, optional otherwise (to choose between images that share a name and tag); the found image's ID when unset.",
		Validators:  []validator.String{text(), stringvalidator.LengthAtMost(256)},
	}
}

func (d *imageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := imageFactAttributes()
	selectorAttributes(attrs, images.LookupTypes)
	attrs["id"] = schema.StringAttribute{Computed: true, Description: "Identifier of the image: the same image always has the same ID."}
	attrs["enterprise_project_id"] = enterpriseProjectIDDataSourceAttribute()
	attrs["region"] = regionDataSourceAttribute()
	attrs["wait_for_scan"] = waitForScanDataSourceAttribute()
	resp.Schema = schema.Schema{
		Description: "Exactly one image as HSS knows it: whether and when it was scanned, how that scan ended, and the counts HSS lists for it. " +
			"The image is matched exactly (HSS's own name filters may match substrings), over every page of HSS's image list. " +
			"The read fails when no image matches (naming the closest names HSS has) or more than one does (naming the argument that tells them apart). " +
			"It does not fail for an image whose scan did not succeed: check `scan_status`, or use `hss_image_security_summary`, which does.",
		Attributes: attrs,
	}
}

func (d *imageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m imageDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateSelector(&resp.Diagnostics, m.ImageType, m.selectorArgs())
}

func (m *imageModel) selectorArgs() map[string]types.String {
	return map[string]types.String{
		"namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion,
		"instance_id": m.InstanceID, "registry_name": m.RegistryName, "image_id": m.ImageID,
	}
}

func (m *imageModel) query() images.Query {
	return selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID)
}

func (d *imageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.configuredClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	wait := d.data.scanWait(m.WaitForScan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	found, err := wait.lookup(ctx, c, scope, m.query())
	if err != nil {
		addLookupError(&resp.Diagnostics, err)
		return
	}
	if note := wait.ranOut(found); note != "" {
		resp.Diagnostics.AddWarning("Image scan still running", found.Label()+":"+note+" Its attributes are as HSS lists it now: check scan_status.")
	}
	facts := newImageModel(found, &resp.Diagnostics)
	// The arguments stay as configured; instance_id, registry_name and
	// image_id, when unset, are the found image's.
	facts.ImageType, facts.Namespace, facts.ImageName, facts.ImageVersion = m.ImageType, m.Namespace, m.ImageName, m.ImageVersion
	for _, a := range []struct{ configured, found *types.String }{
		{&m.InstanceID, &facts.InstanceID}, {&m.RegistryName, &facts.RegistryName}, {&m.ImageID, &facts.ImageID},
	} {
		if !a.configured.IsNull() {
			*a.found = *a.configured
		}
	}
	m.imageModel = facts
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	m.ID = types.StringValue(foundImageID(c.ProjectID(), scope.Region, scope.EnterpriseProjectID, found))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// foundImageID identifies one image in one project, region and enterprise project.
func foundImageID(project, region, ep string, f *images.Image) string {
	return queryID("image", project, region, ep, f.ImageType, f.Namespace, f.ImageName, f.ImageVersion, f.InstanceID, f.RegistryName, f.ImageID, f.ImageDigest)
}
