package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*parseImageRefFunction)(nil)

// NewParseImageRefFunction is provider::hss::parse_image_ref.
func NewParseImageRefFunction() function.Function {
	return &parseImageRefFunction{}
}

type parseImageRefFunction struct{}

var imageRefAttrTypes = map[string]attr.Type{
	"registry":      types.StringType,
	"namespace":     types.StringType,
	"image_name":    types.StringType,
	"image_version": types.StringType,
	"digest":        types.StringType,
}

func (f *parseImageRefFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_image_ref"
}

func (f *parseImageRefFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Split a container image reference into the parts HSS filters on",
		Description: "Parses an image reference as written in Kubernetes manifests and `docker pull` " +
			"(`swr.cn-north-4.myhuaweicloud.com/shop/web:2.0`, `shop/web:2.0`, `nginx`, `registry:5000/team/app@sha256:...`) " +
			"into `registry`, `namespace`, `image_name`, `image_version` and `digest`, with Docker's conventions: " +
			"no registry means `docker.io`, a one-part Docker Hub name is in namespace `library`, and a reference with neither tag nor digest means tag `latest`. " +
			"Parts that are absent are null: `namespace` for a one-part name outside Docker Hub, `image_version` for a digest-only reference, `digest` without one. " +
			"The first path component is the registry only when it contains `.` or `:` or is `localhost`. Works offline; an invalid reference is an error.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:        "reference",
				Description: "The image reference to parse.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: imageRefAttrTypes},
	}
}

func (f *parseImageRefFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var ref string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &ref))
	if resp.Error != nil {
		return
	}
	parsed, err := parseImageRef(ref)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("invalid image reference %q: %v", ref, err))
		return
	}
	obj, diags := types.ObjectValue(imageRefAttrTypes, map[string]attr.Value{
		"registry":      types.StringValue(parsed.registry),
		"namespace":     types.StringPointerValue(parsed.namespace),
		"image_name":    types.StringValue(parsed.name),
		"image_version": types.StringPointerValue(parsed.version),
		"digest":        types.StringPointerValue(parsed.digest),
	})
	resp.Error = function.ConcatFuncErrors(resp.Error, function.FuncErrorFromDiags(ctx, diags))
	if resp.Error == nil {
		resp.Error = resp.Result.Set(ctx, obj)
	}
}

type imageRef struct {
	registry  string
	namespace *string
	name      string
	version   *string
	digest    *string
}

// The grammar of github.com/distribution/reference.
var (
	pathComponentRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)
	tagRe           = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRe        = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)
	sha256Re        = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	hostLabelRe     = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainRe        = regexp.MustCompile(`^(?:` + hostLabelRe + `(?:\.` + hostLabelRe + `)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$`)
)

const (
	defaultRegistry  = "docker.io"
	defaultNamespace = "library"
	defaultTag       = "latest"
	maxNameLength    = 255
)

func parseImageRef(ref string) (*imageRef, error) {
	if ref == "" {
		return nil, fmt.Errorf("it is empty")
	}
	if strings.TrimSpace(ref) != ref || strings.ContainsAny(ref, " \t\n") {
		return nil, fmt.Errorf("it contains white space")
	}
	out := &imageRef{}
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		d := name[i+1:]
		name = name[:i]
		if !digestRe.MatchString(d) || (strings.HasPrefix(d, "sha256:") && !sha256Re.MatchString(d)) {
			return nil, fmt.Errorf("digest %q is not algorithm:hex (sha256 takes 64 lower-case hex digits)", d)
		}
		out.digest = &d
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		tag := name[i+1:]
		name = name[:i]
		if !tagRe.MatchString(tag) {
			return nil, fmt.Errorf("tag %q must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'", tag)
		}
		out.version = &tag
	}
	if out.version == nil && out.digest == nil {
		tag := defaultTag
		out.version = &tag
	}

	parts := strings.Split(name, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		if !domainRe.MatchString(parts[0]) {
			return nil, fmt.Errorf("registry %q is not a host name with an optional port", parts[0])
		}
		out.registry = parts[0]
		parts = parts[1:]
	} else {
		out.registry = defaultRegistry
	}
	if out.registry == "index.docker.io" {
		out.registry = defaultRegistry
	}
	for _, p := range parts {
		if !pathComponentRe.MatchString(p) {
			return nil, fmt.Errorf("path component %q must be lower-case letters and digits, separated by '.', '_', '__' or '-'", p)
		}
	}
	if len(name) > maxNameLength {
		return nil, fmt.Errorf("the name is %d characters long, at most %d are allowed", len(name), maxNameLength)
	}
	out.name = parts[len(parts)-1]
	switch {
	case len(parts) > 1:
		ns := strings.Join(parts[:len(parts)-1], "/")
		out.namespace = &ns
	case out.registry == defaultRegistry:
		ns := defaultNamespace
		out.namespace = &ns
	}
	return out, nil
}
