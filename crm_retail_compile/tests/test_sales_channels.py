"""Issue 21: every sale carries the channel it was made in (in store, online,
wholesale, telephone), and reports, profit and segments group by it."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, float_compare

from .common import load_migration
from .pos_common import PosCommon


@tagged("post_install", "-at_install")
class TestSalesChannels(PosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Team = cls.env["crm.team"]
        cls.team_wholesale = Team.create({"name": "T Wholesale", "crm_sales_channel": "wholesale"})
        cls.team_online = Team.create({"name": "T Online", "crm_sales_channel": "online"})
        cls.team_plain = Team.create({"name": "T No Channel"})
        cls.branch_web = cls.env["crm.retail.branch"].create(
            {"code": "TWEB", "name": "Test Web", "is_online": True}
        )
        cls.Event = cls.env["crm.sales.event"]
        cls.Profit = cls.env["crm.customer.profit"]

    def new_order(self, team=None, branch=None, partner=None, **vals):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.cust_a).id,
                "team_id": team.id if team else False,
                "retail_branch_id": (branch or self.branch_a).id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 1, "price_unit": 800})
                ],
                **vals,
            }
        )

    def assertCents(self, first, second):
        self.assertEqual(float_compare(first, second, precision_digits=2), 0, (first, second))

    # ---- how each source sets it ----------------------------------------
    def test_pos_order_events_are_in_store(self):
        sale = self.pos_sell(self.till_a, [(self.pos_ring, 2, 0)], partner=self.cust_a)
        refund = self.pos_refund(sale, [(sale.lines[0], 1)])
        events = self.Event.search([("pos_order_id", "in", (sale | refund).ids)])
        self.assertTrue(events)
        self.assertEqual(set(events.mapped("sales_channel")), {"store"})
        self.Profit._refresh()
        cells = self.Profit.search([("partner_id", "=", self.cust_a.id)])
        pos_revenue = sum(o.amount_total - o.amount_tax for o in sale | refund)
        self.assertCents(sum(cells.mapped("revenue_store")), pos_revenue)
        self.assertCents(sum(cells.mapped("revenue_online")), 0)

    def test_sales_analysis_pos_lines_in_store_and_in_their_branch(self):
        sale = self.pos_sell(self.till_a, [(self.pos_chain, 4, 0)], partner=self.cust_a)
        order = self.new_order(self.team_wholesale)
        order.action_confirm()
        Report = self.env["sale.report"]
        pos_rows = Report.search([("order_reference", "=", f"pos.order,{sale.id}")])
        self.assertTrue(pos_rows)
        self.assertEqual(set(pos_rows.mapped("crm_sales_channel")), {"store"})
        self.assertEqual(pos_rows.retail_branch_id, self.branch_a)
        order_rows = Report.search([("order_reference", "=", f"sale.order,{order.id}")])
        self.assertEqual(set(order_rows.mapped("crm_sales_channel")), {"wholesale"})
        # another branch's manager never sees the till's lines, its own does
        manager_b = new_test_user(
            self.env,
            login="t_manager_b_channel",
            groups="crm_retail_compile.group_branch_manager",
            retail_branch_ids=[(6, 0, self.branch_b.ids)],
            retail_branch_id=self.branch_b.id,
        )
        self.assertFalse(
            Report.with_user(manager_b).search([("order_reference", "=", f"pos.order,{sale.id}")])
        )
        self.assertTrue(
            Report.with_user(self.manager_a).search(
                [("order_reference", "=", f"pos.order,{sale.id}")]
            )
        )

    def test_sale_order_channel_from_its_team_and_overridable(self):
        self.assertEqual(self.new_order(self.team_wholesale).crm_sales_channel, "wholesale")
        self.assertEqual(self.new_order(self.team_online).crm_sales_channel, "online")
        # a team without a channel: by the branch
        self.assertEqual(self.new_order(self.team_plain).crm_sales_channel, "store")
        self.assertEqual(
            self.new_order(self.team_plain, branch=self.branch_web).crm_sales_channel, "online"
        )
        # set by hand at creation, or changed while a quotation
        phone = self.new_order(self.team_wholesale, crm_sales_channel="phone")
        self.assertEqual(phone.crm_sales_channel, "phone")
        draft = self.new_order(self.team_plain)
        draft.team_id = self.team_wholesale
        self.assertEqual(draft.crm_sales_channel, "wholesale")
        draft.crm_sales_channel = "phone"
        draft.action_confirm()
        events = self.Event.search([("order_id", "=", draft.id)])
        self.assertEqual(events.mapped("event_type"), ["order_confirmed"])
        self.assertEqual(events.sales_channel, "phone")
        # a later change of the team's channel is the default of new orders,
        # not a rewrite of past ones
        self.team_wholesale.crm_sales_channel = "online"
        self.assertEqual(phone.crm_sales_channel, "phone")
        self.assertEqual(self.new_order(self.team_wholesale).crm_sales_channel, "online")

    def test_invoice_without_order_and_lead_steps(self):
        lead = self.env["crm.lead"].create(
            {"name": "Trade enquiry", "team_id": self.team_wholesale.id, "type": "opportunity"}
        )
        self.env["crm.lead"].create({"name": "No team", "team_id": False})
        self.env.flush_all()
        steps = self.Event.search([("lead_id", "=", lead.id)])
        self.assertTrue(steps)
        self.assertEqual(set(steps.mapped("sales_channel")), {"wholesale"})
        no_team = self.Event.search([("lead_id.name", "=", "No team")])
        self.assertEqual(set(no_team.mapped("sales_channel")), {False})
        Move = self.env["account.move"]
        line = {"product_id": self.product.id, "quantity": 1, "price_unit": 500}
        direct = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": self.cust_b.id,
                "team_id": self.team_online.id,
                "invoice_line_ids": [(0, 0, line)],
            }
        )
        plain = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": self.cust_b.id,
                "team_id": False,
                "invoice_line_ids": [(0, 0, line)],
            }
        )
        (direct | plain).action_post()
        self.Event._sync_invoice_events(move_ids=(direct | plain).ids)
        self.assertEqual(
            set(self.Event.search([("move_id", "=", direct.id)]).mapped("sales_channel")),
            {"online"},
        )
        self.assertEqual(
            set(self.Event.search([("move_id", "=", plain.id)]).mapped("sales_channel")),
            {"store"},
        )

    def test_event_channel_is_system_set(self):
        self.assertTrue(self.Event._fields["sales_channel"].crm_system)
        order = self.new_order(self.team_online)
        order.action_confirm()
        event = self.Event.search([("order_id", "=", order.id)])
        with self.assertRaises(UserError):  # an AccessError is one too
            event.with_user(self.retail_admin).write({"sales_channel": "store"})
        self.assertEqual(event.sales_channel, "online")

    # ---- the integration API ------------------------------------------------
    def test_api_order_channel_parameter(self):
        integration = new_test_user(
            self.env, login="t_integration_ch", groups="crm_retail_compile.group_integration"
        )
        Api = self.env["crm.retail.api"].with_user(integration)
        self.product.default_code = "RING-CH"
        Api.customer_upsert({"name": "Trade Buyer", "email": "trade.buyer@example.com"})

        def record(ref, **extra):
            return Api.order_record(
                {
                    "external_ref": ref,
                    "customer": {"email": "trade.buyer@example.com"},
                    "lines": [{"product": "RING-CH", "qty": 1, "price_unit": 900}],
                    "confirm": True,
                    **extra,
                }
            )

        Order = self.env["sale.order"]
        wholesale = Order.browse(record("CH-1", branch="TA", channel="wholesale")["id"])
        self.assertEqual(wholesale.crm_sales_channel, "wholesale")
        self.assertEqual(
            self.Event.search([("order_id", "=", wholesale.id)]).sales_channel, "wholesale"
        )
        # old clients send no channel: the e-shop's orders are online, the
        # shops' in store
        self.assertEqual(
            Order.browse(record("CH-2", branch="TWEB")["id"]).crm_sales_channel, "online"
        )
        self.assertEqual(Order.browse(record("CH-3", branch="TA")["id"]).crm_sales_channel, "store")
        self.assertEqual(
            Order.browse(record("CH-4", branch="TA", channel="phone")["id"]).crm_sales_channel,
            "phone",
        )
        before = Order.search_count([])
        for bad in ("telegraph", 3, ["store"], "STORE"):
            with self.subTest(channel=bad), self.assertRaises(ValidationError) as caught:
                record("CH-BAD", branch="TA", channel=bad)
            self.assertIn(
                "'channel' must be one of store, online, wholesale, phone", str(caught.exception)
            )
        self.assertEqual(Order.search_count([]), before, "nothing written")
        self.assertFalse(Order.search([("client_order_ref", "=", "CH-BAD")]))

    # ---- reports and profit -------------------------------------------------
    def run_template(self, **vals):
        template = self.env["crm.report.template"].create(
            {
                "name": "Channel test",
                "code": f"t_channel_{vals.get('dataset', 'x')}_{len(vals)}",
                "retail_department_id": self.env.ref("crm_retail_compile.department_sales").id,
                "date_range": "all",
                "timeliness": "realtime",
                "detail": "aggregated",
                **vals,
            }
        )
        run = (
            self.env["crm.report.run"]
            .with_context(crm_report_foreground=True)
            ._create_for_template(template)
        )
        run.action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def test_wholesale_sale_counted_in_wholesale(self):
        order = self.new_order(self.team_wholesale, partner=self.cust_b, branch=self.branch_b)
        order.action_confirm()
        self.Profit._refresh()
        cells = self.Profit.search([("partner_id", "=", self.cust_b.id)])
        self.assertCents(sum(cells.mapped("revenue_wholesale")), order.amount_untaxed)
        self.assertEqual(
            cells.filtered(lambda c: c.revenue_wholesale).sales_channel, "wholesale", "main channel"
        )
        run = self.run_template(
            dataset="sales_events",
            dimensions="sales_channel",
            measures="revenue,revenue_wholesale",
            filter_domain=f"[('partner_id', '=', {self.cust_b.id})]",
        )
        rows = {line.dim_1: (line.m_1, line.m_2) for line in run.line_ids}
        self.assertEqual(set(rows), {"Wholesale"})
        self.assertCents(rows["Wholesale"][0], order.amount_untaxed)
        self.assertCents(rows["Wholesale"][1], order.amount_untaxed)

    def test_report_by_channel_equals_sql(self):
        # the demo's sales, and one of each source here
        self.pos_sell(self.till_a, [(self.pos_chain, 3, 0)], partner=self.cust_a2)
        for team in (self.team_wholesale, self.team_online):
            self.new_order(team).action_confirm()
        self.new_order(self.team_plain, crm_sales_channel="phone").action_confirm()
        run = self.run_template(
            dataset="sales_events", dimensions="sales_channel", measures="revenue,orders"
        )
        self.env.flush_all()
        expected = dict(
            self.env.execute_query(
                SQL(
                    """SELECT sales_channel, SUM(revenue) FROM crm_sales_event
                        WHERE is_revenue GROUP BY sales_channel"""
                )
            )
        )
        labels = dict(self.Event._fields["sales_channel"]._description_selection(self.env))
        got = {line.dim_1: line.m_1 for line in run.line_ids}
        self.assertEqual(
            {k for k in got if k in labels.values()},
            {labels[code] for code in expected if code},
        )
        for code, revenue in expected.items():
            if code:
                self.assertCents(got[labels[code]], float(revenue))
        for code in ("store", "online", "wholesale", "phone"):
            self.assertIn(code, expected)
        # the order lines and the pre-calculated profit give the same split
        lines = self.run_template(
            dataset="order_lines", dimensions="sales_channel", measures="revenue"
        )
        by_order = dict(
            self.env.execute_query(
                SQL(
                    """SELECT so.crm_sales_channel, SUM(l.price_subtotal)
                         FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
                        WHERE l.state = 'sale' AND l.display_type IS NULL
                        GROUP BY 1"""
                )
            )
        )
        got = {line.dim_1: line.m_1 for line in lines.line_ids}
        for code, revenue in by_order.items():
            self.assertCents(got[labels[code]], float(revenue))
        self.Profit._refresh()
        profit = self.run_template(
            dataset="customer_profit",
            dimensions="period",
            period="year",
            measures="revenue,revenue_store,revenue_online,revenue_wholesale,revenue_phone",
        )
        totals = [sum(line[f"m_{i}"] for line in profit.line_ids) for i in range(1, 6)]
        self.assertCents(totals[0], sum(totals[1:]) + self._revenue_without_channel())

    def _revenue_without_channel(self):
        rows = self.env.execute_query(
            SQL(
                "SELECT COALESCE(SUM(revenue), 0) FROM crm_sales_event "
                "WHERE is_revenue AND partner_id IS NOT NULL AND sales_channel IS NULL"
            )
        )
        return float(rows[0][0])

    # ---- the upgrade ------------------------------------------------------------
    def test_migration_backfills_orders_events_and_profit(self):
        wholesale = self.new_order(self.team_wholesale, partner=self.cust_b, branch=self.branch_b)
        web = self.new_order(self.team_plain, branch=self.branch_web)
        (wholesale | web).action_confirm()
        sale = self.pos_sell(self.till_b, [(self.pos_ring, 1, 0)], partner=self.cust_b)
        self.Profit._refresh()
        self.env.flush_all()
        orders = (wholesale | web).ids
        # as before the upgrade: no channel anywhere
        self.env.cr.execute(
            SQL("UPDATE sale_order SET crm_sales_channel = NULL WHERE id = ANY(%s)", orders)
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_sales_event SET sales_channel = NULL "
                "WHERE order_id = ANY(%s) OR pos_order_id = %s",
                orders,
                sale.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_customer_profit SET revenue_store = 0, revenue_wholesale = 0, "
                "sales_channel = NULL WHERE partner_id = %s",
                self.cust_b.id,
            )
        )
        self.env.invalidate_all()
        load_migration("18.0.1.7.0", "post-sales-channel.py").migrate(self.env.cr, "18.0.1.6.0")
        self.env.invalidate_all()
        self.assertEqual(wholesale.crm_sales_channel, "wholesale")
        self.assertEqual(web.crm_sales_channel, "online")
        self.assertEqual(
            self.Event.search([("order_id", "=", wholesale.id)]).sales_channel, "wholesale"
        )
        self.assertEqual(self.Event.search([("order_id", "=", web.id)]).sales_channel, "online")
        self.assertEqual(
            set(self.Event.search([("pos_order_id", "=", sale.id)]).mapped("sales_channel")),
            {"store"},
        )
        cells = self.Profit.search([("partner_id", "=", self.cust_b.id)])
        self.assertCents(sum(cells.mapped("revenue_wholesale")), wholesale.amount_untaxed)
        self.assertCents(sum(cells.mapped("revenue_store")), sale.amount_total - sale.amount_tax)
        # twice: nothing changes
        load_migration("18.0.1.7.0", "post-sales-channel.py").migrate(self.env.cr, "18.0.1.6.0")
        self.env.invalidate_all()
        self.assertCents(sum(cells.mapped("revenue_wholesale")), wholesale.amount_untaxed)
