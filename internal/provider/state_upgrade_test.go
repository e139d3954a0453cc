package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	tfconfig "github.com/hashicorp/terraform-plugin-testing/config"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Safe upgrades: state written by a released version is read by this one.
//
// testdata/state/<resource type>/v<N>.tfstate is a terraform.tfstate that
// Terraform wrote with the provider at the resource's schema version N,
// from the case's fixture config (every argument it can set). A fixture is
// never regenerated once released: it is what users' state files look
// like. To add one for a new schema version, set HSS_WRITE_STATE_FIXTURES=1
// and run the resource's StateUpgrade test; the file is written from the
// current build, at its version.
//
// When a resource's schema changes in a way older state does not fit (an
// attribute renamed, its type changed), bump its schema version constant,
// add an upgrader from every older version in its UpgradeState, and keep
// the older fixtures: each must still plan empty.

// stateUpgradeCase is one resource whose state fixtures are planned.
type stateUpgradeCase struct {
	// typeName is the resource type, e.g. hss_image_scan; its fixtures are
	// in testdata/state/<typeName without hss_>.
	typeName string
	// newResource makes the resource; its Schema gives the version.
	newResource func() resource.Resource
	// version is the resource's schema version constant.
	version int64
	// newEnv starts the simulator the fixture is written and planned with.
	newEnv func(t *testing.T) *testEnv
	// config is the configuration the fixtures were applied with; it is
	// planned again against each of them.
	config string
	// prime, if set, brings a fresh simulator to what the fixture records
	// (so that refresh finds it) before the fixture is planned.
	prime func(t *testing.T, e *testEnv)
	// stateChecks are checked after the empty plan, on the upgraded state.
	stateChecks []statecheck.StateCheck
	// check, if set, is checked after the empty plan (e.g. that nothing
	// was asked of HSS).
	check func(e *testEnv) tfresource.TestCheckFunc
}

func (c stateUpgradeCase) dir() string {
	return filepath.Join("testdata", "state", c.typeName[len("hss_"):])
}

func (c stateUpgradeCase) fixture(version int64) string {
	return filepath.Join(c.dir(), fmt.Sprintf("v%d.tfstate", version))
}

// withLocalState writes config, with a local backend keeping the state in
// state, to a file of its own: plugin-testing runs init with a step's
// ConfigFile, so the backend is initialised (with Config it is not).
func withLocalState(t *testing.T, state, config string) func(tfconfig.TestStepConfigRequest) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "main.tf")
	body := fmt.Sprintf("terraform {\n  backend \"local\" {\n    path = %q\n  }\n}\n", state) + config
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return tfconfig.StaticFile(file)
}

// testSchemaVersionHasFixtures: the schema declares the version constant,
// every version up to it has a fixture, and every older one an upgrader.
func testSchemaVersionHasFixtures(t *testing.T, c stateUpgradeCase) {
	t.Helper()
	var resp resource.SchemaResponse
	c.newResource().Schema(t.Context(), resource.SchemaRequest{}, &resp)
	if resp.Schema.Version != c.version {
		t.Fatalf("%s: schema version %d, constant %d", c.typeName, resp.Schema.Version, c.version)
	}
	r, ok := c.newResource().(resource.ResourceWithUpgradeState)
	if !ok {
		t.Fatalf("%s has no UpgradeState", c.typeName)
	}
	upgraders := r.UpgradeState(t.Context())
	for v := int64(0); v <= c.version; v++ {
		if _, err := os.Stat(c.fixture(v)); err != nil {
			t.Errorf("%s: no state fixture for schema version %d (write it with HSS_WRITE_STATE_FIXTURES=1): %v", c.typeName, v, err)
		}
		if _, ok := upgraders[v]; v < c.version && !ok {
			t.Errorf("%s: no state upgrader from schema version %d to %d", c.typeName, v, c.version)
		}
	}
}

// testStateUpgrade plans the case's config against the state of every
// schema version: Terraform upgrades it (UpgradeResourceState), refreshes
// it and plans no change. With HSS_WRITE_STATE_FIXTURES set it writes the
// fixture of the current version instead.
func testStateUpgrade(t *testing.T, c stateUpgradeCase) {
	t.Helper()
	if os.Getenv("HSS_WRITE_STATE_FIXTURES") != "" {
		writeStateFixture(t, c)
		return
	}
	fixtures, err := filepath.Glob(filepath.Join(c.dir(), "v*.tfstate"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no state fixtures in %s: %v", c.dir(), err)
	}
	for _, fixture := range fixtures {
		t.Run(filepath.Base(fixture), func(t *testing.T) {
			t.Parallel()
			e := c.newEnv(t)
			if c.prime != nil {
				c.prime(t, e)
			}
			data, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			state := filepath.Join(t.TempDir(), "terraform.tfstate")
			if err := os.WriteFile(state, data, 0o600); err != nil {
				t.Fatal(err)
			}
			step := tfresource.TestStep{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				ConfigFile:               withLocalState(t, state, e.config(c.config)),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: c.stateChecks,
			}
			if c.check != nil {
				step.Check = c.check(e)
			}
			tfresource.UnitTest(t, tfresource.TestCase{Steps: []tfresource.TestStep{step}})
		})
	}
}

// writeStateFixture applies the case's config with the current build and
// keeps the state Terraform wrote, as the fixture of the current schema
// version.
func writeStateFixture(t *testing.T, c stateUpgradeCase) {
	t.Helper()
	e := c.newEnv(t)
	state := filepath.Join(t.TempDir(), "terraform.tfstate")
	fixture := c.fixture(c.version)
	tfresource.UnitTest(t, tfresource.TestCase{
		Steps: []tfresource.TestStep{{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			ConfigFile:               withLocalState(t, state, e.config(c.config)),
			Check: func(*terraform.State) error {
				data, err := os.ReadFile(state)
				if err != nil {
					return err
				}
				if err := os.MkdirAll(c.dir(), 0o755); err != nil {
					return err
				}
				return os.WriteFile(fixture, data, 0o644)
			},
		}},
	})
	t.Logf("wrote %s", fixture)
}
