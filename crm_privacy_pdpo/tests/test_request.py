import base64
import io
import json
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestRequests(PrivacyCommon):
    def _request(self, **kw):
        vals = {
            "partner_id": self.cust_yes.id,
            "requester_name": "Consenting Customer",
            "request_type": "access",
            "received_date": "2024-01-01",
        }
        vals.update(kw)
        return self.env["crm.privacy.request"].create(vals)

    def test_forty_day_deadline_and_reminder(self):
        request = self._request()
        self.assertEqual(request.due_date, date(2024, 2, 10))
        activity = request.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, date(2024, 1, 31))
        request.received_date = "2024-02-20"
        self.assertEqual(request.due_date, date(2024, 3, 31))

    def test_overdue_cron(self):
        request = self._request()
        with freeze_time("2024-02-10"):
            self.assertFalse(request.with_context(tz="UTC").is_overdue)
            self.assertNotIn(request, self.env["crm.privacy.request"]._cron_check_overdue())
        with freeze_time("2024-02-11"):
            request.invalidate_recordset(["is_overdue"])
            self.assertTrue(request.is_overdue)
            self.assertIn(request, self.env["crm.privacy.request"]._cron_check_overdue())
            # a second run does not duplicate the alert
            self.env["crm.privacy.request"]._cron_check_overdue()
        self.assertEqual(
            len(request.activity_ids.filtered(lambda a: a.summary.startswith("OVERDUE"))), 1
        )

    def test_fee_direct_cost_capped_and_free_corrections(self):
        request = self._request(pages=20, media_count=1)
        self.assertEqual(request.fee, 30.0)  # 20 x 1.0 + 1 x 10.0 (default parameters)
        request.pages = 1000
        self.assertEqual(request.fee, 100.0)  # capped
        correction = self._request(request_type="correction", pages=10)
        self.assertEqual(correction.fee, 0.0)
        with self.assertRaises(ValidationError):
            self._request(pages=-1)

    def test_snapshot_xlsx_and_pdf(self):
        self.env["crm.lead"].create(
            {"name": "Lead", "partner_id": self.cust_yes.id, "email_from": "yes@example.com"}
        )
        self._consent(self.cust_yes, self.purpose_promo, "email")
        request = self._request()
        with self.assertRaises(UserError):
            request.action_complied()  # identity not verified
        request.verification_method = "id_sighted"
        request.action_verify_identity()
        self.assertEqual(request.state, "in_progress")
        data = json.loads(request.snapshot_json)
        self.assertEqual(data["res.partner"]["records"][0]["email"], "yes@example.com")
        self.assertEqual(len(data["crm.lead"]["records"]), 1)
        self.assertEqual(len(data["crm.privacy.consent"]["records"]), 1)
        # frozen: later changes do not alter the snapshot
        self.cust_yes.email = "changed@example.com"
        with self.assertRaises(UserError):
            request.action_take_snapshot()
        self.assertIn("yes@example.com", request.snapshot_json)
        request.action_export_xlsx()
        attachment = request.snapshot_attachment_ids
        self.assertEqual(len(attachment), 1)
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertIn("res.partner", workbook.sheetnames)
        log = self.env["crm.privacy.export.log"].search([("kind", "=", "snapshot")])
        self.assertEqual(log.res_model, "crm.privacy.request")
        pdf, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "crm_privacy_pdpo.report_crm_privacy_request_snapshot", request.ids
        )
        self.assertIn(b"yes@example.com", pdf)
        request.action_complied()
        self.assertEqual(request.state, "complied")

    def test_correction_audit_trail_and_disclosures(self):
        third = self.env["res.partner"].create({"name": "Courier Ltd", "is_company": True})
        Disclosure = self.env["crm.privacy.disclosure"]
        recent = Disclosure.create(
            {
                "partner_id": self.cust_yes.id,
                "recipient_id": third.id,
                "date": date.today() - timedelta(days=30),
                "purpose": "Delivery",
                "data_categories": "contact",
            }
        )
        Disclosure.create(
            {
                "partner_id": self.cust_yes.id,
                "recipient_id": third.id,
                "date": date.today() - timedelta(days=400),
                "purpose": "Old",
            }
        )
        request = self._request(request_type="correction", received_date=date.today())
        self.assertEqual(request.disclosure_ids, recent)
        field = self.env["ir.model.fields"]._get("res.partner", "city")
        self.cust_yes.city = "Kowloon"
        request.write({"correction_ids": [(0, 0, {"field_id": field.id, "new_value": "Central"})]})
        request.write({"verification_method": "known_customer"})
        request.action_verify_identity()
        request.action_apply_corrections()
        line = request.correction_ids
        self.assertEqual(
            (line.old_value, line.new_value, line.applied), ("Kowloon", "Central", True)
        )
        self.assertEqual(self.cust_yes.city, "Central")
        with self.assertRaises(UserError):
            line.write({"new_value": "Other"})
        with self.assertRaises(UserError):
            line.unlink()
        self.assertIn("Courier Ltd", request.message_ids[0].body)
        request.action_complied()

    def test_refusal_needs_reason_and_log_is_locked(self):
        request = self._request()
        with self.assertRaises(UserError):
            request.action_refuse()
        request.write({"refusal_reason": "s20_3_c", "refusal_details": "Repeated request"})
        request.action_refuse()
        entry = request.refusal_log_id
        self.assertTrue(entry)
        self.assertTrue(entry.is_locked)
        # nobody, administrator and superuser included, can change or delete it
        for env_entry in (entry, entry.sudo(), entry.with_context(crm_privacy_retention=True)):
            with self.assertRaises(UserError):
                env_entry.write({"reason_details": "changed"})
            with self.assertRaises(UserError):
                env_entry.unlink()
        # after 4 years the retention job (only) may purge it
        self.env.cr.execute(
            "UPDATE crm_privacy_refusal_log SET refusal_date = now() - interval '5 years' "
            "WHERE id = %s",
            (entry.id,),
        )
        entry.invalidate_recordset()
        self.assertFalse(entry.is_locked)
        with self.assertRaises(UserError):
            entry.unlink()
        self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertFalse(entry.exists())

    def test_retail_user_cannot_access_requests(self):
        request = self._request()
        with self.assertRaises(AccessError):
            request.with_user(self.retail_user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["crm.privacy.request"].with_user(self.retail_user).create(
                {"partner_id": self.cust_yes.id, "requester_name": "x"}
            )
        with self.assertRaises(AccessError):
            request.with_user(self.officer).unlink()

    def test_request_actions_need_officer(self):
        request = self._request()
        for method in ("action_take_snapshot", "action_export_xlsx", "action_apply_corrections"):
            with self.assertRaises(AccessError):
                getattr(request.with_user(self.retail_user), method)()
