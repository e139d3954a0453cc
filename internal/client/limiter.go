package client

import (
	"context"
	"sync"
	"time"
)

// limiter is the client's adaptive request rate: one per client, so one per
// provider process, shared by every request it sends. It is a token bucket
// whose rate follows the API gateway's flow control the way TCP follows a
// congested link (additive increase, multiplicative decrease):
//
//   - It starts at maxRate, far above what a plan sends, so that an
//     unthrottled process never waits, with a burst of burstMax.
//   - A 429 cuts the rate to decrease × the rate of successful answers in
//     the last second (what the gateway let through), or × the current
//     rate if that is lower, but never below limiterMinRate. Answers to
//     requests sent before the last cut do not cut again: they were on
//     their way before it took effect.
//   - Every other answer adds to the rate, so that it grows by a tenth of
//     the rate last cut from per second of sending (at least minIncrease
//     per second): it probes back up to the quota and slightly past it,
//     draws one 429 and steps back again.
type limiter struct {
	now func() time.Time

	mu       sync.Mutex
	rate     float64   // requests per second
	tokens   float64   // negative: requests are queued for later slots
	refilled time.Time // when tokens were last brought up to date
	cutAt    time.Time // when the rate was last cut
	increase float64   // requests per second added per second of sending
	answered answerCounter
}

const (
	limiterMaxRate     = 2000.0 // requests per second
	limiterBurstMax    = 4.0
	limiterMinRate     = 1.0 // requests per second
	limiterDecrease    = 0.8
	limiterMinIncrease = 0.5 // requests per second, per second
	limiterWindow      = time.Second
)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, rate: limiterMaxRate, tokens: limiterBurstMax, refilled: now(), increase: limiterMinIncrease}
}

// burst is how many requests may leave at once: a tenth of a second's
// worth, between 1 and limiterBurstMax.
func (l *limiter) burst() float64 { return min(max(l.rate/10, 1), limiterBurstMax) }

// wait takes a slot and returns when the request may be sent.
func (l *limiter) wait(ctx context.Context) error {
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.tokens++ // give the slot back
		l.mu.Unlock()
		return context.Cause(ctx)
	}
}

// reserve takes the next slot and returns how long until it comes.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.tokens = min(l.burst(), l.tokens+now.Sub(l.refilled).Seconds()*l.rate)
	l.refilled = now
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / l.rate * float64(time.Second))
}

// succeeded records an answer that was not a 429.
func (l *limiter) succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answered.add(l.now())
	if l.rate < limiterMaxRate {
		l.rate = min(limiterMaxRate, l.rate+l.increase/l.rate)
	}
}

// throttled records a 429 to a request sent at sentAt.
func (l *limiter) throttled(sentAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sentAt.Before(l.cutAt) {
		return
	}
	now := l.now()
	let := float64(l.answered.count(now)) / limiterWindow.Seconds()
	l.rate = max(limiterMinRate, limiterDecrease*min(l.rate, let))
	l.increase = max(limiterMinIncrease, l.rate/limiterDecrease/10)
	l.tokens = min(l.tokens, l.burst())
	l.refilled = now
	l.cutAt = now
}

// answerCounter counts answers in the last limiterWindow, in slots of a
// tenth of it.
type answerCounter struct {
	slots [10]struct {
		epoch int64 // which tenth of a window since the Unix epoch
		n     int
	}
}

const answerSlot = limiterWindow / 10

func (a *answerCounter) add(now time.Time) {
	e := now.UnixNano() / int64(answerSlot)
	s := &a.slots[e%int64(len(a.slots))]
	if s.epoch != e {
		s.epoch, s.n = e, 0
	}
	s.n++
}

func (a *answerCounter) count(now time.Time) int {
	e := now.UnixNano() / int64(answerSlot)
	n := 0
	for _, s := range a.slots {
		if e-s.epoch < int64(len(a.slots)) {
			n += s.n
		}
	}
	return n
}

// currentRate is the rate now, for logs and tests.
func (l *limiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}
