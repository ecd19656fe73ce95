#!/usr/bin/env bash
# Fetch benchmark (issue 3): N distinct feeds × 50 items from one loopback server.
#   bench/fetch.sh [N]        (default N=2000)
# Reports wall time, items/s and peak RSS of `marsad fetch` for a first pass (everything
# new) and a second pass (every feed answers 304), next to a baseline measured in the same
# run: curl downloading the same N feeds with the same parallelism (transfer cost only).
# "busy" is the CPU time over wall time × cores: how much of the machine the pass used.
#
#   BASELINE=path/to/other/marsad bench/fetch.sh [N] [ROUNDS]
# also times first passes of another build (an older commit's binary) against this one,
# alternating, ROUNDS times each (default 3) on fresh databases, and prints each pair.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
PAR=32
cargo build --release --quiet --bin marsad --example feed_farm
dir=$(mktemp -d)
trap 'kill $farm 2>/dev/null || true; rm -rf "$dir"' EXIT
. bench/farm.sh
start_farm "$dir" "$N" 50
addr=$(cat "$dir/addr")
cat > "$dir/marsad.toml" <<TOML
sources_file = "sources.toml"
topics_file = "topics.toml"
[storage]
database = "db/marsad.db"
# The farm's items are dated November 2026; items past the retention are not stored, so
# keep them all or the first pass would measure less work as the dates age.
retention_days = 0
[fetch]
concurrency = $PAR
per_host = $PAR
TOML

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time" "$@" > "$dir/out" 2> /dev/null
  read -r wall rss user sys < "$dir/time"
  local cpu
  cpu=$(echo "$user + $sys" | bc -l)
  printf '%-22s wall %6.2f s   cpu %6.2f s   busy %3.0f%%   peak RSS %6.1f MB   %s\n' "$label" "$wall" "$cpu" "$(echo "100 * $cpu / ($wall * $(nproc))" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(tail -n 1 "$dir/out")"
  echo "$wall" > "$dir/last"
}

seq 0 $((N - 1)) | sed "s|.*|url = \"http://$addr/feed/&.xml\"\noutput = \"/dev/null\"|" > "$dir/curl.cfg"
measure "baseline curl" curl -s --parallel --parallel-max $PAR -K "$dir/curl.cfg"
base=$(cat "$dir/last")
measure "marsad first pass" target/release/marsad --config "$dir/marsad.toml" fetch
first=$(cat "$dir/last")
measure "marsad second pass" target/release/marsad --config "$dir/marsad.toml" fetch
second=$(cat "$dir/last")
items=$((N * 50))
printf 'first pass: %.0f items/s, %.1f× the curl baseline; second pass (304): %.1f× the baseline\n' \
  "$(echo "$items / $first" | bc -l)" "$(echo "$first / $base" | bc -l)" "$(echo "$second / $base" | bc -l)"

if [ -n "${BASELINE:-}" ]; then
  rounds=${2:-3}
  for r in $(seq "$rounds"); do
    for bin in "$BASELINE" target/release/marsad; do
      rm -rf "$dir/db"
      measure "$(basename "$(dirname "$(dirname "$bin")")")/$(basename "$bin") r$r" "$bin" --config "$dir/marsad.toml" fetch
    done
  done
fi
