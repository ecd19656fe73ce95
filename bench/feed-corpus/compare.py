#!/usr/bin/env python3
"""Compares marsad with feedparser (the Python Universal Feed Parser, from PyPI) on the
corpus gen.py writes: per document, does each recover it, and do they agree?

"Recovered" by feedparser: at least one entry or a feed title (bozo or not). marsad
recovers a document when `marsad inspect --json` reads it with the same number of entries
and the same titles as feedparser. Links and authors are compared too, for information
(`-v` lists the documents where they differ): marsad deliberately uses an http(s)
`rdf:about`/`id` as the link where feedparser leaves the link empty. Titles are compared as plain text (tags removed,
entities decoded, whitespace collapsed), because marsad publishes titles as plain text
where feedparser keeps sanitized HTML for HTML titles.

Not run by CI (it needs a virtualenv with feedparser):

    python3 -m venv /tmp/fpvenv && /tmp/fpvenv/bin/pip install feedparser
    python3 bench/feed-corpus/gen.py /tmp/corpus
    cargo build --bin marsad
    /tmp/fpvenv/bin/python bench/feed-corpus/compare.py /tmp/corpus target/debug/marsad
"""
import collections
import html
import json
import os
import re
import subprocess
import sys

import feedparser

corpus, marsad = sys.argv[1], sys.argv[2]
verbose = "-v" in sys.argv


def plain(s):
    s = re.sub(r"<[^>]*>", "", s or "")
    s = html.unescape(s).replace("\u00a0", " ")
    return " ".join(s.split())


rows = collections.OrderedDict()
mismatches = []
differences = []
for name in sorted(os.listdir(corpus)):
    cls = name.split("-")[0]
    path = os.path.join(corpus, name)
    with open(path, "rb") as f:
        body = f.read()
    fp = feedparser.parse(body)
    fp_titles = [plain(e.get("title", "")) for e in fp.entries]
    fp_links = [e.get("link") or None for e in fp.entries]
    fp_authors = [plain(e.get("author", "")) or None for e in fp.entries]
    fp_ok = bool(fp.entries) or bool(fp.feed.get("title"))
    run = subprocess.run([marsad, "inspect", "--json", path], capture_output=True, text=True)
    if run.returncode == 0:
        doc = json.loads(run.stdout)
        m_titles = [plain(e["title"]) for e in doc["entries"]]
        m_links = [e["url"] for e in doc["entries"]]
        m_authors = [e["author"] for e in doc["entries"]]
        m_ok = bool(doc["entries"]) or bool(doc["feed"]["title"])
        warnings = doc["warnings"]
    else:
        m_titles, m_ok, warnings = [], False, [run.stderr.strip()]
        m_links, m_authors = [], []
    agree = m_ok and m_titles == fp_titles
    r = rows.setdefault(cls, collections.Counter())
    r["documents"] += 1
    r["feedparser recovered"] += fp_ok
    r["feedparser bozo"] += bool(fp.bozo)
    r["marsad recovered"] += m_ok
    r["same entries and titles"] += agree
    r["same links"] += agree and m_links == fp_links
    r["same authors"] += agree and m_authors == fp_authors
    if agree and (m_links != fp_links or m_authors != fp_authors):
        differences.append((name, fp_links, m_links, fp_authors, m_authors))
    if fp_ok and not agree:
        r["mismatches"] += 1
        mismatches.append((name, fp_titles, m_titles, warnings))
    elif verbose and warnings:
        print(f"{name}: {warnings}")

cols = ["documents", "feedparser recovered", "feedparser bozo", "marsad recovered",
        "same entries and titles", "mismatches", "same links", "same authors"]
print("| class | " + " | ".join(cols) + " |")
print("|---|" + "---|" * len(cols))
total = collections.Counter()
for cls, r in rows.items():
    total.update(r)
    print(f"| {cls} | " + " | ".join(str(r[c]) for c in cols) + " |")
print("| **all** | " + " | ".join(f"**{total[c]}**" for c in cols) + " |")
for name, a, b, w in mismatches:
    print(f"\nMISMATCH {name}\n  feedparser: {a}\n  marsad:     {b}\n  warnings:   {w}")
if verbose:
    for name, fl, ml, fa, ma in differences:
        print(f"\nDIFFERENT {name}\n  links   feedparser {fl}\n          marsad     {ml}"
              f"\n  authors feedparser {fa}\n          marsad     {ma}")
sys.exit(1 if mismatches else 0)
