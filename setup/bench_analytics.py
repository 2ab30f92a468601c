#!/usr/bin/env python3
"""Benchmark of the customer analytics.

Fits BG/NBD and Gamma-Gamma on N synthetic customers (seeded numpy arrays
drawn from known parameters, ages in whole days up to two years, as the
database summary gives them) and prints the fit times and the recovered
parameters. With --db, also times on that database the RFM refresh (a full
one, then a day of 5,000 new orders and the next night's incremental refresh
against a full recompute of that night), the affinity refresh and the
forecast refresh. Everything is rolled back, except with --keep the full
refresh, affinities and forecasts (never the simulated orders).

With --nightly (issue 19, analytics in their own table), times on that
database the night after a day of 5,000 orders: the incremental RFM refresh
and the forecast refresh, the rows each writes in res_partner and in
crm_customer_analytics, the size of res_partner and its indexes, and the
batch upsert of 1,000 new customers inside the server as the integration
user next to a plain batched create. ``--save FILE`` keeps the figures,
``--compare FILE`` prints them side by side with saved ones (before/after a
migration). ``--prime`` first runs and commits a full refresh (a database
whose customers were never scored). Everything else is rolled back.

    .venv/bin/python setup/bench_analytics.py --customers 1000000
    .venv/bin/python setup/bench_analytics.py --customers 0 --db crm_bench
    .venv/bin/python setup/bench_analytics.py --customers 0 --db crm_bench_an \
        --nightly --save /tmp/before.json
"""

import argparse
import datetime
import json
import os
import sys
import time
import uuid

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "crm_retail_compile", "lib"))

from analytics import btyd

TRUE_BGNBD = (0.25, 4.0, 0.8, 2.5)
TRUE_GG = (6.0, 4.0, 15.0)
# orders of the simulated day before the nightly RFM refresh
DAY_ORDERS = 5000
FIT_TARGET = 60.0


def bench_fit(n, seed):
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    T_days = rng.integers(1, 730, n)
    x, t_x = btyd.simulate_bgnbd(TRUE_BGNBD, T_days / 7.0, rng)
    # whole days, as the database summary gives them
    t_x = np.floor(t_x * 7.0) / 7.0
    T = T_days / 7.0
    m = btyd.simulate_gamma_gamma(TRUE_GG, x, rng)
    print(
        f"generated {n:,} customers in {time.perf_counter() - started:.1f} s "
        f"({np.count_nonzero(x):,} repeat buyers)"
    )
    started = time.perf_counter()
    bgnbd = btyd.fit_bgnbd(x, t_x, T)
    bg_time = time.perf_counter() - started
    started = time.perf_counter()
    gg = btyd.fit_gamma_gamma(x, m)
    gg_time = time.perf_counter() - started
    started = time.perf_counter()
    btyd.predict(bgnbd, gg, x, t_x, T, m, 90 / 7.0)
    predict_time = time.perf_counter() - started
    print(
        f"BG/NBD fit      {bg_time:6.1f} s  r={bgnbd['r']:.4f} alpha={bgnbd['alpha']:.4f} "
        f"a={bgnbd['a']:.4f} b={bgnbd['b']:.4f} LL={bgnbd['loglik']:.1f} "
        f"(true {TRUE_BGNBD})"
    )
    print(
        f"Gamma-Gamma fit {gg_time:6.1f} s  p={gg['p']:.4f} q={gg['q']:.4f} "
        f"gamma={gg['gamma']:.4f} (true {TRUE_GG})"
    )
    print(f"prediction      {predict_time:6.1f} s  (expected purchases, spend, P(alive))")
    total = bg_time + gg_time
    verdict = "OK" if total <= FIT_TARGET else "ABOVE TARGET"
    print(f"total fit time  {total:6.1f} s  (target <= {FIT_TARGET:.0f} s: {verdict})")


