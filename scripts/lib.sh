# Shared by demo.sh, policy-gate.sh, policy-demo.sh and gate-test.sh:
# build the provider (and the simulator) into $work, start the simulator,
# and point Terraform at the fresh provider through a generated CLI
# configuration. Source it with $work set; it exports HW_* and
# TF_CLI_CONFIG_FILE.

command -v terraform >/dev/null || { echo "terraform CLI not found on PATH; install Terraform 1.11 or later (nothing is downloaded)" >&2; exit 1; }

setup_provider_and_simulator() {
  rm -rf "$work" && mkdir -p "$work/bin"
  # One go build for both binaries: the simulator's packages compile
  # alongside the provider's instead of after them (cold build cache, 2
  # cores: 40 s instead of 53 s).
  go build -o "$work/bin/" . ./cmd/hss-simulator

  "$work/bin/hss-simulator" -addr 127.0.0.1:0 -env-file "$work/sim.env" "$@" >"$work/simulator.log" 2>&1 &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; wait $sim_pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [ -s "$work/sim.env" ] && break; sleep 0.1; done
  [ -s "$work/sim.env" ] || { cat "$work/simulator.log" >&2; exit 1; }
  # shellcheck disable=SC1091
  . "$work/sim.env"
  use_provider
}

# setup_provider: only the provider, for runs that never reach HSS
# (terraform test with mock_provider still needs the provider's schema).
setup_provider() {
  rm -rf "$work" && mkdir -p "$work/bin"
  go build -o "$work/bin/" .
  use_provider
}

# use_provider: a CLI configuration ($work/terraformrc) that makes
# Terraform use $work/bin/terraform-provider-hss, exported.
use_provider() {
  # dev_overrides runs the binary just built; the unpacked filesystem
  # mirror lets terraform init resolve cloudsec/hss offline too.
  local mirror
  mirror=$work/mirror/registry.terraform.io/cloudsec/hss/0.0.1/$(go env GOOS)_$(go env GOARCH)
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
}

# tf LOG ARGS...: run terraform, keep its output in $work/LOG.log, print it
# indented without the dev_overrides warning; on failure print all and exit.
tf() {
  local log=$work/$1.log; shift
  if ! terraform "$@" >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
  awk '/^Warning: Provider development overrides/{skip=1} !NF{next} !skip {print "    " $0} skip && /releases\.$/{skip=0}' "$log"
}

# OPA and conftest from the Go module proxy, pinned; offline once the
# module cache is warm. OPA is the version conftest is built with, so both
# judge a plan with the same OPA, and conftest's build reuses most of OPA's
# compiled packages from the build cache (measured cold: conftest alone
# about 4 CPU-minutes, after OPA about 2). Set $opa and $conftest.
OPA_VERSION=v1.21.1
CONFTEST_VERSION=v0.71.1
install_opa() {
  GOBIN=$work/bin go install "github.com/open-policy-agent/opa@$OPA_VERSION"
  opa=$work/bin/opa
}
install_conftest() {
  GOBIN=$work/bin go install "github.com/open-policy-agent/conftest@$CONFTEST_VERSION"
  conftest=$work/bin/conftest
}

# gate_init NAME: a copy of examples/gate in $work/NAME, initialised.
gate_init() {
  mkdir -p "$work/$1" && cp -R examples/gate/. "$work/$1/"
  (cd "$work/$1" && tf "$1-init" init -input=false -no-color >/dev/null)
}

# gate_plan_fails NAME IMAGE DEFER RELEASE-JSON [PLAN-ARGS...]: plan
# examples/gate in $work/NAME, its output in $work/NAME-plan.log; succeeds
# when the plan failed, as it must for an image that cannot be trusted.
gate_plan_fails() {
  local name=$1 image=$2 deferred=$3 release=$4
  shift 4
  gate_init "$name"
  ! (cd "$work/$name" && terraform plan -input=false -no-color -var "image=$image" -var "defer_read=$deferred" -var "release_images=$release" "$@" >"$work/$name-plan.log" 2>&1)
}

# gate_plan NAME IMAGE DEFER RELEASE-JSON [PLAN-ARGS...]: plan
# examples/gate in $work/NAME and save the plan as $work/NAME/plan.json.
gate_plan() {
  local name=$1 image=$2 deferred=$3 release=$4 dir=$work/$1
  shift 4
  gate_init "$name"
  (
    cd "$dir"
    tf "$name-plan" plan -input=false -no-color -out=tfplan -var "image=$image" -var "defer_read=$deferred" -var "release_images=$release" "$@" >/dev/null
    terraform show -json tfplan >plan.json
  )
}

# gate_denies PLAN-JSON: examples/policy's denies for a saved plan, one a
# line, sorted.
gate_denies() {
  "$opa" eval --format raw -d examples/policy/image_risk.rego -d examples/policy/thresholds.json -i "$1" \
    'concat("\n", sort([m | some m in data.hss.image_risk.deny]))'
}
