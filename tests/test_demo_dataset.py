"""The demo database of ./setup/run.sh is a Hong Kong jeweller and retailer, and
nothing else: built the way run.sh builds it (the add-ons installed without
Odoo's demo data, the suite's own demo loaded by setup/gen_suite_demo.py, then
setup/generate_data.py and setup/prepare_demo.py), at a tiny size, on a scratch
database. Every feature has records and no Odoo furniture demo record exists.

Marked ``demo_dataset`` (two to three minutes, mostly Odoo's installation):
``-m "not demo_dataset"`` skips it; ``CRM_DEMO_DB=crm_retail`` runs the checks on
a database ./setup/run.sh built instead of building one.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
from conftest import ROOT

pytestmark = pytest.mark.demo_dataset

MODULES = "crm_privacy_pdpo,crm_retail_compile,crm_jewellery_ext"
DATA_DIR = ROOT / ".odoo-data"
CREATE_DB = f"""set -e
. setup/common.sh
CONF="$1"
if declare -F create_db >/dev/null; then
  create_db "$2" --log-level=warn --without-demo=all
else
  odoo_bin -d "$2" -i {MODULES} --without-demo=all --stop-after-init --max-cron-threads=0 \
    --log-level=warn
fi
"""
# Odoo records a database without demo data holds (company and user partners)
ODOO_PARTNERS = {
    "base.main_partner",
    "base.partner_root",
    "base.partner_admin",
    "base.public_partner",
    "base.default_user_res_partner",
    "base.template_portal_user_id_res_partner",
    # Point of Sale's own data (not demo): the tip and down-payment products
    "point_of_sale.product_product_tip",
    "point_of_sale.product_product_tip_product_template",
    "pos_sale.default_downpayment_product",
    "pos_sale.default_downpayment_product_product_template",
}
FURNITURE_NAMES = (
    "Deco Addict",
    "Azure Interior",
    "Gemini Furniture",
    "Ready Mat",
    "Wood Corner",
    "Lumber Inc",
    "Large Cabinet",
    "Customizable Desk",
    "Office Chair",
    "Corner Desk",
    "Acoustic Bloc",
)
# table -> minimum rows the tiny data set must hold
FEATURES = {
    "crm_jewellery_custom_order": 5,
    "repair_order": 5,
    "crm_jewellery_certificate": 3,
    "crm_jewellery_anniversary": 5,
    "crm_jewellery_wish": 5,
    "crm_jewellery_review": 3,
    "crm_jewellery_call": 5,
    "crm_online_activity": 20,
    # the nightly analytics of prepare_demo.py derive them from the activity
    "crm_online_preference": 5,
    "crm_privacy_consent": 50,
    "crm_privacy_pics_acknowledgement": 50,
    "crm_privacy_request": 5,
    "account_move": 3,
    "account_payment": 2,
    "stock_picking": 2,
    "crm_jewellery_abnormal_case": 1,
    "crm_sales_event": 10,
    "crm_dq_issue": 1,
    # issue 21: a till per shop, weekly sessions, sales and a refund
    "pos_config": 5,
    "pos_session": 5,
    "pos_order": 20,
}


def _run(args, timeout):
    result = subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{args[:3]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def demo_db(request):
    if os.environ.get("CRM_DEMO_DB"):  # check a database run.sh built instead
        conn = psycopg2.connect(dbname=os.environ["CRM_DEMO_DB"])
        conn.autocommit = True
        yield conn
        conn.close()
        return
    config = request.config.getoption("--odoo-config")
    db = f"crm_demo_smoke_{uuid.uuid4().hex[:8]}"
    py = sys.executable
    conns = []

    def drop():
        for conn in conns:
            conn.close()
        result = subprocess.run(
            ["dropdb", "--if-exists", "--force", db], capture_output=True, text=True, check=False
        )
        shutil.rmtree(DATA_DIR / "filestore" / db, ignore_errors=True)
        assert result.returncode == 0, f"could not drop {db}: {result.stderr}"

    request.addfinalizer(drop)
    start = time.monotonic()
    # as run.sh: create_db of setup/common.sh (HK company) without Odoo's demo
    _run(["bash", "-c", CREATE_DB, "create_db", config, db], timeout=900)
    installed = time.monotonic()
    _run([py, "setup/gen_suite_demo.py", "--db", db, "--config", config], timeout=300)
    _run(
        [py, "setup/generate_data.py", "--db", db, "--config", config]
        + ["--customers", "200", "--lines", "1500", "--products", "40", "--salespeople", "2"]
        + ["--seed", "7", "--today", "2026-06-30"],
        timeout=600,
    )
    _run(
        [py, "setup/gen_pos.py", "--db", db, "--config", config, "--seed", "7"]
        + ["--today", "2026-06-30", "--months", "1"],
        timeout=600,
    )
    _run([py, "setup/prepare_demo.py", "--db", db, "--config", config], timeout=600)
    print(
        f"demo data set: installed in {installed - start:.0f}s, "
        f"built in {time.monotonic() - start:.0f}s"
    )
    conns.append(psycopg2.connect(dbname=db))
    conns[0].autocommit = True
    yield conns[0]


def _scalar(conn, query, *params):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchone()[0]


def test_every_feature_has_records(demo_db):
    empty = {table: _scalar(demo_db, f"SELECT count(*) FROM {table}") for table in FEATURES}
    missing = {t: n for t, n in empty.items() if n < FEATURES[t]}
    assert not missing, f"features without enough demo records: {missing}"


def test_statuses_branches_and_owners(demo_db):
    # custom orders and repairs at every status, each with a branch
    assert _scalar(demo_db, "SELECT count(DISTINCT state) FROM crm_jewellery_custom_order") == 7
    assert (
        _scalar(
            demo_db,
            "SELECT count(DISTINCT CASE WHEN collected_date IS NOT NULL THEN 'collected' "
            "ELSE state END) FROM repair_order",
        )
        == 6
    )
    for table in ("crm_jewellery_custom_order", "repair_order", "crm_jewellery_certificate"):
        assert not _scalar(
            demo_db, f"SELECT count(*) FROM {table} WHERE retail_branch_id IS NULL"
        ), table
    # a manager and staff on every active branch; every member customer has a salesperson
    assert not _scalar(
        demo_db, "SELECT count(*) FROM crm_retail_branch WHERE active AND manager_id IS NULL"
    )
    assert not _scalar(
        demo_db,
        "SELECT count(*) FROM crm_retail_branch b WHERE active AND NOT EXISTS ("
        "SELECT 1 FROM crm_retail_branch_res_users_rel r WHERE r.branch_id = b.id)",
    )
    assert not _scalar(
        demo_db,
        "SELECT count(*) FROM res_partner WHERE membership_number LIKE 'G%%' AND user_id IS NULL",
    )
    # abnormal cases belong to the generated Hong Kong customers
    assert not _scalar(
        demo_db,
        "SELECT count(*) FROM crm_jewellery_abnormal_case c JOIN res_partner p "
        "ON p.id = c.partner_id WHERE p.membership_number IS NULL",
    )


def test_realistic_consent_share(demo_db):
    members = _scalar(
        demo_db, "SELECT count(*) FROM res_partner WHERE membership_number LIKE 'G%%'"
    )
    with demo_db.cursor() as cr:
        cr.execute(
            """SELECT c.purpose_id, c.channel, count(DISTINCT c.partner_id)
                 FROM crm_privacy_consent c JOIN res_partner p ON p.id = c.partner_id
                WHERE p.membership_number LIKE 'G%%' AND c.kind = 'opt_in'
                GROUP BY 1, 2"""
        )
        shares = {(p, ch): n / members for p, ch, n in cr.fetchall()}
    assert shares
    assert all(0.25 <= s <= 0.7 for s in shares.values()), shares
    # everyone who consented acknowledged the collection notice
    assert not _scalar(
        demo_db,
        "SELECT count(DISTINCT c.partner_id) FROM crm_privacy_consent c "
        "JOIN res_partner p ON p.id = c.partner_id WHERE c.kind = 'opt_in' "
        "AND p.membership_number LIKE 'G%%' AND NOT EXISTS (SELECT 1 FROM "
        "crm_privacy_pics_acknowledgement a WHERE a.partner_id = c.partner_id)",
    )


def test_no_odoo_furniture_demo(demo_db):
    with demo_db.cursor() as cr:
        cr.execute(
            """SELECT module || '.' || name FROM ir_model_data
                WHERE model IN ('res.partner', 'product.product', 'product.template',
                                'sale.order', 'repair.order', 'crm.lead', 'account.move',
                                'stock.picking', 'calendar.event')
                  AND module NOT IN ('crm_privacy_pdpo', 'crm_retail_compile',
                                     'crm_jewellery_ext', '__import__')"""
        )
        odoo_records = {row[0] for row in cr.fetchall()} - ODOO_PARTNERS
        assert not odoo_records, f"Odoo demo records in the demo database: {odoo_records}"
        for table, column in (
            ("res_partner", "name"),
            ("product_template", "name->>'en_US'"),
            ("repair_order", "name"),
        ):
            cr.execute(
                f"SELECT count(*) FROM {table} WHERE {column} ILIKE ANY(%s)",
                [[f"%{name}%" for name in FURNITURE_NAMES]],
            )
            assert cr.fetchone()[0] == 0, table
        cr.execute("SELECT count(*) FROM sale_order WHERE note::text ILIKE '%%devis%%'")
        assert cr.fetchone()[0] == 0
        cr.execute("SELECT count(*) FROM ir_module_module WHERE demo AND name NOT LIKE 'crm\\_%%'")
        assert cr.fetchone()[0] == 0, "Odoo modules marked as installed with demo data"


def test_hong_kong_company_and_privacy_work(demo_db):
    # a named Hong Kong jeweller in HK$, not "My Company" in "$"
    name, country, currency, symbol = _row(
        demo_db,
        "SELECT co.name, c.code, cur.name, cur.symbol FROM res_company co "
        "JOIN res_partner p ON p.id = co.partner_id JOIN res_country c ON c.id = p.country_id "
        "JOIN res_currency cur ON cur.id = co.currency_id WHERE co.id = 1",
    )
    assert "My Company" not in name
    assert (country, currency, symbol) == ("HK", "HKD", "HK$")
    # the privacy officer has requests at every step of the 40-day clock
    with demo_db.cursor() as cr:
        cr.execute("SELECT state, count(*) FROM crm_privacy_request GROUP BY state")
        states = dict(cr.fetchall())
    assert {"received", "verifying", "in_progress", "complied"} <= set(states), states
    assert _scalar(
        demo_db,
        "SELECT count(*) FROM crm_privacy_request WHERE state NOT IN "
        "('complied', 'partly_complied', 'refused') AND due_date < CURRENT_DATE",
    ), "an overdue request"


def _row(conn, query, *params):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchone()


def test_point_of_sale_sales(demo_db):
    """Each shop has its till; its paid orders are in-store sales events of
    that branch, reconciled with the orders to the cent, some anonymous."""
    assert not _scalar(
        demo_db,
        "SELECT count(*) FROM crm_retail_branch b WHERE active AND NOT is_online AND NOT "
        "EXISTS (SELECT 1 FROM pos_config c WHERE c.retail_branch_id = b.id)",
    )
    assert _scalar(demo_db, "SELECT count(*) FROM pos_order WHERE partner_id IS NULL")
    assert _scalar(demo_db, "SELECT count(*) FROM pos_session WHERE state = 'closed'")
    orders = _scalar(
        demo_db,
        "SELECT COALESCE(SUM(l.price_subtotal), 0) FROM pos_order_line l "
        "JOIN pos_order o ON o.id = l.order_id WHERE o.state IN ('paid', 'done', 'invoiced')",
    )
    events = _scalar(
        demo_db,
        "SELECT COALESCE(SUM(booked_revenue), 0) FROM crm_sales_event "
        "WHERE pos_order_id IS NOT NULL",
    )
    assert orders > 0 and abs(orders - events) < 0.01, (orders, events)
    assert not _scalar(
        demo_db,
        "SELECT count(*) FROM crm_sales_event e JOIN pos_order o ON o.id = e.pos_order_id "
        "WHERE e.retail_branch_id IS DISTINCT FROM o.retail_branch_id",
    )
