import datetime

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestRemindNow(JewelleryCommon):
    def setUp(self):
        super().setUp()
        self.Log = self.env["crm.jewellery.reminder.log"]
        self.today = fields.Date.context_today(self.Log)

    def order(self, partner=None, branch=None, paid=1000.0, due=None, approve=True):
        order = (
            self.env["crm.jewellery.custom.order"]
            .with_context(crm_jewellery_no_notice=True)
            .create(
                {
                    "partner_id": (partner or self.cust_a).id,
                    "retail_branch_id": (branch or self.branch_a).id,
                    "service_amount": 5000.0,
                    "amount_paid": paid,
                    "balance_due_date": due or self.today,
                }
            )
        )
        if approve:
            order.action_approve_design()
        return order

    def logs(self, order):
        return self.Log.search([("res_model", "=", order._name), ("res_id", "in", order.ids)])

    def test_remind_now_delivers_once_and_logs(self):
        order = self.order()
        action = order.with_user(self.staff_a).action_remind_now()
        self.assertEqual(action["params"]["type"], "success")
        log = self.logs(order)
        self.assertEqual(len(log), 1)
        self.assertEqual(log.stage, "due")
        self.assertEqual(log.channel, "email")
        self.assertEqual(log.reminded_by_id, self.staff_a)
        self.assertEqual(log.amount_due, 4000.0)
        self.assertEqual(len(self.customer_messages(order, self.cust_a)), 1)
        # logged on the customer too, with the document and the channel
        notes = self.cust_a.message_ids.filtered(lambda m: order.name in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("by e-mail", notes.body)
        # not twice the same day, by the button or the daily job
        with self.assertRaisesRegex(UserError, "already sent today"):
            order.with_user(self.staff_a).action_remind_now()
        self.assertFalse(
            self.Log._send_reminders(self.today).filtered(lambda g: g.res_id == order.id)
        )
        self.assertEqual(len(self.logs(order)), 1)
        self.assertEqual(len(self.customer_messages(order, self.cust_a)), 1)

    def test_before_the_first_stage_and_the_job_after(self):
        due = self.today + datetime.timedelta(days=20)
        order = self.order(due=due)
        self.Log.with_user(self.staff_a).remind_now(order._name, order.ids)
        self.assertEqual(self.logs(order).stage, "before_due")
        # the job skips the stage sent by hand and sends the next one
        logs = self.Log._send_reminders(due)
        self.assertEqual(logs.filtered(lambda g: g.res_id == order.id).stage, "due")

    def test_sms_customer_and_xmlrpc_result(self):
        self.cust_b.write({"preferred_contact_channel": "sms"})
        order = self.order(self.cust_b, self.branch_b)
        result = self.Log.with_user(self.staff_b).remind_now(order._name, order.ids)
        self.assertEqual(
            result,
            [
                {
                    "res_model": order._name,
                    "res_id": order.id,
                    "stage": "due",
                    "channel": "sms",
                    "log_id": self.logs(order).id,
                }
            ],
        )
        self.assertTrue(self.sms_to(self.cust_b))

    def test_invoice_remind_now(self):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.cust_a.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    (0, 0, {"product_id": self.product.id, "quantity": 1, "price_unit": 800})
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "no unpaid balance"):
            self.Log.with_user(self.manager_a).remind_now(move._name, move.ids)
        move.action_post()
        # branch staff do not read invoices: the branch manager does
        with self.assertRaises(AccessError):
            move.with_user(self.staff_a).action_remind_now()
        action = move.with_user(self.manager_a).action_remind_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.logs(move).channel, "email")
        self.assertEqual(len(self.customer_messages(move, self.cust_a)), 1)
        with self.assertRaisesRegex(UserError, "already sent today"):
            self.Log.with_user(self.manager_a).remind_now(move._name, move.ids)

    def test_nothing_to_remind(self):
        staff = self.staff_a
        paid = self.order(paid=5000.0)
        quotation = self.order(approve=False)
        for order in (paid, quotation):
            with self.subTest(order=order.name), self.assertRaisesRegex(UserError, "no unpaid"):
                order.with_user(staff).action_remind_now()
        # no e-mail or mobile, or a customer who prefers calls
        unreachable = self.order(self.cust_a2)
        with self.assertRaisesRegex(UserError, "call them"):
            unreachable.with_user(staff).action_remind_now()
        self.cust_a.preferred_contact_channel = "phone"
        order = self.order()
        with self.assertRaisesRegex(UserError, "call them"):
            order.with_user(staff).action_remind_now()
        self.assertFalse(self.logs(paid | quotation | unreachable | order))

    def test_denied_without_the_role_or_the_branch(self):
        order = self.order()
        for user in (self.analyst, self.internal, self.staff_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Log.with_user(user).remind_now(order._name, order.ids)
        with self.assertRaises(AccessError):
            order.with_user(self.staff_b).action_remind_now()
        self.assertFalse(self.logs(order))

    def test_bad_input(self):
        order = self.order()
        Log = self.Log.with_user(self.staff_a)
        for args in (
            ("res.partner", self.cust_a.ids),
            (order._name, "1"),
            (order._name, [order.id, "x"]),
            (order._name, [999999999]),
            (order._name, []),
        ):
            with self.subTest(args=args), self.assertRaises(UserError):
                Log.remind_now(*args)
