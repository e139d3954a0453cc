package client_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// A temporary-key source, and the simulator endpoint that counts its
// sign-ins.
type tempSource struct {
	name    string
	signsIn simulator.Endpoint
	setUp   func(t *testing.T, srv string, cfg *client.Config)
}

var tempSources = []tempSource{
	{"ECS metadata", simulator.MetadataSecurityKey, func(_ *testing.T, srv string, cfg *client.Config) {
		cfg.Credentials = client.Credentials{}
		cfg.Metadata = &client.MetadataSource{Endpoint: srv}
	}},
	{"agency through IAM", simulator.IAMSecurityTokens, func(_ *testing.T, _ string, cfg *client.Config) {
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	}},
	{"agency through STS", simulator.STSAssume, func(_ *testing.T, _ string, cfg *client.Config) {
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	}},
	{"OIDC", simulator.IAMIDTokens, func(t *testing.T, _ string, cfg *client.Config) {
		file := filepath.Join(t.TempDir(), "id-token")
		if err := os.WriteFile(file, []byte(simulator.DefaultIDToken), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.Credentials = client.Credentials{}
		cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDTokenFile: file, AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	}},
}

func readOne(c *client.Client, name string) error {
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr(name)})
	return err
}

// Keys that have expired when they arrive are refused with an error that
// says so, before any HSS request is signed with them; each read asks the
// source once, never in a loop.
func TestKeysExpiredOnReceiptAreRefused(t *testing.T) {
	for _, src := range tempSources {
		t.Run(src.name, func(t *testing.T) {
			clk := &clock{now: time.Now()}
			sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
			sim.SetCredentialLifetime(-time.Minute)
			c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.Now = clk.Now; src.setUp(t, srv.URL, cfg) })
			for i := 1; i <= 2; i++ {
				err := readOne(c, fmt.Sprint("r", i))
				var ee *client.ExpiredCredentialsError
				var ce *client.CredentialError
				if !errors.As(err, &ee) || !errors.As(err, &ce) || !strings.Contains(err.Error(), "expired at ") || !strings.Contains(err.Error(), "this machine's clock") {
					t.Fatalf("read %d: got %v, want an error saying the keys came expired", i, err)
				}
				if n := sim.Count(src.signsIn); n != i {
					t.Fatalf("after %d reads, %d sign-ins at %s: want one per read", i, n, src.signsIn)
				}
			}
			if n := sim.Count(simulator.BaselineStatistic); n != 0 {
				t.Fatalf("%d HSS requests signed with keys that came expired", n)
			}
			// Keys that work again are taken at once.
			sim.SetCredentialLifetime(0)
			if err := readOne(c, "ok"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Keys revoked while in use: the reads that meet the 401 sign in again
// once, together, and each is retried once.
func TestRevokedTemporaryKeysSignInAgainOnce(t *testing.T) {
	for _, src := range tempSources {
		t.Run(src.name, func(t *testing.T) {
			sim, srv := startSim(t)
			c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { src.setUp(t, srv.URL, cfg) })
			readMany(t, c, 1, "a")
			if n := sim.RevokeIssuedCredentials(); n == 0 {
				t.Fatal("nothing to revoke")
			}
			readMany(t, c, 30, "b")
			if n := sim.Count(src.signsIn); n != 2 {
				t.Fatalf("%d sign-ins at %s, want 2: the first and exactly one more for 30 reads that met the 401", n, src.signsIn)
			}
			unauthorized, perRead := 0, map[string]int{}
			for _, r := range sim.Requests() {
				if r.Endpoint != simulator.BaselineStatistic {
					continue
				}
				perRead[r.Query.Get("image_name")]++
				if r.Status == 401 {
					unauthorized++
				}
			}
			if unauthorized == 0 {
				t.Fatal("no read met the revoked keys: the test proves nothing")
			}
			for name, n := range perRead {
				if n > 2 {
					t.Fatalf("read %s sent %d times, want at most 2", name, n)
				}
			}
		})
	}
}

const gateway401 = `{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "request_id": "gw-401"}`

// A read that meets a 401 again after signing in again ends with that 401,
// HSS's error as it came, after exactly one more sign-in.
func TestSecond401IsTheAPIError(t *testing.T) {
	for _, src := range tempSources {
		t.Run(src.name, func(t *testing.T) {
			sim, srv := startSim(t)
			c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { src.setUp(t, srv.URL, cfg) })
			readMany(t, c, 1, "a")
			sim.InjectAt(simulator.BaselineStatistic, simulator.Fault{Status: 401, Body: gateway401, Times: 2})
			err := readOne(c, "twice")
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "APIGW.0301" || apiErr.RequestID == "" ||
				!strings.Contains(apiErr.Message, "verify aksk signature fail") {
				t.Fatalf("got %v, want the 401 with its code, message and request id", err)
			}
			if n := sim.Count(src.signsIn); n != 2 {
				t.Fatalf("%d sign-ins at %s, want 2: the first and exactly one after the 401", n, src.signsIn)
			}
			if n := sim.Count(simulator.BaselineStatistic); n != 3 {
				t.Fatalf("%d HSS requests, want 3: the first read, the 401 and its one retry", n)
			}
			// The keys are good; the next read uses them.
			if err := readOne(c, "after"); err != nil {
				t.Fatal(err)
			}
			if n := sim.Count(src.signsIn); n != 2 {
				t.Fatalf("%d sign-ins after a good read, want 2", n)
			}
		})
	}
}

// Signing in again that gives keys already expired ends the read: one
// more sign-in, no loop.
func TestResignInWithExpiredKeysEnds(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	})
	readMany(t, c, 1, "a")
	sim.RevokeIssuedCredentials()
	sim.SetCredentialLifetime(-time.Second)
	err := readOne(c, "b")
	var ee *client.ExpiredCredentialsError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want the keys that came expired", err)
	}
	if n := sim.Count(simulator.IAMSecurityTokens); n != 2 {
		t.Fatalf("%d sign-ins, want 2", n)
	}
}

