#!/usr/bin/env python3
"""Checks marsad's pages in headless Chromium through the DevTools protocol.

    python3 tests/browser/page_check.py BASE_URL OUT_DIR ADMIN_TOKEN

BASE_URL is the instance's base_url without its trailing slash (tests/browser/run.sh serves
one under http://127.0.0.1:18089/marsad). Screenshots go to OUT_DIR. What is checked:

- the seed article's title is laid out right-to-left;
- at 1280 and 390 px wide: screenshots; at 390 no horizontal overflow, and the topic chips
  wrap as whole chips (each chip one box, on more than one row);
- keyboard only: the first Tab reaches the skip link, which is then on screen; Enter on it
  moves focus to <main>; every element Tab reaches shows a focus ring (an outline or a box
  shadow on :focus-visible);
- a mixed-script name (نبض شرقي RSS) keeps its order: its Latin word stays at its left end
  and the count after it stays to its left;
- every href, src and action on every page visited starts with the base path, and every
  same-origin link answers 200;
- search: typed and submitted from the keyboard, the results say what was searched and how
  many were found, and the feed links keep `q`; an empty result says so; a bad query is an
  Arabic error page with status 400;
- paging: the "older" link leads to other items and back;
- each item's topic chip opens its explanation (an element with the chip's fragment id);
- <time> elements carry the exact instant in `datetime` and `title`, none in the future;
- fetch errors are not on public pages; /admin needs the token and shows them;
- no console error, exception or CSP violation on any page.

Needs Debian's `chromium` and the `websocket-client` package (pip).
"""
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from cdp import Chromium

