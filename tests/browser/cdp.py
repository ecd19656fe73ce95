"""Headless Chromium driven over the DevTools protocol, for the browser checks.

Started as the workplace's machines need it (no sandbox as root, no background networking:
the machine has no network), with a fresh profile. `call` sends one command and returns its
result; every event received meanwhile is kept in `events`.
"""
import json
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client


class Chromium:
    def __init__(self, port, extra_args=()):
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tempfile.mkdtemp()}",
             f"--remote-debugging-port={port}", *extra_args, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
                page = next(t for t in targets if t["type"] == "page")
                break
            except Exception:
                time.sleep(0.1)
        else:
            self.close()
            sys.exit("chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.ids = iter(range(1, 1_000_000))
        self.events = []

    def call(self, method, **params):
        i = next(self.ids)
        self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == i:
                if "error" in msg:
                    sys.exit(f"{method}: {msg['error']}")
                return msg["result"]
            self.events.append(msg)

    def close(self):
        self.process.terminate()
