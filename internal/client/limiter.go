package client

import (
	"context"
	"math"
	"sync"
	"time"
)

// limiter is the client's adaptive request rate: one per client, so one per
// provider process, shared by every request it sends. It is a token bucket
// whose rate follows the API gateway's flow control the way CUBIC follows a
// congested link (the idea behind the AWS SDKs' adaptive retry mode):
//
//   - It starts slowly and doubles fast, as TCP does: limiterStartRate at
//     the process's first request, doubling every limiterDoubling up to
//     limiterMaxRate, far above what a plan sends. An unthrottled process
//     waits a few tenths of a second in all; one that meets a quota its
//     predecessor used up learns of it from a few 429s, not from a burst
//     of as many requests as Terraform has in flight.
//   - A 429 estimates the quota as the rate of answers that got through in
//     the last two seconds (in a younger process, since it started, over
//     at least half a second), or the current rate if lower, and cuts the rate to limiterDecrease times
//     that. Answers that arrive after the cut to requests sent before it
//     got through too: they raise the estimate. 429s to requests sent
//     before the cut do not cut again: they were on their way before it
//     took effect. With too few answers to measure, the estimate is a
//     guess, limiterGuess, and further 429s cut from there. The rate never
//     drops below limiterMinRate.
//   - From the cut the rate grows back on a cubic curve: quickly at first,
//     flat around the estimate limiterPlateau after the cut (where it
//     spends most of its time), then faster and faster, to find out
//     whether more is allowed now.
type limiter struct {
	now func() time.Time

	mu       sync.Mutex
	started  time.Time // the first request
	tokens   float64
	refilled time.Time // when tokens were last brought up to date
	cut      bool      // a 429 has been seen
	cutAt    time.Time
	estimate float64       // requests per second the gateway allowed at the last cut
	window   time.Duration // what that estimate was measured over
	before   float64       // the rate just before the last cut
	answered answerCounter
}

const (
	limiterStartRate = 50.0 // requests per second at the first request
	limiterDoubling  = 50 * time.Millisecond
	limiterMaxRate   = 2000.0 // requests per second
	limiterBurstMax  = 2.0
	limiterMinRate   = 1.0 // requests per second
	limiterDecrease  = 0.8
	limiterPlateau   = 6 * time.Second
	// Fewer answers than limiterMinSample in the window measure nothing;
	// the estimate is then limiterGuess requests per second.
	limiterMinSample = 2
	limiterMinWindow = 500 * time.Millisecond
	limiterGuess     = 10.0
)

// limiterCubic makes rate(limiterPlateau after the cut) == estimate, with
// rate(cut) == limiterDecrease × estimate.
var limiterCubic = (1 - limiterDecrease) / math.Pow(limiterPlateau.Seconds(), 3)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, tokens: limiterBurstMax, refilled: now()}
}

// rate is the rate at now; l.mu is held.
func (l *limiter) rate(now time.Time) float64 {
	if !l.cut {
		if l.started.IsZero() {
			return limiterStartRate
		}
		return min(limiterMaxRate, limiterStartRate*math.Exp2(float64(now.Sub(l.started))/float64(limiterDoubling)))
	}
	t := now.Sub(l.cutAt).Seconds() - limiterPlateau.Seconds()
	return min(limiterMaxRate, max(limiterMinRate, l.estimate*(1+limiterCubic*t*t*t)))
}

// wait returns when the request may be sent, when it got a token, and the
// time it got it: the time the request counts as sent. A waiter that finds
// no token sleeps until the next one is due and tries again, so that a rate
// cut while it sleeps applies to it too.
func (l *limiter) wait(ctx context.Context) (time.Time, error) {
	for {
		at, d := l.take()
		if d <= 0 {
			return at, nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, context.Cause(ctx)
		}
	}
}

// take takes a token and returns the time, or returns how long until the
// next token is due (and takes none). The burst is a tenth of a second's
// worth of the rate, between 1 and limiterBurstMax.
func (l *limiter) take() (time.Time, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.started.IsZero() {
		l.started = now
	}
	rate := l.rate(now)
	l.tokens = min(min(max(rate/10, 1), limiterBurstMax), l.tokens+now.Sub(l.refilled).Seconds()*rate)
	l.refilled = now
	if l.tokens >= 1 {
		l.tokens--
		return now, 0
	}
	return now, max(time.Duration((1-l.tokens)/rate*float64(time.Second)), time.Millisecond/10)
}

// succeeded records an answer that was not a 429 to a request sent at
// sentAt. One sent before the last cut got through in the window the cut
// estimated from, without being counted then: it is now.
func (l *limiter) succeeded(sentAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.answered.add(now)
	if l.cut && sentAt.Before(l.cutAt) && now.Sub(l.cutAt) < l.window {
		l.estimate = min(l.estimate+1/l.window.Seconds(), l.before)
	}
}

// throttled records a 429 to a request sent at sentAt.
func (l *limiter) throttled(sentAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut && sentAt.Before(l.cutAt) {
		return
	}
	now := l.now()
	// What got through over the last two seconds, or, in a process younger
	// than that, since it started: a new process that meets a quota its
	// predecessor used up must not measure its first half second as if it
	// were two (at least limiterMinWindow, so that a first burst is no
	// rate).
	l.window = min(2*time.Second, max(now.Sub(l.started), limiterMinWindow))
	l.before = l.rate(now)
	got := l.answered.count(now, l.window)
	l.estimate = float64(got) / l.window.Seconds()
	if got < limiterMinSample {
		// Too few answers to measure anything: guess, and let further
		// 429s cut from there.
		l.estimate = limiterGuess
	}
	l.estimate = max(limiterMinRate, min(l.before, l.estimate))
	l.cut, l.cutAt = true, now
	l.tokens = 0 // the gateway has none left for us now either
	l.refilled = now
}

// currentRate is the rate now, for tests.
func (l *limiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate(l.now())
}

// answerCounter counts answers in the last two seconds, in slots of a
// tenth of a second.
type answerCounter struct {
	slots [20]struct {
		epoch int64 // which tenth of a window since the Unix epoch
		n     int
	}
}

const answerSlot = 100 * time.Millisecond

func (a *answerCounter) add(now time.Time) {
	e := now.UnixNano() / int64(answerSlot)
	s := &a.slots[e%int64(len(a.slots))]
	if s.epoch != e {
		s.epoch, s.n = e, 0
	}
	s.n++
}

// count counts the answers in the last window (at most two seconds).
func (a *answerCounter) count(now time.Time, window time.Duration) int {
	e := now.UnixNano() / int64(answerSlot)
	n := 0
	for _, s := range a.slots {
		if e-s.epoch < int64(window/answerSlot) {
			n += s.n
		}
	}
	return n
}
