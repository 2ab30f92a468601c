from odoo.tests import tagged

from odoo.addons.crm_retail_compile.tests.pos_common import PosTourCase


@tagged("post_install", "-at_install")
class TestPosDepositTour(PosTourCase):
    """A deposit for a custom order taken at the till in Chromium
    (static/tests/tours/pos_deposit_tours.js): the cashier picks the
    customer, the custom order and the amount, and pays; the deposit counts
    toward the custom order and is no sale of its own. Refunded at the till
    (Orders, Refund), it is taken back from the custom order. Needs an HTTP
    server: ``--odoo-http``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_till("TDP", "Tour Deposit Shop", "訂金測試店", "tour.deposit")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour Deposit Customer",
                "is_retail_customer": True,
                "phone": "9456 7812",
                "retail_branch_id": cls.branch.id,
            }
        )
        cls.custom = cls.env["crm.jewellery.custom.order"].create(
            {
                "name": "CO-TOUR-1",
                "partner_id": cls.customer.id,
                "retail_branch_id": cls.branch.id,
                "service_amount": 12000.0,
                "design_description": "<p>Jade pendant</p>",
            }
        )

    def till_orders(self):
        return self.env["pos.order"].search([("config_id", "=", self.till.id)], order="id")

    def assert_no_sale_event(self, orders):
        Event = self.env["crm.sales.event"]
        Event._sync_pos_events(pos_order_ids=orders.ids)
        self.assertFalse(
            Event.search([("pos_order_id", "in", orders.ids)]),
            "a deposit, or its refund, is no sale of its own",
        )

    def test_pos_deposit_tour(self):
        self.start_till_tour("crm_jewellery_pos_deposit")
        order = self.till_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.lines.custom_order_id, self.custom)
        self.assertIn("CO-TOUR-1", order.lines.full_product_name)
        self.assertEqual(self.custom.amount_paid, 3000.0)
        self.assertEqual(self.custom.balance, 9000.0)
        self.assert_no_sale_event(order)

    def test_pos_deposit_refund_tour(self):
        paid_before = self.custom.amount_paid
        self.start_till_tour("crm_jewellery_pos_deposit_refund")
        orders = self.till_orders()
        self.assertEqual(len(orders), 2, "the deposit and its refund")
        deposit, refund = orders
        self.assertEqual(
            [(o.state, o.amount_total, o.partner_id) for o in deposit | refund],
            [("paid", 3000.0, self.customer), ("paid", -3000.0, self.customer)],
        )
        self.assertEqual(refund.lines.refunded_orderline_id, deposit.lines)
        self.assertEqual(refund.lines.qty, -1.0)
        # the refund pays the deposit back on the same custom order
        self.assertEqual(refund.lines.custom_order_id, self.custom)
        self.assertTrue(refund.lines.custom_order_counted)
        self.assertEqual(self.custom.amount_paid, paid_before)
        self.assertEqual(self.custom.balance, 12000.0)
        self.assert_no_sale_event(deposit | refund)
