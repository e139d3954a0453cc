package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// clock is a time source both the simulator and the client read, moved by
// the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func startSimWith(t testing.TB, opts simulator.Options) (*simulator.Simulator, *httptest.Server) {
	t.Helper()
	sim := simulator.New(opts)
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// readMany runs n distinct baseline reads at once and fails on any error.
func readMany(t *testing.T, c *client.Client, n int, tag string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr(fmt.Sprintf("%s-%d", tag, i))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Temporary keys are refreshed once per expiry, however many reads wait,
// and every attempt is signed with the current ones.
func TestAgencyKeysRefreshOncePerExpiry(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(3 * time.Second)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName, Duration: 900 * time.Second}
	})
	readMany(t, c, 30, "a")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 1 {
		t.Fatalf("%d security token requests for 30 reads with fresh keys, want 1", n)
	}
	clk.Advance(1500 * time.Millisecond) // 1.5 s of 3 left: still more than the margin (1 s)
	readMany(t, c, 30, "b")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 1 {
		t.Fatalf("%d security token requests, want 1: refreshed too early", n)
	}
	clk.Advance(time.Second) // 0.5 s left: inside the margin
	readMany(t, c, 30, "c")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 2 {
		t.Fatalf("%d security token requests after the keys neared expiry with 30 reads waiting, want exactly 2", n)
	}
	// HSS calls carry the agency's keys, the newest ones after the refresh.
	var keys []string
	for _, r := range sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic {
			ak := between(r.Header.Get("Authorization"), "Access=", ",")
			if ak == simulator.DefaultAccessKey || r.Header.Get("X-Security-Token") == "" {
				t.Fatalf("an HSS call was signed with the base keys, not the agency's")
			}
			if len(keys) == 0 || keys[len(keys)-1] != ak {
				keys = append(keys, ak)
			}
		}
	}
	if len(keys) != 2 {
		t.Fatalf("HSS calls used %d key changes, want 2 (before and after the refresh)", len(keys))
	}
	body := string(sim.Requests()[0].Body)
	if !strings.Contains(body, `"duration_seconds":900`) || !strings.Contains(body, `"domain_name":"`+simulator.DefaultDomainName+`"`) {
		t.Fatalf("assume_role body does not carry the duration and domain: %s", body)
	}
}

// Keys that live long are replaced MaxRefreshMargin before they expire, not
// when a third of their lifetime is left.
func TestLongLivedKeysRefreshAtTheMaxMargin(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(time.Hour)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	})
	readMany(t, c, 3, "a")
	clk.Advance(time.Hour - client.MaxRefreshMargin - time.Minute) // past two thirds, outside the margin
	readMany(t, c, 3, "b")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 1 {
		t.Fatalf("%d security token requests with %s left, want 1", n, client.MaxRefreshMargin+time.Minute)
	}
	clk.Advance(2 * time.Minute) // inside the margin
	readMany(t, c, 3, "c")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 2 {
		t.Fatalf("%d security token requests inside the margin, want 2", n)
	}
}

// A refresh that fails while the current keys still work does not fail
// reads; the next try, a little later, replaces them.
func TestFailedRefreshKeepsValidKeys(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(3 * time.Second)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName}
	})
	readMany(t, c, 2, "a")
	clk.Advance(2500 * time.Millisecond) // inside the margin, still valid
	// A 500 is retried (1 + MaxRetries attempts): four fail the refresh.
	sim.Inject(simulator.Fault{Endpoint: simulator.IAMSecurityTokens, Status: 500, Times: 4})
	readMany(t, c, 5, "b")
	if n := sim.Count(simulator.IAMSecurityTokens); n != 5 {
		t.Fatalf("%d security token requests, want 5 (the first, the failed refresh's 4 attempts)", n)
	}
	clk.Advance(200 * time.Millisecond) // past the retry delay (0.5 s left / 4)
	readMany(t, c, 5, "c")
	if n := sim.CredentialsIssued(); n != 2 {
		t.Fatalf("%d keys issued, want 2: the refresh was not tried again", n)
	}
	// Once they expire, a failed refresh fails the read: no stale keys.
	clk.Advance(4 * time.Second)
	sim.Inject(simulator.Fault{Endpoint: simulator.IAMSecurityTokens, Status: 500, Times: 4})
	_, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr("d")})
	var ce *client.CredentialError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("got %v, want the refresh failure", err)
	}
}

func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}

