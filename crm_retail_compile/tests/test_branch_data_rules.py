from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestBranchDataRules(RetailCommon):
    """Invoices, deliveries, the sales analysis and their chatter follow the
    branch of their order or customer (finding 2 of issue 14)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.order_a_own | cls.order_b).action_confirm()
        cls.picking_a = cls.order_a_own.picking_ids
        cls.picking_b = cls.order_b.picking_ids
        Move = cls.env["account.move"]

        def invoice(partner):
            return Move.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": cls.product.id, "price_unit": 100.0})
                    ],
                }
            )

        cls.invoice_a = invoice(cls.cust_a)
        cls.invoice_b = invoice(cls.cust_b)
        cls.env["sale.report"].flush_model()

    def test_branch_of_invoices_pickings_and_moves(self):
        self.assertEqual(self.invoice_b.retail_branch_id, self.branch_b)
        self.assertEqual(self.invoice_b.line_ids.retail_branch_id, self.branch_b)
        self.assertTrue(self.picking_b)
        self.assertEqual(self.picking_b.retail_branch_id, self.branch_b)
        self.assertEqual(self.picking_b.move_ids.retail_branch_id, self.branch_b)
        # documents of an order take the order's branch, not the customer's
        self.order_b.write({"retail_branch_id": self.branch_a.id})
        self.assertEqual(self.picking_b.retail_branch_id, self.branch_a)
        invoice = self.order_b._create_invoices()
        self.assertEqual(invoice.retail_branch_id, self.branch_a)
        self.assertEqual(invoice.line_ids.retail_branch_id, self.branch_a)

    def test_manager_cannot_read_other_branch_invoices_and_deliveries(self):
        for records in (
            self.invoice_b,
            self.invoice_b.line_ids,
            self.picking_b,
            self.picking_b.move_ids,
        ):
            self.assertFalse(self.visible(self.manager_a, records), records._name)
            with self.assertRaises(AccessError):
                records.with_user(self.manager_a).read(["display_name"])
        self.assertEqual(self.visible(self.manager_a, self.invoice_a), self.invoice_a)
        self.assertEqual(self.visible(self.manager_a, self.picking_a), self.picking_a)

    def test_sales_analysis_keeps_to_the_branch(self):
        Report = self.env["sale.report"].with_user(self.manager_a)
        partners = self.cust_a | self.cust_b
        rows = Report.search([("partner_id", "in", partners.ids)])
        self.assertTrue(rows)
        self.assertEqual(rows.retail_branch_id, self.branch_a)
        groups = Report.read_group(
            [("partner_id", "in", partners.ids)], ["price_subtotal:sum"], ["partner_id"]
        )
        self.assertEqual({g["partner_id"][0] for g in groups}, {self.cust_a.id})

    def test_chatter_of_other_branch_picking_is_closed(self):
        picking_b = self.picking_b.with_user(self.staff_a)
        with self.assertRaises(AccessError):
            picking_b.message_post(body="probe note", message_type="comment")
        with self.assertRaises(AccessError):
            self.env["mail.message"].with_user(self.staff_a).create(
                {"model": "stock.picking", "res_id": self.picking_b.id, "body": "probe"}
            )
        message = self.picking_b.message_post(body="internal note")
        with self.assertRaises(AccessError):
            message.with_user(self.staff_a).read(["body"])
        attachment = self.env["ir.attachment"].create(
            {"name": "b.txt", "raw": b"b", "res_model": "account.move", "res_id": self.invoice_b.id}
        )
        with self.assertRaises(AccessError):
            attachment.with_user(self.manager_a).read(["name"])
        self.assertFalse(
            self.env["ir.attachment"]
            .with_user(self.manager_a)
            .search([("res_model", "=", "account.move"), ("res_id", "=", self.invoice_b.id)])
        )

    def test_followers_of_other_branch_customers_are_hidden(self):
        self.order_b.message_subscribe(partner_ids=self.cust_b.ids)
        Followers = self.env["mail.followers"].with_user(self.staff_a)
        self.assertFalse(Followers.search([("partner_id", "=", self.cust_b.id)]))
