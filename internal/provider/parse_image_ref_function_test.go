package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImageRef(t *testing.T) {
	null := "<null>"
	tests := []struct {
		ref                                    string
		registry, namespace, name, tag, digest string
	}{
		{"swr.cn-north-4.myhuaweicloud.com/shop/web:2.0", "swr.cn-north-4.myhuaweicloud.com", "shop", "web", "2.0", null},
		{"shop/web:2.0", "docker.io", "shop", "web", "2.0", null},
		{"nginx", "docker.io", "library", "nginx", "latest", null},
		{"nginx:1.27-alpine", "docker.io", "library", "nginx", "1.27-alpine", null},
		{"docker.io/nginx", "docker.io", "library", "nginx", "latest", null},
		{"index.docker.io/library/nginx", "docker.io", "library", "nginx", "latest", null},
		{"swr.cn-north-4.myhuaweicloud.com/shop/web@" + digest, "swr.cn-north-4.myhuaweicloud.com", "shop", "web", null, digest},
		{"shop/web:2.0@" + digest, "docker.io", "shop", "web", "2.0", digest},
		{"registry.local:5000/team/app:v1", "registry.local:5000", "team", "app", "v1", null},
		{"localhost:5000/app", "localhost:5000", null, "app", "latest", null},
		{"localhost/app", "localhost", null, "app", "latest", null},
		{"[::1]:5000/app:1", "[::1]:5000", null, "app", "1", null},
		{"registry:5000/app", "registry:5000", null, "app", "latest", null},
		{"ghcr.io/org/group/sub/app:1.0", "ghcr.io", "org/group/sub", "app", "1.0", null},
		{"my_org/web-app__x:tag_1.2-rc.3", "docker.io", "my_org", "web-app__x", "tag_1.2-rc.3", null},
		{"a/b", "docker.io", "a", "b", "latest", null},
	}
	for _, tt := range tests {
		got, err := parseImageRef(tt.ref)
		if err != nil {
			t.Errorf("%s: %v", tt.ref, err)
			continue
		}
		str := func(p *string) string {
			if p == nil {
				return null
			}
			return *p
		}
		if got.registry != tt.registry || str(got.namespace) != tt.namespace || got.name != tt.name || str(got.version) != tt.tag || str(got.digest) != tt.digest {
			t.Errorf("%s:\n got %s | %s | %s | %s | %s\nwant %s | %s | %s | %s | %s", tt.ref,
				got.registry, str(got.namespace), got.name, str(got.version), str(got.digest),
				tt.registry, tt.namespace, tt.name, tt.tag, tt.digest)
		}
	}
}

func TestParseImageRefErrors(t *testing.T) {
	tests := map[string]string{
		"":                                     "empty",
		" nginx":                               "white space",
		"nginx latest":                         "white space",
		"Shop/Web:2.0":                         "path component \"Shop\"",
		"shop/web:":                            "tag \"\"",
		"shop/web:-x":                          "tag \"-x\"",
		"shop/web:" + strings.Repeat("t", 129): "tag",
		"shop/web@sha256:abc":                  "digest",
		"shop/web@" + strings.ToUpper(digest):  "digest",
		"shop//web":                            "path component \"\"",
		"shop/web/":                            "path component \"\"",
		"bad_host.com:x/app":                   "registry",
		"-bad.example.com/app":                 "registry",
		"shop/" + strings.Repeat("a", 300):     "at most 255",
		"shop/web@":                            "digest",
		":tag":                                 "path component \"\"",
	}
	for ref, want := range tests {
		_, err := parseImageRef(ref)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error about %s", ref, err, want)
		}
	}
}

// Run through the framework: the result object, nulls included, and the
// function error on bad input.
func TestParseImageRefFunctionRun(t *testing.T) {
	f := NewParseImageRefFunction()
	run := func(ref string) function.RunResponse {
		resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(imageRefAttrTypes))}
		f.Run(t.Context(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(ref)})}, &resp)
		return resp
	}
	resp := run("localhost:5000/app@" + digest)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	want, _ := types.ObjectValue(imageRefAttrTypes, map[string]attr.Value{
		"registry": types.StringValue("localhost:5000"), "namespace": types.StringNull(), "image_name": types.StringValue("app"),
		"image_version": types.StringNull(), "digest": types.StringValue(digest),
	})
	if !resp.Result.Value().Equal(want) {
		t.Fatalf("got %s, want %s", resp.Result.Value(), want)
	}
	resp = run("Bad/Ref")
	if resp.Error == nil || resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 || !strings.Contains(resp.Error.Text, `invalid image reference "Bad/Ref"`) {
		t.Fatalf("got %v", resp.Error)
	}
}

func TestAccParseImageRefFunction(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
output "ref" {
  value = provider::hss::parse_image_ref("swr.cn-north-4.myhuaweicloud.com/shop/web:2.0")
}
output "hub" {
  value = provider::hss::parse_image_ref("nginx")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("ref", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"registry":      knownvalue.StringExact("swr.cn-north-4.myhuaweicloud.com"),
						"namespace":     knownvalue.StringExact("shop"),
						"image_name":    knownvalue.StringExact("web"),
						"image_version": knownvalue.StringExact("2.0"),
						"digest":        knownvalue.Null(),
					})),
					statecheck.ExpectKnownOutputValue("hub", knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"registry":      knownvalue.StringExact("docker.io"),
						"namespace":     knownvalue.StringExact("library"),
						"image_version": knownvalue.StringExact("latest"),
					})),
				},
			},
			{
				Config:      `output "bad" { value = provider::hss::parse_image_ref("Shop/Web") }`,
				ExpectError: errorLike(`invalid image reference "Shop/Web"`, `path component "Shop" must be lower-case`),
			},
		},
	})
}

// FuzzParseImageRef: never panics, and a reference it accepts, written
// back from its parts, parses to the same parts.
func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{"nginx", "shop/web:2.0", "swr.cn-north-4.myhuaweicloud.com/shop/web:2.0", "localhost:5000/app@" + digest,
		"[::1]:5000/a/b/c:tag", "Shop/Web", "a//b", "x:y:z", "@sha256:", "registry:5000/app", "index.docker.io/library/nginx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		got, err := parseImageRef(ref)
		if err != nil {
			return
		}
		s := got.registry + "/"
		if got.namespace != nil {
			s += *got.namespace + "/"
		}
		s += got.name
		if got.version != nil {
			s += ":" + *got.version
		}
		if got.digest != nil {
			s += "@" + *got.digest
		}
		again, err := parseImageRef(s)
		if err != nil {
			t.Fatalf("%q parsed, but its parts %q do not: %v", ref, s, err)
		}
		if again.registry != got.registry || !strings.EqualFold(ptrString(again.namespace), ptrString(got.namespace)) ||
			again.name != got.name || ptrString(again.version) != ptrString(got.version) || ptrString(again.digest) != ptrString(got.digest) {
			t.Fatalf("%q and %q parse differently", ref, s)
		}
	})
}

func ptrString(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
