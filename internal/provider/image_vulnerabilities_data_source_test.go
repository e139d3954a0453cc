package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudsec/terraform-provider-hss/internal/gate"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

const vulnsAddr = "data.hss_image_vulnerabilities.x"

// vulnsOf is an hss_image_vulnerabilities of a private image.
func vulnsOf(namespace, name, version, extra string) string {
	return fmt.Sprintf(`
data "hss_image_vulnerabilities" "x" {
  image_type    = "private_image"
  namespace     = %q
  image_name    = %q
  image_version = %q
  %s
}
`, namespace, name, version, extra)
}

// layerOf is the layer the simulator gives a package of an image.
func layerOf(imageID, pkg string) string {
	sum := sha256.Sum256([]byte(imageID + "/layer/" + pkg))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func countsCheck(high, medium, low int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("counts"), knownvalue.MapExact(map[string]knownvalue.Check{
		"high": knownvalue.Int64Exact(high), "medium": knownvalue.Int64Exact(medium), "low": knownvalue.Int64Exact(low),
	}))
}

// vulns/app:1.0: three findings, every field, in order: two high (CVSS
// 9.1, then 7.5), then the low one HSS marks handled, which has no CVE.
func TestAccImageVulnerabilitiesApp(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const id = "img-vulns-app-10"
	unitTest(t, resource.TestStep{
		Config: e.config(vulnsOf(simulator.VulnsNamespace, "app", "1.0", "")),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"vul_id":       knownvalue.StringExact("DSA-9901-1"),
					"cve_ids":      knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("CVE-2024-4741"), knownvalue.StringExact("CVE-2024-5535")}),
					"severity":     knownvalue.StringExact("high"),
					"hss_severity": knownvalue.StringExact("immediate_repair"),
					"max_cvss":     knownvalue.Float64Exact(9.1),
					"published_at": knownvalue.StringExact("2024-06-27T00:00:00Z"),
					"type":         knownvalue.StringExact("linux_vul"),
					"handled":      knownvalue.Bool(false),
					"package":      knownvalue.StringExact("libssl3"),
					"version":      knownvalue.StringExact("3.0.11-1~deb12u2"),
					"path":         knownvalue.Null(), // linux_vul rows carry no app_path
					"layer":        knownvalue.StringExact(layerOf(id, "libssl3")),
					"solution":     knownvalue.StringExact("Upgrade libssl3 to 3.0.15-1~deb12u1 or later."),
					"url":          knownvalue.StringExact("https://security-tracker.debian.org/tracker/DSA-9901-1"),
				}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"vul_id":       knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr"),
					"cve_ids":      knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("CVE-2023-44487")}),
					"severity":     knownvalue.StringExact("high"),
					"hss_severity": knownvalue.StringExact("High"),
					"max_cvss":     knownvalue.Float64Exact(7.5),
					"published_at": knownvalue.StringExact("2023-10-10T00:00:00Z"),
					"type":         knownvalue.StringExact("app_vul"),
					"handled":      knownvalue.Bool(false),
					"package":      knownvalue.StringExact("netty-codec-http2"),
					"version":      knownvalue.StringExact("4.1.97.Final"),
					"path":         knownvalue.StringExact("/app/lib/netty-codec-http2-4.1.97.Final.jar"),
					"layer":        knownvalue.StringExact(layerOf(id, "netty-codec-http2")),
					"solution":     knownvalue.StringExact("Upgrade io.netty:netty-codec-http2 to 4.1.100.Final or later."),
					"url":          knownvalue.StringExact("https://github.com/advisories/GHSA-q2c3-9v6h-w5mr"),
				}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"vul_id":       knownvalue.StringExact(simulator.NoCveVulID),
					"cve_ids":      knownvalue.ListExact([]knownvalue.Check{}),
					"severity":     knownvalue.StringExact("low"),
					"hss_severity": knownvalue.StringExact("not_needed_repair"),
					"max_cvss":     knownvalue.Null(),
					"published_at": knownvalue.Null(),
					"type":         knownvalue.StringExact("linux_vul"),
					"handled":      knownvalue.Bool(true),
					"package":      knownvalue.StringExact("busybox"),
					"version":      knownvalue.StringExact("1:1.35.0-4"),
					"path":         knownvalue.Null(),
					"layer":        knownvalue.StringExact(layerOf(id, "busybox")),
					"solution":     knownvalue.StringExact("Remove busybox from the image if it is not needed."),
					"url":          knownvalue.Null(),
				}),
			})),
			countsCheck(2, 0, 1),
			statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("image").AtMapKey("image_id"), knownvalue.StringExact(id)),
			statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("image").AtMapKey("scan_status"), knownvalue.StringExact("success")),
			statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("image_id"), knownvalue.StringExact(id)),
			statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("region"), knownvalue.StringExact("cn-north-4")),
		},
	})
}

