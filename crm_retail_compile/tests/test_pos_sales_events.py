from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import float_compare

from odoo.addons.crm_retail_compile.lib import report_engine

from .pos_common import PosCommon


@tagged("post_install", "-at_install")
class TestPosSalesEvents(PosCommon):
    """Issue 21: POS orders in the sales cycle. Paid, invoiced and refunded
    POS orders become sales events and customer profit equal to the POS
    totals to the cent; the buyers are in-store customers in the reports;
    POS orders, sessions and payments follow the branch rules."""

    def events(self, orders, **filters):
        domain = [("pos_order_id", "in", orders.ids)]
        domain += [(k, "=", v) for k, v in filters.items()]
        return self.env["crm.sales.event"].search(domain)

    def assertCents(self, first, second, msg=None):
        self.assertEqual(float_compare(first, second, precision_digits=2), 0, msg or "")

    @staticmethod
    def pos_revenue(orders):
        return sum(o.amount_total - o.amount_tax for o in orders)

    @staticmethod
    def pos_cost(orders):
        return sum(orders.lines.mapped("total_cost"))

    def assertReconciled(self, orders):
        revenue = self.events(orders, is_revenue=True)
        self.assertCents(sum(revenue.mapped("booked_revenue")), self.pos_revenue(orders))
        self.assertCents(sum(revenue.mapped("booked_cost")), self.pos_cost(orders))
        self.assertCents(
            sum(revenue.mapped("booked_margin")),
            self.pos_revenue(orders) - self.pos_cost(orders),
        )

    def test_events_and_profit_equal_pos_totals_refunds_included(self):
        sale = self.pos_sell(
            self.till_a, [(self.pos_ring, 3, 12.5), (self.pos_chain, 7, 0)], partner=self.cust_a
        )
        second = self.pos_sell(self.till_a, [(self.pos_chain, 1, 3)], partner=self.cust_a)
        anonymous = self.pos_sell(self.till_a, [(self.pos_ring, 1, 0)])
        refund = self.pos_refund(sale, [(sale.lines[0], 1)])
        orders = sale | second | anonymous | refund
        self.assertEqual(set(orders.mapped("state")), {"paid"})
        self.assertLess(refund.amount_total, 0)
        self.assertEqual(refund.refunded_order_id, sale)

        self.assertReconciled(orders)
        self.assertEqual(len(self.events(sale, event_type="order_confirmed")), 1)
        self.assertEqual(len(self.events(sale, event_type="paid")), 1)
        refund_event = self.events(refund, is_revenue=True)
        self.assertEqual(refund_event.event_type, "refunded")
        self.assertEqual(refund_event.retail_branch_id, self.branch_a)
        self.assertEqual(refund_event.partner_id, self.cust_a)
        self.assertFalse(self.events(anonymous).partner_id)
        self.assertIn(
            self.pos_ring.categ_id, self.events(sale, event_type="order_confirmed").categ_ids
        )

        # customer profit: the customer's POS orders, refund included
        self.env["crm.customer.profit"]._refresh()
        profit = self.env["crm.customer.profit"].search([("partner_id", "=", self.cust_a.id)])
        mine = sale | second | refund
        self.assertCents(sum(profit.mapped("revenue")), self.pos_revenue(mine))
        self.assertCents(sum(profit.mapped("cost")), self.pos_cost(mine))
        self.assertEqual(sum(profit.mapped("order_count")), 2)
        self.assertEqual(sum(profit.mapped("return_count")), 1)
        self.assertEqual(profit.retail_branch_id, self.branch_a)

        # recording again, or the hourly job, adds nothing
        Event = self.env["crm.sales.event"]
        self.assertEqual(Event._sync_pos_events(pos_order_ids=orders.ids), 0)
        # closing the session posts the orders: still the same figures
        session = self.till_a.current_session_id
        session.action_pos_session_closing_control()
        self.assertEqual(session.state, "closed")
        self.assertEqual(set(orders.mapped("state")), {"done"})
        self.assertReconciled(orders)
        self.assertEqual(Event._sync_pos_events(pos_order_ids=orders.ids), 0)
        # the session's journal entries are no sale of their own
        moves = session.move_id | orders.account_move
        self.assertFalse(Event.search([("move_id", "in", moves.ids), ("is_revenue", "=", True)]))

    def test_invoiced_pos_order_counts_once(self):
        order = self.pos_sell(
            self.till_a, [(self.pos_ring, 2, 0)], partner=self.cust_a, invoice=True
        )
        self.assertEqual(order.state, "invoiced")
        self.assertEqual(order.account_move.state, "posted")
        self.assertReconciled(order)
        invoiced = self.events(order, event_type="invoiced")
        self.assertEqual(invoiced.move_id, order.account_move)
        self.assertFalse(invoiced.is_revenue)
        # the invoice itself is not a second sale
        Event = self.env["crm.sales.event"]
        Event._sync_invoice_events(move_ids=order.account_move.ids)
        self.assertFalse(
            Event.search([("move_id", "=", order.account_move.id), ("is_revenue", "=", True)])
        )
        self.env["crm.customer.profit"]._refresh()
        profit = self.env["crm.customer.profit"].search([("partner_id", "=", self.cust_a.id)])
        self.assertCents(sum(profit.mapped("revenue")), self.pos_revenue(order))

    def test_cost_known_later_is_adjusted_to_the_cent(self):
        order = self.pos_sell(self.till_a, [(self.pos_ring, 1, 0)], partner=self.cust_a2)
        self.assertReconciled(order)
        # average-cost products are valued at the session's closing
        order.lines.write({"total_cost": 701.13})
        self.assertReconciled(order)
        adjusted = self.events(order, event_type="order_adjusted")
        self.assertCents(adjusted.booked_cost, 701.13 - 678.91)
        self.assertEqual(adjusted.event_date, order.date_order, "dated like the sale")

    def test_pos_buyers_are_in_store_customers_in_reports(self):
        self.cust_a.retail_channel = "online"
        self.cust_a2.retail_channel = False
        self.pos_sell(self.till_a, [(self.pos_chain, 2, 0)], partner=self.cust_a)
        self.pos_sell(self.till_a, [(self.pos_chain, 1, 0)], partner=self.cust_a2)
        self.env["crm.sales.event"].flush_model()
        self.assertEqual(self.cust_a.retail_channel, "both")
        self.assertEqual(self.cust_a2.retail_channel, "store")
        self.env["crm.customer.profit"]._refresh()
        groups = self.env["crm.customer.profit"].read_group(
            [("partner_id", "in", (self.cust_a | self.cust_a2).ids)],
            ["revenue:sum"],
            ["retail_channel"],
        )
        by_channel = {g["retail_channel"]: g["revenue"] for g in groups}
        self.assertCents(by_channel["both"], 2 * 99.99)
        self.assertCents(by_channel["store"], 99.99)
        # the department reports group sales by the same channel
        dataset = report_engine.BASE_DATASETS["sales_events"]
        self.assertIn("channel", dataset.dimensions)
        self.assertEqual(dataset.dimensions["channel"].path, "partner_id.retail_channel")

    def test_existing_customer_found_by_reformatted_phone_is_not_duplicated(self):
        self.cust_a.write({"phone": "+852 9123 4567"})
        Partner = self.env["res.partner"]
        till_partner = Partner.with_user(self.staff_a)
        if hasattr(till_partner, "crm_pos_find_customers"):
            found = till_partner.crm_pos_find_customers(self.till_a.id, "9123-4567")
        else:  # the till's search: the suite's phone matching
            found = till_partner.search([("phone", "ilike", "9123 4567")]).ids
        self.assertEqual(found, self.cust_a.ids)
        before = Partner.with_context(active_test=False).search_count([])
        order = self.pos_sell(self.till_a, [(self.pos_ring, 1, 0)], partner=Partner.browse(found))
        self.assertEqual(order.partner_id, self.cust_a)
        self.assertEqual(Partner.with_context(active_test=False).search_count([]), before)
        self.assertEqual(self.events(order, is_revenue=True).partner_id, self.cust_a)

    def test_cashier_sees_only_own_branch_pos_records(self):
        order_a = self.pos_sell(self.till_a, [(self.pos_chain, 1, 0)], partner=self.cust_a)
        order_b = self.pos_sell(self.till_b, [(self.pos_chain, 1, 0)], partner=self.cust_b)
        self.assertEqual(order_a.retail_branch_id, self.branch_a)
        self.assertEqual(order_a.payment_ids.retail_branch_id, self.branch_a)
        self.assertEqual(order_a.session_id.retail_branch_id, self.branch_a)
        self.assertEqual(order_a.lines.retail_branch_id, self.branch_a)
        records = {
            "pos.order": (order_a, order_b),
            "pos.order.line": (order_a.lines, order_b.lines),
            "pos.payment": (order_a.payment_ids, order_b.payment_ids),
            "pos.session": (order_a.session_id, order_b.session_id),
            "pos.config": (self.till_a, self.till_b),
        }
        for model, (own, other) in records.items():
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.staff_a)
                found = Model.search([("id", "in", (own | other).ids)])
                self.assertEqual(found.ids, own.ids)
                with self.assertRaises(AccessError):
                    Model.browse(other.ids).read(["display_name"])
        # a till's cash move for another branch's customer is hidden too
        line_b = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.cash_b.journal_id.id,
                "amount": 10.0,
                "payment_ref": "Cash in",
                "partner_id": self.cust_b.id,
            }
        )
        Line = self.env["account.bank.statement.line"].with_user(self.staff_a)
        self.assertFalse(Line.search([("id", "=", line_b.id)]))
        # the manager of branch A neither; the retail administrator sees both

        Order = self.env["pos.order"]
        self.assertEqual(
            Order.with_user(self.manager_a).search([("id", "in", (order_a | order_b).ids)]),
            order_a,
        )
        self.assertEqual(
            Order.with_user(self.retail_admin).search([("id", "in", (order_a | order_b).ids)]),
            order_a | order_b,
        )

    def test_staff_are_cashiers_of_their_branch(self):
        self.assertTrue(self.staff_a.has_group("point_of_sale.group_pos_user"))
        self.assertEqual(
            self.env["pos.config"].with_user(self.staff_a).search([]).retail_branch_id,
            self.branch_a,
        )
