#!/usr/bin/env bash
# The policy-as-code gate, end to end against the simulator: plan
# examples/gate for an image whose numbers pass, one whose numbers fail, and
# one whose reads are deferred to apply; evaluate examples/policy on each
# `terraform show -json`; assert pass, deny and deny.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.policy-gate
OPA_VERSION=v1.22.2
. scripts/lib.sh

setup_provider_and_simulator
# OPA from the Go module proxy, pinned; offline once the module cache is warm.
GOBIN=$work/bin go install "github.com/open-policy-agent/opa@$OPA_VERSION"
opa=$work/bin/opa

echo "==> opa test examples/policy"
"$opa" test examples/policy

failures=0
gate() { # name image defer expected-denies expected-message
  local name=$1 image=$2 deferred=$3 want=$4 message=$5 dir=$work/$1
  mkdir -p "$dir" && cp -R examples/gate/. "$dir/"
  (
    cd "$dir"
    tf "$name-init" init -input=false -no-color >/dev/null
    tf "$name-plan" plan -input=false -no-color -out=tfplan -var "image=$image" -var "defer_read=$deferred" >/dev/null
    terraform show -json tfplan >plan.json
  )
  local denies
  denies=$("$opa" eval --format raw -d examples/policy/image_risk.rego -d examples/policy/thresholds.json -i "$dir/plan.json" \
    'concat("\n", sort([m | some m in data.hss.image_risk.deny]))')
  local n=0
  [ -n "$denies" ] && n=$(printf '%s\n' "$denies" | wc -l)
  printf '==> gate %-9s %-55s %d deny\n' "$name" "$image" "$n"
  [ -n "$denies" ] && printf '      %s\n' "${denies//$'\n'/$'\n'      }"
  if [ "$n" -ne "$want" ] || ! grep -qF -- "$message" <<<"$denies$'\n'"; then
    echo "FAIL: gate $name: want $want deny including: $message" >&2
    failures=$((failures + 1))
  fi
}

registry=swr.cn-north-4.myhuaweicloud.com
gate pass "$registry/shop/cart:3.1" false 0 ""
gate fail "$registry/shop/web:2.0" false 11 \
  "data.hss_image_security_summary.deploy: report_counts[vulnerability] = 5 exceeds the threshold 0"
gate deferred "$registry/shop/cart:3.1" true 1 \
  "data.hss_image_baseline_statistic.after_release[0]: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"

if [ "$failures" -ne 0 ]; then
  echo "policy gate: $failures case(s) failed" >&2
  exit 1
fi
echo "policy-gate: 3 passed, 0 failed"
