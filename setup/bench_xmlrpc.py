"""Benchmark the XML-RPC integration: batch upsert rate, and what the suite
adds to plain create/write of customers, leads and sale orders compared with
stock Odoo, measured side by side on two servers.

Usage:
    .venv/bin/python setup/bench_xmlrpc.py [--suite-db bench_suite] [--stock-db bench_stock]
        [--n 200] [--batches 5]

Missing databases are created: the suite's with the three add-ons, the stock
one with the same Odoo apps but none of ours (no demo data in either). Both
servers run with one worker thread on a free local port.

Targets: batch upsert >= 1,000 customers/s; suite overhead <= 15 %.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from conftest import OdooServer, _free_port

SUITE = "crm_privacy_pdpo,crm_retail_compile,crm_jewellery_ext"
# the same Odoo apps as the suite, without the suite
STOCK = (
    "contacts,crm,sale_crm,sale_margin,sale_stock,mass_mailing_sms,privacy_lookup,portal,"
    "repair,rating,sale_sms,auto_backup"
)


def ensure_db(config, db, modules):
    exists = subprocess.run(
        ["psql", "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists:
        return
    print(f"creating {db} with {modules} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config,
            "-d",
            db,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
        cwd=ROOT,
    )


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def crud_workload(client, n, tag):
    """Plain ORM calls a POS or e-shop makes one record at a time."""
    product = client("product.product", "create", {"name": f"Bench {tag}", "list_price": 100})

    def run():
        key = uuid.uuid4().hex[:8]
        partners = [
            client(
                "res.partner",
                "create",
                {"name": f"P {key} {i}", "email": f"p{i}.{key}@example.com"},
            )
            for i in range(n)
        ]
        for pid in partners:
            client("res.partner", "write", [pid], {"phone": "+852 9123 4567"})
        leads = [
            client("crm.lead", "create", {"name": f"L {key} {i}", "partner_id": pid})
            for i, pid in enumerate(partners)
        ]
        for lead in leads:
            client("crm.lead", "write", [lead], {"expected_revenue": 1000})
        orders = [
            client(
                "sale.order",
                "create",
                {
                    "partner_id": pid,
                    "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
                },
            )
            for pid in partners[: n // 2]
        ]
        for order in orders:
            client("sale.order", "write", [order], {"note": "bench"})

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--suite-db", default="bench_suite")
    parser.add_argument("--stock-db", default="bench_stock")
    parser.add_argument("--n", type=int, default=100, help="records per workload round")
    parser.add_argument("--batches", type=int, default=5, help="batches of 1,000 to upsert")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of the plain workload")
    args = parser.parse_args()
    ensure_db(args.config, args.suite_db, SUITE)
    ensure_db(args.config, args.stock_db, STOCK)
    suite = OdooServer(args.suite_db, args.config, _free_port()).start()
    stock = OdooServer(args.stock_db, args.config, _free_port()).start()
    try:
        tag = uuid.uuid4().hex[:6]
        suite_admin, stock_admin = suite.client("admin", "admin"), stock.client("admin", "admin")
        # 1. batch upsert rate (as the administrator: rights are not the point here).
        # Batch 0 warms both servers up (caches, first queries) and is not
        # counted; its time is printed on its own.
        total, elapsed, stock_elapsed = 0, 0.0, 0.0
        for b in range(args.batches + 1):
            batch = [
                {
                    "name": f"Upsert {b}-{i}",
                    "email": f"u{b}.{i}.{tag}@example.com",
                    "channel": "online",
                }
                for i in range(1000)
            ]
            start = time.perf_counter()
            out = suite_admin("crm.retail.api", "customer_upsert_batch", batch)
            suite_time = time.perf_counter() - start
            # the baseline: stock Odoo's own batch create of the same customers
            plain = [{"name": r["name"], "email": r["email"]} for r in batch]
            start = time.perf_counter()
            stock_admin("res.partner", "create", plain)
            stock_time = time.perf_counter() - start
            if b == 0:
                print(
                    f"first batch after start (not counted): suite {suite_time:.2f}s, "
                    f"stock {stock_time:.2f}s"
                )
                continue
            elapsed += suite_time
            stock_elapsed += stock_time
            total += out["created"] + out["updated"]
        rate, stock_rate = total / elapsed, total / stock_elapsed
        print(
            f"batch upsert, new customers: {total} in {elapsed:.2f}s = {rate:,.0f}/s "
            f"(target >= 1,000/s); stock res.partner.create of the same records: "
            f"{stock_rate:,.0f}/s; ratio {rate / stock_rate:.2f}"
        )
        # the same batch again: all updates, nothing changed (a resent sync)
        start = time.perf_counter()
        suite_admin("crm.retail.api", "customer_upsert_batch", batch)
        print(f"batch upsert, resent unchanged: {1000 / (time.perf_counter() - start):,.0f}/s")
        # one change for all (a new tier): one write
        start = time.perf_counter()
        suite_admin(
            "crm.retail.api", "customer_upsert_batch", [dict(r, tier="gold") for r in batch]
        )
        print(f"batch upsert, same change for all: {1000 / (time.perf_counter() - start):,.0f}/s")
        # a different change for each (new names): one write per customer
        start = time.perf_counter()
        suite_admin(
            "crm.retail.api",
            "customer_upsert_batch",
            [dict(r, name=r["name"] + " (renamed)") for r in batch],
        )
        print(f"batch upsert, a change each: {1000 / (time.perf_counter() - start):,.0f}/s")
        # 2. overhead on plain create/write, side by side, interleaved
        # the same number of rounds each, alternating, best of each: the
        # machine's load drifts, and it must not favour either side
        stock_run, suite_run = (
            crud_workload(stock_admin, args.n, tag),
            crud_workload(suite_admin, args.n, tag),
        )
        stock_times, suite_times = [], []
        for _round in range(args.rounds):
            stock_times.append(timed(stock_run))
            suite_times.append(timed(suite_run))
        t_stock, t_suite = min(stock_times), min(suite_times)
        overhead = 100 * (t_suite / t_stock - 1)
        calls = args.n * 4 + args.n
        print(
            f"plain create/write of customers, leads and orders ({calls} calls): "
            f"stock {t_stock:.2f}s, suite {t_suite:.2f}s, ratio {t_suite / t_stock:.2f} "
            f"= {overhead:+.1f}% (target <= +15%)"
        )
    finally:
        suite.stop()
        stock.stop()


if __name__ == "__main__":
    main()
