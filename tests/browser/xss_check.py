#!/usr/bin/env python3
"""Loads the bodies marsad publishes into a page that trusts them, as a feed reader that
does not sanitize would, in headless Chromium, and asserts that no script ran.

    python3 tests/browser/xss_check.py API_ITEMS_URL

Every `content_html` of `API_ITEMS_URL` (marsad's /api/items) goes into one page without a
Content-Security-Policy; `alert` is replaced before any body runs by a counter. The page
gets a positive control first: the same bodies as the defective cleaning published them
(`>` + U+0338 composed into `≯`), which must run, so a harness that detects nothing fails.
Focus and mouse events are sent to every element, for `onfocus` and `onmouseover`.

Needs Debian's `chromium` and the `websocket-client` package (pip); run by xss_check.sh.
"""
import json
import os
import sys
import tempfile
import time
import unicodedata
import urllib.request

from cdp import Chromium

api = sys.argv[1]
port = 9334

items = json.load(urllib.request.urlopen(api))
bodies = [it["content_html"] for it in items]
assert len(bodies) >= 5, f"only {len(bodies)} items at {api}"

PROBE = "<script>window.__runs = 0; window.alert = () => { window.__runs += 1; };</script>"


def page(bodies):
    return ("<!doctype html><meta charset=utf-8><title>reader</title>" + PROBE +
            "".join(f"<article>{b}</article>" for b in bodies))


# What the old cleaning did: NFC over the serialized HTML.
control = page(unicodedata.normalize("NFC", b.replace("> ", ">\u0338 ", 1)) for b in bodies)
published = page(bodies)

work = tempfile.mkdtemp()
for name, doc in [("control.html", control), ("published.html", published)]:
    with open(os.path.join(work, name), "w", encoding="utf-8") as f:
        f.write(doc)

browser = Chromium(port, ["--allow-file-access-from-files", "--window-size=1100,1400"])
try:
    call = browser.call

    def evaluate(expression):
        return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def runs(name):
        call("Page.navigate", url="file://" + os.path.join(work, name))
        for _ in range(100):
            if evaluate("document.readyState") == "complete":
                break
            time.sleep(0.1)
        time.sleep(1.0)  # image errors fire after load
        # Focus and hover every element, for handlers that wait for them.
        evaluate("[...document.querySelectorAll('*')].forEach(e => { try { e.focus(); } catch (_) {} "
                 "e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); })")
        boxes = evaluate("JSON.stringify([...document.querySelectorAll('article *')].slice(0, 300)"
                         ".map(e => { const r = e.getBoundingClientRect(); "
                         "return [r.x + r.width / 2, r.y + r.height / 2]; }))")
        for x, y in json.loads(boxes):
            call("Input.dispatchMouseEvent", type="mouseMoved", x=max(0, x), y=max(0, y))
        time.sleep(0.3)
        return evaluate("window.__runs")

    call("Page.enable")
    call("Runtime.enable")
    bad = runs("control.html")
    good = runs("published.html")
    print(json.dumps({"items": len(bodies), "control_runs": bad, "published_runs": good}))
    assert bad and bad > 0, "the control ran no script: the harness detects nothing"
    assert good == 0, f"{good} handlers ran in published content"
    print("ok: no script ran in the published bodies; the control ran", bad)
finally:
    browser.close()
