"""Benchmark: a day of POS orders recorded into sales events and customer
profit, next to the same number of sale orders.

Usage (on a database with POS orders, e.g. after setup/gen_pos.py):

    .venv/bin/python setup/bench_pos.py --db crm_retail [--day-orders 20000]

For each kind (POS orders, sale orders) it inserts a day of orders with SQL,
copied from existing paid POS orders / confirmed sale orders and dated now
(``bench_sales_events.copy_orders_for_today`` for sale orders), then times
recording their events (one set-based call, as the hourly job and the
hooks run it), the incremental profit refresh, and checks that the events
and the profit equal the orders' own totals to the cent. Everything is
rolled back.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_sales_events import clock, copy_orders_for_today, env_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# columns of the copies that must differ from their source
POS_FRESH = {"id", "name", "date_order", "uuid", "pos_reference", "account_move"}
LINE_FRESH = {"id", "order_id", "uuid", "refunded_orderline_id"}


def _columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        [table],
    )
    return [c for (c,) in cr.fetchall() if c not in skip]


def copy_pos_orders_for_today(cr, count):
    """Insert ``count`` paid POS orders dated now, copied (round robin) from
    the existing paid ones with customers, with their lines and payments."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_pos_src ON COMMIT DROP AS
        WITH src AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total
              FROM pos_order
             WHERE state IN ('paid', 'done') AND partner_id IS NOT NULL AND amount_total > 0)
        SELECT src.id AS src_id, nextval('pos_order_id_seq') AS new_id
          FROM generate_series(0, %s - 1) g
          JOIN src ON src.n = g %% src.total
        """,
        [count],
    )
    cols = _columns(cr, "pos_order", POS_FRESH)
    names = ", ".join(f'"{c}"' for c in cols)
    values = ", ".join(f'o."{c}"' for c in cols)
    # column names come from the catalogue, values never leave the database
    cr.execute(
        f"""
        INSERT INTO pos_order (id, name, date_order, uuid, pos_reference, {names})
        SELECT s.new_id, 'BENCH-' || s.new_id, now() AT TIME ZONE 'UTC',
               gen_random_uuid()::text, 'BENCH-' || s.new_id, {values}
          FROM bench_pos_src s JOIN pos_order o ON o.id = s.src_id
        """
    )
    cols = _columns(cr, "pos_order_line", LINE_FRESH)
    names = ", ".join(f'"{c}"' for c in cols)
    values = ", ".join(f'l."{c}"' for c in cols)
    cr.execute(
        f"""
        INSERT INTO pos_order_line (order_id, uuid, {names})
        SELECT s.new_id, gen_random_uuid()::text, {values}
          FROM bench_pos_src s JOIN pos_order_line l ON l.order_id = s.src_id
        """
    )
    cr.execute("SELECT array_agg(new_id) FROM bench_pos_src")
    return cr.fetchone()[0] or []


def copy_sale_orders_for_today(cr, count):
    """``copy_orders_for_today`` until ``count`` orders (a small database has
    fewer confirmed orders than a day of the benchmark: copies of copies)."""
    ids = []
    while len(ids) < count:
        new = copy_orders_for_today(cr, count - len(ids))
        cr.execute("DROP TABLE bench_src")
        if not new:
            break
        ids += new
    return ids


def check(cr, label, totals_sql, ids):
    """The day's events and profit against the orders' own totals."""
    cr.execute(totals_sql, [ids])
    revenue, cost = cr.fetchone()
    key = "pos_order_id" if label == "POS" else "order_id"
    cr.execute(
        f"""SELECT COALESCE(SUM(booked_revenue), 0), COALESCE(SUM(booked_cost), 0)
              FROM crm_sales_event WHERE {key} = ANY(%s)""",
        [ids],
    )
    ev_revenue, ev_cost = cr.fetchone()
    ok = abs(ev_revenue - revenue) < 0.005 and abs(ev_cost - cost) < 0.005
    print(
        f"  {label}: orders {revenue:,.2f} / cost {cost:,.2f}; events {ev_revenue:,.2f} / "
        f"{ev_cost:,.2f}: {'OK' if ok else 'MISMATCH'}"
    )
    return ok


def profit_reconciles(cr):
    cr.execute(
        "SELECT (SELECT COALESCE(SUM(revenue), 0) FROM crm_sales_event"
        "         WHERE is_revenue AND partner_id IS NOT NULL),"
        " (SELECT COALESCE(SUM(revenue), 0) FROM crm_customer_profit)"
    )
    events, profit = cr.fetchone()
    return abs(events - profit) < 0.01, events, profit


def run_kind(env, cr, label, copy, record, count):
    Profit = env["crm.customer.profit"]
    started = time.perf_counter()
    ids = copy(cr, count)
    inserted = time.perf_counter() - started
    print(f"{label}: {len(ids):,} orders inserted in {inserted:.2f}s")
    t_events, events = clock(f"  {label}: recording their events", lambda: record(ids))
    t_profit, cells = clock(f"  {label}: incremental profit refresh (cells)", Profit._refresh)
    return ids, {"orders": len(ids), "events": events, "events_s": t_events,
                 "cells": cells, "profit_s": t_profit}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--day-orders", type=int, default=20000)
    args = parser.parse_args()
    env, cr = env_for(args.db, args.config)
    Event = env["crm.sales.event"]
    try:
        cr.execute(
            "SELECT (SELECT COUNT(*) FROM pos_order), (SELECT COUNT(*) FROM sale_order),"
            " (SELECT COUNT(*) FROM crm_sales_event)"
        )
        pos, sale, events = cr.fetchone()
        print(f"database {args.db}: {pos:,} POS orders, {sale:,} sale orders, {events:,} events")
        # what is already there is recorded first (not timed with the day)
        Event._sync_all()
        env["crm.customer.profit"]._refresh()
        results = {}
        pos_ids, results["POS orders"] = run_kind(
            env, cr, "POS", copy_pos_orders_for_today,
            lambda ids: Event._sync_pos_events(pos_order_ids=ids), args.day_orders,
        )  # fmt: skip
        ok = check(
            cr,
            "POS",
            """SELECT COALESCE(SUM(l.price_subtotal), 0), COALESCE(SUM(l.total_cost), 0)
                 FROM pos_order_line l WHERE l.order_id = ANY(%s)""",
            pos_ids,
        )
        sale_ids, results["sale orders"] = run_kind(
            env, cr, "sale", copy_sale_orders_for_today,
            lambda ids: Event._sync_order_events(order_ids=ids), args.day_orders,
        )  # fmt: skip
        ok &= check(
            cr,
            "sale",
            """SELECT COALESCE(SUM(amount_untaxed), 0),
                      COALESCE(SUM(amount_untaxed - COALESCE(margin, 0)), 0)
                 FROM sale_order WHERE id = ANY(%s)""",
            sale_ids,
        )
        same, events_total, profit_total = profit_reconciles(cr)
        ok &= same
        print(
            f"profit table: events {events_total:,.2f} = profit {profit_total:,.2f}: "
            f"{'OK' if same else 'MISMATCH'}"
        )
        print()
        print(f"{'a day of':<14}{'orders':>9}{'events':>9}{'record s':>10}"
              f"{'ms/1k':>8}{'cells':>8}{'profit s':>10}")  # fmt: skip
        for kind, r in results.items():
            ms_per_k = r["events_s"] * 1e6 / max(r["orders"], 1)  # ms per 1,000 orders
            print(
                f"{kind:<14}{r['orders']:>9,}{r['events']:>9,}{r['events_s']:>10.2f}"
                f"{ms_per_k:>8.0f}{r['cells']:>8,}{r['profit_s']:>10.2f}"
            )
        print("all figures reconcile to the cent" if ok else "MISMATCH")
        return 0 if ok else 1
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    sys.exit(main())
