from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestExportControl(PrivacyCommon):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_privacy_pdpo.export_approval_limit", "2"
        )

    def test_export_is_logged(self):
        partners = (self.cust_yes | self.cust_no).with_user(self.retail_user)
        result = partners.export_data(["name", "email"])
        self.assertEqual(len(result["datas"]), 2)
        log = self.env["crm.privacy.export.log"].search([("user_id", "=", self.retail_user.id)])
        self.assertEqual(len(log), 1)
        self.assertEqual((log.res_model, log.record_count), ("res.partner", 2))
        self.assertIn("email", log.field_names)
        # the log is read-only for everyone
        with self.assertRaises(UserError):
            log.write({"record_count": 0})
        with self.assertRaises(UserError):
            log.unlink()
        with self.assertRaises(AccessError):
            log.with_user(self.retail_user).read(["res_model"])

    def test_unclassified_model_not_logged(self):
        self.env["res.country"].search([], limit=5).export_data(["name"])
        self.assertFalse(
            self.env["crm.privacy.export.log"].search([("res_model", "=", "res.country")])
        )

    def test_large_export_waits_for_approval(self):
        partners = (self.cust_yes | self.cust_no | self.cust_out).with_user(self.retail_user)
        with self.assertRaises(UserError):
            partners.export_data(["name"])
        Request = self.env["crm.privacy.export.request"].with_user(self.retail_user)
        request = Request.create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "max_records": 10,
                "purpose": "Year-end mailing house",
            }
        )
        with self.assertRaises(UserError):
            partners.export_data(["name"])  # still pending
        with self.assertRaises(AccessError):
            request.action_approve()  # the requester cannot approve
        request.with_user(self.officer).action_approve()
        self.assertEqual(request.state, "approved")
        partners.export_data(["name"])
        self.assertEqual(request.state, "used")
        log = self.env["crm.privacy.export.log"].search([("export_request_id", "=", request.id)])
        self.assertEqual(log.purpose, "Year-end mailing house")
        with self.assertRaises(UserError):
            partners.export_data(["name"])  # an approval is used once
        # other users cannot see the request
        self.assertFalse(
            self.env["crm.privacy.export.request"]
            .with_user(self.env["res.users"].create({"name": "o", "login": "other_exp"}))
            .search([])
        )

    def test_rejected_request(self):
        request = (
            self.env["crm.privacy.export.request"]
            .with_user(self.retail_user)
            .create(
                {
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "max_records": 10,
                    "purpose": "x",
                }
            )
        )
        request.with_user(self.officer).action_reject()
        with self.assertRaises(UserError):
            (self.cust_yes | self.cust_no | self.cust_out).with_user(self.retail_user).export_data(
                ["name"]
            )
