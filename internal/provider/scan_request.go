package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

// The scan, shared by the hss_image_scan resource and action: resolve each
// image exactly (synchronising the registry once for an image HSS does not
// list yet, when asked), record each image's baseline (its
// latest_scan_time and scan_status) before asking, ask once per global
// image type (one POST naming every image of that type), then wait until
// every image shows a scan that ended after its baseline
// (images.WaitForScan). No task id comes back: the images themselves are
// the proof.

const (
	defaultScanTimeout = 30 * time.Minute
	maxScanImages      = client.MaxScanTaskImages
	// scanNotRequested is the scan_status a result records for an image
	// whose scan request was never sent (an earlier request of the same
	// apply was refused): the next apply asks for it.
	scanNotRequested = "not_requested"
)

// scanImageTypes are the types a scan takes: the repository types and
// local images. CI/CD images are scanned by their pipeline plugin.
var scanImageTypes = append(slices.Clone(images.RepositoryTypes), "local_image")

// scanImageModel is one element of images: a selector as hss_image takes it.
type scanImageModel struct {
	ImageType    types.String `tfsdk:"image_type"`
	Namespace    types.String `tfsdk:"namespace"`
	ImageName    types.String `tfsdk:"image_name"`
	ImageVersion types.String `tfsdk:"image_version"`
	InstanceID   types.String `tfsdk:"instance_id"`
	RegistryName types.String `tfsdk:"registry_name"`
	ImageID      types.String `tfsdk:"image_id"`
}

func (m *scanImageModel) args() map[string]types.String {
	return map[string]types.String{
		"namespace": m.Namespace, "image_name": m.ImageName, "image_version": m.ImageVersion,
		"instance_id": m.InstanceID, "registry_name": m.RegistryName, "image_id": m.ImageID,
	}
}

// labelOf renders the selector as a user wrote it.
func labelOf(m scanImageModel) string {
	q := m.query()
	return q.Label()
}

func (m *scanImageModel) query() images.Query {
	return selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID)
}

// scanResultModel is one element of results.
type scanResultModel struct {
	ImageType         types.String `tfsdk:"image_type"`
	Namespace         types.String `tfsdk:"namespace"`
	ImageName         types.String `tfsdk:"image_name"`
	ImageVersion      types.String `tfsdk:"image_version"`
	InstanceID        types.String `tfsdk:"instance_id"`
	RegistryName      types.String `tfsdk:"registry_name"`
	ImageID           types.String `tfsdk:"image_id"`
	Digest            types.String `tfsdk:"digest"`
	ScanStatus        types.String `tfsdk:"scan_status"`
	ScannedAt         types.String `tfsdk:"scanned_at"`
	PreviousScannedAt types.String `tfsdk:"previous_scanned_at"`
}

var scanResultAttrTypes = map[string]attr.Type{
	"image_type": types.StringType, "namespace": types.StringType, "image_name": types.StringType, "image_version": types.StringType,
	"instance_id": types.StringType, "registry_name": types.StringType, "image_id": types.StringType,
	"digest": types.StringType, "scan_status": types.StringType, "scanned_at": types.StringType, "previous_scanned_at": types.StringType,
}

// Descriptions shared by the resource and the action.
const (
	scanImagesDescription = "The images to scan, 1 to 100, each selected exactly as `hss_image` selects one: repository images " +
		"(`private_image`, `shared_image`, `instance_image`, `harbor`, `jfrog`) by `namespace`, `image_name` and `image_version`, local images (`local_image`) by " +
		"`image_name` and `image_version`; `instance_id`, `registry_name` and `image_id` choose between images that share them. CI/CD images (`cicd`) are refused: " +
		"HSS's scan task does not take them (their pipeline plugin scans them). Each selector must name exactly one image HSS lists, or the scan is not asked for."
	scanSynchronizeDescription = "When HSS does not list an image yet (a new push), ask HSS once to synchronise its registry and wait for the image to appear. " +
		"`private_image` and `shared_image`: HSS's SWR synchronisation of that image type. `instance_image`, `harbor` and `jfrog`: one synchronise task " +
		"naming the registries to synchronise by their id, which is read from the images HSS already lists of the same type (and of the selector's " +
		"`registry_name` and `instance_id` when set): every such registry and no other; a `registry_name` or `instance_id` of which HSS lists no image is an " +
		"error, with no request; every registry is asked for only when HSS lists no image of that type at all. " +
		"When false, an image HSS does not list is an error. Defaults to `true`."
	scanTimeoutWords = "It bounds everything: finding the images, synchronising, the scan request and the wait."
)

