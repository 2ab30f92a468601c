from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.crm_retail_compile.tests.pos_common import PosCommon


@tagged("post_install", "-at_install")
class TestPosCounter(PosCommon):
    """Issue 21, jewellery at the counter: a certified piece sold at the
    till goes to its customer with its certificate; a deposit taken at the
    till counts toward the customer's custom order, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Cert = cls.env["crm.jewellery.certificate"]
        cls.cert_1 = Cert.create({"name": "POS-GIA-1", "product_id": cls.pos_ring.id})
        cls.cert_2 = Cert.create({"name": "POS-GIA-2", "product_id": cls.pos_ring.id})
        cls.deposit = cls.env.ref("crm_jewellery_ext.product_custom_order_deposit")
        cls.custom = cls.env["crm.jewellery.custom.order"].create(
            {
                "partner_id": cls.cust_a.id,
                "retail_branch_id": cls.branch_a.id,
                "service_amount": 20000.0,
                "deposit_amount": 5000.0,
            }
        )

    def deposit_data(self, partner, amount):
        data = self.pos_order_data(self.till_a, [(self.deposit, 1, 0)], partner=partner)
        line = data["lines"][0][2]
        line.update(
            price_unit=amount,
            price_subtotal=amount,
            price_subtotal_incl=amount,
            custom_order_id=self.custom.id,
        )
        data.update(amount_paid=amount, amount_total=amount)
        data["payment_ids"][0][2]["amount"] = amount
        return data

    def test_certified_piece_sold_at_the_till_goes_to_the_customer(self):
        order = self.pos_sell(self.till_a, [(self.pos_ring, 1, 0)], partner=self.cust_a)
        self.assertEqual(self.cert_1.partner_id, self.cust_a)
        self.assertEqual(self.cert_1.pos_order_id, order)
        self.assertFalse(self.cert_2.partner_id, "one certificate a piece")
        # an anonymous sale links no certificate
        self.pos_sell(self.till_a, [(self.pos_ring, 1, 0)])
        self.assertFalse(self.cert_2.partner_id)

    def test_deposit_at_the_till_counts_toward_the_custom_order(self):
        Order = self.env["pos.order"].with_user(self.staff_a)
        Order.sync_from_ui([self.deposit_data(self.cust_a, 5000.0)])
        self.assertEqual(self.custom.amount_paid, 5000.0)
        self.assertEqual(self.custom.balance, 15000.0)
        self.assertTrue(self.custom.payment_date)
        Order.sync_from_ui([self.deposit_data(self.cust_a, 2500.5)])
        self.assertEqual(self.custom.amount_paid, 7500.5)
        # counted once: recording the orders again changes nothing
        self.env["pos.order.line"]._count_custom_order_payments(
            self.env["pos.order"].search([("session_id", "=", self.till_a.current_session_id.id)])
        )
        self.assertEqual(self.custom.amount_paid, 7500.5)
        # a payment toward the custom order, whose sale order carries its
        # revenue: no sales event of its own (the piece is not sold twice)
        orders = self.env["pos.order"].search(
            [("session_id", "=", self.till_a.current_session_id.id)]
        )
        Event = self.env["crm.sales.event"]
        Event._sync_pos_events(pos_order_ids=orders.ids)
        self.assertFalse(Event.search([("pos_order_id", "in", orders.ids)]))

    def test_deposit_above_the_balance_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["pos.order"].sync_from_ui([self.deposit_data(self.cust_a, 20000.01)])
        self.assertEqual(self.custom.amount_paid, 0.0)

    def test_deposit_of_another_customer_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["pos.order"].sync_from_ui([self.deposit_data(self.cust_a2, 100.0)])
        self.assertEqual(self.custom.amount_paid, 0.0)
