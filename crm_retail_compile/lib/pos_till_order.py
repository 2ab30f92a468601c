"""A POS order as Odoo's till sends it to ``pos.order.sync_from_ui``.

One builder for every place that records till orders without a browser:
the demo's shops (setup/gen_pos.py) and the add-ons' server tests
(crm_retail_compile/tests/pos_common.py). Hong Kong has no VAT/GST, so the
lines carry no taxes and a line's subtotal is its total.
"""


def till_order(
    till, session, lines, *, ref, stamp, user_id, payment_method, partner_id=False, invoice=False
):
    """The order values for ``sync_from_ui``.

    ``lines``: ``[(product, qty, discount %, refunded pos.order.line or None)]``
    (a refund line has a negative ``qty`` and names the line it refunds);
    ``ref``: the order's uuid; ``stamp``: its date, ``"%Y-%m-%d %H:%M:%S"``
    UTC; the whole amount is paid with ``payment_method``; ``invoice``: the
    cashier ticked Invoice."""
    order_lines, total = [], 0.0
    for product, qty, discount, refunded in lines:
        price = product.lst_price
        subtotal = till.currency_id.round(price * qty * (1 - discount / 100))
        total += subtotal
        vals = {
            "product_id": product.id,
            "qty": qty,
            "price_unit": price,
            "discount": discount,
            "price_subtotal": subtotal,
            "price_subtotal_incl": subtotal,
            "tax_ids": [(6, 0, [])],
            "pack_lot_ids": [],
        }
        if refunded:
            vals["refunded_orderline_id"] = refunded.id
        order_lines.append((0, 0, vals))
    return {
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "date_order": stamp,
        "fiscal_position_id": False,
        "pricelist_id": till.pricelist_id.id,
        "name": f"Order {ref}",
        "last_order_preparation_change": "{}",
        "lines": order_lines,
        "partner_id": partner_id or False,
        "session_id": session.id,
        "sequence_number": 1,
        "payment_ids": [
            (0, 0, {"amount": total, "name": stamp, "payment_method_id": payment_method.id})
        ],
        "uuid": ref,
        "user_id": user_id,
        "to_invoice": invoice,
    }
