package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The filter is described three times for three readers (the schema table,
// the Terraform model, the JSON body); this keeps them the same list, in the
// same order, with matching kinds.
func TestImageFilterTableModelAndBodyAgree(t *testing.T) {
	model := reflect.TypeFor[imageFilterModel]()
	body := reflect.TypeFor[client.ImageFilter]()
	if model.NumField() != len(imageFilterFields) || body.NumField() != len(imageFilterFields) {
		t.Fatalf("table %d fields, model %d, body %d", len(imageFilterFields), model.NumField(), body.NumField())
	}
	wantModel := map[filterKind]string{filterString: "basetypes.StringValue", filterBool: "basetypes.BoolValue", filterInt: "basetypes.Int64Value", filterList: "basetypes.ListValue"}
	wantBody := map[filterKind]string{filterString: "*string", filterBool: "*bool", filterInt: "*int64", filterList: "[]string"}
	for i, f := range imageFilterFields {
		mf, bf := model.Field(i), body.Field(i)
		if tag := mf.Tag.Get("tfsdk"); tag != f.name {
			t.Errorf("field %d: table %s, model tag %s", i, f.name, tag)
		}
		if tag, _, _ := strings.Cut(bf.Tag.Get("json"), ","); tag != f.name {
			t.Errorf("field %d: table %s, JSON name %s", i, f.name, tag)
		}
		if !strings.HasSuffix(bf.Tag.Get("json"), ",omitempty") {
			t.Errorf("%s: unset values must be omitted from the body", f.name)
		}
		if got := mf.Type.String(); got != wantModel[f.kind] {
			t.Errorf("%s: model type %s, want %s", f.name, got, wantModel[f.kind])
		}
		if got := bf.Type.String(); got != wantBody[f.kind] {
			t.Errorf("%s: body type %s, want %s", f.name, got, wantBody[f.kind])
		}
		if f.desc == "" {
			t.Errorf("%s has no description", f.name)
		}
	}
}