SEED_TITLE = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه"
MIXED_NAME = "نبض شرقي RSS"
base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18089/marsad"
out = sys.argv[2] if len(sys.argv) > 2 else "target/browser"
token = sys.argv[3] if len(sys.argv) > 3 else ""
base_path = urllib.parse.urlsplit(base).path  # "/marsad"
origin = base[: len(base) - len(base_path)]
port = 9333
os.makedirs(out, exist_ok=True)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def http(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode("utf-8"), {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8"), {k.lower(): v for k, v in e.headers.items()}


browser = Chromium(port, ["--hide-scrollbars"])
try:
    events = browser.events
    call = browser.call

    def js(expression):
        r = call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            sys.exit(f"script failed: {r['exceptionDetails']}\n{expression}")
        return r["result"].get("value")

    def wait_load(before):
        """Waits for a load event after events[before:]."""
        for _ in range(200):
            if any(e.get("method") == "Page.loadEventFired" for e in events[before:]):
                return
            call("Runtime.evaluate", expression="1")
            time.sleep(0.05)
        sys.exit("page did not load")

    def goto(url):
        n = len(events)
        call("Page.navigate", url=url)
        wait_load(n)

    def key(name, code, vk, text=None):
        down = {"type": "keyDown", "key": name, "code": code, "windowsVirtualKeyCode": vk}
        if text:
            down["text"] = text
        call("Input.dispatchKeyEvent", **down)
        call("Input.dispatchKeyEvent", type="keyUp", key=name, code=code, windowsVirtualKeyCode=vk)

    def press_enter_and_wait():
        n = len(events)
        key("Enter", "Enter", 13, "\r")
        wait_load(n)

    def viewport(width, height, mobile):
        call("Emulation.setDeviceMetricsOverride", width=width, height=height,
             deviceScaleFactor=1, mobile=mobile)

    def screenshot(name):
        png = base64.b64decode(call("Page.captureScreenshot", format="png")["data"])
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(png)
        print(f"     screenshot {path}")

    visited = set()

    def check_links(what):
        """Every href/src/action under the base path; same-origin ones answer 200."""
        refs = js("""[...document.querySelectorAll('[href],[src],[action]')].map(e =>
            e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action'))""")
        bad = [r for r in refs if r.startswith("/") and not r.startswith(base_path + "/")]
        bad += [r for r in refs if r.startswith(origin) and not r.startswith(base + "/")]
        bad += [r for r in refs if not re.match(r"^(/|#|https?:)", r)]
        check(not bad, f"{what}: every link starts with {base_path}/ ({len(refs)} links) {bad}")
        here = js("location.href")
        for r in refs:
            if r.startswith("#"):
                continue
            url = urllib.parse.urljoin(here, r).split("#")[0]
            if not url.startswith(origin) or url in visited:
                continue
            visited.add(url)
            status, _, _ = http(url)
            check(status == 200, f"{what}: {url} answers 200 (got {status})")

    def check_clean(what):
        """No console error, exception or CSP violation; no fetch error text."""
        errs = [e for e in events if e.get("method") in ("Runtime.exceptionThrown",)
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
                or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")]
        csp = js("window.__csp || []")
        check(not errs and not csp, f"{what}: no console errors or CSP violations {errs} {csp}")
        events.clear()
        body = js("document.documentElement.outerHTML")
        check("HTTP 404" not in body and "missing.xml" not in body,
              f"{what}: no fetch error on the public page")

    def check_times(what):
        times = js("""[...document.querySelectorAll('time')].map(t =>
            [t.getAttribute('datetime'), t.getAttribute('title'), t.textContent])""")
        now = datetime.now(timezone.utc)
        ok = bool(times)
        for dt, title, text in times:
            at = datetime.fromisoformat(dt.replace("Z", "+00:00"))
            ok &= title == dt and (at - now).total_seconds() < 60
            ok &= bool(re.fullmatch(r"الآن|قبل .+|[٠-٩]+ \S+ [٠-٩]{4}", text))
        check(ok, f"{what}: {len(times)} <time> with exact datetime = title, none ahead, Arabic text {times[:3]}")

    call("Page.enable")
    call("Runtime.enable")
    call("Log.enable")
    call("Page.addScriptToEvaluateOnNewDocument", source=(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"))

    # --- Home, wide.
    viewport(1280, 1400, False)
    goto(base + "/")
    r = js("""(() => {
      const h = [...document.querySelectorAll('article h3')].find(e => e.textContent.trim() === %s);
      return h && {dir: getComputedStyle(h).direction, html: document.documentElement.dir,
                   lang: document.documentElement.lang};
    })()""" % json.dumps(SEED_TITLE))
    check(r == {"dir": "rtl", "html": "rtl", "lang": "ar"}, f"seed title laid out right-to-left {r}")
    screenshot("home-1280.png")
    check_links("home")
    check_times("home")
    check_clean("home")

    # --- Keyboard only, from the top of the page.
    goto(base + "/")
    key("Tab", "Tab", 9)
    r = js("""(() => { const a = document.activeElement, r = a.getBoundingClientRect();
      return {cls: a.className, href: a.getAttribute('href'), onScreen: r.top >= 0 && r.height > 0
              && r.bottom <= innerHeight, text: a.textContent}; })()""")
    check(r["cls"] == "skip" and r["href"] == "#main" and r["onScreen"],
          f"first Tab focuses the skip link, shown on screen {r}")
    screenshot("skip-link-1280.png")
    press_enter = lambda: (key("Enter", "Enter", 13, "\r"), time.sleep(0.2))
    press_enter()
    r = js("[location.hash, document.activeElement.id]")
    check(r == ["#main", "main"], f"Enter on the skip link moves focus to <main> {r}")
    key("Tab", "Tab", 9)
    r = js("!!document.activeElement.closest('main')")
    check(r, "the Tab after the skip link lands inside <main>")
    goto(base + "/")
    unringed, seen = [], 0
    for _ in range(80):
        key("Tab", "Tab", 9)
        r = js("""(() => { const a = document.activeElement; if (a === document.body) return null;
          const s = getComputedStyle(a);
          return {tag: a.tagName, text: (a.textContent || a.name || '').trim().slice(0, 30),
                  fv: a.matches(':focus-visible'),
                  ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                        || s.boxShadow !== 'none'}; })()""")
        if r is None:
            break
        seen += 1
        if not (r["fv"] and r["ring"]):
            unringed.append(r)
    check(seen > 20 and not unringed,
          f"every one of {seen} Tab stops shows a focus ring {unringed[:3]}")

    # --- Mixed-script name: order kept by <bdi>.
    r = js("""(() => {
      const b = [...document.querySelectorAll('section li a bdi')].find(e => e.textContent === %s);
      if (!b) return null;
      const range = (node, from, to) => { const r = document.createRange();
        r.setStart(node, from); r.setEnd(node, to); return r.getBoundingClientRect(); };
      const t = b.firstChild, s = t.textContent;
      const latin = range(t, s.indexOf('RSS'), s.length), arabic = range(t, 0, 3);
      const count = b.parentElement.nextSibling;
      const c = range(count, 0, count.textContent.indexOf(')') + 1);
      return {latinLeftOfArabic: latin.right <= arabic.left + 1,
              countLeftOfName: c.right <= b.getBoundingClientRect().left + 1,
              count: count.textContent.trim()};
    })()""" % json.dumps(MIXED_NAME))
    check(r is not None and r["latinLeftOfArabic"] and r["countLeftOfName"],
          f"'{MIXED_NAME} (n)' renders in order: Latin word at the name's left end, count left of the name {r}")

    # --- Narrow: no overflow, chips wrap whole.
    viewport(390, 844, True)
    goto(base + "/")
    r = js("""(() => { const chips = [...document.querySelectorAll('nav.chips a')];
      return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
              split: chips.filter(a => a.getClientRects().length !== 1).map(a => a.textContent),
              rows: new Set(chips.map(a => Math.round(a.getBoundingClientRect().top))).size}; })()""")
    check(r["scroll"] <= r["client"], f"390 px: no horizontal overflow {r}")
    check(not r["split"] and r["rows"] > 1, f"390 px: chips wrap as whole chips over {r['rows']} rows {r['split']}")
    screenshot("home-390.png")
    check_clean("home 390")

    # --- Topic page: the current chip marked.
    viewport(1280, 1400, False)
    goto(base + "/topics/libya")
    r = js("""(() => { const c = document.querySelector('nav.chips a[aria-current=page]');
      return c && {text: c.textContent, bg: getComputedStyle(c).backgroundColor,
        other: getComputedStyle(document.querySelector('nav.chips a:not([aria-current])')).backgroundColor}; })()""")
    check(r is not None and r["text"].startswith("ليبيا") and r["bg"] != r["other"],
          f"topic page: the current topic's chip is marked and looks different {r}")
    check_links("topic page")
    check_clean("topic page")

    # --- Source page.
    goto(base + "/sources/pulse")
    r = js("""[document.querySelector('h1').textContent,
      [...document.querySelectorAll('article .meta > a:first-child')].map(a => a.textContent)]""")
    check(r[0] == "مرصد: " + MIXED_NAME and r[1] and all(n == MIXED_NAME for n in r[1]),
          f"source page: heading and only that source's items {r[0]} {len(r[1])}")
    check_links("source page")
    check_times("source page")
    check_clean("source page")

    # --- Search from the keyboard.
    goto(base + "/")
    js("document.querySelector('input[name=q]').focus()")
    call("Input.insertText", text="ليبيا")
    press_enter_and_wait()
    r = js("""[location.search, document.querySelector('main h2').textContent,
      document.querySelector('[role=status]').textContent,
      [...document.querySelectorAll('header a[href*=\"/feeds/\"]')].map(a => a.getAttribute('href'))]""")
    check(urllib.parse.unquote(r[0]) == "?q=ليبيا" and r[1] == "البحث عن «ليبيا»"
          and re.fullmatch(r"النتائج: .+\.", r[2]) is not None,
          f"search: says what was searched and how many were found {r[:3]}")
    check(r[3] and all("q=" in h for h in r[3]), f"search: feed links keep q {r[3]}")
    screenshot("search-1280.png")
    check_links("search results")
    check_clean("search results")
    goto(base + "/?q=" + urllib.parse.quote("زرافة"))
    r = js("document.querySelector('[role=status]').textContent")
    check(r.startswith("لا نتائج"), f"empty search says so: {r}")
    check_clean("empty search")
    bad = base + "/?q=" + urllib.parse.quote("!!")
    status, _, headers = http(bad)
    goto(bad)
    r = js("[document.documentElement.lang, document.querySelector('h1').textContent]")
    check(status == 400 and headers.get("content-type", "").startswith("text/html")
          and r == ["ar", "بحث غير صالح"], f"bad search: Arabic error page, 400 {status} {r}")
    check_links("error page")
    events.clear()  # the 400 itself is logged as a failed load

    # --- Paging.
    goto(base + "/?limit=2")
    first = js("[...document.querySelectorAll('article h3')].map(h => h.textContent)")
    n = len(events)
    js("document.querySelector('a[rel=next]').click()")
    wait_load(n)
    second = js("[...document.querySelectorAll('article h3')].map(h => h.textContent)")
    newest = js("[...document.querySelectorAll('.pages a')].map(a => a.textContent)")
    check(len(first) == 2 and second and not set(first) & set(second) and "→ الأحدث" in newest,
          f"paging: the older link shows other items, and links back {first} {second} {newest}")
    check_links("older page")
    check_clean("older page")

    # --- Why is this tagged?
    goto(base + "/")
    n = len(events)
    href = js("(() => { const a = document.querySelector('a.tag'); a.click(); return a.getAttribute('href'); })()")
    wait_load(n)
    r = js("""(() => { const s = document.querySelector(location.hash);
      return [location.pathname + location.hash, s && s.querySelector('h2').textContent,
              s && s.querySelectorAll('tbody tr').length]; })()""")
    check(r[0] == href and r[1] and r[2] > 0,
          f"topic chip opens its explanation: {href} → {r}")
    viewport(390, 844, True)
    goto(origin + href.split("#")[0])
    screenshot("why-390.png")
    r = js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    check(r, "390 px: the explanation page does not overflow")
    check_links("explanation")
    check_clean("explanation")

    # --- Admin view.
    status, body, _ = http(base + "/admin")
    check(status == 401, f"/admin without the token: 401 (got {status})")
    status, body, _ = http(base + "/admin", {"Authorization": "Bearer wrong-" + token})
    check(status == 401, f"/admin with a wrong token: 401 (got {status})")
    status, body, headers = http(base + "/admin", {"Authorization": "Bearer " + token})
    check(status == 200 and "HTTP 404" in body and headers.get("cache-control") == "no-store",
          f"/admin with the token shows the fetch error, uncached (got {status})")
    viewport(1280, 900, False)
    call("Network.enable")
    call("Network.setExtraHTTPHeaders", headers={"Authorization": "Bearer " + token})
    goto(base + "/admin")
    screenshot("admin-1280.png")
    call("Network.setExtraHTTPHeaders", headers={})
    r = js("document.querySelector('main').textContent.includes('HTTP 404')")
    check(r, "admin view in the browser lists the failing source's error")
finally:
    browser.close()

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all browser checks passed")
