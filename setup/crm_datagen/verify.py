"""``--verify``: recompute random generated records with the ORM and compare.

About 20 random orders plus some below-cost, heavily discounted and
unconfirmed ones, their lines and 200 customers: the stored fields the
generator wrote (``*_RECOMPUTED`` plus other modules' computed fields) are
recomputed by the ORM's own compute methods in cache, list prices are
checked against the pricelist, and the model constraints run.  Nothing is
written (the transaction is rolled back).
"""

from __future__ import annotations

from .database import orm_env
from .prototypes import LINE_VARIABLE, ORDER_VARIABLE, PARTNER_VARIABLE, other_computed_fields
from .settings import MEMBERSHIP_PREFIX, SALES_LOGIN, STREAM_VERIFY, batch_rng

# Stored fields recomputed by --verify with the ORM's own compute methods.
LINE_RECOMPUTED = [
    "name", "company_id", "currency_id", "order_partner_id", "salesman_id", "state",
    "retail_branch_id", "price_subtotal", "price_tax", "price_total", "price_reduce_taxexcl",
    "price_reduce_taxinc", "purchase_price", "margin", "margin_percent", "customer_lead",
    "qty_delivered_method", "qty_to_invoice", "invoice_status", "untaxed_amount_to_invoice",
]  # fmt: skip
ORDER_RECOMPUTED = [
    "currency_rate", "amount_untaxed", "amount_tax", "amount_total", "margin",
    "margin_percent", "invoice_status",
]  # fmt: skip
PARTNER_RECOMPUTED = [
    "complete_name", "commercial_partner_id", "email_normalized", "phone_sanitized",
    "partner_share",
]  # fmt: skip


def same_value(expected, stored):
    if hasattr(expected, "_name"):  # records
        expected = expected.id or None
        stored = stored.id if hasattr(stored, "_name") else stored
        return (expected or None) == (stored or None)
    if isinstance(expected, float) or isinstance(stored, float):
        return abs(float(expected or 0) - float(stored or 0)) <= 1e-6 * max(
            1.0, abs(float(stored or 0))
        )
    return (expected or None) == (stored or None)


def compare_recomputed(records, fnames, label):
    """Recompute ``fnames`` of ``records`` with the ORM (in cache only: the
    compute methods run in protected mode, nothing calls write()) and return
    the differences with the stored values."""
    stored = {r.id: {f: r[f] for f in fnames} for r in records}
    records.env.invalidate_all()
    for fname in fnames:
        records._fields[fname].compute_value(records)
    problems = []
    for record in records:
        for fname in fnames:
            value = record[fname]
            if not same_value(value, stored[record.id][fname]):
                problems.append(
                    f"{label(record)} {fname}: stored {stored[record.id][fname]!r} ORM {value!r}"
                )
    return problems, len(records) * len(fnames)


def check_prices(lines):
    """List prices come from the pricelist; manually set prices are the
    deliberately below-cost ones."""
    problems = []
    for line in lines:
        manual = line.currency_id.compare_amounts(line.technical_price_unit, line.price_unit)
        if not manual:
            expected = line.with_company(line.company_id)._get_display_price()
            if not same_value(float(expected), line.price_unit):
                problems.append(f"line {line.id} price_unit {line.price_unit} ORM {expected}")
        elif line.price_unit >= line.purchase_price:
            problems.append(f"line {line.id}: manual price {line.price_unit} not below cost")
    return problems


def sample_ids(cr, rng, query, size):
    cr.execute(query, [MEMBERSHIP_PREFIX + "%"])
    ids = [row[0] for row in cr.fetchall()]
    return ids, sorted(rng.choice(ids, min(size, len(ids)), replace=False).tolist())


def verify(registry, seed, sample=20):
    """Recompute stored fields of random generated records with the ORM and compare."""
    with registry.cursor() as cr:
        env = orm_env(cr)
        rng = batch_rng(seed, STREAM_VERIFY)
        order_ids, picked = sample_ids(
            cr,
            rng,
            """SELECT so.id FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                WHERE p.membership_number LIKE %s ORDER BY so.id""",
            sample,
        )
        if not order_ids:
            print("verify: no generated order found.")
            return False
        _ids, partner_ids = sample_ids(
            cr, rng, "SELECT id FROM res_partner WHERE membership_number LIKE %s ORDER BY id", 200
        )
        # make sure some below-cost, heavily discounted and unconfirmed orders are in
        window = order_ids[:200_000]
        cr.execute(
            """(SELECT order_id FROM sale_order_line WHERE order_id = ANY(%s)
                 AND price_unit < purchase_price ORDER BY order_id LIMIT 3)
               UNION (SELECT order_id FROM sale_order_line WHERE order_id = ANY(%s)
                 AND discount > 30 ORDER BY order_id LIMIT 3)
               UNION (SELECT id FROM sale_order WHERE id = ANY(%s) AND state <> 'sale'
                 ORDER BY id LIMIT 4)""",
            [window, window, window],
        )
        picked = sorted(set(picked) | {row[0] for row in cr.fetchall()})
        orders = env["sale.order"].browse(picked)
        lines = orders.order_line
        partners = env["res.partner"].browse(partner_ids)

        mismatches = check_prices(lines)
        checked = len(lines)
        for records, fnames, variable, label in (
            (lines, LINE_RECOMPUTED, LINE_VARIABLE, lambda r: f"{r.order_id.name} line {r.id}"),
            (orders, ORDER_RECOMPUTED, ORDER_VARIABLE, lambda r: r.name),
            (partners, PARTNER_RECOMPUTED, PARTNER_VARIABLE, lambda r: f"partner {r.id}"),
        ):
            # plus the computed fields of other modules, recomputed after the load
            fnames = fnames + other_computed_fields(
                env, records._name, {name for name, _fmt in variable}
            )
            problems, count = compare_recomputed(records, fnames, label)
            mismatches += problems
            checked += count
        for records in (partners, orders, lines):
            try:
                records._validate_fields(list(records._fields))
            except Exception as exc:  # noqa: BLE001 - reported as a mismatch
                mismatches.append(f"{records._name} constraint: {exc}")

        staff = env["res.users"].search([("login", "=", SALES_LOGIN.format(code="cen", n=1))])
        if staff:
            as_staff = env(user=staff.id)
            print(
                f"verify: {staff.login} ({staff.retail_branch_id.code}) sees "
                f"{as_staff['res.partner'].search_count([('is_retail_customer', '=', True)]):,} "
                f"customers and {as_staff['sale.order'].search_count([]):,} orders."
            )
        env.transaction.clear()
        cr.rollback()
    print(
        f"verify: {len(orders)} orders ({len(lines)} lines) and {len(partners)} customers, "
        f"{checked} values compared with the ORM."
    )
    if mismatches:
        print(f"verify: {len(mismatches)} MISMATCHES")
        for line in mismatches[:50]:
            print("  " + line)
        return False
    print("verify: OK")
    return True
