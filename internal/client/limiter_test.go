package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
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
// further 429s with nothing measured since hold there: they say nothing
// new. A measured estimate below limiterMinRate is limiterMinRate.
func TestLimiterGuessAndFloor(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	l.throttled(clock.now())
	if got := l.currentRate(); !near(got, limiterDecrease*limiterGuess) {
		t.Fatalf("rate %v after a lone 429, want 0.8 × %v", got, limiterDecrease*limiterGuess)
	}
	for i := 0; i < 30; i++ {
		clock.advance(100 * time.Millisecond)
		l.throttled(clock.now())
	}
	if got := l.currentRate(); got < limiterDecrease*limiterGuess || got > limiterGuess {
		t.Fatalf("rate %v after 429s with nothing measured, want it held between 0.8 × %v and %v", got, limiterGuess, limiterGuess)
	}
	clock.advance(time.Minute)
	sent := clock.now()
	clock.advance(time.Second)
	l.succeeded(sent)
	clock.advance(time.Second / 2)
	l.succeeded(sent)
	l.throttled(clock.now()) // 2 answers in 2 s: 1 per second
	if got := l.currentRate(); got != limiterMinRate {
		t.Fatalf("rate %v, want the floor %v", got, limiterMinRate)
	}
}

// Answers since a 429 prove a lower bound of the quota; a 429 sent below
// it undoes the episode's cuts, and the share of 429s then seen is the
// background: 429s at it cut nothing, more than halfway from it to all
// answers cut again, and it is forgotten limiterProofLife after the last
// 429.
func TestLimiterUndoesCutsAQuotaCannotExplain(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	start(t, l)
	clock.advance(time.Hour) // long past the slow start
	l.throttled(clock.now())
	if got := l.currentRate(); !near(got, limiterDecrease*limiterGuess) {
		t.Fatalf("rate %v after the first 429, want 0.8 × the guess", got)
	}
	for range 6 { // 6 answers in a second since the 429: the quota is at least 5/s
		clock.advance(time.Second / 6)
		l.succeeded(clock.now())
	}
	l.throttled(clock.now()) // sent at 8/s or so, above the proof: a quota may refuse it
	if got := l.currentRate(); !near(got, limiterDecrease*5) {
		t.Fatalf("rate %v after a 429 above the proof, want 0.8 × the proof of 5/s", got)
	}
	clock.advance(100 * time.Millisecond)
	l.throttled(clock.now()) // sent at 4/s: no steady quota of 5/s or more refuses that
	if got := l.currentRate(); got != limiterMaxRate {
		t.Fatalf("rate %v after a 429 below the proof, want the cuts undone: %v", got, limiterMaxRate)
	}
	if !near(l.background, 3.0/9) {
		t.Fatalf("background %v, want the share of 429s in the window, 3 of 9", l.background)
	}

	for range 4 { // 429s at a third of the answers: the background
		for range 2 {
			clock.advance(50 * time.Millisecond)
			l.succeeded(clock.now())
		}
		clock.advance(50 * time.Millisecond)
		l.throttled(clock.now())
		if got := l.currentRate(); got != limiterMaxRate {
			t.Fatalf("rate %v after a 429 at the background share, want no cut", got)
		}
	}
	for range 20 { // then 429s only: far above the background
		clock.advance(100 * time.Millisecond)
		l.throttled(clock.now())
	}
	if got := l.currentRate(); got >= limiterMaxRate {
		t.Fatalf("rate %v after 429s far above the background share, want a cut", got)
	}

	l = newLimiter(clock.now)
	start(t, l)
	l.background, l.backgroundAt = 0.5, clock.now()
	clock.advance(limiterProofLife)
	for range 9 {
		l.succeeded(clock.now())
	}
	l.throttled(clock.now()) // a tenth of the answers, but the background is gone
	if got := l.currentRate(); got >= limiterMaxRate || l.background != 0 {
		t.Fatalf("rate %v, background %v: a 429 limiterProofLife after the last one still met the background", got, l.background)
	}
}

// drive sends requests as fast as l and a client that wants demand
// requests per second allow, for d; gateway answers each at once: true for
// a 429. It returns the answers that got through and the 429s, and fails
// the test if a cut was ever undone when undo is false.
func drive(t *testing.T, l *limiter, clock *fakeClock, d time.Duration, demand float64, undo bool, gateway func(now time.Time) bool) (ok, throttled int) {
	t.Helper()
	gap := time.Duration(float64(time.Second) / demand)
	for end := clock.now().Add(d); clock.now().Before(end); {
		at, wait := l.take()
		if wait > 0 {
			clock.advance(wait)
			continue
		}
		if gateway(at) {
			throttled++
			l.throttled(at)
			if !undo && l.background > 0 {
				t.Fatalf("after %d answers and %d 429s: the cuts were undone, the quota taken for a background of %.2f", ok, throttled, l.background)
			}
		} else {
			ok++
			l.succeeded(at)
		}
		clock.advance(gap)
	}
	return ok, throttled
}

