"""The production topology, run on this machine (setup/topology.sh, README
"Production"): a PostgreSQL primary and a streaming replica made with
pg_basebackup, Odoo with prefork workers, a cron worker, the gevent port and
the queue_job runner, on a copy of the database under test.

It proves what threaded tests cannot: the web client's read-only calls, the
query tool and background report compiles read from the replica while every
write goes to the primary; parallel XML-RPC clients and the web client work
under prefork; a job survives the worker running it being killed.

Reads from the replica are proven by pausing its replay: a record written on
the primary is then missing from what the replica serves, and appears once
replay resumes."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from conftest import ROOT, OdooServer, _free_port, call_kw, web_session

SOCKET_DIR = "/var/run/postgresql"
TOPO_DB = "crm_topology_test"


class Topology(OdooServer):
    """The running topology: Odoo's URL and clients, and both clusters."""

    def __init__(self, env):
        super().__init__(TOPO_DB, str(ROOT / f".odoo-{env['CRM_TOPO_NAME']}-topology.conf"), 0)
        self.env = env
        self.port = int(env["CRM_TOPO_HTTP_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.gevent_port = int(env["CRM_TOPO_GEVENT_PORT"])
        self.pidfile = ROOT / f".odoo-{env['CRM_TOPO_NAME']}-topology.pid"

    def script(self, *args, timeout=900):
        return subprocess.run(
            [str(ROOT / "setup" / "topology.sh"), *args],
            env={**os.environ, **self.env},
            check=True,
            timeout=timeout,
            capture_output=True,
            text=True,
        )

    def sql(self, node, query, *params):
        port = self.env["CRM_TOPO_PRIMARY_PORT" if node == "primary" else "CRM_TOPO_REPLICA_PORT"]
        conn = psycopg2.connect(dbname=TOPO_DB, host=SOCKET_DIR, port=port)
        try:
            conn.autocommit = True
            with conn.cursor() as cr:
                cr.execute(query, params)
                row = cr.fetchone() if cr.description else None
                return row and row[0]
        finally:
            conn.close()

    def wait_replica(self, timeout=60):
        """Wait until the replica has replayed everything the primary wrote."""
        target = self.sql("primary", "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while self.sql(
            "replica", "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0", target
        ):
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.2)

    @contextlib.contextmanager
    def replica_paused(self):
        """The replica frozen at this moment: it serves the data as it is
        now until the block ends, then catches up."""
        self.wait_replica()
        self.sql("replica", "SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            self.sql("replica", "SELECT pg_wal_replay_resume()")
            self.wait_replica()

    def children(self):
        master = self.pidfile.read_text().strip()
        out = subprocess.run(["pgrep", "-P", master], check=False, capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]


@pytest.fixture(scope="module")
def topology(request):
    source = request.config.getoption("--odoo-database") or os.environ.get("CRM_TEST_DB")
    if not source:
        pytest.skip("needs --odoo-database")
    env = {
        "CRM_TOPO_NAME": f"crmtest{os.getpid()}",
        "CRM_TOPO_PRIMARY_PORT": str(_free_port()),
        "CRM_TOPO_REPLICA_PORT": str(_free_port()),
        "CRM_TOPO_HTTP_PORT": str(_free_port()),
        "CRM_TOPO_GEVENT_PORT": str(_free_port()),
    }
    topo = Topology(env)
    try:
        topo.script("start", source, TOPO_DB)
        yield topo
    except subprocess.CalledProcessError as error:
        pytest.fail(f"setup/topology.sh start failed:\n{error.stdout}\n{error.stderr}")
    finally:
        topo.script("stop", timeout=300)


@pytest.fixture(scope="module")
def users(topology):
    """An administrator, a web user without a second factor, and an
    integration client, created on the primary."""
    admin = topology.client("admin", "admin")
    tag = uuid.uuid4().hex[:6]

    def ref(xml_id):
        module, name = xml_id.split(".")
        return admin("ir.model.data", "check_object_reference", module, name)[1]

    branch = admin("crm.retail.branch", "create", {"code": f"T{tag}", "name": f"Topology {tag}"})
    logins = {}
    for key, groups in {
        "manager": ["crm_retail_compile.group_branch_manager"],
        "integration": ["crm_retail_compile.group_integration"],
    }.items():
        login = f"topo.{key}.{tag}"
        admin(
            "res.users",
            "create",
            {
                "name": login,
                "login": login,
                "password": login + "-pw",
                "groups_id": [(6, 0, [ref(group) for group in groups])],
                "retail_branch_ids": [(6, 0, [branch])],
                "retail_branch_id": branch,
                "crm_mfa_exempt": True,
            },
        )
        logins[key] = login
    return {"admin": admin, "branch": branch, "tag": tag, "logins": logins}


def test_prefork_workers_cron_websocket(topology):
    """Two HTTP workers, the cron worker, the gevent worker and the job
    runner are processes of their own; the websocket port upgrades."""
    assert len(topology.children()) >= 5
    with socket.create_connection(("127.0.0.1", topology.gevent_port), timeout=30) as sock:
        sock.sendall(
            b"GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n" + f"Origin: {topology.url}\r\n\r\n".encode()
        )
        assert sock.recv(64).startswith(b"HTTP/1.1 101")


def test_web_client_reads_the_replica_and_writes_the_primary(topology, users):
    session = web_session(topology, users["logins"]["manager"])
    name = f"Replica check {users['tag']}"
    domain = [("name", "=", name)]
    spec = {"display_name": {}}
    with topology.replica_paused():
        # a write through the web client goes to the primary...
        created = call_kw(topology, session, "res.partner", "create", [{"name": name}])
        assert topology.sql("primary", "SELECT count(*) FROM res_partner WHERE id = %s", created)
        assert not topology.sql(
            "replica", "SELECT count(*) FROM res_partner WHERE id = %s", created
        )
        # ...the list view's read-only search is served by the paused replica
        found = call_kw(topology, session, "res.partner", "web_search_read", [domain, spec])
        assert found["length"] == 0
    found = call_kw(topology, session, "res.partner", "web_search_read", [domain, spec])
    assert found["length"] == 1


def test_parallel_xmlrpc_clients(topology, users):
    """Eight clients at once against two workers: every batch lands once."""
    login = users["logins"]["integration"]
    errors, created = [], []

    def client(n):
        try:
            api = topology.client(login, login + "-pw")
            for batch in range(3):
                customers = [
                    {
                        "name": f"Parallel {users['tag']} {n}-{batch}-{i}",
                        "email": f"par.{users['tag']}.{n}.{batch}.{i}@example.com",
                    }
                    for i in range(20)
                ]
                result = api("crm.retail.api", "customer_upsert_batch", customers)
                assert result["created"] == 20, result
                created.extend(row["id"] for row in result["results"])
                api("res.partner", "search_count", [("email", "like", f"par.{users['tag']}.")])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors[:3]
    assert len(created) == len(set(created)) == 8 * 3 * 20


def _master_alive(topology):
    return os.kill(int(topology.pidfile.read_text()), 0) is None


def _is_gevent(pid):
    return b"gevent" in Path(f"/proc/{pid}/cmdline").read_bytes()


@contextlib.contextmanager
def _only_workers(topology, pids):
    """The master's other forked workers stopped (SIGSTOP) while the block
    runs, so that only ``pids`` accept requests; they go on afterwards
    (a few seconds stopped stay far below the workers' time limits). A
    call in the block that no worker answers times out after 120 s."""
    paused = [pid for pid in topology.children() if pid not in pids and not _is_gevent(pid)]
    timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(120)
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
        socket.setdefaulttimeout(timeout)


def test_a_killed_worker_is_replaced(topology, users):
    """The master replaces an HTTP worker killed in the middle of the day:
    the new worker serves XML-RPC clients, and background jobs still run."""
    before = set(topology.children())
    # an HTTP worker: a fork of the master, not the gevent worker it started
    victim = min(pid for pid in before if not _is_gevent(pid))
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while victim in topology.children() or len(topology.children()) < len(before):
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.5)
    assert _master_alive(topology)
    replacements = sorted(set(topology.children()) - before)
    assert replacements, "a new worker process"
    # the new worker alone serves an XML-RPC client (a read and a write)
    login = users["logins"]["integration"]
    with _only_workers(topology, replacements):
        api = topology.client(login, login + "-pw")
        name = f"Replacement {users['tag']}"
        email = f"replacement.{users['tag']}@example.com"
        result = api("crm.retail.api", "customer_upsert_batch", [{"name": name, "email": email}])
        assert result["created"] == 1, result
        assert api("res.partner", "search_count", [("name", "=", name)]) == 1
    assert requests.get(f"{topology.url}/web/login", timeout=60).status_code == 200
    # the job runner still hands jobs to the workers: a customer-level run
    # (a queue job) is compiled
    run = _wait_run(users["admin"], _customers_run(topology, users["admin"], "customer"))
    assert run["state"] == "done", run


def _customers_run(topology, admin, detail):
    """A run of the query tool counting retail customers; customer-level
    runs are compiled in the background by a queue job."""
    department = admin(
        "ir.model.data", "check_object_reference", "crm_retail_compile", "department_marketing"
    )[1]
    return admin(
        "crm.report.query",
        "run_adhoc",
        {
            "dataset": "customers",
            "measures": ["customers"],
            "detail": detail,
            "retail_department_id": department,
        },
    )


def _wait_run(admin, run_id, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [run] = admin("crm.report.run", "read", [run_id], ["state", "totals_json"])
        if run["state"] in ("done", "failed"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"report run {run_id} still {run['state']} after {timeout} s")


def _new_customer(users, name):
    api = users["admin"]
    result = api(
        "crm.retail.api",
        "customer_upsert_batch",
        [{"name": name, "email": f"{name.replace(' ', '.').lower()}@example.com"}],
    )
    assert result["created"] == 1, result
    partner = result["results"][0]["id"]
    api("res.partner", "action_enrol", [partner])  # a member from today
    return partner


def test_query_tool_and_background_reports_read_the_replica(topology, users):
    """The query tool's run (compiled in the request) and a customer-level
    report (compiled by a queue job on a worker) read the replica: a
    customer enrolled on the primary while the replica is paused is not in
    them. Their runs and rows are written on the primary."""
    admin = users["admin"]

    def customers(run):
        assert run["state"] == "done", run
        return json.loads(run["totals_json"])["customers"]

    def runs():
        interactive = _customers_run(topology, admin, "aggregated")
        background = _customers_run(topology, admin, "customer")
        return [_wait_run(admin, run_id) for run_id in (interactive, background)]

    before = [customers(run) for run in runs()]
    with topology.replica_paused():
        partner = _new_customer(users, f"Replica Report {users['tag']}")
        exists = "SELECT count(*) FROM res_partner WHERE id = %s"
        assert topology.sql("primary", exists, partner)
        assert not topology.sql("replica", exists, partner)
        paused = runs()
        assert [customers(run) for run in paused] == before
        # the runs and their rows are on the primary only
        for run in paused:
            query = "SELECT count(*) FROM crm_report_run WHERE id = %s"
            assert topology.sql("primary", query, run["id"])
            assert not topology.sql("replica", query, run["id"])
    assert [customers(run) for run in runs()] == [count + 1 for count in before]


def test_a_job_survives_its_worker_killed(topology, users):
    """The HTTP worker running a report job is killed mid-compile: the
    job runner finds the job dead, requeues it, and another worker
    compiles the run once."""
    admin = users["admin"]
    blocker = psycopg2.connect(
        dbname=TOPO_DB, host=SOCKET_DIR, port=topology.env["CRM_TOPO_PRIMARY_PORT"]
    )
    try:
        with blocker.cursor() as cr:
            # the job stops when it writes its rows
            cr.execute("LOCK TABLE crm_report_line IN EXCLUSIVE MODE")
        run_id = _customers_run(topology, admin, "customer")
        deadline = time.monotonic() + 120
        worker = None
        while not worker:
            assert time.monotonic() < deadline, "the job did not start"
            worker = topology.sql(
                "primary",
                "SELECT j.worker_pid FROM queue_job j JOIN crm_report_run r ON r.job_id = j.id "
                "WHERE r.id = %s AND j.state = 'started'",
                run_id,
            )
            time.sleep(0.3)
        assert worker in topology.children()
        os.kill(worker, signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    run = _wait_run(admin, run_id)
    assert run["state"] == "done", run
    retry, state = topology.sql(
        "primary",
        "SELECT ARRAY[j.retry::text, j.state] FROM queue_job j "
        "JOIN crm_report_run r ON r.job_id = j.id WHERE r.id = %s",
        run_id,
    )
    assert int(retry) >= 1 and state == "done", "requeued after the kill, then done"
    [run] = admin("crm.report.run", "read", [run_id], ["row_count"])
    # compiled once: the attempt that died left no rows behind
    lines = "SELECT count(*) FROM crm_report_line WHERE run_id = %s"
    assert topology.sql("primary", lines, run_id) == run["row_count"]
