"""Who may use which report (issue 16): branch staff and managers run their
department's branch-operations reports and see their branch's records only;
analysts evaluate forecasts within their clearance and branches; every
department of the demo has a member."""

import datetime
import json

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models.crm_forecast_run import FORECAST_SENSITIVITY_PARAM
from .common import RetailCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestOperationalReports(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)
        cls.sales = cls.env.ref("crm_retail_compile.department_sales")
        (cls.staff_a | cls.staff_a2 | cls.staff_b | cls.manager_a).write(
            {"retail_department_id": cls.sales.id}
        )
        for order in (cls.order_a_own, cls.order_a_other, cls.order_b):
            order.action_confirm()
        cls.takings = cls.env.ref("crm_retail_compile.crm_report_template_branch_daily_takings")
        cls.marketing = cls.env.ref("crm_retail_compile.crm_report_template_marketing_segments")
        cls.sales_performance = cls.env.ref(
            "crm_retail_compile.crm_report_template_sales_performance"
        )

    def run_as(self, user, template):
        run = self.Run.with_user(user)._create_for_template(template, user=user)
        run.with_user(user).action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def visible_revenue(self, user, run):
        """The revenue of the order lines ``user`` may read in the run's
        period, summed by hand through the ORM (the user's record rules)."""
        lines = (
            self.env["sale.order.line"]
            .with_user(user)
            .search(
                [
                    ("state", "=", "sale"),
                    ("display_type", "=", False),
                    ("order_id.date_order", ">=", run.date_from),
                    ("order_id.date_order", "<", fields.Date.add(run.date_to, days=1)),
                ]
            )
        )
        return lines, sum(lines.sudo().mapped("price_subtotal"))

    def test_staff_and_manager_run_their_branch_report(self):
        lines_a = self.order_a_own.order_line
        lines_a_other = self.order_a_other.order_line
        lines_b = self.order_b.order_line
        # staff: own (or unassigned) orders of its branch, never another branch's
        run = self.run_as(self.staff_a, self.takings)
        self.assertEqual(run.user_id, self.staff_a)
        lines, revenue = self.visible_revenue(self.staff_a, run)
        self.assertIn(lines_a, lines)
        self.assertFalse(lines & (lines_a_other | lines_b))
        self.assertAlmostEqual(json.loads(run.totals_json)["revenue"], revenue, places=2)
        # the manager: every order of the branch, still not the other branch
        run = self.run_as(self.manager_a, self.takings)
        lines, revenue = self.visible_revenue(self.manager_a, run)
        self.assertLessEqual(lines_a | lines_a_other, lines)
        self.assertFalse(lines & lines_b)
        self.assertAlmostEqual(json.loads(run.totals_json)["revenue"], revenue, places=2)
        # staff of the other branch: its order, not branch A's
        run = self.run_as(self.staff_b, self.takings)
        lines, revenue = self.visible_revenue(self.staff_b, run)
        self.assertIn(lines_b, lines)
        self.assertFalse(lines & (lines_a | lines_a_other))
        self.assertAlmostEqual(json.loads(run.totals_json)["revenue"], revenue, places=2)

    def test_staff_see_only_branch_operations_of_their_department(self):
        Template = self.env["crm.report.template"]
        seen = Template.with_user(self.staff_a).search([])
        self.assertIn(self.takings, seen)
        self.assertTrue(all(t.branch_operational for t in seen))
        self.assertEqual(seen.retail_department_id, self.sales)
        for template in (self.marketing, self.sales_performance):
            with self.subTest(template=template.code):
                with self.assertRaises(AccessError):
                    template.with_user(self.staff_a).check_access("read")
                with self.assertRaises(AccessError):
                    self.Run.with_user(self.staff_a)._create_for_template(
                        template, user=self.staff_a
                    )
        # a branch operations report of another department: not for sales staff
        service = self.env.ref("crm_retail_compile.department_service")
        other = self.takings.copy({"code": "t_service_ops", "retail_department_id": service.id})
        self.assertNotIn(other, Template.with_user(self.staff_a).search([]))
        # staff without a department: no report at all
        self.staff_a2.retail_department_id = False
        self.assertFalse(Template.with_user(self.staff_a2).search([]))

    def test_runs_are_seen_by_their_requester(self):
        run = self.run_as(self.staff_a, self.takings)
        marketing_run = self.run_as(self.analyst, self.marketing)
        Run = self.env["crm.report.run"]
        self.assertEqual(Run.with_user(self.staff_a).search([("id", "=", run.id)]), run)
        for user in (self.staff_b, self.staff_a2, self.manager_a):
            with self.subTest(user=user.login):
                self.assertFalse(Run.with_user(user).search([("id", "=", run.id)]))
                with self.assertRaises(AccessError):
                    run.with_user(user)._get_output("xlsx")
        # nor other departments' runs
        self.assertFalse(Run.with_user(self.staff_a).search([("id", "=", marketing_run.id)]))
        with self.assertRaises(AccessError):
            marketing_run.with_user(self.staff_a)._get_output("xlsx")
        # the requester downloads its own file
        self.assertEqual(run.with_user(self.staff_a)._get_output("xlsx"), run.xlsx_attachment_id)
        # the query tool works for staff on their reports
        query = (
            self.env["crm.report.query"]
            .with_user(self.staff_a)
            .create({"template_id": self.takings.id})
        )
        query.with_context(crm_report_foreground=True).action_run()

    def test_staff_cannot_flag_a_template_operational(self):
        with self.assertRaises(AccessError):
            self.takings.with_user(self.manager_a).write({"branch_operational": False})
        with self.assertRaises(AccessError):
            self.marketing.with_user(self.analyst).write({"branch_operational": True})


