package images

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Proof of a fresh scan result, without comparing clocks across machines:
// before asking HSS to scan, record each image's Baseline (its
// latest_scan_time, 0 when never scanned, and its scan_status); the image
// is done once it is scanned by every signal (Scanned) with a
// latest_scan_time greater than the recorded one. A failure (failed,
// download_failed, image_oversized, or success with a failure code) is
// the scan's result, and an error, once something moved since the
// baseline; until then it is the failure from before the request, and
// still pending. waiting_for_scan, waiting, scanning and unscan are
// pending.

// Baseline is what an image showed before a scan was asked for.
type Baseline struct {
	LatestScanTime int64  // ms; 0 when never scanned
	ScanStatus     string // "" when unknown: a failure then counts at once
}

// BaselineOf records img's baseline.
func BaselineOf(img *Image) Baseline {
	return Baseline{LatestScanTime: img.LatestScanTime, ScanStatus: img.ScanStatus}
}

// ScanState is where an image's requested scan stands.
type ScanState int

// The states.
const (
	ScanPending ScanState = iota
	ScanDone
	ScanFailedState
)

func (s ScanState) String() string {
	switch s {
	case ScanDone:
		return "done"
	case ScanFailedState:
		return "failed"
	}
	return "pending"
}

// inScan: HSS is about to scan, or scanning.
func inScan(status string) bool {
	switch status {
	case client.ScanWaitingForScan, client.ScanWaiting, client.ScanScanning:
		return true
	}
	return false
}

func failedStatus(status string) bool {
	switch status {
	case client.ScanFailed, client.ScanDownloadFailed, client.ScanImageOversized:
		return true
	}
	return false
}

// Scanning reports whether HSS lists the image (or one of its
// architectures) as waiting for its scan or being scanned.
func (img *Image) Scanning() bool {
	if inScan(img.ScanStatus) {
		return true
	}
	for _, a := range img.Architectures {
		if inScan(a.ScanStatus) {
			return true
		}
	}
	return false
}

// ScanProgress judges an image against the baseline recorded before its
// scan was asked for: pending, done, or failed, with why in words (the
// state HSS shows, for progress messages and errors).
func ScanProgress(img *Image, since Baseline) (ScanState, string) {
	moved := img.LatestScanTime > since.LatestScanTime
	status := fmt.Sprintf("scan_status %q", img.ScanStatus)
	switch {
	case inScan(img.ScanStatus) || img.ScanStatus == client.ScanUnscan:
		return ScanPending, status
	case failedStatus(img.ScanStatus):
		// The failure shown before the request is not its result.
		if !moved && since.ScanStatus != "" && failedStatus(since.ScanStatus) {
			return ScanPending, status + " from before the request (HSS has not started the new scan)"
		}
		return ScanFailedState, scanFailure(img)
	case client.Scanned(img.ScanStatus):
		if !moved {
			return ScanPending, fmt.Sprintf("%s from before the request (latest_scan_time %s, not after %s)",
				status, msText(img.LatestScanTime), msText(since.LatestScanTime))
		}
		if f := scanFailure(img); f != "" {
			if img.Scanning() { // an architecture is still being scanned
				return ScanPending, f
			}
			return ScanFailedState, f
		}
		return ScanDone, fmt.Sprintf("scanned at %s", msText(img.LatestScanTime))
	}
	return ScanFailedState, fmt.Sprintf("HSS reports scan_status %q for %s, a state this provider does not know: no scan result can be proven.", img.ScanStatus, img.Label())
}

func msText(ms int64) string {
	if ms <= 0 {
		return "never"
	}
	return formatTime(time.UnixMilli(ms).UTC())
}

// Poll is how a wait polls: the first wait Initial (default 1 s), each
// next one twice the last up to Max (default 15 s), each with jitter
// (from 3/4 to 5/4 of it). Progress, when set, gets a report after every
// round.
type Poll struct {
	Initial  time.Duration
	Max      time.Duration
	Progress func(Progress)
}

// Progress is one round of a wait.
type Progress struct {
	Round   int
	Done    int
	Pending int
	Total   int
	Next    time.Duration // the wait before the next round; 0 after the last
	States  []string      // each image: "label: state"
	// Images are each image as last read (WaitForScan only; the zero
	// Image when not read yet). Shared: copy what is kept.
	Images []Image
}

func (p Progress) String() string {
	msg := fmt.Sprintf("round %d: %d of %d image(s) done, %d pending", p.Round, p.Done, p.Total, p.Pending)
	if p.Next > 0 {
		msg += fmt.Sprintf("; next look in %s", p.Next.Round(100*time.Millisecond))
	}
	return msg + ": " + strings.Join(p.States, "; ")
}

func (p Poll) delays() func() time.Duration {
	d, ceiling := p.Initial, p.Max
	if d <= 0 {
		d = time.Second
	}
	if ceiling <= 0 {
		ceiling = 15 * time.Second
	}
	return func() time.Duration {
		cur := min(d, ceiling)
		d = min(2*d, ceiling)
		return cur*3/4 + rand.N(cur/2+1) //nolint:gosec // jitter, not security
	}
}

// Target is one image a wait is for: the query that selects it (exactly
// one image, as Lookup takes it) and its baseline.
type Target struct {
	Query Query
	Since Baseline
}

// ScanFailedError is a requested scan that failed: the image, its
// scan_status, scan_failed_code and description.
type ScanFailedError struct {
	Image  Image
	Reason string // the state in words
}

