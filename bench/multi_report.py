#!/usr/bin/env python3
"""Reads one run of bench/multi.sh: the farm's log of every request (farm.csv), its per-host
peak (farm.csv.hosts) and the stored items (items.csv), and prints what issue 24 asks:
fetches per source per interval, per-host concurrency, items stored once, throughput.
Also writes report.json for `--compare MULTI SINGLE`.

A fetch is a request for an existing feed (status 200, 304, or 0 when the client went away
before the answer). Intervals are a source's own: windows of INTERVAL seconds from its first
fetch in the run, centred on when its fetches are due (f0 + k·INTERVAL ± INTERVAL/2), up to the
run's end: marsad schedules a source one interval after its last fetch, so its fetches keep to
its own clock, not the wall clock's minutes, and a fetch that waited for a host slot comes a
little early or late against the farm's clock. Gaps between
consecutive fetches of a source are reported too: under half an interval is a double fetch,
two intervals or more is a missed one."""

import argparse
import bisect
import csv
import json
import os
import statistics
import sys
from collections import Counter, defaultdict

WINDOW = 10  # items each feed shows (examples/lease_farm.rs)


def seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for u in ("ms", "s", "m", "h"):
        if text.endswith(u):
            return float(text[: -len(u)]) * units[u]
    return float(text)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def load(d, t0, t1):
    fetches = []
    with open(os.path.join(d, "farm.csv")) as f:
        for r in csv.DictReader(f):
            if r["status"] == "404":
                continue
            start = int(r["start_ms"])
            if not t0 <= start <= t1 + 1000:
                continue
            fetches.append(
                dict(
                    source=int(r["source"]),
                    host=int(r["host"]),
                    start=start,
                    end=int(r["end_ms"]),
                    status=int(r["status"]),
                    minute=int(r["minute"]),
                    agent=r["agent"],
                )
            )
    return fetches