// scanSelectorAttributes are the element attributes of images (typ makes
// the attribute of the schema at hand).
func scanSelectorValidators(maxLen int) []validator.String {
	return []validator.String{text(), stringvalidator.LengthAtMost(maxLen)}
}

var scanSelectorDescriptions = map[string]string{
	"image_type":    "Image type: " + quotedList(images.LookupTypes) + " (`cicd` is refused: HSS's scan task does not take CI/CD images).",
	"namespace":     "Organization (namespace), exactly as HSS lists it. Required for repository images; not for local images.",
	"image_name":    "Image name without organization or tag, exactly as HSS lists it.",
	"image_version": "Image tag, exactly.",
	"instance_id":   "SWR enterprise edition instance, when the same image is in several instances.",
	"registry_name": "Registry name, when the same image is in several registries.",
	"image_id":      "Image ID as HSS lists it, to choose between images that share a name and tag.",
}

var scanResultDescriptions = map[string]string{
	"image_type":          "Type of the image scanned.",
	"namespace":           "Its organization (null when HSS gives none, as for local images).",
	"image_name":          "Its name.",
	"image_version":       "Its tag.",
	"instance_id":         "Its SWR enterprise edition instance (null when it has none).",
	"registry_name":       "Its registry (null when HSS gives none).",
	"image_id":            "Its image ID as HSS lists it (null when HSS gives none).",
	"digest":              "Its digest when the scan was asked for: the content the scan is of (null when HSS gives none).",
	"scan_status":         "The scan_status HSS showed last: `success` once the requested scan is done.",
	"scanned_at":          "Its latest_scan_time as HSS showed it last, RFC 3339: once done, the time of the requested scan, later than `previous_scanned_at` (null when never scanned).",
	"previous_scanned_at": "Its latest_scan_time before the scan was asked for, RFC 3339 (null when it had never been scanned): the baseline a fresh result must be later than.",
}

// validateScanImages checks images at plan time: 1 to 100 (the attribute
// says so too), no cicd, each a selector of exactly one image (the rules
// of hss_image, per element).
func validateScanImages(ctx context.Context, list types.List, diags *diag.Diagnostics) {
	if list.IsNull() || list.IsUnknown() {
		return
	}
	base := path.Root("images")
	if n := len(list.Elements()); n < 1 || n > maxScanImages {
		diags.AddAttributeError(base, "Invalid images", fmt.Sprintf("images names 1 to %d images (one scan request takes at most %d), got %d.", maxScanImages, maxScanImages, n))
		return
	}
	for i, el := range list.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			if ok && obj.IsNull() {
				diags.AddAttributeError(base.AtListIndex(i), "Invalid images", fmt.Sprintf("images[%d] is null: each element selects one image.", i))
			}
			continue
		}
		var m scanImageModel
		if d := obj.As(ctx, &m, basetypes.ObjectAsOptions{}); d.HasError() {
			diags.Append(d...)
			continue
		}
		at := base.AtListIndex(i)
		if m.ImageType.ValueString() == "cicd" {
			diags.AddAttributeError(at.AtName("image_type"), "CI/CD images cannot be scanned on request",
				fmt.Sprintf("images[%d]: HSS's manual scan task takes local and repository images only, not image_type \"cicd\": "+
					"a CI/CD image is scanned by its pipeline plugin. Use one of %s.", i, quotedList(scanImageTypes)))
			continue
		}
		var local diag.Diagnostics
		validateSelector(&local, m.ImageType, m.args())
		for _, d := range local {
			name := ""
			if dp, ok := d.(diag.DiagnosticWithPath); ok {
				if steps := dp.Path().Steps(); len(steps) > 0 {
					if s, ok := steps[len(steps)-1].(path.PathStepAttributeName); ok {
						name = string(s)
					}
				}
			}
			detail := fmt.Sprintf("images[%d]: %s", i, d.Detail())
			if name == "" {
				diags.AddAttributeError(at, d.Summary(), detail)
			} else {
				diags.AddAttributeError(at.AtName(name), d.Summary(), detail)
			}
		}
	}
}

