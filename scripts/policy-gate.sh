#!/usr/bin/env bash
# The policy-as-code gate, end to end against the simulator: plan
# examples/gate for an image whose numbers pass, one whose numbers fail, one
# scanned too long ago, one whose reads are deferred to apply, and a release
# of several images through hss_images; evaluate examples/policy on each
# `terraform show -json`; assert pass or the denies. The vulnerability gate
# (hss_image_gate) reads with enforce_gate = false, so that its verdict
# reaches the policy, which denies each violation; with enforce_gate = true
# (the default) the failing image's plan fails at the gate's read. An image
# HSS does not know, has not scanned yet, or failed to scan fails the plan
# itself. A configuration that reads counts without any data source
# proving the image is denied. Then conftest, with its defaults, judges the
# same plans as OPA does, and a plan judged without thresholds is denied.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.policy-gate
. scripts/lib.sh

setup_provider_and_simulator
start=$SECONDS
install_opa
echo "==> opa $OPA_VERSION built in $((SECONDS - start))s"
start=$SECONDS
install_conftest
echo "==> conftest $CONFTEST_VERSION built in $((SECONDS - start))s"

echo "==> opa test examples/policy"
"$opa" test examples/policy

failures=0
passed=0
# gate name image defer expected-denies expected-message [release images...]
# expected-denies "plan-fails" means the plan itself must fail with the message.
# The vulnerability gate reads with enforce_gate = $gate_enforce (false
# unless the call sets it).
gate_enforce=false
gate() {
  local name=$1 image=$2 deferred=$3 want=$4 message=$5 dir=$work/$1
  shift 5
  local release
  release=$(printf '"%s",' "$@")
  release="[${release%,}]"
  [ $# -eq 0 ] && release="[]"
  if [ "$want" = plan-fails ]; then
    if ! gate_plan_fails "$name" "$image" "$deferred" "$release" -var "enforce_gate=$gate_enforce"; then
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
  gate_plan "$name" "$image" "$deferred" "$release" -var "enforce_gate=$gate_enforce"
  judge "$name" "$image" "$want" "$message"
}

# judge NAME IMAGE expected-denies expected-message: examples/policy's
# denies for $work/NAME/plan.json.
judge() {
  local name=$1 image=$2 want=$3 message=$4
  local denies
  denies=$(gate_denies "$work/$name/plan.json")
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

# counts_only NAME IMAGE: plan, in $work/NAME, a configuration that reads
# only the statistics of IMAGE (no hss_image, hss_images or summary), and
# save it as $work/NAME/plan.json.
counts_only() {
  local name=$1 image=$2 dir=$work/$1
  mkdir -p "$dir"
  cat >"$dir/main.tf" <<TF
terraform {
  required_providers {
    hss = { source = "cloudsec/hss" }
  }
}
provider "hss" {}
locals {
  image = provider::hss::parse_image_ref("$image")
}
data "hss_image_baseline_statistic" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}
data "hss_image_security_report_statistic" "vulns" {
  security_report_type = "vulnerability"
  operate_all          = true
  image_type           = "private_image"
  namespace            = local.image.namespace
  image_name           = local.image.image_name
  image_version        = local.image.image_version
}
TF
  (
    cd "$dir"
    tf "$name-init" init -input=false -no-color >/dev/null
    tf "$name-plan" plan -input=false -no-color -out=tfplan >/dev/null
    terraform show -json tfplan >plan.json
  )
}

# conftest_gate NAME PLAN WANT-EXIT [conftest args...]: conftest test of
# PLAN with examples/policy in conftest's default namespace (main); its
# exit status must be WANT-EXIT. Sets $conftest_denies (sorted).
conftest_gate() {
  local name=$1 plan=$2 want=$3 rc=0 out
  shift 3
  out=$("$conftest" test --no-color "$plan" -p examples/policy "$@" 2>&1) || rc=$?
  conftest_denies=$(sed -n "s|^FAIL - $plan - main - ||p" <<<"$out" | LC_ALL=C sort)
  printf '==> conftest %-24s exit %d, %s\n' "$name" "$rc" "$(tail -n 1 <<<"$out")"
  if [ "$rc" -ne "$want" ]; then
    printf '%s\n' "$out" >&2
    echo "FAIL: conftest $name: exit $rc, want $want" >&2
    failures=$((failures + 1))
    return 1
  fi
}

# expect_deny NAME yes|no MESSAGE: MESSAGE is (or is not) one of the
# denies of $work/NAME/plan.json.
expect_deny() {
  local name=$1 want=$2 message=$3 have=no
  grep -qxF -- "$message" <<<"$(gate_denies "$work/$name/plan.json")" && have=yes
  if [ "$have" != "$want" ]; then
    echo "FAIL: gate $name: deny present: $have, want $want: $message" >&2
    failures=$((failures + 1))
    return
  fi
  passed=$((passed + 1))
}

registry=swr.cn-north-4.myhuaweicloud.com
gate pass "$registry/release/checkout:4.0" false 0 ""
gate fail "$registry/shop/web:2.0" false 23 \
  "data.hss_image_security_summary.deploy: report_counts[vulnerability] = 5 exceeds the threshold 0"
# The vulnerability gate of the failing image: the finding of the lapsed
# exception is denied, the one of the active exception is not.
expect_deny fail yes "data.hss_image_gate.deploy: the image fails its vulnerability gate (passed is false, 3 violation(s), each denied on its own)"
expect_deny fail yes "data.hss_image_gate.deploy: vulnerability CVE-2024-3094 (CVE-2024-3094), severity high, CVSS 10, in liblzma5 5.6.0-0.2 fails the vulnerability gate: severity high ≥ fail_on high"
expect_deny fail no "data.hss_image_gate.deploy: vulnerability CVE-2024-6387 (CVE-2024-6387), severity high, CVSS 8.1, in openssh-server 1:9.2p1-2+deb12u2 fails the vulnerability gate: severity high ≥ fail_on high"
# The same image with enforce_gate = true (the default): the gate's read
# fails the plan.
gate_enforce=true gate enforced "$registry/shop/web:2.0" false plan-fails \
  'Error: Image fails the vulnerability gate'
gate too-old "$registry/shop/cart:3.1" false 3 \
  "data.hss_image_security_summary.deploy.image: last scanned at 2026-01-21T00:00:00Z"
gate deferred "$registry/release/checkout:4.0" true 1 \
  "data.hss_image_baseline_statistic.after_release[0]: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"
gate unknown "$registry/shop/crat:3.1" false plan-fails \
  'Closest images HSS has in namespace "shop": cart:3.1'
gate unscanned "$registry/release/search:2.3" false plan-fails \
  'last scan of private_image release/search:2.3 has scan_status "unscan", not "success".'
gate scan-failed "$registry/release/ledger:1.4" false plan-fails \
  'scan_status "failed" (scan_failed_code "failed_to_scan_vulnerability": Failed to scan the image for vulnerabilities.)'
gate release "$registry/storefront/cart:5.0" false 4 \
  'data.hss_images.release["storefront:5.0"].images[2] (storefront/search:5.0): scan_status is "scanning"' \
  "$registry/storefront/cart:5.0" "$registry/storefront/web:5.0" "$registry/storefront/search:5.0" "$registry/storefront/payments:5.0"

# Counts without proof: a typo reads zeros, and only the statistics were
# read, so nothing proves the image exists.
counts_only counts-only "$registry/shop/crat:3.1"
judge counts-only "$registry/shop/crat:3.1" 2 \
  'data.hss_image_baseline_statistic.deploy: counts of image_type "private_image", namespace "shop", image_name "crat", image_version "3.1", region "cn-north-4", but no image read during plan (hss_image, hss_images, hss_image_security_summary, hss_image_vulnerabilities or hss_image_gate) is selected by it'

# conftest with its defaults reads the namespace main: it must deny what
# OPA denies, exit 1 on the failing plan and 0 on the passing one.
no_thresholds='no thresholds loaded: data.hss.thresholds is undefined or not an object, so no count can be checked and the plan cannot pass; load thresholds.json (opa eval -d thresholds.json, conftest test --data thresholds.json)'
if conftest_gate fail "$work/fail/plan.json" 1 --data examples/policy/thresholds.json; then
  want=$(gate_denies "$work/fail/plan.json" | LC_ALL=C sort)
  if [ -z "$want" ] || [ "$conftest_denies" != "$want" ]; then
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$conftest_denies") >&2 || true
    echo "FAIL: conftest fail: its denies differ from opa eval's" >&2
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
fi
conftest_gate pass "$work/pass/plan.json" 0 --data examples/policy/thresholds.json && passed=$((passed + 1))
# Without thresholds, the plan that passes with them is denied, with a
# message that says why: by conftest (no --data) and by opa eval (no -d).
if conftest_gate pass-no-thresholds "$work/pass/plan.json" 1; then
  if [ "$conftest_denies" != "$no_thresholds" ]; then
    echo "FAIL: conftest pass-no-thresholds: want only: $no_thresholds; got: $conftest_denies" >&2
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
fi
denies=$("$opa" eval --format raw -d examples/policy/image_risk.rego -d examples/policy/main.rego -i "$work/pass/plan.json" \
  'concat("\n", sort([m | some m in data.main.deny]))')
printf '==> opa eval data.main.deny, no thresholds: %s\n' "$denies"
if [ "$denies" != "$no_thresholds" ]; then
  echo "FAIL: opa eval without thresholds: want only: $no_thresholds" >&2
  failures=$((failures + 1))
else
  passed=$((passed + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "policy gate: $passed passed, $failures failed" >&2
  exit 1
fi
echo "policy-gate: $passed passed, 0 failed"
