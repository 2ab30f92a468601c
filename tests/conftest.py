"""Fixtures for the cross-module tests that drive a real Odoo server.

The server runs the database under test (``--odoo-database``) on a free
local port, in its own process, exactly as a production client sees it.
"""

import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OdooServer:
    def __init__(self, db, config, port):
        self.db, self.config, self.port = db, config, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, timeout=120):
        log = open(ROOT / f".odoo-test-server-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "odoo",
                "-c",
                self.config,
                "-d",
                self.db,
                f"--db-filter=^{self.db}$",
                "--http-interface=127.0.0.1",
                f"--http-port={self.port}",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo server exited with {self.proc.returncode}")
            try:
                self.common().version()
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("Odoo server did not answer in time")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def common(self):
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common", allow_none=True)

    def client(self, login, password):
        uid = self.common().authenticate(self.db, login, password, {})
        if not uid:
            raise PermissionError(f"login failed for {login}")
        return RpcClient(self, uid, password)


class RpcClient:
    def __init__(self, server, uid, password):
        self.server, self.uid, self.password = server, uid, password
        self.proxy = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(
            self.server.db, self.uid, self.password, model, method, list(args), kwargs
        )


@pytest.fixture(scope="session")
def odoo_server(request):
    db = request.config.getoption("--odoo-database") or os.environ.get("CRM_TEST_DB")
    config = request.config.getoption("--odoo-config") or str(ROOT / ".odoo-effective.conf")
    if not db:
        pytest.skip("needs --odoo-database")
    server = OdooServer(db, config, _free_port()).start()
    yield server
    server.stop()
