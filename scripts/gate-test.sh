#!/usr/bin/env bash
# make gate-test: the terraform test suite of examples/gate
# (examples/gate/tests/*.tftest.hcl) with the Terraform on PATH, offline.
# The suite replaces every read of HSS with mock_provider "hss" and
# override_data, but Terraform still takes the provider's schema, its
# configuration validation and its functions from the real provider: so
# the provider is built and installed through a generated CLI
# configuration, as for the demo. No simulator, no endpoint, no
# credentials. Everything stays in .gate-test/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.gate-test
. scripts/lib.sh

setup_provider
# No credentials reach the suite: a mock provider needs none, and a run
# that reached the real provider's Configure would fail on the endpoint.
unset "${!HW_@}"
export HW_REGION_NAME=cn-north-4 HW_HSS_ENDPOINT=http://127.0.0.1:9 HW_ACCESS_KEY=unused HW_SECRET_KEY=unused

mkdir -p "$work/gate" && cp -R examples/gate/. "$work/gate/"
cd "$work/gate"
echo "==> terraform test examples/gate with $(terraform version | sed -n 1p)"
tf init init -input=false -no-color >/dev/null
if ! terraform test -no-color >"$work/test.log" 2>&1; then
  cat "$work/test.log" >&2
  echo "gate-test: terraform test failed (log: $work/test.log)" >&2
  exit 1
fi
grep -E '^(tests/|  run )' "$work/test.log" | sed 's/^/    /'
tail -n 1 "$work/test.log"