// The simulator rejects keys once they expire, so a client that kept using
// them would meet a 401: the refresh test above proves something. The 401
// makes the client sign in again, once, and the read succeeds.
func TestExpiredKeysAreRejected(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(3 * time.Second)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) {
		cfg.AssumeRole = &client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	})
	readMany(t, c, 1, "a") // obtains keys with the real clock's view: valid for 3 s of simulated time
	clk.Advance(4 * time.Second)
	// The client's clock (time.Now) says the keys are fresh; the simulator's says expired.
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{ImageType: "local", ImageName: ptr("late")}); err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, r := range sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic && r.Status == 401 {
			refused = append(refused, r.RequestID)
		}
	}
	if len(refused) != 1 {
		t.Fatalf("%d reads refused with 401, want 1: the simulator must reject expired keys", len(refused))
	}
	if n := sim.Count(simulator.STSAssume); n != 2 {
		t.Fatalf("%d STS calls, want 2: the first and one after the 401", n)
	}
}

func TestProjectLookedUpOncePerRegion(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.ProjectID = "" })
	readMany(t, c, 20, "a")
	if n := sim.Count(simulator.IAMProjects); n != 1 {
		t.Fatalf("%d project lookups for 20 concurrent reads, want 1", n)
	}
	for _, r := range sim.Requests() {
		if r.Endpoint == simulator.BaselineStatistic && !strings.HasPrefix(r.Path, "/v5/"+simulator.DefaultProjectID+"/") {
			t.Fatalf("path %s", r.Path)
		}
	}
	if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{Region: "cn-north-1"}, client.BaselineStatisticQuery{ImageType: "local"}); err != nil {
		t.Fatal(err)
	}
	if n := sim.Count(simulator.IAMProjects); n != 2 {
		t.Fatalf("%d project lookups after a second region, want 2", n)
	}
}

func TestProjectLookupFollowsLinksAndRefusesToGuess(t *testing.T) {
	projects := []simulator.Project{{ID: "p-other", Name: "cn-south-1"}, {ID: "p-a", Name: "ap-southeast-1"}, {ID: "p-n4", Name: "cn-north-4"}, {ID: "p-a2", Name: "ap-southeast-1"}}
	sim, srv := startSimWith(t, simulator.Options{Projects: projects, ProjectsPerPage: 1})
	c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { cfg.ProjectID = "" })
	ctx := context.Background()
	if id, err := c.Project(ctx, "cn-north-4"); err != nil || id != "p-n4" {
		t.Fatalf("got %q, %v", id, err)
	}
	_, err := c.Project(ctx, "ap-southeast-1")
	var pe *client.ProjectError
	if !errors.As(err, &pe) || len(pe.Found) != 2 {
		t.Fatalf("got %v, want both projects named ap-southeast-1", err)
	}
	for _, want := range []string{`IAM has 2 projects named "ap-southeast-1" (p-a, p-a2)`, "will not guess", "Set project_id", "request id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := sim.Count(simulator.IAMProjects); n != 3 {
		t.Fatalf("%d lookups, want 3 (two pages for ap-southeast-1)", n)
	}
	_, err = c.Project(ctx, "eu-west-101")
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `IAM has no project named "eu-west-101": GET /v3/projects?name=eu-west-101 answered 0 projects`) {
		t.Fatalf("got %v", err)
	}
	// IAM's answers are kept: asking again asks IAM nothing.
	before := sim.Count(simulator.IAMProjects)
	if _, err := c.Project(ctx, "ap-southeast-1"); !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Project(ctx, "eu-west-101"); !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.IAMProjects); n != before {
		t.Fatalf("%d more lookups for answers IAM already gave", n-before)
	}
}

// links.next is followed only on the configured IAM endpoint (credentials
// go nowhere else), and a loop of links ends in an error, not a hung plan.
func TestProjectLookupRefusesForeignAndEndlessLinks(t *testing.T) {
	var foreign int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		foreign++
		fmt.Fprint(w, `{"projects": []}`)
	}))
	t.Cleanup(other.Close)
	for _, tc := range []struct{ next, want string }{
		{other.URL + "/v3/projects?name=cn-north-4&page=2", `field links.next: not a URL of the IAM endpoint`},
		{"", "field links.next: still set after 100 pages"}, // empty: this page again
	} {
		var pages int
		iam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pages++
			next := tc.next
			if next == "" {
				next = "http://" + r.Host + r.URL.RequestURI()
			}
			fmt.Fprintf(w, `{"projects": [], "links": {"next": %q}}`, next)
		}))
		c, err := client.New(client.Config{Endpoint: iam.URL, AuthURL: iam.URL + "/v3", Region: "cn-north-4", Credentials: aksk, RetryWaitMin: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Project(context.Background(), "cn-north-4")
		iam.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("next %s: got %v, want %q", tc.next, err, tc.want)
		}
		if pages > 100 {
			t.Errorf("next %s: %d pages asked for", tc.next, pages)
		}
	}
	if foreign != 0 {
		t.Fatalf("%d requests went to a host links.next named", foreign)
	}
}

