from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestClientFile(JewelleryCommon):
    def test_ring_sizes_convert(self):
        self.cust_a.ring_size_hk = 10
        self.assertEqual(self.cust_a.ring_circumference_mm, 50.3)
        self.assertEqual(self.cust_a.ring_size_us, 5.5)
        self.assertEqual(self.cust_a.ring_size_eu, 50.5)
        self.cust_a.ring_size_us = 7
        self.assertEqual(self.cust_a.ring_circumference_mm, 54.4)
        self.assertEqual(self.cust_a.ring_size_hk, 14)
        with self.assertRaises(ValidationError):
            self.cust_a.ring_size_us = 6.1

    def test_birthstone_and_link(self):
        self.cust_a.write({"birthday_day": 3, "birthday_month": 4})
        self.assertEqual(self.cust_a.birthstone, "diamond")
        self.cust_a.write({"linked_partner_id": self.cust_a2.id, "linked_relation": "spouse"})
        self.assertEqual(self.cust_a2.linked_partner_id, self.cust_a)
        self.assertEqual(self.cust_a2.linked_relation, "spouse")
        self.cust_a.linked_partner_id = False
        self.assertFalse(self.cust_a2.linked_partner_id)

    def test_certificate_search(self):
        Cert = self.env["crm.jewellery.certificate"]
        cert = Cert.create(
            {
                "name": " 7141438167 ",
                "laboratory": "gia",
                "product_id": self.product.id,
                "carat": 1.01,
            }
        )
        self.assertEqual(cert.name, "7141438167")
        self.assertEqual(cert.display_name, "GIA 7141438167")
        self.assertIn(cert.id, [r[0] for r in Cert.name_search("7141438")])
        self.assertEqual(Cert.search([("name", "ilike", "7141438167")]), cert)
        # the same number from another laboratory is another certificate
        Cert.create({"name": "7141438167", "laboratory": "igi"})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            Cert.create({"name": "7141438167", "laboratory": "gia"})

    def test_certificate_in_purchase_history(self):
        self.order_a_own.action_confirm()
        cert = self.env["crm.jewellery.certificate"].create(
            {
                "name": "HRD-1",
                "laboratory": "hrd",
                "product_id": self.product.id,
                "sale_line_id": self.order_a_own.order_line[0].id,
            }
        )
        self.assertEqual(cert.partner_id, self.cust_a)
        self.assertEqual(self.cust_a.jewellery_certificate_count, 1)
        action = self.cust_a.action_jewellery_certificates()
        self.assertEqual(self.env["crm.jewellery.certificate"].search(action["domain"]), cert)

    def test_call_log_on_timeline(self):
        Call = self.env["crm.jewellery.call"].with_user(self.staff_a)
        action = self.cust_a.with_user(self.staff_a).action_jewellery_log_call()
        self.assertEqual(action["context"]["default_partner_id"], self.cust_a.id)
        call = Call.with_context(**action["context"]).create(
            {"topic": "complaint", "summary": "Clasp broke", "follow_up_date": "2030-01-05"}
        )
        self.assertEqual(call.retail_branch_id, self.branch_a)
        self.assertTrue(self.cust_a.message_ids.filtered(lambda m: "Clasp broke" in (m.body or "")))
        self.assertTrue(self.cust_a.activity_ids.filtered(lambda a: a.user_id == self.staff_a))

    def test_branch_security(self):
        order_b = self.env["crm.jewellery.custom.order"].create(
            {"partner_id": self.cust_b.id, "retail_branch_id": self.branch_b.id}
        )
        call_b = self.env["crm.jewellery.call"].create(
            {"partner_id": self.cust_b.id, "summary": "x", "retail_branch_id": self.branch_b.id}
        )
        Order = self.env["crm.jewellery.custom.order"].with_user(self.staff_a)
        self.assertFalse(Order.search([("id", "=", order_b.id)]))
        with self.assertRaises(AccessError):
            order_b.with_user(self.staff_a).read(["name", "state"])
        with self.assertRaises(AccessError):
            call_b.with_user(self.staff_a).read(["summary"])
        own = Order.create({"partner_id": self.cust_a.id})
        self.assertEqual(own.retail_branch_id, self.branch_a)
        self.assertEqual(self.visible(self.staff_b, order_b | own), order_b)
        # the controlled lookup answers with the status only
        rows = (
            self.env["crm.jewellery.status.lookup"]
            .with_user(self.staff_a)
            .lookup_status(order_b.name)
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["reference"], order_b.name)
        self.assertEqual(rows[0]["status"], "Quotation")
        self.assertEqual(rows[0]["branch"], self.branch_b.display_name)
        self.assertFalse(rows[0]["own_branch"])
        self.assertNotIn("partner", " ".join(rows[0]))
        by_phone = (
            self.env["crm.jewellery.status.lookup"]
            .with_user(self.staff_a)
            .lookup_status("6123 9876")
        )
        self.assertEqual([r["reference"] for r in by_phone], [order_b.name])
        # written with the country code, it is the same number; a foreign
        # number ending in the same eight digits is not
        Lookup = self.env["crm.jewellery.status.lookup"].with_user(self.staff_a)
        self.assertEqual(
            [r["reference"] for r in Lookup.lookup_status("+852 6123 9876")], [order_b.name]
        )
        self.assertFalse(Lookup.lookup_status("+44 20 6123 9876"))
        # the form: a second look-up replaces the first one's lines
        wizard = (
            self.env["crm.jewellery.status.lookup"]
            .with_user(self.staff_a)
            .create({"query": order_b.name})
        )
        wizard.action_lookup()
        wizard.query = "6123 9876"
        wizard.action_lookup()
        self.assertEqual(wizard.line_ids.mapped("reference"), [order_b.name])
        with self.assertRaises(UserError):
            self.env["crm.jewellery.status.lookup"].with_user(self.staff_a).lookup_status("JC")
        with self.assertRaises(AccessError):
            self.env["crm.jewellery.status.lookup"].with_user(self.internal).lookup_status(
                order_b.name
            )
        # the lookup of another branch's record is logged on it
        self.assertTrue(order_b.message_ids.filtered(lambda m: "looked up" in (m.body or "")))

    def test_repair_branch_rule(self):
        repair_b = self.env["repair.order"].create(
            {"partner_id": self.cust_b.id, "retail_branch_id": self.branch_b.id}
        )
        with self.assertRaises(AccessError):
            repair_b.with_user(self.staff_a).read(["name"])
        rows = (
            self.env["crm.jewellery.status.lookup"]
            .with_user(self.staff_a)
            .lookup_status(repair_b.name)
        )
        self.assertEqual(rows[0]["status"], "Received")
