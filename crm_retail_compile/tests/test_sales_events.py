from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import pending_jobs, run_jobs
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..models.crm_sales_event import CrmSalesEvent
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestSalesEvents(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["crm.sales.event"]
        cls.Profit = cls.env["crm.customer.profit"]
        cls.product_2 = cls.env["product.product"].create(
            {
                "name": "Jade Bangle",
                "list_price": 1000.0,
                "standard_price": 400.0,
                "type": "consu",
                "invoice_policy": "order",
            }
        )
        cls.product.write({"type": "consu", "invoice_policy": "order"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Cycle Customer",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
            }
        )

    def events(self, record, event_type=None):
        field = {
            "crm.lead": "lead_id",
            "sale.order": "order_id",
            "account.move": "move_id",
            "stock.picking": "picking_id",
        }[record._name]
        domain = [(field, "=", record.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.Event.search(domain, order="id")

    def new_order(self, qty=2, price=None):
        line = {"product_id": self.product.id, "product_uom_qty": qty}
        if price is not None:
            line["price_unit"] = price
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.staff_a.id,
                "retail_branch_id": self.branch_a.id,
                "order_line": [(0, 0, line)],
            }
        )

    def assert_reconciled(self):
        """The profit table equals the events it was computed from."""
        self.Profit._refresh()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COALESCE(SUM(revenue), 0), COALESCE(SUM(cost), 0) "
            "FROM crm_sales_event WHERE is_revenue AND partner_id IS NOT NULL"
        )  # sales to anonymous walk-in customers (POS) have no customer profit
        ev_revenue, ev_cost = self.env.cr.fetchone()
        self.env.cr.execute(
            "SELECT COALESCE(SUM(revenue), 0), COALESCE(SUM(cost), 0), "
            "COALESCE(SUM(profit), 0) FROM crm_customer_profit"
        )
        pr_revenue, pr_cost, pr_profit = self.env.cr.fetchone()
        self.assertAlmostEqual(float(ev_revenue), float(pr_revenue), places=2)
        self.assertAlmostEqual(float(ev_cost), float(pr_cost), places=2)
        self.assertAlmostEqual(float(ev_revenue - ev_cost), float(pr_profit), places=2)
        # the incremental table is the one a full rebuild gives
        cells = (
            "SELECT partner_id, month, retail_branch_id, revenue, cost, order_count, "
            "return_count FROM crm_customer_profit ORDER BY 1, 2, 3"
        )
        self.env.cr.execute(cells)
        incremental = self.env.cr.fetchall()
        self.Profit._refresh(full=True)
        self.env.cr.execute(cells)
        self.assertEqual(incremental, self.env.cr.fetchall())

    # ---- pipeline ---------------------------------------------------------
    def test_lead_steps_each_create_one_event(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Engagement ring",
                "type": "lead",
                "partner_id": self.customer.id,
                "expected_revenue": 30000,
                "retail_branch_id": self.branch_a.id,
            }
        )
        self.assertEqual(self.events(lead).mapped("event_type"), ["lead_created"])
        lead.convert_opportunity(self.customer)
        self.assertEqual(len(self.events(lead, "qualified")), 1)
        lead.action_set_won()
        won = self.events(lead, "won")
        self.assertEqual(len(won), 1)
        self.assertEqual(won.revenue, 30000)
        self.assertEqual(won.retail_branch_id, self.branch_a)
        # writing again does not duplicate anything
        lead.write({"probability": 100})
        self.assertEqual(len(self.events(lead)), 3)

    def test_lead_steps_are_recorded_once_before_the_commit(self):
        """Lead writes queue the lead; its steps are recorded once, by the
        pre-commit hook, or as soon as events are read."""
        lead = self.env["crm.lead"].create(
            {"name": "Queued", "partner_id": self.customer.id, "type": "opportunity"}
        )
        lead.write({"expected_revenue": 500})
        lead.write({"stage_id": self.env["crm.stage"].search([], limit=1).id})

        def count():
            self.env.cr.execute(
                "SELECT event_type FROM crm_sales_event WHERE lead_id = %s ORDER BY id", [lead.id]
            )
            return [row[0] for row in self.env.cr.fetchall()]

        self.assertEqual(count(), [], "nothing recorded before the commit")
        self.env.cr.precommit.run()
        self.assertEqual(count(), ["lead_created", "qualified"])
        lead.action_set_lost()
        self.assertEqual(self.events(lead, "lost").lost_reason_id.id, False)
        self.assertEqual(count(), ["lead_created", "qualified", "lost"], "a read records")

    def test_lost_with_reason_and_reopen(self):
        reason = self.env["crm.lost.reason"].create({"name": "Too expensive"})
        lead = self.env["crm.lead"].create(
            {"name": "Pearl necklace", "type": "opportunity", "partner_id": self.customer.id}
        )
        lead.action_set_lost(lost_reason_id=reason.id)
        lost = self.events(lead, "lost")
        self.assertEqual(len(lost), 1)
        self.assertEqual(lost.lost_reason_id, reason)
        lead.action_unarchive()
        self.assertEqual(len(self.events(lead, "reopened")), 1)
        report = self.env["crm.sales.cycle.report"].search([("lead_id", "=", lead.id)])
        self.assertEqual(report.outcome, "pending")

    # ---- orders -----------------------------------------------------------
    def test_order_cycle_amounts(self):
        order = self.new_order(qty=2)
        self.assertFalse(self.events(order))
        order.action_quotation_sent()
        self.assertEqual(len(self.events(order, "quotation_sent")), 1)
        order.action_confirm()
        confirmed = self.events(order, "order_confirmed")
        self.assertEqual(len(confirmed), 1)
        self.assertEqual(confirmed.revenue, 10000.0)  # 2 x 5,000
        self.assertEqual(confirmed.cost, 6000.0)  # 2 x 3,000 (sale_margin)
        self.assertEqual(confirmed.margin, 4000.0)
        self.assertEqual(confirmed.partner_id, self.customer)
        self.assertEqual(confirmed.user_id, self.staff_a)
        self.assertEqual(confirmed.categ_ids, self.product.categ_id)
        self.assertTrue(confirmed.is_revenue)
        self.assertEqual(confirmed.currency_id, self.env.company.currency_id)

        # delivery
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.button_validate()
        delivered = self.events(picking, "delivered")
        self.assertEqual(len(delivered), 1)
        self.assertEqual(delivered.revenue, 10000.0)
        self.assertFalse(delivered.is_revenue)

        # invoice and payment
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(len(self.events(invoice, "invoiced")), 1)
        self.assertEqual(self.events(invoice, "invoiced").revenue, 10000.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        paid = self.events(invoice, "paid")
        self.assertEqual(len(paid), 1, "payment recorded at once")
        # nothing more to record for all these documents
        self.assertEqual(self.Event._sync_all(), 0)
        self.assert_reconciled()

    def test_changed_and_cancelled_orders_reconcile(self):
        order = self.new_order(qty=1)
        order.action_confirm()
        self.assert_reconciled()
        # a line added after confirmation is an adjustment
        order.write(
            {"order_line": [(0, 0, {"product_id": self.product_2.id, "product_uom_qty": 1})]}
        )
        adjusted = self.events(order, "order_adjusted")
        self.assertEqual(len(adjusted), 1)
        self.assertEqual(adjusted.revenue, 1000.0)
        self.assertEqual(adjusted.cost, 400.0)
        self.assert_reconciled()
        # the price of a line changes
        order.order_line[0].price_unit = 4500
        self.assertEqual(sum(self.events(order).filtered("is_revenue").mapped("revenue")), 5500)
        self.assert_reconciled()
        # cancellation reverses everything recorded
        order._action_cancel()
        cancelled = self.events(order, "order_cancelled")
        self.assertEqual(len(cancelled), 1)
        self.assertEqual(cancelled.revenue, -5500.0)
        self.assertEqual(sum(self.events(order).filtered("is_revenue").mapped("revenue")), 0)
        self.assert_reconciled()
        profit = self.Profit.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sum(profit.mapped("revenue")), 0)
        self.assertEqual(sum(profit.mapped("order_count")), 0)
        # confirmed again later: a new confirmation, once
        order.action_draft()
        order.action_confirm()
        self.assertEqual(len(self.events(order, "order_confirmed")), 2)
        self.assert_reconciled()

    def test_refund_is_negative_revenue_and_a_return(self):
        order = self.new_order(qty=1)
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        refund_wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        refund = self.env["account.move"].browse(refund_wizard.refund_moves()["res_id"])
        refund.action_post()
        refunded = self.events(refund, "refunded")
        self.assertEqual(len(refunded), 1)
        self.assertEqual(refunded.revenue, -5000.0)
        self.assertEqual(refunded.cost, -3000.0)
        self.assertTrue(refunded.is_revenue)
        self.Profit._refresh()
        profit = self.Profit.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sum(profit.mapped("return_count")), 1)
        self.assertEqual(sum(profit.mapped("revenue")), 0)
        self.assert_reconciled()

    def test_direct_invoice_is_revenue_and_its_refund_reverses_it(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": self.product_2.id, "quantity": 2, "price_unit": 900})
                ],
            }
        )
        invoice.action_post()
        invoiced = self.events(invoice, "invoiced")
        self.assertTrue(invoiced.is_revenue, "no order recorded it: the invoice is the sale")
        self.assertEqual(invoiced.revenue, 1800.0)
        self.assertEqual(invoiced.retail_branch_id, self.branch_a, "the customer's home branch")
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.action_post()
        self.Profit._refresh()
        profit = self.Profit.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sum(profit.mapped("revenue")), 0)
        self.assert_reconciled()

    # ---- permanence and access -------------------------------------------
    def test_events_are_immutable(self):
        order = self.new_order()
        order.action_confirm()
        event = self.events(order, "order_confirmed")
        for user in (self.env.ref("base.user_admin"), self.manager_a):
            with self.assertRaises(UserError):
                event.with_user(user).write({"revenue": 1})
            with self.assertRaises(UserError):
                event.with_user(user).unlink()
        with self.assertRaises(UserError):
            event.sudo().write({"revenue": 1})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        with self.assertRaises(UserError):
            self.Event.sudo().create({"event_type": "won", "event_date": fields.Datetime.now()})
        # the quotation can go, its record stays
        name = order.name
        order._action_cancel()
        order.unlink()
        self.env.invalidate_all()
        self.assertTrue(event.exists())
        self.assertEqual(event.name, name)
        self.assertFalse(event.order_id)
        self.assertEqual(event.revenue, 10000.0)

    def test_branch_scoping_of_events_and_profit(self):
        order_b = self.env["sale.order"].create(
            {
                "partner_id": self.cust_b.id,
                "user_id": self.staff_b.id,
                "retail_branch_id": self.branch_b.id,
                "order_line": [(0, 0, {"product_id": self.product.id})],
            }
        )
        order_b.action_confirm()
        order_a = self.new_order()
        order_a.action_confirm()
        self.Profit._refresh()
        visible = self.Event.with_user(self.manager_a).search([])
        self.assertIn(self.events(order_a, "order_confirmed"), visible)
        self.assertNotIn(self.events(order_b, "order_confirmed"), visible)
        profit_b = self.Profit.search([("partner_id", "=", self.cust_b.id)])
        self.assertTrue(profit_b)
        with self.assertRaises(AccessError):
            profit_b.with_user(self.manager_a).read(["revenue"])
        # branch staff have no access to profit figures at all
        with self.assertRaises(AccessError):
            self.Profit.with_user(self.staff_a).search([])

    def test_backfill_is_idempotent(self):
        order = self.new_order()
        order.action_confirm()
        # forget what was recorded (as if the module had just been installed)
        self.env.cr.execute("DELETE FROM crm_sales_event WHERE order_id = %s", [order.id])
        self.Event.invalidate_model()
        self.assertFalse(self.events(order))
        first = self.Event.with_user(self.retail_admin).action_backfill()
        self.assertEqual(first["type"], "ir.actions.client")
        # a queue job records them, once even if queued twice
        self.Event.with_user(self.retail_admin).action_backfill()
        self.assertFalse(self.events(order))
        self.assertEqual(run_jobs(self.env, "_job_backfill"), 1)
        self.Event.invalidate_model()
        self.assertEqual(len(self.events(order, "order_confirmed")), 1)
        self.assertEqual(self.Event._sync_all(), 0, "a second run records nothing")
        with self.assertRaises(UserError):
            self.Event.with_user(self.manager_a).action_backfill()

    def test_hourly_sync_only_queues_its_job(self):
        order = self.new_order()
        order.action_confirm()
        # events the real-time hooks missed (e.g. written by an SQL import)
        self.env.cr.execute("DELETE FROM crm_sales_event WHERE order_id = %s", [order.id])
        self.Event.invalidate_model()
        self.env["ir.config_parameter"].set_param(
            "crm_retail_compile.sales_event_sync_since", False
        )
        self.Event._cron_sync()
        self.Event._cron_sync()  # fired again while the first waits: one job
        self.assertFalse(self.events(order), "the scheduled action does no work inline")
        [job] = pending_jobs(self.env, "_job_sync")
        self.assertEqual(job.channel, "root.crm_nightly")
        self.assertEqual(run_jobs(self.env, "_job_sync"), 1)
        self.Event.invalidate_model()
        self.assertEqual(len(self.events(order, "order_confirmed")), 1)
        profit = self.Profit.search([("partner_id", "=", self.customer.id)])
        self.assertAlmostEqual(sum(profit.mapped("revenue")), order.amount_untaxed, places=2)
        self.assert_reconciled()
        # the job run twice changes nothing the second time
        events = self.Event.search_count([])
        domain = [("partner_id", "=", self.customer.id)]
        figures = self.Profit.search_read(domain, ["month", "revenue", "cost"])
        self.Event._cron_sync()
        self.assertEqual(run_jobs(self.env, "_job_sync"), 1)
        self.assertEqual(self.Event.search_count([]), events)
        self.Profit.invalidate_model()
        self.assertEqual(self.Profit.search_read(domain, ["month", "revenue", "cost"]), figures)
        second = self.env["queue.job"].search([("method_name", "=", "_job_sync")], limit=1)
        self.assertNotEqual(second, job)
        self.assertEqual(second.state, "done")
        self.assertEqual(second.result, "0 missing events recorded.")

    def test_hourly_sync_retries_after_a_transient_error(self):
        self.Event._cron_sync()
        [record] = pending_jobs(self.env, "_job_sync")
        job = Job.load(self.env, record.uuid)
        self.assertEqual(job.job_config.retry_pattern, {1: 10, 2: 60, 3: 600})
        lost = psycopg2.InterfaceError("connection already closed")
        with (
            patch.object(CrmSalesEvent, "_sync_recent", side_effect=lost),
            self.assertRaises(RetryableJobError),
        ):
            job.perform()
        # the first retry waits as the job function's pattern says
        self.assertEqual(job._get_retry_seconds(), 10)
        # any other error fails the job at once
        with (
            patch.object(CrmSalesEvent, "_sync_recent", side_effect=ValueError("bad data")),
            self.assertRaises(ValueError),
        ):
            Job.load(self.env, record.uuid).perform()

    def test_profit_dimensions_follow_the_customer(self):
        order = self.new_order()
        order.action_confirm()
        self.Profit._refresh()
        gold = self.env.ref("crm_retail_compile.membership_tier_gold")
        self.customer.membership_tier_id = gold
        # the change is queued: the hourly refresh looks at this customer only
        self.assertEqual(self.Profit._refresh(), 0, "no cell to recompute")
        self.Profit.invalidate_model()
        profit = self.Profit.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(profit.membership_tier_id, gold)
        self.assertEqual(profit.margin_percent, 40.0)
        self.assertEqual(profit.order_count, 1)
        # a change made with SQL (an import) is not queued: a full refresh
        # of the columns catches it
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET residency = 'visitor' WHERE id = %s", [self.customer.id]
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self.Profit._refresh_dimensions(), 0)
        self.assertEqual(self.Profit._refresh_dimensions(full=True), 1)
        profit.invalidate_recordset()
        self.assertEqual(profit.residency, "visitor")

    def test_sale_order_form_still_works(self):
        with Form(self.env["sale.order"].with_user(self.staff_a)) as form:
            form.partner_id = self.customer
            with form.order_line.new() as line:
                line.product_id = self.product
        order = form.save()
        self.assertEqual(order.retail_branch_id, self.branch_a)
