package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The one image lookup of hss_image, hss_images and
// hss_image_security_summary. HSS's name filters may match substrings, so
// the lists are read in full and every name is compared here, exactly.

// Image types by the list that knows them.
var (
	repositoryImageTypes = []string{"private_image", "shared_image", "instance_image", "harbor", "jfrog"}
	lookupImageTypes     = append(append([]string(nil), repositoryImageTypes...), "local_image", "cicd")
)

// imageQuery selects images. Nil fields select everything; the rest must
// be equal, compared by the provider whatever HSS matched.
type imageQuery struct {
	ImageType     string
	Namespace     *string
	ImageName     *string
	ImageVersion  *string
	InstanceID    *string
	RegistryName  *string
	ImageID       *string
	ScanStatus    *string
	SeverityLevel *string
	LatestVersion *bool
	// distinguishers are the arguments that can tell images apart, in the
	// order an ambiguity error suggests them; default instance_id,
	// registry_name, image_id.
	distinguishers []string
}

// foundImage is one image: for a local image, the records of every host
// that has the same name, tag and digest.
type foundImage struct {
	client.ImageRecord
	Hosts []string
}

// scanned reports whether the image's last scan succeeded, every
// architecture and every host included.
func (f *foundImage) scanned() bool {
	if !client.Scanned(f.ScanStatus) {
		return false
	}
	for _, a := range f.Architectures {
		if !client.Scanned(a.ScanStatus) {
			return false
		}
	}
	return true
}

// label names an image as a user would write it.
func (f *foundImage) label() string {
	s := f.ImageName + ":" + f.ImageVersion
	if f.Namespace != "" {
		s = f.Namespace + "/" + s
	}
	return f.ImageType + " " + s
}

// findImages reads every image q selects, sorted by type, namespace, name,
// tag, instance, registry and image id.
func findImages(ctx context.Context, c *client.Client, scope client.Scope, q imageQuery) ([]foundImage, error) {
	var records []client.ImageRecord
	var err error
	switch q.ImageType {
	case "local_image":
		records, err = c.ListImageLocal(ctx, scope, client.LocalImageQuery{
			ImageName: q.ImageName, ImageVersion: q.ImageVersion, ScanStatus: requestScanStatus(q.ScanStatus, true),
		})
	case "cicd":
		records, err = c.ListCicdImages(ctx, scope, client.CicdImageQuery{
			Namespace: q.Namespace, ImageName: q.ImageName, ImageVersion: q.ImageVersion, ImageID: q.ImageID,
			ScanStatus: requestScanStatus(q.ScanStatus, false), SeverityLevel: q.SeverityLevel, LatestVersion: q.LatestVersion,
		})
	default:
		imageType := q.ImageType
		records, err = c.ListRegistryImages(ctx, scope, client.RegistryImageQuery{
			ImageType: &imageType, Namespace: q.Namespace, ImageName: q.ImageName, ImageVersion: q.ImageVersion,
			RegistryName: q.RegistryName, InstanceID: q.InstanceID,
			ScanStatus: requestScanStatus(q.ScanStatus, false), SeverityLevel: q.SeverityLevel, LatestVersion: q.LatestVersion,
		})
	}
	if err != nil {
		return nil, err
	}
	var matched []client.ImageRecord
	for _, r := range records {
		if r.ImageType == "" && !slices.Contains([]string{"local_image", "cicd"}, q.ImageType) {
			r.ImageType = q.ImageType // HSS filtered by it; the SDK lists the field, but an answer may leave it out
		}
		if q.matches(&r) {
			matched = append(matched, r)
		}
	}
	images := groupHosts(matched)
	if q.ScanStatus != nil { // a local image's status is known only once its hosts are grouped
		images = slices.DeleteFunc(images, func(f foundImage) bool { return f.ScanStatus != *q.ScanStatus })
	}
	slices.SortFunc(images, func(a, b foundImage) int {
		for _, k := range [][2]string{
			{a.ImageType, b.ImageType}, {a.Namespace, b.Namespace}, {a.ImageName, b.ImageName}, {a.ImageVersion, b.ImageVersion},
			{a.InstanceID, b.InstanceID}, {a.RegistryName, b.RegistryName}, {a.ImageID, b.ImageID}, {a.ImageDigest, b.ImageDigest},
		} {
			if c := strings.Compare(k[0], k[1]); c != 0 {
				return c
			}
		}
		return 0
	})
	return images, nil
}

// requestScanStatus is the scan_status a repository or CI/CD list's
// request takes, or nil: the response has values the request filter lacks.
// The local list gets none, because a local image's status is that of all
// its hosts' records together. The provider filters again anyway.
func requestScanStatus(s *string, local bool) *string {
	if s == nil || local {
		return nil
	}
	switch *s {
	case client.ScanUnscan, client.ScanSuccess, client.ScanScanning, client.ScanFailed, client.ScanWaitingForScan:
		return s
	}
	return nil
}

