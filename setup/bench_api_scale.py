#!/usr/bin/env python3
"""Benchmark the integration API on a large database, inside the server.

Each API method is timed as the integration user against the plain ORM call
that writes the same records once the customers are known (the baseline): the
ratio is what finding the customers, checking the input and recording the
call add. Everything is rolled back.

    .venv/bin/python setup/bench_api_scale.py --db crm_big

Why: on a million customers, lookups that are instant on a test database can
turn into table scans (the API's customer lookup by e-mail and its order
lookup by reference both did, at 1-4 s a call).
"""

import argparse
import os
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 1000


def timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def report(label, elapsed, baseline=None, count=BATCH):
    rate = f"{count / elapsed:8,.0f}/s" if count > 1 else f"{elapsed * 1000:8.1f} ms"
    line = f"{label:44s} {elapsed:7.3f} s {rate}"
    if baseline:
        line += f"   plain ORM {baseline:7.3f} s, ratio {elapsed / baseline:5.2f}"
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(REPO, ".odoo-effective.conf"))
    args = parser.parse_args()

    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        root = Environment(cr, odoo.SUPERUSER_ID, {})
        user = root["res.users"].create(
            {
                "name": "Benchmark integration",
                "login": f"bench-api-{uuid.uuid4().hex[:8]}",
                "groups_id": [(6, 0, root.ref("crm_retail_compile.group_integration").ids)],
            }
        )
        env = Environment(cr, user.id, {})
        api, Partner = env["crm.retail.api"], env["res.partner"]
        customers = root["res.partner"].search_read(
            [
                ("is_retail_customer", "=", True),
                ("email", "=like", "%_@_%._%"),
                ("membership_number", "!=", False),
            ],
            ["email", "membership_number"],
            limit=BATCH,
            order="id desc",
        )
        count = root["res.partner"].search_count([("is_retail_customer", "=", True)])
        print(f"database {args.db}: {count:,} retail customers; batches of {BATCH:,}", flush=True)
        tag = uuid.uuid4().hex[:6]

        def new_batch(prefix):
            return [
                {"name": f"Bench {i}", "email": f"{prefix}{i}.{tag}@example.com"}
                for i in range(BATCH)
            ]

        def upsert(batch):
            api._customer_upsert_batch(batch, "atomic")
            env.flush_all()

        def plain_create(batch):
            Partner.create([dict(r, is_retail_customer=True) for r in batch])
            env.flush_all()

        upsert(new_batch("warm"))  # caches, first queries
        report(
            "customer upsert, new",
            timed(lambda: upsert(new_batch("a"))),
            timed(lambda: plain_create(new_batch("b"))),
        )
        resent = [{"email": c["email"]} for c in customers]
        report(
            "customer upsert, resent unchanged",
            timed(lambda: api._customer_upsert_batch(resent, "per_record")),
        )
        activities = [
            {"customer": {"membership_number": c["membership_number"]}, "kind": "visit"}
            for c in customers
        ]

        def plain_activities():
            env["crm.online.activity"].create(
                [
                    {
                        "partner_id": c["id"],
                        "kind": "visit",
                        "activity_date": odoo.fields.Datetime.now(),
                    }
                    for c in customers
                ]
            )
            env.flush_all()

        report(
            "online activity, by membership number",
            timed(lambda: (api._record_activities(activities), env.flush_all())),
            timed(plain_activities),
        )
        consents = [
            {"customer": {"email": c["email"]}, "channel": "email", "kind": "opt_out"}
            for c in customers
        ]
        report(
            "consent opt-outs, by e-mail",
            timed(lambda: (api._consent_record(consents), env.flush_all())),
        )
        product = root["product.product"].search(
            [("sale_ok", "=", True), ("default_code", "!=", False)], limit=1
        )
        line = {"product": product.default_code, "qty": 1, "price_unit": 100}
        order = {"external_ref": f"BENCH-{tag}", "customer": customers[0]["id"], "lines": [line]}

        def plain_order():
            env["sale.order"].create(
                {
                    "partner_id": customers[0]["id"],
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            env.flush_all()

        api._order_record(dict(order, external_ref=f"WARM-{tag}"))
        report(
            "order, new reference",
            timed(lambda: (api._order_record(order), env.flush_all())),
            timed(plain_order),
            count=1,
        )
        report("order, resent reference", timed(lambda: api._order_record(order)), count=1)
        report(
            "customer summary, by e-mail",
            timed(lambda: api.customer_summary({"email": customers[1]["email"]})),
            count=1,
        )
        cr.rollback()


if __name__ == "__main__":
    main()
