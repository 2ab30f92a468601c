"""The planning dashboard's forecast figures come from the latest forecast
evaluation only (per branch scope as the user sees it), not from the sum of
every evaluation ever run (issue 16)."""

import datetime
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RetailCommon, load_migration

D = datetime.date
MEASURES = ["forecast_purchases", "actual_purchases", "naive_purchases"]


@tagged("post_install", "-at_install")
class TestForecastLatest(RetailCommon):
    CAL_START, CAL_END = D(2024, 1, 1), D(2024, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls.env.cr
        # only the customers of the test count (rolled back)
        cr.execute(SQL("DELETE FROM crm_sales_event"))
        cr.execute(SQL("DELETE FROM crm_forecast_run"))
        cr.execute(SQL("UPDATE res_partner SET is_retail_customer = FALSE"))
        cls.env.invalidate_all()
        cls._forecast_history("Latest", 40, cls.CAL_START, cls.CAL_END)
        cls.Run = cls.env["crm.forecast.run"]
        data = json.loads(
            cls.env.ref("crm_retail_compile.spreadsheet_dashboard_planning").spreadsheet_data
        )
        # the pivot behind the forecast / actual / naive line chart
        cls.pivot = next(
            p
            for p in data["pivots"].values()
            if p["model"] == "crm.forecast.run.line"
            and [m["fieldName"] for m in p["measures"]] == MEASURES
        )
        cls.kpis = [
            p
            for p in data["pivots"].values()
            if p["model"] == "crm.forecast.run.line" and not p["rows"]
        ]

    def evaluate(self, user, holdout_end):
        wizard = (
            self.env["crm.forecast.evaluation.wizard"]
            .with_user(user)
            .create(
                {
                    "calibration_start": self.CAL_START,
                    "calibration_end": self.CAL_END,
                    "holdout_end": holdout_end,
                }
            )
        )
        return self.Run.browse(wizard.action_run()["res_id"])

    def chart(self, user):
        """The chart's pivot read as the dashboard reads it: {month: figures}."""
        groups = (
            self.env["crm.forecast.run.line"]
            .with_user(user)
            .read_group(
                self.pivot["domain"],
                [f"{m}:sum" for m in MEASURES],
                ["month:month"],
                lazy=False,
            )
        )
        return {g["month:month"]: tuple(round(g[m], 4) for m in MEASURES) for g in groups}

    def expected(self, *runs):
        """The month lines of ``runs`` added up, per month."""
        lines = runs[0].line_ids.browse()
        for run in runs:
            lines |= run.line_ids.filtered(lambda line: line.group_type == "month")
        groups = self.env["crm.forecast.run.line"].read_group(
            [("id", "in", lines.ids)], [f"{m}:sum" for m in MEASURES], ["month:month"], lazy=False
        )
        return {g["month:month"]: tuple(round(g[m], 4) for m in MEASURES) for g in groups}

    def test_dashboard_shows_the_latest_evaluation_not_the_sum(self):
        first = self.evaluate(self.retail_admin, D(2024, 8, 31))
        second = self.evaluate(self.retail_admin, D(2024, 9, 30))
        # a nightly forecast run has month lines too: never on this chart
        self.Run.sudo().create(
            {
                "name": "Nightly",
                "run_type": "forecast",
                "calibration_end": D(2024, 9, 30),
                "line_ids": [
                    (
                        0,
                        0,
                        {"group_type": "month", "month": D(2024, 10, 1), "forecast_purchases": 7.0},
                    )
                ],
            }
        )
        self.assertEqual((first.is_latest, second.is_latest), (False, True))
        self.assertTrue(all(second.line_ids.mapped("is_latest")))
        self.assertFalse(any(first.line_ids.mapped("is_latest")))
        shown = self.chart(self.retail_admin)
        self.assertEqual(shown, self.expected(second))
        self.assertNotEqual(shown, self.expected(first, second))
        # July and August are in both holdouts: the sum would count them twice
        self.assertEqual(len(shown), 3)
        # a branch manager and an analyst see the same company-wide evaluation
        self.assertEqual(self.chart(self.manager_a), shown)
        self.assertEqual(self.chart(self.analyst), shown)
        # the KPI pivots (forecast / actual purchases) follow the same rule
        for kpi in self.kpis:
            measure = kpi["measures"][0]["fieldName"]
            [total] = (
                self.env["crm.forecast.run.line"]
                .with_user(self.retail_admin)
                .read_group(kpi["domain"], [f"{measure}:sum"], [], lazy=False)
            )
            months = second.line_ids.filtered(lambda line: line.group_type == "month")
            self.assertAlmostEqual(total[measure], sum(months.mapped(measure)), places=4)

    def test_branch_scope_as_the_user_sees_it(self):
        everyone = self.evaluate(self.retail_admin, D(2024, 8, 31))
        own = self.evaluate(self.analyst, D(2024, 8, 31))  # branch A only
        self.assertEqual(own.scope_branch_ids, self.branch_a)
        # each scope keeps its own latest evaluation
        self.assertTrue(everyone.is_latest and own.is_latest)
        # the analyst sees its own branch's evaluation, not it plus everyone's
        self.assertEqual(self.chart(self.analyst), self.expected(own))
        # the administrator and the branch manager see the company-wide one
        self.assertEqual(self.chart(self.retail_admin), self.expected(everyone))
        self.assertEqual(self.chart(self.manager_a), self.expected(everyone))
        # a newer company-wide evaluation does not replace the analyst's scope
        newer = self.evaluate(self.retail_admin, D(2024, 9, 30))
        self.assertFalse(everyone.is_latest)
        self.assertTrue(own.is_latest)
        self.assertEqual(self.chart(self.analyst), self.expected(own))
        self.assertEqual(self.chart(self.retail_admin), self.expected(newer))

    def test_deleting_the_latest_restores_the_previous(self):
        first = self.evaluate(self.retail_admin, D(2024, 8, 31))
        second = self.evaluate(self.retail_admin, D(2024, 9, 30))
        second.with_user(self.retail_admin).unlink()
        self.assertTrue(first.is_latest)
        self.assertEqual(self.chart(self.retail_admin), self.expected(first))

    def test_the_flag_is_system_set(self):
        first = self.evaluate(self.retail_admin, D(2024, 8, 31))
        second = self.evaluate(self.retail_admin, D(2024, 9, 30))
        with self.assertRaises(AccessError):
            first.with_user(self.retail_admin).write({"is_latest": True})
        with self.assertRaises(AccessError):
            first.line_ids[:1].with_user(self.retail_admin).write({"is_latest": True})
        self.assertEqual((first.is_latest, second.is_latest), (False, True))
        Line = self.env["crm.forecast.run.line"].with_user(self.retail_admin)
        with self.assertRaises(UserError):
            Line.search([("shown_latest", "in", [True])])
        # searching the opposite: every line but the latest evaluation's
        others = Line.search([("shown_latest", "=", False)])
        self.assertFalse(others & second.line_ids)
        self.assertEqual(others & first.line_ids, first.line_ids)

    def test_migration_flags_the_latest_evaluations(self):
        first = self.evaluate(self.retail_admin, D(2024, 8, 31))
        second = self.evaluate(self.retail_admin, D(2024, 9, 30))
        own = self.evaluate(self.analyst, D(2024, 8, 31))
        # evaluations made before 18.0.1.5.0 carry no flag
        self.env.cr.execute(SQL("UPDATE crm_forecast_run SET is_latest = FALSE"))
        self.env.cr.execute(SQL("UPDATE crm_forecast_run_line SET is_latest = FALSE"))
        self.env.invalidate_all()
        self.assertEqual(self.chart(self.retail_admin), {})
        load_migration("18.0.1.5.0", "post-forecast-latest.py").migrate(self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual((first.is_latest, second.is_latest, own.is_latest), (False, True, True))
        self.assertEqual(self.chart(self.retail_admin), self.expected(second))
        self.assertEqual(self.chart(self.analyst), self.expected(own))
