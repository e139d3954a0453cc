package simulator

import (
	"net/http"
	"testing"
	"time"
)

// A request answered after a Reset is not recorded: it used to write its
// status into the emptied request log, panic while holding the lock, and
// leave every later request hanging.
func TestResetWhileARequestIsAnswered(t *testing.T) {
	sim := New(Options{})
	sim.SetLatency(50 * time.Millisecond)
	srv := NewServer(sim)
	defer srv.Close()
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/v5/" + DefaultProjectID + "/image/baseline/statistic")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(sim.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	sim.Reset()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	finished := make(chan struct{})
	go func() {
		resp, err := http.Get(srv.URL + "/v5/" + DefaultProjectID + "/image/baseline/statistic")
		if err == nil {
			resp.Body.Close()
		}
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("the simulator hangs after a Reset during a request")
	}
	if n := len(sim.Requests()); n != 1 {
		t.Fatalf("%d requests recorded after the Reset, want 1", n)
	}
}