func (e *ScanFailedError) Error() string {
	return fmt.Sprintf("HSS failed to scan %s: %s", e.Image.Label(), e.Reason)
}

// WaitTimeoutError is a wait whose bound ran out: Bound says which (the
// cause of the context, such as the create timeout), States each image's
// last state.
type WaitTimeoutError struct {
	Bound  error
	States []string
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("%v before HSS finished: %s", e.Bound, strings.Join(e.States, "; "))
}

func (e *WaitTimeoutError) Unwrap() error { return e.Bound }

// boundOf is what ended ctx, in words.
func boundOf(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return errors.New("the wait was cancelled")
	}
	return errors.New("the operation's deadline ran out")
}

// WaitForScan polls each target's image through Lookup (fresh reads, so
// the client's limiter and retries apply) until every image is done
// (returned in the order of targets), one failed (a *ScanFailedError), a
// read failed (its error), or ctx ends (a *WaitTimeoutError naming the
// bound, context.Cause(ctx), and every image's last state). Done images
// are not read again.
func WaitForScan(ctx context.Context, c *client.Client, scope client.Scope, targets []Target, p Poll) ([]Image, error) {
	out := make([]Image, len(targets))
	states := make([]string, len(targets))
	done := make([]bool, len(targets))
	for i, t := range targets {
		states[i] = t.Query.Label() + ": not read yet"
	}
	next := p.delays()
	fresh := client.Fresh(ctx)
	for round := 1; ; round++ {
		pending := 0
		for i, t := range targets {
			if done[i] {
				continue
			}
			img, err := Lookup(fresh, c, scope, t.Query)
			if err != nil {
				if ctx.Err() != nil {
					return nil, &WaitTimeoutError{Bound: boundOf(ctx), States: states}
				}
				return nil, fmt.Errorf("reading %s while waiting for its scan: %w", t.Query.Label(), err)
			}
			out[i] = *img
			state, why := ScanProgress(img, t.Since)
			states[i] = img.Label() + ": " + why
			switch state {
			case ScanFailedState:
				return nil, &ScanFailedError{Image: *img, Reason: why}
			case ScanDone:
				done[i] = true
			default:
				pending++
			}
		}
		var wait time.Duration
		if pending > 0 {
			wait = next()
		}
		if p.Progress != nil {
			p.Progress(Progress{Round: round, Done: len(targets) - pending, Pending: pending, Total: len(targets), Next: wait, States: states, Images: out})
		}
		if pending == 0 {
			return out, nil
		}
		if err := Pause(ctx, wait); err != nil {
			return nil, &WaitTimeoutError{Bound: boundOf(ctx), States: states}
		}
	}
}

// Pause waits d, or until ctx ends (its error then): the wait between two
// polls of HSS.
func Pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitWhileScanning is the data sources' wait_for_scan: read gives the
// images (the first call as the data source reads, later ones fresh);
// while any of them is Scanning, it is read again with backoff until none
// is or maxWait runs out, and the last images read are returned as they
// are, for the caller to judge (fail closed) as without a wait. A maxWait
// of 0 reads once. ctx is the outer bound (the read timeout): when it
// ends first, the error says so, and what was still being scanned.
func WaitWhileScanning(ctx context.Context, read func(ctx context.Context) ([]Image, error), maxWait time.Duration, p Poll) ([]Image, error) {
	deadline := time.Now().Add(maxWait)
	images, err := read(ctx)
	if err != nil || maxWait <= 0 {
		return images, err
	}
	next := p.delays()
	fresh := client.Fresh(ctx)
	for round := 1; ; round++ {
		var scanning []string
		for i := range images {
			if images[i].Scanning() {
				scanning = append(scanning, fmt.Sprintf("%s: scan_status %q", images[i].Label(), images[i].ScanStatus))
			}
		}
		left := time.Until(deadline)
		wait := min(next(), max(left, 0))
		if len(scanning) == 0 || left <= 0 {
			wait = 0
		}
		if p.Progress != nil {
			p.Progress(Progress{Round: round, Done: len(images) - len(scanning), Pending: len(scanning), Total: len(images), Next: wait, States: scanning})
		}
		if len(scanning) == 0 || left <= 0 {
			return images, nil // maxWait ran out: as they are
		}
		if Pause(ctx, wait) != nil {
			return nil, &WaitTimeoutError{Bound: boundOf(ctx), States: scanning}
		}
		again, err := read(fresh)
		if err != nil {
			if ctx.Err() != nil {
				return nil, &WaitTimeoutError{Bound: boundOf(ctx), States: scanning}
			}
			return nil, err
		}
		images = again
	}
}

// FindWaiting is Find with wait_for_scan (WaitWhileScanning).
func FindWaiting(ctx context.Context, c *client.Client, scope client.Scope, q Query, maxWait time.Duration, p Poll) ([]Image, error) {
	return WaitWhileScanning(ctx, func(ctx context.Context) ([]Image, error) { return Find(ctx, c, scope, q) }, maxWait, p)
}

// LookupWaiting is Lookup with wait_for_scan (WaitWhileScanning).
func LookupWaiting(ctx context.Context, c *client.Client, scope client.Scope, q Query, maxWait time.Duration, p Poll) (*Image, error) {
	images, err := WaitWhileScanning(ctx, func(ctx context.Context) ([]Image, error) {
		img, err := Lookup(ctx, c, scope, q)
		if err != nil {
			return nil, err
		}
		return []Image{*img}, nil
	}, maxWait, p)
	if err != nil {
		return nil, err
	}
	return &images[0], nil
}
