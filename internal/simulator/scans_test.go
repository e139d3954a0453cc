package simulator

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// testClock is a clock tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) { c.set(c.now().Add(d)) }
func (c *testClock) set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func scanTestImages() []Image {
	return append(DefaultImages(),
		Image{ID: "img-new", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "new", Version: "1.0", ScanStatus: "unscan", NotSynchronised: true},
		Image{ID: "img-bad", Type: "private_image", EnterpriseProjectID: "0", Namespace: "release", Name: "bad", Version: "1.0", ScanStatus: "unscan", FailScan: "image_layer_over_sized"},
	)
}

func TestScanTasksOnTheSimulatorsClock(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	sim := New(Options{Images: scanTestImages(), Now: clock.now, ScanDelay: 8 * time.Second, SyncDelay: 5 * time.Second})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/"
	records := func(name string) []any {
		t.Helper()
		status, body := do(t, srv, "GET", base+"registries/images", "namespace=release&image_name="+name+"&limit=200", "", nil)
		if status != 200 {
			t.Fatalf("list: %d %v", status, body)
		}
		list, _ := body["data_list"].([]any)
		return list
	}
	attr := func(name, f string) any {
		t.Helper()
		list := records(name)
		if len(list) != 1 {
			t.Fatalf("%s: %d records", name, len(list))
		}
		return field[map[string]any](t, list, name, 0)[f]
	}

	// Synchronise: listed only once a request of its type has taken effect.
	if n := len(records("new")); n != 0 {
		t.Fatalf("an image not synchronised yet is listed (%d)", n)
	}
	checkRoutes(t, srv, []routeCase{
		{"sync of another type", "POST", base + "synchronize", "", `{"image_type": "shared_image"}`, nil, 200, "", ""},
		{"sync of a type it cannot", "POST", base + "synchronize", "", `{"image_type": "harbor"}`, nil, 400, "HSS.0001", "image_type must be one of"},
	})
	clock.add(time.Minute)
	if n := len(records("new")); n != 0 {
		t.Fatal("a shared_image synchronisation listed a private image")
	}
	if status, body := do(t, srv, "POST", base+"synchronize", "", `{"image_type": "private_image"}`, nil); status != 200 {
		t.Fatalf("sync: %d %v", status, body)
	}
	clock.add(4 * time.Second)
	if n := len(records("new")); n != 0 {
		t.Fatal("listed before the sync delay passed")
	}
	clock.add(time.Second)
	if n := len(records("new")); n != 1 {
		t.Fatal("not listed once the sync delay passed")
	}

	// Scan: waiting_for_scan, scanning, success at the completion time.
	rec := field[map[string]any](t, records("new"), "new", 0)
	info := map[string]any{}
	for _, k := range []string{"id", "image_id", "image_digest", "registry_id", "registry_name", "image_name", "image_version", "namespace", "registry_type"} {
		info[k] = rec[k]
	}
	body, _ := json.Marshal(map[string]any{"is_all": false, "image_info": []any{info}})
	wrong := map[string]any{"id": rec["id"], "image_name": "new", "image_version": "1.0", "image_digest": "sha256:other"}
	wrongBody, _ := json.Marshal(map[string]any{"image_info": []any{wrong}})
	checkRoutes(t, srv, []routeCase{
		{"scan without images", "POST", base + "image-scan/tasks", "global_image_type=registry", `{"is_all": false}`, nil, 400, "HSS.0001", "image_info is required"},
		{"scan of another digest", "POST", base + "image-scan/tasks", "", string(wrongBody), nil, 400, "HSS.0001", "names 0 images"},
		{"scan with an unknown field", "POST", base + "image-scan/tasks", "", `{"image_info": [{"id": 1, "image_name": "x", "image_version": "1", "tag": "x"}]}`, nil, 400, "HSS.0001", "unknown field"},
		{"scan as local", "POST", base + "image-scan/tasks", "global_image_type=local", string(body), nil, 400, "HSS.0001", "names 0 images"},
	})
	asked := clock.now()
	if status, resp := do(t, srv, "POST", base+"image-scan/tasks", "global_image_type=registry", string(body), nil); status != 200 {
		t.Fatalf("scan: %d %v", status, resp)
	}
	for _, step := range []struct {
		after  time.Duration
		status string
	}{{0, "waiting_for_scan"}, {time.Second, "waiting_for_scan"}, {2 * time.Second, "scanning"}, {7999 * time.Millisecond, "scanning"}, {8 * time.Second, "success"}} {
		clock.set(asked.Add(step.after))
		if got := attr("new", "scan_status"); got != step.status {
			t.Fatalf("%s after the request: %v, want %s", step.after, got, step.status)
		}
	}
	if got, _ := attr("new", "latest_scan_time").(float64); int64(got) != asked.Add(8*time.Second).UnixMilli() {
		t.Fatalf("latest_scan_time %v, want the completion time", got)
	}

	// A marked image fails with its code; the task list shows both tasks.
	bad := field[map[string]any](t, records("bad"), "bad", 0)
	badBody, _ := json.Marshal(map[string]any{"image_info": []any{map[string]any{"id": bad["id"], "image_name": "bad", "image_version": "1.0"}}})
	if status, resp := do(t, srv, "POST", base+"image-scan/tasks", "", string(badBody), nil); status != 200 {
		t.Fatalf("scan: %d %v", status, resp)
	}
	_, tasks := do(t, srv, "GET", base+"tasks", "type=image_scan&task_status=scanning", "", nil)
	if fmt.Sprint(tasks["total_num"]) != "1" {
		t.Fatalf("running tasks %v", tasks)
	}
	clock.add(8 * time.Second)
	if attr("bad", "scan_status") != "failed" || attr("bad", "scan_failed_code") != "image_layer_over_sized" {
		t.Fatalf("got %v", records("bad"))
	}
	_, tasks = do(t, srv, "GET", base+"tasks", "type=image_scan&task_type=manual", "", nil)
	list, _ := tasks["data_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("tasks %v", tasks)
	}
	newest := field[map[string]any](t, list, "tasks", 0)
	failed, _ := newest["failed_images"].([]any)
	if fmt.Sprint(newest["task_status"]) != "100" || fmt.Sprint(newest["failed_num"]) != "1" || len(failed) != 1 ||
		field[string](t, failed, "failed_images", 0, "failed_reason") != "image_layer_over_sized" || newest["end_time"] == nil {
		t.Fatalf("task %v", newest)
	}
	_, syncs := do(t, srv, "GET", base+"tasks", "type=image_sync", "", nil)
	if fmt.Sprint(syncs["total_num"]) != "2" {
		t.Fatalf("sync tasks %v", syncs)
	}
	if n := sim.Count(ImageScanTasks); n != 6 {
		t.Fatalf("%d scan task requests counted, want 6", n)
	}

	// MoveTag: a new digest, unscanned unless rescanned.
	before := attr("new", "image_digest")
	digest, err := sim.MoveTag("release", "new", "1.0", false)
	if err != nil || digest == before || attr("new", "image_digest") != digest || attr("new", "scan_status") != "unscan" {
		t.Fatalf("moved to %s (%v): %v", digest, err, records("new"))
	}
	digest2, err := sim.MoveTag("release", "new", "1.0", true)
	if err != nil || digest2 == digest || attr("new", "scan_status") != "success" {
		t.Fatalf("moved to %s (%v): %v", digest2, err, records("new"))
	}
	if _, err := sim.MoveTag("release", "none", "1.0", false); err == nil {
		t.Fatal("moved a tag that does not exist")
	}
}

