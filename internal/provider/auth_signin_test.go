//go:build unix

package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// breakFile puts at p a sign-in file that cannot be used, of one kind.
func breakFile(t *testing.T, p, kind string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "symlink loop":
		if err = os.Symlink(p+".b", p); err == nil {
			err = os.Symlink(p, p+".b")
		}
	case "dangling link":
		err = os.Symlink(filepath.Join(filepath.Dir(p), "moved-away.json"), p)
	case "directory":
		err = os.Mkdir(p, 0o700)
	case "fifo":
		if err = syscall.Mkfifo(p, 0o600); err == nil {
			t.Cleanup(func() { // release whatever is still blocked opening it
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
			})
		}
	case "oversized":
		body := fmt.Sprintf(`{"current":"dev","profiles":[{"name":"dev","mode":"AKSK","accessKeyId":%q,"secretAccessKey":%q,"padding":%q}]}`,
			simulator.DefaultAccessKey, simulator.DefaultSecretKey, strings.Repeat("x", client.MaxProfileFileSize))
		err = os.WriteFile(p, []byte(body), 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

var brokenKinds = map[string]string{
	"symlink loop":  "is a symbolic link loop",
	"dangling link": "is a symbolic link to",
	"directory":     "is not a regular file but a directory",
	"fifo":          "is not a regular file but a named pipe (FIFO)",
	"oversized":     "is larger than",
}

// A profile file that is there but cannot be read is an error naming it,
// whether it was named (shared_config_file, HW_SHARED_CONFIG_FILE) or is
// KooCLI's default: never a hang (a FIFO), never a quiet move on to the
// next source (the ECS metadata service).
func TestSignInRefusesBrokenProfileFiles(t *testing.T) {
	for kind, want := range brokenKinds {
		for _, how := range []string{"default", "argument", "environment"} {
			t.Run(kind+" "+how, func(t *testing.T) {
				home := t.TempDir()
				t.Setenv("HOME", home)
				file := filepath.Join(home, ".hcloud", "config.json")
				m := providerModel{}
				switch how {
				case "argument":
					file = filepath.Join(t.TempDir(), "hcloud.json")
					m.SharedConfigFile = types.StringValue(file)
				case "environment":
					file = filepath.Join(t.TempDir(), "hcloud.json")
					t.Setenv(envSharedConfigFile, file)
				}
				breakFile(t, file, kind)
				done := make(chan error, 1)
				go func() { _, err := resolveSignIn(m); done <- err }()
				var err error
				select {
				case err = <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("resolving the sign-in did not return within 5 s: it blocks on the profile file")
				}
				ae, ok := asAuthError(err)
				if !ok || ae.summary != "Cannot use the KooCLI profile" || !strings.Contains(ae.detail, "the shared config file "+file+" "+want) {
					t.Fatalf("got %v, want an error naming %s that says it %s", err, file, want)
				}
			})
		}
	}
	// Only a default file that is not there at all is passed over.
	t.Setenv("HOME", t.TempDir())
	s, err := resolveSignIn(providerModel{})
	if err != nil || s.metadata == nil {
		t.Fatalf("without ~/.hcloud/config.json: %v, want the metadata service next", err)
	}
	// A named one that is not there is an error, as documented.
	t.Setenv(envSharedConfigFile, filepath.Join(t.TempDir(), "nope.json"))
	if _, err := resolveSignIn(providerModel{}); err == nil || !strings.Contains(err.Error(), "nope.json does not exist") {
		t.Fatalf("got %v", err)
	}
}

// Through Terraform: KooCLI's default file is a link to a file moved
// away, and an ECS metadata service would answer. The plan fails naming
// the file; the metadata service is never asked.
func TestAccAuthBrokenDefaultProfileIsAnError(t *testing.T) {
	e := newTestEnv(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	file := filepath.Join(home, ".hcloud", "config.json")
	breakFile(t, file, "dangling link")
	t.Setenv(envTestMetadataEndpoint, e.srv.URL)
	unitTest(t, resource.TestStep{Config: e.signInProvider(regionArg) + oneRead,
		ExpectError: errorLike("Cannot use the KooCLI profile", "the shared config file "+file+" is a symbolic link to")})
	if n := e.sim.Count(simulator.MetadataToken) + e.sim.Count(simulator.MetadataSecurityKey); n != 0 {
		t.Fatalf("%d requests to the metadata service: the broken profile fell through to it", n)
	}
	e.expectNoRequests(t)
}

// revokingServer revokes every key the simulator issued as soon as the
// provider is configured: the keys it signed in with stop working before
// its first read, as when an agency's keys are deleted mid-plan.
type revokingServer struct {
	tfprotov6.ProviderServer
	sim        *simulator.Simulator
	configures *atomic.Int64
}

func (s revokingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	resp, err := s.ProviderServer.ConfigureProvider(ctx, req)
	s.configures.Add(1)
	s.sim.RevokeIssuedCredentials()
	return resp, err
}

// Agency keys revoked after configure: the plan's reads meet 401s, the
// provider signs in again once per configure (not per read) and every read
// succeeds.
func TestAccAuthRevokedKeysRecoverMidPlan(t *testing.T) {
	e := newTestEnv(t)
	var configures atomic.Int64
	const reads = 20
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"hss": func() (tfprotov6.ProviderServer, error) {
				return revokingServer{NewProtocol6Server("test")(), e.sim, &configures}, nil
			},
		},
		Steps: []resource.TestStep{{
			Config: e.signInProvider(regionArg, keysArgs, fmt.Sprintf("project_id = %q", simulator.DefaultProjectID), fmt.Sprintf(`assume_role {
    agency_name = %q
    domain_name = %q
  }`, simulator.DefaultAgencyName, simulator.DefaultDomainName)) + fmt.Sprintf(`
data "hss_image_baseline_statistic" "x" {
  count      = %d
  image_type = "local"
  image_name = "n${count.index}"
}
`, reads),
		}},
	})
	n := int(configures.Load())
	issued, unauthorized := e.sim.CredentialsIssued(), e.sim.Answered(401)
	t.Logf("%d configures, %d keys issued, %d HSS reads, %d answered 401", n, issued, e.sim.Count(simulator.BaselineStatistic), unauthorized)
	if unauthorized == 0 {
		t.Fatal("no read met the revoked keys: the test proves nothing")
	}
	// Each configure signs in once; each that went on to read signs in
	// once more, however many of its reads met the 401.
	if issued < n+1 || issued > 2*n {
		t.Fatalf("%d keys issued for %d configures: want one re-sign-in per configure at most", issued, n)
	}
}