// monolithCounts are vulns/monolith:3.0's findings by severity, from the
// simulator's data set itself (not through the client).
func monolithCounts(t *testing.T) map[gate.Severity]int64 {
	t.Helper()
	advs := map[string]simulator.Advisory{}
	for _, a := range simulator.DefaultAdvisories() {
		advs[a.ID] = a
	}
	out := map[gate.Severity]int64{}
	for _, img := range simulator.DefaultImages() {
		if img.Namespace != simulator.VulnsNamespace || img.Name != "monolith" {
			continue
		}
		for _, v := range img.Vulns {
			sev := v.RepairNecessity
			if sev == "" {
				sev = advs[v.ID].RepairNecessity
			}
			s, err := gate.NormalizeHSSSeverity(sev)
			if err != nil {
				t.Fatal(err)
			}
			out[s]++
		}
	}
	return out
}

// vulns/monolith:3.0: 450 findings over three pages of the per-image
// list, counted by severity; the filters narrow the list, not the counts.
func TestAccImageVulnerabilitiesMonolith(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	want := monolithCounts(t)
	if want[gate.High]+want[gate.Medium]+want[gate.Low] != simulator.MonolithFindings {
		t.Fatalf("data set counts %v", want)
	}
	counts := countsCheck(want[gate.High], want[gate.Medium], want[gate.Low])
	unitTest(t,
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "monolith", "3.0", "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListSizeExact(simulator.MonolithFindings)),
				counts,
				// The first is the highest: the xz backdoor, CVSS 10.
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities").AtSliceIndex(0).AtMapKey("vul_id"), knownvalue.StringExact("CVE-2024-3094")),
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities").AtSliceIndex(0).AtMapKey("max_cvss"), knownvalue.Float64Exact(10)),
			},
		},
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "monolith", "3.0", `min_severity = "high"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListSizeExact(int(want[gate.High]))),
				counts,
			},
		},
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "monolith", "3.0", `min_severity = "medium"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListSizeExact(int(want[gate.High]+want[gate.Medium]))),
			},
		},
		resource.TestStep{
			// app_vul: 129 unhandled + 21 handled, and the shared GHSA one.
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "monolith", "3.0", `type = "app_vul"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListSizeExact(150)),
				counts,
			},
		},
	)
}

// A clean image that HSS scanned successfully has no finding: an empty
// list and zero counts, every key present.
func TestAccImageVulnerabilitiesCleanAndFilters(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unitTest(t,
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "clean", "1.0", "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListExact([]knownvalue.Check{})),
				countsCheck(0, 0, 0),
			},
		},
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "app", "1.0", "min_severity = \"high\"\ntype = \"app_vul\"")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("GHSA-q2c3-9v6h-w5mr")}),
				})),
				countsCheck(2, 0, 1),
			},
		},
		resource.TestStep{
			Config: e.config(vulnsOf(simulator.VulnsNamespace, "app", "1.0", `type = "linux_vul"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact("DSA-9901-1")}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vul_id": knownvalue.StringExact(simulator.NoCveVulID)}),
				})),
			},
		},
		resource.TestStep{
			// A CI/CD image: its findings are asked for by its image_id.
			Config: e.config(`
data "hss_image_vulnerabilities" "x" {
  image_type = "cicd"
  image_id   = "img-cicd-ci"
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("vulnerabilities"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"vul_id": knownvalue.StringExact("CVE-2024-6387"), "cve_ids": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("CVE-2024-6387")}),
						"max_cvss": knownvalue.Float64Exact(8.1), "package": knownvalue.StringExact("openssh-server"),
					}),
				})),
				statecheck.ExpectKnownValue(vulnsAddr, tfjsonpath.New("image").AtMapKey("image_name"), knownvalue.StringExact("pipeline-runner")),
			},
		},
	)
}

// Fail closed: a local image at plan (no request), bad filters at plan,
// and an unknown, unscanned or too old image at read, before any
// vulnerability is asked for.
func TestAccImageVulnerabilitiesFailClosed(t *testing.T) {
	t.Parallel()
	t.Run("plan", func(t *testing.T) {
		t.Parallel()
		e := newTestEnv(t)
		unitTest(t,
			resource.TestStep{
				Config: e.config(`
data "hss_image_vulnerabilities" "x" {
  image_type    = "local_image"
  image_name    = "nginx"
  image_version = "1.27"
}
`),
				ExpectError: errorLike("Local images have no vulnerability list", "HSS keeps no per-image vulnerability list for local images"),
			},
			resource.TestStep{
				Config:      e.config(vulnsOf(simulator.VulnsNamespace, "app", "1.0", `min_severity = "critical"`)),
				ExpectError: errorLike("min_severity", `value must be one of: ["low" "medium" "high"]`),
			},
			resource.TestStep{
				Config:      e.config(vulnsOf(simulator.VulnsNamespace, "app", "1.0", `type = "os"`)),
				ExpectError: errorLike("type", `value must be one of: ["linux_vul" "app_vul"]`),
			},
			resource.TestStep{
				Config:      e.config(`data "hss_image_vulnerabilities" "x" { image_type = "private_image" }`),
				ExpectError: errorLike(`namespace is required when image_type is "private_image"`),
			},
		)
		e.expectNoRequests(t)
	})
	for _, tc := range []struct {
		name, config string
		want         []string
	}{
		{"unknown", vulnsOf(simulator.VulnsNamespace, "app", "9.9", ""), []string{"Image not found in HSS", "Closest images HSS has"}},
		{"never scanned", vulnsOf("release", "search", "2.3", ""),
			[]string{"Image security numbers cannot be trusted", `has scan_status "unscan", not "success"`, "an empty list proves nothing"}},
		{"scan failed", vulnsOf("release", "ledger", "1.4", ""), []string{`scan_status "failed"`}},
		{"scan too old", vulnsOf("shop", "web", "2.0", `max_scan_age = "168h"`), []string{"longer than max_scan_age (168h0m0s)", "Findings from an old scan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			unitTest(t, resource.TestStep{Config: e.config(tc.config), ExpectError: errorLike(tc.want...)})
			if n := e.sim.Count(simulator.ImageVulnerabilities) + e.sim.Count(simulator.VulnerabilityCves); n != 0 {
				t.Fatalf("%d vulnerability requests; the read must fail before any is made", n)
			}
		})
	}
}

// The requests one read of vulns/monolith:3.0 (450 findings in passes of
// 263, 37, 129 and 21 rows, 401 distinct vulnerabilities) costs, through
// the provider server as Terraform drives it, against issue 16's bound:
// the image lookup (1), ⌈F/200⌉ pages per pass (2 + 1 + 1 + 1), and
// min(V, ⌈G/200⌉) for the CVEs: the tenant-wide list (G ≥ V = 401
// vulnerabilities, 3 pages, its first page one of them) beats 401 calls.
func TestImageVulnerabilitiesRequests(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t)
	h.e.sim.Reset()
	resp := h.readDataSource("hss_image_vulnerabilities", map[string]tftypes.Value{
		"image_type": str("private_image"), "namespace": str(simulator.VulnsNamespace), "image_name": str("monolith"), "image_version": str("3.0"),
	})
	h.noErrors("read", resp.Diagnostics)
	byEndpoint := map[simulator.Endpoint]int{}
	for _, r := range h.e.sim.Requests() {
		byEndpoint[r.Endpoint]++
	}
	t.Logf("requests for 1 image with 450 findings: %v (%d in all)", byEndpoint, len(h.e.sim.Requests()))
	want := map[simulator.Endpoint]int{simulator.RegistryImages: 1, simulator.ImageVulnerabilities: 5, simulator.GlobalVulnerabilities: 3}
	if !maps.Equal(byEndpoint, want) {
		t.Errorf("requests %v, want %v: 9 in all", byEndpoint, want)
	}
}

// readDataSource reads a data source through the provider server, as
// Terraform does once the configuration is known.
func (h *protocolHarness) readDataSource(typeName string, set map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
	h.t.Helper()
	ds, ok := h.schema.DataSourceSchemas[typeName]
	if !ok {
		h.t.Fatalf("no data source %s", typeName)
	}
	resp, err := h.server.ReadDataSource(h.t.Context(), &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: h.value(ds.Block, set)})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// BenchmarkImageVulnerabilities: one hss_image_vulnerabilities read of
// vulns/monolith:3.0 (450 findings, 401 distinct vulnerabilities) with a
// freshly configured client, at 0 and 20 ms per request; and 20 images
// that share their vulnerabilities, read by one provider process 10 at a
// time (Terraform's default parallelism). requests/op counts
// every request of a read (the image lookup included).
func BenchmarkImageVulnerabilities(b *testing.B) {
	monolith := vulnsConfig("monolith", "3.0")
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run(fmt.Sprintf("1 image 450 findings latency=%s", latency), func(b *testing.B) {
			base, err := protoV6ProviderFactories["hss"]()
			if err != nil {
				b.Fatal(err)
			}
			h := newProtocolHarnessWith(b, base, newTestEnv(b))
			h.e.sim.SetLatency(latency)
			benchmarkReads(b, h, "hss_image_vulnerabilities", monolith(h))
		})
	}
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run(fmt.Sprintf("20 images latency=%s", latency), func(b *testing.B) { benchmarkFleet(b, latency) })
	}
}

// benchmarkFleet reads 20 images that share their vulnerabilities, 10 at
// a time, with one freshly configured client per iteration.
func benchmarkFleet(b *testing.B, latency time.Duration) {
	{
		images := simulator.DefaultImages()
		for _, img := range slices.Clone(images) {
			if img.Namespace == simulator.VulnsNamespace && img.Name == "monolith" {
				for i := range 20 {
					c := img
					c.ID, c.Name = fmt.Sprintf("img-fleet-%02d", i), fmt.Sprintf("fleet-%02d", i)
					c.Vulns = c.Vulns[:len(c.Vulns)-i*10] // shared, not all the same
					images = append(images, c)
				}
			}
		}
		opts := simulator.DefaultOptions()
		opts.Images = images
		base, err := protoV6ProviderFactories["hss"]()
		if err != nil {
			b.Fatal(err)
		}
		h := newProtocolHarnessWith(b, base, newTestEnvWith(b, opts))
		h.e.sim.SetLatency(latency)
		start := h.e.sim.Stats().Requests
		n := 0
		for b.Loop() {
			b.StopTimer()
			resp, err := h.server.ConfigureProvider(b.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: h.providerConfig()})
			if err != nil {
				b.Fatal(err)
			}
			h.noErrors("configure", resp.Diagnostics)
			b.StartTimer()
			g, ctx := errgroup.WithContext(b.Context())
			g.SetLimit(10)
			for i := range 20 {
				cfg := vulnsConfig(fmt.Sprintf("fleet-%02d", i), "3.0")(h)
				g.Go(func() error {
					r, err := h.server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "hss_image_vulnerabilities", Config: cfg})
					if err == nil {
						for _, d := range r.Diagnostics {
							if d.Severity == tfprotov6.DiagnosticSeverityError {
								err = fmt.Errorf("%s: %s", d.Summary, d.Detail)
							}
						}
					}
					return err
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(h.e.sim.Stats().Requests-start)/float64(n), "requests/op")
		b.ReportMetric(float64(h.e.sim.Count(simulator.VulnerabilityCves)+h.e.sim.Count(simulator.GlobalVulnerabilities))/float64(n), "cve-requests/op")
	}
}

func vulnsConfig(name, version string) func(*protocolHarness) *tfprotov6.DynamicValue {
	return func(h *protocolHarness) *tfprotov6.DynamicValue {
		return h.value(h.schema.DataSourceSchemas["hss_image_vulnerabilities"].Block, map[string]tftypes.Value{
			"image_type": str("private_image"), "namespace": str(simulator.VulnsNamespace), "image_name": str(name), "image_version": str(version),
		})
	}
}
