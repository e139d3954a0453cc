package client

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func near(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

func TestLimiterStartsUnthrottled(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	for i := 0; i < int(limiterBurstMax); i++ {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.currentRate(); got != limiterMaxRate {
		t.Fatalf("rate %v, want %v", got, limiterMaxRate)
	}
}

// A 429 cuts the rate to 0.8 × what succeeded in the last second; the 429s
// of requests sent before the cut do not cut again; later successes raise
// it by a tenth of the quota estimate per second of sending.
func TestLimiterCutsToWhatGotThroughAndClimbsBack(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	sent := clock.now()
	for i := 0; i < 10; i++ {
		clock.advance(10 * time.Millisecond)
		l.succeeded()
	}
	clock.advance(10 * time.Millisecond)
	l.throttled(sent)
	if got := l.currentRate(); !near(got, 8) {
		t.Fatalf("rate after the cut %v, want 0.8 × 10 answers in the last second = 8", got)
	}
	l.throttled(sent) // on its way before the cut
	if got := l.currentRate(); !near(got, 8) {
		t.Fatalf("a 429 to a request sent before the cut cut again: %v", got)
	}
	// One second of sending at 8/s adds about a tenth of the estimate (10).
	for i := 0; i < 8; i++ {
		clock.advance(125 * time.Millisecond)
		l.succeeded()
	}
	if got := l.currentRate(); got < 8.9 || got > 9.1 {
		t.Fatalf("rate after a second of successes %v, want about 9", got)
	}
	// A 429 to a request sent after the cut cuts again.
	l.throttled(clock.now())
	if got := l.currentRate(); got >= 8 {
		t.Fatalf("rate %v after a second cut, want below 8", got)
	}
}

// Throttled with nothing getting through, the rate never drops below
// limiterMinRate.
func TestLimiterFloor(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	for i := 0; i < 5; i++ {
		clock.advance(time.Second)
		l.throttled(clock.now())
	}
	if got := l.currentRate(); got != limiterMinRate {
		t.Fatalf("rate %v, want the floor %v", got, limiterMinRate)
	}
}

// Requests queue for slots at the rate; one that gives up returns its slot.
func TestLimiterPacesAndGivesSlotsBack(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	l.rate, l.tokens = 20, 0 // one slot each 50ms, none now
	for i, want := range []time.Duration{50, 100, 150} {
		if got := l.reserve(); got != want*time.Millisecond {
			t.Fatalf("slot %d in %v, want %v", i+1, got, want*time.Millisecond)
		}
	}
	clock.advance(150 * time.Millisecond)
	if got := l.reserve(); got != 50*time.Millisecond {
		t.Fatalf("after the queue drained: slot in %v, want 50ms", got)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("gave up")
	cancel(cause)
	before := l.tokens
	if err := l.wait(ctx); !errors.Is(err, cause) {
		t.Fatalf("wait on an ended context: %v", err)
	}
	if !near(l.tokens, before) {
		t.Fatalf("tokens %v, want %v: the abandoned slot was not given back", l.tokens, before)
	}
}

func TestBreaker(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	b := &breaker{now: clock.now, probeEvery: time.Second}
	refused := errors.New("connection refused")
	for i := 0; i < breakerThreshold-1; i++ {
		b.noAnswer(refused)
	}
	if ok, _, _ := b.allow(); !ok {
		t.Fatal("open before the threshold")
	}
	b.answered() // an answer in between resets the count
	for i := 0; i < breakerThreshold; i++ {
		b.noAnswer(refused)
	}
	if ok, n, last := b.allow(); ok || n != breakerThreshold || last != refused {
		t.Fatalf("allow = %v, %d, %v; want closed to requests with the cause", ok, n, last)
	}
	clock.advance(time.Second)
	if ok, _, _ := b.allow(); !ok {
		t.Fatal("no probe after probeEvery")
	}
	if ok, _, _ := b.allow(); ok {
		t.Fatal("a second request while the probe is out")
	}
	b.noAnswer(refused) // the probe failed
	clock.advance(time.Second)
	if ok, _, _ := b.allow(); !ok {
		t.Fatal("no probe after a failed one")
	}
	b.answered() // the probe got an answer
	if ok, _, _ := b.allow(); !ok {
		t.Fatal("still open after an answer")
	}
}
