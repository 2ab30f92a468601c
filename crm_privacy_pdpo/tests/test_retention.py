from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestRetention(PrivacyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("crm_privacy_pdpo.retention_policy_customers")
        cls.lead_policy = cls.env.ref("crm_privacy_pdpo.retention_policy_leads")
        cls.old = cls.env["res.partner"].create(
            {
                "name": "Old Customer",
                "email": "old@example.com",
                "phone": "+85221234567",
                "street": "1 Queen's Road",
                "city": "Central",
            }
        )
        cls.old.write({"hkid_number": "A123456(3)", "identifier_purpose": "aml_cdd"})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Ring enquiry",
                "partner_id": cls.old.id,
                "email_from": "old@example.com",
                "expected_revenue": 25000.0,
                "contact_name": "Old Customer",
            }
        )
        cls.consent = cls._consent(cls.old, cls.purpose_promo, "email", evidence="Signed form #42")

    def _age(self, *recordsets, years=10):
        """Make records look inactive for ``years`` (write_date / consent dates)."""
        self.env.flush_all()
        for record in recordsets:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = now() - make_interval(years => %s) "
                    "WHERE id = ANY(%s)",
                    SQL.identifier(record._table),
                    years,
                    record.ids,
                )
            )
        self.env.cr.execute(
            "UPDATE crm_privacy_consent SET consent_date = now() - make_interval(years => %s) "
            "WHERE partner_id = ANY(%s)",
            (years, self.old.ids),
        )
        self.env.invalidate_all()

    def test_anonymise_keeps_documents_and_amounts(self):
        self._age(self.old, self.lead)
        run = self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertEqual(run.state, "done")
        self.assertTrue(self.old.crm_anonymised)
        self.assertEqual(self.old.name, f"Anonymised customer #{self.old.id}")
        self.assertFalse(self.old.email or self.old.phone or self.old.street)
        self.assertFalse(self.old.sudo().hkid_number)
        # linked documents keep the partner link and their amounts
        self.assertTrue(self.lead.exists())
        self.assertEqual(self.lead.partner_id, self.old)
        self.assertEqual(self.lead.expected_revenue, 25000.0)
        self.assertTrue(self.lead.crm_anonymised)
        self.assertFalse(self.lead.email_from or self.lead.contact_name)
        # consent evidence is kept with its partner link
        self.assertEqual(self.consent.evidence, "Signed form #42")
        self.assertEqual(self.consent.partner_id, self.old)
        line = run.line_ids.filtered(lambda ln: ln.policy_id == self.policy)
        self.assertGreaterEqual(line.processed, 1)
        # idempotent: a second run does nothing more
        run2 = self.env["crm.privacy.retention.run"]._run_retention_batch()
        line2 = run2.line_ids.filtered(lambda ln: ln.policy_id == self.policy)
        self.assertEqual(line2.processed, 0)

    def test_batches_and_resume(self):
        extra = self.env["res.partner"].create([{"name": f"Old {i}"} for i in range(3)])
        self._age(self.old | extra, self.lead)
        Run = self.env["crm.privacy.retention.run"]
        run = Run._run_retention_batch(batch_size=2)
        self.assertEqual(run.state, "running")
        line = run.line_ids.filtered(lambda ln: ln.policy_id == self.policy)
        self.assertEqual((line.processed, line.remaining), (2, 2))
        again = Run._run_retention_batch(batch_size=2)
        self.assertEqual(again, run, "an unfinished run is resumed")
        self.assertEqual(run.state, "done")
        self.assertEqual(line.processed, 4)
        self.assertTrue(all((self.old | extra).mapped("crm_anonymised")))

    def test_legal_hold_prevents_erasure(self):
        self.env["crm.privacy.legal.hold"].create(
            {
                "partner_id": self.old.id,
                "reason": "aml",
                "date_until": "2999-12-31",
            }
        )
        self.assertTrue(self.old.crm_privacy_restricted)
        self.assertIn(
            self.old, self.env["res.partner"].search([("crm_privacy_restricted", "=", True)])
        )
        self._age(self.old, self.lead)
        wizard = self.env["crm.privacy.retention.dryrun"].create({})
        wizard.action_compute()
        kept = wizard.line_ids.filtered(
            lambda ln: ln.res_id == self.old.id and ln.res_model == "res.partner"
        )
        self.assertTrue(kept.kept)
        self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertFalse(self.old.crm_anonymised)
        self.assertEqual(self.old.email, "old@example.com")
        self.assertFalse(self.lead.crm_anonymised)
        with self.assertRaises(UserError):
            self.old.action_crm_anonymise()

    def test_released_hold_allows_erasure(self):
        hold = self.env["crm.privacy.legal.hold"].create(
            {"partner_id": self.old.id, "reason": "accounting"}
        )
        hold.released = True
        self.old.action_crm_anonymise()
        self.assertTrue(self.old.crm_anonymised)

    def test_dry_run_changes_nothing(self):
        self._age(self.old, self.lead)
        wizard = self.env["crm.privacy.retention.dryrun"].create(
            {"policy_ids": [(6, 0, (self.policy | self.lead_policy).ids)]}
        )
        wizard.action_compute()
        line = wizard.line_ids.filtered(
            lambda ln: ln.res_id == self.old.id and ln.res_model == "res.partner"
        )
        self.assertFalse(line.kept)
        self.assertTrue(line.reason)
        self.assertFalse(self.old.crm_anonymised)

    def test_recent_activity_and_users_protected(self):
        self._age(self.old)  # lead stays recent
        self.env["crm.privacy.retention.run"]._run_retention_batch()
        self.assertFalse(self.old.crm_anonymised)
        with self.assertRaises(UserError):
            self.officer.partner_id.action_crm_anonymise()

    def test_only_officer_anonymises(self):
        with self.assertRaises(AccessError):
            self.old.with_user(self.retail_user).action_crm_anonymise()
