import re
import time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from ..models import pdpo_rules

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestPortalPrivacy(MockEmail, HttpCase):
    """The customer's privacy pages over HTTP, as a portal user and through a
    signed link: consents recorded with their evidence and read by the
    mailing enforcement, requests received with the 40-day clock, another
    customer's data never reached, bad input answered on the form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "Portal notice",
                "version": "portal-1",
                "text_en": "<p>Portal notice text</p>",
                "text_zh": "<p>門戶聲明</p>",
                "marketing_purpose_ids": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref("crm_privacy_pdpo.purpose_promotions").id,
                            cls.env.ref("crm_privacy_pdpo.purpose_events").id,
                        ],
                    )
                ],
            }
        )
        cls.pics.action_activate()
        cls.promo = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.events = cls.env.ref("crm_privacy_pdpo.purpose_events")
        cls.officer = new_test_user(
            cls.env,
            login="portal.test.officer",
            groups="base.group_user,crm_privacy_pdpo.group_privacy_officer",
        )
        cls.user_a = new_test_user(cls.env, login="portal.alice", groups="base.group_portal")
        cls.user_b = new_test_user(cls.env, login="portal.bob", groups="base.group_portal")
        cls.alice = cls.user_a.partner_id
        cls.bob = cls.user_b.partner_id
        cls.alice.write({"name": "Alice Portal", "email": "alice.portal@example.com"})
        cls.bob.write({"name": "Bob Portal Secret", "email": "bob.portal@example.com"})
        cls.env["crm.privacy.consent"].create(
            {
                "partner_id": cls.bob.id,
                "purpose_id": cls.promo.id,
                "channel": "email",
                "use": "own_use",
                "kind": "opt_in",
                "pics_id": cls.pics.id,
            }
        )

    # ------------------------------------------------------------ helpers
    def _csrf(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return CSRF_RE.search(response.text).group(1)

    def _post(self, url, data, csrf=True):
        if csrf:
            data = dict(data, csrf_token=self._csrf(url))
        return self.url_open(url, data=data)

    def _consents(self, partner):
        return self.env["crm.privacy.consent"].search([("partner_id", "=", partner.id)], order="id")

    def _consenting(self, partner, purpose, channel="email"):
        return bool(self.env["res.partner"]._crm_filter_consenting(partner, purpose, channel))

    def _cell(self, purpose, channel="email"):
        return f"consent_{purpose.id}_{channel}"

    # ---------------------------------------------------- portal home
    def test_portal_home_links(self):
        self.authenticate("portal.alice", "portal.alice")
        page = self.url_open("/my").text
        for url in ("/my/account", "/my/privacy", "/my/privacy/requests"):
            self.assertIn(f'href="{url}"', page)
        # the registers themselves stay closed to portal users: only the
        # pages above reach the customer's own records
        for model in ("crm.privacy.consent", "crm.privacy.request"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_a).search([])

    # ---------------------------------------------- preference centre
    def test_consent_change_recorded_and_enforced(self):
        self.authenticate("portal.alice", "portal.alice")
        page = self.url_open("/my/privacy").text
        self.assertIn("Portal notice text", page)
        self.assertIn("portal-1", page)
        self.assertIn(self.promo.name, page)
        response = self._post("/my/privacy", {self._cell(self.promo): "1", "notice_read": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_crm_privacy_saved", response.text)
        consent = self._consents(self.alice)
        self.assertEqual(len(consent), 1)
        self.assertRecordValues(
            consent,
            [
                {
                    "kind": "opt_in",
                    "channel": "email",
                    "use": "own_use",
                    "source": "portal",
                    "purpose_id": self.promo.id,
                    "pics_id": self.pics.id,
                    "user_id": self.user_a.id,
                }
            ],
        )
        self.assertIn("portal login portal.alice", consent.evidence)
        self.assertIn("IP address 127.0.0.1", consent.evidence)
        self.assertIn("collection notice portal-1", consent.evidence)
        self.assertIn("browser", consent.evidence)
        # the notice is recorded as given online
        ack = self.env["crm.privacy.pics.acknowledgement"].search(
            [("partner_id", "=", self.alice.id), ("pics_id", "=", self.pics.id)]
        )
        self.assertEqual(ack.channel, "online")
        self.assertTrue(self._consenting(self.alice, self.promo))
        self.assertIn("via the portal", self.alice.message_ids[:1].body, "logged on the customer")
        # the switch is shown on, and switching it off records an opt-out
        page = self.url_open("/my/privacy").text
        self.assertRegex(page, rf'name="{self._cell(self.promo)}"[^>]*checked')
        self._post("/my/privacy", {})
        last = self._consents(self.alice)[-1]
        self.assertEqual(
            (last.kind, last.source, last.purpose_id), ("opt_out", "portal", self.promo)
        )
        self.assertFalse(self._consenting(self.alice, self.promo))
        # the next mailing of that purpose does not reach her
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Portal promo",
                "subject": "Portal promo",
                "mailing_type": "mail",
                "body_html": "<p>Offer</p>",
                "mailing_model_id": self.env["ir.model"]._get("res.partner").id,
                "mailing_domain": repr([("id", "in", (self.alice | self.bob).ids)]),
                "privacy_purpose_id": self.promo.id,
            }
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(self._new_mails.mapped("recipient_ids"), self.bob)
        cancelled = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id), ("trace_status", "=", "cancel")]
        )
        self.assertEqual(cancelled.mapped("res_id"), self.alice.ids)
        self.assertEqual(cancelled.failure_type, "mail_no_consent")
        # the e-mail ends with Bob's own signed link to the preference centre
        link = re.search(
            r'href="[^"]*(/privacy/preferences/\d+/[0-9a-f]+-[0-9a-f]+)"', self._mails[0]["body"]
        )
        self.assertTrue(link)
        self.assertTrue(link.group(1).startswith(f"/privacy/preferences/{self.bob.id}/"))
        self.logout()
        page = self.url_open(link.group(1))
        self.assertEqual(page.status_code, 200)
        self.assertIn("Bob Portal Secret", page.text)

    def test_opt_in_lifts_an_earlier_unsubscribe(self):
        """Unsubscribed through Odoo's blacklist (every purpose), the
        customer switches one purpose on again: the blacklist entry is
        archived, so that purpose reaches her and the others still do not."""
        self.env["mail.blacklist"]._add(self.alice.email, message="unsubscribed")
        self.assertTrue(self.alice.is_blacklisted)
        self.authenticate("portal.alice", "portal.alice")
        self._post("/my/privacy", {self._cell(self.promo): "1", "notice_read": "1"})
        self.alice.invalidate_recordset(["is_blacklisted"])
        self.assertFalse(self.alice.is_blacklisted)
        entry = (
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", self.alice.email_normalized)])
        )
        self.assertFalse(entry.active)
        self.assertIn("preference centre", entry.message_ids[:1].body)
        self.assertTrue(self._consenting(self.alice, self.promo))
        self.assertFalse(self._consenting(self.alice, self.events))

    def test_opt_in_needs_the_notice_read(self):
        self.authenticate("portal.alice", "portal.alice")
        response = self._post("/my/privacy", {self._cell(self.promo): "1"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_crm_privacy_errors", response.text)
        self.assertIn("read the collection notice", response.text)
        self.assertFalse(self._consents(self.alice))

    def test_unknown_choice_and_csrf_refused(self):
        self.authenticate("portal.alice", "portal.alice")
        # another customer's id, a purpose that is not offered, any field
        for key in ("partner_id", "consent_999999_email", f"consent_{self.promo.id}_fax"):
            response = self._post("/my/privacy", {key: str(self.bob.id), "notice_read": "1"})
            self.assertEqual(response.status_code, 200)
            self.assertIn("This form does not offer these choices", response.text)
        response = self._post(
            "/my/privacy", {self._cell(self.promo): "1", "notice_read": "1"}, csrf=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._consents(self.alice))
        self.assertEqual(len(self._consents(self.bob)), 1)

    # --------------------------------------------------- signed link
    def test_signed_link(self):
        token = self.alice._crm_privacy_preference_token()
        url = f"/privacy/preferences/{self.alice.id}/{token}"
        self.assertTrue(self.alice._crm_privacy_preference_url().endswith(url))
        response = self.url_open(url)  # no login
        self.assertEqual(response.status_code, 200)
        self.assertIn("Alice Portal", response.text)
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")
        self._post(url, {self._cell(self.events, "sms"): "1", "notice_read": "1"})
        consent = self._consents(self.alice)
        self.assertEqual(len(consent), 1)
        self.assertEqual(
            (consent.kind, consent.channel, consent.source), ("opt_in", "sms", "portal")
        )
        self.assertIn("signed link", consent.evidence)
        self.assertEqual(consent.user_id, self.env.ref("base.public_user"))
        self.assertTrue(self._consenting(self.alice, self.events, "sms"))

    def test_signed_link_refused_alike(self):
        """Another customer's token, a forged, expired or revoked token and an
        unknown customer all get the same 404, without the customer's name."""
        bob_token = self.bob._crm_privacy_preference_token()
        alice_token = self.alice._crm_privacy_preference_token()
        old = int(time.time()) - 400 * 86400
        expired = self.alice._crm_privacy_preference_token(issued=old)
        forged = alice_token[:-4] + ("0000" if not alice_token.endswith("0000") else "1111")
        for url in (
            f"/privacy/preferences/{self.alice.id}/{bob_token}",
            f"/privacy/preferences/{self.bob.id}/{alice_token}",
            f"/privacy/preferences/{self.alice.id}/{forged}",
            f"/privacy/preferences/{self.alice.id}/{expired}",
            f"/privacy/preferences/{self.alice.id}/nothex-abc",
            f"/privacy/preferences/99999999/{alice_token}",
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Alice Portal", response.text)
            self.assertNotIn("Bob Portal Secret", response.text)
        # revoked by the privacy officer: the old link stops, a new one works
        self.alice.with_user(self.officer).action_crm_privacy_revoke_preference_links()
        self.assertIn("revoked", self.alice.message_ids[:1].body, "noted on the customer")
        url = f"/privacy/preferences/{self.alice.id}/{alice_token}"
        self.assertEqual(self.url_open(url).status_code, 404)
        new_url = (
            f"/privacy/preferences/{self.alice.id}/{self.alice._crm_privacy_preference_token()}"
        )
        self.assertEqual(self.url_open(new_url).status_code, 200)
        with self.assertRaises(AccessError):
            self.alice.with_user(self.user_b).action_crm_privacy_revoke_preference_links()

    # ------------------------------------------- access and correction
    def test_access_request_received_with_the_clock(self):
        self.authenticate("portal.alice", "portal.alice")
        response = self._post(
            "/my/privacy/requests/new",
            {"request_type": "access", "request_details": "A copy of everything, please."},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_crm_privacy_submitted", response.text)
        request = self.env["crm.privacy.request"].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(len(request), 1)
        officer = request.user_id
        today = fields.Date.context_today(
            self.env["res.partner"].with_context(tz=officer.tz or "Asia/Hong_Kong")
        )
        self.assertEqual(request.received_date, today)
        self.assertEqual(request.due_date, pdpo_rules.statutory_due_date(today))
        self.assertEqual(request.state, "received")
        self.assertFalse(request.verified_date, "identity is verified by the officer")
        self.assertEqual(request.requester_name, "Alice Portal")
        self.assertTrue(officer.has_group("crm_privacy_pdpo.group_privacy_officer"))
        self.assertEqual(request.activity_ids.user_id, officer)
        self.assertIn(request.name, response.text)
        # the customer sees their own requests only
        self.authenticate("portal.bob", "portal.bob")
        self.assertNotIn(request.name, self.url_open("/my/privacy/requests").text)
        # a second open access request is refused on the form
        self.authenticate("portal.alice", "portal.alice")
        response = self._post("/my/privacy/requests/new", {"request_type": "access"})
        self.assertIn("still open", response.text)
        self.assertEqual(
            self.env["crm.privacy.request"].search_count([("partner_id", "=", self.alice.id)]), 1
        )

    def test_correction_request_and_bad_input(self):
        self.authenticate("portal.alice", "portal.alice")
        for data, message in (
            ({"request_type": "erase"}, "Choose a data access or a data correction request"),
            (
                {"request_type": "correction", "correction_field": "hkid_number"},
                "cannot be corrected online",
            ),
            ({"request_type": "access", "partner_id": str(self.bob.id)}, "does not offer"),
            ({"request_type": "access", "request_details": "x" * 2001}, "at most 2000"),
        ):
            response = self._post("/my/privacy/requests/new", data)
            self.assertEqual(response.status_code, 200)
            self.assertIn(message, response.text)
        self.assertFalse(
            self.env["crm.privacy.request"].search([("partner_id", "=", self.alice.id)])
        )
        self._post(
            "/my/privacy/requests/new",
            {
                "request_type": "correction",
                "request_details": "My e-mail changed.",
                "correction_field": "email",
                "correction_value": "alice.new@example.com",
            },
        )
        request = self.env["crm.privacy.request"].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(request.request_type, "correction")
        self.assertEqual(request.correction_ids.field_id.name, "email")
        self.assertEqual(request.correction_ids.new_value, "alice.new@example.com")
        self.assertFalse(request.correction_ids.applied, "applied by the officer after checks")
        self.assertEqual(self.alice.email, "alice.portal@example.com")
