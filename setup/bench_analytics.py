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

    .venv/bin/python setup/bench_analytics.py --customers 1000000
    .venv/bin/python setup/bench_analytics.py --customers 0 --db crm_bench
"""

import argparse
import datetime
import os
import sys
import time

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
        Partner = env["res.partner"]
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
    args = parser.parse_args()
    if args.customers:
        bench_fit(args.customers, args.seed)
    if args.db:
        bench_db(args.db, args.config, args.keep)


if __name__ == "__main__":
    main()
