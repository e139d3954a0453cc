package simulator

import "testing"

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
