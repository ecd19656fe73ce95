#!/usr/bin/env bash
# Serving benchmark (issue 6): requests/s for a 50-item Atom feed from marsad, next to nginx
# serving the same bytes as a static file in the same run (nginx with `gzip on` for the
# compressed case, i.e. compressing on the fly).
#   bench/serve.sh [SECONDS]      (default 10 s per run; needs wrk and nginx: apt-get install wrk nginx)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=64
THREADS=2
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --quiet --bin marsad --example feed_farm
dir=$(mktemp -d)
trap 'kill $farm $marsad 2>/dev/null || true; [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null; rm -rf "$dir"' EXIT

# 20 feeds × 50 items into a fresh database.
. bench/farm.sh
start_farm "$dir" 20 50
cat > "$dir/marsad.toml" <<TOML
sources_file = "sources.toml"
topics_file = "topics.toml"
[server]
listen = "127.0.0.1:18080"
base_url = "http://127.0.0.1:18080"
[storage]
database = "db/marsad.db"
retention_days = 0
[fetch]
interval = "1d"
TOML
RUST_LOG=warn target/release/marsad --config "$dir/marsad.toml" fetch > /dev/null
RUST_LOG=warn target/release/marsad --config "$dir/marsad.toml" serve > /dev/null 2>&1 &
marsad=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.1; done
URL_PATH="/feeds/libya.atom"
mkdir -p "$dir/www/feeds"
curl -s "http://127.0.0.1:18080$URL_PATH" > "$dir/www/feeds/libya.atom"
items=$(grep -o "<entry>" "$dir/www/feeds/libya.atom" | wc -l)
size=$(stat -c %s "$dir/www/feeds/libya.atom")

cat > "$dir/nginx.conf" <<NGINX
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/atom+xml atom; }
  gzip on;
  gzip_types application/atom+xml;
  gzip_min_length 0;
  server {
    listen 127.0.0.1:18081;
    root $dir/www;
  }
}
NGINX
# nginx workers run as an unprivileged user: let them read the file (mktemp -d is 0700).
chmod a+x "$dir"
chmod -R a+rX "$dir/www"
"$NGINX" -c "$dir/nginx.conf"
sleep 0.5
for port in 18080 18081; do
  for enc in identity gzip; do
    got=$(curl -s -o /dev/null -w '%{http_code} %header{content-encoding}' -H "Accept-Encoding: $enc" "http://127.0.0.1:$port$URL_PATH")
    echo "check :$port Accept-Encoding $enc -> $got"
    case "$got" in 200*) ;; *) echo "not a 200: stop"; exit 1;; esac
  done
done

rps() { # url, extra wrk args...
  local url=$1; shift
  wrk -t$THREADS -c$CONNS -d${SECS}s "$@" "$url" > "$dir/wrk.out"
  if grep -q "Non-2xx" "$dir/wrk.out"; then echo "non-2xx answers from $url" >&2; cat "$dir/wrk.out" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$dir/wrk.out"
}
echo "feed: $URL_PATH, $items entries, $size bytes; wrk -t$THREADS -c$CONNS -d${SECS}s"
m_plain=$(rps "http://127.0.0.1:18080$URL_PATH")
n_plain=$(rps "http://127.0.0.1:18081$URL_PATH")
m_gzip=$(rps "http://127.0.0.1:18080$URL_PATH" -H "Accept-Encoding: gzip")
n_gzip=$(rps "http://127.0.0.1:18081$URL_PATH" -H "Accept-Encoding: gzip")
printf 'plain: marsad %s req/s, nginx static %s req/s, ratio %.2f× (target ≥ 0.8×)\n' "$m_plain" "$n_plain" "$(echo "$m_plain / $n_plain" | bc -l)"
printf 'gzip:  marsad %s req/s, nginx gzip on %s req/s, ratio %.2f× (target ≥ 10×)\n' "$m_gzip" "$n_gzip" "$(echo "$m_gzip / $n_gzip" | bc -l)"
