package provider

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

// The Terraform side of the one image lookup of hss_image, hss_images and
// hss_image_security_summary (internal/images): arguments into a query,
// plan-time checks of a selector, and errors into diagnostics.

// addLookupError reports a failed lookup: an images.LookupError as it is, an API
// failure with its status, code and request id.
func addLookupError(diags *diag.Diagnostics, err error) {
	var le *images.LookupError
	if errors.As(err, &le) {
		diags.AddError(le.Summary, le.Detail)
		return
	}
	diags.AddError("Cannot list HSS images", apiErrorDetail("image list", err))
}

// selectorQuery turns the arguments of a one-image data source into a
// query.
func selectorQuery(imageType types.String, namespace, name, version, instanceID, registryName, imageID types.String) images.Query {
	return images.Query{
		ImageType:    imageType.ValueString(),
		Namespace:    stringOrNil(namespace),
		ImageName:    stringOrNil(name),
		ImageVersion: stringOrNil(version),
		InstanceID:   stringOrNil(instanceID),
		RegistryName: stringOrNil(registryName),
		ImageID:      stringOrNil(imageID),
	}
}

// validateSelector checks at plan time that a one-image selector names one
// image: repository images by namespace, name and tag; local images by name
// and tag; CI/CD images by image_id. Unknown values are checked at apply.
func validateSelector(diags *diag.Diagnostics, imageType types.String, args map[string]types.String) {
	if imageType.IsUnknown() || imageType.IsNull() {
		return
	}
	t := imageType.ValueString()
	var required, forbidden []string
	switch t {
	case "local_image":
		required, forbidden = []string{"image_name", "image_version"}, []string{"namespace", "instance_id", "registry_name"}
	case "cicd":
		required, forbidden = []string{"image_id"}, []string{"instance_id", "registry_name"}
	default:
		required = []string{"namespace", "image_name", "image_version"}
	}
	for _, name := range required {
		if v, ok := args[name]; ok && v.IsNull() {
			diags.AddAttributeError(path.Root(name), "Missing image selector argument",
				fmt.Sprintf("%s is required when image_type is %q: %s", name, t, selectorRule(t)))
		}
	}
	for _, name := range forbidden {
		if v, ok := args[name]; ok && !v.IsNull() {
			diags.AddAttributeError(path.Root(name), "Argument does not apply",
				fmt.Sprintf("%s does not apply when image_type is %q: %s", name, t, selectorRule(t)))
		}
	}
}

func selectorRule(t string) string {
	switch t {
	case "local_image":
		return "a local image is selected by image_name and image_version (and image_id when several digests share them)."
	case "cicd":
		return "a CI/CD image is selected by image_id (namespace, image_name and image_version narrow it further)."
	}
	return "a repository image is selected by namespace, image_name and image_version (and instance_id, registry_name or image_id when several registries hold it)."
}

// quotedList renders values as "`a`, `b` or `c`".
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// scanTrust is what a one-image read says when the image's numbers cannot
// be trusted: why an unscanned image's, and an old scan's, prove nothing,
// and how to read them anyway ("" when there is no way).
type scanTrust struct {
	unscanned, tooOld, anyway string
}

// trustScan fails the read, and returns false, when found's last scan did
// not succeed by every signal HSS gives, its time is missing or
// implausible, or it is older than maxScanAge (a Go duration validated at
// plan time; null for any age).
func trustScan(diags *diag.Diagnostics, found *images.Image, maxScanAge types.String, now time.Time, t scanTrust) bool {
	maxAge, _ := time.ParseDuration(maxScanAge.ValueString())
	problem := images.ScanProblem(found, maxAge, now)
	if problem == "" {
		return true
	}
	why, anyway := t.unscanned, t.anyway
	if images.ScanProblem(found, 0, now) == "" { // only too old
		why, anyway = t.tooOld, "Or raise max_scan_age."
	}
	diags.AddError("Image security numbers cannot be trusted", problem+" "+why+"\n\n"+
		strings.TrimSpace("Scan the image in HSS (console, or POST /v5/{project_id}/image/image-scan/tasks) and plan again once its scan_status is \"success\". "+anyway))
	return false
}
