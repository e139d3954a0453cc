// Package images resolves images exactly over HSS's lists, and judges scan
// freshness: which images a query selects (every page read, every name
// compared here, because HSS's name filters may match substrings), exactly
// one image or an error saying why not, and whether an image's last scan
// lets its numbers be trusted; and the vulnerability findings of one image
// as the policy engine (internal/gate) takes them (Findings).
//
// It is plain Go over internal/client and internal/gate: the Terraform surface
// (internal/provider) turns its answers and errors into attributes and
// diagnostics.
package images

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Image types by the list that knows them.
var (
	// RepositoryTypes are the image types of the repository image list.
	RepositoryTypes = []string{"private_image", "shared_image", "instance_image", "harbor", "jfrog"}
	// LookupTypes are every image type a Query may select.
	LookupTypes = append(append([]string(nil), RepositoryTypes...), "local_image", "cicd")
)

// Query selects images. Nil fields select everything; the rest must be
// equal, compared here whatever HSS matched.
type Query struct {
	ImageType     string
	Namespace     *string
	ImageName     *string
	ImageVersion  *string
	InstanceID    *string
	RegistryName  *string
	ImageID       *string
	ScanStatus    *string // verbatim, except that "success" selects only images Scanned by every signal
	SeverityLevel *string
	LatestVersion *bool
	// Distinguishers are the arguments that can tell images apart, in the
	// order an ambiguity error suggests them; default instance_id,
	// registry_name, image_id.
	Distinguishers []string
}

// Image is one image: for a local image, the records of every host that
// has the same name, tag and digest, merged.
type Image struct {
	client.ImageRecord
	Hosts []string
	// newestScan is the newest scan time of any host's record of a local
	// image (LatestScanTime is the oldest), so that ScanProblem sees a
	// host's scan time ahead of now.
	newestScan int64
}

// Label names an image as a user would write it.
func (img *Image) Label() string {
	s := img.ImageName + ":" + img.ImageVersion
	if img.Namespace != "" {
		s = img.Namespace + "/" + s
	}
	return img.ImageType + " " + s
}

// Find reads every image q selects, sorted by type, namespace, name, tag,
// instance, registry and image id.
func Find(ctx context.Context, c *client.Client, scope client.Scope, q Query) ([]Image, error) {
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
	switch { // a local image's status is known only once its hosts are grouped
	case q.ScanStatus == nil:
	case *q.ScanStatus == client.ScanSuccess: // by every signal, not scan_status alone
		images = slices.DeleteFunc(images, func(img Image) bool { return !img.Scanned() })
	default:
		images = slices.DeleteFunc(images, func(img Image) bool { return img.ScanStatus != *q.ScanStatus })
	}
	slices.SortFunc(images, func(a, b Image) int {
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
// its hosts' records together. Find filters again anyway.
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

// matches reports whether a list record is one q selects: every argument
// q sets is equal.
func (q *Query) matches(r *client.ImageRecord) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	return r.ImageType == q.ImageType &&
		eq(q.Namespace, r.Namespace) && eq(q.ImageName, r.ImageName) && eq(q.ImageVersion, r.ImageVersion) &&
		eq(q.InstanceID, r.InstanceID) && eq(q.RegistryName, r.RegistryName) && eq(q.ImageID, r.ImageID) &&
		eq(q.SeverityLevel, r.SeverityLevel) && (q.LatestVersion == nil || *q.LatestVersion == r.LatestVersion)
}

// groupHosts merges the per-host records of a local image (same name, tag
// and digest) into one image, scanned only when every record is (by
// recordFailure, every failure signal): the status, failure code and
// description are the first unsuccessful record's, the scan time the oldest, a
// count the highest (unknown if any host's is).
func groupHosts(records []client.ImageRecord) []Image {
	var out []Image
	index := map[string]int{}
	for _, r := range records {
		if r.ImageType != "local_image" {
			out = append(out, Image{ImageRecord: r})
			continue
		}
		key := r.ImageName + "\x00" + r.ImageVersion + "\x00" + r.ImageDigest
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, Image{ImageRecord: r, Hosts: hostList(r), newestScan: r.LatestScanTime})
			continue
		}
		img := &out[i]
		img.Hosts = append(img.Hosts, hostList(r)...)
		if recordFailure(&img.ImageRecord) == "" && recordFailure(&r) != "" {
			img.ScanStatus, img.ScanFailedCode, img.ScanFailedDesc = r.ScanStatus, r.ScanFailedCode, r.ScanFailedDesc
			img.SeverityLevel = r.SeverityLevel
		}
		if r.LatestScanTime < img.LatestScanTime {
			img.LatestScanTime = r.LatestScanTime
		}
		img.newestScan = max(img.newestScan, r.LatestScanTime)
		img.LatestUpdateTime = max(img.LatestUpdateTime, r.LatestUpdateTime)
		img.VulNum = maxCount(img.VulNum, r.VulNum)
		img.UnsafeSettingNum = maxCount(img.UnsafeSettingNum, r.UnsafeSettingNum)
		img.MaliciousFileNum = maxCount(img.MaliciousFileNum, r.MaliciousFileNum)
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
