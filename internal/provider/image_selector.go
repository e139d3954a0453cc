package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// imageSelectorModel holds the image filters of the baseline statistic,
// which the security summary takes too. It is embedded in both models.
type imageSelectorModel struct {
	Namespace    types.String `tfsdk:"namespace"`
	ImageName    types.String `tfsdk:"image_name"`
	ImageVersion types.String `tfsdk:"image_version"`
	InstanceID   types.String `tfsdk:"instance_id"`
	ImageID      types.String `tfsdk:"image_id"`
}

// imageSelectorAttributes adds the selector's arguments to a data source schema.
func imageSelectorAttributes(attrs map[string]schema.Attribute) {
	text := func(maxLen int, desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc, Validators: []validator.String{text(), stringvalidator.LengthAtMost(maxLen)}}
	}
	attrs["namespace"] = text(65535, "Organization (namespace) of the images.")
	attrs["image_name"] = text(65535, "Image name, without organization or tag.")
	attrs["image_version"] = text(65535, "Image tag.")
	attrs["instance_id"] = text(128, "ID of the SWR enterprise edition instance; not needed for the shared edition.")
	attrs["image_id"] = text(128, "Image ID, as HSS lists it.")
}

// baselineQuery is the selector as the baseline statistic takes it; only
// the arguments that are set are sent.
func (m *imageSelectorModel) baselineQuery(imageType string) client.BaselineStatisticQuery {
	return client.BaselineStatisticQuery{
		ImageType:    imageType,
		Namespace:    stringOrNil(m.Namespace),
		ImageName:    stringOrNil(m.ImageName),
		ImageVersion: stringOrNil(m.ImageVersion),
		InstanceID:   stringOrNil(m.InstanceID),
		ImageID:      stringOrNil(m.ImageID),
	}
}

// idParts renders a query for queryID: unset and empty differ.
func idParts(q client.BaselineStatisticQuery) []string {
	parts := []string{q.ImageType}
	for _, p := range []*string{q.Namespace, q.ImageName, q.ImageVersion, q.InstanceID, q.ImageID} {
		parts = append(parts, optPart(p))
	}
	return parts
}
