package provider

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// runGuard is the dial guard TestMain installed for the run; nil only in
// the run against real HSS (make testacc, acc_real_main_test.go).
var runGuard *client.LoopbackGuard

// deliberate holds the dials off loopback a test makes on purpose, to
// prove that the guard refuses them: TestMain forgives each one once.
var deliberate struct {
	mu    sync.Mutex
	dials []string
}

// dialDeliberately tells TestMain that the test is about to dial off
// loopback on purpose ("tcp host:port", as the guard records it).
func dialDeliberately(dial string) {
	deliberate.mu.Lock()
	defer deliberate.mu.Unlock()
	deliberate.dials = append(deliberate.dials, dial)
}

// undeliberate is refused without the deliberate dials, each forgiven
// once: any other refusal still fails the run.
func undeliberate(refused []string) []string {
	deliberate.mu.Lock()
	defer deliberate.mu.Unlock()
	pending := slices.Clone(deliberate.dials)
	var out []string
	for _, r := range refused {
		if i := slices.Index(pending, r); i >= 0 {
			pending = slices.Delete(pending, i, i+1)
			continue
		}
		out = append(out, r)
	}
	return out
}

// The test run that make test and CI run (no acceptance build tag, or no
// TF_ACC) is isolated from the developer's cloud: the run's own guard is
// installed and refuses a dial off loopback before anything is sent, no
// HW_* variable is left, the metadata service is a closed loopback port
// and HOME is a scratch directory. Only make testacc lifts this.
func TestRunStaysOnLoopback(t *testing.T) {
	if runGuard == nil {
		t.Fatal("TestMain installed no dial guard: this run could reach real HSS with the developer's credentials")
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "HW_") && name != envTestMetadataEndpoint {
			t.Errorf("%s is set in the test run: TestMain should have removed every HW_* variable", name)
		}
	}
	if u, err := url.Parse(os.Getenv(envTestMetadataEndpoint)); err != nil || u.Hostname() != "127.0.0.1" {
		t.Errorf("%s = %q, want the closed loopback port TestMain set", envTestMetadataEndpoint, os.Getenv(envTestMetadataEndpoint))
	}
	if home := os.Getenv("HOME"); !strings.HasPrefix(filepath.Base(home), "hss-test-home") {
		t.Errorf("HOME = %q, want TestMain's scratch home (no KooCLI profile of the developer's)", home)
	}

	// 192.0.2.1 is TEST-NET-1 (RFC 5737): nothing would answer there
	// anyway, but the guard refuses it before a packet is sent.
	const dial = "tcp 192.0.2.1:443"
	dialDeliberately(dial)
	before := len(runGuard.Refused())
	c, err := client.New(client.Config{Region: "cn-north-4", ProjectID: "p", Endpoint: "https://192.0.2.1",
		Credentials: client.Credentials{AccessKey: "AK", SecretKey: "SK"}, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.GetBaselineStatistic(ctx, client.Scope{}, client.BaselineStatisticQuery{ImageType: "local"})
	if err == nil || !strings.Contains(err.Error(), "192.0.2.1:443 is not a loopback address") {
		t.Fatalf("a dial to 192.0.2.1:443: got %v, want the dial guard's refusal", err)
	}
	if after := runGuard.Refused(); !slices.Contains(after[before:], dial) {
		t.Errorf("the run's guard did not record the refusal (recorded since: %q): another guard is installed", after[before:])
	}
}
