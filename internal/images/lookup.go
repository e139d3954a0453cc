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
	advice := fmt.Sprintf("No argument tells them apart: they have the same %s, so this read fails rather than pick one.", andList(args))
	if set := distinguishing(args, images); set != nil {
		advice = fmt.Sprintf("Set %s to choose one.", andList(set))
	}
	return &LookupError{
		Summary: "Image selector matches more than one image",
		Detail:  fmt.Sprintf("%d images match %s:\n%s\n\n%s", len(images), q.Label(), strings.Join(lines, "\n"), advice),
	}
}

// distinguishing is the first of args, or else the smallest combination of
// them (in the order of args), whose values differ for every image; nil
// when none does: an argument is suggested only when setting it can
// choose one image.
func distinguishing(args []string, images []Image) []string {
	get := map[string]func(*Image) string{
		"instance_id":   func(img *Image) string { return img.InstanceID },
		"registry_name": func(img *Image) string { return img.RegistryName },
		"image_id":      func(img *Image) string { return img.ImageID },
	}
	tellsApart := func(set []string) bool {
		seen := map[string]bool{}
		for i := range images {
			var key []string
			for _, name := range set {
				key = append(key, get[name](&images[i]))
			}
			k := strings.Join(key, "\x00")
			if seen[k] {
				return false
			}
			seen[k] = true
		}
		return true
	}
	for size := 1; size <= len(args); size++ {
		if set := firstSubset(args, size, tellsApart); set != nil {
			return set
		}
	}
	return nil
}

// firstSubset is the first subset of args of the given size, in the order
// of args, that ok accepts.
func firstSubset(args []string, size int, ok func([]string) bool) []string {
	var walk func(start int, set []string) []string
	walk = func(start int, set []string) []string {
		if len(set) == size {
			if ok(set) {
				return slices.Clone(set)
			}
			return nil
		}
		for i := start; i < len(args); i++ {
			if found := walk(i+1, append(set, args[i])); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(0, nil)
}

// andList renders names as "a", "a and b" or "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
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
