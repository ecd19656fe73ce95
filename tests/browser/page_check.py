#!/usr/bin/env python3
"""Loads marsad's page in headless Chromium, saves a screenshot, and asserts that the seed
article's title is rendered right-to-left (computed CSS direction of its heading).

    python3 tests/browser/page_check.py [BASE_URL] [SCREENSHOT]

Needs Debian's `chromium` and the `websocket-client` package (pip). tests/browser/run.sh
starts a marsad with the seed article and runs this.
"""
import base64
import json
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

SEED_TITLE = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه"
base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
shot = sys.argv[2] if len(sys.argv) > 2 else "page.png"
port = 9333

profile = tempfile.mkdtemp()
chrome = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync",
     f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "--window-size=1100,1400",
     "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            page = next(t for t in targets if t["type"] == "page")
            break
        except Exception:
            time.sleep(0.1)
    else:
        sys.exit("chromium did not start")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=20)
    ids = iter(range(1, 1000))

    def call(method, **params):
        i = next(ids)
        ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == i:
                if "error" in msg:
                    sys.exit(f"{method}: {msg['error']}")
                return msg["result"]

    call("Page.enable")
    call("Page.navigate", url=base + "/")
    for _ in range(100):
        state = call("Runtime.evaluate", expression="document.readyState")["result"]["value"]
        if state == "complete":
            break
        time.sleep(0.1)
    js = """
    (() => {
      const h = [...document.querySelectorAll('article h3')].find(e => e.textContent.trim() === %s);
      if (!h) return JSON.stringify({found: false});
      const r = h.getBoundingClientRect();
      return JSON.stringify({found: true, direction: getComputedStyle(h).direction,
        htmlDir: document.documentElement.dir, lang: document.documentElement.lang,
        right: Math.round(r.right), pageWidth: document.documentElement.clientWidth});
    })()
    """ % json.dumps(SEED_TITLE)
    result = json.loads(call("Runtime.evaluate", expression=js)["result"]["value"])
    png = base64.b64decode(call("Page.captureScreenshot", format="png")["data"])
    with open(shot, "wb") as f:
        f.write(png)
    print(json.dumps(result, ensure_ascii=False))
    assert result["found"], "the seed article's title is not on the page"
    assert result["direction"] == "rtl", result
    assert result["htmlDir"] == "rtl" and result["lang"] == "ar", result
    print(f"ok: seed title rendered right-to-left; screenshot in {shot}")
finally:
    chrome.terminate()
