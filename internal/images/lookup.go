package images

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// LookupError is a query that does not select exactly one image. Summary
// and Detail are a diagnostic's.
type LookupError struct {
	Summary string
	Detail  string
}

func (e *LookupError) Error() string { return e.Summary + ": " + e.Detail }

// Lookup finds exactly one image, or says why not with a *LookupError: not
// found (with the closest names HSS has in the namespace), or ambiguous
// (with the candidates and the argument that tells them apart). Other
// errors are the client's.
func Lookup(ctx context.Context, c *client.Client, scope client.Scope, q Query) (*Image, error) {
	images, err := Find(ctx, c, scope, q)
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

// Label renders the arguments q sets, as a user would write them.
func (q *Query) Label() string {
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

func notFound(ctx context.Context, c *client.Client, scope client.Scope, q Query) error {
	detail := fmt.Sprintf("HSS lists no image with %s", q.Label())
	if scope.EnterpriseProjectID != "" {
		detail += fmt.Sprintf(" in enterprise project %q", scope.EnterpriseProjectID)
	}
	detail += "."
	if slices.Contains(RepositoryTypes, q.ImageType) {
		detail += " A repository image appears only once HSS has synchronised its registry, so it may also not be synchronised yet."
	}
	detail += " Either way no number about it can be trusted: this read fails instead of reporting zeros."
	// The closest names HSS has in the same namespace (or, for local images, at all).
	near := Query{ImageType: q.ImageType, Namespace: q.Namespace}
	if q.ImageType == "local_image" {
		near.Namespace = nil
	}
	if others, err := Find(ctx, c, scope, near); err == nil && len(others) > 0 {
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
	return &LookupError{Summary: "Image not found in HSS", Detail: detail}
}

func ambiguous(q Query, images []Image) error {
	args := q.Distinguishers
	if args == nil {
		args = []string{"instance_id", "registry_name", "image_id"}
	}
	var lines []string
	for _, img := range images[:min(10, len(images))] {
		lines = append(lines, fmt.Sprintf("  - %s (instance_id %q, registry_name %q, image_id %q, digest %q)", img.Label(), img.InstanceID, img.RegistryName, img.ImageID, img.ImageDigest))
	}
	if len(images) > 10 {
		lines = append(lines, fmt.Sprintf("  - and %d more", len(images)-10))
	}
	get := map[string]func(*Image) string{
		"instance_id":   func(img *Image) string { return img.InstanceID },
		"registry_name": func(img *Image) string { return img.RegistryName },
		"image_id":      func(img *Image) string { return img.ImageID },
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
	return &LookupError{
		Summary: "Image selector matches more than one image",
		Detail: fmt.Sprintf("%d images match %s:\n%s\n\nSet %s to choose one.",
			len(images), q.Label(), strings.Join(lines, "\n"), argument),
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
