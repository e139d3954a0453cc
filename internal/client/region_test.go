package client_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Without an endpoint the URL is built from the region: a region that is
// not a region id fails before any request, so it can never name a host
// that would receive the credentials.
func TestRegionNeverNamesAHost(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	// IAM is on the same server: a project lookup for the bad region would
	// count too (the key pair looks other regions' projects up).
	for _, creds := range []client.Credentials{token, aksk} {
		c := newClient(t, "", creds, func(cfg *client.Config) { cfg.MaxRetries, cfg.AuthURL, cfg.STSEndpoint = 0, srv.URL+"/v3", srv.URL })
		for _, region := range []string{"x@" + host + "/", host, "cn-north-4." + host, "cn-north-4 "} {
			_, err := c.GetBaselineStatistic(t.Context(), client.Scope{Region: region}, client.BaselineStatisticQuery{ImageType: "local"})
			if err == nil || !strings.Contains(err.Error(), "is not a region id") {
				t.Errorf("region %q: error %v", region, err)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached %s", n, srv.URL)
	}
}
