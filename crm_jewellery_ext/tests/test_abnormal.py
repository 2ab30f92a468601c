import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.crm_jewellery_ext.lib import abnormal

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestAbnormal(JewelleryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Case = cls.env["crm.jewellery.abnormal.case"]
        cls.rules = cls.env["crm.jewellery.abnormal.rule"].search([])
        cls.rule = {r.code: r for r in cls.rules}

    def _invoice(self, partner, lines, move_type="out_invoice", due=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": datetime.date.today(),
                "invoice_line_ids": [
                    (0, 0, dict({"product_id": self.product.id, "quantity": 1}, **line))
                    for line in lines
                ],
            }
        )
        if due:
            move.invoice_payment_term_id = False
            move.invoice_date_due = due
        move.action_post()
        return move

    def cases(self, code, record):
        return self.Case.search(
            [
                ("rule_id", "=", self.rule[code].id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
            ]
        )

    def test_pure_rules(self):
        self.assertTrue(abnormal.discount_is_abnormal(25, 20))
        self.assertFalse(abnormal.discount_is_abnormal(20, 20))
        self.assertTrue(abnormal.price_below_cost(2000, 3000))
        self.assertTrue(abnormal.cash_needs_cdd(120000))
        self.assertFalse(abnormal.cash_needs_cdd(119999.99))

    def test_normal_invoice_not_flagged(self):
        self.order_a_own.action_confirm()
        invoice = self.order_a_own._create_invoices()
        invoice.action_post()
        self.rules._scan()
        self.assertFalse(
            self.Case.search([("res_id", "=", invoice.id), ("res_model", "=", "account.move")])
        )
        self.assertFalse(self.cases("below_cost", self.order_a_own))

    def test_discount_on_post_and_idempotent(self):
        invoice = self._invoice(self.cust_a, [{"price_unit": 5000, "discount": 30}])
        case = self.cases("discount", invoice)
        self.assertEqual(len(case), 1, "flagged on post")
        self.assertEqual(case.retail_branch_id, self.branch_a)
        self.rules._scan()
        self.assertEqual(len(self.cases("discount", invoice)), 1, "no duplicate")

    def test_below_cost_and_order_discount(self):
        self.order_a_own.order_line.write({"price_unit": 2000.0})
        self.order_a_other.order_line.write({"discount": 50.0})
        (self.order_a_own | self.order_a_other).action_confirm()
        self.rules._scan()
        self.assertTrue(self.cases("below_cost", self.order_a_own))
        self.assertTrue(self.cases("discount", self.order_a_other))

    def test_invoice_differs_and_second_invoice(self):
        self.order_a_own.action_confirm()
        invoice = self.order_a_own._create_invoices()
        invoice.invoice_line_ids.price_unit = 4000.0
        invoice.action_post()
        self.assertTrue(self.cases("invoice_vs_order", invoice))
        sol = self.order_a_own.order_line
        second = self._invoice(
            self.cust_a, [{"price_unit": 5000, "sale_line_ids": [(6, 0, sol.ids)]}]
        )
        self.assertTrue(self.cases("double_invoice", second))
        self.assertFalse(self.cases("double_invoice", invoice))

    def test_refund_and_overdue(self):
        refund = self._invoice(self.cust_a, [{"price_unit": 20000}], move_type="out_refund")
        self.assertTrue(self.cases("refund", refund))
        small = self._invoice(self.cust_a, [{"price_unit": 500}], move_type="out_refund")
        self.assertFalse(self.cases("refund", small))
        old = self._invoice(
            self.cust_a, [{"price_unit": 800}], due=datetime.date.today() - datetime.timedelta(90)
        )
        recent = self._invoice(
            self.cust_a, [{"price_unit": 800}], due=datetime.date.today() - datetime.timedelta(5)
        )
        self.rules._scan()
        self.assertTrue(self.cases("overdue", old))
        self.assertFalse(self.cases("overdue", recent))

    def test_cash_due_diligence(self):
        cash = self.env["account.journal"].search([("type", "=", "cash")], limit=1)
        Payment = self.env["account.payment"]
        big = Payment.create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.cust_a.id,
                "amount": 150000.0,
                "journal_id": cash.id,
            }
        )
        small = Payment.create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.cust_a2.id,
                "amount": 50000.0,
                "journal_id": cash.id,
            }
        )
        (big | small).action_post()
        self.rule["cash_cdd"]._scan()
        self.assertTrue(self.cases("cash_cdd", big))
        self.assertFalse(self.cases("cash_cdd", small))
        self.assertTrue(self.cust_a.cdd_required)
        self.assertFalse(self.cust_a2.cdd_required)
        hold = self.env["crm.privacy.legal.hold"].search([("partner_id", "=", self.cust_a.id)])
        self.assertEqual(hold.reason, "aml")

    def test_review_queue(self):
        invoice = self._invoice(self.cust_a, [{"price_unit": 5000, "discount": 30}])
        case = (
            self.cases("discount", invoice)
            .with_user(self.manager_a)
            .with_context(tracking_disable=False)
        )
        with self.assertRaises(UserError):
            case.action_justify()
        case.justification = "Staff purchase approved by the director"
        case.action_justify()
        self.assertEqual(case.state, "justified")
        self.assertEqual(case.reviewer_id, self.manager_a)
        self.env.flush_all()
        self.cr.precommit.run()
        self.assertTrue(case.message_ids.tracking_value_ids)
        # branch staff have no access to the review queue
        with self.assertRaises(AccessError):
            case.with_user(self.staff_b).read(["name"])
