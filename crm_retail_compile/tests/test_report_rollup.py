"""The pre-aggregated order lines (crm.sales.line.rollup): a run reads them
when they give the same figures as the lines (issue 16, interactive queries
on 10M lines), and those figures equal hand-written SQL over the lines, to
the cent and to the customer, under the requester's record rules."""

import datetime
import json

from odoo import Command, fields
from odoo.tests import BaseCase, tagged
from odoo.tools import SQL

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import pending_jobs, run_jobs

from ..lib import report_engine, report_rollup
from .common import AdhocRunMixin, RetailCommon

ROLLUP = "crm.sales.line.rollup"
MEASURES = ["revenue", "profit", "cost", "margin_pct", "quantity", "orders", "customers"]


@tagged("post_install", "-at_install")
class TestReportRollup(AdhocRunMixin, RetailCommon):
    ADHOC_OFF_KEY = "crm_report_no_rollup"
    ADHOC_DEFAULTS = {
        "date_from": "2026-04-01",
        "date_to": "2026-04-30",
        "dataset": "order_lines",
        "measures": MEASURES,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Query = cls.env["crm.report.query"].with_context(crm_report_foreground=True)
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)
        cls.env["crm.report.field"]._sync_from_datasets()
        cls.retail_admin.retail_department_id = cls.dept_marketing
        cls.env["ir.config_parameter"].sudo().set_param("crm_retail_compile.report_rollup", "1")
        # the rollup itself, not the monthly cells built from it
        # (test_report_cells.py)
        cls.env["ir.config_parameter"].sudo().set_param("crm_retail_compile.report_cells", "0")
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
        # orders either side of midnight in Hong Kong (UTC+8): 31 March 20:00
        # UTC is 1 April in Hong Kong; 30 April 17:00 UTC is 1 May there
        cls.orders = cls.env["sale.order"]
        for partner, branch, when, lines in (
            (cls.cust_a, cls.branch_a, "2026-03-31 20:00:00", [(cls.ring, 2), (cls.watch, 1)]),
            (cls.cust_a, cls.branch_a, "2026-04-10 10:00:00", [(cls.ring, 1)]),
            (cls.cust_a2, cls.branch_a, "2026-04-30 17:00:00", [(cls.watch, 1), (cls.ring, 3)]),
            (cls.cust_b, cls.branch_b, "2026-04-15 02:00:00", [(cls.ring, 1), (cls.ring, 1)]),
            (cls.cust_b, cls.branch_b, "2026-03-31 15:00:00", [(cls.watch, 2)]),
        ):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "retail_branch_id": branch.id,
                    "user_id": cls.staff_a.id if branch == cls.branch_a else cls.staff_b.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": qty, "discount": 10}
                        )
                        for product, qty in lines
                    ],
                }
            )
            order.action_confirm()
            order.date_order = fields.Datetime.to_datetime(when)
            cls.orders |= order
        for order in (cls.order_a_own, cls.order_a_other, cls.order_b):
            order.action_confirm()

    # ------------------------------------------------------------------
    def sql(self, where=None):
        """The figures by product category and Hong Kong month, by hand over
        the lines, for the UTC days of April 2026."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(pc.complete_name, 'Unknown'),
                       date_trunc('month', timezone('Asia/Hong_Kong',
                                                    timezone('UTC', so.date_order)))::date,
                       SUM(l.price_subtotal), SUM(l.margin),
                       SUM(l.price_subtotal) - SUM(l.margin),
                       ROUND(SUM(l.margin) * 100 / NULLIF(SUM(l.price_subtotal), 0), 2),
                       SUM(l.product_uom_qty), COUNT(DISTINCT l.order_id),
                       COUNT(DISTINCT l.order_partner_id)
                  FROM sale_order_line l
                  JOIN sale_order so ON so.id = l.order_id
                  LEFT JOIN product_product pp ON pp.id = l.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN product_category pc ON pc.id = pt.categ_id
                 WHERE l.state = 'sale' AND l.display_type IS NULL
                   AND so.date_order >= '2026-04-01' AND so.date_order < '2026-05-01'
                   AND %s
                 GROUP BY 1, 2
                """,
                where or SQL("TRUE"),
            )
        )
        return {
            (str(month), name): dict(zip(MEASURES, [float(v or 0) for v in values], strict=True))
            for name, month, *values in rows
        }

    # ------------------------------------------------------------------
    def test_rollup_equals_lines_and_hand_written_sql(self):
        query = {"dimensions": ["product_category"], "period": "month"}
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), ROLLUP)
        raw = self.adhoc(self.retail_admin, source_on=False, **query)
        self.assertEqual(
            raw.with_context(crm_report_no_rollup=True)._compile().dataset.model,
            "sale.order.line",
        )
        expected = self.sql()
        # the orders of 31 March 20:00 UTC (1 April in Hong Kong) are out of
        # the UTC days asked for; 30 April 17:00 UTC is May in Hong Kong
        self.assertIn(("2026-05-01", "T Rings"), expected)
        self.assertSameFigures(self.rows(run), expected)
        self.assertSameFigures(self.rows(raw), expected)
        # the true distinct totals, not sums of the groups
        totals, raw_totals = json.loads(run.totals_json), json.loads(raw.totals_json)
        for code in MEASURES:
            self.assertAlmostEqual(totals[code], raw_totals[code], places=2, msg=code)
        self.assertEqual(totals["customers"], 3)

    def test_rollup_follows_changes_of_the_lines(self):
        query = {"dimensions": ["product_category"], "period": "month"}
        self.adhoc(self.retail_admin, **query)  # built and refreshed
        # a price changed after confirmation, a line added, an order
        # cancelled, an order moved to another day, a product re-categorised
        order = self.orders[1]
        order.order_line[0].price_unit = 950.0
        order.order_line = [Command.create({"product_id": self.watch.id, "product_uom_qty": 1})]
        self.orders[3]._action_cancel()
        self.orders[2].date_order = fields.Datetime.to_datetime("2026-04-29 10:00:00")
        self.watch.product_tmpl_id.categ_id = self.rings
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), ROLLUP)
        self.assertSameFigures(self.rows(run), self.sql())
        self.assertNotIn(("2026-04-01", "T Watches"), self.rows(run))

    def test_branch_manager_sees_only_its_branch_on_the_rollup(self):
        sales = self.env.ref("crm_retail_compile.department_sales")
        (self.manager_a | self.staff_a).write({"retail_department_id": sales.id})
        takings = self.env.ref("crm_retail_compile.crm_report_template_branch_daily_takings")
        for user, where in (
            (self.manager_a, SQL("l.retail_branch_id = %s", self.branch_a.id)),
            # staff: their own (or unassigned) orders of their branch
            (
                self.staff_a,
                SQL(
                    "l.retail_branch_id = %s AND (l.salesman_id = %s OR l.salesman_id IS NULL)",
                    self.branch_a.id,
                    self.staff_a.id,
                ),
            ),
        ):
            with self.subTest(user=user.login):
                run = self.Run.with_user(user)._create_for_template(
                    takings,
                    user=user,
                    date_from=datetime.date(2026, 4, 1),
                    date_to=datetime.date(2026, 4, 30),
                )
                run.with_user(user).action_run()
                self.assertEqual(run.state, "done", run.error)
                self.assertEqual(self.source(run), ROLLUP)
                branches = {key[1] for key in self.rows(run)}
                self.assertEqual(branches, {self.branch_a.name})
                expected = self.sql(where)
                totals = json.loads(run.totals_json)
                self.assertAlmostEqual(
                    totals["revenue"], sum(v["revenue"] for v in expected.values()), places=2
                )
                self.env.flush_all()
                [(customers, orders)] = self.env.execute_query(
                    SQL(
                        """
                        SELECT COUNT(DISTINCT l.order_partner_id), COUNT(DISTINCT l.order_id)
                          FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
                         WHERE l.state = 'sale' AND l.display_type IS NULL
                           AND so.date_order >= '2026-04-01' AND so.date_order < '2026-05-01'
                           AND %s
                        """,
                        where,
                    )
                )
                self.assertEqual(totals["customers"], customers)
                self.assertEqual(totals["orders"], orders)
                self.assertGreater(orders, 0)

    def test_scoped_analyst_and_filters_on_the_rollup(self):
        analyst = self.analyst  # branch A only
        run = self.adhoc(
            analyst,
            dimensions=["branch", "district"],
            period="none",
            filters=[("order_partner_id", "=", self.cust_a.id)],
        )
        self.assertEqual(self.source(run), ROLLUP)
        raw = self.adhoc(
            analyst,
            source_on=False,
            dimensions=["branch", "district"],
            period="none",
            filters=[("order_partner_id", "=", self.cust_a.id)],
        )
        self.assertEqual(self.rows(run), self.rows(raw))
        self.assertEqual({key[0] for key in self.rows(run)}, {self.branch_a.name})
        self.assertEqual(json.loads(run.totals_json)["orders"], 1)

    def test_what_the_rollup_cannot_answer_reads_the_lines(self):
        for values in (
            {"dimensions": ["product"]},
            {"dimensions": ["branch"], "measures": ["revenue", "discount_avg"]},
            {"dimensions": ["branch"], "filters": [("product_id", "=", self.ring.id)]},
        ):
            with self.subTest(values=values):
                run = self.adhoc(self.retail_admin, period="month", **values)
                self.assertEqual(self.source(run), "sale.order.line")
        # a user in another time zone: Hong Kong days would be the wrong ones
        self.retail_admin.tz = "Europe/London"
        run = self.adhoc(self.retail_admin, dimensions=["branch"], period="month")
        self.assertEqual(self.source(run), "sale.order.line")
        self.retail_admin.tz = "Asia/Hong_Kong"
        # turned off
        self.env["ir.config_parameter"].sudo().set_param("crm_retail_compile.report_rollup", "0")
        run = self.adhoc(self.retail_admin, dimensions=["branch"], period="month")
        self.assertEqual(self.source(run), "sale.order.line")

    def test_lines_written_behind_the_triggers_are_not_missed(self):
        query = {"dimensions": ["product_category"], "period": "month"}
        self.adhoc(self.retail_admin, **query)  # up to date
        # a bulk SQL import that turns the triggers off (as the data
        # generator does): a copy of a confirmed line
        self.env.flush_all()
        self.env.cr.execute(SQL("SET LOCAL session_replication_role = replica"))
        line = self.orders[1].order_line[0]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty,
                    product_uom, price_unit, price_subtotal, margin, state, customer_lead,
                    order_partner_id, salesman_id, retail_branch_id, company_id, currency_id)
                SELECT order_id, name, product_id, product_uom_qty, product_uom, price_unit,
                       price_subtotal, margin, state, customer_lead, order_partner_id,
                       salesman_id, retail_branch_id, company_id, currency_id
                  FROM sale_order_line WHERE id = %s
                """,
                line.id,
            )
        )
        self.env.cr.execute(SQL("SET LOCAL session_replication_role = origin"))
        self.env.invalidate_all()
        # runs read the lines until the scheduled refresh rebuilds the rows
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), "sale.order.line")
        self.assertSameFigures(self.rows(run), self.sql())
        self.env[ROLLUP]._cron_refresh()
        self.assertEqual(run_jobs(self.env, "_job_refresh"), 1)
        run = self.adhoc(self.retail_admin, **query)
        self.assertEqual(self.source(run), ROLLUP)
        self.assertSameFigures(self.rows(run), self.sql())

    def test_hourly_refresh_only_queues_its_job(self):
        Rollup = self.env[ROLLUP].sudo()
        Rollup._refresh()
        order = self.orders[1]
        order.order_line[0].product_uom_qty = 5
        self.env.flush_all()

        def rollup_rows():
            return self.env.execute_query(
                SQL(
                    "SELECT order_id, categ_id, product_uom_qty, price_subtotal "
                    "FROM crm_sales_line_rollup WHERE order_id = %s ORDER BY 2",
                    order.id,
                )
            )

        before = rollup_rows()
        Rollup._cron_refresh()
        Rollup._cron_refresh()  # fired again while the first waits: one job
        [job] = pending_jobs(self.env, "_job_refresh")
        self.assertEqual(job.channel, "root.crm_nightly")
        self.assertEqual(rollup_rows(), before, "the scheduled action does no work inline")
        self.assertEqual(run_jobs(self.env, "_job_refresh"), 1)
        after = rollup_rows()
        self.assertNotEqual(after, before)
        self.assertEqual(
            sum(row[2] for row in after), sum(order.order_line.mapped("product_uom_qty"))
        )
        # the job run twice changes nothing the second time
        Rollup._cron_refresh()
        [second] = pending_jobs(self.env, "_job_refresh")
        self.assertEqual(run_jobs(self.env, "_job_refresh"), 1)
        self.assertEqual(rollup_rows(), after)
        self.assertEqual(second.state, "done")
        self.assertEqual(second.result, "0 orders refreshed.")

    def test_replica_reads_the_rollup_only_when_it_is_current(self):
        """On the read replica nothing is refreshed: its rows serve only
        when nothing is queued there (``_is_current`` on its cursor)."""
        Rollup = self.env[ROLLUP].sudo()
        Rollup._refresh()
        self.env.flush_all()
        self.assertTrue(Rollup._is_current(self.env.cr))
        self.orders[1].order_line[0].price_unit = 960.0
        self.env.flush_all()
        self.assertFalse(Rollup._is_current(self.env.cr), "a changed order is queued")
        Rollup._refresh()
        self.assertTrue(Rollup._is_current(self.env.cr))

    def test_rebuild_equals_incremental(self):
        Rollup = self.env[ROLLUP].sudo()
        Rollup._refresh()
        columns = SQL(
            "order_id, categ_id, order_partner_id, retail_branch_id, salesman_id, company_id, "
            "order_date, local_date, price_subtotal, margin, product_uom_qty, line_count"
        )
        query = SQL("SELECT %s FROM crm_sales_line_rollup ORDER BY 1, 2", columns)
        incremental = self.env.execute_query(query)
        Rollup._rebuild()
        self.assertEqual(self.env.execute_query(query), incremental)
        self.assertTrue(any(row[0] == self.orders[0].id for row in incremental))


class TestReportRollupLib(BaseCase):
    def test_domain_roots(self):
        self.assertEqual(report_rollup.domain_roots([]), set())
        self.assertEqual(
            report_rollup.domain_roots(
                ["|", ("order_partner_id.district_id", "=", 1), (1, "=", 1)]
            ),
            {"order_partner_id"},
        )
        self.assertIsNone(report_rollup.domain_roots(["bad"]))
        self.assertIsNone(report_rollup.domain_roots([("a", "=")]))

    def test_covers(self):
        datasets = report_engine.BASE_DATASETS
        lines = datasets["order_lines"]

        def spec(dims, measures, **kw):
            return report_engine.ReportSpec("order_lines", dims, measures, **kw)

        self.assertTrue(report_rollup.covers(spec(["period", "branch"], ["revenue"]), lines, []))
        self.assertFalse(report_rollup.covers(spec(["product"], ["revenue"]), lines, []))
        self.assertFalse(report_rollup.covers(spec(["branch"], ["discount_avg"]), lines, []))
        self.assertFalse(
            report_rollup.covers(spec(["branch"], ["revenue"]), lines, [("state", "=", "sale")])
        )
        self.assertFalse(
            report_rollup.covers(spec(["branch"], ["revenue"]), datasets["sales_events"], [])
        )
        # the source keeps the codes, labels and kinds of the lines
        source = lines.rollup
        for code, measure in source.measures.items():
            self.assertEqual(measure.label, lines.measures[code].label)
        for code, dim in source.dimensions.items():
            self.assertEqual(dim.label, lines.dimensions[code].label)
        self.assertTrue(report_rollup.same_rules([("a", "=", 1)], [("a", "=", 1)]))
        self.assertFalse(report_rollup.same_rules([("a", "=", 1)], []))
