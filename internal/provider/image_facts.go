package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

// imageModel is what hss_image, each element of hss_images and the
// summary's image attribute say about one image: the same names everywhere.
type imageModel struct {
	ImageType        types.String `tfsdk:"image_type"`
	Namespace        types.String `tfsdk:"namespace"`
	ImageName        types.String `tfsdk:"image_name"`
	ImageVersion     types.String `tfsdk:"image_version"`
	InstanceID       types.String `tfsdk:"instance_id"`
	RegistryName     types.String `tfsdk:"registry_name"`
	ImageID          types.String `tfsdk:"image_id"`
	Digest           types.String `tfsdk:"digest"`
	ScanStatus       types.String `tfsdk:"scan_status"`
	ScanFailedCode   types.String `tfsdk:"scan_failed_code"`
	ScanFailedDesc   types.String `tfsdk:"scan_failed_desc"`
	ScanProblem      types.String `tfsdk:"scan_problem"`
	ScannedAt        types.String `tfsdk:"scanned_at"`
	UpdatedAt        types.String `tfsdk:"updated_at"`
	SeverityLevel    types.String `tfsdk:"severity_level"`
	VulNum           types.Int64  `tfsdk:"vul_num"`
	UnsafeSettingNum types.Int64  `tfsdk:"unsafe_setting_num"`
	MaliciousFileNum types.Int64  `tfsdk:"malicious_file_num"`
	ImageSize        types.Int64  `tfsdk:"image_size"`
	LatestVersion    types.Bool   `tfsdk:"latest_version"`
	Hosts            types.List   `tfsdk:"hosts"`
	Architectures    types.List   `tfsdk:"architectures"`
}

// imageFactAttributes are imageModel's attributes, all computed.
func imageFactAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.Attribute { return schema.StringAttribute{Computed: true, Description: desc} }
	num := func(desc string) schema.Attribute { return schema.Int64Attribute{Computed: true, Description: desc} }
	return map[string]schema.Attribute{
		"image_type":       str("Image type: " + quotedList(images.LookupTypes) + "."),
		"namespace":        str("Organization (namespace); null for local images."),
		"image_name":       str("Image name, without organization or tag."),
		"image_version":    str("Image tag."),
		"instance_id":      str("SWR enterprise edition instance; null for other images."),
		"registry_name":    str("Registry HSS lists the image in; null when HSS gives none."),
		"image_id":         str("Image ID, as HSS lists it."),
		"digest":           str("Image digest (`sha256:...`)."),
		"scan_status":      str("Status of HSS's last scan, verbatim: `success` means the image's numbers describe it, unless `scan_failed_code` or `scan_failed_desc` says the scan failed (see `scan_problem`); `unscan`, `scanning`, `waiting_for_scan` (`waiting` for local images), `failed`, `download_failed`, `image_oversized` and any other value mean they do not. A local image on several hosts is `success` only when every host's record is."),
		"scan_failed_code": str("Why the last scan failed, as HSS codes it (for example `failed_to_scan_vulnerability`); null when HSS gives none. Beside `scan_status = \"success\"` it still means the scan failed."),
		"scan_failed_desc": str("Why the last scan failed, in words; null when HSS gives none. Beside `scan_status = \"success\"` it still means the scan failed."),
		"scan_problem": str("Why the image's numbers cannot be trusted, naming the fields that say so; null when they can: `scan_status` is `success` " +
			"and HSS gives no `scan_failed_code` or `scan_failed_desc` beside it, every host's record and every architecture was scanned " +
			"(a multi-architecture image lists its architectures), and the scan time is plausible: neither missing, nor before 2015, nor in the future (beyond a few minutes of clock skew). " +
			"`hss_image_security_summary` makes the same check (and `max_scan_age`). Gate on `scan_problem == null`, not on `scan_status` alone."),
		"scanned_at":         str("When HSS last completed a scan of the image (RFC 3339, UTC); null when it never did. For a local image on several hosts, the oldest. A time RFC 3339 cannot express fails the read."),
		"updated_at":         str("When the image was last updated (RFC 3339, UTC); null when HSS gives no time. A time RFC 3339 cannot express fails the read."),
		"severity_level":     str("Highest severity HSS found: `Security`, `Low`, `Medium` or `High`; null until a scan completed."),
		"vul_num":            num("Vulnerabilities HSS lists for the image; null when HSS gives no count (never 0 for a missing count)."),
		"unsafe_setting_num": num("Unsafe settings HSS lists for the image; null when HSS gives no count."),
		"malicious_file_num": num("Malicious files HSS lists for the image; null when HSS gives no count."),
		"image_size":         num("Image size in bytes; null when HSS gives none."),
		"latest_version":     schema.BoolAttribute{Computed: true, Description: "Whether HSS marks this tag as the latest version; false for local images."},
		"hosts": schema.ListAttribute{
			Computed: true, ElementType: types.StringType,
			Description: "Local images: the hosts that have the image (one HSS record each), sorted; empty for other images.",
		},
		"architectures": schema.ListNestedAttribute{
			Computed:    true,
			Description: "Multi-architecture images: one entry per architecture image, with its own digest and scan status; empty for other images.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"image_id":           str("Image ID of this architecture's image."),
				"digest":             str("Digest of this architecture's image."),
				"scan_status":        str("Status of HSS's last scan of this architecture's image."),
				"vul_num":            num("Vulnerabilities; null when HSS gives no count."),
				"unsafe_setting_num": num("Unsafe settings; null when HSS gives no count."),
				"malicious_file_num": num("Malicious files; null when HSS gives no count."),
			}},
		},
	}
}