def host_peaks(fetches):
    """Most requests in flight at once per host, recomputed from start and end times (an
    end at the same millisecond as a start counts first)."""
    events = defaultdict(list)
    for f in fetches:
        events[f["host"]].append((f["start"], 1, f["source"]))
        events[f["host"]].append((f["end"], -1, f["source"]))
    peaks = {}
    for h, ev in events.items():
        ev.sort(key=lambda e: (e[0], e[1]))
        now = best = 0
        at = None
        for t, d, _ in ev:
            now += d
            if now > best:
                best, at = now, t
        peaks[h] = (best, at)
    return peaks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--start", type=int)
    ap.add_argument("--end", type=int)
    ap.add_argument("--kill", type=int, default=0)
    ap.add_argument("--lease", default="45s")
    ap.add_argument("--interval", type=float, default=60)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--compare", nargs=2)
    a = ap.parse_args()
    if a.compare:
        return compare(*a.compare)
    d, t0, t1, tk = a.dir, a.start, a.end, a.kill
    iv = a.interval * 1000
    lease = seconds(a.lease) * 1000
    rel = lambda t: (t - t0) / 1000  # noqa: E731
    fetches = load(d, t0, t1)
    by_source = defaultdict(list)
    for f in fetches:
        by_source[f["source"]].append(f)
    for fs in by_source.values():
        fs.sort(key=lambda f: f["start"])
    n_sources = sum(1 for _ in open(os.path.join(d, "sources.toml")) if _.startswith("[[sources]]"))
    minutes = (t1 - t0) / 60000
    out = {"minutes": round(minutes, 2), "instances": a.instances, "sources": n_sources}
    print(f"== {os.path.basename(d)}: {a.instances} instance(s), {minutes:.2f} min, "
          f"{n_sources} sources, {len(fetches)} fetches"
          + (f", i0 killed at +{rel(tk):.1f} s" if tk else ""))
    never = n_sources - len(by_source)
    if never:
        print(f"sources never fetched: {never}")
    out["never_fetched"] = never

    # Windows per source, by phase.
    phases = ["before kill", f"kill..+{a.lease} (lease)", "after lease"] if tk else ["whole run"]
    hist = {p: Counter() for p in phases}
    odd = {p: [] for p in phases}
    for s, fs in sorted(by_source.items()):
        starts = [f["start"] for f in fs]
        f0 = starts[0]
        k = 0
        while f0 + (k + 0.5) * iv <= t1:
            ws, we = f0 + (k - 0.5) * iv, f0 + (k + 0.5) * iv
            n = bisect.bisect_left(starts, we) - bisect.bisect_left(starts, ws)
            if not tk:
                p = phases[0]
            elif we <= tk:
                p = phases[0]
            elif ws < tk + lease:
                p = phases[1]
            else:
                p = phases[2]
            hist[p][min(n, 3)] += 1
            if n != 1:
                odd[p].append((s, rel(ws), rel(we), n))
            k += 1
    print(f"\nfetches per source per interval (windows of {a.interval:.0f} s centred on f0 + k·"
          f"{a.interval:.0f} s, f0 a source's first fetch; complete windows only)")
    print(f"  {'phase':<24}{'windows':>9}{'0':>7}{'1':>9}{'2':>7}{'3+':>6}")
    out["windows"] = {}
    for p in phases:
        h = hist[p]
        print(f"  {p:<24}{sum(h.values()):>9}{h[0]:>7}{h[1]:>9}{h[2]:>7}{h[3]:>6}")
        out["windows"][p] = {str(k): h[k] for k in range(4)} | {"total": sum(h.values())}
        for s, ws, we, n in odd[p][:8]:
            print(f"    s{s}: {n} fetch(es) in [{ws:.1f}, {we:.1f}) s")
        if len(odd[p]) > 8:
            print(f"    … {len(odd[p]) - 8} more")

    # Gaps between consecutive fetches.
    gaps, doubles, missed = [], [], []
    for s, fs in by_source.items():
        for x, y in zip(fs, fs[1:]):
            g = y["start"] - x["start"]
            gaps.append(g / 1000)
            if g < iv / 2:
                doubles.append((s, x, y))
            elif g >= 2 * iv:
                missed.append((s, x, y))
    print(f"\ngaps between a source's fetches: {len(gaps)}; median {median(gaps):.1f} s, "
          f"p95 {pct(gaps, 95):.1f} s, max {max(gaps, default=float('nan')):.1f} s; under {a.interval / 2:.0f} s "
          f"(double): {len(doubles)}; {2 * a.interval:.0f} s or more (missed): {len(missed)}")
    def phase_of(t):
        if not tk:
            return phases[0]
        return phases[0] if t < tk else phases[1] if t < tk + lease else phases[2]

    for what, lst in (("double", doubles), ("missed", missed)):
        if lst:
            by = Counter(phase_of(y["start"]) for _, _, y in lst)
            print(f"  {what} by the second fetch's time: "
                  + ", ".join(f"{p} {by[p]}" for p in phases))
        for s, x, y in lst[:10]:
            print(f"    {what} s{s} (host {x['host']}): +{rel(x['start']):.3f} s {x['agent']} "
                  f"{x['status']} then +{rel(y['start']):.3f} s {y['agent']} {y['status']}")
        if len(lst) > 10:
            print(f"    … {len(lst) - 10} more {what}")
    out["gaps"] = {"median_s": median(gaps), "p95_s": pct(gaps, 95),
                   "max_s": max(gaps, default=float("nan")), "double": len(doubles), "missed": len(missed)}

    # Per-host concurrency: the farm's own counter, and recomputed from the log.
    farm_peak = {}
    hp = os.path.join(d, "farm.csv.hosts")
    if os.path.exists(hp):
        with open(hp) as f:
            farm_peak = {int(r["host"]): int(r["max_in_flight"]) for r in csv.DictReader(f)}
    peaks = host_peaks(fetches)
    worst = max(peaks.items(), key=lambda kv: kv[1][0])
    over = sorted(h for h, (p, _) in peaks.items() if p > a.per_host)
    print(f"\nper-host requests in flight: farm counter max {max(farm_peak.values(), default='?')} "
          f"(over {len(farm_peak)} hosts), from the log max {worst[1][0]} (host {worst[0]} at "
          f"+{rel(worst[1][1]):.1f} s); limit {a.per_host}; hosts over it: {over or 'none'}")
    out["per_host_max_farm"] = max(farm_peak.values(), default=None)
    out["per_host_max_log"] = worst[1][0]
    out["hosts_over"] = len(over)

    # Items: stored once, and what the farm published.
    published = set()
    for f in fetches:
        if f["status"] == 200:
            for m in range(f["minute"] - WINDOW + 1, f["minute"] + 1):
                published.add((f"s{f['source']}", f"farm-{f['source']}-{m}"))
    stored, stored_rows, fetched_at = set(), 0, []
    with open(os.path.join(d, "items.csv")) as f:
        for r in csv.reader(f):
            stored.add((r[0], r[1]))
            stored_rows += 1
            if len(r) > 2 and r[2]:
                fetched_at.append(int(r[2]))
    with open(os.path.join(d, "counts")) as f:
        count, distinct = (int(x) for x in f.read().strip().split("|"))
    missing = published - stored
    extra = stored - published
    print(f"\nitems: count(*) {count}, count(DISTINCT (source_id, guid)) {distinct}, "
          f"served by the farm in 200 answers {len(published)}; served but not stored "
          f"{len(missing)}, stored but never served {len(extra)}")
    if missing:
        last_served = {}
        for f in fetches:
            if f["status"] == 200:
                for m in range(f["minute"] - WINDOW + 1, f["minute"] + 1):
                    last_served[(f"s{f['source']}", f"farm-{f['source']}-{m}")] = f
        for key in sorted(missing)[:10]:
            f = last_served[key]
            print(f"    not stored {key[0]} {key[1]}: last served +{rel(f['start']):.1f} s to {f['agent']}")
    out["items"] = {"count": count, "distinct": distinct, "published": len(published),
                    "missing": len(missing), "extra": len(extra)}

    # Throughput.
    per_agent = Counter(f["agent"] for f in fetches)
    status = Counter(f["status"] for f in fetches)
    first = [fs[0]["end"] for fs in by_source.values()]
    first_pass = (max(first) - t0) / 1000 if len(by_source) == n_sources else float("nan")
    steady = [f for f in fetches if f["start"] >= t0 + iv]
    steady_min = (t1 - t0 - iv) / 60000
    print(f"\nthroughput: {len(fetches) / minutes:.0f} fetches/min over the run, "
          f"{len(steady) / steady_min:.0f} fetches/min after the first interval; "
          f"{count / minutes:.0f} items stored/min ({count} items, the first fetch of a feed stores "
          f"its {WINDOW}); first pass (every source fetched once) done at +{first_pass:.1f} s")
    late = [g - a.interval for g in gaps]
    print(f"  lateness (gap minus interval): median {median(late):.1f} s, "
          f"p95 {pct(late, 95):.1f} s; statuses {dict(sorted(status.items()))}")
    print(f"  fetches per instance: {dict(sorted(per_agent.items()))}")
    cpu = os.path.join(d, "cpu")
    if os.path.exists(cpu):
        print("  CPU seconds: " + ", ".join(l.strip() for l in open(cpu)))
    warn = os.path.join(d, "warnings")
    if os.path.exists(warn) and os.path.getsize(warn):
        print("  most frequent warnings in the instances' logs:")
        for l in open(warn):
            print("    " + l.rstrip()[:220])
    out["throughput"] = {"fetches_per_min": len(fetches) / minutes,
                         "steady_fetches_per_min": len(steady) / steady_min,
                         "items_per_min": count / minutes, "first_pass_s": first_pass,
                         "lateness_median_s": median(late),
                         "lateness_p95_s": pct(late, 95)}
    with open(os.path.join(d, "report.json"), "w") as f:
        json.dump(out, f, indent=1)


def compare(multi, single):
    m = json.load(open(os.path.join(multi, "report.json")))
    s = json.load(open(os.path.join(single, "report.json")))
    print(f"\n== throughput: {m['instances']} instances vs 1")
    rows = [("minutes", "minutes"), ("fetches/min", "fetches_per_min"),
            ("fetches/min after 1st interval", "steady_fetches_per_min"),
            ("items stored/min", "items_per_min"), ("first pass done (s)", "first_pass_s"),
            ("lateness median (s)", "lateness_median_s"), ("lateness p95 (s)", "lateness_p95_s")]
    for label, key in rows:
        mv = m.get(key, m["throughput"].get(key))
        sv = s.get(key, s["throughput"].get(key))
        print(f"  {label:<32}{mv:>10.1f}{sv:>10.1f}")


if __name__ == "__main__":
    sys.exit(main())
