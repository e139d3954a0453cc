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

// Slow start: limiterStartRate at the first request, doubling every
// limiterDoubling, up to limiterMaxRate.
func TestLimiterSlowStart(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	clock.advance(time.Hour) // the process's age before its first request does not count
	for i := 0; i < int(limiterBurstMax); i++ {
		if _, err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		advance time.Duration
		want    float64
	}{
		{0, limiterStartRate},
		{limiterDoubling, 2 * limiterStartRate},
		{2 * limiterDoubling, 8 * limiterStartRate},
		{time.Second, limiterMaxRate},
	} {
		clock.advance(step.advance)
		if got := l.currentRate(); !near(got, step.want) {
			t.Errorf("rate %v, want %v", got, step.want)
		}
	}
}

// start marks l's first request at the clock's time.
func start(t *testing.T, l *limiter) {
	t.Helper()
	if _, err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A 429 cuts the rate to 0.8 × what got through in the last second; the
// 429s of requests sent before the cut do not cut again; the rate is back
// at that estimate limiterPlateau after the cut, and above it later.
func TestLimiterCutsToWhatGotThroughAndClimbsBack(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	start(t, l)
	sent := clock.now()
	for i := 0; i < 10; i++ {
		clock.advance(100 * time.Millisecond)
		l.succeeded(clock.now())
	}
	l.throttled(sent)
	if got := l.currentRate(); !near(got, 8) {
		t.Fatalf("rate after the cut %v, want 0.8 × 10 answers in the last second = 8", got)
	}
	l.throttled(sent) // on its way before the cut
	if got := l.currentRate(); !near(got, 8) {
		t.Fatalf("a 429 to a request sent before the cut cut again: %v", got)
	}
	clock.advance(time.Second)
	if got := l.currentRate(); got <= 8 || got >= 10 {
		t.Fatalf("rate a second after the cut %v, want between 8 and 10", got)
	}
	clock.advance(limiterPlateau - time.Second)
	if got := l.currentRate(); !near(got, 10) {
		t.Fatalf("rate at the plateau %v, want the estimate 10", got)
	}
	clock.advance(limiterPlateau)
	if got := l.currentRate(); !near(got, 12) {
		t.Fatalf("rate a plateau later %v, want 12: probing for more", got)
	}
	// A 429 to a request sent after the cut cuts again: to 0.8 × what got
	// through in the last two seconds (22 answers: 11/s), below the rate.
	for i := 0; i < 22; i++ {
		clock.advance(90 * time.Millisecond)
		l.succeeded(clock.now())
	}
	l.throttled(clock.now())
	if got := l.currentRate(); !near(got, 0.8*11) {
		t.Fatalf("rate %v after a second cut, want 0.8 × 11", got)
	}
}

// Answers to requests sent before a cut that arrive after it got through
// in the window the cut measured: each raises the estimate by one answer
// over that window. Answers to requests sent after the cut do not. The cut
// leaves no token: the next request waits.
func TestLimiterLateAnswersRaiseTheEstimate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	start(t, l)
	sent := clock.now()
	for i := 0; i < 10; i++ {
		clock.advance(100 * time.Millisecond)
		l.succeeded(clock.now())
	}
	l.throttled(sent)
	if _, d := l.take(); d <= 0 {
		t.Fatal("a request right after the cut got a token; the cut leaves none")
	}
	if got := l.currentRate(); !near(got, 8) {
		t.Fatalf("rate after the cut %v, want 0.8 × 10 answers in the last second = 8", got)
	}
	l.succeeded(sent) // sent before the cut, answered after it
	if got := l.currentRate(); !near(got, 0.8*11) {
		t.Fatalf("rate after a late answer %v, want 0.8 × 11", got)
	}
	l.succeeded(clock.now()) // sent after the cut
	if got := l.currentRate(); !near(got, 0.8*11) {
		t.Fatalf("an answer to a request sent after the cut raised the estimate: %v", got)
	}
}

// A process younger than the window measures over its own age, at least
// limiterMinWindow: a new provider process that finds the quota half used
// by its predecessor must not read 3 answers in 0.3 s as 3 per second, nor
// a first burst of 4 in 10 ms as 400 per second.
func TestLimiterYoungProcessMeasuresOverItsAge(t *testing.T) {
	for _, tc := range []struct {
		answers int
		every   time.Duration
		want    float64
	}{
		{3, 100 * time.Millisecond, 0.8 * 3 / 0.5},  // 0.3 s old: over limiterMinWindow
		{8, 100 * time.Millisecond, 0.8 * 8 / 0.8},  // 0.8 s old: over its age
		{4, 2500 * time.Microsecond, 0.8 * 4 / 0.5}, // a burst: over limiterMinWindow
	} {
		clock := &fakeClock{t: time.Unix(1000, 0)}
		l := newLimiter(clock.now)
		start(t, l)
		for i := 0; i < tc.answers; i++ {
			clock.advance(tc.every)
			l.succeeded(clock.now())
		}
		l.throttled(clock.now())
		if got := l.currentRate(); !near(got, tc.want) {
			t.Errorf("%d answers %v apart: rate after the cut %v, want %v", tc.answers, tc.every, got, tc.want)
		}
	}
}

// A 429 with too few answers to measure from cuts to 0.8 × a guess;
// further 429s cut from the rate, down to limiterMinRate and no further.
func TestLimiterGuessAndFloor(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	l.throttled(clock.now())
	if got := l.currentRate(); !near(got, limiterDecrease*limiterGuess) {
		t.Fatalf("rate %v after a lone 429, want 0.8 × %v", got, limiterGuess)
	}
	for i := 0; i < 30; i++ {
		clock.advance(100 * time.Millisecond)
		l.throttled(clock.now())
	}
	if got := l.currentRate(); got != limiterMinRate {
		t.Fatalf("rate %v, want the floor %v", got, limiterMinRate)
	}
}

// Requests wait for tokens at the rate; a cut applies to those already
// waiting.
func TestLimiterPaces(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	// At the plateau of an estimate of 20/s: one token each 50ms.
	l.cut, l.cutAt, l.estimate, l.tokens = true, clock.now().Add(-limiterPlateau), 20, 0
	if _, got := l.take(); got != 50*time.Millisecond {
		t.Fatalf("next token in %v, want 50ms", got)
	}
	clock.advance(50 * time.Millisecond)
	if _, got := l.take(); got != 0 {
		t.Fatalf("no token when it was due: %v", got)
	}
	l.estimate = 10 // as a cut would set it
	if _, got := l.take(); got < 99*time.Millisecond || got > 100*time.Millisecond {
		t.Fatalf("next token in %v, want about 100ms at the new rate", got)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("gave up")
	cancel(cause)
	if _, err := l.wait(ctx); !errors.Is(err, cause) {
		t.Fatalf("wait on an ended context: %v", err)
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
	clock.advance(time.Second)
	if ok, _, _ := b.allow(); ok {
		t.Fatal("a second probe while the first is still out, a probe interval later")
	}
	b.abandoned() // the probe's caller went away
	if ok, _, _ := b.allow(); !ok {
		t.Fatal("no probe after the last one was abandoned")
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
