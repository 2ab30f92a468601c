import datetime
import json

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import RetailCommon

FROM = datetime.date(2000, 1, 1)


@tagged("post_install", "-at_install")
class TestReportQuery(RetailCommon):
    """The ad-hoc query tool (crm.report.query): the same figures as
    hand-written SQL, ratios recomputed, save as template, who may use it
    and clear errors for bad input."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Query = cls.env["crm.report.query"].with_context(crm_report_foreground=True)
        cls.Template = cls.env["crm.report.template"]
        cls.Field = cls.env["crm.report.field"]
        cls.analyst_ab = new_test_user(
            cls.env,
            login="t_analyst_ab",
            groups="crm_retail_compile.group_department_analyst",
        )
        cls.analyst_ab.write(
            {
                "retail_department_id": cls.dept_marketing.id,
                "retail_branch_ids": [Command.set((cls.branch_a | cls.branch_b).ids)],
            }
        )
        for order in (cls.order_a_own, cls.order_a_other, cls.order_b):
            order.action_confirm()
        cls.env["crm.customer.profit"]._refresh()
        # the administrator's queries and templates go to its department
        cls.retail_admin.retail_department_id = cls.dept_marketing
        cls.Field._sync_from_datasets()
        cls.to = fields.Date.context_today(cls.env["crm.report.query"]) + datetime.timedelta(days=1)

    # ------------------------------------------------------------------
    def adhoc(self, user, **values):
        values.setdefault("date_from", FROM.isoformat())
        values.setdefault("date_to", self.to.isoformat())
        run_id = self.Query.with_user(user).run_adhoc(values)
        run = self.env["crm.report.run"].browse(run_id)
        self.assertEqual(run.state, "done", run.error)
        return run

    def rows(self, run):
        """{first dimension: {measure code: value}} of a run's lines."""
        specs = run._column_specs()
        dim = next(s["slot"] for s in specs if s["kind"] == "char")
        measures = {s["code"]: s["slot"] for s in specs if s["kind"] not in ("char", "date")}
        return {
            line[dim]: {code: line[slot] for code, slot in measures.items()}
            for line in run.line_ids
        }

    def sql_rows(self, query, *args):
        self.env.flush_all()
        return {row[0]: row[1:] for row in self.env.execute_query(SQL(query, *args))}

    # ---- figures ----------------------------------------------------
    def test_sales_events_per_branch_equal_hand_written_sql(self):
        run = self.adhoc(
            self.retail_admin,
            dataset="sales_events",
            dimensions=["branch"],
            measures=["revenue", "customers", "orders"],
            period="none",
        )
        expected = self.sql_rows(
            """
            SELECT COALESCE(b.name, 'Unknown'),
                   COALESCE(SUM(e.revenue) FILTER (WHERE e.is_revenue), 0),
                   COUNT(DISTINCT e.partner_id),
                   COUNT(*) FILTER (WHERE e.event_type = 'order_confirmed')
                   - COUNT(*) FILTER (WHERE e.event_type = 'order_cancelled')
              FROM crm_sales_event e
              LEFT JOIN crm_retail_branch b ON b.id = e.retail_branch_id
             WHERE e.event_date >= %s AND e.event_date < %s
             GROUP BY 1
            """,
            FROM,
            self.to + datetime.timedelta(days=1),
        )
        got = self.rows(run)
        self.assertIn(self.branch_a.name, got)
        self.assertEqual(set(got), set(expected))
        for branch, (revenue, customers, orders) in expected.items():
            with self.subTest(branch=branch):
                self.assertAlmostEqual(got[branch]["revenue"], float(revenue), places=2)
                self.assertEqual(got[branch]["customers"], customers)
                self.assertEqual(got[branch]["orders"], orders)
        self.assertEqual(got[self.branch_a.name]["revenue"], 10000.0)  # two rings at 5,000
        self.assertEqual(got[self.branch_a.name]["customers"], 2)

    def test_customer_profit_per_branch_for_a_period_equal_sql(self):
        month = fields.Date.context_today(self.env["crm.report.query"]).replace(day=1)
        run = self.adhoc(
            self.analyst_ab,
            dataset="customer_profit",
            dimensions=["branch"],
            measures=["revenue", "customers"],
            period="none",
            date_from=month.isoformat(),
            date_to=self.to.isoformat(),
        )
        expected = self.sql_rows(
            """
            SELECT b.name, COALESCE(SUM(p.revenue), 0), COUNT(DISTINCT p.partner_id)
              FROM crm_customer_profit p
              JOIN crm_retail_branch b ON b.id = p.retail_branch_id
             WHERE p.month >= %s AND p.month <= %s AND b.id = ANY(%s)
             GROUP BY 1
            """,
            month,
            self.to,
            (self.branch_a | self.branch_b).ids,
        )
        got = self.rows(run)
        self.assertEqual(set(got), set(expected))
        self.assertEqual(set(got), {self.branch_a.name, self.branch_b.name})
        for branch, (revenue, customers) in expected.items():
            self.assertAlmostEqual(got[branch]["revenue"], float(revenue), places=2)
            self.assertEqual(got[branch]["customers"], customers)

    def test_scoped_analyst_sees_only_their_branches(self):
        run = self.adhoc(
            self.analyst,  # branch A only
            dataset="sales_events",
            dimensions=["branch"],
            measures=["revenue"],
            period="none",
        )
        self.assertEqual(set(self.rows(run)), {self.branch_a.name})
        self.assertEqual(json.loads(run.totals_json)["revenue"], 10000.0)

    def test_ratio_total_equals_hand_computed(self):
        run = self.adhoc(
            self.retail_admin,
            dataset="sales_events",
            dimensions=["branch"],
            measures=["revenue", "profit", "margin_pct"],
            period="month",
        )
        self.env.flush_all()
        [(revenue, profit)] = self.env.execute_query(
            SQL(
                """
                SELECT SUM(revenue) FILTER (WHERE is_revenue), SUM(margin) FILTER (WHERE is_revenue)
                  FROM crm_sales_event WHERE event_date >= %s AND event_date < %s
                """,
                FROM,
                self.to + datetime.timedelta(days=1),
            )
        )
        expected = 100.0 * float(profit) / float(revenue)
        self.assertAlmostEqual(json.loads(run.totals_json)["margin_pct"], expected, places=2)
        # the pivot's grand total: recomputed from the parts, not summed
        slot = next(s["slot"] for s in run._column_specs() if s["code"] == "margin_pct")
        Line = self.env["crm.report.line"].with_context(crm_report_run_id=run.id)
        [(total,)] = Line._read_group([("run_id", "=", run.id)], [], [f"{slot}:sum"])
        self.assertAlmostEqual(total, expected, places=2)
        self.assertGreater(len(run.line_ids), 1)

    def test_run_opens_typed_result_and_renders_files_on_download(self):
        query = self.Query.with_user(self.analyst_ab).create(
            {
                "dataset": "sales_events",
                "dimension_ids": [
                    Command.set(self.Field._for_codes("sales_events", "dimension", ["branch"]).ids)
                ],
                "measure_ids": [
                    Command.set(
                        self.Field._for_codes("sales_events", "measure", ["revenue", "orders"]).ids
                    )
                ],
                "period": "none",
                "date_range": "all",
                "chart_type": "pie",
            }
        )
        action = query.action_run()
        self.assertEqual(action["res_model"], "crm.report.line")
        self.assertEqual(action["view_mode"], "pivot,graph,list")
        run = query.run_id
        self.assertEqual(run.user_id, self.analyst_ab)
        self.assertEqual(run.template_id.chart_type, "pie")
        self.assertFalse(run.sudo().xlsx_attachment_id, "no file rendered by a run")
        self.assertFalse(run.sudo().pdf_attachment_id)
        download = query.action_download_xlsx()
        self.assertIn(f"/report/{run.id}/xlsx", download["url"])
        attachment = run.with_user(self.analyst_ab)._get_output("xlsx")
        self.assertTrue(attachment.raw.startswith(b"PK"))
        # the hidden template of an ad-hoc query: archived, not among the
        # department's templates, reused by the same query
        self.assertFalse(run.template_id.active)
        self.assertNotIn(run.template_id, self.Template.with_user(self.analyst_ab).search([]))
        self.assertEqual(run.template_id.retail_department_id, self.dept_marketing)
        query.action_run()
        self.assertEqual(query.run_id.template_id, run.template_id)
        self.assertNotEqual(query.run_id, run)

    def test_template_unchanged_runs_the_template(self):
        template = self.env.ref("crm_retail_compile.crm_report_template_marketing_segments")
        query = self.Query.with_user(self.analyst).create({"template_id": template.id})
        self.assertEqual(query.dataset, template.dataset)
        self.assertEqual(
            set(query.dimension_ids.mapped("code")),
            set(template.dimensions.split(",")) - {"period"},
        )
        query.action_run()
        self.assertEqual(query.run_id.template_id, template)
        # a measure removed: an ad-hoc query of the analyst's department
        query.measure_ids = query.measure_ids[:1]
        query.action_run()
        self.assertNotEqual(query.run_id.template_id, template)
        self.assertTrue(query.run_id.template_id.code.startswith("adhoc_"))

    # ---- save as template ---------------------------------------------
    def test_save_as_template_for_the_department(self):
        query = self.Query.with_user(self.analyst_ab).create(
            {
                "name": "Revenue by district",
                "dataset": "sales_events",
                "dimension_ids": [
                    Command.set(
                        self.Field._for_codes("sales_events", "dimension", ["district"]).ids
                    )
                ],
                "measure_ids": [
                    Command.set(
                        self.Field._for_codes(
                            "sales_events", "measure", ["revenue", "margin_pct"]
                        ).ids
                    )
                ],
                "period": "quarter",
                "date_range": "this_year",
                "filter_domain": "[('is_revenue', '=', True)]",
            }
        )
        action = query.action_save_template()
        template = self.Template.browse(action["res_id"])
        self.assertEqual(template.name, "Revenue by district")
        self.assertTrue(template.active)
        self.assertEqual(template.retail_department_id, self.dept_marketing)
        self.assertEqual(template.owner_id, self.analyst_ab)
        self.assertEqual(template.dimensions, "period,district")
        self.assertEqual(template.measures, "revenue,margin_pct")
        self.assertEqual(template.period, "quarter")
        self.assertEqual(template.date_range, "this_year")
        self.assertEqual(template.filter_domain, "[('is_revenue', '=', True)]")
        # among the department's templates, for its analysts
        self.assertIn(template, self.Template.with_user(self.analyst).search([]))
        # and runs like any other
        run = self.env["crm.report.run"].with_user(self.analyst)._create_for_template(template)
        run.with_context(crm_report_foreground=True).action_run()
        self.assertEqual(run.state, "done", run.error)
        # scheduled like the others (an administrator schedules)
        template.with_user(self.retail_admin).write(
            {
                "schedule": "daily",
                "next_send_date": self.Template._schedule_today(),
                "recipient_ids": [Command.set(self.analyst.ids)],
                "delivery_method": "notification",
            }
        )
        runs = template._send_scheduled()
        self.assertTrue(runs)
        self.assertTrue(all(r.state == "done" for r in runs))

    def test_save_over_wide_is_refused(self):
        measures = self.Field.search([("dataset", "=", "sales_events"), ("kind", "=", "measure")])
        self.assertGreater(len(measures), 10)
        before = self.Template.with_context(active_test=False).search_count([])
        query = self.Query.with_user(self.analyst_ab).create(
            {
                "name": "Everything",
                "dataset": "sales_events",
                "measure_ids": [Command.set(measures.ids)],
            }
        )
        with self.assertRaisesRegex(ValidationError, "at most 10"):
            query.action_save_template()
        with self.assertRaisesRegex(ValidationError, "at most 10"):
            query.action_run()
        self.assertEqual(self.Template.with_context(active_test=False).search_count([]), before)

    def test_save_needs_a_name(self):
        query = self.Query.with_user(self.analyst_ab).create(
            {
                "dataset": "customers",
                "measure_ids": [
                    Command.set(self.Field._for_codes("customers", "measure", ["customers"]).ids)
                ],
            }
        )
        with self.assertRaises(UserError):
            query.action_save_template()

    # ---- who ------------------------------------------------------------
    def test_wrong_roles_are_refused(self):
        values = {"dataset": "order_lines", "dimensions": ["branch"], "measures": ["revenue"]}
        for user in (self.staff_a, self.manager_a, self.privacy_officer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Query.with_user(user).run_adhoc(dict(values))
        with self.assertRaises(AccessError):
            self.Query.with_user(self.internal).run_adhoc(dict(values))
        # staff keep running their branch-operations templates
        self.staff_a.retail_department_id = self.dept_marketing
        takings = self.env.ref("crm_retail_compile.crm_report_template_branch_daily_takings").copy(
            {"code": "t_query_takings", "retail_department_id": self.dept_marketing.id}
        )
        query = self.Query.with_user(self.staff_a).create({"template_id": takings.id})
        query.action_run()
        self.assertEqual(query.run_id.template_id, takings)
        self.assertEqual(query.run_id.state, "done", query.run_id.error)
        # but cannot turn it into their own query nor save it
        query.measure_ids = query.measure_ids[:1]
        with self.assertRaises(AccessError):
            query.action_run()
        query.name = "Mine"
        with self.assertRaises(AccessError):
            query.action_save_template()

    def test_analyst_stays_in_own_department_and_branches(self):
        finance = self.env.ref("crm_retail_compile.department_finance")
        with self.assertRaises(AccessError):
            self.adhoc(
                self.analyst,
                dataset="sales_events",
                measures=["revenue"],
                retail_department_id=finance.id,
            )
        with self.assertRaises(AccessError):
            self.adhoc(
                self.analyst,
                dataset="sales_events",
                measures=["revenue"],
                branch_ids=[self.branch_b.id],
            )
        # another department's template cannot be the start
        finance_template = self.env.ref(
            "crm_retail_compile.crm_report_template_finance_profit_segment"
        )
        with self.assertRaises(AccessError):
            self.Query.with_user(self.analyst).run_adhoc({"template_id": finance_template.id})
        # an administrator may build one for another department
        run = self.adhoc(
            self.retail_admin,
            dataset="sales_events",
            measures=["revenue"],
            retail_department_id=finance.id,
        )
        self.assertEqual(run.retail_department_id, finance)

    def test_branch_choice_lists_the_users_branches(self):
        query = self.Query.with_user(self.analyst).create({"dataset": "sales_events"})
        self.assertEqual(query.allowed_branch_ids, self.branch_a)
        query = self.Query.with_user(self.retail_admin).create({"dataset": "sales_events"})
        self.assertIn(self.branch_b, query.allowed_branch_ids)

    # ---- bad input ----------------------------------------------------
    def test_bad_input_gets_clear_errors(self):
        Query = self.Query.with_user(self.analyst_ab)
        cases = [
            ({"dataset": "nope", "measures": ["revenue"]}, UserError, "Unknown dataset"),
            (
                {"dataset": "sales_events", "dimensions": ["zzz"], "measures": ["revenue"]},
                UserError,
                "no dimension zzz",
            ),
            (
                # a dimension of another dataset
                {"dataset": "customers", "dimensions": ["step"], "measures": ["customers"]},
                UserError,
                "no dimension step",
            ),
            ({"dataset": "customers", "measures": ["revenue"]}, UserError, "no measure revenue"),
            (
                {
                    "dataset": "sales_events",
                    "measures": ["revenue"],
                    "date_from": "2026-05-01",
                    "date_to": "2026-01-01",
                },
                ValidationError,
                "starts after it ends",
            ),
            (
                {"dataset": "sales_events", "measures": ["revenue"], "date_from": "May"},
                UserError,
                "must be a date",
            ),
            ({"dataset": "sales_events", "measures": []}, UserError, "at least one measure"),
            ({"dataset": "sales_events", "measures": "revenue"}, UserError, "list of codes"),
            ({"dataset": "sales_events", "colour": "red"}, UserError, "Unknown query keys"),
            (
                {"dataset": "sales_events", "measures": ["revenue"], "period": "fortnight"},
                UserError,
                "period must be one of",
            ),
            (
                {
                    "dataset": "sales_events",
                    "measures": ["revenue"],
                    "filters": "[('nope', '=', 1)]",
                },
                UserError,
                "filters are not valid",
            ),
            (
                {"dataset": "sales_events", "measures": ["revenue"], "filters": "__import__('os')"},
                UserError,
                "filters are not valid",
            ),
            (
                {"dataset": "sales_events", "measures": ["revenue"], "branch_ids": [999999]},
                UserError,
                "Unknown branch",
            ),
            ("sales_events", UserError, "dictionary"),
        ]
        runs_before = self.env["crm.report.run"].search_count([])
        for values, error, message in cases:
            with self.subTest(values=values), self.assertRaisesRegex(error, message):
                Query.run_adhoc(values)
        self.assertEqual(self.env["crm.report.run"].search_count([]), runs_before)
        # dimensions of another dataset written directly
        with self.assertRaisesRegex(ValidationError, "not a dimension or measure"):
            Query.create(
                {
                    "dataset": "customers",
                    "dimension_ids": [
                        Command.set(
                            self.Field._for_codes("sales_events", "dimension", ["step"]).ids
                        )
                    ],
                }
            )
        with self.assertRaises(ValidationError):
            Query.create({"dataset": "nope"})

    def test_fields_mirror_the_datasets_with_translated_labels(self):
        datasets = self.Template._get_datasets()
        for code, dataset in datasets.items():
            with self.subTest(dataset=code):
                records = self.Field.search([("dataset", "=", code)])
                self.assertEqual(
                    set(records.filtered(lambda f: f.kind == "dimension").mapped("code")),
                    set(dataset.dimensions),
                )
                self.assertEqual(
                    set(records.filtered(lambda f: f.kind == "measure").mapped("code")),
                    set(dataset.measures),
                )
        margin = self.Field._for_codes("sales_events", "measure", ["margin_pct"])
        self.assertTrue(margin.is_ratio)
        self.assertEqual(margin.value_type, "percent")
        self.assertEqual(margin.display_name, "Margin %")
        # nobody writes them but the sync
        with self.assertRaises(AccessError):
            margin.with_user(self.retail_admin).write({"label": "x"})
        with self.assertRaises(AccessError):
            self.Field.with_user(self.retail_admin).create(
                {"dataset": "x", "kind": "measure", "code": "x", "label": "x"}
            )

    def test_stale_adhoc_templates_are_removed(self):
        run = self.adhoc(self.analyst_ab, dataset="customers", measures=["customers"])
        template = run.template_id
        saved = self.Query.with_user(self.analyst_ab).create(
            {
                "name": "Kept",
                "dataset": "customers",
                "measure_ids": [
                    Command.set(self.Field._for_codes("customers", "measure", ["customers"]).ids)
                ],
            }
        )
        kept = self.Template.browse(saved.action_save_template()["res_id"])
        self.assertEqual(self.Query._gc_adhoc_templates(), 0, "run today: kept")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_report_template SET create_date = now() - interval '40 days' "
                "WHERE id = ANY(%s)",
                (template | kept).ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_report_run SET create_date = now() - interval '40 days' WHERE id = %s",
                run.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(self.Query._gc_adhoc_templates(), 1)
        self.assertFalse(template.exists())
        self.assertFalse(run.exists())
        self.assertTrue(kept.exists())
