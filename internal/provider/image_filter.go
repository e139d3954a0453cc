package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rsschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The image filter is the request body shared by the security-report
// statistic and the baseline export. It is described once here, and the
// data source, resource and action schemas are generated from it.

type filterKind int

const (
	filterString filterKind = iota
	filterBool
	filterInt
	filterList
)

type filterField struct {
	name   string // attribute name and JSON name
	kind   filterKind
	desc   string
	enum   []string
	maxLen int   // strings and list items (never empty, see text); 0 = none
	max    int64 // integers; 0 = none
	items  int   // lists: most items; 0 = none
}

// Enumerations of the filter body.
var (
	reportImageTypes       = []string{"private_image", "shared_image", "local_image", "instance_image", "harbor", "jfrog", "cicd"}
	vulTypes               = []string{"linux_vul", "app_vul"}
	scanStatuses           = []string{"unscan", "success", "scanning", "failed", "download_failed", "image_oversized"}
	severityLevels         = []string{"Security", "Low", "Medium", "High"}
	buildCommandRiskLevels = []string{"critical", "high", "medium", "low"}
)

var imageFilterFields = []filterField{
	{name: "image_id_list", kind: filterList, maxLen: 128, desc: "IDs of the images to include (for private and shared images, the IDs HSS lists). Ignored by HSS when `operate_all` is `true`."},
	{name: "operate_all", kind: filterBool, desc: "`true` selects every image the other filters match, ignoring `image_id_list`."},
	{name: "image_type", kind: filterString, enum: reportImageTypes, desc: "Image type: `private_image`, `shared_image`, `local_image`, `instance_image` (enterprise edition), `harbor`, `jfrog` or `cicd`."},
	{name: "vul_type", kind: filterString, enum: vulTypes, desc: "Vulnerability type: `linux_vul` (operating system) or `app_vul` (application)."},
	{name: "scan_status", kind: filterString, enum: scanStatuses, desc: "Scan status: `unscan`, `success`, `scanning`, `failed`, `download_failed` or `image_oversized`."},
	{name: "namespace", kind: filterString, maxLen: 65535, desc: "Organization (namespace); private and shared images only."},
	{name: "image_name", kind: filterString, maxLen: 65535, desc: "Image name."},
	{name: "image_version", kind: filterString, maxLen: 65535, desc: "Image tag."},
	{name: "image_id", kind: filterString, maxLen: 128, desc: "Image ID."},
	{name: "latest_version", kind: filterBool, desc: "Only the latest version of each image."},
	{name: "image_size", kind: filterInt, max: 2147483547, desc: "Image size, in bytes."},
	{name: "start_latest_update_time", kind: filterInt, desc: "Start of the image update (creation) time range, in milliseconds since the epoch; not after `end_latest_update_time`."},
	{name: "end_latest_update_time", kind: filterInt, desc: "End of the image update (creation) time range, in milliseconds since the epoch."},
	{name: "start_latest_scan_time", kind: filterInt, desc: "Start of the latest-scan completion time range, in milliseconds since the epoch; not after `end_latest_scan_time`."},
	{name: "end_latest_scan_time", kind: filterInt, desc: "End of the latest-scan completion time range, in milliseconds since the epoch."},
	{name: "has_malicious_file", kind: filterBool, desc: "Only images with (`true`) or without (`false`) malicious files."},
	{name: "has_vul", kind: filterBool, desc: "Only images with (`true`) or without (`false`) software vulnerabilities."},
	{name: "has_unsafe_setting", kind: filterBool, desc: "Only images with (`true`) or without (`false`) baseline check findings."},
	{name: "risky", kind: filterBool, desc: "Only images with (`true`) or without (`false`) security risks."},
	{name: "severity_level", kind: filterString, enum: severityLevels, desc: "Image risk level after scanning: `Security`, `Low`, `Medium` or `High`."},
	{name: "instance_name", kind: filterString, maxLen: 128, desc: "Name of the SWR enterprise edition instance."},
	{name: "instance_id", kind: filterString, maxLen: 128, desc: "ID of the SWR enterprise edition instance."},
	{name: "cicd_name", kind: filterString, maxLen: 128, desc: "Name of the CI/CD pipeline (CI/CD images)."},
	{name: "build_command_risk_level", kind: filterString, enum: buildCommandRiskLevels, desc: "Risk level of a build instruction: `critical`, `high`, `medium` or `low`."},
	{name: "build_command_risk_name", kind: filterString, maxLen: 128, desc: "Name of a build instruction risk."},
	{name: "build_command_rule_id_list", kind: filterList, maxLen: 200, desc: "IDs of build instruction risk detection rules."},
	{name: "has_container", kind: filterBool, desc: "Only images with (`true`) or without (`false`) running containers."},
	{name: "vul_id_list", kind: filterList, items: 2048, maxLen: 256, desc: "IDs of vulnerabilities (such as CVE IDs) to count or export."},
}

