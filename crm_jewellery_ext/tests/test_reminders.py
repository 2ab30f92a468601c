import datetime

from odoo.tests import tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestReminders(JewelleryCommon):
    def _invoice(self, partner, due, amount=1000.0):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due - datetime.timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    (0, 0, {"product_id": self.product.id, "quantity": 1, "price_unit": amount})
                ],
            }
        )
        move.invoice_payment_term_id = False
        move.invoice_date_due = due
        move.action_post()
        return move

    def test_invoice_stages_once_and_stop_after_payment(self):
        Log = self.env["crm.jewellery.reminder.log"]
        due = datetime.date(2030, 6, 10)
        invoice = self._invoice(self.cust_a, due)

        def send(day):
            logs = Log._send_reminders(day)
            return logs.filtered(lambda g: g.res_model == invoice._name and g.res_id == invoice.id)

        self.assertFalse(send(due - datetime.timedelta(days=5)))
        self.assertEqual(send(due - datetime.timedelta(days=3)).stage, "before_due")
        self.assertEqual(len(self.customer_messages(invoice, self.cust_a)), 1)
        # the same stage is not sent twice
        self.assertFalse(send(due - datetime.timedelta(days=2)))
        self.assertEqual(send(due).stage, "due")
        self.assertIn("due today", self.customer_messages(invoice, self.cust_a)[0].body)
        # payment arrives: no more reminders
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(send(due + datetime.timedelta(days=8)))
        self.assertEqual(
            Log.search([("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]).mapped(
                "stage"
            ),
            ["due", "before_due"],
        )

    def test_custom_order_balance_reminders(self):
        Log = self.env["crm.jewellery.reminder.log"]
        due = datetime.date(2030, 6, 10)
        order = self.env["crm.jewellery.custom.order"].create(
            {
                "partner_id": self.cust_b.id,
                "retail_branch_id": self.branch_b.id,
                "service_amount": 5000.0,
                "amount_paid": 1000.0,
                "balance_due_date": due,
            }
        )
        order.with_context(crm_jewellery_no_notice=True).action_approve_design()
        logs = Log._send_reminders(due + datetime.timedelta(days=7))
        logs = logs.filtered(lambda g: g.res_model == order._name)
        self.assertEqual(logs.res_id, order.id)
        self.assertEqual(logs.stage, "overdue_7")
        message = self.customer_messages(order, self.cust_b)
        self.assertIn("付款提示", message.subject)
        order.amount_paid = 5000.0
        logs = Log._send_reminders(due + datetime.timedelta(days=30))
        self.assertFalse(logs.filtered(lambda g: g.res_model == order._name))
