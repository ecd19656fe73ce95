# Sourced by bench/fetch.sh and bench/serve.sh.
# start_farm DIR FEEDS ITEMS: starts examples/feed_farm on a free loopback port (its pid in
# $farm), writes DIR/sources.toml listing its FEEDS feeds and copies the shipped topics.
start_farm() {
  local dir=$1 feeds=$2 items=$3
  "${CARGO_TARGET_DIR:-target}/release/examples/feed_farm" "$feeds" "$items" > "$dir/addr" &
  farm=$!
  for _ in $(seq 100); do [ -s "$dir/addr" ] && break; sleep 0.1; done
  local addr
  addr=$(cat "$dir/addr")
  for i in $(seq 0 $((feeds - 1))); do
    printf '[[sources]]\nid = "s%d"\nname = "مصدر %d"\nurl = "http://%s/feed/%d.xml"\n\n' "$i" "$i" "$addr" "$i"
  done > "$dir/sources.toml"
  cp config/topics.toml "$dir/topics.toml"
}
