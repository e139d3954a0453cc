// Command terraform-provider-hss is a Terraform provider for the container
// image security APIs of Huawei Cloud Host Security Service (HSS).
package main

import (
	"flag"
	"log"
	"os"
	"runtime"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/cloudsec/terraform-provider-hss/internal/provider"
)

// version is set by the release build (goreleaser: -X main.version=...).
var version = "dev"

//go:generate go tool tfplugindocs generate --provider-name hss

func main() {
	quietWhenUnobserved()
	oneProcessorUnlessSet()

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	err := tf6server.Serve("registry.terraform.io/cloudsec/hss", provider.NewProtocol6Server(version), opts...)
	if err != nil {
		log.Fatal(err)
	}
}

// quietWhenUnobserved turns the plugin's log sinks off when Terraform will
// not keep provider logs anyway (neither TF_LOG nor TF_LOG_PROVIDER is set).
// terraform-plugin-log otherwise writes every SDK and provider log line at
// TRACE to stderr for Terraform to discard: measured at about 1.1 ms of CPU
// per data-source read in a 500-read plan, as much as the read itself.
// A level set explicitly (for example TF_LOG_SDK_FRAMEWORK) is kept.
func quietWhenUnobserved() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, name := range []string{"TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"} {
		if _, set := os.LookupEnv(name); !set {
			_ = os.Setenv(name, "OFF")
		}
	}
}

// oneProcessorUnlessSet runs the provider's Go code on one processor
// (GOMAXPROCS=1) unless GOMAXPROCS is set. A provider spends its time
// waiting on HSS, and its CPU work is small (about 1 ms per read); with more
// processors the Go scheduler wakes and parks idle threads around every
// network wait. Measured on a 500-read plan at 20 ms latency: 1.14 s of
// provider CPU with 2 processors, 1.33 s with 8, 0.88 s with 1, at the same
// wall time (also at -parallelism=50).
func oneProcessorUnlessSet() {
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
}
