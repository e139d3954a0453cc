package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rsschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Arguments several types share are described once here, and each
// schema (data source, resource, action) is rendered from that one
// description, as the image filter is (image_filter.go): the same name
// means the same words and the same checks everywhere.

const (
	regionDescription = "Region to call, overriding the provider's `region`: the `region` header and, without a provider `endpoint`, the endpoint. " +
		"Its project is that region's own: the provider's `project_id` stands for the provider's `region` only, so for another region the provider asks IAM " +
		"for the project named after it, once per region (configure a provider alias with its own `project_id` to choose it yourself). A region id such as `cn-north-4`."
	enterpriseProjectIDDescription = "Enterprise project: `0` is the default project, `all_granted_eps` every project you may see. " +
		"Defaults to the provider's `enterprise_project_id`; when neither is set, HSS uses the default project."
	exportSizeDescription = "Most records to export, from 0 to 2,147,483,647."
	waitDescription       = "Wait until HSS finishes the export task (polling its status with backoff) and record its outcome. Defaults to `true`."
	outputPathDescription = "Once the task succeeded, download the exported ZIP file to this path. Before the export request is sent, the provider checks " +
		"that the path is not a directory and that its directory exists and is writable. The download goes to a temporary file beside the path (mode 0600), " +
		"is checked to be a whole ZIP archive (every member is read and its CRC-32 checked), and is then renamed over the path: an existing file there is replaced. Needs `wait_for_completion`."
)

// filterTextNote ends the description of every type that takes filters.
const filterTextNote = "HSS reads an empty string as no filter at all, so `\"\"`, a value with leading or trailing white space (for example from `file()`) " +
	"and control characters are rejected at plan: leave a filter unset (null) not to filter, and use `trimspace()` on values read from files."

func regionValidators() []validator.String { return []validator.String{regionValidator{}} }

// Data sources read region and enterprise_project_id back: the values
// used, also when they came from the provider.

func regionDataSourceAttribute() dsschema.StringAttribute {
	return dsschema.StringAttribute{Optional: true, Computed: true, Validators: regionValidators(),
		Description: regionDescription + " Reads back the region used."}
}

func enterpriseProjectIDDataSourceAttribute() dsschema.StringAttribute {
	return dsschema.StringAttribute{Optional: true, Computed: true, Validators: enterpriseProjectIDValidators(),
		Description: enterpriseProjectIDDescription + " Reads back the project used; null when neither is set."}
}

// exportResourceAttributes adds the export arguments to the resource
// (whose ModifyPlan makes every one of them start a new export when it
// changes).
func exportResourceAttributes(attrs map[string]rsschema.Attribute) {
	attrs["export_size"] = rsschema.Int64Attribute{Required: true, Description: exportSizeDescription,
		Validators: []validator.Int64{int64validator.Between(0, 2147483647)}}
	attrs["region"] = rsschema.StringAttribute{Optional: true, Description: regionDescription, Validators: regionValidators()}
	attrs["enterprise_project_id"] = rsschema.StringAttribute{Optional: true, Description: enterpriseProjectIDDescription,
		Validators: enterpriseProjectIDValidators()}
	attrs["wait_for_completion"] = rsschema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
		Description: waitDescription}
	attrs["output_path"] = rsschema.StringAttribute{Optional: true, Description: outputPathDescription,
		Validators: []validator.String{text()}}
	filterResourceAttributes(attrs)
}

// exportActionAttributes adds the same arguments to the action.
func exportActionAttributes(attrs map[string]actionschema.Attribute) {
	attrs["export_size"] = actionschema.Int64Attribute{Required: true, Description: exportSizeDescription,
		Validators: []validator.Int64{int64validator.Between(0, 2147483647)}}
	attrs["region"] = actionschema.StringAttribute{Optional: true, Description: regionDescription, Validators: regionValidators()}
	attrs["enterprise_project_id"] = actionschema.StringAttribute{Optional: true, Description: enterpriseProjectIDDescription,
		Validators: enterpriseProjectIDValidators()}
	attrs["wait_for_completion"] = actionschema.BoolAttribute{Optional: true, Description: waitDescription}
	attrs["output_path"] = actionschema.StringAttribute{Optional: true, Description: outputPathDescription,
		Validators: []validator.String{text()}}
	filterActionAttributes(attrs)
}

// waitForScanDescription is wait_for_scan, on every data source that
// reads images and on the gate action.
const waitForScanDescription = "Wait for a scan in progress: while HSS lists the image as `waiting_for_scan`, `waiting` or `scanning`, " +
	"read it again with backoff (1 s, doubling up to 15 s) until its scan ends or this long has passed, as a Go duration (`\"30s\"`, `\"10m\"`); " +
	"then the image is judged as without a wait: a scan that has not ended fails closed where an unscanned image does. " +
	"The provider's `read_timeout` bounds the whole wait as well, and the error says which of the two ran out. " +
	"Unset, the image is read once. Waiting never asks HSS to scan: `hss_image_scan` does."

func waitForScanDataSourceAttribute() dsschema.StringAttribute {
	return dsschema.StringAttribute{Optional: true, Description: waitForScanDescription, Validators: []validator.String{positiveDuration{}}}
}

func waitForScanActionAttribute() actionschema.StringAttribute {
	return actionschema.StringAttribute{Optional: true, Description: waitForScanDescription, Validators: []validator.String{positiveDuration{}}}
}