def bench_db(db, config, keep=False):
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", config, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        Partner = _analytics_model(env)
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE is_retail_customer")
        customers = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM crm_sales_event WHERE is_revenue")
        events = cr.fetchone()[0]
        print(f"database {db}: {customers:,} retail customers, {events:,} revenue events")
        today = Partner._analytics_today()
        tomorrow = today + datetime.timedelta(days=1)

        def timed(label, call):
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
            print(f"{label:28s} {elapsed:6.1f} s  ({result} rows changed)")
            return elapsed

        timed("RFM full refresh", lambda: Partner._analytics_refresh_rfm(today=today, full=True))
        timed("affinity refresh", env["crm.category.affinity"]._refresh)
        timed("forecast refresh", Partner._analytics_refresh_forecast)
        if keep:
            cr.commit()  # commit because --keep keeps the segments for the report benchmark
        # the nightly case: a day of new orders, then the incremental refresh
        # (recomputes the customers with new purchases or purchases leaving
        # the window, rescores everyone) against a full recompute of that day;
        # the simulated orders are always rolled back
        cr.execute(
            """
            INSERT INTO crm_sales_event (event_type, event_date, name, partner_id, revenue,
                   cost, margin, is_revenue, company_id, currency_id, retail_branch_id,
                   create_uid, create_date, write_uid, write_date)
            SELECT 'order_confirmed', %s, 'bench', partner_id, revenue, cost, margin, TRUE,
                   company_id, currency_id, retail_branch_id, 1, now(), 1, now()
              FROM crm_sales_event TABLESAMPLE SYSTEM (1)
             WHERE is_revenue AND event_type = 'order_confirmed'
             LIMIT %s
            """,
            (datetime.datetime.combine(tomorrow, datetime.time(4)), DAY_ORDERS),
        )
        print(f"recorded a day of {cr.rowcount:,} orders")
        nightly = timed(
            "RFM next day (incremental)", lambda: Partner._analytics_refresh_rfm(today=tomorrow)
        )
        full = timed(
            "RFM next day (full, same day)",
            lambda: Partner._analytics_refresh_rfm(today=tomorrow, full=True),
        )
        print(f"incremental / full: {nightly / full:.2f} (the full run finds nothing left to do)")
        cr.rollback()


def _writes(cr):
    """Rows inserted and updated so far in this transaction, per table."""
    cr.execute(
        """SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables
            WHERE relname IN ('res_partner', 'crm_customer_analytics')"""
    )
    return dict(cr.fetchall())


def _sizes(cr):
    cr.execute(
        """SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid),
                  (SELECT COUNT(*) FROM pg_index i WHERE i.indrelid = c.oid)
             FROM pg_class c
            WHERE c.relname IN ('res_partner', 'crm_customer_analytics') AND c.relkind = 'r'"""
    )
    return {name: (table, index, count) for name, table, index, count in cr.fetchall()}


def _analytics_model(env):
    """The model holding the refresh (res.partner before issue 19)."""
    if "crm.customer.analytics" in env:
        return env["crm.customer.analytics"]
    return env["res.partner"]


