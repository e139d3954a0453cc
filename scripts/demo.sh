#!/usr/bin/env bash
# make demo: build the provider, start the local HSS simulator, and run
# terraform init/plan/apply on examples/demo through a generated CLI
# configuration with dev_overrides. Everything stays in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.demo
. scripts/lib.sh

echo "==> building the provider and the simulator, starting the simulator"
setup_provider_and_simulator
echo "    endpoint $HW_HSS_ENDPOINT, project $HW_PROJECT_ID (credentials in HW_* variables)"

mkdir -p "$work/run" && cp -R examples/demo/. "$work/run/" && cd "$work/run"
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