// quota is the gateway's flow control: a token bucket of perSecond
// tokens, refilled continuously, starting with tokens.
func quota(clock *fakeClock, perSecond, tokens float64) func(time.Time) bool {
	last := clock.now()
	return func(now time.Time) bool {
		tokens = min(perSecond, tokens+now.Sub(last).Seconds()*perSecond)
		last = now
		if tokens < 1 {
			return true
		}
		tokens--
		return false
	}
}

// Under a steady quota the limiter settles below it: few 429s, most of
// the quota used, and no cut is ever undone, whether the process starts
// with the quota unused or used up by its predecessor.
func TestLimiterFollowsASteadyQuota(t *testing.T) {
	for _, q := range []float64{3, 10, 50} {
		for _, full := range []bool{true, false} {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			l := newLimiter(clock.now)
			tokens := 0.0
			if full {
				tokens = q
			}
			const d = time.Minute
			ok, throttled := drive(t, l, clock, d, 500, false, quota(clock, q, tokens))
			t.Logf("quota %v/s, bucket full %v: %d answers, %d 429s in %v", q, full, ok, throttled, d)
			if throttled*10 > ok {
				t.Errorf("quota %v/s, bucket full %v: %d 429s for %d answers, want at most 1 per 10", q, full, throttled, ok)
			}
			if float64(ok) < 0.75*q*d.Seconds() {
				t.Errorf("quota %v/s, bucket full %v: %d answers in %v, want at least 3/4 of the %v the quota allows", q, full, ok, d, q*d.Seconds())
			}
		}
	}
}

// A gateway that refuses every nth request whatever the rate: cutting
// changes nothing, so after the first cuts are disproved the client runs
// at the rate it wants. Today's limiter sat at limiterMinRate.
func TestLimiterIgnoresThrottlingThatCuttingDoesNotChange(t *testing.T) {
	for _, every := range []int{3, 5} { // 429+500 per read; 429, 500, 503, 502
		clock := &fakeClock{t: time.Unix(1000, 0)}
		l := newLimiter(clock.now)
		n := 0
		const demand, d = 50.0, 20 * time.Second
		ok, throttled := drive(t, l, clock, d, demand, true, func(time.Time) bool { n++; return n%every == 1 })
		t.Logf("every %dth refused: %d answers, %d 429s in %v; rate %.1f/s", every, ok, throttled, d, l.currentRate())
		if sent := float64(ok + throttled); sent < 0.8*demand*d.Seconds() {
			t.Errorf("every %dth refused: %v requests in %v, want at least 0.8 × the %v the client wanted: the limiter held it back", every, sent, d, demand*d.Seconds())
		}
		if got := l.currentRate(); got < demand {
			t.Errorf("every %dth refused: rate %.1f/s at the end, want at least the %v/s the client wants", every, got, demand)
		}
	}
}

// simulateReads runs reads reads on workers workers through l, each read
// meeting faults (true: a 429, false: a 5xx) before its answer and waiting
// wait(attempt) before each retry; every attempt first takes a token of l.
// Answers come at once. It returns the time all took and the longest
// chain of waits one worker went through.
func simulateReads(l *limiter, clock *fakeClock, workers, reads int, faults []bool, wait func(attempt int) time.Duration) (took, chain time.Duration) {
	start, next := clock.now(), 0
	chains := make([]time.Duration, workers)
	type worker struct {
		at      time.Time
		attempt int
		busy    bool
	}
	ws := make([]worker, workers)
	for i := range ws {
		if next < reads {
			ws[i] = worker{at: start, busy: true}
			next++
		}
	}
	for {
		w := -1
		for i := range ws {
			if ws[i].busy && (w < 0 || ws[i].at.Before(ws[w].at)) {
				w = i
			}
		}
		if w < 0 {
			for _, c := range chains {
				chain = max(chain, c)
			}
			return clock.now().Sub(start), chain
		}
		if ws[w].at.After(clock.now()) {
			clock.t = ws[w].at
		}
		at, d := l.take()
		if d > 0 {
			ws[w].at = clock.now().Add(d)
			continue
		}
		if a := ws[w].attempt; a < len(faults) {
			if faults[a] {
				l.throttled(at)
			} else {
				l.succeeded(at)
			}
			ws[w].attempt++
			d := wait(ws[w].attempt)
			chains[w] += d
			ws[w].at = clock.now().Add(d)
			continue
		}
		l.succeeded(at)
		ws[w] = worker{at: clock.now(), busy: next < reads}
		next++
	}
}

