// Command hss-simulator serves the local HSS simulator on loopback and
// prints the endpoint and the credentials it accepts.
//
//	go run ./cmd/hss-simulator -addr 127.0.0.1:8443
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "address to listen on (port 0 picks a free port)")
	envFile := flag.String("env-file", "", "also write the provider's HW_* environment variables, as shell exports, to this file")
	stringCounts := flag.Bool("string-counts", false, "send counts as JSON strings, as the vendor's examples do")
	latency := flag.Duration("latency", 0, "delay every answer by this much")
	quota := flag.Int("quota", 0, "requests per second per project, as the API gateway's flow control; over it, 429 APIGW.0308 with Retry-After (0: no limit)")
	exportPolls := flag.Int("export-polls", 1, "status reads an export task answers 'running' to before it finishes")
	exportFinal := flag.String("export-final", "success", "how export tasks finish: success or failure")
	lifetime := flag.Duration("credential-lifetime", 0, "make the temporary keys and tokens the simulator issues expire after this long (0: as asked; negative: issued already expired)")
	scanDelay := flag.Duration("scan-delay", 0, "how long a manual scan task takes, from the request to success or failure (0: the simulator's default, 3s)")
	syncDelay := flag.Duration("sync-delay", 0, "how long after a synchronise request HSS lists the images it had not synchronised (0: the simulator's default, 2s)")
	demoRelease := flag.Bool("demo-release", false, "add "+simulator.DemoReleaseRef+", a release just pushed: HSS lists it only after a synchronise request and has never scanned it (make demo, examples/release)")
	statsAddr := flag.String("stats-addr", "", "also serve request and connection counts as JSON at http://ADDR/stats, and /reset?latency=D to zero them (for benchmarks; kept off the API's own address)")
	flag.Parse()

	if *exportFinal != "success" && *exportFinal != "failure" {
		log.Fatalf("-export-final must be success or failure, got %q", *exportFinal)
	}
	opts := simulator.Options{ScanDelay: *scanDelay, SyncDelay: *syncDelay}
	if *demoRelease {
		opts.Images = append(simulator.DefaultImages(), simulator.DemoReleaseImage(time.Now()))
	}
	sim := simulator.New(opts)
	sim.SetStringCounts(*stringCounts)
	sim.SetLatency(*latency)
	sim.SetQuota(*quota)
	sim.SetExportOutcome(*exportPolls, *exportFinal)
	sim.SetCredentialLifetime(*lifetime)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	env := fmt.Sprintf(`export HW_HSS_ENDPOINT=%s
export HW_AUTH_URL=%s/v3
export HW_STS_ENDPOINT=%s
export HW_TEST_METADATA_ENDPOINT=%s
export HW_REGION_NAME=cn-north-4
export HW_PROJECT_ID=%s
export HW_ACCESS_KEY=%s
export HW_SECRET_KEY=%s
`, endpoint, endpoint, endpoint, endpoint, simulator.DefaultProjectID, simulator.DefaultAccessKey, simulator.DefaultSecretKey)
	fmt.Printf(`HSS simulator listening on %s

Accepted credentials (local test values, not secrets of any account):
  access key pair    %s / %s
  temporary key      %s / %s, security token %s
  IAM token          %s
Project ID           %s (IAM project "cn-north-4"; unset HW_PROJECT_ID to look it up)
Agency               %s of domain %s (id %s)
OIDC                 identity provider %s accepts the id token %s
ECS metadata         %s (HW_TEST_METADATA_ENDPOINT, for tests only)

Configure the provider with:
%s
`, endpoint, simulator.DefaultAccessKey, simulator.DefaultSecretKey,
		simulator.DefaultTempAccessKey, simulator.DefaultTempSecretKey, simulator.DefaultSecurityToken,
		simulator.DefaultToken, simulator.DefaultProjectID,
		simulator.DefaultAgencyName, simulator.DefaultDomainName, simulator.DefaultDomainID,
		simulator.DefaultIdpID, simulator.DefaultIDToken, endpoint, env)
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(env), 0o600); err != nil {
			log.Fatal(err)
		}
	}

	if *statsAddr != "" {
		statsLn, err := net.Listen("tcp", *statsAddr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("Stats at http://%s/stats\n", statsLn.Addr())
		go func() {
			_ = http.Serve(statsLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { //nolint:gosec // loopback benchmark helper
				if r.URL.Path == "/reset" {
					sim.Reset()
					d := *latency
					if v := r.URL.Query().Get("latency"); v != "" {
						if parsed, err := time.ParseDuration(v); err == nil {
							d = parsed
						}
					}
					sim.SetLatency(d)
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(sim.Stats())
			}))
		}()
	}

	srv := &http.Server{Handler: sim, ConnState: sim.ConnState, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
