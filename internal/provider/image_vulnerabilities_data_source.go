package provider

import (
	"context"
	"errors"
	"time"

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
	_ datasource.DataSource                   = (*imageVulnerabilitiesDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageVulnerabilitiesDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageVulnerabilitiesDataSource)(nil)
)

// NewImageVulnerabilitiesDataSource is the hss_image_vulnerabilities data source.
func NewImageVulnerabilitiesDataSource() datasource.DataSource {
	return &imageVulnerabilitiesDataSource{}
}

type imageVulnerabilitiesDataSource struct {
	data *providerData
}

// findingsImageModel is the one image whose findings hss_image_vulnerabilities
// and hss_image_gate read: the selector of hss_image, the shared region
// and enterprise project, max_scan_age, and the image found.
type findingsImageModel struct {
	ID                  types.String `tfsdk:"id"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Region              types.String `tfsdk:"region"`
	ImageType           types.String `tfsdk:"image_type"`
	Namespace           types.String `tfsdk:"namespace"`
	ImageName           types.String `tfsdk:"image_name"`
	ImageVersion        types.String `tfsdk:"image_version"`
	InstanceID          types.String `tfsdk:"instance_id"`
	RegistryName        types.String `tfsdk:"registry_name"`
	ImageID             types.String `tfsdk:"image_id"`
	MaxScanAge          types.String `tfsdk:"max_scan_age"`
	WaitForScan         types.String `tfsdk:"wait_for_scan"`
	Image               types.Object `tfsdk:"image"`
}

type imageVulnerabilitiesModel struct {
	findingsImageModel
	MinSeverity     types.String `tfsdk:"min_severity"`
	Type            types.String `tfsdk:"type"`
	Vulnerabilities types.List   `tfsdk:"vulnerabilities"`
	Counts          types.Map    `tfsdk:"counts"`
}

// findingsPathIDNote says which image id the per-image list is read with.
const findingsPathIDNote = "HSS's per-image list is read with the id the image's own list record gives for its type: a repository image's numeric record id, " +
	"a CI/CD image's `image_id` (as HSS documents for its export image lists; not verified against a live HSS account). " +
	"Should HSS's image list count vulnerabilities (`vul_num`) for an image whose per-image list is empty, the read fails."

// findingsImageAttributes adds the selector, shared and image attributes.
func findingsImageAttributes(attrs map[string]schema.Attribute) {
	selectorAttributes(attrs, images.LookupTypes)
	attrs["image_type"] = schema.StringAttribute{
		Required: true,
		Description: "Image type: " + quotedList(images.LookupTypes) + ". " +
			"`local_image` is refused at plan: HSS keeps no per-image vulnerability list for local images.",
		Validators: []validator.String{stringvalidator.OneOf(images.LookupTypes...)},
	}
	attrs["id"] = schema.StringAttribute{Computed: true, Description: "Identifier of the image and the query: the same on every read."}
	attrs["enterprise_project_id"] = enterpriseProjectIDDataSourceAttribute()
	attrs["region"] = regionDataSourceAttribute()
	attrs["max_scan_age"] = schema.StringAttribute{
		Optional: true,
		Description: "Longest time since HSS last scanned the image successfully, as a Go duration (`\"168h\"`, `\"36h30m\"`): " +
			"an older scan fails the read. Unset means any age.",
		Validators: []validator.String{positiveDuration{}},
	}
	attrs["wait_for_scan"] = waitForScanDataSourceAttribute()
	attrs["image"] = schema.SingleNestedAttribute{
		Computed:    true,
		Description: "The image the selector resolved to, with the attributes of `hss_image` (as `hss_image_security_summary`'s `image`).",
		Attributes:  imageFactAttributes(),
	}
}

// validate checks the selector at plan time.
func (m *findingsImageModel) validate(diags *diag.Diagnostics) {
	validateSelector(diags, m.ImageType, map[string]types.String{
		"namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion,
		"instance_id": m.InstanceID, "registry_name": m.RegistryName, "image_id": m.ImageID,
	})
	if !m.ImageType.IsUnknown() && m.ImageType.ValueString() == "local_image" {
		diags.AddAttributeError(path.Root("image_type"), "Local images have no vulnerability list",
			`image_type "local_image": `+images.ErrNoLocalList.Error()+
				". Gate the image where HSS lists it: in its repository (private_image, shared_image, instance_image, harbor, jfrog) or as a CI/CD image (cicd).")
	}
}

// findingsTrust is what a read of findings says when an image's scan
// cannot be trusted.
var findingsTrust = scanTrust{
	unscanned: "HSS lists no findings for an image it has not scanned successfully, and an empty list proves nothing, so this read fails instead of reporting none.",
	tooOld:    "Findings from an old scan say nothing about what was found since, so this read fails instead of reporting them.",
}

// resolve finds the one image the selector names, with the lookup of
// hss_image (waiting for a scan in progress up to wait_for_scan), fails
// the read unless its last scan succeeded (and is not older than
// max_scan_age), and records it in the model: image, and the found
// instance_id, registry_name and image_id where they are unset. It
// returns the image and the time it was judged at (after any wait).
func (m *findingsImageModel) resolve(ctx context.Context, d *providerData, c *client.Client, scope client.Scope, diags *diag.Diagnostics) (*images.Image, time.Time, bool) {
	wait := d.scanWait(m.WaitForScan, diags)
	if diags.HasError() {
		return nil, time.Time{}, false
	}
	found, err := wait.lookup(ctx, c, scope, selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID))
	now := time.Now()
	if err != nil {
		addLookupError(diags, err)
		return nil, now, false
	}
	m.Image = imageObject(found, diags)
	for _, a := range []struct {
		arg   *types.String
		found string
	}{{&m.InstanceID, found.InstanceID}, {&m.RegistryName, found.RegistryName}, {&m.ImageID, found.ImageID}} {
		if a.arg.IsNull() {
			*a.arg = nullIfEmpty(a.found)
		}
	}
	if !wait.trust(diags, found, m.MaxScanAge, now, findingsTrust) {
		return nil, now, false
	}
	m.Region = types.StringValue(scope.Region)
	m.EnterpriseProjectID = types.StringPointerValue(nonEmpty(scope.EnterpriseProjectID))
	return found, now, !diags.HasError()
}

