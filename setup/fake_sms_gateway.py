#!/usr/bin/env python3
"""A local stand-in for an HTTP SMS gateway, speaking the suite's protocol.

For the demo (``./setup/run.sh`` starts it) and the server tests
(``tests/conftest.py``, fixture ``sms_gateway``): no SMS leaves the machine.

    python setup/fake_sms_gateway.py serve --port 8099 --dir DIR [--token-file FILE]
        [--report-url http://127.0.0.1:8069/sms/gateway/status] [--report-fail REGEX]
    python setup/fake_sms_gateway.py list --dir DIR

The protocol (what crm_privacy_pdpo's SMS gateway adapter sends)::

    POST <gateway URL>                       e.g. http://127.0.0.1:8099/send
    Authorization: Bearer <token>            (when a token is configured)
    Content-Type: application/json
    {"messages": [{"id": "<uuid>", "to": "+85291234567", "body": "text"}, ...]}

    200 {"results": [{"id": "<uuid>", "status": "accepted"}
                     | {"id": "<uuid>", "status": "error",
                        "error": "invalid_number" | "missing_number" | "rejected"
                                 | "country_not_supported" | "insufficient_credit"
                                 | "server_error",
                        "message": "why"}, ...]}
    401 wrong or missing token; 400 malformed request; 5xx the gateway is down.

``status`` may also be "delivered" (a gateway that knows at once). The fake
accepts every number of 8 to 15 digits (a leading + and spaces allowed),
answers ``invalid_number`` otherwise and ``missing_number`` for an empty one.

Delivery reports: with a report URL (Odoo's ``/sms/gateway/status``), the
fake reports each accepted SMS a moment after answering, with the same token
(protocol at the top of crm_privacy_pdpo/controllers/sms_gateway.py): a
number matching ``report_fail`` (a regular expression searched in the
number) "failed" with ``report_error`` (default ``not_delivered``), every
other one "delivered". A report Odoo answers with unknown messages (its
transaction not committed yet) is sent again, at most 3 times.

In Python::

    gateway = FakeSmsGateway().start()   # gateway.url: the URL to configure
    gateway.messages()  # accepted: [{"id", "to", "body", "status", "at"}]
    gateway.fail_numbers["+85290000000"] = "rejected"   # per-number error
    gateway.http_status = 503            # every request fails with this status
    gateway.delay = 5                    # answer after 5 s (timeouts)
    gateway.report_url = odoo_url + "/sms/gateway/status"   # delivery reports
    gateway.report_fail = r"0000$"       # these numbers fail, the others deliver
    gateway.wait_for_reports(2)  # [{"reports": [...], "status": 200, "answer": {...}}]
    gateway.stop()
"""

import argparse
import datetime
import http.server
import json
import re
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

NUMBER_RE = re.compile(r"^\+?[0-9]{8,15}$")
LOG_NAME = "sms.jsonl"
REPORT_LOG_NAME = "reports.jsonl"
REPORT_TRIES = 3


