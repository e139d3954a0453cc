package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
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
	var wt *images.WaitTimeoutError
	if errors.As(err, &wt) {
		diags.AddError("Image scan still running", wt.Error()+
			"\n\nNo number is reported for an image whose scan has not ended. Raise the provider's read_timeout (or HW_READ_TIMEOUT), or plan again once HSS finished.")
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
	// waited says that wait_for_scan ran out while the image was still
	// being scanned ("" otherwise): which bound ended the wait.
	waited string
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
	diags.AddError("Image security numbers cannot be trusted", problem+t.waited+" "+why+"\n\n"+
		strings.TrimSpace("Scan the image in HSS (console, or POST /v5/{project_id}/image/image-scan/tasks) and plan again once its scan_status is \"success\". "+anyway))
	return false
}

// scanWait is a read's wait_for_scan: how long an image HSS lists as
// waiting for its scan, or being scanned, is read again until the scan
// ends (images.WaitWhileScanning), under the provider's read_timeout.
// Zero reads once, exactly as without the argument.
type scanWait struct {
	max         time.Duration
	readTimeout time.Duration
}

// scanWait reads wait_for_scan (validated at plan: positiveDuration).
func (d *providerData) scanWait(v types.String, diags *diag.Diagnostics) scanWait {
	w := scanWait{readTimeout: d.readTimeout}
	if w.readTimeout <= 0 {
		w.readTimeout = client.DefaultReadTimeout
	}
	if v.IsNull() || v.IsUnknown() {
		return w
	}
	maxWait, err := parsePositiveDuration(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("wait_for_scan"), "Invalid duration", "wait_for_scan "+err.Error()+".")
	}
	w.max = maxWait
	return w
}

// bounded runs f under the read timeout when there is a wait: its cause
// names read_timeout, so that a wait it ends says which bound ran out.
func (w scanWait) bounded(ctx context.Context, f func(ctx context.Context, p images.Poll)) {
	if w.max <= 0 {
		f(ctx, images.Poll{})
		return
	}
	ctx, cancel := context.WithTimeoutCause(ctx, w.readTimeout,
		fmt.Errorf("the provider's read_timeout (%s), which bounds wait_for_scan (%s) as well, ran out", w.readTimeout, w.max))
	defer cancel()
	f(ctx, images.Poll{Progress: func(p images.Progress) {
		tflog.Info(ctx, "Waiting for HSS to finish scanning (wait_for_scan)", map[string]any{"progress": p.String()})
	}})
}

// lookup is images.Lookup with the wait (images.LookupWaiting).
func (w scanWait) lookup(ctx context.Context, c *client.Client, scope client.Scope, q images.Query) (found *images.Image, err error) {
	w.bounded(ctx, func(ctx context.Context, p images.Poll) {
		if w.max <= 0 {
			found, err = images.Lookup(ctx, c, scope, q)
			return
		}
		found, err = images.LookupWaiting(ctx, c, scope, q, w.max, p)
	})
	return found, err
}

// find is images.Find with the wait (images.FindWaiting).
func (w scanWait) find(ctx context.Context, c *client.Client, scope client.Scope, q images.Query) (found []images.Image, err error) {
	w.bounded(ctx, func(ctx context.Context, p images.Poll) {
		if w.max <= 0 {
			found, err = images.Find(ctx, c, scope, q)
			return
		}
		found, err = images.FindWaiting(ctx, c, scope, q, w.max, p)
	})
	return found, err
}

// ranOut is what a fail-closed error adds when wait_for_scan ran out
// while img was still being scanned.
func (w scanWait) ranOut(img *images.Image) string {
	if w.max <= 0 || img == nil || !img.Scanning() {
		return ""
	}
	return fmt.Sprintf(" wait_for_scan (%s) ran out while HSS still listed it as waiting for its scan or scanning.", w.max)
}

// trust is trustScan, saying when wait_for_scan ran out.
func (w scanWait) trust(diags *diag.Diagnostics, found *images.Image, maxScanAge types.String, now time.Time, t scanTrust) bool {
	t.waited = w.ranOut(found)
	return trustScan(diags, found, maxScanAge, now, t)
}
