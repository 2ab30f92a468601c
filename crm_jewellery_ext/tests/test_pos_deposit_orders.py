from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_retail_compile.tests.pos_common import PosCommon


@tagged("post_install", "-at_install")
class TestPosDepositOrders(PosCommon):
    """Issue 21, a deposit at the till: the cashier lists the open custom
    orders of the customer of the POS order (crm_pos_deposit_orders), with
    the cashier's own rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Custom = cls.env["crm.jewellery.custom.order"]

        def custom(partner, branch, amount, brief=""):
            return Custom.create(
                {
                    "partner_id": partner.id,
                    "retail_branch_id": branch.id,
                    "service_amount": amount,
                    "design_description": brief,
                }
            )

        cls.open_order = custom(cls.cust_a, cls.branch_a, 20000.0, "<p>Jade <b>pendant</b></p>")
        cls.open_order.sudo().write({"amount_paid": 5000.0})
        cls.cancelled = custom(cls.cust_a, cls.branch_a, 3000.0)
        cls.cancelled.action_cancel()
        cls.other_customer = custom(cls.cust_a2, cls.branch_a, 1000.0)
        cls.other_branch = custom(cls.cust_b, cls.branch_b, 4000.0)
        cls.Custom = Custom

    def listing(self, user, till, partner):
        return self.Custom.with_user(user).crm_pos_deposit_orders(till.id, partner.id)

    def test_lists_the_customers_open_orders(self):
        result = self.listing(self.staff_a, self.till_a, self.cust_a)
        self.assertEqual(
            result["product_id"],
            self.env.ref("crm_jewellery_ext.product_custom_order_deposit").id,
        )
        self.assertEqual(
            result["orders"],
            [
                {
                    "id": self.open_order.id,
                    "name": self.open_order.name,
                    "description": "Jade *pendant*",
                    "state": "Quotation",
                    "total": 20000.0,
                    "paid": 5000.0,
                    "balance": 15000.0,
                }
            ],
            "not the cancelled order, not another customer's",
        )
        # a collected order takes no more payments either
        self.open_order.sudo().write({"amount_paid": 20000.0})
        for step in ("approve_design", "start_production", "quality_check", "ready", "collect"):
            getattr(self.open_order, f"action_{step}")()
        self.assertEqual(self.open_order.state, "collected")
        self.assertEqual(self.listing(self.staff_a, self.till_a, self.cust_a)["orders"], [])

    def test_another_branch_is_refused(self):
        # the customer of another branch: unknown to the cashier
        with self.assertRaises(AccessError):
            self.listing(self.staff_a, self.till_a, self.cust_b)
        # the till of another branch
        with self.assertRaises(AccessError):
            self.listing(self.staff_a, self.till_b, self.cust_a)
        # the other branch's cashier sees only their own branch's orders
        self.assertEqual(
            [o["id"] for o in self.listing(self.staff_b, self.till_b, self.cust_b)["orders"]],
            self.other_branch.ids,
        )

    def test_wrong_role_is_refused(self):
        for user in (self.internal, self.analyst):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.listing(user, self.till_a, self.cust_a)