// scanSpec is what a scan takes.
type scanSpec struct {
	scope       client.Scope
	selectors   []scanImageModel
	synchronize bool
	timeout     time.Duration
	timeoutName string // "timeouts.create" or "timeout"
}

func scanImagesOf(ctx context.Context, list types.List, diags *diag.Diagnostics) []scanImageModel {
	var out []scanImageModel
	diags.Append(list.ElementsAs(ctx, &out, false)...)
	return out
}

// scanTarget is one image of a scan: its identity as resolved, the
// baseline recorded before asking, and whether it was asked for.
type scanTarget struct {
	identity images.Image
	since    images.Baseline
	asked    bool
	last     images.Image // as HSS showed it last
}

// scanRun is a scan underway: what state records of it.
type scanRun struct {
	requestedAt time.Time
	targets     []scanTarget
}

type scanReporter func(string)

func (r scanReporter) say(format string, args ...any) {
	if r != nil {
		r(fmt.Sprintf(format, args...))
	}
}

// scanContext bounds everything a scan does by its timeout, whose expiry
// is named in errors.
func scanContext(ctx context.Context, s scanSpec) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.timeout, fmt.Errorf("%s (%s) ran out", s.timeoutName, s.timeout))
}

// resolveScanImages finds each selected image exactly. An image HSS does
// not list makes, with synchronize, one synchronise request per SWR image
// type (private_image, shared_image) and one synchronise task for the
// registries of the other types (syncRegistries), then a wait for it to
// appear; without, it is the lookup's error.
func resolveScanImages(ctx context.Context, c *client.Client, s scanSpec, say scanReporter) ([]images.Image, error) {
	found := make([]images.Image, len(s.selectors))
	var missing []int
	for i, sel := range s.selectors {
		q := sel.query()
		list, err := images.Find(ctx, c, s.scope, q)
		if err != nil {
			return nil, scanBoundError(ctx, fmt.Errorf("images[%d]: listing HSS images: %w", i, err))
		}
		switch len(list) {
		case 1:
			found[i] = list[0]
		case 0:
			missing = append(missing, i)
		default:
			_, err := images.Lookup(ctx, c, s.scope, q) // its ambiguity error names the candidates
			return nil, fmt.Errorf("images[%d]: %w", i, err)
		}
	}
	if len(missing) == 0 {
		return found, nil
	}
	if !s.synchronize {
		i := missing[0]
		_, err := images.Lookup(ctx, c, s.scope, s.selectors[i].query())
		return nil, fmt.Errorf("images[%d]: %w (synchronize is false: the registry was not synchronised)", i, err)
	}
	var types []string
	var others []int // missing images of the other repository types
	for _, i := range missing {
		t := s.selectors[i].ImageType.ValueString()
		if !slices.Contains(client.SynchronizeTypes, t) {
			others = append(others, i)
			continue
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	var regs []client.RegistryRef
	all := false
	for _, i := range others {
		r, err := syncRegistries(ctx, c, s.scope, i, s.selectors[i])
		if err != nil {
			return nil, err
		}
		if r == nil {
			all = true
		}
		for _, ref := range r {
			if !slices.Contains(regs, ref) {
				regs = append(regs, ref)
			}
		}
	}
	if len(others) > 0 {
		if all {
			regs = nil
		}
		if err := c.CreateImageSynchronizeTask(ctx, s.scope, regs, all); err != nil {
			return nil, scanBoundError(ctx, fmt.Errorf("asking HSS to synchronise %s: %w", registriesText(regs), err))
		}
		say.say("Asked HSS to synchronise %s: %d image(s) not listed yet.", registriesText(regs), len(others))
	}
	for _, t := range types {
		if err := c.RunImageSynchronize(ctx, s.scope, t); err != nil {
			return nil, scanBoundError(ctx, fmt.Errorf("synchronising HSS's %s list: %w", t, err))
		}
		say.say("Asked HSS to synchronise its %s list: %d image(s) not listed yet.", t, len(missing))
	}
	fresh := client.Fresh(ctx)
	wait := time.Second
	for round := 1; len(missing) > 0; round++ {
		if err := images.Pause(ctx, wait); err != nil {
			var names []string
			for _, i := range missing {
				names = append(names, fmt.Sprintf("images[%d] (%s)", i, labelOf(s.selectors[i])))
			}
			return nil, fmt.Errorf("%v before HSS listed %s after synchronising its registry", context.Cause(ctx), strings.Join(names, ", "))
		}
		wait = min(2*wait, 15*time.Second)
		var still []int
		for _, i := range missing {
			list, err := images.Find(fresh, c, s.scope, s.selectors[i].query())
			if err != nil {
				return nil, scanBoundError(ctx, fmt.Errorf("images[%d]: listing HSS images: %w", i, err))
			}
			switch len(list) {
			case 1:
				found[i] = list[0]
				say.say("HSS lists %s now.", list[0].Label())
			case 0:
				still = append(still, i)
			default:
				_, err := images.Lookup(fresh, c, s.scope, s.selectors[i].query())
				return nil, fmt.Errorf("images[%d]: %w", i, err)
			}
		}
		missing = still
		if len(missing) > 0 {
			say.say("Waiting for HSS to list %d synchronised image(s) (round %d).", len(missing), round)
		}
	}
	return found, nil
}

// syncRegistries are the registries to synchronise so that HSS lists the
// image selector i selects, of a type RunImageSynchronize does not take
// (instance_image, harbor, jfrog). The image is not listed, so its own
// registry_id is unknown; it is read from the images HSS lists of the same
// type and, when the selector sets them, of the same registry_name and
// instance_id: every such registry, and no other. A selector naming a
// registry_name or instance_id of which HSS lists no image is an error
// (no request: the provider cannot tell that registry's id, and
// synchronising every registry for a name it does not know could be a
// typo that waits out the timeout). nil, with no error: HSS lists no
// registry of that type at all, so nothing narrower than every registry
// can be asked for.
func syncRegistries(ctx context.Context, c *client.Client, scope client.Scope, i int, sel scanImageModel) ([]client.RegistryRef, error) {
	t := sel.ImageType.ValueString()
	sq := sel.query()
	q := images.Query{ImageType: t, RegistryName: sq.RegistryName, InstanceID: sq.InstanceID}
	list, err := images.Find(ctx, c, scope, q)
	if err != nil {
		return nil, scanBoundError(ctx, fmt.Errorf("images[%d]: listing HSS's %s images to find the registry to synchronise: %w", i, t, err))
	}
	var refs []client.RegistryRef
	for _, img := range list {
		if img.RegistryID == "" {
			continue
		}
		ref := client.RegistryRef{ID: img.RegistryID, Type: img.RegistryType}
		if !slices.Contains(client.RegistryTypes, ref.Type) {
			ref.Type = client.RegistryTypeOf(t)
		}
		if !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	if len(refs) > 0 {
		return refs, nil
	}
	if q.RegistryName != nil || q.InstanceID != nil {
		return nil, fmt.Errorf("images[%d]: HSS lists no %s image with %s, and no %s image of that registry at all, so the provider cannot tell "+
			"which registry to synchronise (its registry_id is read from the images HSS lists): check registry_name and instance_id, "+
			"or synchronise the registry in the HSS console once", i, t, labelOf(sel), t)
	}
	return nil, nil
}

// registriesText names what a synchronise task asks for.
func registriesText(regs []client.RegistryRef) string {
	if len(regs) == 0 {
		return "every registry (HSS lists no image of the registry type yet, so no narrower request is possible)"
	}
	var ids []string
	for _, r := range regs {
		ids = append(ids, r.Type+" registry "+r.ID)
	}
	return strings.Join(ids, ", ")
}

// scanBoundError names the bound when ctx ended.
func scanBoundError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%v: %w", context.Cause(ctx), err)
	}
	return err
}

// newScanRun records each resolved image's baseline: before anything is asked.
func newScanRun(found []images.Image) *scanRun {
	run := &scanRun{}
	for _, img := range found {
		run.targets = append(run.targets, scanTarget{identity: img, since: images.BaselineOf(&img), last: img})
	}
	return run
}

// unasked is how many targets of run HSS was not asked to scan yet.
func (run *scanRun) unasked() int {
	n := 0
	for _, t := range run.targets {
		if !t.asked {
			n++
		}
	}
	return n
}

// requestScans asks HSS to scan every target not asked for yet: one
// request per global image type, in the order the types first appear.
// started is called once the first request was accepted (state records
// the run before anything else can fail). A request that was refused
// leaves its images not asked; one whose answer was lost may have started
// scans nobody will wait for: the error says so.
func requestScans(ctx context.Context, c *client.Client, scope client.Scope, run *scanRun, say scanReporter, started func()) error {
	var globals []string
	groups := map[string][]int{}
	for i, t := range run.targets {
		if t.asked {
			continue
		}
		g, err := client.GlobalImageType(t.identity.ImageType)
		if err != nil {
			return fmt.Errorf("%s: %w", t.identity.Label(), err)
		}
		if _, ok := groups[g]; !ok {
			globals = append(globals, g)
		}
		groups[g] = append(groups[g], i)
	}
	for _, g := range globals {
		records := make([]client.ImageRecord, 0, len(groups[g]))
		for _, i := range groups[g] {
			records = append(records, run.targets[i].identity.ImageRecord)
		}
		if run.requestedAt.IsZero() {
			run.requestedAt = time.Now().UTC()
		}
		sent := time.Now().UTC()
		if err := c.CreateManualImageScanTask(ctx, scope, records, client.ScanTaskOptions{}); err != nil {
			return scanRequestError(ctx, g, len(records), sent, err)
		}
		for _, i := range groups[g] {
			run.targets[i].asked = true
		}
		say.say("HSS accepted the scan of %d %s image(s).", len(records), g)
		if started != nil {
			started()
		}
	}
	return nil
}

// scanRequestError explains a failed scan request: refused (nothing
// started), or its answer lost (scans may have started).
func scanRequestError(ctx context.Context, global string, n int, sent time.Time, err error) error {
	var apiErr *client.APIError
	var dnsErr *net.DNSError
	err = scanBoundError(ctx, err)
	switch {
	case ctx.Err() != nil:
	case errors.As(err, &apiErr) && (apiErr.StatusCode < 500 || apiErr.StatusCode == http.StatusServiceUnavailable):
		return fmt.Errorf("asking HSS to scan %d %s image(s): %w", n, global, err)
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr):
		return fmt.Errorf("asking HSS to scan %d %s image(s): %w", n, global, err)
	}
	return fmt.Errorf("asking HSS to scan %d %s image(s): %w\n\nHSS may have started these scans: the request may have reached it, "+
		"but no answer came back (sent at %s UTC). They are not recorded as asked for: applying again asks again "+
		"(scans can be billed per scan; the HSS console's scan task list shows whether one started)", n, global, err, sent.Format(time.DateTime))
}

