package client

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain keeps every test of the package on loopback: a dial to any
// other address is refused before it is resolved or sent, and fails the
// run, even where the test took the refusal for an ordinary network error.
func TestMain(m *testing.M) {
	guard := &LoopbackGuard{}
	restore := SetDialGuard(guard.Check)
	code := m.Run()
	restore()
	if refused := guard.Refused(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: tests dialled addresses off loopback (refused before any packet was sent): %s\n", strings.Join(refused, ", "))
		code = 1
	}
	os.Exit(code)
}

// The guard refuses, before anything is sent, what the client would dial
// off loopback: HSS by its default endpoint (a name, refused before it is
// resolved), an address literal, and the metadata service at its default
// address. Each test's own guard keeps these deliberate dials out of the
// run's record.
func TestLoopbackGuardRefusesEveryPathOffLoopback(t *testing.T) {
	guard := &LoopbackGuard{}
	restore := SetDialGuard(guard.Check)
	defer restore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys := Credentials{AccessKey: "AK", SecretKey: "SK"}

	c, err := New(Config{Region: "cn-north-4", ProjectID: "p", Credentials: keys, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "local"}); err == nil || !strings.Contains(err.Error(), "is not a loopback address") {
		t.Fatalf("HSS by its default endpoint: got %v", err)
	}
	c, err = New(Config{Region: "cn-north-4", ProjectID: "p", Endpoint: "https://192.0.2.1", Credentials: keys, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "local"}); err == nil || !strings.Contains(err.Error(), "192.0.2.1:443 is not a loopback address") {
		t.Fatalf("an address literal: got %v", err)
	}
	c, err = New(Config{Region: "cn-north-4", ProjectID: "p", Metadata: &MetadataSource{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "local"}); err == nil {
		t.Fatal("the metadata service at its default address answered")
	}
	want := []string{"tcp hss.cn-north-4.myhuaweicloud.com:443", "tcp 192.0.2.1:443", "tcp " + strings.TrimPrefix(DefaultMetadataEndpoint, "http://") + ":80"}
	got := guard.Refused()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("refused %q, want %q among them", got, w)
		}
	}
	// Loopback goes through.
	if err := guard.Check("tcp", "127.0.0.1:8443"); err != nil {
		t.Error(err)
	}
	if err := guard.Check("tcp", "[::1]:8443"); err != nil {
		t.Error(err)
	}
	if err := guard.Check("tcp", "localhost:80"); err != nil {
		t.Error(err)
	}
	if err := guard.Check("tcp", "127.0.0.1.example.com:80"); err == nil {
		t.Error("a name that starts like a loopback address went through")
	}
}
