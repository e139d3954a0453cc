package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/gate"
)

// ErrNoLocalList is the refusal of Findings for a local image: HSS keeps
// its per-image vulnerability list for repository and CI/CD images only.
var ErrNoLocalList = errors.New("HSS keeps no per-image vulnerability list for local images")

// Findings reads the vulnerability findings of one image, as the policy
// engine takes them: every row of HSS's per-image list (both types, handled
// and unhandled, every page), each joined with the CVEs of its
// vulnerability (read once per vulnerability and provider process, per
// vulnerability or from the tenant-wide list, whichever costs fewer
// requests: client.VulnerabilityCVEs).
//
// The id in the request path is the one the image's list record gives for
// its type (client.ImageRecord.VulnerabilityQuery: a repository image's
// numeric record id, a CI/CD image's image_id); which one HSS wants is not
// verified against a live account. A finding's severity is HSS's
// repair_necessity on the policy's scale (gate.NormalizeHSSSeverity), its
// CVE ids are upper case and sorted, its CVSS the highest of its CVEs' and
// its publish time the earliest (nil when its vulnerability has no CVE or
// no CVE has a time); package is app_name, path app_path, layer position.
//
// It fails closed: a local image (ErrNoLocalList), an image whose last
// scan did not succeed by every signal (Image.Scanned: HSS's empty list
// for it proves nothing), an unknown severity (naming the field and the
// image, never read as a lower one), and an image whose list record counts
// vulnerabilities (vul_num) while its per-image list has none (the list
// was read for the wrong id, or is wrong) are errors, never zero findings.
// Findings are sorted: severity (highest first), CVSS (highest first,
// unknown last), vul_id, package, version, path, layer, type.
func Findings(ctx context.Context, c *client.Client, scope client.Scope, img *Image) ([]gate.Finding, error) {
	switch {
	case img.ImageType == "local_image":
		return nil, fmt.Errorf("%s: %w", img.Label(), ErrNoLocalList)
	case img.ImageType == "":
		return nil, fmt.Errorf("reading the vulnerabilities of %s: its image type is not known", img.Label())
	case !img.Scanned():
		return nil, fmt.Errorf("reading the vulnerabilities of %s: an image HSS has not scanned successfully has no findings that prove anything: %s",
			img.Label(), strings.TrimSuffix(scanFailure(img), "."))
	}
	rows, err := c.ListImageVulnerabilities(ctx, scope, img.VulnerabilityQuery())
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && img.VulNum != nil && *img.VulNum > 0 {
		return nil, fmt.Errorf("reading the vulnerabilities of %s: HSS's image list counts %d vulnerabilities for it (vul_num) "+
			"but its per-image vulnerability list is empty: the two contradict each other, so no finding can be trusted and this read fails instead of reporting none",
			img.Label(), *img.VulNum)
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.VulID)
	}
	cves, err := c.VulnerabilityCVEs(ctx, scope, ids)
	if err != nil {
		return nil, err
	}
	out := make([]gate.Finding, 0, len(rows))
	for i := range rows {
		f, err := finding(img, &rows[i], cves[rows[i].VulID])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b gate.Finding) int { return gate.CompareFindings(&a, &b) })
	return out, nil
}

// finding joins one row of the per-image list with its vulnerability's
// CVEs.
func finding(img *Image, r *client.ImageVulnerability, cves []client.CVE) (gate.Finding, error) {
	if r.VulID == "" { // the client refuses such rows; this is the last line
		return gate.Finding{}, fmt.Errorf("a vulnerability of %s has no vul_id", img.Label())
	}
	sev, err := gate.NormalizeHSSSeverity(r.Severity)
	if err != nil {
		return gate.Finding{}, fmt.Errorf("vulnerability %s of %s: repair_necessity: %w", r.VulID, img.Label(), err)
	}
	f := gate.Finding{
		VulID: r.VulID, Severity: sev, HSSSeverity: r.Severity, Type: r.Type, Handled: r.Handled,
		Package: r.AppName, Version: r.Version, Path: r.AppPath, Layer: r.Position, Solution: r.Solution, URL: r.URL,
	}
	for _, cve := range cves {
		if strings.TrimSpace(cve.ID) == "" {
			return gate.Finding{}, fmt.Errorf("vulnerability %s of %s: a CVE has no cve_id", r.VulID, img.Label())
		}
		f.CVEIDs = append(f.CVEIDs, strings.ToUpper(cve.ID))
		if f.MaxCVSS == nil || cve.CVSS > *f.MaxCVSS {
			v := cve.CVSS
			f.MaxCVSS = &v
		}
		if cve.PublishTime > 0 {
			t := time.UnixMilli(cve.PublishTime).UTC()
			if f.PublishedAt == nil || t.Before(*f.PublishedAt) {
				f.PublishedAt = &t
			}
		}
	}
	slices.Sort(f.CVEIDs)
	f.CVEIDs = slices.Compact(f.CVEIDs)
	return f, nil
}

// GateImage is the identity of img as the policy engine takes it (for
// exceptions limited to an image, and the report).
func GateImage(img *Image) gate.Image {
	g := gate.Image{Type: img.ImageType, Namespace: img.Namespace, Name: img.ImageName, Tag: img.ImageVersion,
		Digest: img.ImageDigest, ID: img.ImageID}
	if img.LatestScanTime > 0 {
		g.ScanTime = time.UnixMilli(img.LatestScanTime).UTC()
	}
	return g
}

// LookupDeployed finds the deployed version of img's repository that the
// ratchet (new_only_against) compares against, with Lookup: the same type,
// namespace, name, instance and registry as img, tag version. Not found
// and ambiguous are *LookupError, as for Lookup.
func LookupDeployed(ctx context.Context, c *client.Client, scope client.Scope, img *Image, version string) (*Image, error) {
	q := Query{ImageType: img.ImageType, ImageName: &img.ImageName, ImageVersion: &version}
	// Empty values are not sent: HSS reads an empty filter as none. They
	// are compared below instead.
	for _, f := range []struct {
		dst **string
		v   string
	}{{&q.Namespace, img.Namespace}, {&q.InstanceID, img.InstanceID}, {&q.RegistryName, img.RegistryName}} {
		if f.v != "" {
			v := f.v
			*f.dst = &v
		}
	}
	found, err := Lookup(ctx, c, scope, q)
	if err != nil {
		return nil, err
	}
	if found.Namespace != img.Namespace || found.InstanceID != img.InstanceID || found.RegistryName != img.RegistryName {
		return nil, &LookupError{
			Summary: "Image not found in HSS",
			Detail: fmt.Sprintf("The deployed version %q of %s is not in the same repository: HSS lists %s (instance_id %q, registry_name %q), "+
				"not in namespace %q, instance_id %q, registry_name %q.", version, img.Label(), found.Label(), found.InstanceID, found.RegistryName,
				img.Namespace, img.InstanceID, img.RegistryName),
		}
	}
	return found, nil
}