func TestImageSyncTasks(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	imgs := append(DefaultImages(),
		Image{ID: "img-h1", Type: "harbor", EnterpriseProjectID: "0", Namespace: "ci", Name: "one", Version: "1", RegistryName: "harbor-a", ScanStatus: "unscan", NotSynchronised: true},
		Image{ID: "img-h2", Type: "harbor", EnterpriseProjectID: "0", Namespace: "ci", Name: "two", Version: "1", RegistryName: "harbor-b", ScanStatus: "unscan", NotSynchronised: true},
		Image{ID: "img-j1", Type: "jfrog", EnterpriseProjectID: "0", Namespace: "ci", Name: "three", Version: "1", RegistryName: "jf", ScanStatus: "unscan", NotSynchronised: true},
	)
	sim := New(Options{Images: imgs, Now: clock.now, SyncDelay: 5 * time.Second})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/"
	listed := func(typ, name string) bool {
		t.Helper()
		status, body := do(t, srv, "GET", base+"registries/images", "image_type="+typ+"&namespace=ci&image_name="+name+"&limit=200", "", nil)
		if status != 200 {
			t.Fatalf("list: %d %v", status, body)
		}
		list, _ := body["data_list"].([]any)
		return len(list) == 1
	}
	checkRoutes(t, srv, []routeCase{
		{"no sync_all_registries", "POST", base + "image-sync/tasks", "", `{"registry_info": [{"registry_id": "reg-harbor-a", "registry_type": "Harbor"}]}`, nil, 400, "HSS.0001", "sync_all_registries is required"},
		{"nothing named", "POST", base + "image-sync/tasks", "", `{"sync_all_registries": false}`, nil, 400, "HSS.0001", "registry_info is required"},
		{"an unknown registry type", "POST", base + "image-sync/tasks", "", `{"sync_all_registries": false, "registry_info": [{"registry_id": "x", "registry_type": "harbor"}]}`, nil, 400, "HSS.0001", "registry_type must be one of SwrPrivate, SwrShared"},
		{"no registry id", "POST", base + "image-sync/tasks", "", `{"sync_all_registries": false, "registry_info": [{"registry_type": "Harbor"}]}`, nil, 400, "HSS.0001", "registry_id is required"},
		{"an unknown field", "POST", base + "image-sync/tasks", "", `{"sync_all_registries": true, "image_type": "harbor"}`, nil, 400, "HSS.0001", "unknown field"},
	})
	if listed("harbor", "one") || listed("harbor", "two") || listed("jfrog", "three") {
		t.Fatal("an image not synchronised yet is listed")
	}
	if status, body := do(t, srv, "POST", base+"image-sync/tasks", "", `{"sync_all_registries": false, "registry_info": [{"registry_id": "reg-harbor-a", "registry_type": "Harbor"}]}`, nil); status != 200 {
		t.Fatalf("sync: %d %v", status, body)
	}
	clock.add(4 * time.Second)
	if listed("harbor", "one") {
		t.Fatal("listed before the sync delay passed")
	}
	clock.add(time.Second)
	if !listed("harbor", "one") || listed("harbor", "two") || listed("jfrog", "three") {
		t.Fatal("a sync of harbor-a listed other registries' images, or not its own")
	}
	if status, body := do(t, srv, "POST", base+"image-sync/tasks", "", `{"sync_all_registries": true}`, nil); status != 200 {
		t.Fatalf("sync all: %d %v", status, body)
	}
	clock.add(5 * time.Second)
	if !listed("harbor", "two") || !listed("jfrog", "three") {
		t.Fatal("a sync of every registry left images unlisted")
	}
	_, tasks := do(t, srv, "GET", base+"tasks", "type=image_sync&task_status=finished", "", nil)
	if fmt.Sprint(tasks["total_num"]) != "2" {
		t.Fatalf("sync tasks %v", tasks)
	}
	if n := sim.Count(ImageSyncTasks); n != 7 {
		t.Fatalf("%d sync task requests counted, want 7", n)
	}
}
