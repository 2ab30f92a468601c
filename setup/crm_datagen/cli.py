"""Command line of ``setup/generate_data.py``: options, checks and the run.

:func:`parse_args` reads the options (see ``--help``); :func:`main` opens
the database, refuses one that already has generated data unless
``--append``, runs :func:`generate.generate` in one transaction, commits,
analyzes the tables and prints the row counts (and runs ``--verify``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from .branches import existing_generated_data
from .database import open_registry, orm_env, read_db_config
from .generate import generate
from .indexes import analyze
from .settings import DEFAULT_CONFIG, JEWELLERY_AUTO_MAX_CUSTOMERS, MEMBERSHIP_PREFIX, TZ_HK
from .verify import verify


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Generate deterministic Hong Kong retail CRM data (customers, products, "
        "sale orders) in an Odoo database where crm_retail_compile is installed.",
    )
    parser.add_argument("--db", required=True, help="database name")
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        help="rendered Odoo configuration (db_host, db_port, db_user, "
        "db_password); default %(default)s",
    )
    parser.add_argument("--customers", type=int, default=2000, help="default %(default)s")
    parser.add_argument(
        "--lines", type=int, default=20000, help="sale order lines, default %(default)s"
    )
    parser.add_argument(
        "--months",
        type=int,
        default=24,
        help="orders spread over the last N months, default %(default)s",
    )
    parser.add_argument("--products", type=int, default=200, help="default %(default)s")
    parser.add_argument(
        "--salespeople", type=int, default=4, help="salespeople per branch, default %(default)s"
    )
    parser.add_argument("--seed", type=int, default=42, help="default %(default)s")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        help="last day of the period (YYYY-MM-DD), default today in Hong Kong",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add data although the database already has generated data",
    )
    parser.add_argument(
        "--verify", action="store_true", help="after generating, compare random orders with the ORM"
    )
    parser.add_argument(
        "--defer-indexes",
        choices=["auto", "yes", "no"],
        default="auto",
        help="drop the non-unique indexes of res_partner, sale_order and sale_order_line "
        "during the load and rebuild them before the commit (same transaction; the tables "
        "stay locked meanwhile); auto: when generating at least 1,000,000 lines or "
        "200,000 customers",
    )
    parser.add_argument(
        "--jewellery",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also generate branch managers, consents, custom orders, repairs, certificates, "
        "anniversaries, wish lists, calls, online activity, reviews, deliveries, invoices "
        "and payments (setup/gen_jewellery.py); auto: up to "
        f"{JEWELLERY_AUTO_MAX_CUSTOMERS:,} customers",
    )
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="only compare already generated orders with the ORM",
    )
    args = parser.parse_args(argv)
    for name in ("customers", "lines", "products", "salespeople"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must not be negative")
    if args.months < 1:
        parser.error("--months must be at least 1")
    if args.products < 1:
        parser.error("--products must be at least 1")
    if args.salespeople < 1:
        parser.error("--salespeople must be at least 1")
    if args.lines and not args.customers:
        parser.error("sale order lines are generated for new customers: use --customers > 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    db_options = read_db_config(args.config)
    print(
        f"Database {args.db} on {db_options['db_host'] or 'local socket'}:"
        f"{db_options['db_port'] or 5432} as {db_options['db_user'] or 'current user'}."
    )
    started = time.monotonic()
    import psycopg2

    try:
        registry = open_registry(args.config, args.db)
    except psycopg2.OperationalError as exc:
        raise SystemExit(f"Cannot open database {args.db}: {exc}") from exc
    if "crm.retail.branch" not in registry:
        raise SystemExit(f"crm_retail_compile is not installed in {args.db}.")
    if args.verify_only:
        return 0 if verify(registry, args.seed) else 1

    from zoneinfo import ZoneInfo

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    today = args.today or now.astimezone(ZoneInfo(TZ_HK)).date()
    if today > now.astimezone(ZoneInfo(TZ_HK)).date():
        raise SystemExit("--today cannot be in the future.")
    if args.today:
        end_of_day = dt.datetime.combine(today, dt.time(23, 59, 59), ZoneInfo(TZ_HK))
        now = min(now, end_of_day.astimezone(dt.timezone.utc))

    with registry.cursor() as cr:
        env = orm_env(cr)
        customers, users = existing_generated_data(env, args.salespeople)
        if (customers or users) and not args.append:
            print(
                f"{args.db} already has generated data ({customers} customers with a "
                f"{MEMBERSHIP_PREFIX}... membership number, {users} sales.* users). "
                "Use --append to add more, or start from a fresh database.",
                file=sys.stderr,
            )
            return 2
        vacuum, counts = generate(env, args, today, now)
        print("Committing...", flush=True)
        cr.commit()  # commit: writing the generated data is the purpose of this script
    analyze(registry, vacuum)
    elapsed = time.monotonic() - started
    print(f"Done in {elapsed:.1f}s:")
    for table, count in counts.items():
        print(f"  {table:<22} {count:>12,}")
    with registry.cursor() as cr:
        cr.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size          {cr.fetchone()[0]:>12}")
    if args.verify:
        return 0 if verify(registry, args.seed) else 1
    return 0
