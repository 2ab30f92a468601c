"""Install -> upgrade twice -> uninstall of the three add-ons on a scratch
database, with no ERROR/CRITICAL line in Odoo's log, and nothing left behind.

The scratch database is a copy of the database under test (so Odoo's own
modules the suite depends on are already there; installing them from scratch
alone takes longer than this whole test). The suite is first uninstalled from
the copy, which gives the baseline (the same Odoo modules, without the suite),
then installed again, upgraded twice, filled with records that refer to the
suite's data (consents of marketing purposes, as the demo data also has), and
uninstalled again. After each uninstall the database must match the baseline:

- tables and views: none of the suite's models' tables remains;
- columns: none of those the suite added to Odoo's tables (res_partner,
  sale_order, ...) remains;
- indexes and SQL functions: those the suite's ``init()`` methods create
  (phone-key function, indexes on res_partner/sale_order) are gone;
- ir.model.data rows of the three modules, ir.rule, ir.model.access,
  ir.ui.view, ir.model, ir.model.fields of the suite: none;
- ir.config_parameter keys of the suite: none;
- attachments, messages, followers, activities of the suite's models: none.
The pg_trgm extension is left alone: Odoo's own trigram indexes may use it.
"""

import subprocess
import sys
import uuid

import psycopg2
import pytest
from conftest import ROOT
from psycopg2 import sql

MODULES = ["crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext"]
# The scripts below run in `odoo shell`, which rolls back on exit: their
# explicit commit is what makes the uninstall and the probe data persist.
UNINSTALL = (
    "env['ir.module.module'].search([('name', 'in', %r)]).button_immediate_uninstall()\n"
    "env.cr.commit()\n" % MODULES
)
ORPHAN_COLUMNS = [
    ("ir_attachment", "res_model"),
    ("mail_message", "model"),
    ("mail_followers", "res_model"),
    ("mail_activity", "res_model"),
]
FILL = """
partner = env['res.partner'].create({'name': 'Uninstall probe', 'email': 'probe@example.com'})
pics = env['crm.privacy.pics'].search([('state', '=', 'active')], limit=1)
for purpose in env['crm.privacy.marketing.purpose'].search([]):
    env['crm.privacy.consent'].create({
        'partner_id': partner.id, 'purpose_id': purpose.id, 'channel': 'email',
        'use': 'own_use', 'kind': 'opt_in', 'source': 'form', 'pics_id': pics.id,
    })
env.cr.commit()
"""


def _odoo(config, db, *args, stdin=None):
    """Run Odoo on ``db``; its log (warnings and worse)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *args[:1],
            "-c",
            config,
            "-d",
            db,
            *args[1:],
            "--log-level=warn",
            "--max-cron-threads=0",
            "--no-http",
        ],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _errors(log):
    return [line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line]


def _snapshot(db):
    conn = psycopg2.connect(dbname=db)
    queries = {
        "tables": "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        "columns": "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'",
        "indexes": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'",
        "functions": "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'",
        "constraints": "SELECT conname FROM pg_constraint",
        "triggers": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
        "sequences": "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'",
        "xmlids": "SELECT module || '.' || name FROM ir_model_data WHERE module = ANY(%(m)s)",
        "models": "SELECT model FROM ir_model",
        "fields": "SELECT model || '.' || name FROM ir_model_fields",
        "rules": "SELECT name FROM ir_rule",
        "access": "SELECT name FROM ir_model_access",
        "views": "SELECT coalesce(key, name) FROM ir_ui_view",
        "params": "SELECT key FROM ir_config_parameter WHERE key LIKE 'crm%%'",
    }
    try:
        with conn.cursor() as cr:
            result = {}
            for name, query in queries.items():
                cr.execute(query, {"m": MODULES})
                result[name] = {row[0] for row in cr.fetchall()}
            return result
    finally:
        conn.close()


# Odoo's own crm module has tables named crm_*, no trigger nor function
OWN_TABLES = ("crm_report_cell_", "crm_sales_line_rollup", "crm_customer_profit_dirty")


def _own_objects(snapshot):
    """The suite's triggers, SQL functions and side tables in a snapshot."""
    return sorted(
        {name for name in snapshot["triggers"] | snapshot["functions"] if name.startswith("crm_")}
        | {name for name in snapshot["tables"] if name.startswith(OWN_TABLES)}
        | {name for name in snapshot["sequences"] if name.startswith("crm_report_cell_")}
    )


@pytest.fixture
def scratch_db(request):
    source = request.config.getoption("--odoo-database")
    config = request.config.getoption("--odoo-config")
    if not source:
        pytest.skip("needs --odoo-database")
    db = f"crm_uninstall_{uuid.uuid4().hex[:8]}"
    # a copy while the test session holds connections to the source
    subprocess.run(["createdb", db], check=True)
    dump = subprocess.Popen(["pg_dump", "--no-owner", source], stdout=subprocess.PIPE)
    subprocess.run(
        ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", db],
        stdin=dump.stdout,
        check=True,
    )
    assert dump.wait() == 0
    yield db, config
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)


def test_install_upgrade_twice_uninstall(scratch_db):
    db, config = scratch_db
    rc, log = _odoo(config, db, "shell", stdin=UNINSTALL)
    assert rc == 0, log[-3000:]
    assert not _errors(log), "\n".join(_errors(log))
    baseline = _snapshot(db)
    assert not baseline["xmlids"], "the first uninstall left external ids"
    # what init() made outside Odoo's bookkeeping is gone too (the baseline
    # would hide it): triggers on Odoo's tables, SQL functions, side tables
    assert not _own_objects(baseline), _own_objects(baseline)

    rc, log = _odoo(config, db, "server", "-i", ",".join(MODULES), "--stop-after-init")
    assert rc == 0 and not _errors(log), "\n".join(_errors(log)) or log[-3000:]
    installed = _snapshot(db)
    assert installed["xmlids"] and installed["tables"] - baseline["tables"]
    for _round in range(2):
        rc, log = _odoo(config, db, "server", "-u", MODULES[0], "--stop-after-init")
        assert rc == 0 and not _errors(log), "\n".join(_errors(log)) or log[-3000:]
    rc, log = _odoo(config, db, "shell", stdin=FILL)
    assert rc == 0 and not _errors(log), log[-3000:]

    rc, log = _odoo(config, db, "shell", stdin=UNINSTALL)
    assert rc == 0, log[-3000:]
    assert not _errors(log), "\n".join(_errors(log))
    after = _snapshot(db)
    leftovers = {
        name: sorted(after[name] - baseline[name])
        for name in baseline
        if after[name] - baseline[name]
    }
    assert not leftovers, leftovers
    assert not _own_objects(after), _own_objects(after)
    # rows of Odoo's tables that pointed to records of the suite's models
    suite_models = sorted(installed["models"] - baseline["models"])
    conn = psycopg2.connect(dbname=db)
    try:
        with conn.cursor() as cr:
            for table, column in ORPHAN_COLUMNS:
                cr.execute(
                    sql.SQL("SELECT count(*) FROM {} WHERE {} = ANY(%s)").format(
                        sql.Identifier(table), sql.Identifier(column)
                    ),
                    [suite_models],
                )
                assert cr.fetchone()[0] == 0, f"{table} rows of the suite's models remain"
    finally:
        conn.close()