func TestTokenProjectIsTheTokensScope(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, token, func(cfg *client.Config) { cfg.ProjectID = "" })
	readMany(t, c, 5, "t")
	if n, m := sim.Count(simulator.IAMTokens), sim.Count(simulator.IAMProjects); n != 1 || m != 0 {
		t.Fatalf("%d token and %d project lookups, want 1 and 0", n, m)
	}
	r := sim.Requests()[0]
	if r.Header.Get("X-Auth-Token") != simulator.DefaultToken || r.Header.Get("X-Subject-Token") != simulator.DefaultToken {
		t.Fatal("the token lookup must send the token as X-Auth-Token and X-Subject-Token")
	}
	// The token's project is its own region's only: another region's is
	// looked up by name.
	other, srv3 := startSimWith(t, simulator.Options{Projects: []simulator.Project{{ID: "p-n4", Name: "cn-north-4"}, {ID: "p-a", Name: "ap-southeast-1"}}})
	c = newClient(t, srv3.URL, token, func(cfg *client.Config) { cfg.ProjectID = "" })
	if id, err := c.Project(context.Background(), "ap-southeast-1"); err != nil || id != "p-a" || other.Count(simulator.IAMTokens) != 0 {
		t.Fatalf("got %q, %v after %d token lookups; want p-a, looked up by name", id, err, other.Count(simulator.IAMTokens))
	}
	unscoped, srv2 := startSimWith(t, simulator.Options{UnscopedTokens: true})
	c = newClient(t, srv2.URL, token, func(cfg *client.Config) { cfg.ProjectID = "" })
	_, err := c.Project(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "not scoped to a project") || unscoped.Count(simulator.IAMTokens) != 1 {
		t.Fatalf("got %v", err)
	}
}

// The id token file is read again on every refresh: CI systems rotate it.
func TestOIDCRereadsTheIDTokenFile(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now, IdentityProviders: map[string][]string{"gh": {"jwt-one", "jwt-two"}}})
	sim.SetCredentialLifetime(3 * time.Second)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("jwt-one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.STSEndpoint = srv.URL
		cfg.OIDC = &client.OIDCSource{IdpID: "gh", IDTokenFile: file, AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID, Duration: time.Hour}
	})
	readMany(t, c, 3, "a")
	if err := os.WriteFile(file, []byte("jwt-two"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2500 * time.Millisecond)
	readMany(t, c, 3, "b")
	var tokens []string
	for _, r := range sim.Requests() {
		if r.Endpoint == simulator.IAMIDTokens {
			var b struct {
				Auth struct {
					IDToken struct{ ID string } `json:"id_token"`
				} `json:"auth"`
			}
			_ = json.Unmarshal(r.Body, &b)
			tokens = append(tokens, b.Auth.IDToken.ID)
			if r.Header.Get("X-Idp-Id") != "gh" || r.Header.Get("Authorization") != "" {
				t.Fatal("the id token exchange is unsigned and names the identity provider")
			}
		}
	}
	if strings.Join(tokens, ",") != "jwt-one,jwt-two" {
		t.Fatalf("id tokens sent: %v, want jwt-one then jwt-two", tokens)
	}
	if n := sim.Count(simulator.STSAssume); n != 2 {
		t.Fatalf("%d STS calls, want 2", n)
	}
}

