"""Fixtures for the cross-module tests that drive a real Odoo server.

The server runs the database under test (``--odoo-database``) on a free
local port, in its own process, exactly as a production client sees it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import psycopg2
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
# the local mail catcher and fake SMS gateway (setup/), importable by tests
sys.path.append(str(ROOT / "setup"))
from fake_sms_gateway import FakeSmsGateway

try:
    from mail_catcher import MailCatcher
except ImportError:  # aiosmtpd missing: only the mail_catcher fixture fails
    MailCatcher = None


def _runner_off_in_this_process():
    """The queue_job runner (odoo.conf's server_wide_modules) runs in the
    servers these tests start, which run the jobs (report compiles, scans,
    retention batches) as production does. pytest-odoo's own HTTP server
    (--odoo-http) would start one too, in the test process, and win the
    runner's lock on the database: it is turned off there, and only there
    (in the configuration pytest-odoo parsed, before its server starts)."""
    try:
        from odoo.tools import config
    except ImportError:
        return
    config.misc.setdefault("queue_job", {})["channels"] = "root:0"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OdooServer:
    def __init__(self, db, config, port, env=None):
        self.db, self.config, self.port = db, config, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None
        self.env = env

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
            env={**os.environ, **self.env} if self.env else None,
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

    def kill(self, after_kill=None, backend_timeout=30):
        """Crash the server (SIGKILL, no cleanup) and wait until PostgreSQL
        has ended its connections and rolled back its open transactions.

        A backend busy with a long statement only notices its client is gone
        when the statement ends; after ``backend_timeout`` seconds it is
        terminated, as a restarted machine would do."""
        pid = self.proc.pid
        os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        if after_kill:
            after_kill()
        app = f"odoo-{pid}"
        deadline = time.monotonic() + backend_timeout
        while pg_scalar(
            "postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", app
        ):
            if time.monotonic() > deadline:
                pg_scalar(
                    "postgres",
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    app,
                )
                deadline = time.monotonic() + backend_timeout
            time.sleep(0.2)

    def restart(self):
        """Start the server again on the same database and port."""
        return self.start()

    def common(self):
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common", allow_none=True)

    def client(self, login, password):
        uid = self.common().authenticate(self.db, login, password, {})
        if not uid:
            raise PermissionError(f"login failed for {login}")
        return RpcClient(self, uid, password)


def pg_scalar(db, query, *params):
    """One value from a query on ``db`` (local socket, autocommit)."""

    conn = psycopg2.connect(dbname=db)
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchone()[0]
    finally:
        conn.close()


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


def pytest_configure(config):
    _runner_off_in_this_process()
    config.addinivalue_line(
        "markers", "demo_dataset: builds a small run.sh demo database on a scratch database (slow)"
    )


@pytest.fixture(scope="module")
def admin(odoo_server):
    """The administrator's XML-RPC client."""
    return odoo_server.client("admin", "admin")


def ref(admin, xml_id):
    """The database id of ``module.name``."""
    module, name = xml_id.split(".")
    return admin("ir.model.data", "check_object_reference", module, name)[1]


def new_user(odoo_server, admin, login, groups, branches=(), password=None, **vals):
    """Create a user with the given groups (xml-ids) and branches (the first
    is its default branch); return its XML-RPC client. The password follows
    the suite's password policy unless one is given."""
    password = password or login + "-pw"
    values = {
        "name": login,
        "login": login,
        "email": f"{login}@example.com",
        "password": password,
        "groups_id": [(6, 0, [ref(admin, group) for group in groups])],
    }
    if branches:
        values["retail_branch_ids"] = [(6, 0, list(branches))]
        values["retail_branch_id"] = branches[0]
    values.update(vals)
    admin("res.users", "create", values)
    return odoo_server.client(login, password)


def web_login(server, login, password=None, timeout=120):
    """Log ``login`` in through the web client's /web/session/authenticate
    on ``server`` (an OdooServer); the password is the suite's test password
    ``login + "-pw"`` unless given. Returns the ``requests`` session and the
    JSON answer, whose ``result.uid`` is None when the login stopped at a
    second factor (a retail role without ``crm_mfa_exempt``)."""
    session = requests.Session()
    response = session.post(
        f"{server.url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": server.db, "login": login, "password": password or login + "-pw"},
        },
        timeout=timeout,
    )
    response.raise_for_status()
    return session, response.json()


