// Command terraform-provider-hss is a Terraform provider for the container
// image security APIs of Huawei Cloud Host Security Service (HSS).
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/cloudsec/terraform-provider-hss/internal/provider"
)

// version is set by the release build (goreleaser: -X main.version=...).
var version = "dev"

//go:generate go tool tfplugindocs generate --provider-name hss

func main() {
	quietWhenUnobserved()

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/cloudsec/hss",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietWhenUnobserved turns the plugin's log sinks off when Terraform will
// not keep provider logs anyway (neither TF_LOG nor TF_LOG_PROVIDER is set).
// terraform-plugin-log otherwise writes every SDK and provider log line at
// TRACE to stderr for Terraform to discard: measured at about 1.2 ms of CPU
// per data-source read, a third of the provider's time in a 500-read plan.
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
