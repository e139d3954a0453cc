#!/usr/bin/env bash
# make testacc: the TestAccReal tests (internal/provider/acc_real_test.go)
# against real HSS, with the HW_* credentials and the image the HSS_ACC_*
# variables name (CONTRIBUTING.md, "Acceptance tests against real HSS").
# Without them: one line saying what to set, and success.
set -euo pipefail

# The same check as realHSSMissing in acc_real_test.go.
missing=()
[ -n "${HW_REGION_NAME:-}" ] || missing+=("HW_REGION_NAME")
if { [ -z "${HW_ACCESS_KEY:-}" ] || [ -z "${HW_SECRET_KEY:-}" ]; } && [ -z "${HW_AUTH_TOKEN:-}" ] && [ -z "${HW_PROFILE:-}" ]; then
  missing+=("HW_ACCESS_KEY and HW_SECRET_KEY (or HW_AUTH_TOKEN, or HW_PROFILE)")
fi
for v in HSS_ACC_IMAGE_TYPE HSS_ACC_IMAGE_NAME HSS_ACC_IMAGE_VERSION; do
  [ -n "${!v:-}" ] || missing+=("$v")
done
if [ -n "${HSS_ACC_IMAGE_TYPE:-}" ] && [ "$HSS_ACC_IMAGE_TYPE" != local_image ] && [ -z "${HSS_ACC_NAMESPACE:-}" ]; then
  missing+=("HSS_ACC_NAMESPACE")
fi
if [ ${#missing[@]} -gt 0 ]; then
  list=$(printf '%s, ' "${missing[@]}")
  echo "SKIP testacc (real HSS): set ${list%, } (an image HSS has scanned successfully; HSS_ACC_EXPORT=1 also exports it; see CONTRIBUTING.md)"
  exit 0
fi

# Only the TestAccReal tests: TestMain refuses any other test in this mode.
TF_ACC=1 exec go test -tags acceptance -count=1 -v -timeout "${TESTACC_TIMEOUT:-60m}" -run '^TestAccReal' ./internal/provider/
