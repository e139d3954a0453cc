package provider

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
	h := newActionHarness(b)
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
