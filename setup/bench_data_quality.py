#!/usr/bin/env python3
"""Benchmark the data-quality scan against hand-written SQL.

Runs, on one database built by setup/generate_data.py:

1. the full data-quality scan through the ORM (``crm.dq.scan``), twice: the
   first run creates the issues, the second is a steady-state run that
   refreshes them (the daily case);
2. the equivalent hand-written checks with plain psycopg2 (one SELECT per
   rule, the phone numbers fetched and validated in Python the same way),

prints each time and the ratio scan / raw SQL (target: <= 3), and rolls the
scan back, leaving the database as it was.

    .venv/bin/python setup/bench_data_quality.py --db crm_bench
"""

# pylint: disable=print-used
import argparse
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CUSTOMER = "p.is_retail_customer AND p.active AND NOT COALESCE(p.crm_anonymised, FALSE)"
# The checks written by hand, independently of crm_dq_rule.py.
RAW_CHECKS = {
    "no_contact": f"""SELECT p.id FROM res_partner p WHERE {CUSTOMER}
        AND COALESCE(btrim(p.phone), '') = '' AND COALESCE(btrim(p.mobile), '') = ''
        AND COALESCE(btrim(p.email), '') = ''""",
    "no_district": f"SELECT p.id FROM res_partner p WHERE {CUSTOMER} AND p.district_id IS NULL",
    # consent and notice gaps: one summary per branch (the scan's issues)
    "no_consent": f"""SELECT p.retail_branch_id FROM res_partner p WHERE {CUSTOMER}
        AND NOT EXISTS (SELECT 1 FROM crm_privacy_consent c WHERE c.partner_id = p.id)
        GROUP BY p.retail_branch_id""",
    "no_pics": f"""SELECT p.retail_branch_id FROM res_partner p WHERE {CUSTOMER}
        AND NOT EXISTS (SELECT 1 FROM crm_privacy_pics_acknowledgement a
                         WHERE a.partner_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM crm_privacy_consent c
                         WHERE c.partner_id = p.id AND c.pics_id IS NOT NULL)
        GROUP BY p.retail_branch_id""",
    "invalid_email": f"""SELECT p.id FROM res_partner p WHERE {CUSTOMER}
        AND COALESCE(btrim(p.email), '') <> '' AND btrim(p.email) !~ %(email_re)s""",
    "placeholder_name": f"""SELECT p.id FROM res_partner p WHERE {CUSTOMER}
        AND lower(btrim(p.name)) ~ %(placeholder_re)s""",
    "future_birthday": f"""SELECT p.id FROM res_partner p WHERE {CUSTOMER}
        AND p.birthday_year > extract(year FROM current_date)""",
    "dup_phone": f"""SELECT id FROM (
        SELECT p.id, min(p.id) OVER (PARTITION BY n.k) AS first_id
          FROM res_partner p,
               LATERAL (VALUES (regexp_replace(p.phone, '\\D', '', 'g')),
                               (regexp_replace(p.mobile, '\\D', '', 'g'))) n(k)
         WHERE {CUSTOMER} AND length(n.k) >= 8) d WHERE id <> first_id""",
    "dup_email": f"""SELECT id FROM (
        SELECT p.id, min(p.id) OVER (PARTITION BY lower(btrim(p.email))) AS first_id
          FROM res_partner p WHERE {CUSTOMER} AND COALESCE(p.email, '') <> '') d
         WHERE id <> first_id""",
    "dup_name": f"""WITH c AS (SELECT p.id, p.district_id, COALESCE(p.birthday_month, 0) m,
                                      COALESCE(p.birthday_day, 0) d, lower(p.name) n,
                                      left(lower(replace(p.name, ' ', '')), 4) k
                                 FROM res_partner p
                                WHERE {CUSTOMER} AND p.district_id IS NOT NULL)
        SELECT b.id FROM c a JOIN c b ON a.district_id = b.district_id
               AND a.m = b.m AND a.d = b.d AND a.id < b.id
         WHERE a.m > 0 AND a.d > 0 AND similarity(a.n, b.n) >= 0.8
        UNION
        SELECT b.id FROM c a JOIN c b ON a.district_id = b.district_id
               AND a.k = b.k AND a.id < b.id
         WHERE (a.m = 0 OR a.d = 0) AND (b.m = 0 OR b.d = 0)
           AND similarity(a.n, b.n) >= 0.8""",
    "line_margin": """SELECT l.id FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
        WHERE o.state = 'sale' AND l.display_type IS NULL AND l.product_uom_qty > 0
          AND l.margin <= 0""",
    "line_below_cost": """SELECT l.id FROM sale_order_line l
        JOIN sale_order o ON o.id = l.order_id
        WHERE o.state = 'sale' AND l.display_type IS NULL
          AND l.price_unit * (1 - COALESCE(l.discount, 0) / 100.0) < l.purchase_price""",
    "line_discount": """SELECT l.id FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
        WHERE o.state = 'sale' AND l.discount > 30""",
    "order_no_customer": """SELECT o.id FROM sale_order o
        LEFT JOIN res_partner p ON p.id = o.partner_id
        WHERE o.state = 'sale' AND (p.id IS NULL OR NOT p.active)""",
    "order_no_branch": """SELECT o.id FROM sale_order o
        WHERE o.state = 'sale' AND o.retail_branch_id IS NULL""",
    "invoice_mismatch": """SELECT m.id FROM account_move m JOIN (
            SELECT aml.move_id, sum(aml.quantity * sol.price_reduce_taxexcl) AS expected
              FROM account_move_line aml
              JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = aml.id
              JOIN sale_order_line sol ON sol.id = r.order_line_id
             WHERE aml.display_type = 'product' GROUP BY aml.move_id) x ON x.move_id = m.id
        WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
          AND abs(m.amount_untaxed - x.expected) > 1""",
}