// A sign-in chain that cannot work is refused by New, before any request.
func TestNewRefusesAnIncompleteSignIn(t *testing.T) {
	oidc := client.OIDCSource{IdpID: "gh", IDToken: "jwt", AgencyName: "a", DomainID: "d"}
	for _, tc := range []struct {
		name string
		edit func(*client.Config)
		want string
	}{
		{"agency without a domain", func(c *client.Config) { c.AssumeRole = &client.AssumeRole{AgencyName: "a"} },
			"exactly one of a domain name and a domain id"},
		{"agency with both domains", func(c *client.Config) {
			c.AssumeRole = &client.AssumeRole{AgencyName: "a", DomainName: "n", DomainID: "i"}
		}, "exactly one of a domain name and a domain id"},
		{"STS agency with a token", func(c *client.Config) {
			c.Credentials = token
			c.AssumeRole = &client.AssumeRole{AgencyName: "a", DomainID: "i"}
		}, "by domain id (STS) needs access keys"},
		{"OIDC without an identity provider", func(c *client.Config) { o := oidc; o.IdpID = ""; c.OIDC = &o },
			"OIDC needs an identity provider id, an agency name and a domain id"},
		{"OIDC without an id token", func(c *client.Config) { o := oidc; o.IDToken = ""; c.OIDC = &o },
			"OIDC needs an id token or an id token file"},
	} {
		cfg := client.Config{Region: "cn-north-4", Credentials: aksk}
		tc.edit(&cfg)
		if _, err := client.New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// An empty id token file is an error, not an empty id token sent to IAM.
func TestOIDCEmptyIDTokenFile(t *testing.T) {
	sim, srv := startSim(t)
	file := filepath.Join(t.TempDir(), "id-token")
	if err := os.WriteFile(file, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDTokenFile: file, AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	})
	if err := c.CheckCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "the id token file "+file+" is empty") {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.IAMIDTokens); n != 0 {
		t.Fatalf("%d id token exchanges for an empty file", n)
	}
}

func TestOIDCRejectedTokenAndMissingSubjectToken(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.STSEndpoint = srv.URL
		cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDToken: "forged.jwt.value", AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	})
	err := c.CheckCredentials(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "IAM.0101") || strings.Contains(err.Error(), "forged.jwt.value") {
		t.Fatalf("got %v", err)
	}
	sim.Inject(simulator.Fault{Endpoint: simulator.IAMIDTokens, Status: 201, Body: `{"token":{}}`})
	c = newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDToken: simulator.DefaultIDToken, AgencyName: "a", DomainID: "d"}
	})
	if err := c.CheckCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "X-Subject-Token header: missing") {
		t.Fatalf("got %v", err)
	}
}

func TestMetadataCredentials(t *testing.T) {
	sim, srv := startSim(t)
	c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.Metadata = &client.MetadataSource{Endpoint: srv.URL}
	})
	readMany(t, c, 3, "m")
	reqs := sim.Requests()
	if reqs[0].Endpoint != simulator.MetadataToken || reqs[1].Endpoint != simulator.MetadataSecurityKey || reqs[1].Header.Get("X-Metadata-Token") == "" {
		t.Fatalf("want the session token first, then the security key with it; got %s, %s", reqs[0].Endpoint, reqs[1].Endpoint)
	}
	sim.SetMetadataAgency(false)
	c = newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) { cfg.Metadata = &client.MetadataSource{Endpoint: srv.URL} })
	if err := c.CheckCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("got %v", err)
	}
}