// id identifies the read: the data source, the project, the image found and
// the extra parts (arguments that change what is read).
func (m *findingsImageModel) id(kind, project string, scope client.Scope, found *images.Image, extra ...string) types.String {
	return types.StringValue(queryID(append([]string{kind, foundImageID(project, scope.Region, scope.EnterpriseProjectID, found)}, extra...)...))
}

// addFindingsError reports a failed read of findings.
func addFindingsError(diags *diag.Diagnostics, found *images.Image, err error) {
	if errors.Is(err, images.ErrNoLocalList) {
		diags.AddError("Local images have no vulnerability list", err.Error())
		return
	}
	diags.AddError("Cannot read the image's vulnerabilities", apiErrorDetail(found.Label(), err))
}

func (d *imageVulnerabilitiesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_vulnerabilities"
}

func (d *imageVulnerabilitiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"min_severity": schema.StringAttribute{
			Optional:    true,
			Description: "List only findings of this severity or higher: `high`, `medium` or `low`. `counts` still counts every finding.",
			Validators:  []validator.String{stringvalidator.OneOf(gate.Severities()...)},
		},
		"type": schema.StringAttribute{
			Optional:    true,
			Description: "List only findings of this type: `linux_vul` (operating-system packages) or `app_vul` (application dependencies). `counts` still counts every finding.",
			Validators:  []validator.String{stringvalidator.OneOf(client.VulTypeLinux, client.VulTypeApp)},
		},
		"vulnerabilities": schema.ListNestedAttribute{
			Computed: true,
			Description: "The image's findings, one per vulnerability, package, version, path and layer HSS lists, handled ones included (see `handled`), " +
				"sorted by severity (highest first), CVSS (highest first, unknown last), `vul_id`, `package`, `version` and `path`. " +
				"Its elements are what `provider::hss::evaluate_vulnerabilities` takes.",
			NestedObject: schema.NestedAttributeObject{Attributes: vulnerabilityAttributes()},
		},
		"counts": schema.MapAttribute{
			Computed:    true,
			ElementType: types.Int64Type,
			Description: "Number of findings by severity, keys `high`, `medium` and `low` always present: every finding, before `min_severity` and `type`.",
		},
	}
	findingsImageAttributes(attrs)
	resp.Schema = schema.Schema{
		Description: "The vulnerability findings of one image, each with its CVE ids, highest CVSS score and earliest CVE publish time: " +
			"what HSS's per-image vulnerability list holds (both types, handled and unhandled, every page), joined with the CVEs of each vulnerability " +
			"(asked once per vulnerability and provider run, or read from the tenant-wide vulnerability list when that costs fewer requests). " +
			"The image is selected exactly as `hss_image` selects it, and the read fails closed as `hss_image_security_summary`'s does: " +
			"when no image matches or several do, when its last scan did not succeed by every signal HSS gives, when its scan time is missing, implausible " +
			"or older than `max_scan_age`. An image with no finding is reported only when HSS scanned it successfully. " +
			"A row without `vul_id` or severity, a severity HSS does not document, or a CVSS that is not a number fails the read, naming the field and the image. " +
			"Local images are refused: HSS keeps no per-image vulnerability list for them. " + findingsPathIDNote + " " + filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageVulnerabilitiesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imageVulnerabilitiesDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m imageVulnerabilitiesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.validate(&resp.Diagnostics)
}

func (d *imageVulnerabilitiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageVulnerabilitiesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.data.configuredClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	found, _, ok := m.resolve(ctx, d.data, c, scope, &resp.Diagnostics)
	if !ok {
		return
	}
	findings, err := images.Findings(ctx, c, scope, found)
	if err != nil {
		addFindingsError(&resp.Diagnostics, found, err)
		return
	}
	counts := map[string]attr.Value{}
	for _, s := range gate.Severities() {
		counts[s] = types.Int64Value(0)
	}
	tally := map[gate.Severity]int64{}
	listed := make([]gate.Finding, 0, len(findings))
	for _, f := range findings {
		tally[f.Severity]++
		if !m.MinSeverity.IsNull() && !f.Severity.AtLeast(gate.Severity(m.MinSeverity.ValueString())) {
			continue
		}
		if !m.Type.IsNull() && f.Type != m.Type.ValueString() {
			continue
		}
		listed = append(listed, f)
	}
	for s, n := range tally {
		counts[string(s)] = types.Int64Value(n)
	}
	var diags diag.Diagnostics
	m.Counts, diags = types.MapValue(types.Int64Type, counts)
	resp.Diagnostics.Append(diags...)
	m.Vulnerabilities = findingsList(listed, &resp.Diagnostics)
	m.ID = m.id("image_vulnerabilities", c.ProjectID(), scope, found, optPart(stringOrNil(m.MinSeverity)), optPart(stringOrNil(m.Type)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
