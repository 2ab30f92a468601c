from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestBreach(PrivacyCommon):
    def test_breach_workflow(self):
        breach = (
            self.env["crm.privacy.breach"]
            .with_user(self.officer)
            .create(
                {
                    "title": "Lost tablet",
                    "partner_ids": [(6, 0, (self.cust_yes | self.cust_no).ids)],
                    "data_categories": "contact",
                }
            )
        )
        self.assertTrue(breach.name.startswith("BR/"))
        self.assertEqual(breach.affected_count, 2)
        with self.assertRaises(UserError):
            breach.action_contained()
        breach.containment_steps = "<p>Remote wipe</p>"
        breach.action_contained()
        with self.assertRaises(UserError):
            breach.action_assessed()
        breach.write({"risk_level": "high", "risk_rationale": "Unencrypted contacts"})
        breach.action_assessed()
        with self.assertRaises(UserError):
            breach.action_close()  # high risk without notification or reason
        breach.write({"notify_pcpd": True})
        with self.assertRaises(UserError):
            breach.action_notified()
        breach.pcpd_notified_date = breach.discovery_date
        breach.action_notified()
        breach.action_close()
        self.assertEqual(breach.state, "closed")

    def test_breach_bad_input_and_access(self):
        with self.assertRaises(ValidationError):
            self.env["crm.privacy.breach"].create(
                {
                    "title": "x",
                    "discovery_date": "2024-01-01 00:00:00",
                    "occurrence_date": "2024-02-01 00:00:00",
                }
            )
        with self.assertRaises(AccessError):
            self.env["crm.privacy.breach"].with_user(self.retail_user).create({"title": "x"})


@tagged("post_install", "-at_install")
class TestPublicAccess(PrivacyCommon):
    def test_public_user_sees_only_published_notice(self):
        draft = self.env["crm.privacy.pics"].create({"name": "Draft", "version": "pub-d"})
        public = self.env.ref("base.public_user")
        Pics = self.env["crm.privacy.pics"].with_user(public)
        self.assertEqual(Pics._get_active(), self.pics)
        self.assertNotIn(draft, Pics.search([]))
        with self.assertRaises(AccessError):
            draft.with_user(public).read(["text_en"])
        with self.assertRaises(AccessError):
            self.pics.with_user(public).write({"effective_date": "2024-01-01"})
        with self.assertRaises(AccessError):
            self.env["crm.privacy.consent"].with_user(public).search([])


@tagged("post_install", "-at_install")
class TestPublicNotice(HttpCase):
    """Needs an HTTP server: run with ``--odoo-http`` or Odoo's test runner."""

    def test_public_pages(self):
        pics = self.env["crm.privacy.pics"].create(
            {
                "name": "Public PICS",
                "version": "public-1",
                "text_en": "<p>PUBLISHED-EN</p>",
                "text_zh": "<p>已發佈</p>",
            }
        )
        draft = self.env["crm.privacy.pics"].create(
            {
                "name": "Draft",
                "version": "public-2",
                "text_en": "<p>SECRET-DRAFT</p>",
            }
        )
        pics.action_activate()
        public = self.env.ref("base.public_user")
        visible = self.env["crm.privacy.pics"].with_user(public).search([])
        self.assertIn(pics, visible)
        self.assertNotIn(draft, visible)
        response = self.url_open("/privacy/notice")
        self.assertEqual(response.status_code, 200)
        self.assertIn("PUBLISHED-EN", response.text)
        self.assertNotIn("SECRET-DRAFT", response.text)
        response = self.url_open("/privacy/rights")
        self.assertEqual(response.status_code, 200)
        self.assertIn("identity theft", response.text)
        self.assertIn("40", response.text)
