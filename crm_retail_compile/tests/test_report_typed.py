"""Typed report results: each column of a run has its label (in the reader's
language), type and aggregation; ratios are recomputed at every level of a
pivot; a template wider than a result is refused; users never see JSON;
files are rendered when first downloaded."""

import io
import json
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..lib import report_writers
from .common import RetailCommon, load_migration


@tagged("post_install", "-at_install")
class TestReportTyped(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_finance = new_test_user(
            cls.env, login="t_typed_fin", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        # branch A: a ring (5,000, profit 2,000: 40 %) sold by staff A and a
        # chain (1,000, profit 100: 10 %) sold by staff A2; branch B: a ring
        cheap = cls.env["product.product"].create(
            {"name": "Silver Chain", "list_price": 1000.0, "standard_price": 900.0}
        )
        cls.order_a_other.order_line.write({"product_id": cheap.id, "price_unit": 1000.0})
        for order in (cls.order_a_own, cls.order_a_other, cls.order_b):
            order.action_confirm()
        cls.template = cls.env["crm.report.template"].create(
            {
                "name": "Margin by branch and salesperson",
                "code": "t_typed_margin",
                "retail_department_id": cls.finance.id,
                "dataset": "order_lines",
                "dimensions": "branch,salesperson",
                "measures": "revenue,profit,margin_pct,orders",
                "date_range": "all",
                # the orders above only (the database may hold demo sales)
                "filter_domain": str(
                    [
                        (
                            "order_id",
                            "in",
                            (cls.order_a_own | cls.order_a_other | cls.order_b).ids,
                        )
                    ]
                ),
                "chart_type": "bar",
                "chart_measure": "profit",
            }
        )
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)

    def run_as(self, user, template=None):
        run = self.Run.with_user(user)._create_for_template(template or self.template, user=user)
        run.with_user(user).action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def lines_of(self, run, user=None):
        Line = self.env["crm.report.line"]
        if user:
            Line = Line.with_user(user)
        return Line.with_context(crm_report_run_id=run.id)

    # ---- ratios ----------------------------------------------------------
    def test_ratio_is_recomputed_at_every_pivot_level(self):
        run = self.run_as(self.analyst_finance)
        Line = self.lines_of(run, self.analyst_finance)
        slots = {s["code"]: s["slot"] for s in run._column_specs()}
        margin, revenue = slots["margin_pct"], slots["revenue"]
        domain = [("run_id", "=", run.id)]
        # level branch: A = (2,000 + 100) / (5,000 + 1,000) = 35 %, not 40 + 10
        by_branch = {
            group[slots["branch"]]: group
            for group in Line.read_group(
                domain, [f"{margin}:sum", f"{revenue}:sum"], [slots["branch"]]
            )
        }
        self.assertAlmostEqual(by_branch["Test A"][margin], 35.0, places=6)
        self.assertAlmostEqual(by_branch["Test A"][revenue], 6000.0, places=2)
        self.assertAlmostEqual(by_branch["Test B"][margin], 40.0, places=6)
        # total: (2,000 + 100 + 2,000) / (5,000 + 1,000 + 5,000)
        [total] = Line.read_group(domain, [f"{margin}:sum"], [])
        self.assertAlmostEqual(total[margin], 4100 / 11000 * 100, places=6)
        # the rows themselves keep their own ratio
        rows = Line.search_read(domain, [slots["salesperson"], margin])
        self.assertEqual(sorted(round(r[margin], 2) for r in rows), [10.0, 40.0, 40.0])
        # the run's totals and the pivot agree
        self.assertAlmostEqual(json.loads(run.totals_json)["margin_pct"], 37.27, places=2)

    def test_ratio_columns_are_recomputed_in_the_list_totals_too(self):
        run = self.run_as(self.analyst_finance)
        Line = self.lines_of(run, self.analyst_finance)
        margin = next(s["slot"] for s in run._column_specs() if s["code"] == "margin_pct")
        arch = Line.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn(f'name="{margin}" sum=', arch)
        groups = Line.web_read_group([("run_id", "=", run.id)], [f"{margin}:sum"], [])
        self.assertAlmostEqual(groups["groups"][0][margin], 4100 / 11000 * 100, places=6)

    # ---- width -----------------------------------------------------------
    def test_template_wider_than_a_result_is_refused(self):
        Template = self.env["crm.report.template"]
        vals = {
            "name": "Everything",
            "retail_department_id": self.finance.id,
            "dataset": "sales_events",
            "dimensions": "branch",
            "measures": "revenue,cost,profit,margin_pct,customers,orders,avg_basket,"
            "events,leads,won,conversion_rate",
        }
        with self.assertRaisesRegex(ValidationError, "11 measures.*at most 10"):
            Template.create(vals)
        ten_dims = "branch,district,tier,channel,residency,age_band,segment,salesperson,"
        with self.assertRaisesRegex(ValidationError, "12 dimensions.*at most 10"):
            Template.create(
                dict(
                    vals,
                    measures="revenue",
                    dimensions=ten_dims + "sales_team,step",
                    detail="customer",
                    customer_columns="name,membership_number,tier",
                )
            )
        # within the limit: accepted, and every column has its slot
        template = Template.create(dict(vals, measures="revenue,margin_pct", dimensions=ten_dims))
        self.assertEqual(template.measures, "revenue,margin_pct")
        with self.assertRaisesRegex(ValidationError, "chart measure"):
            template.chart_measure = "orders"

    # ---- labels and types ----------------------------------------------------
    def test_labels_and_types_in_english_and_chinese(self):
        run = self.run_as(self.analyst_finance)
        self.env["res.lang"]._activate_lang("zh_HK")
        english = self.lines_of(run, self.analyst_finance).fields_get()
        self.assertEqual(english["dim_1"]["string"], "Branch")
        self.assertEqual(english["m_1"]["string"], "Revenue (HK$)")
        self.assertEqual(english["m_3"]["string"], "Margin %")
        self.assertEqual(english["m_4"]["string"], "Orders")
        self.assertEqual(english["m_4"]["type"], "integer")
        self.assertEqual(english["m_1"]["type"], "float")
        self.assertEqual(english["m_3"]["aggregator"], "sum")
        # slots the run does not use and the ratio parts are not offered
        for hidden in ("m_5", "dim_3", "n_3", "d_3"):
            self.assertNotIn(hidden, english)
        chinese = self.lines_of(run, self.analyst_finance).with_context(lang="zh_HK").fields_get()
        self.assertEqual(chinese["dim_1"]["string"], "分店")
        self.assertEqual(chinese["m_1"]["string"], "收入（HK$）")
        self.assertEqual(chinese["m_3"]["string"], "毛利率 %")
        self.assertEqual(chinese["m_4"]["string"], "訂單")
        # the default chart of the template
        graph = self.lines_of(run, self.analyst_finance).get_views([(False, "graph")])
        arch = graph["views"]["graph"]["arch"]
        self.assertIn('type="bar"', arch)
        self.assertIn('<field name="m_2" type="measure"/>', arch)
        # the run's name in the reader's language
        self.assertIn(self.template.name, run.display_name)

    def test_missing_values_are_labelled_unknown_and_filterable(self):
        template = self.template.copy(
            {
                "code": "t_typed_district",
                "dimensions": "district",
                "measures": "revenue",
                "chart_measure": False,
            }
        )
        self.cust_b.district_id = self.district
        run = self.run_as(self.analyst_finance, template)
        lines = run.line_ids
        self.assertEqual(sorted(lines.mapped("dim_1")), sorted(["Unknown", self.district.name]))
        self.assertEqual(lines.filtered("has_unknown").dim_1, "Unknown")
        search = self.lines_of(run, self.analyst_finance).get_views([(False, "search")])
        self.assertIn('name="known"', search["views"]["search"]["arch"])

    # ---- no JSON -------------------------------------------------------------
    def test_forms_show_labelled_values_not_json(self):
        run = self.run_as(self.analyst_finance)
        run = run.with_user(self.analyst_finance)
        for text in (run.totals_html, run.params_html, run.display_name):
            self.assertNotIn('{"', str(text))
            self.assertNotIn('":', str(text))
        self.assertIn("Margin %", run.totals_html)
        self.assertIn("37.3%", run.totals_html)
        self.assertIn("HK$11,000.00", run.totals_html)
        self.assertIn("Branch, Salesperson", run.params_html)
        form = run.get_views([(False, "form")])["views"]["form"]["arch"]
        for technical in ("totals_json", "params_json", "columns_json"):
            self.assertNotIn(technical, form)
        # the template's headline (its latest snapshot's totals)
        self.template._crm_system_write().write({"snapshot_run_id": run.id})
        headline = self.template.with_user(self.analyst_finance).headline
        self.assertIn("Revenue: HK$11,000.00", headline)
        self.assertNotIn("{", headline)

    # ---- files on download ------------------------------------------------------
    def test_files_are_rendered_on_first_download_and_kept(self):
        self.template.write({"output_csv": True})
        run = self.run_as(self.analyst_finance)
        Attachment = self.env["ir.attachment"]
        domain = [("res_model", "=", "crm.report.run"), ("res_id", "=", run.id)]
        self.assertFalse(Attachment.search_count(domain), "nothing rendered at run time")
        self.assertFalse(run.xlsx_attachment_id or run.pdf_attachment_id or run.checksum)
        Log = self.env["crm.privacy.export.log"]
        logs = Log.search_count([("user_id", "=", self.analyst_finance.id)])
        reader = run.with_user(self.analyst_finance)
        xlsx = reader._get_output("xlsx")
        self.assertEqual(Attachment.search_count(domain), 1, "only the format asked for")
        self.assertEqual(len(run.checksum), 64)
        self.assertEqual(reader._get_output("xlsx"), xlsx, "rendered once, then kept")
        self.assertEqual(Attachment.search_count(domain), 1)
        # every download is logged (charged when identified) as before
        self.assertEqual(Log.search_count([("user_id", "=", self.analyst_finance.id)]), logs + 2)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.raw)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header_at = next(i for i, r in enumerate(rows) if r[0] == "Branch")
        self.assertEqual(
            rows[header_at][:6],
            ["Branch", "Salesperson", "Revenue (HK$)", "Profit (HK$)", "Margin %", "Orders"],
        )
        period = next(r for r in rows if r[0] == "Period")
        self.assertEqual(period[1], "all dates")
        data = sorted(rows[header_at + 1 :], key=lambda r: (r[0], r[2]))
        self.assertEqual(data[0][2:6], [1000, 100, 10, 1])
        csv_file = reader._get_output("csv")
        self.assertIn("Revenue (HK$)", csv_file.raw.decode("utf-8-sig"))
        self.assertEqual(Attachment.search_count(domain), 2)

    def test_files_rendered_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("zh_HK")
        self.analyst_finance.lang = "zh_HK"
        run = self.run_as(self.analyst_finance)
        xlsx = run.with_user(self.analyst_finance).with_context(lang="zh_HK")._get_output("xlsx")
        rows = [
            [c.value for c in row]
            for row in openpyxl.load_workbook(io.BytesIO(xlsx.raw)).active.iter_rows()
        ]
        cells = {c for row in rows for c in row if c}
        self.assertIn("分店", cells)
        self.assertIn("收入（HK$）", cells)
        self.assertIn("所有日期", cells)
        self.assertNotIn(" - ", cells)
        # branch names in Chinese where the branch has one
        self.assertIn("測試甲", cells)

    def test_a_failed_rendering_leaves_no_file_and_can_be_retried(self):
        run = self.run_as(self.analyst_finance)

        def failing_close(sink):
            sink.abort()
            raise OSError("disk full")

        with (
            patch.object(report_writers.XlsxSink, "close", failing_close),
            self.assertRaisesRegex(UserError, "disk full"),
        ):
            run.with_user(self.analyst_finance)._get_output("xlsx")
        self.assertFalse(run.xlsx_attachment_id)
        self.assertEqual(run.state, "done")
        self.assertTrue(run.with_user(self.analyst_finance)._get_output("xlsx"))

    def test_scheduled_delivery_renders_the_files(self):
        run = self.run_as(self.analyst_finance)
        attachments = run._output_attachments()
        self.assertEqual(sorted(a.name.rsplit(".", 1)[1] for a in attachments), ["pdf", "xlsx"])
        self.assertEqual(run._output_attachments(), attachments)

    # ---- runs compiled before typed results --------------------------------------
    def test_migration_retires_the_lines_of_old_runs(self):
        run = self.run_as(self.analyst_finance)
        old = [[c["code"], c["label"], c["kind"]] for c in json.loads(run.columns_json)]
        self.env.cr.execute(
            "UPDATE crm_report_run SET columns_json = %s WHERE id = %s",
            [json.dumps(old), run.id],
        )
        self.template._crm_system_write().write({"snapshot_run_id": run.id})
        new = self.run_as(self.analyst_finance)
        self.env.flush_all()
        load_migration("18.0.1.4.0").migrate(self.env.cr, "18.0.1.3.1")
        self.env.invalidate_all()
        self.assertFalse(run.has_lines or run.line_ids)
        self.assertFalse(self.template.snapshot_run_id, "a new snapshot is compiled")
        self.assertTrue(new.has_lines and new.line_ids, "typed runs are kept")
        # the old run still reads: labelled totals, typed columns
        self.assertEqual(run._column_specs()[2]["header"], "Revenue (HK$)")
        self.assertIn("HK$11,000.00", run.totals_html)
        with self.assertRaises(UserError):
            run.with_user(self.analyst_finance).action_download_xlsx()
