#!/usr/bin/env python3
"""Screenshots of each demo role's home page and of a customer form, in
English and in Traditional Chinese (zh_HK), for the README.

Standalone: it starts no Odoo server. Run it against a running server, e.g.
the demo server of ``./setup/run.sh`` (database ``crm_retail``)::

    ./setup/run.sh                                   # terminal 1: serves :8069
    .venv/bin/python setup/screenshots.py --url http://localhost:8069 --db crm_retail

or any server started on a demo database (``--db-filter`` to that database)::

    . setup/common.sh && render_conf
    odoo_bin -d crm_retail --db-filter='^crm_retail$' --http-port=8169 --max-cron-threads=0 &
    .venv/bin/python setup/screenshots.py --url http://localhost:8169 --db crm_retail

Each demo login (password = login, exempt from the two-factor login) logs in
over JSON-RPC; a headless Chromium (the one ``setup/install.sh`` installs),
driven through its DevTools protocol (the ``websocket`` package), opens
``/odoo`` (the role's home page) and the form of the first member with a
phone and an e-mail the role can see (any customer for an analyst). Each
user's language is switched to take the zh_HK pictures, then set back.
The PNGs (1280x800 by default) are reduced to a palette of ``--colors``
colours with Pillow and written to
``docs/screenshots/<role>_<home|customer>_<en|zh>.png``.
"""

import argparse
import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket
from PIL import Image

ROLES = [
    ("staff", "staff.central"),
    ("manager", "manager.central"),
    ("analyst", "analyst.marketing"),
    ("privacy", "privacy.officer"),
    ("admin", "retail.admin"),
]
LANGS = {"en": "en_US", "zh": "zh_HK"}
HOME_READY = ".o_crm_retail_home :is(.o_crm_home_section, .o_crm_home_empty)"
FORM_READY = ".o_form_view .o_field_widget[name='name']"
CUSTOMER_ACTION = "crm_retail_compile.res_partner_action_retail_customer"
BUSY = ".o_loading_indicator, .o_blockUI, .o-mail-Chatter .o-mail-Thread-loading"
RICH_CUSTOMER = [
    ("is_retail_customer", "=", True),
    ("membership_number", "!=", False),
    ("phone", "!=", False),
    ("email", "!=", False),
]
REPO = Path(__file__).resolve().parent.parent


class Odoo:
    """A JSON-RPC session of one user."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        result = self._call(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        if not result or not result.get("uid"):
            raise SystemExit(f"{login}: login refused (is the database {db} a demo database?)")
        self.uid = result["uid"]
        self.session_id = self.http.cookies.get("session_id")

    def _call(self, path, params):
        response = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]

    def call_kw(self, model, method, args, **kwargs):
        return self._call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )


class Chromium:
    """A headless Chromium page driven over the DevTools protocol."""

    def __init__(self, width, height):
        binary = next(
            (
                shutil.which(b)
                for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)
            ),
            None,
        )
        if not binary:
            raise SystemExit("no Chromium found (setup/install.sh installs the chromium package)")
        self.profile = tempfile.mkdtemp(prefix="crm_screenshots_")
        args = [
            binary,
            "--headless=new",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "--hide-scrollbars",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "about:blank",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise SystemExit("Chromium did not start")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        pages = []
        while not pages:
            pages = [
                t
                for t in requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
                if t["type"] == "page"
            ]
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def open(self, url, session_id, ready, timeout=90):
        """Open ``url`` as the session's user; wait until ``ready`` is shown,
        nothing loads any more, and the fonts are in."""
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=session_id, url=url)
        self.send("Page.navigate", url=url)
        check = (
            f"!!document.querySelector({json.dumps(ready)})"
            f" && !document.querySelector({json.dumps(BUSY)})"
        )
        deadline = time.monotonic() + timeout
        stable = 0
        while stable < 3:  # three checks in a row: the page has settled
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: {ready} not shown within {timeout} s")
            stable = stable + 1 if self.evaluate(check) else 0
            time.sleep(0.3)
        self.evaluate(
            "document.fonts.ready.then(() => new Promise((r) =>"
            " requestAnimationFrame(() => requestAnimationFrame(() => r(true)))))"
        )

    def screenshot(self):
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self):
        with contextlib.suppress(Exception):  # closing anyway
            self.ws.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def save_png(data, path, colors):
    """Write the screenshot with a palette of ``colors`` colours (0: as is)."""
    image = Image.open(io.BytesIO(data))
    if colors:
        image = image.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    image.save(path, format="PNG", optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069", help="a running Odoo server")
    parser.add_argument("--db", default="crm_retail", help="its demo database")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--roles", nargs="*", default=[r for r, _login in ROLES])
    parser.add_argument("--langs", nargs="*", default=list(LANGS), choices=list(LANGS))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--colors", type=int, default=256, help="PNG palette size; 0 keeps RGB")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = args.url.rstrip("/")
    browser = Chromium(args.width, args.height)
    written = []
    try:
        for role, login in ROLES:
            if role not in args.roles:
                continue
            odoo = Odoo(base, args.db, login, login)
            [user] = odoo.call_kw("res.users", "read", [[odoo.uid], ["lang"]])
            # a member with a phone and an e-mail; any customer for a role
            # that may not search on personal data (analysts)
            customers = odoo.call_kw(
                "res.partner", "search", [RICH_CUSTOMER], limit=1, order="id"
            ) or odoo.call_kw("res.partner", "search", [RICH_CUSTOMER[:1]], limit=1, order="id")
            try:
                for short in args.langs:
                    odoo.call_kw("res.users", "write", [[odoo.uid], {"lang": LANGS[short]}])
                    pages = [("home", f"{base}/odoo", HOME_READY)]
                    if customers:
                        pages.append(
                            (
                                "customer",
                                f"{base}/odoo/action-{CUSTOMER_ACTION}/{customers[0]}",
                                FORM_READY,
                            )
                        )
                    for page, url, ready in pages:
                        browser.open(url, odoo.session_id, ready)
                        path = out / f"{role}_{page}_{short}.png"
                        save_png(browser.screenshot(), path, args.colors)
                        written.append(path)
                        print(f"{path} ({path.stat().st_size // 1024} kB)")
            finally:
                odoo.call_kw("res.users", "write", [[odoo.uid], {"lang": user["lang"]}])
    finally:
        browser.close()
    total = sum(p.stat().st_size for p in written)
    print(f"{len(written)} screenshots, {total / 1024:.0f} kB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