def web_session(server, login, password=None):
    """A ``requests`` session of ``login`` logged in to the web client
    (``web_login``), asserted complete (no second factor asked)."""
    session, answer = web_login(server, login, password)
    assert (answer.get("result") or {}).get("uid"), answer
    return session


# ----------------------------------------------------------------------
# Channels: a local mail catcher and a fake SMS gateway for the server
# ----------------------------------------------------------------------
SMS_GATEWAY_URL_PARAM = "crm_privacy_pdpo.sms_gateway_url"
SMS_GATEWAY_TOKEN_PARAM = "crm_privacy_pdpo.sms_gateway_token"
QUEUE_CRONS = (
    # mass mailings first: they queue the e-mails and SMS sent below
    "mass_mailing.ir_cron_mass_mailing_queue",
    "mail.ir_cron_mail_scheduler_action",
    "sms.ir_cron_sms_scheduler_action",
)


def call_kw(server, session, model, method, args, kwargs=None, timeout=300):
    """A JSON-RPC call of the web client (``/web/dataset/call_kw``) in the
    web ``session`` of ``server`` (anything with ``url``); its result, the
    error asserted absent."""
    response = session.post(
        f"{server.url}/web/dataset/call_kw/{model}/{method}",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        },
        timeout=timeout,
    )
    body = response.json()
    assert "error" not in body, body.get("error")
    return body["result"]


def flush_queues(admin, crons=QUEUE_CRONS):
    """Run the jobs that send queued mailings, e-mails and SMS now (as the
    scheduler would), through ``admin``'s XML-RPC client."""
    for xml_id in crons:
        admin("ir.cron", "method_direct_trigger", [ref(admin, xml_id)])


@pytest.fixture
def mail_catcher(odoo_server):
    """A MailCatcher (setup/mail_catcher.py) the server sends its e-mail to:
    an outgoing mail server for 127.0.0.1:<port>, the only active one while
    the test runs (the others are archived, then restored)."""
    if MailCatcher is None:
        pytest.fail("the mail catcher needs aiosmtpd: run ./setup/install.sh")
    admin = odoo_server.client("admin", "admin")
    catcher = MailCatcher().start()
    others = admin("ir.mail_server", "search", [("active", "=", True)])
    server_id = admin(
        "ir.mail_server",
        "create",
        {
            "name": f"Test mail catcher {catcher.port}",
            "smtp_host": "127.0.0.1",
            "smtp_port": catcher.port,
            "smtp_encryption": "none",
            "sequence": 0,
        },
    )
    if others:
        admin("ir.mail_server", "write", others, {"active": False})
    try:
        yield catcher
    finally:
        try:
            admin("ir.mail_server", "unlink", [server_id])
        except xmlrpc.client.Fault:
            admin("ir.mail_server", "write", [server_id], {"active": False})
        if others:
            admin("ir.mail_server", "write", others, {"active": True})
        catcher.stop()


@pytest.fixture
def sms_gateway(odoo_server):
    """A FakeSmsGateway (setup/fake_sms_gateway.py) the server sends its SMS
    to (crm_privacy_pdpo's SMS gateway settings, restored afterwards)."""
    admin = odoo_server.client("admin", "admin")
    gateway = FakeSmsGateway(token=f"test-{_free_port()}").start()
    params = {SMS_GATEWAY_URL_PARAM: gateway.url, SMS_GATEWAY_TOKEN_PARAM: gateway.token}
    before = {key: admin("ir.config_parameter", "get_param", key) for key in params}
    for key, value in params.items():
        admin("ir.config_parameter", "set_param", key, value)
    try:
        yield gateway
    finally:
        for key, value in before.items():
            admin("ir.config_parameter", "set_param", key, value or False)
        gateway.stop()
