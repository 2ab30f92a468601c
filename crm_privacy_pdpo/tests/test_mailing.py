from odoo.exceptions import AccessError, UserError
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

    def _traces(self, mailing, status=None):
        """Traces of the mailing (mails may be sent and deleted): sent or cancelled."""
        domain = [("mass_mailing_id", "=", mailing.id)]
        if status == "cancel":
            domain.append(("trace_status", "=", "cancel"))
        elif status:
            domain.append(("trace_status", "!=", "cancel"))
        return self.env["mailing.trace"].search(domain)

    def _reached_traces(self, mailing):
        return self._traces(mailing, "reached")

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

    def _assert_excluded(self, mailing, partners, failure_type):
        cancelled = self._traces(mailing, "cancel").filtered(
            lambda t: t.failure_type == failure_type
        )
        self.assertEqual(set(cancelled.mapped("res_id")), set(partners.ids))
        return cancelled

    def test_email_only_to_consenting(self):
        mailing = self._mailing("mail")
        self.assertTrue(mailing.privacy_direct_marketing)
        self.assertTrue(mailing.privacy_scoped)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(self._new_mails.mapped("recipient_ids"), self.partners[:2])
        mails = self._reached_traces(mailing)
        self.assertEqual(len(mails), 2)
        self.assertEqual(set(mails.mapped("res_id")), set(self.partners[:2].ids))
        self.assertEqual(set(mails.mapped("email")), {"cust0@example.com", "cust1@example.com"})
        # the others are not dropped silently: a cancelled trace each says why
        excluded = self._assert_excluded(mailing, self.partners[2:], "mail_no_consent")
        self.assertEqual(set(excluded.mapped("email")), {"cust2@example.com", "cust3@example.com"})
        self.assertTrue(all(excluded.mapped("failure_reason")))
        self.assertEqual(mailing.privacy_no_consent_count, 2)
        self.assertEqual(mailing.canceled, 2)
        blocked = self.env["crm.privacy.blocked.send"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(blocked.partner_id, self.partners[2] | self.partners[3])
        self.assertEqual(set(blocked.mapped("channel")), {"email"})
        self.assertEqual(mailing.privacy_blocked_count, 2)

    def test_queue_only_to_consenting(self):
        """The cron path (put in queue, then processed) excludes the same recipients."""
        mailing = self._mailing("mail")
        mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing._process_mass_mailing_queue()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(
            set(self._reached_traces(mailing).mapped("res_id")), set(self.partners[:2].ids)
        )
        self._assert_excluded(mailing, self.partners[2:], "mail_no_consent")

    def test_sms_only_to_consenting(self):
        mailing = self._mailing("sms")
        mailing.action_send_sms()
        sms = self.env["sms.sms"].sudo().search([("mailing_id", "=", mailing.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.partner_id, self.partners[0])
        self.assertEqual(set(self._reached_traces(mailing).mapped("res_id")), {self.partners[0].id})
        excluded = self._assert_excluded(mailing, self.partners[1:], "sms_no_consent")
        self.assertTrue(all(excluded.mapped("sms_number")))
        blocked = self.env["crm.privacy.blocked.send"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(blocked.partner_id, self.partners[1:])

    def test_explicit_res_ids_are_filtered(self):
        mailing = self._mailing("mail")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail(res_ids=self.partners.ids)
        self.assertEqual(len(self._reached_traces(mailing)), 2)
        # nobody consented: nothing is sent, the mailing is done and says why
        mailing2 = self._mailing("mail")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing2.action_send_mail(res_ids=self.partners[3].ids)
        self.assertFalse(self._reached_traces(mailing2))
        self._assert_excluded(mailing2, self.partners[3], "mail_no_consent")
        self.assertEqual(mailing2.state, "done")
        self.assertEqual(mailing2.privacy_no_consent_count, 1)

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

    def test_no_purpose_reaches_no_customer(self):
        """A direct-marketing mailing without purpose cannot be queued (issue 17);
        sent directly by code, no customer receives it and every one gets a trace
        saying why."""
        mailing = self._mailing("mail", privacy_purpose_id=False)
        self.assertTrue(mailing.privacy_scoped)
        with self.assertRaises(UserError):
            mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertFalse(self._new_mails)
        excluded = self._assert_excluded(mailing, self.partners, "mail_no_consent")
        self.assertIn("purpose", excluded[0].failure_reason)
        self.assertEqual(mailing.state, "done")

    def test_blacklisted_gets_odoo_blacklist_trace(self):
        """A blacklisted customer gets Odoo's own blacklist trace, whether they had
        consented or not (the blacklist entry also records an opt-out)."""
        self.env["mail.blacklist"].create(
            [{"email": "cust0@example.com"}, {"email": "cust3@example.com"}]
        )
        mailing = self._mailing("mail")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(set(self._reached_traces(mailing).mapped("res_id")), {self.partners[1].id})
        self._assert_excluded(mailing, self.partners[0] | self.partners[3], "mail_bl")
        self._assert_excluded(mailing, self.partners[2], "mail_no_consent")

    def test_service_mailing_by_officer_only(self):
        """A privacy officer may mark a customer mailing as a service message, which
        then works as in Odoo; a marketing user may not."""
        marketer = self.env["res.users"].create(
            {
                "name": "Marketer",
                "login": "w5.marketer",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("mass_mailing.group_mass_mailing_user").id,
                            self.env.ref("base.group_user").id,
                        ],
                    )
                ],
            }
        )
        mailing = self._mailing("mail", privacy_purpose_id=False)
        with self.assertRaises(AccessError):
            mailing.with_user(marketer).write({"privacy_direct_marketing": False})
        with self.assertRaises(AccessError):
            self.env["mailing.mailing"].with_user(marketer).create(
                {
                    "subject": "Order ready",
                    "email_from": "shop@example.com",
                    "mailing_model_id": self.model_partner.id,
                    "privacy_direct_marketing": False,
                }
            )
        officer = self.env["res.users"].create(
            {
                "name": "Officer",
                "login": "w5.officer",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("crm_privacy_pdpo.group_privacy_officer").id,
                            self.env.ref("mass_mailing.group_mass_mailing_user").id,
                        ],
                    )
                ],
            }
        )
        mailing.with_user(officer).write({"privacy_direct_marketing": False})
        self.assertFalse(mailing.privacy_scoped)
        # a duplicate is direct marketing again until an officer decides otherwise
        duplicate = mailing.with_user(marketer).copy()
        self.assertTrue(duplicate.privacy_direct_marketing)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(
            set(self._reached_traces(mailing).mapped("res_id")), set(self.partners.ids)
        )

    def test_mailing_list_is_not_scoped(self):
        """Mailing lists have their own opt-in: their contacts are mailed as in Odoo."""
        mlist = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [(0, 0, {"name": "Sub", "email": "sub@example.com"})],
            }
        )
        mailing = self._mailing(
            "mail",
            privacy_purpose_id=False,
            mailing_model_id=self.env["ir.model"]._get("mailing.list").id,
            mailing_domain=repr([("list_ids", "in", mlist.ids)]),
            contact_list_ids=[(6, 0, mlist.ids)],
        )
        self.assertFalse(mailing.privacy_scoped)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(self._reached_traces(mailing).email, "sub@example.com")

    def test_lead_mailing_checks_the_customer(self):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": "L0",
                    "partner_id": self.partners[0].id,
                    "email_from": "cust0@example.com",
                },
                {
                    "name": "L3",
                    "partner_id": self.partners[3].id,
                    "email_from": "cust3@example.com",
                },
                {"name": "Anon", "email_from": "anon@example.com"},
            ]
        )
        mailing = self._mailing(
            "mail",
            mailing_model_id=self.env["ir.model"]._get("crm.lead").id,
            mailing_domain=repr([("id", "in", leads.ids)]),
        )
        self.assertTrue(mailing.privacy_scoped)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(set(self._reached_traces(mailing).mapped("res_id")), {leads[0].id})
        self._assert_excluded(mailing, leads[1:], "mail_no_consent")
