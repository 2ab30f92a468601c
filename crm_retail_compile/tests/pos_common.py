import uuid

from odoo import fields

from .common import RetailCommon


class PosCommon(RetailCommon):
    """A till per test branch with a cash payment method, an open session on
    each, and POS orders made as the till makes them (``sync_from_ui``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:4].upper()

        def cash(suffix):
            journal = cls.env["account.journal"].create(
                {"name": f"POS Cash {tag}{suffix}", "type": "cash", "code": f"P{tag[:3]}{suffix}"}
            )
            return cls.env["pos.payment.method"].create(
                {"name": f"Cash {tag}{suffix}", "journal_id": journal.id}
            )

        cls.cash = cash("A")
        cls.cash_b = cash("B")
        Config = cls.env["pos.config"]
        cls.till_a = Config.create(
            {
                "name": f"Till A {tag}",
                "retail_branch_id": cls.branch_a.id,
                "payment_method_ids": [(6, 0, cls.cash.ids)],
            }
        )
        cls.till_b = Config.create(
            {
                "name": f"Till B {tag}",
                "retail_branch_id": cls.branch_b.id,
                "payment_method_ids": [(6, 0, cls.cash_b.ids)],
            }
        )
        categ = cls.env["product.category"].create({"name": f"POS Jewellery {tag}"})
        Product = cls.env["product.product"]
        cls.pos_ring = Product.create(
            {
                "name": "Jade Ring",
                "list_price": 1234.57,
                "standard_price": 678.91,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
                "categ_id": categ.id,
            }
        )
        cls.pos_chain = Product.create(
            {
                "name": "Gold Chain",
                "list_price": 99.99,
                "standard_price": 33.33,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
                "categ_id": categ.id,
            }
        )
        for till in cls.till_a | cls.till_b:
            till.open_ui()

    @classmethod
    def pos_order_data(cls, till, lines, partner=None, invoice=False, refunded_lines=None):
        """The order a till sends: ``lines`` [(product, qty, discount %)]."""
        session = till.current_session_id
        order_lines = []
        total = 0.0
        for index, (product, qty, discount) in enumerate(lines):
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
            if refunded_lines:
                vals["refunded_orderline_id"] = refunded_lines[index].id
            order_lines.append((0, 0, vals))
        order_uuid = str(uuid.uuid4())
        return {
            "amount_paid": total,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": total,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": till.pricelist_id.id,
            "name": f"Order {order_uuid}",
            "last_order_preparation_change": "{}",
            "lines": order_lines,
            "partner_id": partner.id if partner else False,
            "session_id": session.id,
            "sequence_number": 1,
            "payment_ids": [
                (
                    0,
                    0,
                    {
                        "amount": total,
                        "name": fields.Datetime.now(),
                        "payment_method_id": till.payment_method_ids[:1].id,
                    },
                )
            ],
            "uuid": order_uuid,
            "user_id": cls.env.uid,
            "to_invoice": invoice,
        }

    @classmethod
    def pos_sell(cls, till, lines, partner=None, invoice=False, env=None):
        env = env or cls.env
        data = cls.pos_order_data(till, lines, partner=partner, invoice=invoice)
        result = env["pos.order"].sync_from_ui([data])
        return env["pos.order"].browse(result["pos.order"][0]["id"])

    @classmethod
    def pos_refund(cls, order, lines):
        """Refund ``lines`` [(order line, qty)] of ``order`` at its till."""
        data = cls.pos_order_data(
            order.config_id,
            [(line.product_id, -qty, line.discount) for line, qty in lines],
            partner=order.partner_id,
            refunded_lines=[line for line, _qty in lines],
        )
        result = cls.env["pos.order"].sync_from_ui([data])
        return cls.env["pos.order"].browse(result["pos.order"][0]["id"])
