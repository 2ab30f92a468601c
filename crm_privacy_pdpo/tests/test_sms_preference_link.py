import re
import time
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from ..models.res_partner_sms_link import LONGEST_CODE, _to36

SHORT_LINK_RE = re.compile(r"Preferences/opt-out: (\S+/pp/([\w.-]+))$")


@tagged("post_install", "-at_install")
class TestSmsPreferenceLink(TransactionCase):
    """A marketing SMS ends with the customer's short signed link to the
    preference centre (in place of Odoo's STOP link); a service SMS does not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pics = cls.env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "smslink-1", "text_en": "<p>EN</p>", "text_zh": "<p>中</p>"}
        )
        cls.pics.action_activate()
        cls.purpose = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"SMS Link {i}", "mobile": f"+8529876540{i}"} for i in range(2)]
        )
        cls.env["crm.privacy.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "purpose_id": cls.purpose.id,
                    "channel": "sms",
                    "use": "own_use",
                    "kind": "opt_in",
                    "pics_id": cls.pics.id,
                }
                for partner in cls.partners
            ]
        )
        cls.Partner = cls.env["res.partner"]

    def _mailing(self, **vals):
        return self.env["mailing.mailing"].create(
            {
                "name": "Jade week",
                "subject": "Jade week",
                "mailing_type": "sms",
                "body_plaintext": "Jade week: 10% off",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", self.partners.ids)]),
                "privacy_purpose_id": self.purpose.id,
                **vals,
            }
        )

    def _sent_bodies(self, mailing):
        mailing.action_send_sms()
        sms = self.env["sms.sms"].sudo().search([("mailing_id", "=", mailing.id)])
        return {s.partner_id: s.body for s in sms}

    def test_marketing_sms_carries_the_short_link(self):
        mailing = self._mailing(sms_allow_unsubscribe=True)
        bodies = self._sent_bodies(mailing)
        self.assertEqual(set(bodies), set(self.partners))
        for partner, body in bodies.items():
            first, _sep, last = body.partition("\n")
            self.assertEqual(first, "Jade week: 10% off")
            match = SHORT_LINK_RE.match(last)
            self.assertTrue(match, body)
            # in place of Odoo's "STOP SMS" link, not beside it
            self.assertNotIn("/sms/", body)
            self.assertLessEqual(len(match.group(2)), LONGEST_CODE)
            # the link is the customer's own
            path = self.Partner._crm_privacy_long_path_from_short_code(match.group(2))
            self.assertTrue(path.startswith(f"/privacy/preferences/{partner.id}/"))
            token = path.rsplit("/", 1)[1]
            self.assertEqual(
                self.Partner._crm_privacy_partner_from_token(partner.id, token), partner
            )
        # the whole SMS stays within two GSM segments
        self.assertLess(max(len(b) for b in bodies.values()), 2 * 153)

    def test_service_sms_has_no_link(self):
        # a mailing a privacy officer marked as a service message
        mailing = self._mailing(privacy_direct_marketing=False)
        self.assertFalse(mailing.privacy_scoped)
        bodies = self._sent_bodies(mailing)
        self.assertEqual(set(bodies.values()), {"Jade week: 10% off"})
        # a chatter SMS (reminders, order status)
        partner = self.partners[0]
        message = partner._message_sms("Your repair is ready", partner_ids=partner.ids)
        sms = self.env["sms.sms"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(sms.body, "Your repair is ready")

    def test_length_counted_in_the_editor(self):
        mailing = self._mailing()
        placeholders = mailing.get_sms_link_replacements_placeholders()
        self.assertIn("/pp/", placeholders["unsubscribe"])
        line = "\nPreferences/opt-out: " + self.partners[0]._crm_privacy_preference_short_url()
        self.assertGreaterEqual(len(placeholders["unsubscribe"]), len(line))
        # the box that makes the editor count it is ticked for a new campaign
        form_mailing = self.env["mailing.mailing"].new(
            {
                "mailing_type": "sms",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            }
        )
        form_mailing._onchange_crm_privacy_sms_link()
        self.assertTrue(form_mailing.sms_allow_unsubscribe)
        # a service mailing keeps Odoo's count
        service = self._mailing(privacy_direct_marketing=False)
        self.assertNotIn("/pp/", service.get_sms_link_replacements_placeholders()["unsubscribe"])

    def _code(self, partner_id, issued, signature=None):
        signature = signature or self.Partner._crm_privacy_short_signature(partner_id, issued)
        return f"{_to36(partner_id)}.{_to36(issued)}.{signature}"

    def test_short_code_rules(self):
        partner, other = self.partners
        now = int(time.time())
        resolve = self.Partner._crm_privacy_long_path_from_short_code
        self.assertTrue(resolve(self._code(partner.id, now - 60)))
        signature = self.Partner._crm_privacy_short_signature(partner.id, now - 60)
        for bad in (
            self._code(other.id, now - 60, signature),  # another customer's signature
            self._code(partner.id, now - 61, signature),  # another time
            self._code(
                partner.id, now - 60, signature[:-1] + ("A" if signature[-1] != "A" else "B")
            ),
            self._code(partner.id, now - 91 * 86400),  # older than 90 days
            self._code(partner.id, now + 3600),  # issued in the future
            self._code(999999999, now - 60),  # no such customer
            "",
            "abc",
            "a.b.c.d",
            "zz.zz." + "é" * 12,
            "x" * 500,
            None,
        ):
            with self.subTest(code=bad):
                self.assertFalse(resolve(bad))
        # the link days setting, as for the long link
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_privacy_pdpo.preference_link_days", "1"
        )
        self.assertFalse(resolve(self._code(partner.id, now - 2 * 86400)))

    def test_revoked_by_the_privacy_officer(self):
        partner = self.partners[0]
        code = self._code(partner.id, int(time.time()) - 10)
        self.assertTrue(self.Partner._crm_privacy_long_path_from_short_code(code))
        partner.action_crm_privacy_revoke_preference_links()
        self.assertFalse(self.Partner._crm_privacy_long_path_from_short_code(code))
        # a link issued after the revocation opens
        with patch("time.time", return_value=time.time() + 2):
            url = partner._crm_privacy_preference_short_url()
        self.assertTrue(
            self.Partner._crm_privacy_long_path_from_short_code(url.rsplit("/pp/", 1)[1])
        )
