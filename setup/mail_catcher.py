#!/usr/bin/env python3
"""A local SMTP server that keeps every message it receives (aiosmtpd).

For the demo (``./setup/run.sh`` starts it) and the server tests
(``tests/conftest.py``, fixture ``mail_catcher``): nothing leaves the machine.

    python setup/mail_catcher.py serve --port 1025 --dir DIR [--http-port 8025]
    python setup/mail_catcher.py list --dir DIR
    python setup/mail_catcher.py show N --dir DIR [--raw]

``serve`` stores each message as ``DIR/NNNNNN.eml`` (the message as sent, after
two envelope headers ``X-Catcher-Mail-From`` and ``X-Catcher-Rcpt-To``);
``--http-port`` also serves a read-only page listing them on 127.0.0.1.

In Python::

    catcher = MailCatcher().start()      # port 0: a free port
    ...                                  # send to 127.0.0.1:catcher.port
    catcher.messages()  # [{"from", "to": [...], "subject", "text", "html", "raw", ...}]
    catcher.stop()
"""

import argparse
import email
import email.policy
import html
import http.server
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO
logging.getLogger("mail.log").setLevel(logging.WARNING)
ENVELOPE_FROM = "X-Catcher-Mail-From"
ENVELOPE_TO = "X-Catcher-Rcpt-To"


def parse_message(raw, mail_from=None, rcpt_tos=None):
    """A received message as a dict: headers decoded from MIME encoded-words,
    the text and HTML bodies decoded to str."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if mail_from is None:
        mail_from = str(msg.get(ENVELOPE_FROM, "") or "")
    if rcpt_tos is None:
        rcpt_tos = [a.strip() for a in str(msg.get(ENVELOPE_TO, "") or "").split(",") if a.strip()]

    def body(subtype):
        part = msg.get_body(preferencelist=(subtype,))
        if part is None:
            return ""
        try:
            return part.get_content().replace("\r\n", "\n")
        except (LookupError, UnicodeError):
            payload = part.get_payload(decode=True) or b""
            return payload.decode("utf-8", "replace").replace("\r\n", "\n")

    def header(name):
        value = msg.get(name)
        return str(value) if value is not None else ""

    return {
        "from": header("From"),
        "to": list(rcpt_tos),
        "mail_from": mail_from,
        "header_to": header("To"),
        "cc": header("Cc"),
        "reply_to": header("Reply-To"),
        "subject": header("Subject"),
        "date": header("Date"),
        "message_id": header("Message-Id"),
        "text": body("plain"),
        "html": body("html"),
        "attachments": [part.get_filename() or "" for part in msg.iter_attachments()],
        "headers": {k: str(v) for k, v in msg.items()},
        "raw": raw.decode("utf-8", "replace"),
    }


class _Handler:
    def __init__(self, catcher):
        self.catcher = catcher

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.catcher._store(envelope.mail_from, list(envelope.rcpt_tos), content)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's threaded controller, with port 0 meaning a free port."""

    def _create_server(self):
        async def create():
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()


class MailCatcher:
    """An SMTP server in a thread keeping what it receives, in memory or,
    with ``store_dir``, as .eml files there (read by ``messages()`` too, so
    another process serving the same directory can be read)."""

    def __init__(self, host="127.0.0.1", port=0, store_dir=None):
        self.host = host
        self.port = port
        self.store_dir = Path(store_dir) if store_dir else None
        self._lock = threading.Lock()
        self._memory = []
        self._controller = None

    # -- server ---------------------------------------------------------
    def start(self):
        if self.store_dir:
            self.store_dir.mkdir(parents=True, exist_ok=True)
        self._controller = _Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            # Odoo sends the message as given; no size limit for attachments
            data_size_limit=0,
            decode_data=False,
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- storage --------------------------------------------------------
    def _store(self, mail_from, rcpt_tos, content):
        with self._lock:
            if self.store_dir:
                envelope = (
                    f"{ENVELOPE_FROM}: {mail_from}\r\n{ENVELOPE_TO}: {', '.join(rcpt_tos)}\r\n"
                ).encode()
                number = len(self._files()) + 1
                path = self.store_dir / f"{number:06d}.eml"
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(envelope + content)
                os.replace(tmp, path)
            else:
                self._memory.append((mail_from, rcpt_tos, content))

    def _files(self):
        return sorted(self.store_dir.glob("*.eml")) if self.store_dir else []

    def messages(self):
        """Every message received, oldest first, as dicts (see parse_message)."""
        with self._lock:
            if self.store_dir:
                return [parse_message(p.read_bytes()) for p in self._files()]
            return [parse_message(c, f, t) for f, t, c in self._memory]

    def wait_for(self, count, timeout=10.0):
        """The messages once at least ``count`` were received (or on timeout)."""
        deadline = time.monotonic() + timeout
        while len(messages := self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return messages

    def clear(self):
        with self._lock:
            self._memory.clear()
            for path in self._files():
                path.unlink(missing_ok=True)


# ----------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------
def _page(catcher):
    rows = []
    for number, msg in enumerate(catcher.messages(), 1):
        rows.append(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                number,
                html.escape(msg["date"]),
                html.escape(msg["from"]),
                html.escape(", ".join(msg["to"])),
                f'<a href="/{number}">{html.escape(msg["subject"] or "(no subject)")}</a>',
            )
        )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Mail catcher</title></head>"
        "<body><h1>Messages received</h1><table border='1' cellpadding='4'>"
        "<tr><th>#</th><th>Date</th><th>From</th><th>To</th><th>Subject</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )


