#!/usr/bin/env bash
# Prints the path of Terraform 1.15.9, unpacked from ../shared/terraform
# (developer machines and CI) into .tools/ and verified against the
# archive's SHA256SUMS and the binary's published SHA-256. Prints nothing
# when the archive is not there (a user's clone): callers then run with the
# terraform on PATH and say what was skipped. Nothing is ever downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.15.9
archive=../shared/terraform/terraform-$version-linux-amd64.xz
binary_sha256=4a6b491c605318db6ad787ed621403152ad1929c9b956bf83444e7958d76ce2d
dir=.tools/terraform-$version
bin=$dir/terraform

[ -f "$archive" ] || exit 0
[ "$(go env GOOS)/$(go env GOARCH)" = linux/amd64 ] || exit 0
if [ ! -x "$bin" ] || [ "$archive" -nt "$bin" ]; then
  (cd "$(dirname "$archive")" && sha256sum --quiet -c SHA256SUMS) >&2 ||
    { echo "ERROR: $archive does not match its SHA256SUMS" >&2; exit 1; }
  mkdir -p "$dir"
  xz -dc "$archive" >"$bin.tmp"
  echo "$binary_sha256  $bin.tmp" | sha256sum --quiet -c - >&2 ||
    { rm -f "$bin.tmp"; echo "ERROR: the Terraform binary unpacked from $archive has the wrong SHA-256" >&2; exit 1; }
  chmod +x "$bin.tmp" && mv "$bin.tmp" "$bin"
fi
echo "$PWD/$bin"
