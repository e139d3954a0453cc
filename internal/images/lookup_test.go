package images

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// An ambiguity error suggests the argument, or the fewest arguments, that
// tell every candidate apart, and no argument when none does.
func TestAmbiguousSuggestsWhatTellsThemApart(t *testing.T) {
	img := func(instance, registry, id string) Image {
		return Image{ImageRecord: client.ImageRecord{ImageType: "instance_image", Namespace: "platform", ImageName: "proxy", ImageVersion: "1.0",
			InstanceID: instance, RegistryName: registry, ImageID: id}}
	}
	for _, tc := range []struct {
		name   string
		args   []string
		images []Image
		want   string
	}{
		{"instance", nil, []Image{img("a", "X", "1"), img("b", "X", "1")}, "Set instance_id to choose one."},
		{"registry", nil, []Image{img("a", "X", "1"), img("a", "Y", "1")}, "Set registry_name to choose one."},
		{"image id", nil, []Image{img("a", "X", "1"), img("a", "X", "2")}, "Set image_id to choose one."},
		{"the first that does", nil, []Image{img("a", "X", "1"), img("a", "Y", "2")}, "Set registry_name to choose one."},
		{"two together", nil, []Image{img("a", "X", "1"), img("a", "Y", "1"), img("b", "X", "1")}, "Set instance_id and registry_name to choose one."},
		{"none", nil, []Image{img("a", "X", "1"), img("a", "X", "1")},
			"No argument tells them apart: they have the same instance_id, registry_name and image_id, so this read fails rather than pick one."},
		{"none of the data source's", []string{"instance_id", "image_id"}, []Image{img("a", "X", "1"), img("a", "Y", "1")},
			"No argument tells them apart: they have the same instance_id and image_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ambiguous(Query{ImageType: "instance_image", Distinguishers: tc.args}, tc.images)
			var le *LookupError
			if !errors.As(err, &le) || le.Summary != "Image selector matches more than one image" || !strings.Contains(le.Detail, tc.want) {
				t.Errorf("got %v, want a detail containing %q", err, tc.want)
			}
		})
	}
}