def raw_sql_checks(conn, dq):
    params = {
        "email_re": dq.EMAIL_REGEX,
        "placeholder_re": dq.placeholder_regex(dq.parse_placeholders(dq.DEFAULT_PLACEHOLDERS)),
    }
    counts = {}
    start = time.perf_counter()
    with conn.cursor() as cr:
        for name, query in RAW_CHECKS.items():
            cr.execute(f"SELECT count(*) FROM ({query}) q", params)
            counts[name] = cr.fetchone()[0]
        # the phone numbers: fetched in batches and validated in Python
        bad, last_id = 0, 0
        while True:
            cr.execute(
                f"""SELECT p.id, p.phone, p.mobile FROM res_partner p
                     WHERE {CUSTOMER} AND p.id > %s ORDER BY p.id LIMIT 50000""",
                (last_id,),
            )
            rows = cr.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            bad += len(dq.invalid_phone_rows(rows))
        counts["invalid_phone"] = bad
    conn.rollback()
    return time.perf_counter() - start, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(REPO, ".odoo-effective.conf"))
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.sql_db import connection_info_for

    odoo.tools.config.parse_config(["-c", args.config, "--log-level", "warn"])
    import psycopg2

    from odoo.addons.crm_retail_compile.lib import data_quality as dq

    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(
            "SELECT count(*) FILTER (WHERE is_retail_customer), "
            "(SELECT count(*) FROM sale_order_line) FROM res_partner"
        )
        customers, lines = cr.fetchone()
        print(f"database {args.db}: {customers} customers, {lines} sale order lines")

        # warm the caches of both sides once
        __, params = connection_info_for(args.db)
        conn = psycopg2.connect(**params)
        raw_sql_checks(conn, dq)

        raw_time, counts = raw_sql_checks(conn, dq)
        conn.close()

        Scan = env["crm.dq.scan"]
        times, durations = [], []
        for __ in range(2):
            start = time.perf_counter()
            scan = Scan._create_scan(trigger="manual")
            scan._run_all()
            env.flush_all()
            times.append(time.perf_counter() - start)
            durations.append({line.rule_id.check: line.duration for line in scan.line_ids})
        found = {line.rule_id.check: line.found_count for line in scan.line_ids}
        cr.rollback()  # leave the database as it was

    print(f"{'check':<20}{'raw SQL':>10}{'scan':>10}{'1st (s)':>10}{'2nd (s)':>10}")
    for name in sorted(counts):
        print(
            f"{name:<20}{counts[name]:>10}{found.get(name, '-'):>10}"
            f"{durations[0].get(name, 0):>10.2f}{durations[1].get(name, 0):>10.2f}"
        )
    print(f"raw SQL checks:            {raw_time:8.2f} s")
    print(f"scan, first (new issues):  {times[0]:8.2f} s  ratio {times[0] / raw_time:5.2f}")
    print(f"scan, steady state:        {times[1]:8.2f} s  ratio {times[1] / raw_time:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
