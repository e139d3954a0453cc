#!/usr/bin/env bash
# Whole-run benchmark: terraform plan with 1, 100 and 500
# hss_image_baseline_statistic data sources against the simulator, with 20
# ms injected latency and with none (Terraform's own overhead), at the
# default -parallelism=10 and at 50; plus 500 identical data sources. Each
# row is the median of $runs plans.
#
# Reports the size of the release build of the provider binary, then per
# row wall time, requests served, new connections, and the provider
# processes' peak RSS and CPU time. Those come from the kernel's own
# accounting of each provider process (GNU time wraps the binary Terraform
# starts), not from sampling /proc: a sampler misses what a process spends
# after its last sample and competes with it for the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/.bench
runs=${BENCH_RUNS:-5}
. scripts/lib.sh
[ -x /usr/bin/time ] || { echo "bench-plan: GNU time not found at /usr/bin/time (Debian package: time)" >&2; exit 1; }

setup_provider_and_simulator -stats-addr 127.0.0.1:0
for _ in $(seq 50); do grep -q '^Stats at' "$work/simulator.log" && break; sleep 0.1; done
stats=$(sed -n 's/^Stats at \(.*\)\/stats$/\1/p' "$work/simulator.log")

# Terraform runs the release build, as users get it, through a wrapper: each
# provider process appends "user-s sys-s peak-RSS-kB" to $work/rusage when
# it exits.
go build -trimpath -ldflags "-s -w" -o "$work/bin/provider" .
echo "release binary (-trimpath -ldflags \"-s -w\"): $(stat -c %s "$work/bin/provider") bytes"
echo
cat >"$work/bin/terraform-provider-hss" <<SH
#!/bin/sh
exec /usr/bin/time -a -o "$work/rusage" -f "%U %S %M" "$work/bin/provider" "\$@"
SH
chmod +x "$work/bin/terraform-provider-hss"

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

# plan DIR PARALLELISM LATENCY: one plan; prints "wall-s requests
# new-conns cpu-ms peak-rss-kB".
plan() {
  curl -fsS "$stats/reset?latency=$3" >/dev/null
  rm -f "$work/rusage"
  local t0 t1
  t0=$(date +%s%N)
  (cd "$1" && terraform plan -input=false -no-color -parallelism="$2" >"$work/plan.log" 2>&1) || { cat "$work/plan.log" >&2; exit 1; }
  t1=$(date +%s%N)
  local st
  st=$(curl -fsS "$stats/stats")
  awk -v wall="$(( (t1 - t0) / 1000000 ))" \
    -v req="$(sed 's/.*"requests":\([0-9]*\).*/\1/' <<<"$st")" \
    -v conns="$(sed 's/.*"new_connections":\([0-9]*\).*/\1/' <<<"$st")" '
    { cpu += ($1 + $2) * 1000; if ($3 > rss) rss = $3 }
    END { printf "%.2f %d %d %d %d\n", wall / 1000, req, conns, cpu, rss }' "$work/rusage"
}

# median COLUMN: the median of that column of stdin's lines.
median() { sort -n -k"$1","$1" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

declare -A startup # latency -> provider CPU ms of the 1-data-source plan

echo "| data sources | distinct | latency | parallelism | wall s | requests | new conns | ideal s (req×lat/par) | provider peak RSS MB | provider CPU ms | marginal CPU ms/read |"
echo "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
run() { # count identical latency-ms parallelism
  local n=$1 identical=$2 lat=$3 par=$4 dir=$work/run-$1-$2
  mkdir -p "$dir"
  if [ ! -f "$dir/main.tf" ]; then
    config "$n" "$identical" >"$dir/main.tf"
    (cd "$dir" && tf "init-$n-$identical" init -input=false -no-color >/dev/null)
  fi
  local results
  results=$(for _ in $(seq "$runs"); do plan "$dir" "$par" "${lat}ms"; done)
  local wall req conns cpu rss
  wall=$(median 1 <<<"$results")
  read -r _ req conns _ _ <<<"$(head -1 <<<"$results")"
  cpu=$(median 4 <<<"$results")
  rss=$(median 5 <<<"$results")
  [ "$n" = 1 ] && startup[$lat]=$cpu
  awk -v n="$n" -v lat="$lat" -v par="$par" -v wall="$wall" -v req="$req" -v conns="$conns" -v cpu="$cpu" -v rss="$rss" \
    -v base="${startup[$lat]}" -v distinct="$([ "$identical" = yes ] && echo no || echo yes)" 'BEGIN {
    marginal = n > 1 ? sprintf("%.2f", (cpu - base) / (n - 1)) : "(start-up)"
    printf "| %d | %s | %d ms | %d | %.2f | %d | %d | %.2f | %.1f | %d | %s |\n",
      n, distinct, lat, par, wall, req, conns, req * lat / 1000 / par, rss / 1024, cpu, marginal }'
}

for lat in 0 20; do
  for n in 1 100 500; do
    run "$n" no "$lat" 10
  done
done
run 500 no 20 50
run 500 yes 20 10