// The case as the limiter alone sees it, on a fake clock: 30
// reads, 10 at a time or one at a time, each meeting a 429 and then one or
// three 5xx, with the client's default waits before each retry (20 draws
// of their jitter). The limiter must not add as much again as the
// backoffs need. Today's limiter took 76 s where the backoffs need about
// 5: it sat at limiterMinRate. A limiter that let anything but a proof
// lower its estimate while recovering from a cut failed one at a time: it
// fell below every proof to come, and stayed at the floor.
func TestLimiterMixedFaultsCostLessThanTheirBackoffs(t *testing.T) {
	const reads = 30
	for _, workers := range []int{10, 1} {
		for _, faults := range [][]bool{{true, false}, {true, false, false, false}} {
			for seed := range uint64(20) {
				// The client's default waits: 500 ms, then full jitter
				// up to 500 ms × 2^(attempt-1).
				rng := rand.New(rand.NewPCG(seed, 1))
				wait := func(attempt int) time.Duration {
					return 500*time.Millisecond + time.Duration(rng.Int64N(int64(500*time.Millisecond)<<(attempt-1)-int64(500*time.Millisecond)+1))
				}
				clock := &fakeClock{t: time.Unix(1000, 0)}
				l := newLimiter(clock.now)
				took, chain := simulateReads(l, clock, workers, reads, faults, wait)
				if took > 2*chain {
					t.Errorf("%d at a time, %d faults each, seed %d: %v, more than twice the %v of the longest chain of backoffs", workers, len(faults), seed, took, chain)
				}
			}
		}
	}
}

// The case: 30 reads, each meeting a 429 and then a 500 (or 429,
// 500, 503, 502) before its answer, one read at a time against the
// simulator. The backoffs are fixed (RetryWaitMin = RetryWaitMax, and the
// 429s carry no Retry-After), so a read waits exactly its faults × wait.
// The run must finish within twice what its backoffs and its requests' own
// time need, with the limiter far above its floor at the end. Today's
// limiter measured the quota from its own ever lower rate and sat at
// limiterMinRate: a minute and more.
func TestLimiterRecoversFromMixedFaults(t *testing.T) {
	const reads, wait = 30, 100 * time.Millisecond
	for _, faults := range [][]int{{429, 500}, {429, 500, 503, 502}} {
		t.Run(fmt.Sprint(faults), func(t *testing.T) {
			t.Parallel()
			sim := simulator.New(simulator.Options{})
			srv := simulator.NewServer(sim)
			t.Cleanup(srv.Close)
			log := &attemptLog{}
			c, err := New(Config{
				Endpoint: srv.URL, Region: "cn-north-4", ProjectID: simulator.DefaultProjectID,
				Credentials: Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey},
				MaxRetries:  len(faults), RetryWaitMin: wait, RetryWaitMax: wait, Logger: log,
			})
			if err != nil {
				t.Fatal(err)
			}
			backoffs := time.Duration(reads*len(faults)) * wait
			// A cut-off that never binds a run the assertion below would
			// pass, so that today's run fails in seconds, not minutes.
			ctx, cancel := context.WithTimeout(context.Background(), 3*backoffs)
			defer cancel()
			start := time.Now()
			for i := range reads {
				for _, status := range faults {
					sim.InjectAt(simulator.BaselineStatistic, simulator.Fault{Status: status})
				}
				name := fmt.Sprintf("img-%d", i)
				if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "private_image", ImageName: &name}); err != nil {
					t.Fatalf("read %d of %d failed after %v, when the backoffs of all %d reads need %v; the limiter's rate is %.1f/s: %v",
						i+1, reads, time.Since(start).Round(time.Millisecond), reads, backoffs, c.limiter.currentRate(), err)
				}
			}
			elapsed := time.Since(start)
			waits, waited, requests := log.totals()
			if waits != reads*len(faults) || waited != backoffs {
				t.Fatalf("%d waits of %v in all, want %d of %v each: the faults did not go as planned", waits, waited, reads*len(faults), wait)
			}
			if n := len(sim.Requests()); n != reads*(len(faults)+1) {
				t.Fatalf("%d requests, want %d", n, reads*(len(faults)+1))
			}
			bound := 2 * (backoffs + requests)
			t.Logf("%d reads with %v each: %v in all; backoffs %v, the requests' own time %v: %.2f × what they need (at most 2); rate at the end %.0f/s",
				reads, faults, elapsed.Round(time.Millisecond), backoffs, requests, elapsed.Seconds()/(backoffs+requests).Seconds(), c.limiter.currentRate())
			if elapsed > bound {
				t.Errorf("%v, more than twice the %v the backoffs and the requests' own time need", elapsed.Round(time.Millisecond), (backoffs + requests).Round(time.Millisecond))
			}
			if rate := c.limiter.currentRate(); rate < limiterGuess {
				t.Errorf("rate %.1f/s at the end, want at least %v/s: the faults pulled the estimate down to the floor", rate, limiterGuess)
			}
		})
	}
}