func (q *imageQuery) matches(r *client.ImageRecord) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	return r.ImageType == q.ImageType &&
		eq(q.Namespace, r.Namespace) && eq(q.ImageName, r.ImageName) && eq(q.ImageVersion, r.ImageVersion) &&
		eq(q.InstanceID, r.InstanceID) && eq(q.RegistryName, r.RegistryName) && eq(q.ImageID, r.ImageID) &&
		eq(q.SeverityLevel, r.SeverityLevel) && (q.LatestVersion == nil || *q.LatestVersion == r.LatestVersion)
}

// groupHosts merges the per-host records of a local image (same name, tag
// and digest) into one image, scanned only when every record is: the
// status is the first unsuccessful record's, the scan time the oldest, a
// count the highest (unknown if any host's is).
func groupHosts(records []client.ImageRecord) []foundImage {
	var out []foundImage
	index := map[string]int{}
	for _, r := range records {
		if r.ImageType != "local_image" {
			out = append(out, foundImage{ImageRecord: r})
			continue
		}
		key := r.ImageName + "\x00" + r.ImageVersion + "\x00" + r.ImageDigest
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, foundImage{ImageRecord: r, Hosts: hostList(r)})
			continue
		}
		f := &out[i]
		f.Hosts = append(f.Hosts, hostList(r)...)
		if client.Scanned(f.ScanStatus) && !client.Scanned(r.ScanStatus) {
			f.ScanStatus, f.ScanFailedCode, f.ScanFailedDesc = r.ScanStatus, r.ScanFailedCode, r.ScanFailedDesc
			f.SeverityLevel = r.SeverityLevel
		}
		if r.LatestScanTime < f.LatestScanTime {
			f.LatestScanTime = r.LatestScanTime
		}
		f.LatestUpdateTime = max(f.LatestUpdateTime, r.LatestUpdateTime)
		f.VulNum = maxCount(f.VulNum, r.VulNum)
		f.UnsafeSettingNum = maxCount(f.UnsafeSettingNum, r.UnsafeSettingNum)
		f.MaliciousFileNum = maxCount(f.MaliciousFileNum, r.MaliciousFileNum)
	}
	for i := range out {
		slices.Sort(out[i].Hosts)
		out[i].Hosts = slices.Compact(out[i].Hosts)
	}
	return out
}

func hostList(r client.ImageRecord) []string {
	if h := cmp.Or(r.HostName, r.HostID); h != "" {
		return []string{h}
	}
	return nil
}

func maxCount(a, b *int64) *int64 {
	if a == nil || b == nil {
		return nil
	}
	m := max(*a, *b)
	return &m
}

// lookupError is an image selector that does not select exactly one image.
type lookupError struct {
	summary string
	detail  string
}

func (e *lookupError) Error() string { return e.summary + ": " + e.detail }

// lookupImage finds exactly one image, or says why not: not found (with
// the closest names HSS has in the namespace), or ambiguous (with the
// candidates and the argument that tells them apart).
func lookupImage(ctx context.Context, c *client.Client, scope client.Scope, q imageQuery) (*foundImage, error) {
	images, err := findImages(ctx, c, scope, q)
	if err != nil {
		return nil, err
	}
	switch len(images) {
	case 1:
		return &images[0], nil
	case 0:
		return nil, notFound(ctx, c, scope, q)
	}
	return nil, ambiguous(q, images)
}

func (q *imageQuery) label() string {
	var parts []string
	add := func(name string, v *string) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s = %q", name, *v))
		}
	}
	parts = append(parts, fmt.Sprintf("image_type = %q", q.ImageType))
	add("namespace", q.Namespace)
	add("image_name", q.ImageName)
	add("image_version", q.ImageVersion)
	add("instance_id", q.InstanceID)
	add("registry_name", q.RegistryName)
	add("image_id", q.ImageID)
	return strings.Join(parts, ", ")
}

