package provider

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// BenchmarkReadDataSource is one hss_image_baseline_statistic read as
// Terraform makes it (validate, then read, through the protocol-6 server)
// against the in-process simulator with no latency. Its time per op bounds
// the provider's CPU per data-source read from above: it includes the
// simulator's work too.
func BenchmarkReadDataSource(b *testing.B) {
	b.Run("distinct", func(b *testing.B) { benchmarkRead(b, true) })
	b.Run("identical", func(b *testing.B) { benchmarkRead(b, false) })
}

func benchmarkRead(b *testing.B, distinct bool) {
	h := newProtocolHarness(b)
	block := h.schema.DataSourceSchemas["hss_image_baseline_statistic"].Block
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	i := 0
	for b.Loop() {
		i++
		name := "web"
		if distinct {
			name = "img-" + strconv.Itoa(i)
		}
		cfg := h.value(block, map[string]tftypes.Value{"image_type": str("private_image"), "image_name": str(name)})
		// Each RPC has its own context, ended when it returns, as over gRPC.
		request, end := context.WithCancel(b.Context())
		v, err := h.server.ValidateDataResourceConfig(request, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "hss_image_baseline_statistic", Config: cfg})
		if err != nil || len(v.Diagnostics) != 0 {
			b.Fatal(err, v.Diagnostics)
		}
		r, err := h.server.ReadDataSource(request, &tfprotov6.ReadDataSourceRequest{TypeName: "hss_image_baseline_statistic", Config: cfg})
		if err != nil || len(r.Diagnostics) != 0 {
			b.Fatal(err, r.Diagnostics)
		}
		end()
	}
	// Heap still in use after a full GC, per read: the memo of answers and
	// what the framework keeps of each finished RPC (see releasingServer).
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(i), "retained-B/read")
	runtime.KeepAlive(h) // the server lives as long as the provider process
}

// BenchmarkGateOneImage is one hss_image_security_summary read as a gate
// makes it: one image list call that resolves the selector, then the nine
// statistic calls, at most four at a time, at 0 and 20 ms of simulated
// latency per request. Each read configures a new client, so nothing is
// answered from the memo.
func BenchmarkGateOneImage(b *testing.B) {
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", latency), func(b *testing.B) {
			base, err := protoV6ProviderFactories["hss"]()
			if err != nil {
				b.Fatal(err)
			}
			h := newProtocolHarnessWith(b, base, newTestEnv(b))
			h.e.sim.SetLatency(latency)
			block := h.schema.DataSourceSchemas["hss_image_security_summary"].Block
			cfg := h.value(block, map[string]tftypes.Value{
				"image_type": str("private_image"), "namespace": str("shop"), "image_name": str("web"), "image_version": str("2.0"),
			})
			benchmarkReads(b, h, "hss_image_security_summary", cfg)
		})
	}
}

// BenchmarkImagesList1000 is one hss_images read of 1,000 images at 20 ms
// per request: ceil(1000/200) = 5 list calls, one after the other.
func BenchmarkImagesList1000(b *testing.B) {
	images := make([]simulator.Image, 1000)
	for i := range images {
		images[i] = simulator.Image{
			ID: fmt.Sprintf("img-bulk-%04d", i), Type: "private_image", EnterpriseProjectID: "0", Namespace: "bulk",
			Name: fmt.Sprintf("service-%04d", i), Version: "1.0", ScanStatus: "success", SeverityLevel: "Low",
			LatestUpdateTime: 1767225600000, LatestScanTime: 1767225600000,
		}
	}
	sim := simulator.New(simulator.Options{Images: images})
	srv := simulator.NewServer(sim)
	b.Cleanup(srv.Close)
	base, err := protoV6ProviderFactories["hss"]()
	if err != nil {
		b.Fatal(err)
	}
	h := newProtocolHarnessWith(b, base, &testEnv{sim: sim, srv: srv})
	sim.SetLatency(20 * time.Millisecond)
	block := h.schema.DataSourceSchemas["hss_images"].Block
	cfg := h.value(block, map[string]tftypes.Value{"image_type": str("private_image"), "namespace": str("bulk")})
	benchmarkReads(b, h, "hss_images", cfg)
}

// benchmarkReads reads a data source once per iteration with a freshly
// configured client, and reports the requests each read made.
func benchmarkReads(b *testing.B, h *protocolHarness, typeName string, cfg *tfprotov6.DynamicValue) {
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
		r, err := h.server.ReadDataSource(b.Context(), &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		h.noErrors("read", r.Diagnostics)
		n++
	}
	b.ReportMetric(float64(h.e.sim.Stats().Requests-start)/float64(n), "requests/op")
}
