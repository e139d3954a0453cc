package images

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// The proof of a fresh result, judged on crafted records.
func TestScanProgress(t *testing.T) {
	const before, after = 1767225600000, 1767225700000
	img := func(change func(*client.ImageRecord)) *Image {
		r := client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "3.0",
			ScanStatus: client.ScanSuccess, LatestScanTime: after}
		change(&r)
		return &Image{ImageRecord: r}
	}
	scanned := Baseline{LatestScanTime: before, ScanStatus: client.ScanSuccess}
	never := Baseline{ScanStatus: client.ScanUnscan}
	for _, tc := range []struct {
		name  string
		img   *Image
		since Baseline
		want  ScanState
		why   string
	}{
		{"a newer success", img(func(*client.ImageRecord) {}), scanned, ScanDone, "scanned at"},
		{"first scan", img(func(*client.ImageRecord) {}), never, ScanDone, "scanned at"},
		{"the old success", img(func(r *client.ImageRecord) { r.LatestScanTime = before }), scanned, ScanPending, "from before the request"},
		{"an older success", img(func(r *client.ImageRecord) { r.LatestScanTime = before - 1 }), scanned, ScanPending, "from before the request"},
		{"success without a time, never scanned", img(func(r *client.ImageRecord) { r.LatestScanTime = 0 }), never, ScanPending, "from before the request"},
		{"waiting", img(func(r *client.ImageRecord) { r.ScanStatus, r.LatestScanTime = client.ScanWaitingForScan, before }), scanned, ScanPending, `"waiting_for_scan"`},
		{"local waiting", img(func(r *client.ImageRecord) { r.ScanStatus = client.ScanWaiting }), scanned, ScanPending, `"waiting"`},
		{"scanning", img(func(r *client.ImageRecord) { r.ScanStatus = client.ScanScanning }), scanned, ScanPending, `"scanning"`},
		{"unscan", img(func(r *client.ImageRecord) { r.ScanStatus, r.LatestScanTime = client.ScanUnscan, 0 }), never, ScanPending, `"unscan"`},
		{"failed", img(func(r *client.ImageRecord) {
			r.ScanStatus, r.ScanFailedCode, r.ScanFailedDesc = client.ScanFailed, "download_failed", "Image download failed."
		}), scanned, ScanFailedState, `scan_status "failed" (scan_failed_code "download_failed": Image download failed.)`},
		{"failed, time unmoved, baseline success", img(func(r *client.ImageRecord) {
			r.ScanStatus, r.LatestScanTime, r.ScanFailedCode = client.ScanFailed, before, "unknown_error"
		}), scanned, ScanFailedState, `scan_failed_code "unknown_error"`},
		{"the failure from before", img(func(r *client.ImageRecord) {
			r.ScanStatus, r.LatestScanTime, r.ScanFailedCode = client.ScanFailed, before, "unknown_error"
		}), Baseline{LatestScanTime: before, ScanStatus: client.ScanFailed}, ScanPending, "from before the request"},
		{"a failure, baseline unknown", img(func(r *client.ImageRecord) { r.ScanStatus, r.LatestScanTime = client.ScanFailed, before }),
			Baseline{LatestScanTime: before}, ScanFailedState, `scan_status "failed"`},
		{"download_failed", img(func(r *client.ImageRecord) { r.ScanStatus = client.ScanDownloadFailed }), scanned, ScanFailedState, `"download_failed"`},
		{"image_oversized", img(func(r *client.ImageRecord) { r.ScanStatus = client.ScanImageOversized }), scanned, ScanFailedState, `"image_oversized"`},
		{"success with a failure code", img(func(r *client.ImageRecord) { r.ScanFailedCode = "failed_to_scan_file" }), scanned, ScanFailedState,
			`scan_status is "success" but scan_failed_code is "failed_to_scan_file"`},
		{"the old success with a failure code", img(func(r *client.ImageRecord) { r.ScanFailedCode, r.LatestScanTime = "failed_to_scan_file", before }),
			scanned, ScanPending, "from before the request"},
		{"an architecture still scanning", img(func(r *client.ImageRecord) {
			r.MultiArch, r.Architectures = true, []client.ArchImage{{ImageID: "amd64", ScanStatus: client.ScanSuccess}, {ImageID: "arm64", ScanStatus: client.ScanScanning}}
		}), scanned, ScanPending, `"arm64"`},
		{"an architecture failed", img(func(r *client.ImageRecord) {
			r.MultiArch, r.Architectures = true, []client.ArchImage{{ImageID: "arm64", ScanStatus: client.ScanFailed}}
		}), scanned, ScanFailedState, `"arm64"`},
		{"an unknown state", img(func(r *client.ImageRecord) { r.ScanStatus = "quarantined" }), scanned, ScanFailedState, "does not know"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := ScanProgress(tc.img, tc.since)
			if got != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("got %s (%s), want %s containing %q", got, why, tc.want, tc.why)
			}
		})
	}
}

