from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestServiceStatus(JewelleryCommon):
    def test_custom_order_email_notice(self):
        self.cust_a.preferred_contact_channel = "email"
        order = self.env["crm.jewellery.custom.order"].create(
            {"partner_id": self.cust_a.id, "service_amount": 1000.0, "amount_paid": 300.0}
        )
        self.assertEqual(order.balance, 700.0)
        order.action_approve_design()
        messages = self.customer_messages(order, self.cust_a)
        self.assertEqual(len(messages), 1)
        self.assertIn("Design Approved", messages.subject)
        self.assertFalse(self.sms_to(self.cust_a))
        with self.assertRaises(UserError):
            order.action_collect()

    def test_custom_order_sms_notice_chinese(self):
        self.cust_b.preferred_contact_channel = "sms"
        order = self.env["crm.jewellery.custom.order"].create(
            {"partner_id": self.cust_b.id, "retail_branch_id": self.branch_b.id}
        )
        order.action_approve_design()
        sms = self.sms_to(self.cust_b)
        self.assertEqual(len(sms), 1)
        self.assertIn("設計已確認", sms.body)
        self.assertEqual(self.customer_messages(order, self.cust_b).message_type, "sms")

    def test_phone_preference_gives_call_activity(self):
        self.cust_a.preferred_contact_channel = "phone"
        order = self.env["crm.jewellery.custom.order"].create({"partner_id": self.cust_a.id})
        order.action_approve_design()
        self.assertTrue(order.activity_ids)
        self.assertFalse(self.customer_messages(order, self.cust_a))

    def test_workflow_guard(self):
        order = self.env["crm.jewellery.custom.order"].create({"partner_id": self.cust_a.id})
        with self.assertRaises(UserError):
            order.action_ready()

    def test_repair_status_notice(self):
        self.cust_a.preferred_contact_channel = "email"
        repair = self.env["repair.order"].create(
            {
                "partner_id": self.cust_a.id,
                "jewellery_service_type": "resize",
                "retail_branch_id": self.branch_a.id,
            }
        )
        self.assertEqual(repair.customer_status, "received")
        repair.action_validate()
        self.assertEqual(repair.customer_status, "confirmed")
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(repair.customer_status, "ready")
        repair.action_jewellery_collect()
        self.assertEqual(repair.customer_status, "collected")
        subjects = self.customer_messages(repair, self.cust_a).mapped("subject")
        self.assertEqual(len(subjects), 4)
        self.assertTrue(any("Ready for Collection" in s for s in subjects))
