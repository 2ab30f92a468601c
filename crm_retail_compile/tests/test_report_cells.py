"""The monthly report cells (crm.report.cell, lib/report_cells.py): an
interactive aggregate reads them when they give the same figures as the rows
(issue 16: under 2 s on 1M customers and 10M lines), and those figures equal
hand-written SQL, to the cent and to the customer (distinct counts per month,
per quarter and over the whole run), under the requester's record rules;
what they cannot answer reads the rows."""

import datetime
import json

from odoo import Command, fields
from odoo.tests import BaseCase, tagged
from odoo.tools import SQL

from ..lib import report_cells
from ..models import crm_report_run_cells
from .common import AdhocRunMixin, RetailCommon

CELLS = "crm.report.cell"
LINE_MEASURES = ["revenue", "profit", "margin_pct", "quantity", "orders", "customers"]
EVENT_MEASURES = ["revenue", "profit", "margin_pct", "orders", "customers"]


@tagged("post_install", "-at_install")
class TestReportCells(AdhocRunMixin, RetailCommon):
    ADHOC_OFF_KEY = "crm_report_no_cells"
    ADHOC_DEFAULTS = {
        "date_from": "2026-01-01",
        "date_to": "2026-04-30",
        "dataset": "order_lines",
        "measures": LINE_MEASURES,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Query = cls.env["crm.report.query"].with_context(crm_report_foreground=True)
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)
        cls.env["crm.report.field"]._sync_from_datasets()
        cls.retail_admin.retail_department_id = cls.dept_marketing
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("crm_retail_compile.report_rollup", "1")
        params.set_param("crm_retail_compile.report_cells", "1")
        # the demo's sources are small: read from the cells all the same
        params.set_param("crm_retail_compile.report_cells_min_rows", "0")
        Category = cls.env["product.category"]
        cls.rings = Category.create({"name": "T Rings"})
        cls.watches = Category.create({"name": "T Watches"})
        Product = cls.env["product.product"]
        cls.ring = Product.create(
            {"name": "T Ring", "categ_id": cls.rings.id, "list_price": 800.0, "standard_price": 500}
        )
        cls.watch = Product.create(
            {"name": "T Watch", "categ_id": cls.watches.id, "list_price": 3000.0}
        )
        cls.watch.standard_price = 1800.0
        # customers buying again across months, quarters and branches; the
        # heads of local months (31 Jan 20:00 UTC is 1 February in Hong
        # Kong, 31 Dec 2025 18:00 UTC is 1 January 2026)
        cls.orders = cls.env["sale.order"]
        a, a2, b = cls.cust_a, cls.cust_a2, cls.cust_b
        ba, bb = cls.branch_a, cls.branch_b
        for partner, branch, when, lines in (
            (a, ba, "2025-12-31 18:00:00", [(cls.ring, 1)]),
            (a, ba, "2026-01-05 10:00:00", [(cls.ring, 2), (cls.watch, 1)]),
            (a, ba, "2026-01-31 20:00:00", [(cls.ring, 1)]),
            (a, ba, "2026-02-10 03:00:00", [(cls.watch, 1)]),
            (a, bb, "2026-02-12 03:00:00", [(cls.ring, 1)]),
            (a2, ba, "2026-03-31 20:00:00", [(cls.watch, 1), (cls.ring, 3)]),
            (a2, ba, "2026-04-02 05:00:00", [(cls.ring, 1)]),
            (b, bb, "2026-01-15 02:00:00", [(cls.ring, 1), (cls.ring, 1)]),
            (b, bb, "2026-03-31 15:00:00", [(cls.watch, 2)]),
            (b, bb, "2026-04-20 08:00:00", [(cls.watch, 1)]),
            # Sunday 1 February, in the week of Monday 26 January
            (a2, bb, "2026-02-01 03:00:00", [(cls.watch, 1)]),
        ):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "retail_branch_id": branch.id,
                    "user_id": cls.staff_a.id if branch == ba else cls.staff_b.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": qty, "discount": 5}
                        )
                        for product, qty in lines
                    ],
                }
            )
            order.action_confirm()
            order.date_order = fields.Datetime.to_datetime(when)
            cls.orders |= order
        # two orders by telephone (the order's channel, kept by the rollup)
        cls.orders[1].crm_sales_channel = "phone"
        cls.orders[7].crm_sales_channel = "phone"
        cls.env.flush_all()
        # the steps of each order on its day (recorded at confirmation, now)
        cls.env.cr.execute(
            SQL(
                """UPDATE crm_sales_event e SET event_date = so.date_order
                     FROM sale_order so WHERE so.id = e.order_id AND so.id IN %s""",
                tuple(cls.orders.ids),
            )
        )
        cls.env["crm.sales.event"].invalidate_model()
        cls.env[CELLS]._rebuild()

    # ------------------------------------------------------------------
    def totals(self, run):
        return json.loads(run.totals_json)

    def line_sql(self, group, where=None, date_from="2026-01-01", date_to="2026-05-01"):
        """Figures of the lines by ``group`` (SQL of the key columns), by hand."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT %(group)s,
                       SUM(l.price_subtotal), SUM(l.margin),
                       ROUND(SUM(l.margin) * 100 / NULLIF(SUM(l.price_subtotal), 0), 2),
                       SUM(l.product_uom_qty), COUNT(DISTINCT l.order_id),
                       COUNT(DISTINCT l.order_partner_id)
                  FROM sale_order_line l
                  JOIN sale_order so ON so.id = l.order_id
                  LEFT JOIN product_product pp ON pp.id = l.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN product_category pc ON pc.id = pt.categ_id
                  LEFT JOIN crm_retail_branch br ON br.id = l.retail_branch_id
                 WHERE l.state = 'sale' AND l.display_type IS NULL
                   AND so.date_order >= %(date_from)s AND so.date_order < %(date_to)s
                   AND so.id IN %(orders)s AND %(where)s
                 GROUP BY %(group)s
                """,
                group=group,
                where=where or SQL("TRUE"),
                date_from=date_from,
                date_to=date_to,
                orders=tuple(self.orders.ids),
            )
        )
        width = len(rows[0]) - len(LINE_MEASURES) if rows else 0
        return {
            tuple(str(v) for v in row[:width]): dict(
                zip(LINE_MEASURES, [float(v or 0) for v in row[width:]], strict=True)
            )
            for row in rows
        }

    MONTH = SQL(
        "date_trunc('month', timezone('Asia/Hong_Kong', timezone('UTC', so.date_order)))::date"
    )
    QUARTER = SQL(
        "date_trunc('quarter', timezone('Asia/Hong_Kong', timezone('UTC', so.date_order)))::date"
    )

    # ------------------------------------------------------------------
    def test_cells_equal_lines_and_hand_written_sql(self):
        query = {"dimensions": ["product_category"], "period": "month"}
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), CELLS)
        raw = self.adhoc(self.retail_admin, source_on=False, **query)
        self.assertNotEqual(self.source(raw.with_context(crm_report_no_cells=True)), CELLS)
        expected = {
            (str(month), name): figures
            for (name, month), figures in self.line_sql(
                SQL("pc.complete_name, %s", self.MONTH)
            ).items()
        }
        # 31 December 18:00 UTC (January in Hong Kong) is out of the UTC
        # days asked for; 31 January 20:00 UTC is February in Hong Kong
        self.assertIn(("2026-02-01", "T Rings"), expected)
        self.assertSameFigures(self.rows(run), expected)
        self.assertSameFigures(self.rows(raw), expected)
        # the true distinct totals of the run, not sums of its rows
        totals = self.totals(run)
        [whole] = self.line_sql(SQL("1")).values()
        for code in LINE_MEASURES:
            self.assertAlmostEqual(totals[code], whole[code], places=2, msg=code)
            self.assertAlmostEqual(totals[code], self.totals(raw)[code], places=2, msg=code)
        self.assertEqual(totals["customers"], 3)

    def test_quarters_and_whole_run_count_each_customer_once(self):
        for period, group in (("quarter", self.QUARTER), ("none", None)):
            with self.subTest(period=period):
                query = {"dimensions": ["product_category"], "period": period}
                run = self.adhoc(self.retail_admin, **query)
                self.assertEqual(self.source(run), CELLS)
                if group is None:
                    hand = self.line_sql(SQL("pc.complete_name"))
                    expected = {(name,): f for (name,), f in hand.items()}
                else:
                    hand = self.line_sql(SQL("pc.complete_name, %s", group))
                    expected = {(str(q), name): f for (name, q), f in hand.items()}
                self.assertSameFigures(self.rows(run), expected)
        # a run from February: January's purchases do not count a customer
        # out of February
        run = self.adhoc(
            self.retail_admin, date_from="2026-02-01", dimensions=["branch"], period="quarter"
        )
        self.assertEqual(self.source(run), CELLS)
        hand = self.line_sql(SQL("br.name, %s", self.QUARTER), date_from="2026-02-01")
        self.assertSameFigures(self.rows(run), {(str(q), n): f for (n, q), f in hand.items()})

    def test_sales_events_by_branch_and_month(self):
        query = {
            "dataset": "sales_events",
            "dimensions": ["branch"],
            "period": "month",
            "measures": EVENT_MEASURES,
        }
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), CELLS)
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT br.name, date_trunc('month', timezone('Asia/Hong_Kong',
                                           timezone('UTC', e.event_date)))::date,
                       COALESCE(SUM(e.revenue) FILTER (WHERE e.is_revenue), 0),
                       COALESCE(SUM(e.margin) FILTER (WHERE e.is_revenue), 0),
                       ROUND(COALESCE(SUM(e.margin) FILTER (WHERE e.is_revenue), 0) * 100
                             / NULLIF(COALESCE(SUM(e.revenue) FILTER (WHERE e.is_revenue), 0), 0),
                             2),
                       COUNT(*) FILTER (WHERE e.event_type = 'order_confirmed')
                         - COUNT(*) FILTER (WHERE e.event_type = 'order_cancelled'),
                       COUNT(DISTINCT e.partner_id)
                  FROM crm_sales_event e
                  JOIN crm_retail_branch br ON br.id = e.retail_branch_id
                 WHERE e.event_date >= '2026-01-01' AND e.event_date < '2026-05-01'
                 GROUP BY 1, 2
                """
            )
        )
        expected = {
            (str(month), name): dict(zip(EVENT_MEASURES, map(float, values), strict=True))
            for name, month, *values in rows
        }
        self.assertIn(("2026-02-01", self.branch_b.name), expected)
        self.assertSameFigures(self.rows(run), expected)
        raw = self.adhoc(self.retail_admin, source_on=False, **query)
        self.assertSameFigures(self.rows(raw), expected)
        for code in EVENT_MEASURES:
            self.assertAlmostEqual(
                self.totals(run)[code], self.totals(raw)[code], places=2, msg=code
            )

    def test_order_channel_from_the_rollup_and_the_cells(self):
        query = {"dimensions": ["sales_channel"], "period": "month"}
        labels = dict(
            self.env["sale.order"]._fields["crm_sales_channel"]._description_selection(self.env)
        )
        expected = {
            (str(month), labels[channel]): figures
            for (channel, month), figures in self.line_sql(
                SQL("so.crm_sales_channel, %s", self.MONTH)
            ).items()
        }
        self.assertIn(("2026-01-01", labels["phone"]), expected)
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), CELLS)
        self.assertSameFigures(self.rows(run), expected)
        rollup = self.adhoc(self.retail_admin, source_on=False, **query)
        self.assertEqual(
            self.source(rollup.with_context(crm_report_no_cells=True)), "crm.sales.line.rollup"
        )
        self.assertSameFigures(self.rows(rollup), expected)
        # a channel changed on a confirmed order reaches the rollup
        self.orders[2].crm_sales_channel = "online"
        rollup = self.adhoc(self.retail_admin, source_on=False, **query)
        self.assertIn(("2026-02-01", labels["online"]), self.rows(rollup))

    def test_branch_manager_sees_only_its_branch(self):
        # a manager of branch A: the cells of branch A only, distinct
        # customers of branch A over the run (customer A also bought in B)
        self.manager_a.retail_department_id = self.dept_marketing
        self.manager_a.groups_id = [
            Command.link(self.env.ref("crm_retail_compile.group_department_analyst").id)
        ]
        run = self.adhoc(self.manager_a, dimensions=["product_category"], period="month")
        self.assertEqual(self.source(run), CELLS)
        where = SQL("l.retail_branch_id = %s", self.branch_a.id)
        expected = {
            (str(month), name): figures
            for (name, month), figures in self.line_sql(
                SQL("pc.complete_name, %s", self.MONTH), where
            ).items()
        }
        self.assertSameFigures(self.rows(run), expected)
        [whole] = self.line_sql(SQL("1"), where).values()
        totals = self.totals(run)
        self.assertEqual(totals["customers"], whole["customers"])
        self.assertEqual(totals["orders"], whole["orders"])
        self.assertAlmostEqual(totals["revenue"], whole["revenue"], places=2)
        self.assertAlmostEqual(totals["margin_pct"], whole["margin_pct"], places=2)
        # the same manager grouping by branch sees one branch
        run = self.adhoc(self.manager_a, dimensions=["branch"], period="none")
        self.assertEqual(set(self.rows(run)), {(self.branch_a.name,)})

    def test_what_the_cells_cannot_answer_reads_the_rows(self):
        admin = self.retail_admin
        for values in (
            {"dimensions": ["district"]},  # the customer's, not the line's
            {"dimensions": ["branch"], "filters": [("order_partner_id", "=", self.cust_a.id)]},
            {"dimensions": ["branch"], "date_from": "2026-01-15"},  # cuts a month
            {"dimensions": ["branch"], "period": "day"},
        ):
            with self.subTest(values=values):
                values.setdefault("period", "month")
                run = self.adhoc(admin, **values)
                self.assertNotEqual(self.source(run), CELLS)
                raw = self.adhoc(admin, source_on=False, **values)
                self.assertEqual(self.rows(run), self.rows(raw))
        query = {"dimensions": ["branch"], "period": "month"}
        # a user in another time zone
        admin.tz = "Europe/London"
        self.assertNotEqual(self.source(self.adhoc(admin, **query)), CELLS)
        admin.tz = "Asia/Hong_Kong"
        # a new order: the run brings it into the cells itself
        order = self.orders[1].copy()
        order.action_confirm()
        order.date_order = fields.Datetime.to_datetime("2026-03-10 04:00:00")
        run = self.adhoc(admin, **query)
        self.assertEqual(self.source(run), CELLS)
        self.assertEqual(self.rows(run), self.rows(self.adhoc(admin, source_on=False, **query)))
        # more changes waiting than a run applies: the rows, until the job
        self.env["crm.sales.event"].flush_model()
        self.env.cr.execute(
            SQL("UPDATE crm_sales_event SET revenue = revenue + 1 WHERE order_id = %s", order.id)
        )
        self.patch(crm_report_run_cells, "RUN_APPLY_MAX", 0)
        events = dict(query, dataset="sales_events", measures=EVENT_MEASURES)
        self.assertNotEqual(self.source(self.adhoc(admin, **events)), CELLS)
        self.env[CELLS]._catch_up()
        run = self.adhoc(admin, **events)
        self.assertEqual(self.source(run), CELLS)
        self.assertEqual(self.rows(run), self.rows(self.adhoc(admin, source_on=False, **events)))
        # a small source is read as it is
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("crm_retail_compile.report_cells_min_rows", "1000000000")
        self.assertNotEqual(self.source(self.adhoc(admin, **query)), CELLS)
        params.set_param("crm_retail_compile.report_cells_min_rows", "0")
        # turned off
        params.set_param("crm_retail_compile.report_cells", "0")
        self.assertNotEqual(self.source(self.adhoc(admin, **query)), CELLS)

    def test_cells_are_system_data(self):
        Cell = self.env[CELLS]
        self.assertTrue(Cell.sudo().search_count([]))
        for user in (self.analyst, self.manager_a, self.staff_a):
            with self.subTest(user=user.login):
                self.assertFalse(Cell.with_user(user).has_access("read"))

    def test_filters_on_a_kept_dimension(self):
        admin = self.retail_admin
        query = {"dimensions": ["branch"], "period": "month"}
        # one salesperson: customers and orders stay exact
        one = dict(query, filters=[("salesman_id", "=", self.staff_a.id)])
        run = self.adhoc(admin, **one)
        self.assertEqual(self.source(run), CELLS)
        expected = {
            (str(month), name): figures
            for (name, month), figures in self.line_sql(
                SQL("br.name, %s", self.MONTH),
                SQL("l.salesman_id = %s", self.staff_a.id),
            ).items()
        }
        self.assertSameFigures(self.rows(run), expected)
        self.assertSameFigures(self.rows(self.adhoc(admin, source_on=False, **one)), expected)
        # two salespeople, not grouped by: sums from the cells, distinct
        # customers from the rows (a customer of both counts once)
        both = [("salesman_id", "in", [self.staff_a.id, self.staff_b.id])]
        sums = dict(query, filters=both, measures=["revenue", "profit", "quantity"])
        run = self.adhoc(admin, **sums)
        self.assertEqual(self.source(run), CELLS)
        self.assertEqual(self.rows(run), self.rows(self.adhoc(admin, source_on=False, **sums)))
        run = self.adhoc(admin, **dict(query, filters=both))
        self.assertNotEqual(self.source(run), CELLS)
        # grouped by the filtered dimension: exact per row
        grouped = dict(query, dimensions=["salesperson"], filters=both)
        run = self.adhoc(admin, **grouped)
        self.assertEqual(self.source(run), CELLS)
        self.assertEqual(self.rows(run), self.rows(self.adhoc(admin, source_on=False, **grouped)))
        # a filter and a grouping on two dimensions other than the branch:
        # no such grain
        run = self.adhoc(admin, **dict(one, dimensions=["product_category"]))
        self.assertNotEqual(self.source(run), CELLS)

    def test_weeks_from_the_week_cells(self):
        """Weeks: local weeks cut at month ends, exact per week (a customer
        once a week) and over the run, for months and for Monday starts."""
        week = SQL(
            "date_trunc('week', timezone('Asia/Hong_Kong', timezone('UTC', so.date_order)))::date"
        )
        for date_from in ("2026-01-01", "2026-02-01", "2026-02-09"):
            with self.subTest(date_from=date_from):
                query = {"dimensions": ["branch"], "period": "week", "date_from": date_from}
                run = self.adhoc(self.retail_admin, **query)
                self.assertEqual(self.source(run), CELLS)
                hand = self.line_sql(SQL("br.name, %s", week), date_from=date_from)
                self.assertSameFigures(
                    self.rows(run), {(str(w), name): f for (name, w), f in hand.items()}
                )
                raw = self.adhoc(self.retail_admin, source_on=False, **query)
                self.assertSameFigures(self.rows(raw), self.rows(run))
                [whole] = self.line_sql(SQL("1"), date_from=date_from).values()
                self.assertEqual(self.totals(run)["customers"], whole["customers"])
        # a week cut by the run's first day: the rows
        run = self.adhoc(
            self.retail_admin, dimensions=["branch"], period="week", date_from="2026-02-11"
        )
        self.assertNotEqual(self.source(run), CELLS)
        # days: the rows
        run = self.adhoc(self.retail_admin, dimensions=["branch"], period="day")
        self.assertNotEqual(self.source(run), CELLS)

    # ------------------------------------------------------------------
    def cell_sums(self):
        """The cells summed per cell key (source, grain, kind, dimensions,
        month, unit, previous unit and flags), zero sums left out: what a
        run can read, whether the cells were built or kept up."""
        self.env.flush_all()
        Cell = self.env[CELLS]
        values = [
            name
            for name, field in Cell._fields.items()
            if field.type in ("float", "integer") and name != "id"
        ]
        keys = [
            name
            for name, field in Cell._fields.items()
            if field.store and name not in values and name != "id"
        ]
        rows = self.env.execute_query(
            SQL(
                "SELECT %s, %s FROM crm_report_cell GROUP BY %s",
                SQL(", ").join(SQL.identifier(k) for k in keys),
                SQL(", ").join(
                    SQL("ROUND(SUM(%s)::numeric, 4)", SQL.identifier(v)) for v in values
                ),
                SQL(", ").join(SQL.identifier(k) for k in keys),
            )
        )
        width = len(keys)
        return {
            tuple(str(k) for k in row[:width]): tuple(float(v or 0) for v in row[width:])
            for row in rows
            if any(row[width:])
        }

    def test_kept_up_cells_equal_rebuilt_ones(self):
        """Changes of every kind (new orders, a date moved across months, a
        cancellation, a customer changed, events deleted, the customer
        profit refreshed) applied as signed rows give the cells a rebuild
        gives, at every grain, for sums and distinct counts alike."""
        Cell = self.env[CELLS]
        Cell._rebuild()
        Event = self.env["crm.sales.event"]
        Profit = self.env["crm.customer.profit"]
        Profit._refresh(full=True)
        Cell._rebuild(["profit"])
        # a new order of customer B in branch A, in March
        new = self.orders[7].copy({"retail_branch_id": self.branch_a.id})
        new.action_confirm()
        new.date_order = fields.Datetime.to_datetime("2026-03-05 06:00:00")
        # customer A's January order moved to April (its first purchase of
        # the year is now later: previous units change)
        self.orders[1].date_order = fields.Datetime.to_datetime("2026-04-10 06:00:00")
        # an order cancelled
        self.orders[9]._action_cancel()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE crm_sales_event e SET event_date = so.date_order
                     FROM sale_order so WHERE so.id = e.order_id AND so.id IN %s""",
                (new.id, self.orders[1].id),
            )
        )
        # an order's steps given to another customer (a merge), one deleted
        self.env.cr.execute(
            SQL(
                "UPDATE crm_sales_event SET partner_id = %s WHERE order_id = %s",
                self.cust_b.id,
                self.orders[3].id,
            )
        )
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_sales_event WHERE id = (
                       SELECT MIN(id) FROM crm_sales_event WHERE order_id = %s)""",
                self.orders[6].id,
            )
        )
        Event.invalidate_model()
        self.env["crm.sales.line.rollup"]._refresh()
        Profit._refresh()
        for code in report_cells.CELL_SOURCES:
            self.assertFalse(Cell._state(code)[1], code)
        applied = Cell._catch_up()
        self.assertEqual(set(applied), set(report_cells.CELL_SOURCES))
        for code in report_cells.CELL_SOURCES:
            self.assertTrue(Cell._state(code)[1], code)
        kept = self.cell_sums()
        Cell._rebuild()
        self.assertEqual(kept, self.cell_sums())
        # nothing waiting: applying again changes nothing
        self.assertEqual(Cell._apply_log("events"), 0)

    def test_a_truncated_source_is_rebuilt(self):
        Cell = self.env[CELLS]
        self.env["crm.sales.line.rollup"]._rebuild()
        built, current, _day, _tz = Cell._state("lines")
        self.assertTrue(built)
        self.assertFalse(current)
        self.assertIsNone(Cell._apply_log("lines"))
        self.assertIn("lines", Cell._catch_up())
        self.assertTrue(Cell._state("lines")[1])
        query = {"dimensions": ["product_category"], "period": "month"}
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), CELLS)
        expected = {
            (str(month), name): figures
            for (name, month), figures in self.line_sql(
                SQL("pc.complete_name, %s", self.MONTH)
            ).items()
        }
        self.assertSameFigures(self.rows(run), expected)

    def test_the_job_is_queued_only_when_changes_wait(self):
        Cell = self.env[CELLS]
        Cell._catch_up()
        self.assertFalse(Cell._cron_catch_up())
        self.orders[2].date_order = fields.Datetime.to_datetime("2026-02-11 06:00:00")
        self.env.flush_all()
        self.assertTrue(Cell._cron_catch_up())
        # a read-only transaction leaves the changes to the job
        self.env.cr.execute(
            SQL(
                "UPDATE crm_sales_event SET revenue = revenue + 1 WHERE order_id = %s",
                self.orders[2].id,
            )
        )
        self.env.cr.execute(SQL("SAVEPOINT read_only; SET TRANSACTION READ ONLY"))
        self.assertIsNone(Cell._apply_log("events"))
        self.env.cr.execute(SQL("ROLLBACK TO SAVEPOINT read_only"))
        self.assertTrue(Cell._apply_log("events"))


class TestReportCellsLib(BaseCase):
    def test_choose_set(self):
        everything = {(1, 10), (1, 11), (1, None)}
        self.assertEqual(report_cells.choose_set([], everything, everything), "")
        self.assertEqual(report_cells.choose_set(["tier"], everything, everything), "tier")
        # one branch: its own cells
        self.assertEqual(report_cells.choose_set(["tier"], {(1, 10)}, everything), "branch,tier")
        # two branches of three: exact per branch only
        two = {(1, 10), (1, 11)}
        self.assertIsNone(report_cells.choose_set(["tier"], two, everything))
        self.assertEqual(report_cells.choose_set(["branch"], two, everything), "branch")
        # two companies
        self.assertIsNone(report_cells.choose_set([], {(1, 10), (2, 10)}, {(1, 10), (2, 10)}))

    def test_dates_fit(self):
        d = datetime.date
        self.assertTrue(report_cells.dates_fit(None, None, None))
        self.assertTrue(report_cells.dates_fit(d(2026, 1, 1), d(2026, 3, 31), d(2026, 6, 1)))
        self.assertFalse(report_cells.dates_fit(d(2026, 1, 2), None, None))
        # ends mid-month: only after the last row
        self.assertTrue(report_cells.dates_fit(d(2026, 1, 1), d(2026, 6, 6), d(2026, 6, 6)))
        self.assertFalse(report_cells.dates_fit(d(2026, 1, 1), d(2026, 6, 6), d(2026, 6, 7)))
        # weeks: a Monday or the first of a month begins a piece
        self.assertTrue(
            report_cells.dates_fit(d(2026, 2, 9), d(2026, 3, 15), d(2026, 6, 1), "week")
        )
        self.assertTrue(
            report_cells.dates_fit(d(2026, 2, 1), d(2026, 2, 28), d(2026, 6, 1), "week")
        )
        self.assertFalse(report_cells.dates_fit(d(2026, 2, 9), None, None))  # months
        self.assertFalse(report_cells.dates_fit(d(2026, 2, 10), None, None, "week"))
        self.assertFalse(
            report_cells.dates_fit(d(2026, 2, 9), d(2026, 3, 14), d(2026, 6, 1), "week")
        )

    def test_filter_dims(self):
        events = report_cells.CELL_SOURCES["events"]
        self.assertEqual(report_cells.filter_dims(events, []), {})
        self.assertEqual(
            report_cells.filter_dims(
                events, ["&", ("membership_tier_id", "=", 3), ("event_type", "in", ["won", "lost"])]
            ),
            {"tier": True, "step": False},
        )
        self.assertEqual(
            report_cells.filter_dims(events, [("user_id", "in", [4]), ("user_id", "!=", 5)]),
            {"salesperson": True},
        )
        for filters in (
            ["|", ("user_id", "=", 4), ("team_id", "=", 1)],  # OR
            [("partner_id", "=", 4)],  # not a dimension the cells keep
            [("retail_branch_id", "=", 4)],  # the branch: chosen apart
            [("user_id.login", "=", "x")],  # a path
            [("user_id", "ilike", "x")],
            [("user_id", "in", [[1]])],
            [(0, "=", 1)],
        ):
            with self.subTest(filters=filters):
                self.assertIsNone(report_cells.filter_dims(events, filters))
