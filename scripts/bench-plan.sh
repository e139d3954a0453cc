#!/usr/bin/env bash
# Whole-run benchmark: terraform plan with 1, 100 and 500
# hss_image_baseline_statistic data sources against the simulator, with 20
# ms injected latency and with none (Terraform's own overhead), at the
# default -parallelism=10 and at 50; plus 500 identical data sources.
# Reports wall time, requests served, new connections, and the provider
# process's peak RSS and CPU time (sampled from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.bench
. scripts/lib.sh

setup_provider_and_simulator -stats-addr 127.0.0.1:0
for _ in $(seq 50); do grep -q '^Stats at' "$work/simulator.log" && break; sleep 0.1; done
stats=$(sed -n 's/^Stats at \(.*\)\/stats$/\1/p' "$work/simulator.log")
hz=$(getconf CLK_TCK)

config() { # count identical
  local name='"img-${count.index}"'
  [ "$2" = yes ] && name='"web"'
  cat <<TF
terraform {
  required_providers {
    hss = { source = "cloudsec/hss" }
  }
}
provider "hss" {}
data "hss_image_baseline_statistic" "x" {
  count      = $1
  image_type = "private_image"
  image_name = $name
}
TF
}

# sample DIR: until killed, record each provider process's peak RSS (kB)
# and CPU ticks.
sample() {
  mkdir -p "$1"
  while :; do
    for pid in $(pgrep -f "^$work/bin/terraform-provider-hss" || true); do
      local hwm ticks
      hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
      ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
      [ -n "$hwm" ] && echo "$hwm $ticks" >"$1/$pid"
    done
    sleep 0.01
  done
}

echo "| data sources | distinct | latency | parallelism | wall s | requests | new conns | ideal s (req×lat/par) | provider peak RSS MB | provider CPU ms | CPU ms/read |"
echo "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
run() { # count identical latency-ms parallelism
  local n=$1 identical=$2 lat=$3 par=$4 dir=$work/run-$1-$2
  mkdir -p "$dir"
  if [ ! -f "$dir/main.tf" ]; then
    config "$n" "$identical" >"$dir/main.tf"
    (cd "$dir" && tf "init-$n-$identical" init -input=false -no-color >/dev/null)
  fi
  curl -fsS "$stats/reset?latency=${lat}ms" >/dev/null
  local samples=$work/samples-$n-$identical-$lat-$par
  rm -rf "$samples"
  sample "$samples" &
  local sampler=$!
  local t0 t1
  t0=$(date +%s%N)
  (cd "$dir" && terraform plan -input=false -no-color -parallelism="$par" >"$work/plan-$n.log" 2>&1) || { kill $sampler; cat "$work/plan-$n.log" >&2; exit 1; }
  t1=$(date +%s%N)
  kill $sampler; wait $sampler 2>/dev/null || true
  local st req conns
  st=$(curl -fsS "$stats/stats")
  req=$(sed 's/.*"requests":\([0-9]*\).*/\1/' <<<"$st")
  conns=$(sed 's/.*"new_connections":\([0-9]*\).*/\1/' <<<"$st")
  cat "$samples"/* 2>/dev/null | awk -v n="$n" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v req="$req" -v conns="$conns" \
    -v lat="$lat" -v par="$par" -v distinct="$([ "$identical" = yes ] && echo no || echo yes)" '
    { if ($1 > rss) rss = $1; cpu += $2 }
    END { printf "| %d | %s | %d ms | %d | %.2f | %d | %d | %.2f | %.1f | %d | %.3f |\n",
      n, distinct, lat, par, (t1 - t0) / 1e9, req, conns, req * lat / 1000 / par, rss / 1024, cpu * 1000 / hz, cpu * 1000 / hz / n }'
}

for lat in 0 20; do
  for n in 1 100 500; do
    run "$n" no "$lat" 10
  done
done
run 500 no 20 50
run 500 yes 20 10
