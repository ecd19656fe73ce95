#!/usr/bin/env bash
# Load under ingest (hardening issue, "Faults"): `wrk` with 256 connections for 30 s against a
# topic feed of a running `marsad serve` while its first fetch pass ingests 50,000 items
# (1,000 loopback feeds × 50 items from examples/feed_farm.rs).
#   bench/load.sh [FEEDS] [SECONDS] [CONNECTIONS]     (defaults 1000, 30, 256; needs wrk)
# Prints wrk's summary and latency distribution, then: requests, non-2xx answers, socket
# errors, p50/p99, items stored during the run and in the end, and items lost (must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDS=${1:-1000}
SECS=${2:-30}
CONNS=${3:-256}
ITEMS=50
PORT=${PORT:-18090}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet --bin marsad --example feed_farm
bin=${CARGO_TARGET_DIR:-target}/release/marsad
dir=$(mktemp -d)
trap 'kill $farm ${marsad:-} 2>/dev/null || true; rm -rf "$dir"' EXIT
. bench/farm.sh
start_farm "$dir" "$FEEDS" "$ITEMS"
# interval = 1m: every never-fetched source starts within the first minute (start-up jitter
# spreads them over one interval), so the whole first pass overlaps the wrk run.
cat > "$dir/marsad.toml" <<TOML
sources_file = "sources.toml"
topics_file = "topics.toml"
[server]
listen = "127.0.0.1:$PORT"
base_url = "http://127.0.0.1:$PORT"
[storage]
database = "db/marsad.db"
retention_days = 0
max_items_per_source = 0
[fetch]
interval = "1m"
concurrency = 32
per_host = 32
TOML
RUST_LOG=warn "$bin" --config "$dir/marsad.toml" serve > "$dir/serve.log" 2>&1 &
marsad=$!
started=$(date +%s)
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
stored() { # items stored, summed over /api/sources (0 when it does not answer)
  { curl -sf -m 30 "$base/api/sources" || true; } | { grep -o '"item_count":[0-9]*' || true; } | awk -F: '{s += $2} END {print s + 0}'
}
URL_PATH="/feeds/libya.atom"
before=$(stored)
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$base$URL_PATH" > "$dir/wrk.out"
during=$(( $(stored) - before ))
cat "$dir/wrk.out"
# Then wait for the first pass to finish (at most 10 minutes).
want=$((FEEDS * ITEMS))
for _ in $(seq 600); do
  [ "$(stored)" -ge "$want" ] && break
  kill -0 $marsad 2>/dev/null || { echo "marsad exited"; cat "$dir/serve.log"; exit 1; }
  sleep 1
done
final=$(stored)
pass=$(( $(date +%s) - started ))
requests=$(awk '/requests in/ {print $1}' "$dir/wrk.out")
non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' "$dir/wrk.out")
sockerr=$(awk '/Socket errors/ {print $0}' "$dir/wrk.out")
p50=$(awk '$1 == "50%" {print $2}' "$dir/wrk.out")
p99=$(awk '$1 == "99%" {print $2}' "$dir/wrk.out")
failed=$({ curl -sf -m 30 "$base/api/sources" || true; } | { grep -o '"consecutive_failures":[1-9][0-9]*' || true; } | wc -l)
echo "---"
echo "command: wrk -t2 -c$CONNS -d${SECS}s --latency $URL_PATH, while marsad serve ingests $FEEDS feeds × $ITEMS items"
echo "requests: $requests; non-2xx: ${non2xx:-0}; ${sockerr:-socket errors: none}"
echo "latency: p50 $p50, p99 $p99"
echo "items stored during the wrk run: $during; in the end: $final of $want after ${pass} s; items lost: $((want - final)); sources failing: $failed"
echo "errors logged by marsad: $(grep -c -i 'error' "$dir/serve.log" || true)"
[ "$final" -eq "$want" ] && [ -z "${non2xx:-}" ] && [ -z "${sockerr:-}" ]
