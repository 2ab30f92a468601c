from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.mail.tests.common import MockEmail


@tagged("post_install", "-at_install")
class TestMailingConsent(MockEmail, TransactionCase):
    """Who is reached is read from the mailing traces (one per recipient the mailing
    tried to reach) and from the queued SMS. Emails go through Odoo's mocked gateway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "PICS",
                "version": "mailing-1",
                "text_en": "<p>EN</p>",
                "text_zh": "<p>中</p>",
            }
        )
        cls.pics.action_activate()
        cls.purpose = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        Partner = cls.env["res.partner"]
        cls.partners = Partner.create(
            [
                {
                    "name": f"Customer {i}",
                    "email": f"cust{i}@example.com",
                    "mobile": f"+8529123450{i}",
                    "phone": f"+8529123450{i}",
                }
                for i in range(4)
            ]
        )
        p0, p1, p2, _p3 = cls.partners
        Consent = cls.env["crm.privacy.consent"]

        def consent(partner, channel, kind="opt_in"):
            Consent.create(
                {
                    "partner_id": partner.id,
                    "purpose_id": cls.purpose.id,
                    "channel": channel,
                    "use": "own_use",
                    "kind": kind,
                    "pics_id": cls.pics.id,
                }
            )

        # p0: email + sms consent; p1: email only; p2: withdrew both; p3: nothing
        consent(p0, "email")
        consent(p0, "sms")
        consent(p1, "email")
        consent(p2, "email")
        consent(p2, "sms")
        consent(p2, "email", "opt_out")
        consent(p2, "sms", "opt_out")
        cls.domain = repr([("id", "in", cls.partners.ids)])
        cls.model_partner = cls.env["ir.model"]._get("res.partner")

    def _reached_traces(self, mailing):
        """Recipients reached, from the mailing traces (mails may be sent and deleted)."""
        return self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])

    def _mailing(self, mailing_type, **kw):
        vals = {
            "name": "Promo",
            "subject": "Promo",
            "mailing_type": mailing_type,
            "body_html": "<p>Hello</p>",
            "body_plaintext": "Hello",
            "mailing_model_id": self.model_partner.id,
            "mailing_domain": self.domain,
            "privacy_purpose_id": self.purpose.id,
        }
        vals.update(kw)
        return self.env["mailing.mailing"].create(vals)

    def test_email_only_to_consenting(self):
        mailing = self._mailing("mail")
        self.assertTrue(mailing.privacy_scoped)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(self._new_mails.mapped("recipient_ids"), self.partners[:2])
        mails = self._reached_traces(mailing)
        self.assertEqual(len(mails), 2)
        self.assertEqual(set(mails.mapped("res_id")), set(self.partners[:2].ids))
        self.assertEqual(set(mails.mapped("email")), {"cust0@example.com", "cust1@example.com"})
        blocked = self.env["crm.privacy.blocked.send"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(blocked.partner_id, self.partners[2] | self.partners[3])
        self.assertEqual(set(blocked.mapped("channel")), {"email"})
        self.assertEqual(mailing.privacy_blocked_count, 2)

    def test_sms_only_to_consenting(self):
        mailing = self._mailing("sms")
        mailing.action_send_sms()
        sms = self.env["sms.sms"].sudo().search([("mailing_id", "=", mailing.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.partner_id, self.partners[0])
        traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertEqual(set(traces.mapped("res_id")), {self.partners[0].id})
        blocked = self.env["crm.privacy.blocked.send"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(blocked.partner_id, self.partners[1:])

    def test_explicit_res_ids_are_filtered(self):
        mailing = self._mailing("mail")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail(res_ids=self.partners.ids)
        self.assertEqual(len(self._reached_traces(mailing)), 2)
        mailing2 = self._mailing("mail")
        with self.assertRaises(UserError):
            mailing2.action_send_mail(res_ids=self.partners[3].ids)

    def test_withdrawal_before_send_blocks(self):
        self.env["crm.privacy.consent"].create(
            {
                "partner_id": self.partners[1].id,
                "purpose_id": self.purpose.id,
                "channel": "email",
                "use": "own_use",
                "kind": "opt_out",
                "source": "web",
            }
        )
        mailing = self._mailing("mail")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(len(self._reached_traces(mailing)), 1)

    def test_purpose_required(self):
        mailing = self._mailing("mail", privacy_purpose_id=False)
        with self.assertRaises(UserError):
            mailing.action_send_mail()
        with self.assertRaises(UserError):
            mailing.action_put_in_queue()
