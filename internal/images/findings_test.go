package images

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/gate"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func simClient(t testing.TB, opts simulator.Options) (*simulator.Simulator, *client.Client) {
	t.Helper()
	sim := simulator.New(opts)
	srv := simulator.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: sim.ProjectID(),
		Credentials: client.Credentials{AccessKey: simulator.DefaultAccessKey, SecretKey: simulator.DefaultSecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func lookup(t testing.TB, c *client.Client, imageType, namespace, name, version string) *Image {
	t.Helper()
	q := Query{ImageType: imageType, ImageName: &name, ImageVersion: &version}
	if namespace != "" {
		q.Namespace = &namespace
	}
	img, err := Lookup(context.Background(), c, client.Scope{}, q)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// vulns/app:1.0 read end to end: three rows joined with their CVEs, every
// field where it belongs.
func TestFindingsOfAnImage(t *testing.T) {
	_, c := simClient(t, simulator.Options{})
	img := lookup(t, c, "private_image", simulator.VulnsNamespace, "app", "1.0")
	got, err := Findings(context.Background(), c, client.Scope{}, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d findings, want 3: %+v", len(got), got)
	}
	ptr := func(v float64) *float64 { return &v }
	day := func(y int, m time.Month, d int) *time.Time { t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &t }
	want := []gate.Finding{
		{VulID: "DSA-9901-1", CVEIDs: []string{"CVE-2024-4741", "CVE-2024-5535"}, Severity: gate.High, HSSSeverity: "immediate_repair",
			MaxCVSS: ptr(9.1), PublishedAt: day(2024, 6, 27), Type: "linux_vul", Package: "libssl3", Version: "3.0.11-1~deb12u2",
			Solution: "Upgrade libssl3 to 3.0.15-1~deb12u1 or later.", URL: "https://security-tracker.debian.org/tracker/DSA-9901-1"},
		{VulID: "GHSA-q2c3-9v6h-w5mr", CVEIDs: []string{"CVE-2023-44487"}, Severity: gate.High, HSSSeverity: "High",
			MaxCVSS: ptr(7.5), PublishedAt: day(2023, 10, 10), Type: "app_vul", Package: "netty-codec-http2", Version: "4.1.97.Final",
			Path:     "/app/lib/netty-codec-http2-4.1.97.Final.jar",
			Solution: "Upgrade io.netty:netty-codec-http2 to 4.1.100.Final or later.", URL: "https://github.com/advisories/GHSA-q2c3-9v6h-w5mr"},
		{VulID: simulator.NoCveVulID, Severity: gate.Low, HSSSeverity: "not_needed_repair", Type: "linux_vul", Handled: true,
			Package: "busybox", Version: "1:1.35.0-4", Solution: "Remove busybox from the image if it is not needed."},
	}
	for i, w := range want {
		g := got[i]
		if !strings.HasPrefix(g.Layer, "sha256:") {
			t.Errorf("%s: layer %q, want the position HSS gives", g.VulID, g.Layer)
		}
		g.Layer = ""
		if g.VulID != w.VulID || strings.Join(g.CVEIDs, ",") != strings.Join(w.CVEIDs, ",") || g.Severity != w.Severity ||
			g.HSSSeverity != w.HSSSeverity || !eqFloat(g.MaxCVSS, w.MaxCVSS) || !eqTime(g.PublishedAt, w.PublishedAt) ||
			g.Type != w.Type || g.Handled != w.Handled || g.Package != w.Package || g.Version != w.Version || g.Path != w.Path ||
			g.Solution != w.Solution || g.URL != w.URL {
			t.Errorf("finding %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func eqFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// 450 findings over three pages, with the requests they cost; a clean
// image has none; CVE answers are shared between images.
func TestFindingsCountsAndRequests(t *testing.T) {
	sim, c := simClient(t, simulator.Options{})
	ctx := context.Background()
	mono := lookup(t, c, "private_image", simulator.VulnsNamespace, "monolith", "3.0")
	clean := lookup(t, c, "private_image", simulator.VulnsNamespace, "clean", "1.0")
	sim.Reset()
	got, err := Findings(ctx, c, client.Scope{}, mono)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != simulator.MonolithFindings {
		t.Fatalf("%d findings, want %d", len(got), simulator.MonolithFindings)
	}
	counts := map[gate.Severity]int{}
	handled, noCVE, many := 0, 0, 0
	ids := map[string]bool{}
	for i, f := range got {
		counts[f.Severity]++
		ids[f.VulID] = true
		if f.Handled {
			handled++
		}
		if len(f.CVEIDs) == 0 {
			noCVE++
			if f.MaxCVSS != nil || f.PublishedAt != nil {
				t.Errorf("%s has no CVE but CVSS %v, published %v", f.VulID, f.MaxCVSS, f.PublishedAt)
			}
		}
		if f.VulID == simulator.ManyCveVulID {
			many = len(f.CVEIDs)
		}
		if i > 0 && gate.CompareFindings(&got[i-1], &f) > 0 {
			t.Fatalf("findings %d and %d out of order: %s, %s", i-1, i, got[i-1].VulID, f.VulID)
		}
	}
	if handled != 37+21 || noCVE != 1 || many != 12 || len(ids) != 401 {
		t.Errorf("handled %d (want 58), without CVEs %d (want 1), CVEs of %s %d (want 12), distinct vulnerabilities %d (want 401)",
			handled, noCVE, simulator.ManyCveVulID, many, len(ids))
	}
	if counts[gate.High]+counts[gate.Medium]+counts[gate.Low] != simulator.MonolithFindings {
		t.Errorf("counts %v", counts)
	}
	list, cves, global := sim.Count(simulator.ImageVulnerabilities), sim.Count(simulator.VulnerabilityCves), sim.Count(simulator.GlobalVulnerabilities)
	t.Logf("monolith: %d list, %d CVE, %d tenant-wide requests", list, cves, global)
	// Issue 16's bound: ⌈F/200⌉ per pass (263, 37, 129, 21 findings: 2 +
	// 1 + 1 + 1) plus min(V, ⌈G/200⌉) for the CVEs: V = 401 distinct
	// vulnerabilities, so G ≥ 401, and the tenant-wide list's 3 pages
	// (its first page one of them) beat 401 calls.
	if list != 5 || cves != 0 || global != 3 {
		t.Errorf("%d list requests (want 5), %d CVE (want 0), %d tenant-wide (want 3)", list, cves, global)
	}

	sim.Reset()
	none, err := Findings(ctx, c, client.Scope{}, clean)
	if err != nil || len(none) != 0 {
		t.Fatalf("clean: %d findings, %v", len(none), err)
	}
	// vulns/app:1.0 shares its vulnerabilities with monolith: no CVE is
	// asked for again.
	sim.Reset()
	if _, err := Findings(ctx, c, client.Scope{}, lookup(t, c, "private_image", simulator.VulnsNamespace, "app", "1.0")); err != nil {
		t.Fatal(err)
	}
	if n := sim.Count(simulator.VulnerabilityCves) + sim.Count(simulator.GlobalVulnerabilities); n != 0 {
		t.Errorf("%d CVE requests for vulnerabilities read already", n)
	}
}

// What Findings refuses: a local image, an unscanned one, an image whose
// list record counts vulnerabilities its per-image list does not have, a
// severity HSS does not document.
func TestFindingsFailClosed(t *testing.T) {
	_, c := simClient(t, simulator.Options{})
	ctx := context.Background()

	local := lookup(t, c, "local_image", "", "nginx", "1.27")
	if _, err := Findings(ctx, c, client.Scope{}, local); !errors.Is(err, ErrNoLocalList) {
		t.Errorf("local image: %v, want %v", err, ErrNoLocalList)
	}
	builder := lookup(t, c, "harbor", "tools", "builder", "5")
	if _, err := Findings(ctx, c, client.Scope{}, builder); err == nil || !strings.Contains(err.Error(), `scan_status "scanning"`) {
		t.Errorf("unscanned image: %v", err)
	}

	// The list record counts 3 vulnerabilities, the per-image list none.
	app := lookup(t, c, "private_image", simulator.VulnsNamespace, "clean", "1.0")
	three := int64(3)
	app.VulNum = &three
	if _, err := Findings(ctx, c, client.Scope{}, app); err == nil || !strings.Contains(err.Error(), "counts 3 vulnerabilities for it (vul_num)") {
		t.Errorf("vul_num 3, empty list: %v", err)
	}

	images := simulator.DefaultImages()
	for i := range images {
		if images[i].Namespace == simulator.VulnsNamespace && images[i].Name == "app" {
			images[i].Vulns[0].RepairNecessity = "urgent"
		}
	}
	opts := simulator.DefaultOptions()
	opts.Images = images
	_, c2 := simClient(t, opts)
	odd := lookup(t, c2, "private_image", simulator.VulnsNamespace, "app", "1.0")
	_, err := Findings(ctx, c2, client.Scope{}, odd)
	if err == nil || !strings.Contains(err.Error(), "repair_necessity") || !strings.Contains(err.Error(), "vulns/app:1.0") || !strings.Contains(err.Error(), "urgent") {
		t.Errorf("unknown severity: %v, want an error naming repair_necessity, the image and the value", err)
	}
}

// A finding's severity is never lowered: the join refuses what it cannot
// map.
func TestFindingRefusesUnknownSeverity(t *testing.T) {
	img := &Image{ImageRecord: client.ImageRecord{ImageType: "private_image", Namespace: "shop", ImageName: "web", ImageVersion: "2.0"}}
	_, err := finding(img, &client.ImageVulnerability{VulID: "V-1", Severity: "Negligible"}, nil)
	if err == nil || !strings.Contains(err.Error(), "repair_necessity") || !strings.Contains(err.Error(), "shop/web:2.0") {
		t.Fatalf("got %v", err)
	}
	f, err := finding(img, &client.ImageVulnerability{VulID: "V-1", Severity: "Critical"}, []client.CVE{
		{ID: "cve-2024-0002", CVSS: 4}, {ID: "CVE-2024-0001", CVSS: 9.5, PublishTime: 1700000000000}, {ID: "CVE-2024-0002", CVSS: 5, PublishTime: 1600000000000},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.Severity != gate.High || strings.Join(f.CVEIDs, ",") != "CVE-2024-0001,CVE-2024-0002" || *f.MaxCVSS != 9.5 || f.PublishedAt.UnixMilli() != 1600000000000 {
		t.Fatalf("got %+v", f)
	}
}

// The ratchet's deployed version: same repository, another tag; not found
// is a LookupError.
func TestLookupDeployed(t *testing.T) {
	_, c := simClient(t, simulator.Options{})
	ctx := context.Background()
	web := lookup(t, c, "private_image", "shop", "web", "2.0")
	base, err := LookupDeployed(ctx, c, client.Scope{}, web, "1.9")
	if err != nil || base.ImageID != "img-web-19" {
		t.Fatalf("got %+v, %v", base, err)
	}
	var le *LookupError
	if _, err := LookupDeployed(ctx, c, client.Scope{}, web, "0.1"); !errors.As(err, &le) {
		t.Fatalf("missing version: %v", err)
	}
}
