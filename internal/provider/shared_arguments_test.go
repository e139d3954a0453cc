package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// An argument several types share reads the same in each of them.
func TestSharedArgumentsReadTheSame(t *testing.T) {
	server, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]*tfprotov6.SchemaBlock{}
	for name, s := range resp.DataSourceSchemas {
		blocks["data source "+name] = s.Block
	}
	for name, s := range resp.ResourceSchemas {
		blocks["resource "+name] = s.Block
	}
	for name, s := range resp.ActionSchemas {
		blocks["action "+name] = s.Schema.Block
	}
	want := map[string]string{
		"region":                regionDescription,
		"enterprise_project_id": enterpriseProjectIDDescription,
		"export_size":           exportSizeDescription,
		"wait_for_completion":   waitDescription,
		"output_path":           outputPathDescription,
	}
	seen := map[string]int{}
	for where, b := range blocks {
		for _, a := range b.Attributes {
			if desc, ok := want[a.Name]; ok {
				seen[a.Name]++
				if !strings.HasPrefix(a.Description, desc) {
					t.Errorf("%s: %s reads %q, want it to start with %q", where, a.Name, a.Description, desc)
				}
			}
		}
	}
	for name := range want {
		if seen[name] < 2 {
			t.Errorf("%s is in %d types; the test expects it shared", name, seen[name])
		}
	}
}