class FakeSmsGateway:
    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        store_dir=None,
        token=None,
        path="/send",
        report_url=None,
        report_fail=None,
    ):
        self.host, self.port, self.path = host, port, path
        self.store_dir = Path(store_dir) if store_dir else None
        self.token = token
        self.fail_numbers = {}
        self.http_status = None
        self.delay = 0
        self.report_url = report_url
        self.report_fail = report_fail
        self.report_error = "not_delivered"
        self.report_delay = 0.5
        self._reports = []
        self._lock = threading.Lock()
        self._messages = []
        self._requests = []
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}{self.path}"

    # -- server ---------------------------------------------------------
    def start(self):
        if self.store_dir:
            self.store_dir.mkdir(parents=True, exist_ok=True)
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                gateway._handle(self)

            def do_GET(self):
                if self.path.rstrip("/") in ("", "/messages"):
                    gateway._reply(self, 200, {"messages": gateway.messages()})
                else:
                    gateway._reply(self, 404, {"error": "not_found"})

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- protocol -------------------------------------------------------
    @staticmethod
    def _reply(handler, status, payload):
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up (timeout)
            pass

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            self._requests.append(
                {
                    "path": handler.path,
                    "authorization": handler.headers.get("Authorization"),
                    "body": raw.decode("utf-8", "replace"),
                }
            )
        if self.delay:
            time.sleep(self.delay)
        if self.http_status:
            self._reply(handler, self.http_status, {"error": "gateway_unavailable"})
            return
        if handler.path != self.path:
            self._reply(handler, 404, {"error": "not_found"})
            return
        if self.token and handler.headers.get("Authorization") != f"Bearer {self.token}":
            self._reply(handler, 401, {"error": "unauthorized"})
            return
        try:
            payload = json.loads(raw)
            messages = payload["messages"]
            assert isinstance(messages, list)
            assert all(isinstance(m, dict) and m.get("id") for m in messages)
        except (ValueError, KeyError, TypeError, AssertionError):
            self._reply(handler, 400, {"error": "bad_request"})
            return
        results = []
        accepted = []
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        for message in messages:
            number = re.sub(r"[\s-]", "", str(message.get("to") or ""))
            error = self.fail_numbers.get(message.get("to")) or self.fail_numbers.get(number)
            if not error and not number:
                error = "missing_number"
            elif not error and not NUMBER_RE.match(number):
                error = "invalid_number"
            if error:
                results.append(
                    {"id": message["id"], "status": "error", "error": error, "message": error}
                )
                continue
            results.append({"id": message["id"], "status": "accepted"})
            accepted.append(
                {
                    "id": message["id"],
                    "to": message.get("to"),
                    "body": message.get("body") or "",
                    "status": "accepted",
                    "at": now,
                }
            )
        with self._lock:
            if self.store_dir:
                with (self.store_dir / LOG_NAME).open("a", encoding="utf-8") as log:
                    for message in accepted:
                        log.write(json.dumps(message, ensure_ascii=False) + "\n")
            else:
                self._messages.extend(accepted)
        self._reply(handler, 200, {"results": results})
        if self.report_url and accepted:
            threading.Thread(target=self._send_reports, args=(accepted,), daemon=True).start()

    # -- delivery reports -------------------------------------------------
    def _report_of(self, message):
        number = re.sub(r"[\s-]", "", str(message.get("to") or ""))
        if self.report_fail and re.search(self.report_fail, number):
            return {
                "id": message["id"],
                "status": "failed",
                "error": self.report_error,
                "message": f"not delivered to {number} (fake gateway)",
            }
        return {"id": message["id"], "status": "delivered"}

    def _post_reports(self, reports):
        data = json.dumps({"reports": reports}).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        post = urllib.request.Request(self.report_url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(post, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")[:500]
        except (OSError, ValueError) as error:
            return None, f"{type(error).__name__}: {error}"

    def _send_reports(self, accepted):
        reports = [self._report_of(message) for message in accepted]
        for _try in range(REPORT_TRIES):
            time.sleep(self.report_delay)
            status, answer = self._post_reports(reports)
            unknown = answer.get("unknown") if isinstance(answer, dict) else None
            if status != 200 or not unknown:
                break
            time.sleep(1)
        entry = {"reports": reports, "status": status, "answer": answer}
        with self._lock:
            if self.store_dir:
                with (self.store_dir / REPORT_LOG_NAME).open("a", encoding="utf-8") as log:
                    log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            else:
                self._reports.append(entry)

    def reports(self):
        """The delivery reports sent: [{"reports", "status", "answer"}]."""
        with self._lock:
            if self.store_dir:
                log = self.store_dir / REPORT_LOG_NAME
                if not log.exists():
                    return []
                lines = log.read_text(encoding="utf-8").splitlines()
                return [json.loads(line) for line in lines if line.strip()]
            return [dict(r) for r in self._reports]

    def wait_for_reports(self, count, timeout=20.0):
        """The delivery reports sent once at least ``count`` messages were
        reported (or on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.reports()
            if sum(len(entry["reports"]) for entry in sent) >= count:
                return sent
            time.sleep(0.1)
        return self.reports()

    # -- what was sent --------------------------------------------------
    def messages(self):
        """The SMS accepted, oldest first."""
        with self._lock:
            if self.store_dir:
                log = self.store_dir / LOG_NAME
                if not log.exists():
                    return []
                lines = log.read_text(encoding="utf-8").splitlines()
                return [json.loads(line) for line in lines if line.strip()]
            return [dict(m) for m in self._messages]

    def wait_for(self, count, timeout=10.0):
        """The SMS accepted once at least ``count`` were (or on timeout)."""
        deadline = time.monotonic() + timeout
        while len(messages := self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return messages

    def requests(self):
        """Every request received (path, Authorization header, body)."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def clear(self):
        """Forget what was received and reset the failure settings."""
        self.fail_numbers.clear()
        self.http_status = None
        self.delay = 0
        self.report_fail = None
        self.report_error = "not_delivered"
        with self._lock:
            self._messages.clear()
            self._requests.clear()
            self._reports.clear()
            if self.store_dir:
                (self.store_dir / LOG_NAME).unlink(missing_ok=True)
                (self.store_dir / REPORT_LOG_NAME).unlink(missing_ok=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="accept SMS and store them in DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8099)
    serve.add_argument("--dir", required=True)
    serve.add_argument("--token", help="the bearer token to require (default: a new random one)")
    serve.add_argument("--token-file", help="read the token from this file (not shown by ps)")
    serve.add_argument(
        "--report-url", help="send delivery reports there (Odoo's /sms/gateway/status)"
    )
    serve.add_argument(
        "--report-fail", help="numbers matching this regular expression fail to be delivered"
    )
    listing = sub.add_parser("list", help="list the SMS stored in DIR")
    listing.add_argument("--dir", required=True)
    clear = sub.add_parser("clear", help="delete the SMS stored in DIR")
    clear.add_argument("--dir", required=True)
    args = parser.parse_args(argv)

    if args.command == "serve":
        if args.token_file:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
            shown = f"token in {args.token_file}"
        else:
            token = args.token or secrets.token_urlsafe(16)
            shown = f"token {token}"
        gateway = FakeSmsGateway(
            args.host,
            args.port,
            store_dir=args.dir,
            token=token,
            report_url=args.report_url,
            report_fail=args.report_fail,
        ).start()
        print(f"fake SMS gateway: {gateway.url} ({shown}), SMS in {args.dir}", flush=True)
        if args.report_url:
            print(f"delivery reports to {args.report_url}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        signal.signal(signal.SIGINT, lambda *_a: stop.set())
        stop.wait()
        gateway.stop()
        return 0
    gateway = FakeSmsGateway(store_dir=args.dir)
    if args.command == "clear":
        gateway.clear()
        return 0
    messages = gateway.messages() if Path(args.dir).is_dir() else []
    reported = {
        report["id"]: report.get("error") or report["status"]
        for entry in (gateway.reports() if Path(args.dir).is_dir() else [])
        for report in entry.get("reports") or []
    }
    for number, message in enumerate(messages, 1):
        status = reported.get(message["id"], message.get("status", ""))
        print(
            f"{number:4d}  {message['at']}  {message['to']:16}  {status:13}  "
            + message["body"].replace("\n", " / ")
        )
    if not messages:
        print("no SMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
