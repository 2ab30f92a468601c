import xmlrpc.client

from odoo.tests import tagged

from .test_home_tours import RetailTourCase


@tagged("post_install", "-at_install")
class TestReportQueryTour(RetailTourCase):
    """In Chromium, the demo marketing analyst builds an ad-hoc query (a
    dataset, a dimension, two measures), sees the pivot, saves it as a
    template and opens the department's dashboard
    (static/tests/tours/report_query_tours.js); over XML-RPC, bad input to
    the query tool gets a clear error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.central = cls.env.ref("crm_retail_compile.branch_cen_demo")
        cls.analyst = cls.users["analyst"]
        customer = cls.env["res.partner"].create(
            {
                "name": "Tour Query Customer",
                "is_retail_customer": True,
                "retail_branch_id": cls.central.id,
            }
        )
        product = cls.env["product.product"].create(
            {"name": "Tour Query Bangle", "type": "service", "list_price": 2000.0}
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "retail_branch_id": cls.central.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        # a branch name the tour can find whatever the demo calls it
        cls.central.write({"name": "Tour Query Central", "name_zh": "導覽查詢中環"})

    def _build_save_and_dashboard(self, lang="en_US"):
        self._run_tour("analyst", "crm_retail_report_query", lang, timeout=180)
        Template = self.env["crm.report.template"]
        template = Template.search([("name", "=", "Tour Ad-hoc Revenue")])
        self.assertEqual(len(template), 1)
        self.assertEqual(template.retail_department_id, self.analyst.retail_department_id)
        self.assertEqual(template.owner_id, self.analyst)
        self.assertEqual(template.dataset, "order_lines")
        self.assertEqual(template.dimensions, "branch")
        self.assertEqual(template.measures, "revenue,orders")
        self.assertTrue(template.active)
        run = self.env["crm.report.run"].search(
            [("user_id", "=", self.analyst.id), ("template_id.code", "=like", "adhoc_%")],
            limit=1,
        )
        self.assertEqual(run.state, "done", run.error)
        self.assertFalse(run.xlsx_attachment_id, "files are rendered on download only")
        # the branch as the analyst reads it (its Chinese name under zh_HK)
        label = "導覽查詢中環" if lang == "zh_HK" else "Tour Query Central"
        central = run.line_ids.filtered(lambda line: line.dim_1 == label)
        self.assertEqual(sum(central.mapped("m_1")), 2000.0)

    def test_tour_build_save_and_dashboard(self):
        self._build_save_and_dashboard()

    def test_tour_build_save_and_dashboard_zh_hk(self):
        self._build_save_and_dashboard("zh_HK")

    def test_bad_input_over_xmlrpc(self):
        login = self.analyst.login
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid)

        def call(values):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, uid, login, "crm.report.query", "run_adhoc", [values]
            )

        cases = [
            ({"dataset": "sales_events", "dimensions": ["nope"], "measures": ["revenue"]}, "nope"),
            ({"dataset": "customers", "dimensions": ["step"], "measures": ["customers"]}, "step"),
            (
                {
                    "dataset": "sales_events",
                    "measures": ["revenue"],
                    "date_from": "2026-05-01",
                    "date_to": "2026-01-01",
                },
                "starts after it ends",
            ),
            (
                {"dataset": "sales_events", "measures": ["revenue"], "branch_ids": [99999]},
                "Unknown branch",
            ),
            ({"dataset": "nope", "measures": ["revenue"]}, "Unknown dataset"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                with self.assertRaises(xmlrpc.client.Fault) as caught:
                    call(values)
                self.assertIn(message, caught.exception.faultString)
                self.assertNotIn("Traceback", caught.exception.faultString)
        # a good query returns its run
        run_id = call({"dataset": "order_lines", "dimensions": ["branch"], "measures": ["revenue"]})
        run = self.env["crm.report.run"].browse(run_id)
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.user_id, self.analyst)
