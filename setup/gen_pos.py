"""Point of Sale demo (issue 21): a till per shop and a few months of sales.

    .venv/bin/python setup/gen_pos.py --db crm_retail [--months 3] [--seed 7]

For every active branch that is a shop (not the online store) it creates a
point of sale of that branch, with its own cash method and a shared card
method, and then, through Odoo's own flows, one session a fortnight per shop
(``--session-days``): opened by a staff member of the branch, the period's
orders sent the way the till sends them (``pos.order.sync_from_ui``, in one
call per session: payments and costs by Odoo), some to anonymous walk-in
customers, a few refunds of an earlier sale, and closed
(``action_pos_session_closing_control``: Odoo's accounting entries and one
stock picking a session, the shops updating stock at the closing).
Orders go to the shop's customers (home branch) with the products generated
by ``generate_data.py`` at their price; the orders are dated over the period,
the sessions' opening and closing too.

Sales events and customer profit follow by the suite's own hooks (and
``prepare_demo.py``'s nightly run). Deterministic for a seed and ``--today``.
Idempotent: shops whose tills already have orders are left alone.
"""

import argparse
import datetime as dt
import os
import sys
import threading
import time
import uuid

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STREAM_POS = 60  # numpy stream of this part (gen_jewellery.py uses 40..59)
ANONYMOUS_SHARE = 0.3
REFUND_SHARE = 0.04
CARD_SHARE = 0.65


def setup_tills(env):
    """A point of sale per shop branch: {branch: pos.config}."""
    Branch = env["crm.retail.branch"]
    shops = Branch.search([("is_online", "=", False)], order="code")
    Config = env["pos.config"]
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
    )
    Method = env["pos.payment.method"]
    card = Method.search([("name", "=", "Card (EPS / credit card)")], limit=1) or Method.create(
        {"name": "Card (EPS / credit card)", "journal_id": bank.id}
    )
    tills = {}
    for shop in shops:
        till = Config.search([("retail_branch_id", "=", shop.id)], limit=1)
        if not till:
            code = f"CSH{shop.code}"[:5].upper()
            journal = env["account.journal"].create(
                {"name": f"Cash {shop.name}", "type": "cash", "code": code}
            )
            cash = Method.create({"name": f"Cash {shop.name}", "journal_id": journal.id})
            till = Config.create(
                {
                    "name": f"{shop.name} Shop",
                    "retail_branch_id": shop.id,
                    "payment_method_ids": [(6, 0, (cash | card).ids)],
                }
            )
        tills[shop] = till
    return tills


def load_data(env, shops):
    """Customers by home branch, staff by branch, and the sellable products."""
    cr = env.cr
    cr.execute(
        """SELECT retail_branch_id, array_agg(id ORDER BY id) FROM res_partner
            WHERE is_retail_customer AND active AND retail_branch_id = ANY(%s)
            GROUP BY 1""",
        [[s.id for s in shops]],
    )
    customers = dict(cr.fetchall())
    staff = {}
    for shop in shops:
        users = env["res.users"].search(
            [("retail_branch_ids", "in", shop.id), ("share", "=", False)], order="id"
        )
        staff[shop] = users.filtered(lambda u: u.has_group("point_of_sale.group_pos_user"))
    products = env["product.product"].search(
        [("sale_ok", "=", True), ("type", "=", "consu"), ("list_price", ">", 0)],
        order="id",
        limit=300,
    )
    products.filtered(lambda p: not p.available_in_pos).write({"available_in_pos": True})
    return customers, staff, products


def order_data(till, session, rng, products, partner_id, user, when, refund_of=None):
    """An order as the till sends it (the add-on's builder, no taxes)."""
    from odoo.addons.crm_retail_compile.lib.pos_till_order import till_order

    if refund_of:
        picked = [(line.product_id, -line.qty, line.discount, line) for line in refund_of.lines[:1]]
    else:
        picked = []
        for _i in range(int(rng.integers(1, 4))):
            product = products[int(rng.integers(len(products)))]
            discount = float(rng.choice([0, 0, 0, 5, 10]))
            picked.append((product, float(rng.integers(1, 3)), discount, None))
    methods = till.payment_method_ids
    cash = methods.filtered("is_cash_count")[:1]
    card = (methods - cash)[:1]
    method = card if (card and rng.random() < CARD_SHARE) else cash
    ref = str(uuid.UUID(int=int(rng.integers(1 << 62)) << 64 | int(rng.integers(1 << 62))))
    return till_order(
        till,
        session,
        picked,
        ref=ref,
        stamp=when.strftime("%Y-%m-%d %H:%M:%S"),
        user_id=user.id,
        payment_method=method,
        partner_id=partner_id,
    )


