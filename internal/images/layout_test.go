package images

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The package is plain Go: imports run provider -> images -> client, and
// nothing here may import Terraform or the provider.
func TestNoTerraformImports(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, "hashicorp/terraform") || strings.HasSuffix(p, "/internal/provider") || strings.HasSuffix(p, "/internal/simulator") {
				t.Errorf("%s imports %s: internal/images may import internal/client, internal/gate and the standard library only", e.Name(), p)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no source file checked")
	}
}