func releaseImages(n int, change func(i int, img *simulator.Image)) []simulator.Image {
	images := simulator.DefaultImages()
	for i := 0; i < n; i++ {
		img := simulator.Image{ID: fmt.Sprintf("img-release-%02d", i), Type: "private_image", EnterpriseProjectID: "0",
			Namespace: "release", Name: fmt.Sprintf("app-%02d", i), Version: "1.0", ScanStatus: "unscan", SizeBytes: 1000,
			LatestUpdateTime: 1767225600000, SeverityLevel: "Low"}
		if change != nil {
			change(i, &img)
		}
		images = append(images, img)
	}
	return images
}

func releaseQuery(i int) Query {
	ns, name, version := "release", fmt.Sprintf("app-%02d", i), "1.0"
	return Query{ImageType: "private_image", Namespace: &ns, ImageName: &name, ImageVersion: &version}
}

// scanAndWait records the baselines, asks once, and waits.
func scanAndWait(ctx context.Context, t *testing.T, c *client.Client, n int, p Poll) ([]Image, error) {
	t.Helper()
	var targets []Target
	var records []client.ImageRecord
	for i := 0; i < n; i++ {
		img, err := Lookup(client.Fresh(ctx), c, client.Scope{}, releaseQuery(i))
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, Target{Query: releaseQuery(i), Since: BaselineOf(img)})
		records = append(records, img.ImageRecord)
	}
	if err := c.CreateManualImageScanTask(ctx, client.Scope{}, records, client.ScanTaskOptions{}); err != nil {
		t.Fatal(err)
	}
	return WaitForScan(ctx, c, client.Scope{}, targets, p)
}

// A scan of 10 images against the simulator's scan delay, with the
// default poll policy: the requests it takes and how long.
func TestWaitForScanTenImages(t *testing.T) {
	const delay = 2 * time.Second
	sim, c := simClient(t, simulator.Options{Images: releaseImages(10, nil), ScanDelay: delay})
	var rounds []Progress
	start := time.Now()
	images, err := scanAndWait(context.Background(), t, c, 10, Poll{Progress: func(p Progress) { rounds = append(rounds, p) }})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range images {
		if img.ScanStatus != "success" || img.LatestScanTime == 0 || img.ImageName != fmt.Sprintf("app-%02d", i) {
			t.Errorf("image %d: %+v", i, img.ImageRecord)
		}
	}
	lists, posts := sim.Count(simulator.RegistryImages), sim.Count(simulator.ImageScanTasks)
	t.Logf("10 images, scan delay %s: %d requests (%d list reads, %d scan request), %d rounds, %s", delay, lists+posts, lists, posts, len(rounds), took.Round(10*time.Millisecond))
	if posts != 1 || len(rounds) < 2 || took < delay { // no upper bound: wall time is measured (make bench), never asserted
		t.Errorf("%d scan requests, %d rounds, %s", posts, len(rounds), took)
	}
	if last := rounds[len(rounds)-1]; last.Done != 10 || last.Pending != 0 || last.Next != 0 {
		t.Errorf("last round %s", last)
	}
	if lists != 10+10*len(rounds)-countDoneBefore(rounds) {
		t.Errorf("%d list reads: done images must not be read again", lists)
	}
}

// countDoneBefore is the reads saved by not reading done images again.
func countDoneBefore(rounds []Progress) int {
	saved := 0
	for i := 1; i < len(rounds); i++ {
		saved += rounds[i-1].Done
	}
	return saved
}