// identityQuery selects exactly the image resolved before asking.
func identityQuery(img *images.Image) images.Query {
	name, version := img.ImageName, img.ImageVersion
	return images.Query{
		ImageType: img.ImageType, Namespace: nonEmpty(img.Namespace), ImageName: &name, ImageVersion: &version,
		InstanceID: nonEmpty(img.InstanceID), RegistryName: nonEmpty(img.RegistryName), ImageID: nonEmpty(img.ImageID),
	}
}

// waitForScans waits for every target's requested scan to end after its
// baseline. Each round's last view of the images is kept in run, so that
// state records it when the wait does not finish.
func waitForScans(ctx context.Context, c *client.Client, scope client.Scope, run *scanRun, say scanReporter) error {
	targets := make([]images.Target, len(run.targets))
	for i := range run.targets {
		targets[i] = images.Target{Query: identityQuery(&run.targets[i].identity), Since: run.targets[i].since}
	}
	got, err := images.WaitForScan(ctx, c, scope, targets, images.Poll{Progress: func(p images.Progress) {
		for i := range p.Images {
			if i < len(run.targets) && p.Images[i].ImageType != "" {
				run.targets[i].last = p.Images[i]
			}
		}
		say.say("Waiting for HSS to scan: %s", p)
	}})
	var failed *images.ScanFailedError
	if errors.As(err, &failed) {
		for i := range run.targets {
			if sameImage(&run.targets[i].identity, &failed.Image) {
				run.targets[i].last = failed.Image
			}
		}
		return fmt.Errorf("%w (scan_status %q, scan_failed_code %q: %s)", err, failed.Image.ScanStatus, failed.Image.ScanFailedCode, failed.Image.ScanFailedDesc)
	}
	if err != nil {
		return err
	}
	for i := range got {
		run.targets[i].last = got[i]
	}
	say.say("HSS scanned all %d image(s).", len(got))
	return nil
}

