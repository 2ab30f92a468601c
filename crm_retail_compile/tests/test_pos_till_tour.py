from odoo.tests import tagged

from .pos_common import PosTourCase


@tagged("post_install", "-at_install")
class TestPosTillTour(PosTourCase):
    """Odoo's Point of Sale in Chromium: a cashier sells to a customer found
    by a phone number typed in another format, enrols a new customer with
    the collection notice and an e-mail consent, and takes the payments
    (static/tests/tours/pos_till_tours.js). Needs an HTTP server:
    ``--odoo-http``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.setup_till("TTL", "Tour Till Shop", "測試店", "tour.cashier")
        cls.pics = env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "till-1", "text_en": "<p>EN</p>", "text_zh": "<p>中</p>"}
        )
        cls.pics.action_activate()
        cls.purpose = env.ref("crm_privacy_pdpo.purpose_promotions")
        env["product.product"].create(
            {
                "name": "Tour Till Ring",
                "available_in_pos": True,
                "list_price": 880.0,
                "taxes_id": [(5, 0, 0)],
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Tour Till Customer",
                "is_retail_customer": True,
                "phone": "9345 6781",
                "retail_branch_id": cls.branch.id,
            }
        )
        cls.customer.action_enrol()

    def test_pos_till_tour(self):
        self.assertEqual(self.customer.phone, "+852 9345 6781")
        self.start_till_tour("crm_retail_pos_till")
        orders = self.env["pos.order"].search([("config_id", "=", self.till.id)], order="id")
        self.assertEqual(len(orders), 2)
        self.assertEqual(set(orders.mapped("state")), {"paid"})
        self.assertEqual(orders[0].partner_id, self.customer)
        self.assertEqual(
            [
                (c.channel, c.kind, c.source, c.recorded_branch_id, c.user_id)
                for c in self.customer.crm_consent_ids
            ],
            [("sms", "opt_in", "pos", self.branch, self.cashier)],
        )
        self.assertEqual(self.customer.crm_pics_ack_ids.channel, "store")
        newcomer = orders[1].partner_id
        self.assertEqual(newcomer.name, "Tour Till Newcomer")
        self.assertEqual(newcomer.phone, "+852 6188 2233")
        self.assertEqual(newcomer.retail_branch_id, self.branch)
        self.assertTrue(newcomer.membership_number)
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "like", "Tour Till")]),
            2,
            "no duplicate customer",
        )
        ack = newcomer.crm_pics_ack_ids
        self.assertEqual(
            (ack.pics_id, ack.channel, ack.user_id), (self.pics, "store", self.cashier)
        )
        consent = newcomer.crm_consent_ids
        self.assertEqual(
            [(c.purpose_id, c.channel, c.kind, c.source, c.recorded_branch_id) for c in consent],
            [(self.purpose, "email", "opt_in", "pos", self.branch)],
        )
        self.assertTrue(newcomer._crm_has_marketing_consent("promotions", "email"))