def generate_pos(env, seed, today, months, orders_per_week, session_days=14):
    """Tills and their sessions per shop; returns counts."""
    tills = setup_tills(env)
    Order = env["pos.order"]
    used = set(Order.search([("config_id", "in", [t.id for t in tills.values()])]).config_id.ids)
    tills = {shop: till for shop, till in tills.items() if till.id not in used}
    if not tills:
        return {"points of sale": len(used), "orders": 0}
    # the shops update stock once a session, at its closing (one picking a
    # session, Odoo's option): much less work than a picking per sale
    env.company.point_of_sale_update_stock_quantities = "closing"
    customers, staff, products = load_data(env, list(tills))
    if not products:
        return {"points of sale": len(tills), "orders": 0}
    rng = np.random.default_rng([seed, STREAM_POS])
    periods = max(1, int(months * 365 / 12 / session_days))
    start = today - dt.timedelta(days=periods * session_days)
    counts = {"points of sale": len(tills), "sessions": 0, "orders": 0, "refunds": 0}
    for period in range(periods):
        monday = start + dt.timedelta(days=period * session_days)
        for shop, till in tills.items():
            users = staff.get(shop) or env.user
            cashier = users[int(rng.integers(len(users)))]
            session = env["pos.session"].create({"config_id": till.id, "user_id": cashier.id})
            session.action_pos_session_open()
            shoppers = customers.get(shop.id, [])
            batch = []
            for _n in range(int(rng.poisson(orders_per_week * session_days / 7))):
                when = dt.datetime.combine(
                    monday + dt.timedelta(days=int(rng.integers(session_days))),
                    dt.time(int(rng.integers(3, 13)), int(rng.integers(60))),  # 11:00-21:00 HKT
                )
                partner = (
                    shoppers[int(rng.integers(len(shoppers)))]
                    if shoppers and rng.random() >= ANONYMOUS_SHARE
                    else None
                )
                batch.append(order_data(till, session, rng, products, partner, cashier, when))
            # a few customers bring back a piece bought at this shop before
            earlier = Order.search(
                [
                    ("config_id", "=", till.id),
                    ("partner_id", "!=", False),
                    ("amount_total", ">", 0),
                ],
                order="id desc",
                limit=20,
            )
            refunds = [
                order_data(till, session, rng, products, o.partner_id.id, cashier,
                           dt.datetime.combine(monday, dt.time(5)), refund_of=o)
                for o in earlier
                if rng.random() < REFUND_SHARE * 5 and not o.refund_orders_count
            ][:1]  # fmt: skip
            if batch or refunds:
                Order.with_context(preparation=True).sync_from_ui(batch + refunds)
            counts["orders"] += len(batch)
            counts["refunds"] += len(refunds)
            cash = session.cash_register_balance_end
            session.cash_register_balance_end_real = cash
            session.action_pos_session_closing_control()
            opened = dt.datetime.combine(monday, dt.time(2))
            closed = dt.datetime.combine(monday + dt.timedelta(days=session_days - 1), dt.time(14))
            env.cr.execute(
                "UPDATE pos_session SET start_at = %s, stop_at = %s WHERE id = %s",
                (opened, closed, session.id),
            )
            counts["sessions"] += 1
    env["pos.session"].invalidate_model(["start_at", "stop_at"])
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--months", type=float, default=3)
    parser.add_argument("--orders-per-week", type=float, default=8)
    parser.add_argument(
        "--session-days", type=int, default=14, help="days a session stays open (default 14)"
    )
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = Registry(args.db)
    started = time.monotonic()
    # demo-loading mode, as gen_jewellery.py: receipts and notices are not sent
    thread = threading.current_thread()
    thread.testing = True
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        counts = generate_pos(
            env, args.seed, args.today, args.months, args.orders_per_week, args.session_days
        )
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    print(f"[demo] point of sale: {summary} in {time.monotonic() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
