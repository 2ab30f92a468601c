"""The load itself: everything in one transaction, in dependency order.

:func:`generate` prepares the configuration records and the COPY layouts,
reserves the ids of all new rows, then streams products, customers (and
their preferred categories), orders and lines through the COPY thread
batch by batch; afterwards it recomputes unknown computed fields, rebuilds
deferred indexes, checks the foreign keys, moves the sequences and, for
demo sizes (:func:`with_jewellery`), adds the jewellery and clienteling part
of ``setup/gen_jewellery.py``.  :class:`Context` carries what the batches
share (reference ids, name and phone books, cumulated weights).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from gen_jewellery import generate_jewellery

from .branches import Reference, existing_generated_data, person_name, prepare_reference
from .customers import Customers, NameBook, PhoneBook, customer_batch, special_rows
from .database import (
    CopyLoader,
    TableSpec,
    bypass_fk_triggers,
    check_foreign_keys,
    reserve_ids,
    sync_sequence,
)
from .indexes import drop_secondary_indexes, restore_indexes
from .orders import day_weights, months_back, order_batch, plan_order_sizes
from .products import Products, create_products, existing_products, plan_products
from .prototypes import build_specs, capture_prototypes, recompute_fields, unknown_computed_fields
from .refdata import (
    BRANCH_WEIGHTS,
    DISTRICTS,
    PREMIUM_PRICE_CENTS,
    VISITOR_BRANCH_WEIGHTS,
    VISITOR_COUNTRIES,
)
from .settings import (
    COPY_TABLES,
    CUSTOMER_BATCH,
    EPOCH,
    JEWELLERY_AUTO_MAX_CUSTOMERS,
    ORDER_BATCH,
    STREAM_ORDER_PLAN,
    STREAM_PRODUCTS,
    STREAM_SETUP,
    batch_rng,
)


@dataclass
class Context:
    ref: Reference
    seed: int
    start_day: int
    today_day: int
    now_seconds: int
    names: NameBook
    phones: PhoneBook
    email_normalize: object
    phone_codes: dict
    district_p: dict
    lang_en: str = "en_US"
    lang_zh: str = "en_US"
    defer_indexes: bool = False
    branch_p: np.ndarray = None
    visitor_branch_p: np.ndarray = None
    placeholders: set = field(default_factory=set)
    duplicates: set = field(default_factory=set)
    customers: Customers = None
    products: Products = None
    customer_cumw: np.ndarray = None
    product_cumw: np.ndarray = None
    premium_cumw: np.ndarray = None
    premium_index: np.ndarray = None
    day_cumw: np.ndarray = None
    user_p: list = field(default_factory=list)
    online_hours: np.ndarray = None
    next_line_id: int = 0

    def draw_branch(self, rng, n, visitor):
        """Home branch indexes of in-store customers (visitors favour Tsim Sha Tsui)."""
        resident = rng.choice(len(self.branch_p), n, p=self.branch_p)
        if not visitor.any():
            return resident
        tourist = rng.choice(len(self.visitor_branch_p), n, p=self.visitor_branch_p)
        return np.where(visitor, tourist, resident)


def branch_distribution(ref, weights):
    values = np.array(
        [
            0.0 if i == ref.online_index else weights.get(code, 0.1)
            for i, code in enumerate(ref.branch_codes)
        ]
    )
    if values.sum() == 0:
        values = np.ones(len(ref.branch_codes))
    return values / values.sum()


def make_context(env, ref, args, today, now):
    from odoo.tools import email_normalize

    start = months_back(today, args.months)
    codes = [code for code in DISTRICTS if code in ref.district_ids]
    codes += [code for code in ref.district_ids if code not in DISTRICTS]
    pops = np.array([DISTRICTS.get(code, (100, []))[0] for code in codes], dtype=float)
    env.cr.execute(
        "SELECT code, phone_code FROM res_country WHERE code = ANY(%s)",
        [["HK"] + [c[0] for c in VISITOR_COUNTRIES]],
    )
    ctx = Context(
        ref=ref,
        seed=args.seed,
        start_day=(start - EPOCH).days,
        today_day=(today - EPOCH).days,
        now_seconds=int(now.timestamp()),
        names=NameBook(),
        phones=PhoneBook(env),
        email_normalize=email_normalize,
        phone_codes=dict(env.cr.fetchall()),
        district_p=dict(zip(codes, pops / pops.sum(), strict=True)),
    )
    # partner languages must be installed ones: zh_HK only if it is loaded
    env.cr.execute("SELECT code FROM res_lang WHERE active ORDER BY id")
    languages = [row[0] for row in env.cr.fetchall()]
    ctx.lang_en = "en_US" if "en_US" in languages else languages[0]
    ctx.lang_zh = "zh_HK" if "zh_HK" in languages else ctx.lang_en
    ctx.defer_indexes = args.defer_indexes == "yes" or (
        args.defer_indexes == "auto" and (args.lines >= 1_000_000 or args.customers >= 200_000)
    )
    ctx.branch_p = branch_distribution(ref, BRANCH_WEIGHTS)
    ctx.visitor_branch_p = branch_distribution(ref, VISITOR_BRANCH_WEIGHTS)
    ctx.day_cumw = np.cumsum(day_weights(start, today))
    hours = np.array(
        [
            0.5,
            0.3,
            0.2,
            0.1,
            0.1,
            0.1,
            0.2,
            0.4,
            0.6,
            0.8,
            1.0,
            1.1,
            1.2,
            1.1,
            1.0,
            1.0,
            1.0,
            1.1,
            1.2,
            1.4,
            1.8,
            2.0,
            1.8,
            1.0,
        ]
    )
    ctx.online_hours = hours / hours.sum()
    for b, users in enumerate(ref.branch_users):
        weights = batch_rng(args.seed, STREAM_SETUP, 100 + b).uniform(0.5, 1.5, len(users))
        ctx.user_p.append(weights / weights.sum())
    return ctx


def generate(env, args, today, now):
    """Create everything in the cursor's transaction; returns the row counts."""
    cr = env.cr
    cr.execute("SET LOCAL synchronous_commit = off")
    ref = prepare_reference(env, args)
    customers_before, _users = existing_generated_data(env, args.salespeople)
    ref.generated_before = customers_before
    prototypes = capture_prototypes(env, ref)
    specs = build_specs(cr, ref, prototypes)
    unknown = unknown_computed_fields(env, specs)
    ctx = make_context(env, ref, args, today, now)
    print(
        f"Company currency {ref.currency_name}, {len(ref.branch_ids)} branches "
        f"({', '.join(ref.branch_codes)}), period {months_back(today, args.months)} to {today}.",
        flush=True,
    )

    # everything that queries the database happens before the COPY thread starts
    products = existing_products(env, ref) if args.append else None
    items = [] if products else plan_products(batch_rng(args.seed, STREAM_PRODUCTS), args.products)
    tmpl_first = reserve_ids(cr, "product_template", len(items))
    prod_first = reserve_ids(cr, "product_product", len(items))
    first_partner = reserve_ids(cr, "res_partner", args.customers)
    sizes = plan_order_sizes(
        batch_rng(args.seed, STREAM_ORDER_PLAN, ref.generated_before), args.lines
    )
    n_orders = len(sizes)
    first_order = reserve_ids(cr, "sale_order", n_orders)
    first_line = ctx.next_line_id = reserve_ids(cr, "sale_order_line", args.lines)
    number0 = max(ref.order_first_number, 1)
    pref_field = env["res.partner"]._fields["preferred_categ_ids"]
    pref_spec = TableSpec(
        pref_field.relation, [(pref_field.column1, "%d"), (pref_field.column2, "%d")], {}
    ).prepare(cr)
    ctx.placeholders, ctx.duplicates = special_rows(args.seed, args.customers)

    fast = bypass_fk_triggers(cr)
    deferred = drop_secondary_indexes(cr) if ctx.defer_indexes else []
    loader = CopyLoader(cr)
    try:
        if items:
            products = create_products(loader, items, tmpl_first, prod_first, ref, specs, now)

        summaries = Customers()
        for b_index, start in enumerate(range(0, args.customers, CUSTOMER_BATCH)):
            stop = min(args.customers, start + CUSTOMER_BATCH)
            ids = list(range(first_partner + start, first_partner + stop))
            columns, preferred, summary = customer_batch(ctx, b_index, ids, range(start, stop))
            loader.submit(specs["res_partner"], columns)
            if preferred:
                loader.submit(pref_spec, [list(x) for x in zip(*preferred, strict=True)])
            for name in ("ids", "home", "channel", "tier", "enrol_day", "weight"):
                getattr(summaries, name).extend(getattr(summary, name))
        ctx.customers = summaries.finish()

        ctx.products = products
        weights = ctx.customers.weight
        if len(weights) and weights.sum() <= 0:
            weights = np.ones(len(weights))
        ctx.customer_cumw = np.cumsum(weights)
        ctx.product_cumw = np.cumsum(products.weights)
        ctx.premium_index = np.flatnonzero(products.price_cents >= PREMIUM_PRICE_CENTS)
        ctx.premium_cumw = (
            np.cumsum(products.weights[ctx.premium_index] ** 0.5)
            if len(ctx.premium_index)
            else np.ones(1)
        )
        for b_index, start in enumerate(range(0, n_orders, ORDER_BATCH)):
            stop = min(n_orders, start + ORDER_BATCH)
            order_cols, line_cols = order_batch(
                ctx,
                b_index,
                list(range(first_order + start, first_order + stop)),
                range(number0 + start, number0 + stop),
                sizes[start:stop],
            )
            loader.submit(specs["sale_order"], order_cols)
            loader.submit(specs["sale_order_line"], line_cols)
    finally:
        loader.close()

    # computed fields the generator does not know: recomputed by the ORM while
    # the secondary indexes are still deferred (much cheaper updates)
    generated = {
        "res.partner": (first_partner, args.customers),
        "product.template": (tmpl_first, len(items)),
        "product.product": (prod_first, len(items)),
        "sale.order": (first_order, n_orders),
        "sale.order.line": (first_line, args.lines),
    }
    for model, fnames in unknown.items():
        first, count = generated[model]
        if count:
            recompute_fields(env, model, fnames, first, count)
    if deferred:
        restore_indexes(cr, deferred)
    if fast:
        cr.execute("SET LOCAL session_replication_role = origin")
        started = time.monotonic()
        for spec, key, first in (
            (specs["product_template"], "id", tmpl_first),
            (specs["product_product"], "id", prod_first),
            (specs["res_partner"], "id", first_partner),
            (pref_spec, pref_field.column1, first_partner),
            (specs["sale_order"], "id", first_order),
            (specs["sale_order_line"], "id", first_line),
        ):
            check_foreign_keys(cr, spec, key, first)
        print(f"Foreign keys checked in {time.monotonic() - started:.1f}s.", flush=True)
    for table in COPY_TABLES:
        sync_sequence(cr, table)
    if ref.sequence_id and n_orders:
        env["ir.sequence"].browse(ref.sequence_id).write({"number_next": number0 + n_orders})
    env.flush_all()
    vacuum = [env[model]._table for model in unknown if generated[model][1]]
    counts = {
        "salespeople": sum(len(u) for u in ref.branch_users),
        "product_product": len(items),
        "res_partner": args.customers,
        "sale_order": n_orders,
        "sale_order_line": args.lines,
        "preferred categories": loader.counts.get(pref_spec.table, 0),
    }
    if with_jewellery(args):
        started = time.monotonic()
        counts.update(
            generate_jewellery(
                env,
                args,
                ref,
                (today, now),
                (first_partner, first_order, n_orders),
                person_name,
            )
        )
        print(f"Jewellery and clienteling data in {time.monotonic() - started:.1f}s.", flush=True)
    return vacuum, counts


def with_jewellery(args):
    """The jewellery/clienteling part (gen_jewellery.py): on for demo sizes."""
    if args.jewellery == "auto":
        return 0 < args.customers <= JEWELLERY_AUTO_MAX_CUSTOMERS
    return args.jewellery == "yes" and args.customers > 0
