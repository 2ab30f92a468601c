"""Crash tests: the Odoo server is killed (SIGKILL) in the middle of a
background job, restarted, and the job run again to its end. No duplicates,
no missing records, no half-written outputs.

To kill each job at a known point whatever the size of the database, a
second connection holds a lock that the job needs half-way (after it has
done part of its work in its transaction); the server is killed once its
backend waits on that lock (pg_stat_activity), then the lock is released.
"""

import base64
import io
import threading
import time
import uuid

import openpyxl
import psycopg2
import pytest
from conftest import ROOT, OdooServer, _free_port, pg_scalar


@pytest.fixture(scope="module")
def crash_server(request, tmp_path_factory, odoo_server):
    """A server of its own on the test database, to kill and restart. The
    session's server stops meanwhile: one queue_job runner per database
    runs the jobs (the first to take its lock), and it must be this one's."""
    db = request.config.getoption("--odoo-database")
    config = request.config.getoption("--odoo-config")
    if not db:
        pytest.skip("needs --odoo-database")
    odoo_server.stop()
    tmpdir = tmp_path_factory.mktemp("odoo_tmp")
    server = OdooServer(db, config, _free_port(), env={"TMPDIR": str(tmpdir)})
    server.tmpdir = tmpdir
    try:
        server.start()
        yield server
        # the jobs a test left queued (the rest of a chain) run here, not
        # under the next tests' feet
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and pg_scalar(
            db, "SELECT count(*) FROM queue_job WHERE state IN ('pending', 'enqueued', 'started')"
        ):
            time.sleep(0.5)
    finally:
        server.stop()
        odoo_server.restart()


def _lock(db, statement):
    """A connection holding a lock (``LOCK TABLE ...`` or ``SELECT ... FOR
    UPDATE``) in an open transaction; ``rollback()`` releases it."""
    conn = psycopg2.connect(dbname=db)
    conn.cursor().execute(statement)
    return conn


