"""Distinct counts (customers, orders) are not added up: the run's grand
total is the true distinct count, computed by the engine over the whole
result; in the pivot a row keeps its own count, the grand total is the true
one and a subtotal combining several rows is left empty (issue 16)."""

import json
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReportDistinctTotals(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_finance = new_test_user(
            cls.env, login="t_distinct_fin", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        # customer A buys in branch A (staff A) and in branch B (staff B)
        cls.order_a_in_b = cls.env["sale.order"].create(
            {
                "partner_id": cls.cust_a.id,
                "user_id": cls.staff_b.id,
                "retail_branch_id": cls.branch_b.id,
                "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        cls.orders = cls.order_a_own | cls.order_a_other | cls.order_b | cls.order_a_in_b
        cls.orders.action_confirm()
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)

    def template(self, dimensions):
        return self.env["crm.report.template"].create(
            {
                "name": "Customers by %s" % dimensions,
                "code": "t_distinct_%s" % (dimensions.replace(",", "_") or "none"),
                "retail_department_id": self.finance.id,
                "dataset": "order_lines",
                "dimensions": dimensions,
                "measures": "revenue,customers",
                "date_range": "all",
                # the orders above only (the database may hold demo sales)
                "filter_domain": str([("order_id", "in", self.orders.ids)]),
            }
        )

    def run_as(self, user, template):
        run = self.Run.with_user(user)._create_for_template(template, user=user)
        run.with_user(user).action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def read_pivot(self, run, groupby, domain=()):
        Line = (
            self.env["crm.report.line"]
            .with_user(self.analyst_finance)
            .with_context(crm_report_run_id=run.id)
        )
        slots = {s["code"]: s["slot"] for s in run._column_specs()}
        groups = Line.read_group(
            [("run_id", "=", run.id), *domain],
            [f"{slots['customers']}:sum", f"{slots['revenue']}:sum"],
            [slots[g] for g in groupby],
            lazy=False,
        )
        return slots, groups

    def test_a_customer_of_two_branches_counts_once_in_the_total(self):
        run = self.run_as(self.analyst_finance, self.template("branch"))
        slots = {s["code"]: s["slot"] for s in run._column_specs()}
        Line = self.env["crm.report.line"].with_context(crm_report_run_id=run.id)
        rows = Line.search_read([("run_id", "=", run.id)], [slots["branch"], slots["customers"]])
        # two customers in each branch: 4 if added up
        self.assertEqual(
            {r[slots["branch"]]: r[slots["customers"]] for r in rows},
            {"Test A": 2.0, "Test B": 2.0},
        )
        totals = json.loads(run.totals_json)
        self.assertEqual(totals["customers"], 3)
        self.assertAlmostEqual(totals["revenue"], 20000.0, places=2)
        # shown among the run's labelled totals
        self.assertIn("Customers", run.totals_html)
        self.assertIn(">3<", run.totals_html.replace(" ", ""))
        # the pivot's grand total (and the list's total) is the true count
        _slots, [total] = self.read_pivot(run, [])
        self.assertEqual(total[slots["customers"]], 3)
        self.assertAlmostEqual(total[slots["revenue"]], 20000.0, places=2)

    def test_pivot_levels_never_add_distinct_counts(self):
        run = self.run_as(self.analyst_finance, self.template("branch,salesperson"))
        slots, groups = self.read_pivot(run, ["branch", "salesperson"])
        customers = slots["customers"]
        # the finest level: each row's own count (staff B sold to A and B)
        finest = {(g[slots["branch"]], g[slots["salesperson"]]): g[customers] for g in groups}
        self.assertEqual(
            finest,
            {("Test A", "T_Staff_A"): 1, ("Test A", "T_Staff_A2"): 1, ("Test B", "T_Staff_B"): 2},
        )
        # branch A combines two rows: left empty, not 1 + 1 (a customer who
        # bought from both salespeople would be counted twice); branch B is
        # one row: exact
        _slots, groups = self.read_pivot(run, ["branch"])
        by_branch = {g[slots["branch"]]: g for g in groups}
        self.assertIs(by_branch["Test A"][customers], False)
        self.assertEqual(by_branch["Test B"][customers], 2)
        # additive measures are still added up at every level
        self.assertAlmostEqual(by_branch["Test A"][slots["revenue"]], 10000.0, places=2)
        # the grand total is the true distinct count, not 1 + 1 + 2
        _slots, [total] = self.read_pivot(run, [])
        self.assertEqual(total[customers], 3)
        # a filtered subset of several rows is not the whole result: empty
        _slots, [part] = self.read_pivot(run, [], [(slots["branch"], "=", "Test A")])
        self.assertIs(part[customers], False)
        # the measure's help says why
        Line = self.env["crm.report.line"].with_context(crm_report_run_id=run.id)
        description = Line.fields_get([customers], ["help"])[customers]
        self.assertIn("left empty", description["help"])
        # the run's totals hold the true count too
        self.assertEqual(json.loads(run.totals_json)["customers"], 3)

    def test_a_one_row_result_is_its_own_total(self):
        """Without dimensions the result is one row: its distinct count is
        the total, without a second query."""
        template = self.template("")
        Run = type(self.env["crm.report.run"])
        compile_report = Run._compile
        with patch.object(Run, "_compile", autospec=True, side_effect=compile_report) as spy:
            run = self.run_as(self.analyst_finance, template)
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(run.row_count, 1)
        self.assertEqual(json.loads(run.totals_json)["customers"], 3)
        # with dimensions: the same query returns the grand-total row
        # (GROUPING SETS), kept out of the lines and the row count
        with patch.object(Run, "_compile", autospec=True, side_effect=compile_report) as spy:
            run = self.run_as(self.analyst_finance, self.template("branch"))
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(json.loads(run.totals_json)["customers"], 3)
        self.assertEqual(run.row_count, 2)
        self.assertEqual(len(run.line_ids), 2)

    def test_customer_level_and_empty_results(self):
        """A customer-level result keeps its second query for the true
        total (no grand-total row in its stream); an empty result has no
        row and a total of 0."""
        Run = type(self.env["crm.report.run"])
        compile_report = Run._compile
        template = self.template("branch")
        template.write({"detail": "customer", "customer_columns": "name"})
        with patch.object(Run, "_compile", autospec=True, side_effect=compile_report) as spy:
            run = self.run_as(self.analyst_finance, template)
        self.assertEqual(spy.call_count, 2)
        # two customers in each branch, one of them in both
        self.assertEqual(run.row_count, 4)
        self.assertEqual(len(run.line_ids), 4)
        self.assertEqual(json.loads(run.totals_json)["customers"], 3)
        # the period is a grouping too (its GROUPING() marker on a date)
        by_month = self.template("period")
        with patch.object(Run, "_compile", autospec=True, side_effect=compile_report) as spy:
            run = self.run_as(self.analyst_finance, by_month)
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(len(run.line_ids), run.row_count)
        self.assertTrue(all(run.line_ids.mapped("period")))
        self.assertEqual(json.loads(run.totals_json)["customers"], 3)
        empty = self.template("branch,salesperson")
        empty.filter_domain = str([("order_id", "in", [])])
        with patch.object(Run, "_compile", autospec=True, side_effect=compile_report) as spy:
            run = self.run_as(self.analyst_finance, empty)
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(run.row_count, 0)
        self.assertFalse(run.line_ids)
        self.assertEqual(json.loads(run.totals_json)["customers"], 0)