// BenchmarkMixedFaults is the case as a plan runs it: 30 reads,
// 10 at a time (Terraform's default parallelism), each meeting the faults
// before its answer, with the client's default waits and max_retries. It
// reports the run's wall time, the longest chain of backoff waits one of
// the 10 went through (what the backoffs alone need), and their ratio.
func BenchmarkMixedFaults(b *testing.B) {
	for _, faults := range [][]int{{429, 500}, {429, 500, 503, 502}} {
		b.Run(fmt.Sprint(faults), func(b *testing.B) {
			var wall, chain time.Duration
			runs := 0
			for b.Loop() {
				w, c := mixedFaultsTenAtATime(b, faults)
				wall, chain, runs = wall+w, chain+c, runs+1
			}
			b.ReportMetric(wall.Seconds()/float64(runs), "s-wall")
			b.ReportMetric(chain.Seconds()/float64(runs), "s-backoffs")
			b.ReportMetric(wall.Seconds()/chain.Seconds(), "x-backoffs")
		})
	}
}

func mixedFaultsTenAtATime(b *testing.B, faults []int) (wall, chain time.Duration) {
	const reads, inFlight = 30, 10
	srv := httptest.NewServer(&perReadFaults{next: simulator.New(simulator.Options{}), statuses: faults, seen: map[string]int{}})
	defer srv.Close()
	c, err := New(Config{
		Endpoint: srv.URL, Region: "cn-north-4", ProjectID: simulator.DefaultProjectID,
		Credentials: Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey},
		MaxRetries:  DefaultMaxRetries, Logger: chainLog{},
	})
	if err != nil {
		b.Fatal(err)
	}
	jobs := make(chan int)
	chains := make([]time.Duration, inFlight)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range inFlight {
		wg.Go(func() {
			ctx := context.WithValue(context.Background(), chainKey{}, &chains[w])
			for i := range jobs {
				name := fmt.Sprintf("img-%d", i)
				if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "private_image", ImageName: &name}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range reads {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	wall = time.Since(start)
	for _, c := range chains {
		chain = max(chain, c)
	}
	return wall, chain
}

// perReadFaults answers each read's first attempts (a read is an image
// name) with statuses, in order, and passes the rest to next.
type perReadFaults struct {
	next     http.Handler
	statuses []int
	mu       sync.Mutex
	seen     map[string]int
}

func (p *perReadFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("image_name")
	p.mu.Lock()
	n := p.seen[key]
	p.seen[key]++
	p.mu.Unlock()
	if n >= len(p.statuses) {
		p.next.ServeHTTP(w, r)
		return
	}
	code := map[int]string{429: "APIGW.0308", 500: "HSS.0500"}[p.statuses[n]]
	if code == "" {
		code = "APIGW.0202"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.statuses[n])
	fmt.Fprintf(w, `{"error_code":%q,"error_msg":"injected"}`, code)
}

// chainLog adds each wait before a retry to the chain in its context.
type chainLog struct{}

type chainKey struct{}

func (chainLog) Debug(ctx context.Context, _ string, fields map[string]any) {
	if ms, ok := fields["retry_in_ms"].(int64); ok {
		if c, ok := ctx.Value(chainKey{}).(*time.Duration); ok {
			*c += time.Duration(ms) * time.Millisecond
		}
	}
}

// attemptLog adds up the client's debug records: the waits before retries
// and the attempts' own durations.
type attemptLog struct {
	mu       sync.Mutex
	waits    int
	waited   time.Duration
	requests time.Duration
}

func (l *attemptLog) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ms, ok := fields["retry_in_ms"].(int64); ok {
		l.waits++
		l.waited += time.Duration(ms) * time.Millisecond
		return
	}
	if ms, ok := fields["duration_ms"].(int64); ok && strings.HasPrefix(msg, "HSS request") {
		l.requests += time.Duration(ms) * time.Millisecond
	}
}

func (l *attemptLog) totals() (int, time.Duration, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits, l.waited, l.requests
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
