#!/usr/bin/env bash
# Full-text benchmark (issue 22): a first pass over 200 summary-only items whose pages
# are fetched, extracted and cleaned.
#   bench/full_text.sh [ITEMS]      (default 200)
# Serves, on loopback (python3's http.server, static files), 4 feeds of ITEMS/4 items with
# one-sentence summaries, and one page per item: the four layouts of
# tests/fixtures/full_text (WordPress, news page with sidebar, nested divs, windows-1256
# table layout) in turn, each padded to about 150 KB with an inline script and a menu, as
# real article pages are. Two of the feeds use a content_selector, two readability.
# Reports wall time, CPU time and peak RSS (/usr/bin/time) of `marsad fetch`: the same
# feeds without full_text (baseline), then with it, each into a fresh database; then a
# second pass with full_text (nothing changed: no page is fetched again).
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-200}
PER_FEED=$((ITEMS / 4))
cargo build --release --quiet --bin marsad
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/www/p" "$dir/www/f"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$dir/www" "$port" "$PER_FEED" <<'PY'
import sys, pathlib
www, port, per_feed = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
fx = pathlib.Path("tests/fixtures/full_text")
layouts = ["wordpress.html", "sidebar.html", "nested.html", "cp1256.html"]
pad_script = "<script>window.__STATE__=[" + ("{\"k\":\"" + "x" * 90 + "\"},") * 1400 + "0];</script>"
pad_menu = "<ul class=\"mega-menu\">" + "".join(f"<li><a href=\"/section/{i}\">قسم {i}</a></li>" for i in range(300)) + "</ul>"
for f, layout in enumerate(layouts):
    raw = (fx / layout).read_bytes()
    enc = "cp1256" if layout == "cp1256.html" else "utf-8"
    text = raw.decode(enc)
    items = []
    for i in range(per_feed):
        n = f * per_feed + i
        # Each page is distinct (its number in the first paragraph), as real pages are.
        page = text.replace("<p>", f"<p>({n}) ", 1)
        page = page.replace("</head>", pad_script + "</head>", 1).replace("</body>", pad_menu + "</body>", 1)
        (www / "p" / f"{n}.html").write_bytes(page.encode(enc, "replace"))
        items.append(f"<item><guid>i{n}</guid><title>خبر رقم {n}</title><link>http://127.0.0.1:{port}/p/{n}.html</link><description>ملخص من جملة واحدة للخبر {n}.</description></item>")
    (www / "f" / f"{f}.xml").write_text("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>موجز</title>" + "".join(items) + "</channel></rss>", encoding="utf-8")
PY
(cd "$dir/www" && exec python3 -m http.server --bind 127.0.0.1 "$port" > /dev/null 2>&1) &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/f/0.xml" > /dev/null && break; sleep 0.1; done
cp config/topics.toml "$dir/topics.toml"

sources() { # full_text: "true" or "false"
  local sel=('content_selector = ".entry-content"' '' '' 'content_selector = ".story-body"')
  for f in 0 1 2 3; do
    printf '[[sources]]\nid = "s%d"\nname = "مصدر %d"\nurl = "http://127.0.0.1:%s/f/%d.xml"\nfull_text = %s\n%s\n\n' \
      "$f" "$f" "$port" "$f" "$1" "${sel[$f]}"
  done > "$dir/sources.toml"
}
config() { # database name
  cat > "$dir/marsad.toml" <<TOML
sources_file = "sources.toml"
topics_file = "topics.toml"
[storage]
database = "db/$1.db"
TOML
}
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time" "$@" > "$dir/out" 2> /dev/null
  read -r wall rss user sys < "$dir/time"
  printf '%-34s wall %6.2f s   cpu %6.2f s   peak RSS %6.1f MB   %s\n' "$label" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(tail -n 1 "$dir/out")"
}
du -sh "$dir/www/p" | sed 's/\t.*//; s/^/pages on disk: /'
sources false; config feeds
measure "feeds only (baseline)" target/release/marsad --config "$dir/marsad.toml" fetch
sources true; config full
measure "full text, first pass" target/release/marsad --config "$dir/marsad.toml" fetch
measure "full text, second pass" target/release/marsad --config "$dir/marsad.toml" fetch --force
sqlite3 "$dir/db/full.db" "SELECT body_from, COALESCE(rule, reason), COUNT(*) FROM item_pages GROUP BY 1, 2" 2> /dev/null || true