@tagged("post_install", "-at_install")
class TestDemoMembers(RetailCommon):
    def test_every_department_has_a_demo_member(self):
        for code in (
            "sales",
            "marketing",
            "promotion",
            "planning",
            "hr",
            "finance",
            "service",
            "management",
        ):
            department = self.env.ref(f"crm_retail_compile.department_{code}")
            with self.subTest(department=code):
                members = department.member_ids
                self.assertTrue(members, f"no member in {code}")
        for code in ("hr", "promotion", "planning", "service"):
            user = self.env.ref(f"crm_retail_compile.user_analyst_{code}_demo")
            with self.subTest(user=user.login):
                self.assertEqual(user.login, f"analyst.{code}")
                self.assertTrue(user.crm_mfa_exempt)
                self.assertEqual(user.tz, "Asia/Hong_Kong")
                self.assertTrue(user.has_group("crm_retail_compile.group_department_analyst"))
                self.assertEqual(
                    user.retail_department_id,
                    self.env.ref(f"crm_retail_compile.department_{code}"),
                )


@tagged("post_install", "-at_install")
class TestForecastEvaluationAccess(RetailCommon):
    CAL_START, CAL_END, HOLDOUT_END = D(2024, 1, 1), D(2024, 6, 30), D(2024, 8, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls.env.cr
        # only the customers of the test count (rolled back)
        cr.execute(SQL("DELETE FROM crm_sales_event"))
        cr.execute(SQL("UPDATE res_partner SET is_retail_customer = FALSE"))
        cls.env["res.partner"].invalidate_model()
        customers = cls._forecast_history("Forecast", 48, cls.CAL_START, cls.CAL_END)
        cls.customers_a = customers.filtered(lambda c: c.retail_branch_id == cls.branch_a)
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_finance = new_test_user(
            cls.env,
            login="t_fc_finance",
            groups="crm_retail_compile.group_department_analyst",
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        cls.analyst_b = new_test_user(
            cls.env, login="t_fc_b", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_b.write(
            {
                "retail_department_id": cls.dept_marketing.id,
                "retail_branch_ids": [(6, 0, cls.branch_b.ids)],
            }
        )

    def evaluate(self, user):
        wizard = (
            self.env["crm.forecast.evaluation.wizard"]
            .with_user(user)
            .create(
                {
                    "calibration_start": self.CAL_START,
                    "calibration_end": self.CAL_END,
                    "holdout_end": self.HOLDOUT_END,
                }
            )
        )
        action = wizard.action_run()
        return self.env["crm.forecast.run"].browse(action["res_id"])

    def test_analyst_evaluates_the_customers_of_its_branches(self):
        run = self.evaluate(self.analyst)  # marketing, branch A
        self.assertEqual(run.user_id, self.analyst)
        self.assertEqual(run.scope_branch_ids, self.branch_a)
        self.assertEqual(run.customers, len(self.customers_a))
        self.assertGreater(run.actual_purchases, 0)
        self.assertGreater(run.forecast_purchases, 0)
        branch_lines = run.line_ids.filtered(lambda line: line.group_type == "branch")
        self.assertEqual(branch_lines.retail_branch_id, self.branch_a)
        # forecast against actual, read back as the analyst
        lines = (
            self.env["crm.forecast.run.line"]
            .with_user(self.analyst)
            .search([("run_id", "=", run.id)])
        )
        self.assertEqual(lines, run.line_ids)
        # a branch-limited evaluation is its requester's: not another analyst's
        # nor a manager's
        for user in (self.analyst_b, self.manager_a):
            with self.subTest(user=user.login):
                Run = self.env["crm.forecast.run"].with_user(user)
                self.assertFalse(Run.search([("id", "=", run.id)]))
                self.assertFalse(
                    self.env["crm.forecast.run.line"]
                    .with_user(user)
                    .search([("run_id", "=", run.id)])
                )
        # an administrator's evaluation covers every customer, seen by all
        full = self.evaluate(self.retail_admin)
        self.assertFalse(full.scope_branch_ids)
        self.assertEqual(full.customers, 48)
        self.assertEqual(full.with_user(self.analyst_b).customers, 48)

    def test_evaluation_above_clearance_is_refused(self):
        self.env["ir.config_parameter"].set_param(FORECAST_SENSITIVITY_PARAM, "confidential")
        Run = self.env["crm.forecast.run"]
        count = Run.search_count([])
        # marketing's clearance is internal: refused, nothing written
        with self.assertRaises(AccessError):
            self.evaluate(self.analyst)
        self.assertEqual(Run.search_count([]), count)
        # finance's is confidential: allowed, on its branches
        run = self.evaluate(self.analyst_finance)
        self.assertEqual(run.scope_branch_ids, self.branch_a | self.branch_b)
        self.assertEqual(run.customers, 48)
        # lowering the department's clearance takes the right away at once
        self.finance.clearance = "internal"
        with self.assertRaises(AccessError):
            self.evaluate(self.analyst_finance)

    def test_staff_and_managers_cannot_evaluate(self):
        for user in (self.staff_a, self.manager_a, self.internal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.evaluate(user)
