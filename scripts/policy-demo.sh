#!/usr/bin/env bash
# make policy-demo: the deployment gate as policy as code. Build the
# provider, the simulator and OPA (pinned, from the Go module proxy: the
# slow part, minutes on a cold build cache), plan examples/gate with
# enforce_gate = false so that the vulnerability gate's verdict goes into
# the plan, and evaluate examples/policy over `terraform show -json` for an
# image that passes and one that is denied (the denies are printed). Then
# a misspelt image, whose plan fails instead of reading zeros, and the
# denied image with enforce_gate = true (the default), whose plan the
# gate's read stops. Everything stays in .policy-demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.policy-demo
. scripts/lib.sh

echo "==> building the provider, the simulator and OPA $OPA_VERSION, starting the simulator"
setup_provider_and_simulator
install_opa
echo "    endpoint $HW_HSS_ENDPOINT, project $HW_PROJECT_ID (credentials in HW_* variables)"

echo "==> the deployment gate: terraform plan of examples/gate (enforce_gate = false), then examples/policy over terraform show -json"
registry=swr.cn-north-4.myhuaweicloud.com
for image in "$registry/release/checkout:4.0" "$registry/shop/web:2.0"; do
  name=gate-$(basename "${image//:/-}")
  gate_plan "$name" "$image" false '[]' -var enforce_gate=false
  denies=$(gate_denies "$work/$name/plan.json")
  if [ -z "$denies" ]; then
    echo "    $image: PASS (0 denies)"
  else
    echo "    $image: DENY ($(printf '%s\n' "$denies" | wc -l) denies)"
    printf '      %s\n' "${denies//$'\n'/$'\n'      }"
  fi
done

# plan_error NAME LINES: the first LINES lines of the first error of
# $work/NAME-plan.log, without the source lines Terraform quotes.
plan_error() {
  awk '/^Error:/{n++} n==1' "$work/$1-plan.log" | grep -v '^ *on \|^ *[0-9]*:\|^ *with \|^ *$\|^│ *$' | head -"$2" | sed 's/^/      /'
}

# A typo in the image reference: HSS knows no such image, so the plan
# itself fails instead of reading zeros.
image=$registry/shop/crat:3.1
if ! gate_plan_fails gate-typo "$image" false '[]'; then
  echo "    $image: the plan succeeded, but HSS knows no such image" >&2
  exit 1
fi
echo "    $image: PLAN FAILS (fail closed):"
plan_error gate-typo 8

# enforce_gate = true, the default: the gate's read fails the plan of an
# image that fails its policy, the error listing the violations.
image=$registry/shop/web:2.0
if ! gate_plan_fails gate-enforced "$image" false '[]'; then
  echo "    $image: the plan succeeded, but the image fails its vulnerability gate" >&2
  exit 1
fi
echo "    $image with enforce_gate = true: PLAN FAILS at the gate's read:"
plan_error gate-enforced 12
