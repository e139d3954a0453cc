#!/usr/bin/env bash
# make demo: build the provider, start the local HSS simulator, and run
# terraform init/plan/apply on examples/demo through a generated CLI
# configuration with dev_overrides. Everything stays in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.demo
example=${DEMO_EXAMPLE:-examples/demo}

command -v terraform >/dev/null || { echo "terraform CLI not found on PATH; install Terraform 1.11 or later (nothing is downloaded)" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work/bin" "$work/run"
echo "==> building the provider and the simulator"
go build -o "$work/bin/terraform-provider-hss" .
go build -o "$work/bin/hss-simulator" ./cmd/hss-simulator

echo "==> starting the HSS simulator"
"$work/bin/hss-simulator" -addr 127.0.0.1:0 -env-file "$work/sim.env" >"$work/simulator.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/sim.env" ] && break; sleep 0.1; done
[ -s "$work/sim.env" ] || { cat "$work/simulator.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/sim.env"
echo "    endpoint $HW_HSS_ENDPOINT, project $HW_PROJECT_ID (credentials in HW_* variables)"

# dev_overrides runs the binary just built; the unpacked filesystem mirror
# lets terraform init resolve cloudsec/hss offline too.
goos=$(go env GOOS) goarch=$(go env GOARCH)
mirror=$work/mirror/registry.terraform.io/cloudsec/hss/0.0.1/${goos}_${goarch}
mkdir -p "$mirror" && cp "$work/bin/terraform-provider-hss" "$mirror/"
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/cloudsec/hss" = "$work/bin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/cloudsec/hss"]
  }
  direct {
    exclude = ["registry.terraform.io/cloudsec/hss"]
  }
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

cp -R "$example/." "$work/run/"
cd "$work/run"
echo "==> terraform init"
terraform init -input=false -no-color >/dev/null 2>"$work/init.log" || { cat "$work/init.log" >&2; exit 1; }
# Terraform's own output, without the dev_overrides warning box.
run() {
  local log=$work/$1.log; shift
  if ! terraform "$@" >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
  awk '/^Warning: Provider development overrides/{skip=1} !NF{next} !skip {print "    " $0} skip && /releases\.$/{skip=0}' "$log"
}
echo "==> terraform plan"
run plan plan -input=false -no-color -out=tfplan
echo "==> terraform apply"
run apply apply -input=false -no-color -auto-approve tfplan | sed '/^    Outputs:/,$d'
echo "==> outputs"
run output output -no-color