// Long-lived credentials (access keys, a user's token, temporary keys
// configured as they are) cannot be replaced: their 401 is the answer,
// sent once.
func TestLongLivedCredentials401IsNotRetried(t *testing.T) {
	for name, creds := range map[string]client.Credentials{"aksk": aksk, "token": token, "configured temporary keys": temp} {
		t.Run(name, func(t *testing.T) {
			sim, srv := startSim(t)
			sim.InjectAt(simulator.BaselineStatistic, simulator.Fault{Status: 401, Body: gateway401})
			c := newClient(t, srv.URL, creds)
			var apiErr *client.APIError
			if err := readOne(c, "x"); !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
				t.Fatalf("got %v", err)
			}
			if n := len(sim.Requests()); n != 1 {
				t.Fatalf("%d requests, want the one read", n)
			}
		})
	}
}

// An export (a POST that creates a task) is sent again after a 401 only
// when the gateway refused it (APIGW.*): HSS never saw it. A 401 from
// behind the gateway may come after HSS acted: the export is not re-sent.
func TestExportResentOnlyAfterTheGateways401(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   simulator.Fault
		posts   int
		tasks   int
		signIns int
	}{
		{"the gateway's 401", simulator.Fault{Status: 401, Body: gateway401}, 2, 1, 2},
		{"HSS's 401", simulator.Fault{Status: 401, Body: `{"error_code": "HSS.1001", "error_msg": "The token has expired."}`, AfterAction: true}, 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, srv := startSim(t)
			c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
				cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
			})
			sim.InjectAt(simulator.BaselineExport, tc.fault)
			_, err := c.ExportBaseline(context.Background(), client.Scope{}, 10, client.ImageFilter{OperateAll: ptr(true)})
			if (err == nil) != (tc.posts == 2) {
				t.Fatalf("err = %v", err)
			}
			if n := sim.Count(simulator.BaselineExport); n != tc.posts {
				t.Fatalf("%d export POSTs, want %d", n, tc.posts)
			}
			if n := sim.ExportsCreated(); n != tc.tasks {
				t.Fatalf("%d export tasks, want %d", n, tc.tasks)
			}
			if n := sim.Count(simulator.IAMSecurityTokens); n != tc.signIns {
				t.Fatalf("%d sign-ins, want %d", n, tc.signIns)
			}
		})
	}
}

// Keys kept after a failed refresh (still valid by their expiry) that HSS
// refuses are dropped like any others: the read signs in again and works.
func TestKeptKeysRefusedSignInAgain(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(3 * time.Second)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	})
	readMany(t, c, 1, "a")
	clk.Advance(2500 * time.Millisecond) // inside the margin, still valid
	sim.Inject(simulator.Fault{Endpoint: simulator.IAMSecurityTokens, Status: 500, Times: 4})
	sim.RevokeIssuedCredentials()
	if err := readOne(c, "b"); err != nil {
		t.Fatal(err)
	}
	if n := sim.CredentialsIssued(); n != 2 {
		t.Fatalf("%d keys issued, want 2: the first, and after the failed refresh and the 401", n)
	}
	if n := sim.Answered(401); n != 1 {
		t.Fatalf("%d answers 401, want 1", n)
	}
}

// IAM's project lookup is a read signed with the client's keys like HSS's:
// its 401 signs in again once too.
func TestProjectLookupSignsInAgain(t *testing.T) {
	sim := simulator.New(simulator.Options{Projects: testProjects})
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.ProjectID = ""
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	})
	readMany(t, c, 1, "a")
	sim.RevokeIssuedCredentials()
	if id, err := c.Project(context.Background(), "ap-southeast-1"); err != nil || id != testProjects[1].ID {
		t.Fatalf("got %q, %v", id, err)
	}
	if n, m := sim.Count(simulator.IAMSecurityTokens), sim.Answered(401); n != 2 || m != 1 {
		t.Fatalf("%d sign-ins and %d answers 401, want 2 and 1", n, m)
	}
}