// A metadata answer without a whole credential is an error naming the
// missing field, never a half-filled sign-in; no value reaches the error.
func TestMetadataIncompleteCredential(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{}`, "field credential: missing; is an agency attached to this instance?"},
		{`{"credential": {"access": "AK-VALUE", "securitytoken": "ST-VALUE", "expires_at": "2030-01-01T00:00:00Z"}}`, "field credential.secret: missing"},
		{`{"credential": {"access": "AK-VALUE", "secret": "SK-VALUE", "securitytoken": "ST-VALUE", "expires_at": "tomorrow"}}`, "field credential.expiry: want an RFC 3339 time"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/openstack/latest/securitykey" {
				http.NotFound(w, r) // no session token API
				return
			}
			fmt.Fprint(w, tc.body)
		}))
		c, err := client.New(client.Config{Region: "cn-north-4", Metadata: &client.MetadataSource{Endpoint: srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckCredentials(context.Background())
		srv.Close()
		var me *client.MetadataError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a metadata error with %q", tc.body, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "SK-VALUE") || strings.Contains(err.Error(), "ST-VALUE")) {
			t.Errorf("%s: the error shows a credential: %v", tc.body, err)
		}
	}
}

// An agency answer (IAM securitytokens by domain name, STS by domain id)
// without a whole credential is an error naming the missing field; no
// value reaches the error.
func TestAgencyIncompleteCredential(t *testing.T) {
	for _, tc := range []struct {
		endpoint simulator.Endpoint
		role     client.AssumeRole
		body     string
		want     string
	}{
		{simulator.IAMSecurityTokens, client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName},
			`{}`, "field credential: missing"},
		{simulator.IAMSecurityTokens, client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainName: simulator.DefaultDomainName},
			`{"credential": {"access": "AK-VALUE", "securitytoken": "ST-VALUE", "expires_at": "2030-01-01T00:00:00Z"}}`, "field credential.secret: missing"},
		{simulator.STSAssume, client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID},
			`{}`, "field credentials: missing"},
		{simulator.STSAssume, client.AssumeRole{AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID},
			`{"credentials": {"access_key_id": "AK-VALUE", "secret_access_key": "SK-VALUE", "expiration": "2030-01-01T00:00:00Z"}}`, "field credentials.security token: missing"},
	} {
		sim, srv := startSim(t)
		sim.Inject(simulator.Fault{Endpoint: tc.endpoint, Status: 200, Body: tc.body})
		c := newClient(t, srv.URL, aksk, func(cfg *client.Config) { role := tc.role; cfg.AssumeRole = &role })
		err := c.CheckCredentials(context.Background())
		var ce *client.CredentialError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: got %v, want a credential error with %q", tc.endpoint, tc.body, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "SK-VALUE") || strings.Contains(err.Error(), "ST-VALUE")) {
			t.Errorf("%s: the error shows a credential: %v", tc.endpoint, err)
		}
	}
}

// Off ECS, a metadata address that never answers fails within the short
// timeout: without one, this test would hang until go test's own timeout.
func TestMetadataUnreachableFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() { // accept and never answer
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	c, err := client.New(client.Config{Region: "cn-north-4", Metadata: &client.MetadataSource{Endpoint: "http://" + ln.Addr().String(), Timeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckCredentials(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ECS metadata") || !strings.Contains(err.Error(), "Timeout exceeded") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := write("config.json", `{"current":"dev","profiles":[
 {"name":"dev","mode":"AKSK","accessKeyId":"AKDEV0000000000000001","secretAccessKey":"sk-dev","region":"cn-north-4","projectId":"p-dev"},
 {"name":"sso","mode":"SSO","region":"ap-southeast-1","ssoAuth":{"stsToken":{"accessKeyId":"AKSSO000000000000001","secretAccessKey":"sk-sso","securityToken":"st-sso"}}},
 {"name":"enc","mode":"AKSK","accessKeyId":"9f2c4e1ab37d0c5e8a6b2f14d9e07c3a5b8e1f60c2d4a7b9","secretAccessKey":"x"}]}`)
	p, err := client.LoadProfile(file, "")
	if err != nil || p.Name != "dev" || p.Credentials.AccessKey != "AKDEV0000000000000001" || p.Region != "cn-north-4" || p.ProjectID != "p-dev" {
		t.Fatalf("current profile: %v", err)
	}
	p, err = client.LoadProfile(file, "sso")
	if err != nil || p.Credentials.SecurityToken != "st-sso" || p.Credentials.AccessKey != "AKSSO000000000000001" {
		t.Fatalf("SSO profile: %v", err)
	}
	if fmt.Sprint(p) != "client.Profile{redacted}" || fmt.Sprintf("%#v", p) != "client.Profile{redacted}" {
		t.Fatal("a profile must not print its keys")
	}
	for name, tc := range map[string]struct{ file, profile, want string }{
		"missing profile": {file, "prod", `has no profile "prod" (it has: dev, sso, enc)`},
		"missing file":    {filepath.Join(dir, "nope.json"), "", "does not exist"},
		"encrypted keys":  {file, "enc", "hcloud configure set --cli-auth-encrypt=false"},
		"encrypted file":  {write("enc.json", "\x8a\x01binary-ciphertext"), "", "hcloud configure set --cli-auth-encrypt=false"},
		"no current":      {write("nocur.json", `{"profiles":[]}`), "", "names no current profile"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.LoadProfile(tc.file, tc.profile)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "sk-") {
				t.Fatalf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestCloudDomain(t *testing.T) {
	for region, want := range map[string]string{"cn-north-4": "myhuaweicloud.com", "eu-west-101": "myhuaweicloud.eu", "eu-west-0": "myhuaweicloud.com"} {
		if got := client.CloudDomain(region); got != want {
			t.Errorf("CloudDomain(%s) = %s, want %s", region, got, want)
		}
	}
}
