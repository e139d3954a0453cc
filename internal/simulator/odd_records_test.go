package simulator

import (
	"encoding/json"
	"testing"
)

// Contradictory records a test can add: success with a failure code or
// description, and a multi-architecture image without its architectures.
func TestListOddRecords(t *testing.T) {
	odd := []Image{
		{ID: "img-odd-code", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "code", Version: "1",
			ScanStatus: "success", ScanFailedCode: "failed_to_scan_vulnerability", ScanFailedDesc: "Failed to scan the image for vulnerabilities."},
		{ID: "img-odd-empty", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "empty", Version: "1",
			ScanStatus: "success", MultiArch: true, ArchList: "[]"},
		{ID: "img-odd-null", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "null", Version: "1",
			ScanStatus: "success", MultiArch: true, ArchList: "null"},
		{ID: "img-odd-absent", Type: "private_image", EnterpriseProjectID: "0", Namespace: "odd", Name: "absent", Version: "1",
			ScanStatus: "success", MultiArch: true},
		{ID: "img-odd-local", Type: "local_image", EnterpriseProjectID: "0", Name: "odd", Version: "1", ScanStatus: "success",
			Hosts: []Host{{Name: "node-a", ID: "host-a"}, {Name: "node-b", ID: "host-b", ScanFailedDesc: "Failed to scan files."}}},
	}
	sim := New(Options{Images: odd})
	srv := NewServer(sim)
	defer srv.Close()
	base := "/v5/" + DefaultProjectID + "/image/"
	_, body := do(t, srv, "GET", base+"registries/images", "namespace=odd&limit=200", "", nil)
	records := map[string]map[string]any{}
	list, _ := body["data_list"].([]any)
	for _, item := range list {
		r, _ := item.(map[string]any)
		id, _ := r["image_id"].(string)
		records[id] = r
	}
	if r := records["img-odd-code"]; r["scan_status"] != "success" || r["scan_failed_code"] != "failed_to_scan_vulnerability" || r["scan_failed_desc"] == "" {
		t.Errorf("success with a failure code: %v", r)
	}
	for id, want := range map[string]string{"img-odd-empty": "[]", "img-odd-null": "null", "img-odd-absent": "absent"} {
		r := records[id]
		got := "absent"
		if v, ok := r["association_images"]; ok {
			b, _ := json.Marshal(v)
			got = string(b)
		}
		if r["is_multiple_arch"] != true || got != want {
			t.Errorf("%s: is_multiple_arch %v, association_images %s; want true, %s", id, r["is_multiple_arch"], got, want)
		}
	}
	_, body = do(t, srv, "GET", base+"local-repositories", "image_name=odd&limit=10", "", nil)
	list, _ = body["data_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d local records, want one per host", len(list))
	}
	a, _ := list[0].(map[string]any)
	b, _ := list[1].(map[string]any)
	if a["scan_failed_desc"] != "" || b["scan_status"] != "success" || b["scan_failed_desc"] != "Failed to scan files." {
		t.Errorf("host records %v and %v; want node-b's alone to say success with a failure description", a, b)
	}
}
