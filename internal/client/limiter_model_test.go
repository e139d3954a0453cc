package client

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkMixedFaults on the fake clock, for many seeds: 30 reads, 10 at
// a time, each meeting a 429 and then 500 (or 500, 503, 502) before its
// answer. Every run must take at most twice the longest chain of backoffs
// one worker went through. The limiter that lowered a held estimate to the
// rate of answers since the oldest 429 walked to limiterMinRate within 3 s
// in about 2% of the seeds (seed 2: 135 s, 6.9 × its backoffs) and stayed
// there, each read's 429 cutting again.
func TestLimiterMixedFaultsTenAtATime(t *testing.T) {
	const seeds = 1000
	for _, faults := range [][]int{{429, 500}, {429, 500, 503, 502}} {
		t.Run(fmt.Sprint(faults), func(t *testing.T) {
			t.Parallel()
			over, worst := 0, 0.0
			for seed := range uint64(seeds) {
				wall, chain, lowest := mixedFaultsModel(seed, 30, 10, faults)
				ratio := wall.Seconds() / chain.Seconds()
				worst = max(worst, ratio)
				if ratio > 2 {
					over++
					if over <= 5 {
						t.Errorf("seed %d: %v, %.2f × the %v of backoffs (at most 2); lowest rate %.2f/s",
							seed, wall.Round(time.Millisecond), ratio, chain.Round(time.Millisecond), lowest)
					}
				}
			}
			t.Logf("%d seeds: %d over 2 × their backoffs, worst %.2f ×", seeds, over, worst)
		})
	}
}

// mixedFaultsModel is BenchmarkMixedFaults on the fake clock: reads reads,
// inFlight at a time, each meeting faults before its answer, the client's
// default backoff (RetryWaitMin 500ms doubling, full jitter; no
// Retry-After), and an answer latency of 1 to 5 ms. Each attempt waits for
// a token as client.do does (a waiter that finds none sleeps until the
// next is due and tries again), then its answer is recorded as 429 or not.
// All randomness comes from seed. It returns the run's time, the longest
// chain of backoffs one worker went through, and the lowest rate the
// limiter had after the first cut.
func mixedFaultsModel(seed uint64, reads, inFlight int, faults []int) (wall, chain time.Duration, lowest float64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d69786564))
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	const waitMin, waitMax = defaultRetryWaitMin, defaultRetryWaitMax
	backoff := func(attempt int) time.Duration { // retry.go's backoff
		ceiling := min(waitMin<<min(attempt-1, 16), waitMax)
		if ceiling <= waitMin {
			return ceiling
		}
		return waitMin + time.Duration(rng.Int64N(int64(ceiling-waitMin+1)))
	}
	type worker struct {
		attempt int
		sentAt  time.Time
		chain   time.Duration
	}
	workers := make([]worker, inFlight)
	var q modelEvents
	next := 0 // the next read to start
	for w := range workers {
		if next < reads {
			next++
			workers[w].attempt = 1
			q.push(modelEvent{at: clock.now(), worker: w})
		}
	}
	begin := clock.now()
	lowest = limiterMaxRate
	for seq := 0; len(q) > 0; seq++ {
		e := q.pop()
		clock.t = e.at
		w := &workers[e.worker]
		if !e.answer {
			at, d := l.take()
			if d > 0 {
				q.push(modelEvent{at: at.Add(d), worker: e.worker, seq: seq})
				continue
			}
			w.sentAt = at
			latency := time.Millisecond + time.Duration(rng.Int64N(int64(4*time.Millisecond)))
			q.push(modelEvent{at: at.Add(latency), worker: e.worker, answer: true, seq: seq})
			continue
		}
		status := 200
		if w.attempt <= len(faults) {
			status = faults[w.attempt-1]
		}
		if status == 429 {
			l.throttled(w.sentAt)
		} else {
			l.succeeded(w.sentAt)
		}
		if l.cut {
			lowest = min(lowest, l.rate(clock.now()))
		}
		if status == 200 {
			if next == reads {
				continue
			}
			next++
			w.attempt = 1
			q.push(modelEvent{at: clock.now(), worker: e.worker, seq: seq})
			continue
		}
		d := backoff(w.attempt)
		w.chain += d
		w.attempt++
		q.push(modelEvent{at: clock.now().Add(d), worker: e.worker, seq: seq})
	}
	for _, w := range workers {
		chain = max(chain, w.chain)
	}
	return clock.now().Sub(begin), chain, lowest
}

type modelEvent struct {
	at     time.Time
	worker int
	answer bool // the answer to the worker's attempt arrives; else it asks for a token
	seq    int
}

// modelEvents is the model's pending events, taken earliest first (in the
// order they were made when at the same time).
type modelEvents []modelEvent

func (q *modelEvents) push(e modelEvent) { *q = append(*q, e) }

func (q *modelEvents) pop() modelEvent {
	first := 0
	for i, e := range *q {
		if f := (*q)[first]; e.at.Before(f.at) || e.at.Equal(f.at) && e.seq < f.seq {
			first = i
		}
	}
	e := (*q)[first]
	*q = append((*q)[:first], (*q)[first+1:]...)
	return e
}