def _message_page(msg):
    body = msg["html"] or f"<pre>{html.escape(msg['text'])}</pre>"
    # the message's own HTML is shown sandboxed (no scripts, no same origin)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f"<p><a href='/'>All messages</a></p><p><b>From:</b> {html.escape(msg['from'])}<br>"
        f"<b>To:</b> {html.escape(', '.join(msg['to']))}<br>"
        f"<b>Subject:</b> {html.escape(msg['subject'])}</p>"
        f"<iframe sandbox='' style='width:100%;height:70vh' srcdoc=\"{html.escape(body)}\">"
        "</iframe></body></html>"
    )


def _serve_http(catcher, port):
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            messages = catcher.messages()
            path = self.path.strip("/")
            if not path:
                content = _page(catcher)
            elif path.isdigit() and 1 <= int(path) <= len(messages):
                content = _message_page(messages[int(path) - 1])
            else:
                self.send_error(404)
                return
            data = content.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="receive messages and store them in DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=1025)
    serve.add_argument("--dir", required=True)
    serve.add_argument("--http-port", type=int, default=0, help="also serve a page (0: none)")
    listing = sub.add_parser("list", help="list the messages stored in DIR")
    listing.add_argument("--dir", required=True)
    show = sub.add_parser("show", help="print message N (1 = the oldest)")
    show.add_argument("number", type=int)
    show.add_argument("--dir", required=True)
    show.add_argument("--raw", action="store_true", help="the message as sent")
    clear = sub.add_parser("clear", help="delete the messages stored in DIR")
    clear.add_argument("--dir", required=True)
    args = parser.parse_args(argv)

    catcher = MailCatcher(store_dir=args.dir)
    if args.command == "serve":
        catcher.host, catcher.port = args.host, args.port
        catcher.start()
        web = _serve_http(catcher, args.http_port) if args.http_port else None
        print(
            f"mail catcher: SMTP on {args.host}:{catcher.port}, messages in {args.dir}"
            + (f", page http://127.0.0.1:{args.http_port}/" if web else ""),
            flush=True,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        signal.signal(signal.SIGINT, lambda *_a: stop.set())
        stop.wait()
        catcher.stop()
        if web:
            web.shutdown()
        return 0
    messages = catcher.messages() if Path(args.dir).is_dir() else []
    if args.command == "list":
        for number, msg in enumerate(messages, 1):
            to = ", ".join(msg["to"])[:40]
            print(f"{number:4d}  {msg['date'][:31]:31}  {to:40}  {msg['subject']}")
        if not messages:
            print("no messages")
        return 0
    if args.command == "clear":
        catcher.clear()
        return 0
    if not 1 <= args.number <= len(messages):
        print(f"no message {args.number} ({len(messages)} stored)", file=sys.stderr)
        return 1
    msg = messages[args.number - 1]
    if args.raw:
        print(msg["raw"])
        return 0
    print(f"From: {msg['from']}\nTo: {', '.join(msg['to'])}\nSubject: {msg['subject']}")
    print(f"Date: {msg['date']}\n")
    print(msg["text"] or msg["html"])
    if msg["attachments"]:
        print("\nAttachments: " + ", ".join(msg["attachments"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
