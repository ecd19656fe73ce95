#!/usr/bin/env bash
# Several `marsad serve` instances sharing fetch work on one PostgreSQL database (issue 24).
#   bench/multi.sh
# Starts a PostgreSQL server from the distribution's binaries in a temp dir, the loopback
# farm examples/lease_farm (SOURCES feeds on HOSTS addresses 127.0.0.1…, each feed gaining
# an item a minute), and then two runs, each on a fresh database and a fresh farm log:
#   multi: INSTANCES instances for MINUTES minutes, the first one killed (kill -9) at KILL_AT s;
#   single: one instance for BASE_MINUTES minutes (the throughput baseline).
# Then bench/multi_report.py reads the farm's log of every request and the stored items
# (psql) and prints fetches per source per interval, per-host concurrency, items stored once,
# and throughput. Everything is kept in the run folder it prints (the database is removed).
#
# Settings (environment): SOURCES=3000 HOSTS=30 INSTANCES=3 MINUTES=5 KILL_AT=150
# BASE_MINUTES=$MINUTES LEASE=45s TIMEOUT=15s PER_HOST=2 CONCURRENCY=16
# RUNS="multi single" (either or both); NO_BUILD=1 skips cargo; STORE=postgres, or
# STORE=sqlite: one SQLite file per run, which instances do not share work on (each fetches
# every source under its own per_host), so a multi run on it is the control the report must
# flag: double fetches and per-host overruns.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES=${SOURCES:-3000}
HOSTS=${HOSTS:-30}
INSTANCES=${INSTANCES:-3}
MINUTES=${MINUTES:-5}
KILL_AT=${KILL_AT:-$((MINUTES * 30))}
BASE_MINUTES=${BASE_MINUTES:-$MINUTES}
LEASE=${LEASE:-45s}
TIMEOUT=${TIMEOUT:-15s}
PER_HOST=${PER_HOST:-2}
CONCURRENCY=${CONCURRENCY:-16}
RUNS=${RUNS:-multi single}
STORE=${STORE:-postgres}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)}
bin=${CARGO_TARGET_DIR:-target}/release

[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin marsad --example lease_farm
out=$(mktemp -d /tmp/marsad-multi.XXXXXX)
echo "run folder: $out"
pids=()
pgdata=""
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done
  if [ -n "$pgdata" ]; then
    as_pg "$PG_BIN/pg_ctl" stop --pgdata "$pgdata/data" --mode immediate --wait --silent || true
    rm -rf "$pgdata"
  fi
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: then the server runs as `nobody`, in a folder it owns.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ "$@"
  else
    "$@"
  fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
psql_() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U marsad "$@"; }

