import csv
import io
import json
import os
import shutil
import tempfile
from unittest.mock import patch

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import pending_jobs, run_jobs
from odoo.addons.queue_job.job import Job

from ..lib import report_writers
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReports(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_finance = new_test_user(
            cls.env, login="t_analyst_fin", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        cls.cust_a.write(
            {
                "phone": "+852 9123 4567",
                "email": "secret.a@example.com",
                "membership_number": "T-REP-A",
            }
        )
        for order in (cls.order_a_own, cls.order_b):
            order.action_confirm()
        cls.env["crm.customer.profit"]._refresh()

    def template(self, code):
        return self.env.ref(f"crm_retail_compile.crm_report_template_{code}")

    def run_as(self, user, template, **kwargs):
        run = self.Run.with_user(user)._create_for_template(template, user=user, **kwargs)
        run.with_user(user).action_run()
        return run

    def totals(self, run):
        return json.loads(run.totals_json)

    # ---- totals ---------------------------------------------------------
    def test_every_default_template_matches_hand_computed_totals(self):
        templates = self.env["crm.report.template"].search([])
        self.assertGreaterEqual(len(templates), 8)
        self.assertEqual(len(templates.retail_department_id), 8, "a template for every department")
        Event, Profit = self.env["crm.sales.event"], self.env["crm.customer.profit"]
        for template in templates:
            with self.subTest(template=template.code):
                run = self.run_as(self.retail_admin, template)
                self.assertEqual(run.state, "done", run.error)
                totals = self.totals(run)
                date_from, date_to = template._get_date_bounds()
                if template.dataset == "sales_events" and "revenue" in totals:
                    if template.timeliness == "precalculated":
                        domain = [("month", ">=", date_from), ("month", "<=", date_to)]
                        expected = sum(Profit.search(domain).mapped("revenue"))
                    else:
                        domain = [
                            ("is_revenue", "=", True),
                            ("event_date", ">=", date_from),
                            ("event_date", "<", fields.Date.add(date_to, days=1)),
                        ]
                        expected = sum(Event.search(domain).mapped("revenue"))
                    self.assertAlmostEqual(totals["revenue"], expected, places=2)
                if template.dataset == "order_lines":
                    lines = self.env["sale.order.line"].search(
                        [
                            ("state", "=", "sale"),
                            ("display_type", "=", False),
                            ("order_id.date_order", ">=", date_from),
                            ("order_id.date_order", "<", fields.Date.add(date_to, days=1)),
                        ]
                    )
                    self.assertAlmostEqual(
                        totals["revenue"], sum(lines.mapped("price_subtotal")), places=2
                    )
                    self.assertAlmostEqual(
                        totals["quantity"], sum(lines.mapped("product_uom_qty")), places=2
                    )
                if template.dataset == "customers":
                    self.assertEqual(
                        sum(run.line_ids.mapped("m_1")),
                        self.env["res.partner"].search_count([("is_retail_customer", "=", True)]),
                    )

    def test_branch_filter_and_hand_totals_on_seeded_orders(self):
        run = self.run_as(
            self.analyst_finance,
            self.template("finance_profit_segment"),
            branches=self.branch_a,
        )
        self.assertEqual(run.state, "done", run.error)
        totals = self.totals(run)
        self.assertEqual(totals["revenue"], 5000.0)  # one ring at 5,000 in branch A
        self.assertEqual(totals["cost"], 3000.0)
        self.assertEqual(totals["profit"], 2000.0)
        self.assertEqual(totals["margin_pct"], 40.0)

    def test_analyst_sees_only_allowed_branches(self):
        # the marketing analyst may see branch A only: B's sales never count
        template = self.template("planning_trends")
        template.retail_department_id = self.dept_marketing
        run = self.run_as(self.analyst, template)
        self.assertEqual(self.totals(run)["revenue"], 5000.0)

    # ---- access -------------------------------------------------------------
    def test_marketing_analyst_cannot_see_or_run_finance_reports(self):
        finance_template = self.template("finance_profit_segment")
        visible = self.env["crm.report.template"].with_user(self.analyst).search([])
        self.assertNotIn(finance_template, visible)
        self.assertIn(self.template("marketing_segments"), visible)
        self.assertTrue(all(t.retail_department_id == self.dept_marketing for t in visible))
        with self.assertRaises(AccessError):
            finance_template.with_user(self.analyst).read(["name"])
        with self.assertRaises(AccessError):
            self.Run.with_user(self.analyst)._create_for_template(
                finance_template, user=self.analyst
            )
        finance_run = self.run_as(self.analyst_finance, finance_template)
        with self.assertRaises(AccessError):
            finance_run.with_user(self.analyst).read(["totals_json"])
        with self.assertRaises(AccessError):
            finance_run.line_ids.with_user(self.analyst).read(["m_1"])
        with self.assertRaises(AccessError):
            finance_run.with_user(self.analyst)._get_output("xlsx")
        # branch staff see only their department's branch-operations
        # templates: without a department, none, and never finance's
        self.assertFalse(self.env["crm.report.template"].with_user(self.staff_a).search([]))
        with self.assertRaises(AccessError):
            finance_template.with_user(self.staff_a).read(["name"])

    # ---- sensitivity ---------------------------------------------------------
    def test_restricted_fields_never_reach_a_department_without_clearance(self):
        template = self.template("marketing_customer_value")
        template.write(
            {"customer_columns": "name,membership_number,phone,email,tier", "output_csv": True}
        )
        run = self.run_as(self.analyst, template)
        self.assertEqual(run.state, "done", run.error)
        codes = [c[0] for c in run._columns()]
        for forbidden in ("phone", "email", "membership_number"):
            self.assertNotIn(forbidden, codes)
        run._ensure_files()
        outputs = [run.csv_attachment_id.raw.decode("utf-8-sig")]
        workbook = openpyxl.load_workbook(io.BytesIO(run.xlsx_attachment_id.raw))
        outputs += [str(c.value) for row in workbook.active.iter_rows() for c in row]
        outputs += run.line_ids.mapped("customer")
        text = " ".join(outputs)
        for secret in ("9123 4567", "secret.a@example.com", "T-REP-A", "Customer A"):
            self.assertNotIn(secret, text)
        self.assertTrue(all(c.startswith("C-") for c in run.line_ids.mapped("customer")))

    def test_department_with_clearance_sees_identities(self):
        template = self.template("marketing_customer_value").copy(
            {
                "code": "fin_customers",
                "retail_department_id": self.finance.id,
                "sensitivity_ceiling": "confidential",
                "customer_columns": "name,membership_number,phone",
            }
        )
        run = self.run_as(self.analyst_finance, template)
        self.assertEqual(run.state, "done", run.error)
        self.assertIn("Customer A", run.line_ids.mapped("customer"))
        self.assertIn("T-REP-A", run.line_ids.mapped("dim_3"))

    def test_ceiling_cannot_exceed_department_clearance(self):
        with self.assertRaises(ValidationError):
            self.template("marketing_segments").sensitivity_ceiling = "confidential"

    # ---- outputs -------------------------------------------------------------
    def test_xlsx_output_has_the_expected_cells(self):
        run = self.run_as(
            self.analyst_finance,
            self.template("finance_profit_segment"),
            branches=self.branch_b,
        )
        # rendered on the first download
        self.assertFalse(run.xlsx_attachment_id)
        run._ensure_files()
        sheet = openpyxl.load_workbook(io.BytesIO(run.xlsx_attachment_id.raw)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        self.assertEqual(rows[0][0], "Profit and margin by customer segment")
        header_at = next(i for i, r in enumerate(rows) if r[0] == "Tier")
        self.assertEqual(
            rows[header_at][:6],
            ["Tier", "Channel", "Revenue (HK$)", "Cost (HK$)", "Profit (HK$)", "Margin %"],
        )
        data = rows[header_at + 1]
        self.assertEqual(data[2:6], [5000, 3000, 2000, 40])
        self.assertEqual(run.row_count, 1)
        self.assertEqual(len(run.checksum), 64)
        self.assertTrue(run.pdf_attachment_id)

    def test_downloads_are_logged(self):
        run = self.run_as(self.analyst_finance, self.template("finance_profit_segment"))
        Log = self.env["crm.privacy.export.log"]
        before = Log.search_count([("user_id", "=", self.analyst_finance.id)])
        attachment = run.with_user(self.analyst_finance)._get_output("xlsx")
        self.assertEqual(attachment, run.xlsx_attachment_id)
        logs = Log.search([("user_id", "=", self.analyst_finance.id)])
        self.assertEqual(len(logs), before + 1)
        self.assertEqual(logs[0].kind, "report")

    def test_scheduled_template_is_sent_to_authorised_recipients_only(self):
        template = self.template("finance_profit_segment")
        # the shop's day (Hong Kong), as the job counts it, not UTC's
        today = fields.Date.context_today(template)
        template.write(
            {
                "schedule": "weekly",
                "next_send_date": today,
                "recipient_ids": [(6, 0, (self.analyst_finance | self.analyst).ids)],
            }
        )
        self.env["crm.report.template"]._cron_send_scheduled()
        self.assertEqual(run_jobs(self.env, "_job_send_scheduled"), 1)
        mail = self.env["mail.mail"].search(
            [("res_id", "in", template.run_ids.ids), ("model", "=", "crm.report.run")]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.analyst_finance.partner_id)
        self.assertTrue(mail.attachment_ids.filtered(lambda a: a.name.endswith(".xlsx")))
        self.assertEqual(template.next_send_date, fields.Date.add(today, weeks=1))
        self.assertIn(self.analyst.name, template.message_ids[0].body)

    # ---- failures and background --------------------------------------------
    def test_interrupted_run_leaves_no_half_written_file(self):
        template = self.template("sales_performance")
        original = report_writers.XlsxSink.add_row
        calls = {"n": 0}

        def failing_write(sink, row):
            calls["n"] += 1
            if calls["n"] > 1:
                raise OSError("disk full")
            return original(sink, row)

        attachments_before = self.env["ir.attachment"].search_count(
            [("res_model", "=", "crm.report.run")]
        )
        # the file is written when first downloaded: a failure then leaves
        # no file, and the run its figures
        run = self.run_as(self.retail_admin, template)
        self.assertEqual(run.state, "done", run.error)
        with (
            patch.object(report_writers.XlsxSink, "add_row", failing_write),
            self.assertRaisesRegex(UserError, "disk full"),
        ):
            run._ensure_files(["xlsx"])
        self.assertFalse(run.xlsx_attachment_id or run.pdf_attachment_id)
        self.assertTrue(run.line_ids)
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "crm.report.run")]),
            attachments_before,
        )
        # a new attempt afterwards works
        self.assertTrue(run._ensure_files(["xlsx"]))
        # a failure while compiling fails the run and keeps nothing
        with patch.object(report_writers.Totals, "add_row", side_effect=OSError("disk full")):
            failed = self.run_as(self.retail_admin, template)
        self.assertEqual(failed.state, "failed")
        self.assertIn("disk full", failed.error)
        self.assertFalse(failed.line_ids or failed.xlsx_attachment_id)

    def test_working_files_of_killed_compiles_are_removed(self):
        """A killed worker leaves its run's temporary directory; the job that
        compiles the run again removes what earlier attempts left."""
        template = self.template("marketing_customer_value")
        run = self.Run.with_user(self.analyst)._create_for_template(template, user=self.analyst)
        root = tempfile.gettempdir()
        killed = tempfile.mkdtemp(prefix=f"crm_report_{run.id}_", dir=root)
        with open(os.path.join(killed, "report.xlsx"), "wb") as half_written:
            half_written.write(b"PK")
        # another run's directory is left alone
        other = tempfile.mkdtemp(prefix=f"crm_report_{run.id}0_", dir=root)
        try:
            run.with_user(self.analyst).with_context(crm_report_foreground=False).action_run()
            Job.load(self.env, run.sudo().job_id.uuid).perform()
            self.assertEqual(run.state, "done", run.error)
            self.assertFalse(os.path.exists(killed))
            self.assertTrue(os.path.isdir(other))
        finally:
            shutil.rmtree(other, ignore_errors=True)

    def test_customer_level_runs_in_background_and_recovers(self):
        template = self.template("marketing_customer_value")
        run = (
            self.env["crm.report.run"]
            .with_user(self.analyst)
            ._create_for_template(template, user=self.analyst)
        )
        run.with_user(self.analyst).action_run()
        self.assertEqual(run.state, "queued")
        # a server dying while compiling loses the job's transaction: the
        # run is still queued, and queue_job's runner puts the job of the
        # dead worker back to pending (tests/test_faults.py kills one)
        job = run.sudo().job_id
        self.assertEqual(job.state, "pending")
        Job.load(self.env, job.uuid).perform()
        run.invalidate_recordset()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(run.xlsx_attachment_id), 1)

    def test_precalculated_snapshot_feeds_the_dashboard(self):
        template = self.template("management_kpi")
        self.env["crm.report.template"]._cron_refresh_snapshots()
        self.assertEqual(run_jobs(self.env, "_job_refresh_snapshots"), 1)
        self.assertEqual(template.snapshot_run_id.state, "done")
        self.assertTrue(template.snapshot_run_id.is_snapshot)
        # labelled values, not JSON
        self.assertIn("Revenue: HK$", template.headline)
        action = template.action_open_snapshot()
        self.assertEqual(action["res_model"], "crm.report.line")
        # labels of the result views come from the run
        labels = (
            self.env["crm.report.line"]
            .with_context(crm_report_run_id=template.snapshot_run_id.id)
            .fields_get(["m_1"])
        )
        self.assertEqual(labels["m_1"]["string"], "Revenue (HK$)")

    def test_snapshot_refresh_only_queues_its_job(self):
        Template = self.env["crm.report.template"]
        template = self.template("management_kpi")
        precalculated = Template.search([("timeliness", "=", "precalculated")])
        self.assertIn(template, precalculated)
        # every snapshot due
        precalculated._crm_system_write().write({"snapshot_run_id": False})
        runs_before = self.env["crm.report.run"].search_count([])
        Template._cron_refresh_snapshots()
        Template._cron_refresh_snapshots()  # fired again while the first waits: one job
        [job] = pending_jobs(self.env, "_job_refresh_snapshots")
        self.assertEqual(job.channel, "root.crm_report")
        self.assertFalse(template.snapshot_run_id, "the scheduled action compiles nothing inline")
        self.assertEqual(self.env["crm.report.run"].search_count([]), runs_before)
        self.assertEqual(run_jobs(self.env, "_job_refresh_snapshots"), 1)
        snapshot = template.snapshot_run_id
        self.assertEqual(snapshot.state, "done", snapshot.error)
        self.assertTrue(snapshot.is_snapshot)
        self.assertEqual(job.state, "done")
        # the job run twice changes nothing the second time
        runs_after = self.env["crm.report.run"].search_count([])
        Template._cron_refresh_snapshots()
        [second] = pending_jobs(self.env, "_job_refresh_snapshots")
        self.assertEqual(run_jobs(self.env, "_job_refresh_snapshots"), 1)
        self.assertEqual(template.snapshot_run_id, snapshot)
        self.assertEqual(self.env["crm.report.run"].search_count([]), runs_after)
        self.assertEqual(second.result, "0 pre-calculated reports refreshed.")

    def test_bad_input_gets_clear_errors(self):
        template = self.template("sales_performance")
        with self.assertRaises(ValidationError):
            template.dimensions = "period,shoe_size"
        with self.assertRaises(ValidationError):
            template.measures = ""
        with self.assertRaises(ValidationError):
            template.filter_domain = "[('a', '=', __import__('os'))]"
        with self.assertRaises(UserError):
            self.Run._create_for_template(
                template,
                date_from=fields.Date.today(),
                date_to=fields.Date.add(fields.Date.today(), days=-3),
            )
        with self.assertRaises(UserError):
            self.run_as(self.retail_admin, template).action_download("exe")
        # a mistyped memory setting fails the run with a message, not a
        # database error (no SQL is built from it)
        params = self.env["ir.config_parameter"]
        params.set_param("crm_retail_compile.report_work_mem", "256MB'; DROP TABLE x; --")
        run = self.run_as(self.retail_admin, template)
        self.assertEqual(run.state, "failed")
        self.assertIn("crm_retail_compile.report_work_mem", run.error)
        params.set_param("crm_retail_compile.report_work_mem", "64MB")
        self.assertEqual(self.run_as(self.retail_admin, template).state, "done")
        self.env.cr.execute(SQL("SHOW work_mem"))
        self.assertNotEqual(self.env.cr.fetchone()[0], "64MB", "the setting is for the report only")

    def test_renamed_codes_are_migrated_in_stored_templates(self):
        from ..lib.report_engine import rename_codes

        self.assertEqual(
            rename_codes("period, branch,revenue", {"branch": "shop"}), "period,shop,revenue"
        )
        template = self.template("hr_productivity")
        # a measure renamed by an upgrade: one mapping, one migration call
        self.env["crm.report.template"]._migrate_codes(measures={"won": "leads"})
        self.assertEqual(
            template.measures.split(","),
            ["orders", "revenue", "avg_basket", "leads", "leads", "conversion_rate"],
        )

    def test_csv_writer_round_trip(self):
        template = self.template("hr_productivity")
        template.output_csv = True
        run = self.run_as(self.retail_admin, template)
        run._ensure_files(["csv"])
        rows = list(csv.reader(io.StringIO(run.csv_attachment_id.raw.decode("utf-8-sig"))))
        self.assertEqual(rows[0][0], "Salesperson")
        self.assertEqual(len(rows) - 1, run.row_count)
