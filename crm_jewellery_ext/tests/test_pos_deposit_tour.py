from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPosDepositTour(HttpCase):
    """A deposit for a custom order taken at the till in Chromium
    (static/tests/tours/pos_deposit_tours.js): the cashier picks the
    customer, the custom order and the amount, and pays; the deposit counts
    toward the custom order and is no sale of its own. Needs an HTTP
    server: ``--odoo-http``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.branch = env["crm.retail.branch"].create(
            {"code": "TDP", "name": "Tour Deposit Shop", "name_zh": "訂金測試店"}
        )
        journal = env["account.journal"].create(
            {"name": "Tour Deposit Cash", "type": "cash", "code": "TDCSH"}
        )
        cash = env["pos.payment.method"].create({"name": "Cash", "journal_id": journal.id})
        cls.till = env["pos.config"].create(
            {
                "name": "Tour Deposit Till",
                "retail_branch_id": cls.branch.id,
                "payment_method_ids": [(6, 0, cash.ids)],
            }
        )
        cls.cashier = new_test_user(
            env,
            login="tour.deposit",
            password="tour.deposit-pw",
            name="Tour Deposit Cashier",
            groups="crm_retail_compile.group_branch_staff",
        )
        cls.cashier.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch.ids)],
                "retail_branch_id": cls.branch.id,
                "crm_mfa_exempt": True,
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Tour Deposit Customer",
                "is_retail_customer": True,
                "phone": "9456 7812",
                "retail_branch_id": cls.branch.id,
            }
        )
        cls.custom = env["crm.jewellery.custom.order"].create(
            {
                "name": "CO-TOUR-1",
                "partner_id": cls.customer.id,
                "retail_branch_id": cls.branch.id,
                "service_amount": 12000.0,
                "design_description": "<p>Jade pendant</p>",
            }
        )

    def test_pos_deposit_tour(self):
        self.till.with_user(self.cashier).open_ui()
        self.start_tour(
            "/pos/ui?config_id=%d" % self.till.id,
            "crm_jewellery_pos_deposit",
            login=self.cashier.login,
            timeout=300,
        )
        order = self.env["pos.order"].search([("config_id", "=", self.till.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.lines.custom_order_id, self.custom)
        self.assertIn("CO-TOUR-1", order.lines.full_product_name)
        self.assertEqual(self.custom.amount_paid, 3000.0)
        self.assertEqual(self.custom.balance, 9000.0)
        Event = self.env["crm.sales.event"]
        Event._sync_pos_events(pos_order_ids=order.ids)
        self.assertFalse(
            Event.search([("pos_order_id", "=", order.id)]), "a deposit is no sale of its own"
        )
