#!/usr/bin/env bash
# Starts marsad on loopback behind the sub-path /marsad/ (base_url), with feeds that hold a
# mixed-script source name, recent, undated and future-dated items and one failing source,
# and checks its pages in headless Chromium (tests/browser/page_check.py).
#   apt-get install chromium && pip install websocket-client   # once
#   tests/browser/run.sh [OUT_DIR]   (default target/browser: screenshots go there)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/browser}
mkdir -p "$out"
cargo build --quiet --bin marsad
dir=$(mktemp -d)
trap 'kill $feeds $marsad 2>/dev/null || true; wait $marsad 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/www" && cp tests/fixtures/seed-feed.xml "$dir/www/feed.xml"
python3 tests/browser/make_feed.py > "$dir/www/pulse.xml"
python3 -m http.server 18090 --bind 127.0.0.1 --directory "$dir/www" > /dev/null 2>&1 &
feeds=$!
cp config/topics.toml "$dir/"
cat > "$dir/sources.toml" <<'TOML'
[[sources]]
id = "news"
name = "موقع أخبار تجريبي"
url = "http://127.0.0.1:18090/feed.xml"

[[sources]]
id = "pulse"
name = "نبض شرقي RSS"
url = "http://127.0.0.1:18090/pulse.xml"

[[sources]]
id = "broken"
name = "مصدر معطل"
url = "http://127.0.0.1:18090/missing.xml"
TOML
cat > "$dir/marsad.toml" <<'TOML'
sources_file = "sources.toml"
topics_file = "topics.toml"
[server]
listen = "127.0.0.1:18089"
base_url = "http://127.0.0.1:18089/marsad/"
admin_token = "browser-check-admin-token"
[storage]
database = "db/m.db"
retention_days = 0
[fetch]
interval = "1d"
TOML
for _ in $(seq 100); do curl -sf http://127.0.0.1:18090/feed.xml > /dev/null && break; sleep 0.1; done
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" fetch || true  # "broken" fails
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" serve &
marsad=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18089/healthz > /dev/null && break; sleep 0.1; done
python3 tests/browser/page_check.py http://127.0.0.1:18089/marsad "$out" browser-check-admin-token