// imageFilterModel holds the filter arguments; it is embedded in the models
// of every type that takes the filter.
type imageFilterModel struct {
	ImageIDList            types.List   `tfsdk:"image_id_list"`
	OperateAll             types.Bool   `tfsdk:"operate_all"`
	ImageType              types.String `tfsdk:"image_type"`
	VulType                types.String `tfsdk:"vul_type"`
	ScanStatus             types.String `tfsdk:"scan_status"`
	Namespace              types.String `tfsdk:"namespace"`
	ImageName              types.String `tfsdk:"image_name"`
	ImageVersion           types.String `tfsdk:"image_version"`
	ImageID                types.String `tfsdk:"image_id"`
	LatestVersion          types.Bool   `tfsdk:"latest_version"`
	ImageSize              types.Int64  `tfsdk:"image_size"`
	StartLatestUpdateTime  types.Int64  `tfsdk:"start_latest_update_time"`
	EndLatestUpdateTime    types.Int64  `tfsdk:"end_latest_update_time"`
	StartLatestScanTime    types.Int64  `tfsdk:"start_latest_scan_time"`
	EndLatestScanTime      types.Int64  `tfsdk:"end_latest_scan_time"`
	HasMaliciousFile       types.Bool   `tfsdk:"has_malicious_file"`
	HasVul                 types.Bool   `tfsdk:"has_vul"`
	HasUnsafeSetting       types.Bool   `tfsdk:"has_unsafe_setting"`
	Risky                  types.Bool   `tfsdk:"risky"`
	SeverityLevel          types.String `tfsdk:"severity_level"`
	InstanceName           types.String `tfsdk:"instance_name"`
	InstanceID             types.String `tfsdk:"instance_id"`
	CICDName               types.String `tfsdk:"cicd_name"`
	BuildCommandRiskLevel  types.String `tfsdk:"build_command_risk_level"`
	BuildCommandRiskName   types.String `tfsdk:"build_command_risk_name"`
	BuildCommandRuleIDList types.List   `tfsdk:"build_command_rule_id_list"`
	HasContainer           types.Bool   `tfsdk:"has_container"`
	VulIDList              types.List   `tfsdk:"vul_id_list"`
}

// request converts the arguments to the request body: only what is set
// is sent, so an unset bool is omitted rather than sent as false.
func (m *imageFilterModel) request(ctx context.Context) (client.ImageFilter, diag.Diagnostics) {
	var diags diag.Diagnostics
	list := func(v types.List) []string {
		if v.IsNull() || v.IsUnknown() {
			return nil
		}
		var items []types.String
		diags.Append(v.ElementsAs(ctx, &items, false)...)
		out := make([]string, 0, len(items))
		for _, item := range items {
			if item.IsNull() || item.IsUnknown() {
				diags.AddError("Invalid list item", "A list argument holds a null or unknown item; every item must be a known, non-empty string.")
				return nil
			}
			out = append(out, item.ValueString())
		}
		return out
	}
	return client.ImageFilter{
		ImageIDList:            list(m.ImageIDList),
		OperateAll:             m.OperateAll.ValueBoolPointer(),
		ImageType:              m.ImageType.ValueStringPointer(),
		VulType:                m.VulType.ValueStringPointer(),
		ScanStatus:             m.ScanStatus.ValueStringPointer(),
		Namespace:              m.Namespace.ValueStringPointer(),
		ImageName:              m.ImageName.ValueStringPointer(),
		ImageVersion:           m.ImageVersion.ValueStringPointer(),
		ImageID:                m.ImageID.ValueStringPointer(),
		LatestVersion:          m.LatestVersion.ValueBoolPointer(),
		ImageSize:              m.ImageSize.ValueInt64Pointer(),
		StartLatestUpdateTime:  m.StartLatestUpdateTime.ValueInt64Pointer(),
		EndLatestUpdateTime:    m.EndLatestUpdateTime.ValueInt64Pointer(),
		StartLatestScanTime:    m.StartLatestScanTime.ValueInt64Pointer(),
		EndLatestScanTime:      m.EndLatestScanTime.ValueInt64Pointer(),
		HasMaliciousFile:       m.HasMaliciousFile.ValueBoolPointer(),
		HasVul:                 m.HasVul.ValueBoolPointer(),
		HasUnsafeSetting:       m.HasUnsafeSetting.ValueBoolPointer(),
		Risky:                  m.Risky.ValueBoolPointer(),
		SeverityLevel:          m.SeverityLevel.ValueStringPointer(),
		InstanceName:           m.InstanceName.ValueStringPointer(),
		InstanceID:             m.InstanceID.ValueStringPointer(),
		CICDName:               m.CICDName.ValueStringPointer(),
		BuildCommandRiskLevel:  m.BuildCommandRiskLevel.ValueStringPointer(),
		BuildCommandRiskName:   m.BuildCommandRiskName.ValueStringPointer(),
		BuildCommandRuleIDList: list(m.BuildCommandRuleIDList),
		HasContainer:           m.HasContainer.ValueBoolPointer(),
		VulIDList:              list(m.VulIDList),
	}, diags
}

