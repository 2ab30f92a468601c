import uuid

from odoo import fields
from odoo.tests import HttpCase, new_test_user

from odoo.addons.crm_retail_compile.lib.pos_till_order import till_order

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

        def product(name, price, cost):
            return Product.create(
                {
                    "name": name,
                    "list_price": price,
                    "standard_price": cost,
                    "available_in_pos": True,
                    "taxes_id": [(5, 0, 0)],
                    "categ_id": categ.id,
                }
            )

        cls.pos_ring = product("Jade Ring", 1234.57, 678.91)
        cls.pos_chain = product("Gold Chain", 99.99, 33.33)
        for till in cls.till_a | cls.till_b:
            till.open_ui()

    @classmethod
    def pos_order_data(cls, till, lines, partner=None, invoice=False, refunded_lines=None):
        """The order a till sends: ``lines`` [(product, qty, discount %)]."""
        refunded_lines = refunded_lines or [None] * len(lines)
        ref = str(uuid.uuid4())
        return till_order(
            till,
            till.current_session_id,
            [(*line, refunded) for line, refunded in zip(lines, refunded_lines, strict=True)],
            ref=ref,
            stamp=fields.Datetime.to_string(fields.Datetime.now()),
            user_id=cls.env.uid,
            payment_method=till.payment_method_ids[:1],
            partner_id=partner.id if partner else False,
            invoice=invoice,
        )

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


class PosTourCase(HttpCase):
    """A till of a new shop with a cash method named "Cash", and its cashier,
    a branch staff member who logs in through the web (no second factor),
    for the tours of Odoo's Point of Sale in Chromium (``--odoo-http``)."""

    @classmethod
    def setup_till(cls, code, name, name_zh, login):
        """``cls.branch`` (``code``, ``name``), ``cls.till`` "Tour <name>" and
        ``cls.cashier`` (``login``, password ``login + "-pw"``)."""
        env = cls.env
        cls.branch = env["crm.retail.branch"].create(
            {"code": code, "name": name, "name_zh": name_zh}
        )
        journal = env["account.journal"].create(
            {"name": f"{name} Cash", "type": "cash", "code": f"{code[:3]}CS"}
        )
        cash = env["pos.payment.method"].create({"name": "Cash", "journal_id": journal.id})
        cls.till = env["pos.config"].create(
            {
                "name": f"{name} Till",
                "retail_branch_id": cls.branch.id,
                "payment_method_ids": [(6, 0, cash.ids)],
            }
        )
        cls.cashier = new_test_user(
            env,
            login=login,
            password=login + "-pw",
            name=f"Cashier {code}",
            groups="crm_retail_compile.group_branch_staff",
        )
        cls.cashier.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch.ids)],
                "retail_branch_id": cls.branch.id,
                "crm_mfa_exempt": True,
            }
        )

    def start_till_tour(self, tour):
        """The cashier opens the till's session and runs ``tour`` in it."""
        self.till.with_user(self.cashier).open_ui()
        self.start_tour(
            "/pos/ui?config_id=%d" % self.till.id, tour, login=self.cashier.login, timeout=300
        )
