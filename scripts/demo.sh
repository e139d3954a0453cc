#!/usr/bin/env bash
# make demo: build the provider, start the local HSS simulator, and run
# terraform init/plan/apply on examples/demo through a generated CLI
# configuration with dev_overrides: the numbers, then one baseline export.
# Then the deployment gate (examples/gate, examples/policy) on a passing and
# a failing image. Everything stays in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.demo
. scripts/lib.sh

echo "==> building the provider and the simulator, starting the simulator"
setup_provider_and_simulator
echo "    endpoint $HW_HSS_ENDPOINT, project $HW_PROJECT_ID (credentials in HW_* variables)"

mkdir -p "$work/run" && cp -R examples/demo/. "$work/run/"
(
cd "$work/run"
echo "==> terraform init"
tf init init -input=false -no-color >/dev/null
echo "==> terraform plan"
tf plan plan -input=false -no-color -out=tfplan
echo "==> terraform apply"
tf apply apply -input=false -no-color -auto-approve tfplan | sed '/^    Outputs:/,$d'
echo "==> outputs"
tf output output -no-color
echo "==> the downloaded baseline export"
ls -l shop-baseline.zip | awk '{print "    " $5 " bytes  " $NF}'
if command -v python3 >/dev/null; then python3 -m zipfile -l shop-baseline.zip | sed 's/^/    /'; fi
)

echo "==> the deployment gate: terraform plan of examples/gate, then examples/policy over terraform show -json"
install_opa
registry=swr.cn-north-4.myhuaweicloud.com
for image in "$registry/release/checkout:4.0" "$registry/shop/web:2.0"; do
  name=gate-$(basename "${image//:/-}")
  gate_plan "$name" "$image" false '[]'
  denies=$(gate_denies "$work/$name/plan.json")
  if [ -z "$denies" ]; then
    echo "    $image: PASS (0 denies)"
  else
    echo "    $image: DENY ($(printf '%s\n' "$denies" | wc -l) denies)"
    printf '      %s\n' "${denies//$'\n'/$'\n'      }"
  fi
done
# A typo in the image reference: HSS knows no such image, so the plan
# itself fails instead of reading zeros.
image=$registry/shop/crat:3.1
if ! gate_plan_fails gate-typo "$image" false '[]'; then
  echo "    $image: the plan succeeded, but HSS knows no such image" >&2
  exit 1
fi
echo "    $image: PLAN FAILS (fail closed):"
grep -A12 '^Error:' "$work/gate-typo-plan.log" | grep -v '^ *on \|^ *[0-9]*:\|^ *with \|^ *$\|^│ *$' | head -8 | sed 's/^/      /'