func notFound(ctx context.Context, c *client.Client, scope client.Scope, q imageQuery) error {
	detail := fmt.Sprintf("HSS lists no image with %s", q.label())
	if scope.EnterpriseProjectID != "" {
		detail += fmt.Sprintf(" in enterprise project %q", scope.EnterpriseProjectID)
	}
	detail += "."
	if slices.Contains(repositoryImageTypes, q.ImageType) {
		detail += " A repository image appears only once HSS has synchronised its registry, so it may also not be synchronised yet."
	}
	detail += " Either way no number about it can be trusted: this read fails instead of reporting zeros."
	// The closest names HSS has in the same namespace (or, for local images, at all).
	near := imageQuery{ImageType: q.ImageType, Namespace: q.Namespace}
	if q.ImageType == "local_image" {
		near.Namespace = nil
	}
	if others, err := findImages(ctx, c, scope, near); err == nil && len(others) > 0 {
		want := deref(q.ImageName) + ":" + deref(q.ImageVersion)
		names := make([]string, 0, len(others))
		for _, o := range others {
			names = append(names, o.ImageName+":"+o.ImageVersion)
		}
		names = slices.Compact(slices.Sorted(slices.Values(names)))
		slices.SortStableFunc(names, func(a, b string) int { return levenshtein(want, a) - levenshtein(want, b) })
		where := "in namespace " + fmt.Sprintf("%q", deref(q.Namespace))
		if q.Namespace == nil {
			where = "of this type"
		}
		detail += fmt.Sprintf("\n\nClosest images HSS has %s: %s.", where, strings.Join(names[:min(3, len(names))], ", "))
	}
	return &lookupError{summary: "Image not found in HSS", detail: detail}
}

func ambiguous(q imageQuery, images []foundImage) error {
	args := q.distinguishers
	if args == nil {
		args = []string{"instance_id", "registry_name", "image_id"}
	}
	var lines []string
	for _, f := range images[:min(10, len(images))] {
		lines = append(lines, fmt.Sprintf("  - %s (instance_id %q, registry_name %q, image_id %q, digest %q)", f.label(), f.InstanceID, f.RegistryName, f.ImageID, f.ImageDigest))
	}
	if len(images) > 10 {
		lines = append(lines, fmt.Sprintf("  - and %d more", len(images)-10))
	}
	get := map[string]func(*foundImage) string{
		"instance_id":   func(f *foundImage) string { return f.InstanceID },
		"registry_name": func(f *foundImage) string { return f.RegistryName },
		"image_id":      func(f *foundImage) string { return f.ImageID },
	}
	argument := args[len(args)-1]
	for _, name := range args {
		distinct := map[string]bool{}
		for i := range images {
			distinct[get[name](&images[i])] = true
		}
		if len(distinct) == len(images) {
			argument = name
			break
		}
	}
	return &lookupError{
		summary: "Image selector matches more than one image",
		detail: fmt.Sprintf("%d images match %s:\n%s\n\nSet %s to choose one.",
			len(images), q.label(), strings.Join(lines, "\n"), argument),
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// levenshtein is the edit distance of two short strings.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// addLookupError reports a failed lookup: a lookupError as it is, an API
// failure with its status, code and request id.
func addLookupError(diags *diag.Diagnostics, err error) {
	if le, ok := err.(*lookupError); ok {
		diags.AddError(le.summary, le.detail)
		return
	}
	diags.AddError("Cannot list HSS images", apiErrorDetail("image list", err))
}

// selectorQuery turns the arguments of a one-image data source into an
// imageQuery.
func selectorQuery(imageType types.String, namespace, name, version, instanceID, registryName, imageID types.String) imageQuery {
	return imageQuery{
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

// scanProblem says why an image's numbers cannot be trusted, or "" when
// its last scan succeeded (every architecture included) and is recent
// enough.
func scanProblem(f *foundImage, maxAge time.Duration, now time.Time) string {
	if !client.Scanned(f.ScanStatus) {
		msg := fmt.Sprintf("HSS's last scan of %s has scan_status %q", f.label(), f.ScanStatus)
		if f.ScanFailedCode != "" || f.ScanFailedDesc != "" {
			msg += fmt.Sprintf(" (scan_failed_code %q: %s)", f.ScanFailedCode, f.ScanFailedDesc)
		}
		if len(f.Hosts) > 1 {
			msg += fmt.Sprintf(" on at least one of its hosts (%s)", strings.Join(f.Hosts, ", "))
		}
		return msg + ", not \"success\"."
	}
	for _, a := range f.Architectures {
		if !client.Scanned(a.ScanStatus) {
			return fmt.Sprintf("%s is a multi-architecture image and HSS's last scan of its architecture image %q (digest %s) has scan_status %q, not \"success\".",
				f.label(), a.ImageID, a.ImageDigest, a.ScanStatus)
		}
	}
	if f.LatestScanTime <= 0 {
		return fmt.Sprintf("HSS reports scan_status \"success\" for %s but no scan time.", f.label())
	}
	if maxAge > 0 {
		scanned := time.UnixMilli(f.LatestScanTime).UTC()
		if age := now.Sub(scanned); age > maxAge {
			return fmt.Sprintf("HSS last scanned %s at %s, %s ago, longer than max_scan_age (%s).",
				f.label(), scanned.Format(time.RFC3339), age.Truncate(time.Minute), maxAge)
		}
	}
	return ""
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
