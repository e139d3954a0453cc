#!/usr/bin/env bash
# make demo: build the provider, start the local HSS simulator, and run
# terraform init/plan/apply on examples/demo through a generated CLI
# configuration with dev_overrides: the numbers, one baseline export, and
# the vulnerability gate's report for one image, with one active and one
# lapsed exception. The provider alone: no OPA (make policy-demo runs the
# OPA gate). Everything stays in .demo/.
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
tf plan plan -input=false -no-color -out=tfplan | awk '/[+] gate_report += <<-EOT$/{sub(/<<-EOT$/, "(the report, printed at the end)"); print; skip=1; next} skip && /^ *EOT$/{skip=0; next} !skip'
echo "==> terraform apply"
tf apply apply -input=false -no-color -auto-approve tfplan | sed '/^    Outputs:/,$d'
echo "==> outputs"
tf output output -no-color | awk '/^    gate_report = <<EOT$/{skip=1} !skip {print} skip && /^ *EOT$/{skip=0}'
echo "==> the downloaded baseline export"
ls -l shop-baseline.zip | awk '{print "    " $5 " bytes  " $NF}'
if command -v python3 >/dev/null; then python3 -m zipfile -l shop-baseline.zip | sed 's/^/    /'; fi
echo "==> the vulnerability gate's report (output gate_report: report_markdown, what a pull-request comment shows)"
terraform output -raw gate_report | sed 's/^/    /'
)