def bench_nightly(db, config, prime=False):
    """The nightly refresh and the batch upsert; returns the figures."""
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", config, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    figures = {"load": os.getloadavg()[0]}
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        Analytics = _analytics_model(env)
        today = Analytics._analytics_today()
        tomorrow = today + datetime.timedelta(days=1)
        load = figures["load"]
        print(f"database {db}: refresh on {Analytics._name}, load {load:.1f}", flush=True)

        def timed(key, call):
            before = _writes(cr)
            started = time.perf_counter()
            result = call()
            figures[key] = time.perf_counter() - started
            after = _writes(cr)
            for table in ("res_partner", "crm_customer_analytics"):
                figures[f"{key} rows {table}"] = after.get(table, 0) - before.get(table, 0)
            print(
                f"{key:32s} {figures[key]:7.1f} s  (returned {result}; rows written "
                f"res_partner {figures[f'{key} rows res_partner']:,}, "
                f"crm_customer_analytics {figures[f'{key} rows crm_customer_analytics']:,})",
                flush=True,
            )
            return result

        if prime:
            refresh_rfm = Analytics._analytics_refresh_rfm
            refresh_forecast = Analytics._analytics_refresh_forecast
            timed("prime RFM full", lambda: refresh_rfm(today=today, full=True))
            timed("prime forecast", lambda: bool(refresh_forecast(today=today)))
            # commit: the primed figures are the state the timed nights start
            # from (and survive a failure of a later step of the benchmark)
            cr.commit()
        for name, (table, index, count) in sorted(_sizes(cr).items()):
            figures[f"size {name} table MB"] = table / 2**20
            figures[f"size {name} indexes MB"] = index / 2**20
            figures[f"size {name} index count"] = count
            print(f"{name}: table {table / 2**20:,.0f} MB, {count} indexes {index / 2**20:,.0f} MB")
        cr.execute(
            """
            INSERT INTO crm_sales_event (event_type, event_date, name, partner_id, revenue,
                   cost, margin, is_revenue, company_id, currency_id, retail_branch_id,
                   create_uid, create_date, write_uid, write_date)
            SELECT 'order_confirmed', %s, 'bench', partner_id, revenue, cost, margin, TRUE,
                   company_id, currency_id, retail_branch_id, 1, now(), 1, now()
              FROM crm_sales_event TABLESAMPLE SYSTEM (1)
             WHERE is_revenue AND event_type = 'order_confirmed'
             LIMIT %s
            """,
            (datetime.datetime.combine(tomorrow, datetime.time(4)), DAY_ORDERS),
        )
        print(f"recorded a day of {cr.rowcount:,} orders", flush=True)
        timed("nightly RFM", lambda: Analytics._analytics_refresh_rfm(today=tomorrow))
        timed(
            "nightly forecast",
            lambda: bool(Analytics._analytics_refresh_forecast(today=tomorrow)),
        )
        cr.rollback()

        # batch upsert of new customers as the integration user
        user = env["res.users"].create(
            {
                "name": "Benchmark integration",
                "login": f"bench-an-{uuid.uuid4().hex[:8]}",
                "groups_id": [(6, 0, env.ref("crm_retail_compile.group_integration").ids)],
            }
        )
        uenv = Environment(cr, user.id, {})
        api, Partner = uenv["crm.retail.api"], uenv["res.partner"]
        tag = uuid.uuid4().hex[:6]

        def batch(prefix):
            return [
                {"name": f"Bench {i}", "email": f"{prefix}{i}.{tag}@example.com"}
                for i in range(1000)
            ]

        def upsert(records):
            api._customer_upsert_batch(records, "atomic")
            uenv.flush_all()

        def create(records):
            Partner.create([dict(r, is_retail_customer=True) for r in records])
            uenv.flush_all()

        upsert(batch("warm"))
        for key, call in (("upsert 1,000 new", upsert), ("plain create 1,000", create)):
            rounds = []
            for round_ in range(3):
                started = time.perf_counter()
                call(batch(f"{key[:1]}{round_}-"))
                rounds.append(time.perf_counter() - started)
            figures[key] = min(rounds)
            print(
                f"{key:32s} {figures[key]:7.3f} s  ({1000 / figures[key]:,.0f}/s, best of 3)",
                flush=True,
            )
        cr.rollback()
    figures["load end"] = os.getloadavg()[0]
    return figures


def compare(before, after):
    print(f"\n{'figure':44s} {'before':>12s} {'after':>12s} {'after/before':>12s}")
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        ratio = f"{new / old:12.2f}" if old and new is not None else f"{'-':>12s}"
        cells = [f"{v:12,.2f}" if v is not None else f"{'-':>12s}" for v in (old, new)]
        print(f"{key:44s} {cells[0]} {cells[1]} {ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="also time the refreshes on this database")
    parser.add_argument("--config", default=os.path.join(REPO, ".odoo-effective.conf"))
    parser.add_argument(
        "--keep",
        action="store_true",
        help="commit the full refresh, affinities and forecasts (not the simulated day)",
    )
    parser.add_argument("--nightly", action="store_true", help="the nightly refresh and upsert")
    parser.add_argument("--prime", action="store_true", help="commit a full refresh first")
    parser.add_argument("--save", help="write the --nightly figures to this JSON file")
    parser.add_argument("--compare", help="print the --nightly figures beside these")
    args = parser.parse_args()
    if args.nightly:
        figures = bench_nightly(args.db, args.config, prime=args.prime)
        if args.save:
            with open(args.save, "w", encoding="utf-8") as out:
                json.dump(figures, out, indent=1)
        if args.compare:
            with open(args.compare, encoding="utf-8") as saved:
                compare(json.load(saved), figures)
        return
    if args.customers:
        bench_fit(args.customers, args.seed)
    if args.db:
        bench_db(args.db, args.config, args.keep)


if __name__ == "__main__":
    main()
