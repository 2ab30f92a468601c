"""The sales-event list, pivot and graph totals never mix expected revenue
(lead steps) with actual revenue (orders, refunds, direct invoices), and never
count one sale or one lead once per step."""

from lxml import etree

from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestSalesEventTotals(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["crm.sales.event"]
        cls.product.write({"type": "consu", "invoice_policy": "order"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Totals Customer",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
            }
        )

    def test_totals_do_not_mix_expected_and_actual_revenue(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "HK$12,000 bracelet",
                "type": "lead",
                "partner_id": self.customer.id,
                "expected_revenue": 12000,
                "retail_branch_id": self.branch_a.id,
            }
        )
        lead.convert_opportunity(self.customer)
        lead.action_set_won()
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.staff_a.id,
                "retail_branch_id": self.branch_a.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        order.picking_ids.move_ids.quantity = 2
        order.picking_ids.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()

        domain = [("partner_id", "=", self.customer.id)]
        events = self.Event.search(domain)
        lead_steps = events.filtered(lambda e: e.lead_id == lead)
        self.assertEqual(
            sorted(lead_steps.mapped("event_type")), ["lead_created", "qualified", "won"]
        )
        self.assertEqual(set(lead_steps.mapped("expected_revenue")), {12000.0})
        self.assertEqual(set(lead_steps.mapped("booked_revenue")), {0.0})
        # the order's amount is carried by its confirmation, delivery and invoice
        self.assertEqual(len(events.filtered(lambda e: e.revenue == 10000.0)), 3)
        # what the list used to total: 3 x 12,000 expected + 3 x 10,000 actual
        self.assertEqual(sum(events.mapped("revenue")), 66000.0)

        # the totals the list shows (read_group over the whole selection)
        [totals] = self.Event.read_group(
            domain, ["booked_revenue:sum", "booked_cost:sum", "booked_margin:sum"], []
        )
        self.assertEqual(totals["booked_revenue"], 10000.0)
        self.assertEqual(totals["booked_cost"], 6000.0)
        self.assertEqual(totals["booked_margin"], 4000.0)

        # amounts that are not additive over steps have no aggregate at all
        described = self.Event.fields_get(
            ["revenue", "cost", "margin", "expected_revenue", "booked_revenue"], ["aggregator"]
        )
        for fname in ("revenue", "cost", "margin", "expected_revenue"):
            self.assertFalse(described[fname].get("aggregator"), fname)
        self.assertEqual(described["booked_revenue"]["aggregator"], "sum")
        groups = self.Event.web_read_group(
            domain, ["event_type", "revenue", "expected_revenue", "booked_revenue"], ["event_type"]
        )["groups"]
        for group in groups:
            self.assertNotIn("revenue", group)
            self.assertNotIn("expected_revenue", group)
            self.assertIn("booked_revenue", group)

    def test_views_sum_one_kind_only(self):
        summed = {"booked_revenue", "booked_cost", "booked_margin"}
        arch = etree.fromstring(self.Event.get_view(view_type="list")["arch"])
        self.assertEqual({f.get("name") for f in arch.iter("field") if f.get("sum")}, summed)
        for view_type in ("pivot", "graph"):
            arch = etree.fromstring(self.Event.get_view(view_type=view_type)["arch"])
            measures = {f.get("name") for f in arch.iter("field") if f.get("type") == "measure"}
            self.assertTrue(measures)
            self.assertLessEqual(measures, summed, view_type)
