#!/usr/bin/env bash
# The policy-as-code gate, end to end against the simulator: plan
# examples/gate for an image whose numbers pass, one whose numbers fail, one
# scanned too long ago, one whose reads are deferred to apply, and a release
# of several images through hss_images; evaluate examples/policy on each
# `terraform show -json`; assert pass or the denies. An image HSS does not
# know, has not scanned yet, or failed to scan fails the plan itself.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.policy-gate
. scripts/lib.sh

setup_provider_and_simulator
install_opa

echo "==> opa test examples/policy"
"$opa" test examples/policy

failures=0
passed=0
# gate name image defer expected-denies expected-message [release images...]
# expected-denies "plan-fails" means the plan itself must fail with the message.
gate() {
  local name=$1 image=$2 deferred=$3 want=$4 message=$5 dir=$work/$1
  shift 5
  local release
  release=$(printf '"%s",' "$@")
  release="[${release%,}]"
  [ $# -eq 0 ] && release="[]"
  if [ "$want" = plan-fails ]; then
    if ! gate_plan_fails "$name" "$image" "$deferred" "$release"; then
      echo "FAIL: gate $name: the plan succeeded; want it to fail with: $message" >&2
      failures=$((failures + 1))
      return
    fi
    printf '==> gate %-9s %-55s plan fails\n' "$name" "$image"
    if ! tr -s ' \n' ' ' <"$work/$name-plan.log" | grep -qF -- "$message"; then
      cat "$work/$name-plan.log" >&2
      echo "FAIL: gate $name: the plan failed without: $message" >&2
      failures=$((failures + 1))
      return
    fi
    passed=$((passed + 1))
    return
  fi
  gate_plan "$name" "$image" "$deferred" "$release"
  local denies
  denies=$(gate_denies "$dir/plan.json")
  local n=0
  [ -n "$denies" ] && n=$(printf '%s\n' "$denies" | wc -l)
  printf '==> gate %-9s %-55s %d deny\n' "$name" "$image" "$n"
  [ -n "$denies" ] && printf '      %s\n' "${denies//$'\n'/$'\n'      }"
  if [ "$n" -ne "$want" ] || ! grep -qF -- "$message" <<<"$denies"; then
    echo "FAIL: gate $name: want $want deny including: $message" >&2
    failures=$((failures + 1))
    return
  fi
  passed=$((passed + 1))
}

registry=swr.cn-north-4.myhuaweicloud.com
gate pass "$registry/release/checkout:4.0" false 0 ""
gate fail "$registry/shop/web:2.0" false 12 \
  "data.hss_image_security_summary.deploy: report_counts[vulnerability] = 5 exceeds the threshold 0"
gate too-old "$registry/shop/cart:3.1" false 1 \
  "data.hss_image_security_summary.deploy.image: last scanned at 2026-01-21T00:00:00Z"
gate deferred "$registry/release/checkout:4.0" true 1 \
  "data.hss_image_baseline_statistic.after_release[0]: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"
gate unknown "$registry/shop/crat:3.1" false plan-fails \
  'Closest images HSS has in namespace "shop": cart:3.1'
gate unscanned "$registry/release/search:2.3" false plan-fails \
  'last scan of private_image release/search:2.3 has scan_status "unscan", not "success".'
gate scan-failed "$registry/release/ledger:1.4" false plan-fails \
  'scan_status "failed" (scan_failed_code "failed_to_scan_vulnerability": Failed to scan the image for vulnerabilities.)'
gate release "$registry/storefront/cart:5.0" false 2 \
  'data.hss_images.release["storefront:5.0"].images[2] (storefront/search:5.0): scan_status is "scanning"' \
  "$registry/storefront/cart:5.0" "$registry/storefront/web:5.0" "$registry/storefront/search:5.0" "$registry/storefront/payments:5.0"

if [ "$failures" -ne 0 ]; then
  echo "policy gate: $passed passed, $failures failed" >&2
  exit 1
fi
echo "policy-gate: $passed passed, 0 failed"