// stringValidators: an enumerated value is one of its values; free text
// (and every list item) is neither empty nor padded (see text).
func (f filterField) stringValidators() []validator.String {
	if f.enum != nil {
		return []validator.String{stringvalidator.OneOf(f.enum...)}
	}
	return append([]validator.String{text()}, f.lengthValidators()...)
}

func (f filterField) lengthValidators() []validator.String {
	if f.maxLen > 0 {
		return []validator.String{stringvalidator.LengthAtMost(f.maxLen)}
	}
	return nil
}

func (f filterField) int64Validators() []validator.Int64 {
	if f.max > 0 {
		return []validator.Int64{int64validator.Between(0, f.max)}
	}
	return []validator.Int64{int64validator.AtLeast(0)}
}

// listValidators: a list, if set, holds at least one item, so that "set"
// and "sent" mean the same thing, and no item is null, empty or padded.
func (f filterField) listValidators() []validator.List {
	v := append([]validator.List{listvalidator.SizeAtLeast(1)}, textList(f.lengthValidators()...)...)
	if f.items > 0 {
		v = append(v, listvalidator.SizeAtMost(f.items))
	}
	return v
}

// filterDataSourceAttributes adds the filter to a data source schema.
func filterDataSourceAttributes(attrs map[string]dsschema.Attribute) {
	for _, f := range imageFilterFields {
		switch f.kind {
		case filterString:
			attrs[f.name] = dsschema.StringAttribute{Optional: true, Description: f.desc, Validators: f.stringValidators()}
		case filterBool:
			attrs[f.name] = dsschema.BoolAttribute{Optional: true, Description: f.desc}
		case filterInt:
			attrs[f.name] = dsschema.Int64Attribute{Optional: true, Description: f.desc, Validators: f.int64Validators()}
		case filterList:
			attrs[f.name] = dsschema.ListAttribute{Optional: true, ElementType: types.StringType, Description: f.desc, Validators: f.listValidators()}
		}
	}
}

// filterResourceAttributes adds the filter to a resource schema; changing
// any filter replaces the resource.
func filterResourceAttributes(attrs map[string]rsschema.Attribute) {
	for _, f := range imageFilterFields {
		switch f.kind {
		case filterString:
			attrs[f.name] = rsschema.StringAttribute{Optional: true, Description: f.desc, Validators: f.stringValidators()}
		case filterBool:
			attrs[f.name] = rsschema.BoolAttribute{Optional: true, Description: f.desc}
		case filterInt:
			attrs[f.name] = rsschema.Int64Attribute{Optional: true, Description: f.desc, Validators: f.int64Validators()}
		case filterList:
			attrs[f.name] = rsschema.ListAttribute{Optional: true, ElementType: types.StringType, Description: f.desc, Validators: f.listValidators()}
		}
	}
}

// filterActionAttributes adds the filter to an action schema.
func filterActionAttributes(attrs map[string]actionschema.Attribute) {
	for _, f := range imageFilterFields {
		switch f.kind {
		case filterString:
			attrs[f.name] = actionschema.StringAttribute{Optional: true, Description: f.desc, Validators: f.stringValidators()}
		case filterBool:
			attrs[f.name] = actionschema.BoolAttribute{Optional: true, Description: f.desc}
		case filterInt:
			attrs[f.name] = actionschema.Int64Attribute{Optional: true, Description: f.desc, Validators: f.int64Validators()}
		case filterList:
			attrs[f.name] = actionschema.ListAttribute{Optional: true, ElementType: types.StringType, Description: f.desc, Validators: f.listValidators()}
		}
	}
}

// validateFilterRanges rejects a time range whose start is after its end,
// at plan time, in every type that takes the filter.
func validateFilterRanges(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	for _, r := range [][2]string{
		{"start_latest_update_time", "end_latest_update_time"},
		{"start_latest_scan_time", "end_latest_scan_time"},
	} {
		var start, end types.Int64
		diags.Append(config.GetAttribute(ctx, path.Root(r[0]), &start)...)
		diags.Append(config.GetAttribute(ctx, path.Root(r[1]), &end)...)
		if start.IsNull() || start.IsUnknown() || end.IsNull() || end.IsUnknown() {
			continue
		}
		if start.ValueInt64() > end.ValueInt64() {
			diags.AddAttributeError(path.Root(r[0]), "Invalid time range",
				fmt.Sprintf("%s (%d) must not be after %s (%d).", r[0], start.ValueInt64(), r[1], end.ValueInt64()))
		}
	}
}
