package client_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// FuzzSignedQueryRoundTrip: whatever an image name and tag hold, the
// request is signed over exactly the query that is sent, so the simulator's
// independent verifier accepts it, and the server decodes the very strings
// the caller gave.
func FuzzSignedQueryRoundTrip(f *testing.F) {
	for _, s := range [][2]string{{"web", "2.0"}, {"api gateway+edge", "v1/beta"}, {"a&b=c", "%41"}, {"ä~._-*'()!", ""}, {"x y", "+"}} {
		f.Add(s[0], s[1])
	}
	sim, srv := startSim(f)
	f.Fuzz(func(t *testing.T, name, version string) {
		if !utf8.ValidString(name) || !utf8.ValidString(version) || len(name) > 1000 || len(version) > 1000 {
			t.Skip()
		}
		c := newClient(t, srv.URL, aksk) // a new client: no remembered answers
		before := len(sim.Requests())
		if _, err := c.GetBaselineStatistic(context.Background(), client.Scope{}, client.BaselineStatisticQuery{
			ImageType: "private_image", ImageName: &name, ImageVersion: &version,
		}); err != nil {
			t.Fatalf("name %q version %q: %v", name, version, err)
		}
		reqs := sim.Requests()
		if len(reqs) != before+1 {
			t.Fatalf("%d requests, want 1", len(reqs)-before)
		}
		got := reqs[len(reqs)-1].Query
		if got.Get("image_name") != name || got.Get("image_version") != version {
			t.Fatalf("sent %q/%q, server read %q/%q", name, version, got.Get("image_name"), got.Get("image_version"))
		}
	})
}

var _ = simulator.DefaultProjectID
