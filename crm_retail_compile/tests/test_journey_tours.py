import datetime

from odoo import fields
from odoo.tests import tagged

from .test_home_tours import RetailTourCase


@tagged("post_install", "-at_install")
class TestJourneyTours(RetailTourCase):
    """Each role's main task in Chromium, in English and in Traditional
    Chinese (the ``_zh_hk`` variant of a tour also finds a Chinese label):
    staff enter a customer with a bad phone number and correct it, a branch
    manager reads the branch's pipeline and sales, an analyst runs and
    downloads a report, the privacy officer opens an access request with its
    days left (static/tests/tours/retail_journey_tours.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.central = cls.env.ref("crm_retail_compile.branch_cen_demo")
        cls.mongkok = cls.env.ref("crm_retail_compile.branch_mk_demo")
        Partner = cls.env["res.partner"].with_context(default_is_retail_customer=True)
        cls.customer_central = Partner.create(
            {"name": "Tour Customer Central", "retail_branch_id": cls.central.id}
        )
        cls.customer_mongkok = Partner.create(
            {"name": "Tour Customer Mong Kok", "retail_branch_id": cls.mongkok.id}
        )

    # ------------------------------------------------------------- staff
    def _staff_customer(self, lang="en_US"):
        self._run_tour("staff", "crm_retail_journey_staff_customer", lang)
        customer = self.env["res.partner"].search([("name", "=", "Tour New Customer")])
        self.assertEqual(len(customer), 1)
        self.assertEqual(customer.phone, "+852 9187 6543", "saved normalised")
        self.assertTrue(customer.is_retail_customer)
        self.assertEqual(customer.create_uid, self.users["staff"])
        self.assertEqual(customer.retail_branch_id, self.central)

    def test_journey_staff_customer(self):
        self._staff_customer()

    def test_journey_staff_customer_zh_hk(self):
        self._staff_customer("zh_HK")

    # ----------------------------------------------------------- manager
    def _manager_data(self):
        product = self.env["product.product"].create(
            {"name": "Tour Ring Service", "type": "service", "list_price": 1000.0}
        )
        for name, customer in (
            ("SO-TOUR-CEN", self.customer_central),
            ("SO-TOUR-MK", self.customer_mongkok),
        ):
            order = self.env["sale.order"].create(
                {
                    "name": name,
                    "partner_id": customer.id,
                    "retail_branch_id": customer.retail_branch_id.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            order.action_confirm()
        for name, branch in (
            ("Tour Lead Central", self.central),
            ("Tour Lead Mong Kok", self.mongkok),
        ):
            self.env["crm.lead"].create(
                {"name": name, "type": "opportunity", "retail_branch_id": branch.id}
            )

    def test_journey_manager(self):
        self._manager_data()
        self._run_tour("manager", "crm_retail_journey_manager")

    def test_journey_manager_zh_hk(self):
        self._manager_data()
        self._run_tour("manager", "crm_retail_journey_manager", "zh_HK")

    # ----------------------------------------------------------- analyst
    def _analyst(self, lang="en_US"):
        template = self.env.ref("crm_retail_compile.crm_report_template_marketing_consent").copy(
            {
                "name": "Tour Consent Coverage",
                "code": "tour_marketing_consent",
                "output_pdf": False,
                "output_csv": False,
                "sequence": 0,
            }
        )
        analyst = self.users["analyst"]
        self._run_tour("analyst", "crm_retail_journey_analyst", lang)
        run = self.env["crm.report.run"].search(
            [("template_id", "=", template.id), ("user_id", "=", analyst.id)]
        )
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        # the download the form's button leads to, as the analyst (the file
        # is rendered on the first download, then kept)
        Log = self.env["crm.privacy.export.log"]
        before = Log.search_count([("user_id", "=", analyst.id)])
        self.authenticate(analyst.login, analyst.login)
        response = self.url_open("/crm_retail_compile/report/%s/xlsx" % run.id)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"PK"), "an XLSX file")
        self.assertEqual(Log.search_count([("user_id", "=", analyst.id)]), before + 1)
        run.invalidate_recordset()
        self.assertTrue(run.xlsx_attachment_id, "the run keeps its file")

    def test_journey_analyst(self):
        self._analyst()

    def test_journey_analyst_zh_hk(self):
        self._analyst("zh_HK")

    # ----------------------------------------------------------- privacy
    def _privacy(self, lang="en_US"):
        officer = self.users["privacy"]
        today = fields.Date.context_today(self.env["crm.privacy.request"].with_user(officer))
        request = self.env["crm.privacy.request"].create(
            {
                "name": "AR-TOUR-1",
                "request_type": "access",
                "partner_id": self.customer_central.id,
                "requester_name": "Tour Customer Central",
                "received_date": today - datetime.timedelta(days=10),
            }
        )
        self.assertEqual((request.due_date - today).days, 30)
        self._run_tour("privacy", "crm_retail_journey_privacy", lang)

    def test_journey_privacy(self):
        self._privacy()

    def test_journey_privacy_zh_hk(self):
        self._privacy("zh_HK")
