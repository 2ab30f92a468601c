from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestConsent(PrivacyCommon):
    def test_silence_is_not_consent(self):
        Partner = self.env["res.partner"]
        self.assertFalse(self.cust_no._crm_has_marketing_consent("promotions", "email"))
        self.assertFalse(Partner._crm_filter_consenting(self.cust_no, "promotions", "email"))

    def test_consent_and_immediate_withdrawal(self):
        Partner = self.env["res.partner"]
        self._consent(self.cust_out, self.purpose_promo, "email")
        self.assertTrue(self.cust_out._crm_has_marketing_consent("promotions", "email"))
        # scope: other channel, purpose and use are not covered
        self.assertFalse(self.cust_out._crm_has_marketing_consent("promotions", "sms"))
        self.assertFalse(self.cust_out._crm_has_marketing_consent("events", "email"))
        self.assertFalse(
            self.cust_out._crm_has_marketing_consent("promotions", "email", "third_party")
        )
        # Withdrawal: a new record, effective at once
        self._consent(self.cust_out, self.purpose_promo, "email", kind="opt_out", source="phone")
        self.assertFalse(self.cust_out._crm_has_marketing_consent("promotions", "email"))
        partners = self.cust_yes | self.cust_no | self.cust_out
        self._consent(self.cust_yes, self.purpose_promo, "email")
        self.assertEqual(
            Partner._crm_filter_consenting(partners, "promotions", "email"), self.cust_yes
        )
        self.assertEqual(len(self.cust_out.crm_consent_ids), 2)

    def test_global_opt_out_and_blacklist_sync(self):
        self._consent(self.cust_out, self.purpose_promo, "email")
        self._consent(self.cust_out, False, "email", kind="opt_out", use=False)
        self.assertFalse(self.cust_out._crm_has_marketing_consent("promotions", "email"))
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "out@example.com")]))

    def _global_opt_outs(self, partners):
        """Opt ``partners`` out of every purpose by e-mail and SMS in one
        batch; returns the number of queries it took."""
        self.env.flush_all()
        queries = self.env.cr.sql_log_count
        self.env["crm.privacy.consent"].create(
            [
                {"partner_id": partner.id, "channel": channel, "kind": "opt_out", "use": False}
                | {"pics_id": self.pics.id, "purpose_id": False}
                for partner in partners
                for channel in ("email", "sms")
            ]
        )
        self.env.flush_all()
        return self.env.cr.sql_log_count - queries

    def test_batch_of_global_opt_outs_fills_the_blacklists_together(self):
        # an address that was blacklisted once and then released
        self.env["mail.blacklist"]._remove("no@example.com")
        partners = self.cust_yes | self.cust_no | self.cust_out
        self._global_opt_outs(partners)
        emails = self.env["mail.blacklist"].search([("email", "in", partners.mapped("email"))])
        self.assertEqual(len(emails), 3, "the released address is blacklisted again")
        numbers = self.env["phone.blacklist"].search([("number", "in", partners.mapped("mobile"))])
        self.assertEqual(len(numbers), 3)
        new = list(emails.filtered(lambda entry: entry.email != "no@example.com")) + list(numbers)
        for entry in new:
            self.assertIn("Direct marketing opt-out", entry.message_ids[:1].body)
        consents = self.env["crm.privacy.consent"].search([("partner_id", "in", partners.ids)])
        self.assertTrue(all(consents.mapped("blacklist_synced")))
        # the queries do not grow with the batch (address by address, 8 each)
        Partner = self.env["res.partner"]
        few, many = (
            Partner.create(
                [
                    {"name": f"Out {size}-{i}", "email": f"out{size}.{i}@example.com"}
                    | {"mobile": f"+852 9{size:03d} {i:04d}"}
                    for i in range(size)
                ]
            )
            for size in (3, 12)
        )
        self.assertLessEqual(self._global_opt_outs(many), self._global_opt_outs(few) + 3)

    def test_blacklist_unsubscribe_records_opt_out(self):
        self._consent(self.cust_yes, self.purpose_promo, "email")
        self.env["mail.blacklist"]._add("yes@example.com")
        self.assertFalse(self.cust_yes._crm_has_marketing_consent("promotions", "email"))
        last = self.cust_yes.crm_consent_ids[0]
        self.assertEqual(
            (last.kind, last.source, last.purpose_id.id), ("opt_out", "blacklist", False)
        )
        self._consent(self.cust_yes, self.purpose_promo, "sms")
        self.env["phone.blacklist"]._add(["+85291234567"])
        self.assertFalse(self.cust_yes._crm_has_marketing_consent("promotions", "sms"))

    def test_history_is_append_only(self):
        consent = self._consent(self.cust_yes, self.purpose_promo, "email")
        # administrator (and superuser) cannot change or delete it
        with self.assertRaises(UserError):
            consent.write({"channel": "sms"})
        with self.assertRaises(UserError):
            consent.sudo().write({"kind": "opt_out"})
        with self.assertRaises(UserError):
            consent.unlink()
        with self.assertRaises(UserError):
            consent.sudo().unlink()
        with self.assertRaises(UserError):
            consent.with_user(self.retail_user).write({"evidence": "x"})

    def test_consent_needs_pics_purpose_and_past_date(self):
        with self.assertRaises(ValidationError):
            self._consent(self.cust_yes, self.purpose_promo, "email", pics_id=False)
        with self.assertRaises(ValidationError):
            self._consent(self.cust_yes, False, "email")
        with self.assertRaises(ValidationError):
            self._consent(
                self.cust_yes, self.purpose_promo, "email", consent_date="2999-01-01 00:00:00"
            )
        # grandfathered consents (before 1 April 2013) need no PICS reference
        self._consent(
            self.cust_yes,
            self.purpose_promo,
            "post",
            pics_id=False,
            grandfathered=True,
            consent_date="2012-01-01 00:00:00",
        )

    def test_retail_user_records_consent_for_visible_customers(self):
        Consent = self.env["crm.privacy.consent"].with_user(self.retail_user)
        consent = Consent.create(
            {
                "partner_id": self.cust_yes.id,
                "purpose_id": self.purpose_promo.id,
                "channel": "sms",
                "kind": "opt_in",
                "pics_id": self.pics.id,
                "user_id": self.officer.id,
            }
        )
        self.assertEqual(consent.user_id, self.retail_user, "the recorder is the user")
        self.assertTrue(consent.with_user(self.retail_user).read(["kind"]))
        self.assertTrue(self.cust_yes.with_user(self.retail_user).crm_consent_summary)
        # they cannot see requests, breaches or the refusal log
        for model in (
            "crm.privacy.request",
            "crm.privacy.breach",
            "crm.privacy.refusal.log",
            "crm.privacy.export.log",
            "crm.privacy.legal.hold",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.retail_user).search([])

    def test_bad_input(self):
        Partner = self.env["res.partner"]
        with self.assertRaises(UserError):
            Partner._crm_filter_consenting(self.cust_yes, "no_such_purpose", "email")
        with self.assertRaises(UserError):
            Partner._crm_filter_consenting(self.cust_yes, "promotions", "pigeon")
        with self.assertRaises(UserError):
            Partner._crm_filter_consenting(self.cust_yes, None, "email")

    def test_call_list_keeps_phone_consenting(self):
        self._consent(self.cust_yes, self.purpose_events, "phone")
        self._consent(self.cust_no, self.purpose_events, "email")
        wizard = (
            self.env["crm.privacy.call.list.wizard"]
            .with_user(self.retail_user)
            .create(
                {
                    "partner_ids": [(6, 0, (self.cust_yes | self.cust_no | self.cust_out).ids)],
                    "purpose_id": self.purpose_events.id,
                    "channel": "phone",
                }
            )
        )
        action = wizard.action_generate()
        self.assertEqual(action["domain"], [("id", "in", self.cust_yes.ids)])
        blocked = self.env["crm.privacy.blocked.send"].search([("reason", "=", "call_list")])
        self.assertEqual(blocked.partner_id, self.cust_no | self.cust_out)

    def test_pics_versions(self):
        with self.assertRaises(UserError):
            self.pics.write({"text_en": "<p>changed</p>"})
        new = self.env["crm.privacy.pics"].create(
            {
                "name": "PICS test",
                "version": "test-2",
                "text_en": "<p>v2</p>",
                "text_zh": "<p>二</p>",
            }
        )
        new.action_activate()
        self.assertEqual(self.pics.state, "superseded")
        self.assertEqual(self.env["crm.privacy.pics"]._get_active(), new)
        ack = self.env["crm.privacy.pics.acknowledgement"].create(
            {
                "partner_id": self.cust_yes.id,
                "pics_id": new.id,
                "channel": "store",
                "branch_ref": "TST",
            }
        )
        self.assertEqual(self.cust_yes.crm_pics_id, new)
        self.assertEqual(ack.user_id, self.env.user)
        draft = self.env["crm.privacy.pics"].create({"name": "d", "version": "test-3"})
        with self.assertRaises(ValidationError):
            self.env["crm.privacy.pics.acknowledgement"].create(
                {"partner_id": self.cust_yes.id, "pics_id": draft.id}
            )
        with self.assertRaises(UserError):
            draft.action_activate()  # no English/Chinese text