if [ "$STORE" = postgres ]; then
  pgdata=$(mktemp -d /tmp/marsad-multi-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown 65534:65534 "$pgdata" && chmod 700 "$pgdata"
  as_pg "$PG_BIN/initdb" --pgdata "$pgdata/data" --username marsad --auth trust \
    --encoding UTF8 --locale C --no-sync > "$out/initdb.log"
  pgport=$(free_port)
  # Durability settings off: the run's data is thrown away, and the machine is shared.
  as_pg "$PG_BIN/pg_ctl" start --pgdata "$pgdata/data" --wait --timeout 60 --silent \
    --log "$pgdata/server.log" -o "-c listen_addresses=127.0.0.1 -c port=$pgport \
    -c unix_socket_directories='$pgdata' -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off -c max_connections=200"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport"
fi

now_ms() { date +%s%3N; }
cpu_s() { # user+system CPU seconds of a live process
  awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat" 2> /dev/null || echo "?"
}

# run NAME INSTANCES MINUTES KILL_AT(0: none)
run() {
  local name=$1 n=$2 minutes=$3 kill_at=$4 dir="$out/$1"
  mkdir -p "$dir"
  local db
  if [ "$STORE" = postgres ]; then
    psql_ -d postgres -c "CREATE DATABASE $name"
    db="postgres://marsad@127.0.0.1:$pgport/$name"
  else
    db="$dir/marsad.db"
  fi
  "$bin/examples/lease_farm" "$SOURCES" "$HOSTS" "$dir/farm.csv" > "$dir/hosts" &
  local farm=$!
  pids+=("$farm")
  for _ in $(seq 100); do grep -qx ready "$dir/hosts" 2> /dev/null && break; sleep 0.1; done
  mapfile -t addrs < <(grep -v ready "$dir/hosts")
  for i in $(seq 0 $((SOURCES - 1))); do
    printf '[[sources]]\nid = "s%d"\nname = "مصدر %d"\nurl = "http://%s/feed/%d.xml"\n\n' \
      "$i" "$i" "${addrs[$((i % HOSTS))]}" "$i"
  done > "$dir/sources.toml"
  cp config/topics.toml "$dir/topics.toml"
  local inst=() k
  for k in $(seq 0 $((n - 1))); do
    local port
    port=$(free_port)
    cat > "$dir/i$k.toml" << TOML
sources_file = "sources.toml"
topics_file = "topics.toml"
[server]
listen = "127.0.0.1:$port"
base_url = "http://127.0.0.1:$port"
[storage]
database = "$db"
# The farm's items are new every minute; keep them all, the run counts them.
retention_days = 0
[fetch]
interval = "1m"
timeout = "$TIMEOUT"
lease = "$LEASE"
per_host = $PER_HOST
concurrency = $CONCURRENCY
# Names the instance in the farm's log.
user_agent = "marsad-sim/i$k"
TOML
  done
  local t0 t1 tk=0
  t0=$(now_ms)
  for k in $(seq 0 $((n - 1))); do
    RUST_LOG=${RUST_LOG:-warn} "$bin/marsad" --config "$dir/i$k.toml" serve > "$dir/i$k.log" 2>&1 &
    inst+=($!)
    pids+=($!)
  done
  echo "$name: $n instance(s) (pids ${inst[*]}), $minutes min, farm pid $farm"
  sleep 3
  for k in $(seq 0 $((n - 1))); do
    kill -0 "${inst[$k]}" 2> /dev/null || { echo "instance i$k did not start:" >&2; cat "$dir/i$k.log" >&2; exit 1; }
  done
  if [ "$kill_at" -gt 0 ]; then
    sleep $((kill_at - 3))
    for p in "${inst[@]}"; do kill -0 "$p" || { echo "instance $p died before the kill" >&2; exit 1; }; done
    echo "cpu_s_at_kill i0 $(cpu_s "${inst[0]}")" >> "$dir/cpu"
    kill -9 "${inst[0]}"
    tk=$(now_ms)
    echo "$name: killed i0 (pid ${inst[0]}) at +$(((tk - t0) / 1000)) s"
    sleep $((minutes * 60 - kill_at))
  else
    sleep $((minutes * 60 - 3))
  fi
  t1=$(now_ms)
  for k in $(seq 0 $((n - 1))); do
    if kill -0 "${inst[$k]}" 2> /dev/null; then
      echo "cpu_s i$k $(cpu_s "${inst[$k]}")" >> "$dir/cpu"
      kill -TERM "${inst[$k]}"
    fi
  done
  for p in "${inst[@]}"; do wait "$p" 2> /dev/null || true; done
  kill -TERM "$farm"
  wait "$farm" || true
  if [ "$STORE" = postgres ]; then
    psql_ -d "$name" -c "\\copy (SELECT source_id, guid FROM items) TO '$dir/items.csv' CSV"
    psql_ -d "$name" -c "SELECT count(*), count(DISTINCT (source_id, guid)) FROM items" > "$dir/counts"
  else
    python3 - "$db" "$dir" << 'PY'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
csv.writer(open(sys.argv[2] + "/items.csv", "w")).writerows(db.execute("SELECT source_id, guid FROM items"))
n, d = db.execute("SELECT count(*), count(DISTINCT source_id || ' ' || guid) FROM items").fetchone()
open(sys.argv[2] + "/counts", "w").write(f"{n}|{d}\n")
PY
  fi
  grep -hE ' (WARN|ERROR) ' "$dir"/i*.log | sed -E 's/^[^ ]+ +//' | sort | uniq -c | sort -rn | head -n 5 > "$dir/warnings" || true
  python3 bench/multi_report.py --dir "$dir" --start "$t0" --end "$t1" --kill "$tk" \
    --lease "$LEASE" --interval 60 --per-host "$PER_HOST" --instances "$n" | tee "$dir/report.txt"
}

for r in $RUNS; do
  case $r in
    multi) run multi "$INSTANCES" "$MINUTES" "$KILL_AT" ;;
    single) run single 1 "$BASE_MINUTES" 0 ;;
    *) echo "unknown run $r" >&2; exit 2 ;;
  esac
done
[ "$RUNS" = "multi single" ] && python3 bench/multi_report.py --compare "$out/multi" "$out/single"
echo "run folder: $out"
