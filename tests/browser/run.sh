#!/usr/bin/env bash
# Starts marsad with the seed article on loopback and checks its page in headless Chromium.
#   apt-get install chromium && pip install websocket-client   # once
#   tests/browser/run.sh [SCREENSHOT]   (default target/page.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
shot=${1:-target/page.png}
cargo build --quiet --bin marsad
dir=$(mktemp -d)
trap 'kill $feeds $marsad 2>/dev/null || true; wait $marsad 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/www" && cp tests/fixtures/seed-feed.xml "$dir/www/feed.xml"
python3 -m http.server 18090 --bind 127.0.0.1 --directory "$dir/www" > /dev/null 2>&1 &
feeds=$!
cp config/topics.toml "$dir/"
printf '[[sources]]\nid = "news"\nname = "موقع أخبار تجريبي"\nurl = "http://127.0.0.1:18090/feed.xml"\n' > "$dir/sources.toml"
printf 'sources_file = "sources.toml"\ntopics_file = "topics.toml"\n[server]\nlisten = "127.0.0.1:18089"\nbase_url = "http://127.0.0.1:18089"\n[storage]\ndatabase = "db/m.db"\nretention_days = 0\n[fetch]\ninterval = "1d"\n' > "$dir/marsad.toml"
sleep 0.5
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" fetch
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" serve &
marsad=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18089/healthz > /dev/null && break; sleep 0.1; done
python3 tests/browser/page_check.py http://127.0.0.1:18089 "$shot"