// A scan that fails is an error naming the image, the code and the
// description; the task list shows it.
func TestWaitForScanFailure(t *testing.T) {
	sim, c := simClient(t, simulator.Options{ScanDelay: 300 * time.Millisecond, Images: releaseImages(2, func(i int, img *simulator.Image) {
		if i == 1 {
			img.FailScan = "image_layer_over_sized"
		}
	})})
	_, err := scanAndWait(context.Background(), t, c, 2, Poll{Initial: 100 * time.Millisecond, Max: 200 * time.Millisecond})
	var fe *ScanFailedError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "release/app-01:1.0") || !strings.Contains(err.Error(), `scan_failed_code "image_layer_over_sized"`) ||
		!strings.Contains(err.Error(), "The image failed to scan") {
		t.Fatalf("got %v", err)
	}
	tasks, err := c.ListImageScanTask(context.Background(), client.Scope{}, client.ImageTaskQuery{Type: client.TaskListScan})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].TaskType != "manual" || *tasks[0].TotalNum != 2 || len(tasks[0].FailedImages) != 1 ||
		tasks[0].FailedImages[0].ImageName != "app-01" || tasks[0].FailedImages[0].FailedReason != "image_layer_over_sized" {
		t.Fatalf("tasks %+v", tasks)
	}
	_ = sim
}

// A wait whose bound runs out says which bound, and each image's last state.
func TestWaitForScanTimeout(t *testing.T) {
	_, c := simClient(t, simulator.Options{ScanDelay: time.Hour, Images: releaseImages(1, nil)})
	ctx, cancel := context.WithTimeoutCause(context.Background(), 500*time.Millisecond, errors.New("the create timeout of 500ms ran out"))
	defer cancel()
	_, err := scanAndWait(ctx, t, c, 1, Poll{Initial: 100 * time.Millisecond})
	var te *WaitTimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "the create timeout of 500ms ran out before HSS finished: private_image release/app-00:1.0: scan_status") {
		t.Fatalf("got %v", err)
	}
}

// wait_for_scan: an image listed as scanning is polled until its scan
// ends; or returned as it is when the wait runs out.
func TestWaitWhileScanning(t *testing.T) {
	sim, c := simClient(t, simulator.Options{ScanDelay: 400 * time.Millisecond, Images: releaseImages(1, nil)})
	img, err := Lookup(context.Background(), c, client.Scope{}, releaseQuery(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateManualImageScanTask(context.Background(), client.Scope{}, []client.ImageRecord{img.ImageRecord}, client.ScanTaskOptions{}); err != nil {
		t.Fatal(err)
	}
	p := Poll{Initial: 50 * time.Millisecond, Max: 100 * time.Millisecond}
	// The first read of a wait is the data source's own: here a fresh one,
	// as the client kept the answer from before the request.
	short, err := LookupWaiting(client.Fresh(context.Background()), c, client.Scope{}, releaseQuery(0), 60*time.Millisecond, p)
	if err != nil || !short.Scanning() {
		t.Fatalf("a wait shorter than the scan: got %v, %+v", err, short)
	}
	got, err := LookupWaiting(context.Background(), c, client.Scope{}, releaseQuery(0), 5*time.Second, p)
	if err != nil || got.ScanStatus != "success" || got.LatestScanTime == 0 {
		t.Fatalf("got %v, %+v", err, got)
	}
	// Later reads of the same client see the newer answer.
	again, err := Lookup(context.Background(), c, client.Scope{}, releaseQuery(0))
	if err != nil || again.ScanStatus != "success" {
		t.Fatalf("got %v, %+v", err, again)
	}
	// The read timeout ends a wait with an error saying so.
	if err := c.CreateManualImageScanTask(context.Background(), client.Scope{}, []client.ImageRecord{again.ImageRecord}, client.ScanTaskOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeoutCause(context.Background(), 150*time.Millisecond, errors.New("the read timeout of 150ms ran out"))
	defer cancel()
	_, err = LookupWaiting(client.Fresh(ctx), c, client.Scope{}, releaseQuery(0), time.Minute, p)
	if err == nil || !strings.Contains(err.Error(), "the read timeout of 150ms ran out before HSS finished") {
		t.Fatalf("got %v", err)
	}
	_ = sim
}
