package simulator

import (
	"testing"
	"time"
)

func TestListStrictness(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/"
	checkRoutes(t, srv, []routeCase{
		{"registry ok", "GET", base + "registries/images", "limit=200&offset=0", "", nil, 200, "", ""},
		{"registry limit too high", "GET", base + "registries/images", "limit=201", "", nil, 400, "HSS.0001", "limit must be from 1 to 200, got 201"},
		{"registry offset too high", "GET", base + "registries/images", "offset=2000001", "", nil, 400, "HSS.0001", "offset must be from 0 to 2000000"},
		{"registry bad bool", "GET", base + "registries/images", "has_vul=yes", "", nil, 400, "HSS.0001", "has_vul must be one of true, false"},
		{"registry bad scan status", "GET", base + "registries/images", "scan_status=download_failed", "", nil, 400, "HSS.0001", "scan_status must be one of"},
		{"local limit too low", "GET", base + "local-repositories", "limit=5", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 5"},
		{"local unknown parameter", "GET", base + "local-repositories", "namespace=shop", "", nil, 400, "HSS.0001", `unknown query parameter "namespace"`},
		{"cicd limit too low", "GET", base + "cicd/images", "limit=1", "", nil, 400, "HSS.0001", "limit must be from 10 to 200, got 1"},
		{"cicd ok", "GET", base + "cicd/images", "image_id=img-cicd-ci&limit=10", "", nil, 200, "", ""},
	})
}

func TestListPagingAndLocalRecords(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/"
	_, body := do(t, srv, "GET", base+"registries/images", "namespace=mirror&image_name=redis&limit=200&offset=200", "", nil)
	list, _ := body["data_list"].([]any)
	if body["total_num"] != float64(DecoyCount+1) || len(list) != DecoyCount+1-200 {
		t.Fatalf("total_num %v, %d records on the second page", body["total_num"], len(list))
	}
	last, _ := list[len(list)-1].(map[string]any)
	if last["image_name"] != "redis" || last["image_version"] != "7.2" {
		t.Fatalf("last record %v, want mirror/redis:7.2", last)
	}
	// Default limit 10.
	_, body = do(t, srv, "GET", base+"registries/images", "namespace=mirror", "", nil)
	if list, _ := body["data_list"].([]any); len(list) != 10 {
		t.Fatalf("%d records without limit, want 10", len(list))
	}
	_, body = do(t, srv, "GET", base+"local-repositories", "image_name=busybox&image_version=1.36", "", nil)
	list, _ = body["data_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d busybox records, want one per host", len(list))
	}
	waiting, _ := list[1].(map[string]any)
	if waiting["scan_status"] != "waiting" || waiting["host_name"] != "node-c" {
		t.Fatalf("second host's record %v", waiting)
	}
	if _, ok := waiting["latest_scan_time"]; ok {
		t.Fatalf("a never-scanned local record has latest_scan_time %v", waiting["latest_scan_time"])
	}
}

// Without hooks a list is consistent; a hook changes it between two pages
// and record ids stay with their images; Total replaces total_num; Reset
// removes the hooks and keeps what they did.
func TestListHooks(t *testing.T) {
	sim := New(Options{})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/registries/images"
	const query = "namespace=mirror&image_name=redis&limit=200&offset="
	ids := func(body map[string]any) []any {
		var out []any
		list, _ := body["data_list"].([]any)
		for _, r := range list {
			rec, _ := r.(map[string]any)
			out = append(out, rec["id"])
		}
		return out
	}
	_, first := do(t, srv, "GET", base, query+"0", "", nil)
	_, second := do(t, srv, "GET", base, query+"200", "", nil)
	stable := append(ids(first), ids(second)...)
	if len(stable) != DecoyCount+1 {
		t.Fatalf("%d records, want %d", len(stable), DecoyCount+1)
	}

	var pages []ListPage
	sim.SetListHooks(RegistryImages, ListHooks{
		Total: func(p ListPage) int64 { pages = append(pages, p); return int64(p.Total + 1000*p.Number) },
		After: func(p ListPage, images []Image) []Image {
			if p.Offset != 0 {
				return images
			}
			// Delete the first decoy, add a copy of it at the end.
			var added Image
			for i := range images {
				if images[i].ID == "img-mirror-decoy-000" {
					added = images[i]
					images = append(images[:i], images[i+1:]...)
					break
				}
			}
			added.ID, added.Name, added.RecordID = "img-mirror-decoy-new", "redis-exporter-new", 0
			return append(images, added)
		},
	})
	_, first = do(t, srv, "GET", base, query+"0", "", nil)
	_, second = do(t, srv, "GET", base, query+"200", "", nil)
	if first["total_num"] != float64(DecoyCount+1+3000) || second["total_num"] != float64(DecoyCount+1+4000) {
		t.Fatalf("total_num %v then %v", first["total_num"], second["total_num"])
	}
	if len(pages) != 2 || pages[0].Number != 3 || pages[0].Offset != 0 || pages[0].Limit != 200 || pages[1].Offset != 200 || pages[1].Total != DecoyCount+1 {
		t.Fatalf("pages %+v", pages)
	}
	walked := append(ids(first), ids(second)...)
	// The first page was served before the change; the second after it:
	// the record at position 200 moved to 199 and was never served.
	if len(walked) != DecoyCount+1 || walked[0] != stable[0] || walked[200] != stable[201] || walked[199] != stable[199] {
		t.Fatalf("ids %v... %v, before the change %v... %v", walked[:2], walked[198:], stable[:2], stable[198:])
	}
	list, _ := second["data_list"].([]any)
	last, _ := list[len(list)-1].(map[string]any)
	if last["image_name"] != "redis-exporter-new" || last["id"] != float64(len(DefaultImages())+1) {
		t.Fatalf("added record %v, want a new id after the highest", last)
	}

	sim.Reset()
	_, first = do(t, srv, "GET", base, query+"0", "", nil)
	if first["total_num"] != float64(DecoyCount+1) {
		t.Fatalf("after Reset total_num %v, want the list as the hook left it", first["total_num"])
	}
}

// A negative ScanAge puts the scan time ahead of now; LatestScanTime is
// sent as given, whatever its unit.
func TestListOddScanTimes(t *testing.T) {
	now := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
	img := func(id string, age time.Duration, at int64) Image {
		return Image{ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: id, Version: "1",
			ScanStatus: "success", ScanAge: age, LatestScanTime: at}
	}
	sim := New(Options{Now: func() time.Time { return now }, Images: []Image{
		img("ahead", -8*time.Hour, 0), img("micro", 0, now.UnixMicro()),
	}})
	srv := NewServer(sim)
	defer srv.Close()
	_, body := do(t, srv, "GET", "/v5/"+DefaultProjectID+"/image/registries/images", "namespace=odd&limit=200", "", nil)
	list, _ := body["data_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d records", len(list))
	}
	for i, want := range []float64{float64(now.Add(8 * time.Hour).UnixMilli()), float64(now.UnixMicro())} {
		if rec, _ := list[i].(map[string]any); rec["latest_scan_time"] != want {
			t.Errorf("record %d: latest_scan_time %v, want %v", i, rec["latest_scan_time"], want)
		}
	}
}
