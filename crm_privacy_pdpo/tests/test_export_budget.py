from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestExportBudget(PrivacyCommon):
    """One personal-data budget per user over a rolling window, counted
    across export_data chunks and reads past a page; above it only with an
    export request approved by another privacy officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer_2 = new_test_user(
            cls.env,
            login="pdpo_officer_2",
            groups="base.group_user,crm_privacy_pdpo.group_privacy_officer,"
            "base.group_partner_manager,base.group_allow_export",
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Budget {i}", "email": f"budget{i}@example.com"} for i in range(8)]
        )

    def setUp(self):
        super().setUp()
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("crm_privacy_pdpo.export_approval_limit", "5")
        Param.set_param("crm_privacy_pdpo.export_budget_window_hours", "24")
        Param.set_param("crm_privacy_pdpo.export_read_page_size", "3")
        self.Log = self.env["crm.privacy.export.log"]

    def _logs(self, user):
        return self.Log.search([("user_id", "=", user.id)], order="id")

    def _request(self, user, count, model="res.partner"):
        return (
            self.env["crm.privacy.export.request"]
            .with_user(user)
            .create(
                {
                    "model_id": self.env["ir.model"]._get_id(model),
                    "max_records": count,
                    "purpose": "Mailing house",
                }
            )
        )

    def test_export_chunks_add_up(self):
        partners = self.partners.with_user(self.retail_user)
        partners[:3].export_data(["name", "email"])
        partners[3:5].export_data(["name", "email"])
        with self.assertRaisesRegex(UserError, "0 are left"):
            partners[5:6].export_data(["name", "email"])
        logs = self._logs(self.retail_user)
        self.assertEqual(logs.mapped("record_count"), [3, 2])
        self.assertEqual(set(logs.mapped("kind")), {"list_export"})
        # unclassified fields of a personal model through a relation count too
        with self.assertRaises(UserError):
            partners[5:6].export_data(["parent_id/email"])
        # an export that does not touch personal data is free
        partners[5:].export_data(["is_company"])

    def test_budget_message_says_what_is_left(self):
        partners = self.partners.with_user(self.retail_user)
        partners[:4].export_data(["email"])
        with self.assertRaisesRegex(UserError, r"1 are left.*Export Requests"):
            partners[4:6].export_data(["email"])

    def test_window_rolls_over(self):
        partners = self.partners.with_user(self.retail_user)
        partners[:5].export_data(["email"])
        with self.assertRaises(UserError):
            partners[5:6].export_data(["email"])
        # 25 hours later the first export left the window (the log is
        # append-only for the ORM: age it in SQL)
        logs = self._logs(self.retail_user)
        self.env.cr.execute(
            SQL(
                "UPDATE crm_privacy_export_log SET date = %s WHERE id IN %s",
                fields.Datetime.now() - timedelta(hours=25),
                tuple(logs.ids),
            )
        )
        self.Log.invalidate_model(["date"])
        partners[5:8].export_data(["email"])
        self.assertEqual(self.Log.with_user(self.retail_user)._budget_remaining(), 2)

    def test_reads_past_a_page_are_charged(self):
        Partner = self.env["res.partner"].with_user(self.retail_user)
        partners = self.partners.with_user(self.retail_user)
        # a page (3 here) of classified fields, or unclassified fields: free
        partners[:3].read(["email"])
        partners.read(["is_company"])
        Partner.search_read([("id", "in", self.partners.ids)], ["email"], limit=3)
        self.assertFalse(self._logs(self.retail_user))
        # more than a page: one log row with the count
        partners[:4].read(["name", "email"])
        log = self._logs(self.retail_user)
        self.assertEqual((log.kind, log.record_count), ("read", 4))
        self.assertIn("email", log.field_names)
        # a page past the first one is charged, whatever its size
        result = Partner.search_read(
            [("id", "in", self.partners.ids)], ["email"], offset=7, limit=3, order="id"
        )
        self.assertEqual(len(result), 1)
        self.assertEqual(self._logs(self.retail_user)[-1].record_count, 1)
        # the budget (5) is spent: paging further is refused
        with self.assertRaises(UserError):
            Partner.web_search_read(
                [("id", "in", self.partners.ids)], {"email": {}}, offset=3, limit=3, order="id"
            )
        with self.assertRaises(UserError):
            partners[:4].web_read({"phone": {}})

    def test_groupings_by_classified_fields_are_reads(self):
        Partner = self.env["res.partner"].with_user(self.retail_user)
        domain = [("id", "in", self.partners.ids)]
        # grouped by an unclassified field: free
        Partner.read_group(domain, ["__count"], ["is_company"])
        # one group per e-mail: 8 groups > a page of 3, charged
        with self.assertRaises(UserError):
            Partner.read_group(domain, ["__count"], ["email"])  # 8 > budget 5
        Partner.read_group([("id", "in", self.partners[:4].ids)], ["__count"], ["email"])
        self.assertEqual(self._logs(self.retail_user).record_count, 4)
        # every e-mail in one cell is refused
        with self.assertRaises(AccessError):
            Partner._read_group(domain, [], ["email:array_agg"])

    def test_superuser_and_jobs_not_charged(self):
        self.partners.read(["email"])
        self.partners.export_data(["email"])
        self.partners.with_user(self.retail_user).sudo().read(["email"])
        self.assertFalse(self.Log.search([("user_id", "in", (self.env.uid, self.retail_user.id))]))

    def test_approval_by_another_officer(self):
        partners = self.partners.with_user(self.retail_user)
        with self.assertRaises(UserError):
            partners.export_data(["email"])
        request = self._request(self.retail_user, 10)
        with self.assertRaises(UserError):
            partners.export_data(["email"])  # pending
        request.with_user(self.officer).action_approve()
        self.assertEqual(request.approved_by_id, self.officer)
        partners.export_data(["email"])  # 8 records: covered by the request
        self.assertEqual(request.state, "used")
        log = self._logs(self.retail_user)
        self.assertEqual((log.export_request_id, log.record_count), (request, 8))
        # the approved volume does not eat the budget; the request is used once
        self.assertEqual(self.Log.with_user(self.retail_user)._budget_remaining(), 5)
        with self.assertRaises(UserError):
            partners.export_data(["email"])

    def test_officer_needs_another_officer(self):
        request = self._request(self.officer, 20)
        with self.assertRaisesRegex(UserError, "own export"):
            request.with_user(self.officer).action_approve()
        request.with_user(self.officer_2).action_approve()
        self.partners.with_user(self.officer).read(["email"])  # 8 > 5: covered
        self.assertEqual(request.state, "used")

    def test_self_approval_refused_on_every_path(self):
        Request = self.env["crm.privacy.export.request"].with_user(self.officer)
        request = self._request(self.officer, 20)
        for vals in (
            {"state": "approved"},
            {"approved_by_id": self.officer_2.id},
            {"expiry_date": fields.Datetime.now() + timedelta(days=9)},
            {"used_date": False},
            {"user_id": self.retail_user.id},
        ):
            with self.assertRaises(AccessError):
                request.with_user(self.officer).write(vals)
        vals = {
            "model_id": self.env["ir.model"]._get_id("res.partner"),
            "max_records": 20,
            "purpose": "x",
        }
        with self.assertRaises(AccessError):
            Request.create(dict(vals, state="approved", approved_by_id=self.officer_2.id))
        with self.assertRaises(AccessError):
            Request.with_context(default_state="approved").create(vals)
        with self.assertRaises(AccessError):
            Request.create(dict(vals, user_id=self.retail_user.id))  # filed in another's name
        # a copy of an approved request starts afresh, in the copier's name
        request.with_user(self.officer_2).action_approve()
        copy = request.with_user(self.officer).copy()
        self.assertEqual((copy.state, copy.user_id), ("requested", self.officer))
        self.assertFalse(copy.approved_by_id or copy.expiry_date)
        # an approved request cannot be enlarged afterwards
        with self.assertRaises(UserError):
            request.with_user(self.officer).write({"max_records": 100000})
        # nor can someone approve a request it filed for nobody else
        with self.assertRaisesRegex(UserError, "own export"):
            copy.with_user(self.officer).action_approve()
        self.assertEqual(request.state, "approved")

    def test_clearance_cap_hides_fields(self):
        """The crm.privacy.clearance hook (department analysts in
        crm_retail_compile): fields above the cap read as False, match
        nothing and are refused in exports and groupings."""
        Clearance = type(self.env["crm.privacy.clearance"])
        capped = self.retail_user

        def cap(model, user):
            return "internal" if user == capped else False

        partner = self.partners[0]
        with patch.object(Clearance, "_get_clearance_cap", cap):
            Partner = self.env["res.partner"].with_user(capped)
            [vals] = partner.with_user(capped).read(["name", "email"])
            self.assertEqual((vals["name"], vals["email"]), (partner.name, False))
            self.assertFalse(Partner.search([("email", "=", partner.email)]))
            self.assertFalse(Partner.name_search(partner.email))
            with self.assertRaises(AccessError):
                partner.with_user(capped).export_data(["email"])
            with self.assertRaises(AccessError):
                Partner.read_group([], ["__count"], ["email"])
            self.assertEqual(
                self.env["crm.privacy.field.classification"]._get_user_clearance(capped),
                "internal",
            )
            # others are not capped
            [vals] = partner.with_user(self.officer).read(["email"])
            self.assertEqual(vals["email"], partner.email)

    def test_own_budget_of_a_user_replaces_the_default(self):
        """A system with a larger daily volume (a call centre) gets its own budget."""
        self.retail_user.crm_export_budget = 7
        partners = self.partners.with_user(self.retail_user)
        partners[:7].export_data(["email"])
        with self.assertRaisesRegex(UserError, "0 are left"):
            partners[7:].export_data(["email"])
        # only administrators and privacy officers see or set it
        with self.assertRaises(AccessError):
            self.retail_user.with_user(self.retail_user).crm_export_budget = 1000
