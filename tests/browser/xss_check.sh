#!/usr/bin/env bash
# Fetches a feed of the combining-mark XSS vectors (SECURITY.md) into a fresh marsad, serves
# it, and loads every published body in headless Chromium (tests/browser/xss_check.py).
#   apt-get install chromium && pip install websocket-client   # once
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --bin marsad
dir=$(mktemp -d)
trap 'kill $feeds $marsad 2>/dev/null || true; wait $marsad 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/www"
python3 - "$dir/www/feed.xml" <<'PY'
import sys
from xml.sax.saxutils import escape
marks = ["&#x338;", "&#x20D2;", "&#x20E5;", "&#x654;&#x338;", "&#x200B;&#x338;", "&#xFF1C;", "&#xFE64;"]
shapes = [
    '<img src="http://127.0.0.1:1/a.png">{m} onerror=alert(1) x',
    '<a href="http://127.0.0.1:1/">{m} onmouseover=alert(1) x</a>',
    '<a href="http://127.0.0.1:1/">{m} autofocus onfocus=alert(1) x</a>',
    '<figure class="wp-block-image"><img src="http://127.0.0.1:1/b.jpg">{m} onerror=alert(1)<figcaption>{m} onfocus=alert(1) tabindex=1 autofocus</figcaption></figure>',
    '<div class="entry-content"><p><figcaption>&#x200B;{m} autofocus tabindex=1 onfocus=alert(1) x</figcaption> نص</p></div>',
]
items = []
for s, shape in enumerate(shapes):
    for m, mark in enumerate(marks):
        body = f"<p>وصل الوفد إلى طرابلس {shape.replace('{m}', mark)} ثم غادر.</p>"
        items.append(f"<item><guid>v{s}-{m}</guid><title>خبر {s} {m}</title>"
                     f"<link>http://news.test/{s}/{m}</link><description>{escape(body)}</description></item>")
open(sys.argv[1], "w", encoding="utf-8").write(
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    '<link>http://news.test/</link>' + "".join(items) + "</channel></rss>")
PY
python3 -m http.server 18092 --bind 127.0.0.1 --directory "$dir/www" > /dev/null 2>&1 &
feeds=$!
cp config/topics.toml "$dir/"
printf '[[sources]]\nid = "marks"\nname = "حروف"\nurl = "http://127.0.0.1:18092/feed.xml"\n' > "$dir/sources.toml"
printf 'sources_file = "sources.toml"\ntopics_file = "topics.toml"\n[server]\nlisten = "127.0.0.1:18091"\nbase_url = "http://127.0.0.1:18091"\n[storage]\ndatabase = "db/m.db"\nretention_days = 0\n[fetch]\ninterval = "1d"\n' > "$dir/marsad.toml"
sleep 0.5
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" fetch
RUST_LOG=error target/debug/marsad --config "$dir/marsad.toml" serve &
marsad=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18091/healthz > /dev/null && break; sleep 0.1; done
python3 tests/browser/xss_check.py "http://127.0.0.1:18091/api/items?source=marks&limit=500&dedup=false"