// sameImage: b is the image a identifies (every identifying field a has is b's).
func sameImage(a, b *images.Image) bool {
	eq := func(x, y string) bool { return x == "" || x == y }
	return a.ImageType == b.ImageType && a.ImageName == b.ImageName && a.ImageVersion == b.ImageVersion &&
		eq(a.Namespace, b.Namespace) && eq(a.InstanceID, b.InstanceID) && eq(a.RegistryName, b.RegistryName) && eq(a.ImageID, b.ImageID)
}

func msTime(ms int64) types.String {
	if ms <= 0 {
		return types.StringNull()
	}
	return types.StringValue(time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
}

func strOrNull(s string) types.String { return types.StringPointerValue(nonEmpty(s)) }

// results renders the run as state records it.
func (run *scanRun) results() []scanResultModel {
	out := make([]scanResultModel, len(run.targets))
	for i, t := range run.targets {
		id, last := t.identity, t.last
		status := last.ScanStatus
		if !t.asked {
			status = scanNotRequested
		}
		out[i] = scanResultModel{
			ImageType: types.StringValue(id.ImageType), Namespace: strOrNull(id.Namespace), ImageName: types.StringValue(id.ImageName),
			ImageVersion: types.StringValue(id.ImageVersion), InstanceID: strOrNull(id.InstanceID), RegistryName: strOrNull(id.RegistryName),
			ImageID: strOrNull(id.ImageID), Digest: strOrNull(id.ImageDigest), ScanStatus: types.StringValue(status),
			ScannedAt: msTime(last.LatestScanTime), PreviousScannedAt: msTime(t.since.LatestScanTime),
		}
	}
	return out
}

// scanRunFromResults is the run state recorded, for a resumed wait: the
// identity of each image, whether it was asked for, and its baseline (its
// previous_scanned_at, and, as the status before the request, the status
// last shown: the wait was still pending with it, so a failure shown then
// is from before the request, and any other status means a failure from
// now on is the scan's result).
func scanRunFromResults(requestedAt time.Time, results []scanResultModel) (*scanRun, error) {
	run := &scanRun{requestedAt: requestedAt}
	for i, r := range results {
		var img images.Image
		img.ImageType, img.Namespace, img.ImageName, img.ImageVersion = r.ImageType.ValueString(), r.Namespace.ValueString(), r.ImageName.ValueString(), r.ImageVersion.ValueString()
		img.InstanceID, img.RegistryName, img.ImageID, img.ImageDigest = r.InstanceID.ValueString(), r.RegistryName.ValueString(), r.ImageID.ValueString(), r.Digest.ValueString()
		var since images.Baseline
		if !r.PreviousScannedAt.IsNull() {
			t, err := time.Parse(time.RFC3339Nano, r.PreviousScannedAt.ValueString())
			if err != nil {
				return nil, fmt.Errorf("results[%d].previous_scanned_at: %w", i, err)
			}
			since.LatestScanTime = t.UnixMilli()
		}
		status := r.ScanStatus.ValueString()
		asked := status != scanNotRequested
		if asked {
			since.ScanStatus = status
			img.ScanStatus = status
		}
		if !r.ScannedAt.IsNull() {
			if t, err := time.Parse(time.RFC3339Nano, r.ScannedAt.ValueString()); err == nil {
				img.LatestScanTime = t.UnixMilli()
			}
		}
		// The record HSS must be asked with is read again before asking.
		run.targets = append(run.targets, scanTarget{identity: img, since: since, asked: asked, last: img})
	}
	return run, nil
}

// scanDone: the result shows a scan later than its baseline that succeeded.
func (r *scanResultModel) done() bool {
	if r.ScanStatus.ValueString() != client.ScanSuccess || r.ScannedAt.IsNull() {
		return false
	}
	if r.PreviousScannedAt.IsNull() {
		return true
	}
	a, err1 := time.Parse(time.RFC3339Nano, r.ScannedAt.ValueString())
	b, err2 := time.Parse(time.RFC3339Nano, r.PreviousScannedAt.ValueString())
	return err1 == nil && err2 == nil && a.After(b)
}

func failedScanStatus(s string) bool {
	switch s {
	case client.ScanFailed, client.ScanDownloadFailed, client.ScanImageOversized:
		return true
	}
	return false
}

// scanFingerprint identifies a scan by everything that defines it.
func scanFingerprint(scope client.Scope, selectors []scanImageModel, synchronize bool, triggers types.Map) string {
	type sel struct{ T, NS, N, V, I, R, ID *string }
	var all []sel
	for _, m := range selectors {
		all = append(all, sel{stringOrNil(m.ImageType), stringOrNil(m.Namespace), stringOrNil(m.ImageName), stringOrNil(m.ImageVersion),
			stringOrNil(m.InstanceID), stringOrNil(m.RegistryName), stringOrNil(m.ImageID)})
	}
	body, _ := json.Marshal(all) // plain fields: never fails
	return queryID("image_scan", scope.Region, scope.EnterpriseProjectID, string(body), fmt.Sprint(synchronize), triggers.String())
}

// pendingScans holds the unfinished scans of hss_image_scan resources
// deleted in this apply (tainted ones being replaced), by fingerprint, for
// the Create that replaces them: see image_scan_resource.go.
type pendingScans struct {
	mu    sync.Mutex
	scans map[string]pendingScan
}

type pendingScan struct {
	requestedAt time.Time
	results     []scanResultModel
}

func (p *pendingScans) remember(key string, s pendingScan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scans == nil {
		p.scans = map[string]pendingScan{}
	}
	p.scans[key] = s
}

func (p *pendingScans) take(key string) (pendingScan, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.scans[key]
	delete(p.scans, key)
	return s, ok
}