def _crash_midway(server, statement, call, timeout=60):
    """Run ``call`` (a job) in a thread while another connection holds a
    lock the job needs half-way; SIGKILL the server once its backend waits
    on that lock, release the lock, wait until PostgreSQL has rolled back
    the dead server's transaction, and restart the server."""
    lock = _lock(server.db, statement)
    errors = []

    def target():
        try:
            call()
        except Exception as error:  # noqa: BLE001 - the connection breaks on kill
            errors.append(error)

    thread = threading.Thread(target=target, daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + timeout
        while not pg_scalar(
            "postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock'",
            f"odoo-{server.proc.pid}",
        ):
            assert thread.is_alive(), f"the job ended before it reached the lock: {errors}"
            assert time.monotonic() < deadline, "the job never reached the lock"
            time.sleep(0.1)
        server.kill(after_kill=lock.rollback)
    finally:
        lock.close()
    thread.join(timeout=30)
    assert errors, "the interrupted call did not fail"
    server.restart()


def _trigger(server, xmlid):
    """Run a scheduled job once, as the cron runner would (one transaction,
    with the cron progress context)."""
    admin = server.client("admin", "admin")
    cron_id = admin("ir.model.data", "check_object_reference", *xmlid.split("."))[1]
    return lambda: server.client("admin", "admin")("ir.cron", "method_direct_trigger", [cron_id])


def _wait(server, condition, timeout=240, what="the jobs"):
    """Wait until ``condition()`` is true (the server's queue_job runner
    runs the jobs the scheduled jobs queued); fails as soon as the server
    does not answer (killed)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not finish in {timeout} s"
        server.common().version()
        time.sleep(0.5)


def test_kill_during_data_quality_scan(crash_server):
    """The scheduled scan queues its job; each job checks one rule and
    queues the next. Killed in the middle of a rule, restarted: the dead job
    is run again and the scan ends with each rule checked once."""
    server, db = crash_server, crash_server.db
    trigger = _trigger(server, "crm_retail_compile.ir_cron_crm_dq_scan")
    conn = psycopg2.connect(dbname=db)
    with conn, conn.cursor() as cr:
        cr.execute("UPDATE crm_dq_scan SET state = 'done' WHERE state = 'running'")
    conn.close()
    before = pg_scalar(db, "SELECT coalesce(max(id), 0) FROM crm_dq_scan")

    def scan_until_done():
        trigger()
        _wait(
            server,
            lambda: pg_scalar(
                db, "SELECT count(*) FROM crm_dq_scan WHERE id > %s AND state = 'done'", before
            ),
            what="the scan",
        )

    # killed when a rule's issues are written, before its result line
    _crash_midway(server, "LOCK TABLE crm_dq_scan_line IN EXCLUSIVE MODE", scan_until_done)
    # the killed step (the scan's first rule) left nothing
    assert not pg_scalar(
        db,
        "SELECT count(*) FROM crm_dq_scan_line l JOIN crm_dq_scan s ON s.id = l.scan_id "
        "WHERE s.id > %s",
        before,
    ), "the killed step left a result line"
    assert pg_scalar(
        db,
        "SELECT count(*) FROM queue_job WHERE method_name = '_job_scan_step' AND state <> 'done'",
    ), "the scan did not run as a queue job"
    # restarted: the runner requeues the dead step, the chain goes on
    _wait(
        server,
        lambda: pg_scalar(
            db, "SELECT count(*) FROM crm_dq_scan WHERE id > %s AND state = 'done'", before
        ),
        what="the resumed scan",
    )
    scan_id = pg_scalar(db, "SELECT max(id) FROM crm_dq_scan WHERE id > %s", before)
    assert pg_scalar(db, "SELECT count(*) FROM crm_dq_scan WHERE id > %s", before) == 1
    # each active rule of the scan checked exactly once
    assert not pg_scalar(
        db,
        """SELECT count(*) FROM crm_dq_rule_crm_dq_scan_rel rel
             JOIN crm_dq_rule r ON r.id = rel.crm_dq_rule_id AND r.active
            WHERE rel.crm_dq_scan_id = %s
              AND (SELECT count(*) FROM crm_dq_scan_line l
                    WHERE l.scan_id = rel.crm_dq_scan_id AND l.rule_id = r.id) <> 1""",
        scan_id,
    )
    # one open issue per (rule, record)
    assert not pg_scalar(
        db,
        """SELECT count(*) FROM (SELECT 1 FROM crm_dq_issue WHERE state = 'open'
            GROUP BY rule_id, res_model, res_id HAVING count(*) > 1) d""",
    )
    assert pg_scalar(db, "SELECT count(*) FROM crm_dq_scan WHERE state = 'running'") == 0


def test_kill_during_retention_run(crash_server):
    server, db = crash_server, crash_server.db
    admin = server.client("admin", "admin")
    tag = f"FAULT-{uuid.uuid4().hex[:6]}"
    ids = admin(
        "res.partner",
        "create",
        [{"name": f"{tag} {i:03d}", "email": f"{tag.lower()}.{i}@example.com"} for i in range(120)],
    )
    conn = psycopg2.connect(dbname=db)
    with conn, conn.cursor() as cr:
        # customers untouched for 10 years: due for anonymisation (7 years)
        cr.execute(
            "UPDATE res_partner SET write_date = now() - interval '10 years' WHERE id = ANY(%s)",
            (ids,),
        )
        cr.execute("UPDATE crm_privacy_retention_run SET state = 'done' WHERE state = 'running'")
    conn.close()
    param = "crm_privacy_pdpo.retention_batch_size"
    old_batch = admin("ir.config_parameter", "get_param", param)
    admin("ir.config_parameter", "set_param", param, "50")
    anonymised = "SELECT count(*) FROM res_partner WHERE crm_anonymised"
    before = pg_scalar(db, anonymised)
    try:
        trigger = _trigger(server, "crm_privacy_pdpo.ir_cron_crm_privacy_retention")
        started = pg_scalar(db, "SELECT coalesce(max(id), 0) FROM crm_privacy_retention_run")

        def retention_until_done():
            # the scheduled job queues the first batch; each batch (a job on
            # the privacy channel) queues the next
            trigger()
            _wait(
                server,
                lambda: pg_scalar(
                    db,
                    "SELECT count(*) FROM crm_privacy_retention_run "
                    "WHERE id > %s AND state = 'done'",
                    started,
                ),
                what="the retention run",
            )

        # killed half-way through a later batch (a row it must anonymise is
        # locked), after the first batch of 50 was committed
        _crash_midway(
            server,
            f"SELECT id FROM res_partner WHERE id = {ids[90]} FOR UPDATE",
            retention_until_done,
        )
        run_id = pg_scalar(db, "SELECT max(id) FROM crm_privacy_retention_run")
        assert run_id > started
        first = pg_scalar(db, anonymised) - before
        assert 0 < first < 120, "no batch was committed before the kill"
        assert (
            pg_scalar(
                db,
                "SELECT channel FROM queue_job WHERE method_name = '_job_retention_batch' "
                "ORDER BY id DESC LIMIT 1",
            )
            == "root.crm_privacy"
        )
        # restarted: the runner requeues the dead batch, the chain goes on
        _wait(
            server,
            lambda: (
                pg_scalar(db, "SELECT state FROM crm_privacy_retention_run WHERE id = %s", run_id)
                == "done"
            ),
            what="the resumed retention run",
        )
        assert not pg_scalar(
            db, "SELECT count(*) FROM res_partner WHERE id = ANY(%s) AND NOT crm_anonymised", ids
        ), "customers due for anonymisation were missed"
        processed = pg_scalar(
            db,
            """SELECT coalesce(sum(l.processed), 0) FROM crm_privacy_retention_run_line l
                 JOIN crm_privacy_retention_policy p ON p.id = l.policy_id
                 JOIN ir_model m ON m.id = p.model_id AND m.model = 'res.partner'
                WHERE l.run_id = %s""",
            run_id,
        )
        assert processed == pg_scalar(db, anonymised) - before, "run counts double or miss"
        assert (
            pg_scalar(db, "SELECT count(*) FROM crm_privacy_retention_run WHERE state = 'running'")
            == 0
        )
    finally:
        admin("ir.config_parameter", "set_param", param, old_batch or "")


def _run_state(db, run_id):
    return pg_scalar(db, "SELECT state FROM crm_report_run WHERE id = %s", run_id)


def _wait_run(server, run_id, timeout=180):
    """Wait, over XML-RPC, until the report run is compiled: the queue_job
    runner of the server runs its job (odoo.conf's server_wide_modules)."""
    admin = server.client("admin", "admin")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [run] = admin("crm.report.run", "read", [run_id], ["state"])
        if run["state"] in ("done", "failed"):
            return run["state"]
        time.sleep(0.5)
    raise AssertionError(f"report run {run_id} still {run['state']} after {timeout} s")


def test_kill_during_report_compile(crash_server):
    """The server's queue_job runner compiles a report in the background;
    the server is killed while the job writes its rows; restarted, the
    runner requeues the dead job and the run is compiled once."""
    server, db = crash_server, crash_server.db
    admin = server.client("admin", "admin")
    template_id = admin(
        "ir.model.data",
        "check_object_reference",
        "crm_retail_compile",
        "crm_report_template_marketing_customer_value",
    )[1]
    [template] = admin(
        "crm.report.template", "read", [template_id], ["retail_department_id", "output_csv"]
    )
    admin("crm.report.template", "write", [template_id], {"output_csv": True})
    filestore_before = _filestore_files(db)
    started = {}

    def run_and_wait():
        # a run is made by running its template (here the query tool), never
        # created directly (crm.report.run fields are system-set); a
        # customer-level run is queued as a job on the report channel
        wizard = admin("crm.report.query", "create", {"template_id": template_id})
        started["run"] = admin("crm.report.query", "action_run", [wizard])["res_id"]
        _wait_run(server, started["run"])

    try:
        # killed half-way through the compile, when its rows are written
        # (files being written in its working directory)
        _crash_midway(server, "LOCK TABLE crm_report_line IN EXCLUSIVE MODE", run_and_wait)
        run_id = started["run"]
        assert _run_state(db, run_id) == "queued"
        assert (
            pg_scalar(
                db,
                "SELECT j.channel FROM queue_job j JOIN crm_report_run r ON r.job_id = j.id "
                "WHERE r.id = %s",
                run_id,
            )
            == "root.crm_report"
        )
        assert not pg_scalar(
            db,
            "SELECT count(*) FROM ir_attachment WHERE res_model = 'crm.report.run' AND res_id = %s",
            run_id,
        )
        leftovers = sorted(p.name for p in server.tmpdir.glob(f"crm_report_{run_id}_*"))
        assert leftovers, "the killed compile left no working directory"
        # restarted: the runner finds the job started but unlocked (dead),
        # puts it back to pending and runs it again
        assert _wait_run(server, run_id) == "done"
        assert (
            pg_scalar(
                db,
                "SELECT j.state FROM queue_job j JOIN crm_report_run r ON r.job_id = j.id "
                "WHERE r.id = %s",
                run_id,
            )
            == "done"
        )
        [run] = admin(
            "crm.report.run",
            "read",
            [run_id],
            ["xlsx_attachment_id", "csv_attachment_id", "row_count"],
        )
        by_format = {
            fmt: pg_scalar(
                db,
                "SELECT count(*) FROM ir_attachment WHERE res_model = 'crm.report.run' "
                "AND res_id = %s AND name LIKE %s",
                run_id,
                f"%.{fmt}",
            )
            for fmt in ("xlsx", "csv")
        }
        assert by_format == {"xlsx": 1, "csv": 1}, by_format
        [xlsx] = admin("ir.attachment", "read", [run["xlsx_attachment_id"][0]], ["datas"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["datas"])), read_only=True)
        assert book.worksheets[0].max_row >= 1
        # the killed compile left its temporary directory; the job that
        # compiled the run again removed it. An orphan filestore file is
        # left to Odoo's file store collector.
        remaining = {p.name for p in server.tmpdir.glob("crm_report_*")}
        assert not remaining & set(leftovers), remaining
        orphans = _filestore_files(db) - filestore_before
        print(f"new filestore files: {len(orphans)} (outputs + orphans of the killed run)")
    finally:
        admin = server.client("admin", "admin")
        admin("crm.report.template", "write", [template_id], {"output_csv": template["output_csv"]})


def _filestore_files(db):
    root = ROOT / ".odoo-data" / "filestore" / db
    return {p for p in root.rglob("*") if p.is_file() and "checklist" not in p.parts}