var (
	imageObjectType = objectType(schema.SingleNestedAttribute{Attributes: imageFactAttributes()}.GetType())
	archObjectType  = objectType(elementType(imageObjectType.AttrTypes["architectures"]))
)

// objectType and elementType read the types the schema declares; anything
// else is a programming error, caught when the package loads.
func objectType(t attr.Type) types.ObjectType {
	o, ok := t.(types.ObjectType)
	if !ok {
		panic(fmt.Sprintf("want an object type, got %T", t))
	}
	return o
}

func elementType(t attr.Type) attr.Type {
	l, ok := t.(attr.TypeWithElementType)
	if !ok {
		panic(fmt.Sprintf("want a list type, got %T", t))
	}
	return l.ElementType()
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// rfc3339 renders a time of f that HSS sent as field: RFC 3339, null when
// HSS gives none, and an error (naming the field) when RFC 3339 cannot
// express it: never a string a policy cannot parse.
func rfc3339(f *images.Image, field string, ms int64, diags *diag.Diagnostics) types.String {
	s, err := images.RFC3339(ms)
	if err != nil {
		diags.AddError("Invalid time from HSS",
			fmt.Sprintf("HSS lists %s with %s %d: %s. The read fails instead of reporting a time that is not RFC 3339.", f.Label(), field, ms, err))
		return types.StringNull()
	}
	return nullIfEmpty(s)
}

// newImageModel renders a found image. Values are built directly, not by
// reflection: hss_images renders thousands of them, and the framework's
// reflection costs about 0.4 ms per image.
func newImageModel(f *images.Image, diags *diag.Diagnostics) imageModel {
	archs := make([]attr.Value, 0, len(f.Architectures))
	for _, a := range f.Architectures {
		v, d := types.ObjectValue(archObjectType.AttrTypes, map[string]attr.Value{
			"image_id":           nullIfEmpty(a.ImageID),
			"digest":             nullIfEmpty(a.ImageDigest),
			"scan_status":        types.StringValue(a.ScanStatus),
			"vul_num":            types.Int64PointerValue(a.VulNum),
			"unsafe_setting_num": types.Int64PointerValue(a.UnsafeSettingNum),
			"malicious_file_num": types.Int64PointerValue(a.MaliciousFileNum),
		})
		diags.Append(d...)
		archs = append(archs, v)
	}
	archList, d := types.ListValue(archObjectType, archs)
	diags.Append(d...)
	hosts := make([]attr.Value, len(f.Hosts))
	for i, h := range f.Hosts {
		hosts[i] = types.StringValue(h)
	}
	hostList, d := types.ListValue(types.StringType, hosts)
	diags.Append(d...)
	return imageModel{
		ImageType:        types.StringValue(f.ImageType),
		Namespace:        nullIfEmpty(f.Namespace),
		ImageName:        types.StringValue(f.ImageName),
		ImageVersion:     types.StringValue(f.ImageVersion),
		InstanceID:       nullIfEmpty(f.InstanceID),
		RegistryName:     nullIfEmpty(f.RegistryName),
		ImageID:          nullIfEmpty(f.ImageID),
		Digest:           nullIfEmpty(f.ImageDigest),
		ScanStatus:       types.StringValue(f.ScanStatus),
		ScanFailedCode:   nullIfEmpty(f.ScanFailedCode),
		ScanFailedDesc:   nullIfEmpty(f.ScanFailedDesc),
		ScannedAt:        rfc3339(f, "latest_scan_time", f.LatestScanTime, diags),
		UpdatedAt:        rfc3339(f, "latest_update_time", f.LatestUpdateTime, diags),
		ScanProblem:      nullIfEmpty(images.ScanProblem(f, 0, time.Now())),
		SeverityLevel:    nullIfEmpty(f.SeverityLevel),
		VulNum:           types.Int64PointerValue(f.VulNum),
		UnsafeSettingNum: types.Int64PointerValue(f.UnsafeSettingNum),
		MaliciousFileNum: types.Int64PointerValue(f.MaliciousFileNum),
		ImageSize:        types.Int64PointerValue(f.ImageSize),
		LatestVersion:    types.BoolValue(f.LatestVersion),
		Hosts:            hostList,
		Architectures:    archList,
	}
}

// imageObject is newImageModel as an object value.
func imageObject(f *images.Image, diags *diag.Diagnostics) types.Object {
	m := newImageModel(f, diags)
	v, d := types.ObjectValue(imageObjectType.AttrTypes, map[string]attr.Value{
		"image_type": m.ImageType, "namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion,
		"instance_id": m.InstanceID, "registry_name": m.RegistryName, "image_id": m.ImageID, "digest": m.Digest,
		"scan_status": m.ScanStatus, "scan_failed_code": m.ScanFailedCode, "scan_failed_desc": m.ScanFailedDesc, "scan_problem": m.ScanProblem,
		"scanned_at": m.ScannedAt, "updated_at": m.UpdatedAt, "severity_level": m.SeverityLevel,
		"vul_num": m.VulNum, "unsafe_setting_num": m.UnsafeSettingNum, "malicious_file_num": m.MaliciousFileNum,
		"image_size": m.ImageSize, "latest_version": m.LatestVersion, "hosts": m.Hosts, "architectures": m.Architectures,
	})
	diags.Append(d...)
	return v
}
