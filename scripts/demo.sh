#!/usr/bin/env bash
# make demo: build the provider, start the local HSS simulator, and run
# terraform init/plan/apply on examples/demo through a generated CLI
# configuration with dev_overrides: the numbers, one baseline export, and
# the vulnerability gate's report for one image, with one active and one
# lapsed exception. Then a release just pushed (examples/release, the
# simulator started with -demo-release): shop/web:2.1 unknown to HSS, so
# the gate fails closed; then hss_image_scan synchronises the registry,
# has HSS scan it and waits for the fresh result, and the gate read at
# apply passes it, bound to its digest. The provider alone: no OPA (make
# policy-demo runs the OPA gate). Everything stays in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.demo
. scripts/lib.sh

echo "==> building the provider and the simulator, starting the simulator"
setup_provider_and_simulator -demo-release
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

echo "==> a release just pushed: shop/web:2.1 (examples/release without actions, the way Terraform < 1.14 and OpenTofu run it)"
mkdir -p "$work/release" && cp examples/release/main.tf examples/release/without-actions/deploy.tf "$work/release/"
(
cd "$work/release"
tf release-init init -input=false -no-color >/dev/null
# The provider this demo built may predate hss_image_scan (issue 17).
if ! terraform providers schema -json 2>/dev/null | grep -q '"hss_image_scan"'; then
  echo "    skipped: this build of the provider has no hss_image_scan resource"
  exit 0
fi
echo "==> unknown: HSS has not synchronised the registry since the push, so the gate, read during plan, fails closed"
if terraform plan -input=false -no-color -var scan_at_apply=false >"$work/release-unknown.log" 2>&1; then
  echo "ERROR: the plan of an image HSS does not list succeeded" >&2; exit 1
fi
# The error and its first paragraph.
awk '/^Error: /{print "    " $0; e=1; next} e == 1 && /^[A-Z]/ {e=2} e == 2 && NF {print "    " $0} e == 2 && !NF {exit}' "$work/release-unknown.log"
echo "==> synchronised, scanned, gated: terraform apply (hss_image_scan, then the gate read at apply, then the deployment)"
start=$SECONDS
tf release-apply apply -input=false -no-color -auto-approve | awk '/(Creating|Reading)\.\.\.$/{p=1} p' | sed '/^    Outputs:/,$d'
echo "    ($((SECONDS - start)) s against the simulator's 2 s synchronisation and 3 s scan)"
echo "==> outputs"
tf release-output output -no-color
echo "==> again: nothing to scan, so the gate is read during plan and nothing changes (the request is never repeated)"
tf release-replan plan -input=false -no-color -detailed-exitcode | grep -E 'No changes|to add' || true
)
