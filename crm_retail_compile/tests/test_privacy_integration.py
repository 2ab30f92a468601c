from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestPrivacyIntegration(RetailCommon):
    """PDPO duties where they meet sales: branch-scoped consents, retention
    that keeps sales and accounting documents, activity from sales."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purpose = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.Consent = cls.env["crm.privacy.consent"]
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "Retail PICS",
                "version": "T-1",
                "text_en": "<p>Notice</p>",
                "text_zh": "<p>收集個人資料聲明</p>",
            }
        )
        cls.pics.action_activate()
        cls.env["crm.privacy.pics.acknowledgement"].create(
            [{"partner_id": p.id, "pics_id": cls.pics.id} for p in (cls.cust_a | cls.cust_b)]
        )

    def _age(self, partner, years=10):
        self.env.flush_all()
        for table in ("res_partner", "sale_order", "sale_order_line", "account_move", "crm_lead"):
            column = "partner_id" if table != "account_move" else "commercial_partner_id"
            if table == "res_partner":
                column = "id"
            elif table == "sale_order_line":
                column = "order_partner_id"
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = now() - make_interval(years => %s) WHERE %s = %s",
                    SQL.identifier(table),
                    years,
                    SQL.identifier(column),
                    partner.id,
                )
            )
        self.env.cr.execute(
            "UPDATE crm_sales_event SET event_date = now() - interval '10 years' "
            "WHERE partner_id = %s",
            [partner.id],
        )
        self.env.invalidate_all()

    def test_staff_see_and_record_consents_of_their_branch_only(self):
        mine = self.Consent.with_user(self.staff_a).create(
            {
                "partner_id": self.cust_a.id,
                "purpose_id": self.purpose.id,
                "channel": "email",
                "source": "pos",
                "pics_id": self.pics.id,
            }
        )
        other = self.Consent.create(
            {
                "partner_id": self.cust_b.id,
                "purpose_id": self.purpose.id,
                "channel": "email",
                "pics_id": self.pics.id,
            }
        )
        visible = self.Consent.with_user(self.staff_a).search([("id", "in", (mine | other).ids)])
        self.assertEqual(visible, mine)
        with self.assertRaises(AccessError):
            other.with_user(self.staff_a).read(["channel"])
        with self.assertRaises(AccessError):
            self.Consent.with_user(self.staff_a).create(
                {
                    "partner_id": self.cust_b.id,
                    "purpose_id": self.purpose.id,
                    "channel": "sms",
                    "pics_id": self.pics.id,
                }
            )

    def test_notice_records_the_branch_it_was_given_at(self):
        pics = self.pics
        ack = (
            self.env["crm.privacy.pics.acknowledgement"]
            .with_user(self.staff_a)
            .create({"partner_id": self.cust_a.id, "pics_id": pics.id})
        )
        self.assertEqual(ack.retail_branch_id, self.branch_a)

    def test_retention_anonymises_customer_but_keeps_orders_and_invoices(self):
        order = self.order_a_own
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        amount_order, amount_invoice = order.amount_total, invoice.amount_total
        customer = self.cust_a
        customer.write({"email": "a@example.com", "phone": "+852 9123 4567"})
        self._age(customer)
        run = self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertEqual(run.state, "done")
        self.env.invalidate_all()
        self.assertTrue(customer.crm_anonymised)
        self.assertFalse(customer.email or customer.phone)
        self.assertEqual(order.partner_id, customer)
        self.assertEqual(order.amount_total, amount_order)
        self.assertEqual(invoice.partner_id, customer)
        self.assertEqual(invoice.amount_total, amount_invoice)
        self.assertEqual(invoice.state, "posted")
        events = self.env["crm.sales.event"].search([("order_id", "=", order.id)])
        self.assertTrue(events, "the permanent sales record stays")

    def test_recent_sales_keep_a_customer(self):
        self.order_a_own.action_confirm()
        self._age(self.cust_a)
        # a new order today: the customer is active again
        self.env["sale.order"].create(
            {"partner_id": self.cust_a.id, "retail_branch_id": self.branch_a.id}
        )
        self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertFalse(self.cust_a.crm_anonymised)
