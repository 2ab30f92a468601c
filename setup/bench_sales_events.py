"""Benchmark the sales-cycle record and the customer profit table.

Usage (on a database filled by setup/generate_data.py):

    .venv/bin/python setup/bench_sales_events.py --db crm_bench [--day-orders 5000]

Prints:
  1. the backfill of sales events for everything already in the database
     (set-based; runs and is committed when confirmed orders lack events),
     and a second, idempotent run that must record nothing;
  2. a full build of the customer profit table;
  3. a day of new confirmed orders (copies of existing orders dated today,
     inserted with SQL): recording their events, then the incremental profit
     refresh (target: seconds, not minutes), and a check that the profit
     table still reconciles with the events.
Work of step 3 is rolled back unless --keep is given.
"""

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_for(db, config):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    cr = Registry(db).cursor()
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), cr


def clock(label, func):
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(
        f"{label}: {elapsed:.2f}s" + (f" ({result:,})" if isinstance(result, int) else ""),
        flush=True,
    )
    return elapsed, result


def copy_orders_for_today(cr, count):
    """Insert ``count`` confirmed orders dated now, copied from existing ones."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_src ON COMMIT DROP AS
        SELECT id AS src_id, nextval('sale_order_id_seq') AS new_id
          FROM sale_order WHERE state = 'sale' ORDER BY random() LIMIT %s
        """,
        [count],
    )
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'sale_order' AND column_name NOT IN ('id', 'name', 'date_order')
        """
    )
    order_cols = [r[0] for r in cr.fetchall()]
    cols = ", ".join(f'"{c}"' for c in order_cols)
    src_cols = ", ".join(f'o."{c}"' for c in order_cols)
    # column names come from the catalogue, values never leave the database
    cr.execute(
        f"""
        INSERT INTO sale_order (id, name, date_order, {cols})
        SELECT s.new_id, 'BENCH-' || s.new_id, now() AT TIME ZONE 'UTC', {src_cols}
          FROM bench_src s JOIN sale_order o ON o.id = s.src_id
        """
    )
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'sale_order_line' AND column_name NOT IN ('id', 'order_id')
        """
    )
    line_cols = [r[0] for r in cr.fetchall()]
    cols = ", ".join(f'"{c}"' for c in line_cols)
    src_cols = ", ".join(f'l."{c}"' for c in line_cols)
    cr.execute(
        f"""
        INSERT INTO sale_order_line (order_id, {cols})
        SELECT s.new_id, {src_cols}
          FROM bench_src s JOIN sale_order_line l ON l.order_id = s.src_id
        """
    )
    cr.execute("SELECT array_agg(new_id) FROM bench_src")
    return cr.fetchone()[0] or []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--day-orders", type=int, default=5000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    env, cr = env_for(args.db, args.config)
    Event, Profit = env["crm.sales.event"], env["crm.customer.profit"]
    try:
        cr.execute("SELECT COUNT(*) FROM sale_order_line")
        lines = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE is_retail_customer")
        print(f"database {args.db}: {cr.fetchone()[0]:,} customers, {lines:,} sale lines")
        # backfill when confirmed orders have no recorded event yet (generated
        # data is inserted with SQL; demo data may already have a few events)
        cr.execute(
            "SELECT EXISTS (SELECT 1 FROM sale_order so WHERE so.state = 'sale' AND NOT EXISTS"
            " (SELECT 1 FROM crm_sales_event e WHERE e.order_id = so.id))"
        )
        if cr.fetchone()[0]:
            clock("backfill of sales events", Event._sync_all)
            clock("full profit build", lambda: Profit._refresh(full=True))
            cr.commit()  # commit: the benchmark database keeps its backfilled events
        clock("second backfill run (must record 0)", Event._sync_all)
        cr.rollback()
        order_ids = copy_orders_for_today(cr, args.day_orders)
        print(f"a day of new orders: {len(order_ids):,} orders inserted")
        clock("recording their events", lambda: Event._sync_order_events(order_ids=order_ids))
        clock("incremental profit refresh (cells)", Profit._refresh)
        cr.execute(
            "SELECT (SELECT COALESCE(SUM(revenue), 0) FROM crm_sales_event WHERE is_revenue),"
            " (SELECT COALESCE(SUM(revenue), 0) FROM crm_customer_profit)"
        )
        events_total, profit_total = cr.fetchone()
        status = "OK" if abs(events_total - profit_total) < 0.01 else "MISMATCH"
        print(f"reconciliation: events {events_total:,.2f} = profit {profit_total:,.2f}: {status}")
        if args.keep:
            cr.commit()  # commit: --keep asks to keep the day of orders
        else:
            cr.rollback()
    finally:
        cr.close()


if __name__ == "__main__":
    main()
