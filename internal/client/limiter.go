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
//   - A 429 estimates the quota from the answers that were not throttled,
//     and cuts the rate to limiterDecrease times the estimate (never to
//     more than the current rate, never below limiterMinRate). Any answer
//     but a 429 got through the flow control, a 5xx too (the gateway
//     throttles before it forwards); no answer counts for nothing.
//   - A 429 leaves the gateway without a token for us: from then on it
//     cannot let through more than one request plus its quota times the
//     time since. So the answers to requests sent since one of the last
//     limiterAnchors 429s (at least limiterMinProof of them) prove that
//     the quota is at least (answers - 1) / time; the highest such proof of
//     the episode (limiterProofLife from its first 429) is the estimate.
//   - Without a proof the estimate is the rate of answers in the last two
//     seconds (in a younger process, since it started, over at least half
//     a second), or with too few of those a guess, limiterGuess. While the
//     rate recovers from a cut, a 429 with nothing proven since keeps that
//     cut's estimate: it says nothing new about the quota, and a rate
//     measured from the limiter's own could fall below any proof to come.
//   - 429s to requests sent before the cut do not cut again: they were on
//     their way before it took effect. Answers to them that arrive after
//     it got through too: they raise the estimate.
//   - From the cut the rate grows back on a cubic curve: quickly at first,
//     flat around the estimate limiterPlateau after the cut (where it
//     spends most of its time), then faster and faster, to find out
//     whether more is allowed now.
//   - A 429 to a request sent below the proof is one a steady quota cannot
//     give. The 429s are not the rate's (a gateway or backend refusing a
//     share of requests whatever the rate), and cutting for them would
//     only walk the rate down to limiterMinRate, each estimate measured
//     from the rate the last one set. The episode's cuts are undone, and
//     the share of 429s among the answers of the last two seconds becomes
//     the background: while 429s keep coming (each within
//     limiterProofLife of the last), a share up to halfway from it to all
//     answers cuts nothing. The requests they refused still wait out their
//     backoff.
type limiter struct {
	now func() time.Time

	mu       sync.Mutex
	started  time.Time // the first request
	tokens   float64
	refilled time.Time // when tokens were last brought up to date
	limiterCut
	answered answerCounter // answers that got through the flow control
	refused  answerCounter // 429s

	// The episode: from a 429 met with no proof standing and the rate not
	// recovering from a cut, for limiterProofLife. saved is the state
	// before it, which an undo restores.
	episodeAt time.Time
	saved     limiterCut
	// The episode's last limiterAnchors 429s, each with the answers to
	// requests sent since it.
	anchors [limiterAnchors]anchor
	// proof is the highest lower bound of the quota they show; 0 while
	// there is none.
	proof float64

	// background is the share of 429s that cutting has shown are not the
	// rate's, last met at backgroundAt; 0 when there is none.
	background   float64
	backgroundAt time.Time
}

// anchor is a 429 at at; got counts the answers to requests sent since.
type anchor struct {
	at  time.Time
	got int
}

// limiterCut is the state a cut sets and an undo restores.
type limiterCut struct {
	cut      bool // a 429 has been seen
	cutAt    time.Time
	estimate float64       // requests per second the gateway allowed at the last cut
	window   time.Duration // what that estimate was measured over
	before   float64       // the rate just before the last cut
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
	// A proof needs limiterMinProof answers since a 429, over at least
	// limiterAnchorGap. An episode's proofs stand, and a background lasts
	// between 429s, for limiterProofLife.
	limiterMinProof  = 4
	limiterProofLife = 2 * limiterPlateau
	limiterAnchors   = 8
	limiterAnchorGap = limiterMinWindow / 4
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
	if !l.cut {
		return
	}
	for i := range l.anchors {
		if a := &l.anchors[i]; !a.at.IsZero() && !sentAt.Before(a.at) {
			a.got++
		}
	}
	l.prove(now)
	if sentAt.Before(l.cutAt) && now.Sub(l.cutAt) < l.window {
		l.estimate = min(l.estimate+1/l.window.Seconds(), l.before)
	}
}

// throttled records a 429 to a request sent at sentAt.
func (l *limiter) throttled(sentAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.refused.add(now)
	if l.cut {
		l.addAnchor(now)
		if sentAt.Before(l.cutAt) {
			return
		}
	}
	// What got through over the last two seconds, or, in a process younger
	// than that, since it started: a new process that meets a quota its
	// predecessor used up must not measure its first half second as if it
	// were two (at least limiterMinWindow, so that a first burst is no
	// rate).
	window := min(2*time.Second, max(now.Sub(l.started), limiterMinWindow))
	got, refused := l.answered.count(now, window), l.refused.count(now, window)
	share := float64(refused) / float64(got+refused)
	if l.background > 0 {
		if now.Sub(l.backgroundAt) < limiterProofLife && share <= (1+l.background)/2 {
			l.backgroundAt = now
			return
		}
		l.background = 0
	}
	rate := l.rate(now)
	l.prove(now)
	if l.proof > 0 && rate < l.proof {
		// No cut since the request was sent, so it went at this rate or
		// less: a rate the gateway has let through since an earlier 429.
		l.limiterCut = l.saved
		l.proof = 0
		clear(l.anchors[:])
		l.background, l.backgroundAt = share, now
		return
	}
	recovering := l.cut && now.Sub(l.cutAt) < limiterPlateau
	if l.proof == 0 && !recovering {
		l.saved = l.limiterCut
		l.episodeAt = now
		clear(l.anchors[:])
		l.addAnchor(now)
	}
	l.window = window
	l.before = rate
	switch {
	case l.proof > 0:
		l.estimate = min(rate, l.proof)
	case recovering:
		// Nothing proven since the last cut: hold its estimate. Only a
		// proof may lower it, so that the rate it sets stays below a proof
		// the gateway may yet contradict.
	case got < limiterMinSample:
		// Too few answers to measure anything: guess.
		l.estimate = min(rate, limiterGuess)
	default:
		l.estimate = min(rate, float64(got)/window.Seconds())
	}
	l.estimate = max(limiterMinRate, l.estimate)
	l.cut, l.cutAt = true, now
	l.tokens = 0 // the gateway has none left for us now either
	l.refilled = now
}

// addAnchor records a 429 at now in place of the oldest anchor, unless
// the newest is less than limiterAnchorGap old: anchors that far apart
// reach back limiterAnchors × limiterAnchorGap however fast 429s come.
// l.mu is held.
func (l *limiter) addAnchor(now time.Time) {
	var newest time.Time
	for _, a := range l.anchors {
		if a.at.After(newest) {
			newest = a.at
		}
	}
	if !newest.IsZero() && now.Sub(newest) < limiterAnchorGap {
		return
	}
	oldest := &l.anchors[0]
	for i := range l.anchors {
		if l.anchors[i].at.Before(oldest.at) {
			oldest = &l.anchors[i]
		}
	}
	*oldest = anchor{at: now}
}

// prove brings the proof up to date; l.mu is held.
func (l *limiter) prove(now time.Time) {
	if !l.cut || now.Sub(l.episodeAt) >= limiterProofLife {
		l.proof = 0
		return
	}
	for _, a := range l.anchors {
		if since := now.Sub(a.at); !a.at.IsZero() && a.got >= limiterMinProof && since >= limiterAnchorGap {
			l.proof = max(l.proof, float64(a.got-1)/since.Seconds())
		}
	}
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
