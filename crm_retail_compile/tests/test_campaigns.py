import json
from ast import literal_eval

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

CAMPAIGNS = "crm_retail_compile.group_marketing_campaigns"


@tagged("post_install", "-at_install")
class TestCampaigns(MockEmail, TransactionCase):
    """Marketing campaigns (issue 17): a marketing user builds e-mail and SMS
    mailings to a customer segment of their branches; only the consenting
    customers are reached, the others get a no-consent trace; the results
    come back onto the customer and into the campaign report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Branch = cls.env["crm.retail.branch"]
        cls.branch_a = Branch.create({"code": "MA", "name": "Mkt A", "name_zh": "市場甲"})
        cls.branch_b = Branch.create({"code": "MB", "name": "Mkt B", "name_zh": "市場乙"})
        cls.marketing = new_test_user(
            cls.env, login="t_campaigns", groups=CAMPAIGNS, name="Campaigns A"
        )
        cls.marketing.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_a.ids)],
                "retail_department_id": cls.env.ref("crm_retail_compile.department_marketing").id,
            }
        )
        cls.staff = new_test_user(
            cls.env, login="t_campaign_staff", groups="crm_retail_compile.group_branch_staff"
        )
        cls.staff.write(
            {"retail_branch_ids": [(6, 0, cls.branch_a.ids)], "retail_branch_id": cls.branch_a.id}
        )
        cls.gold = cls.env.ref("crm_retail_compile.membership_tier_gold")
        cls.silver = cls.env.ref("crm_retail_compile.membership_tier_silver")
        cls.purpose = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "PICS",
                "version": "campaign-1",
                "text_en": "<p>EN</p>",
                "text_zh": "<p>中</p>",
            }
        )
        cls.pics.action_activate()

        def customer(name, number, branch, tier):
            return cls.env["res.partner"].create(
                {
                    "name": name,
                    "is_retail_customer": True,
                    "email": f"{name.lower()}@example.com",
                    "phone": f"+852 9100 {number:04d}",
                    "retail_branch_id": branch.id,
                    "membership_tier_id": tier.id,
                }
            )

        # the segment (gold) of branch A: two consenting, one not
        cls.gold_yes = customer("GoldYes", 1, cls.branch_a, cls.gold)
        cls.gold_yes2 = customer("GoldYesTwo", 2, cls.branch_a, cls.gold)
        cls.gold_no = customer("GoldNo", 3, cls.branch_a, cls.gold)
        # outside the segment, or in another branch: never reached by A
        cls.silver_yes = customer("SilverYes", 4, cls.branch_a, cls.silver)
        cls.gold_b_yes = customer("GoldBYes", 5, cls.branch_b, cls.gold)
        consenting = cls.gold_yes | cls.gold_yes2 | cls.silver_yes | cls.gold_b_yes
        cls.env["crm.privacy.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "purpose_id": cls.purpose.id,
                    "channel": channel,
                    "use": "own_use",
                    "kind": "opt_in",
                    "pics_id": cls.pics.id,
                }
                for partner in consenting
                for channel in ("email", "sms")
            ]
        )
        cls.segment = cls.gold_yes | cls.gold_yes2 | cls.gold_no

    def _mailing(self, user, mailing_type="mail", **vals):
        values = {
            "subject": "Gold week",
            "mailing_type": mailing_type,
            "mailing_model_id": self.env["ir.model"]._get("res.partner").id,
            "body_html": "<p>Gold week</p>",
            "body_plaintext": "Gold week",
            "privacy_purpose_id": self.purpose.id,
            "crm_segment_tier_ids": [(6, 0, self.gold.ids)],
            **vals,
        }
        return self.env["mailing.mailing"].with_user(user).create(values)

    def _send_queue(self):
        """Odoo's mailing queue, as its cron runs it (superuser)."""
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["mailing.mailing"]._process_mass_mailing_queue()

    def _traces(self, mailing, reached=True):
        domain = [("mass_mailing_id", "=", mailing.id)]
        domain.append(("trace_status", "!=" if reached else "=", "cancel"))
        return self.env["mailing.trace"].search(domain)

    def test_marketing_user_sends_to_segment(self):
        mailing = self._mailing(self.marketing)
        self.assertIn("membership_tier_id", mailing.mailing_domain)
        self.assertIn("is_retail_customer", mailing.mailing_domain)
        mailing.with_user(self.marketing).action_launch()
        self.assertEqual(mailing.state, "in_queue")
        self.assertEqual(mailing.crm_launched_by_id, self.marketing)
        self._send_queue()
        self.assertEqual(mailing.state, "done")
        reached = self._traces(mailing)
        self.assertEqual(reached.crm_partner_id, self.gold_yes | self.gold_yes2)
        self.assertEqual(self._new_mails.recipient_ids, self.gold_yes | self.gold_yes2)
        self.assertEqual(
            set(reached.mapped("email")), {"goldyes@example.com", "goldyestwo@example.com"}
        )
        # the addresses are personal data above the marketing clearance
        rows = (
            self.env["mailing.trace"]
            .with_user(self.marketing)
            .search_read([("id", "in", reached.ids)], ["email", "crm_partner_id"])
        )
        self.assertEqual(len(rows), 2)
        self.assertFalse(any(row["email"] for row in rows))
        # the segment's non-consenting customer: a no-consent trace and the log
        excluded = self._traces(mailing, reached=False)
        self.assertEqual(excluded.crm_partner_id, self.gold_no)
        self.assertEqual(excluded.failure_type, "mail_no_consent")
        blocked = self.env["crm.privacy.blocked.send"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(blocked.partner_id, self.gold_no)
        # branch B's consenting gold customer is outside the sender's branches
        all_traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertNotIn(self.gold_b_yes, all_traces.crm_partner_id)
        self.assertNotIn(self.silver_yes, all_traces.crm_partner_id)

    def test_segment_selector_fills_the_domain(self):
        mailing = self._mailing(
            self.marketing,
            crm_segment_consenting=True,
            crm_segment_district_ids=[(6, 0, self.env.ref("crm_retail_compile.district_cw").ids)],
        )
        Partner = self.env["res.partner"].with_user(self.marketing)
        self.assertFalse(Partner.search(literal_eval(mailing.mailing_domain)))
        (self.gold_yes | self.gold_no | self.gold_b_yes).write(
            {"district_id": self.env.ref("crm_retail_compile.district_cw").id}
        )
        # consent on record, of the branch the user sees: one customer
        self.assertEqual(Partner.search(literal_eval(mailing.mailing_domain)), self.gold_yes)
        mailing.invalidate_recordset(["total"])
        self.assertEqual(mailing.with_user(self.marketing).total, 1)
        mailing.with_user(self.marketing).action_crm_clear_segment()
        self.assertNotIn("district_id", mailing.mailing_domain)

    def test_sms_campaign_to_segment(self):
        mailing = self._mailing(self.marketing, "sms")
        mailing.with_user(self.marketing).action_launch()
        self._send_queue()
        sms = self.env["sms.sms"].sudo().search([("mailing_id", "=", mailing.id)])
        self.assertEqual(sms.partner_id, self.gold_yes | self.gold_yes2)
        excluded = self._traces(mailing, reached=False)
        self.assertEqual(excluded.crm_partner_id, self.gold_no)
        self.assertEqual(excluded.failure_type, "sms_no_consent")

    def test_administrator_reaches_every_branch(self):
        """The same segment sent by an unscoped user reaches both branches."""
        admin = new_test_user(
            self.env, login="t_campaign_admin", groups="crm_retail_compile.group_retail_admin"
        )
        mailing = self._mailing(admin)
        mailing.with_user(admin).action_launch()
        self._send_queue()
        self.assertEqual(
            self._traces(mailing).crm_partner_id, self.gold_yes | self.gold_yes2 | self.gold_b_yes
        )

    def test_mailing_without_purpose_is_refused(self):
        mailing = self._mailing(self.marketing, privacy_purpose_id=False)
        self.assertTrue(mailing.privacy_scoped)
        with self.assertRaises(UserError):
            mailing.with_user(self.marketing).action_launch()
        with self.assertRaises(UserError):
            mailing.with_user(self.marketing).action_schedule()
        self.assertEqual(mailing.state, "draft")
        # sent directly, it still reaches nobody: each gets a trace saying why
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.with_user(self.marketing).action_send_mail()
        self.assertFalse(self._traces(mailing))
        self.assertEqual(self._traces(mailing, reached=False).crm_partner_id, self.segment)

    def test_opt_out_shows_on_customer_and_stops_next_send(self):
        mailing = self._mailing(self.marketing)
        mailing.with_user(self.marketing).action_launch()
        self._send_queue()
        trace = self._traces(mailing).filtered(lambda t: t.crm_partner_id == self.gold_yes)
        self.assertTrue(trace)
        # the unsubscribe link of the mailing blacklists the address (Odoo),
        # which records the withdrawal (crm_privacy_pdpo) and notes it on
        # the message the customer received
        self.env["mail.blacklist"].sudo()._add("goldyes@example.com")
        withdrawal = self.env["crm.privacy.consent"].search(
            [("partner_id", "=", self.gold_yes.id), ("kind", "=", "opt_out")]
        )
        self.assertEqual(withdrawal.channel, "email")
        self.assertTrue(trace.crm_opt_out_datetime)
        # the customer's Campaigns button, as the marketing user
        partner = self.gold_yes.with_user(self.marketing)
        self.assertEqual(partner.crm_mailing_trace_count, 1)
        action = partner.action_crm_view_mailing_traces()
        shown = self.env["mailing.trace"].with_user(self.marketing).search(action["domain"])
        self.assertEqual(shown, trace)
        self.assertTrue(shown.crm_opt_out_datetime)
        # the next campaign does not reach the customer
        second = self._mailing(self.marketing, subject="Gold week II")
        second.with_user(self.marketing).action_launch()
        self._send_queue()
        self.assertEqual(self._traces(second).crm_partner_id, self.gold_yes2)
        # (Odoo's default domain leaves blacklisted addresses out; a
        # cancelled trace, if any, says why)
        stopped = self._traces(second, reached=False).filtered(
            lambda t: t.crm_partner_id == self.gold_yes
        )
        self.assertIn(stopped.failure_type or "mail_bl", ("mail_bl", "mail_no_consent"))

    def test_withdrawal_by_purpose_is_noted_on_the_campaign(self):
        mailing = self._mailing(self.marketing, "sms")
        mailing.with_user(self.marketing).action_launch()
        self._send_queue()
        # the gateway accepted the messages (Odoo's "Sent")
        self._traces(mailing).write({"trace_status": "pending"})
        trace = self._traces(mailing).filtered(lambda t: t.crm_partner_id == self.gold_yes2)
        self.env["crm.privacy.consent"].create(
            {
                "partner_id": self.gold_yes2.id,
                "purpose_id": self.purpose.id,
                "channel": "sms",
                "kind": "opt_out",
                "source": "phone",
            }
        )
        self.assertTrue(trace.crm_opt_out_datetime)
        # an e-mail withdrawal says nothing about the SMS campaign
        other = self._traces(mailing).filtered(lambda t: t.crm_partner_id == self.gold_yes)
        self.env["crm.privacy.consent"].create(
            {"partner_id": self.gold_yes.id, "channel": "email", "kind": "opt_out"}
        )
        self.assertFalse(other.crm_opt_out_datetime)

    def test_wrong_role_cannot_create_mailing(self):
        with self.assertRaises(AccessError):
            self._mailing(self.staff)
        with self.assertRaises(AccessError):
            self.env["mailing.trace"].with_user(self.staff).search([])

    def test_sender_is_system_set(self):
        with self.assertRaises(AccessError):
            self._mailing(self.marketing, crm_launched_by_id=self.env.uid)
        mailing = self._mailing(self.marketing)
        with self.assertRaises(AccessError):
            mailing.with_user(self.marketing).write({"crm_launched_by_id": self.env.uid})
        with self.assertRaises(AccessError):
            trace = self.env["mailing.trace"].create(
                {"model": "res.partner", "res_id": self.gold_yes.id, "mass_mailing_id": mailing.id}
            )
            trace.with_user(self.marketing).write({"crm_opt_out_datetime": "2026-01-01"})

    def test_traces_follow_the_customer_branch(self):
        mailing = self._mailing(self.marketing)
        Trace = self.env["mailing.trace"]
        traces = Trace.create(
            [
                {"model": "res.partner", "res_id": p.id, "mass_mailing_id": mailing.id}
                for p in (self.gold_yes, self.gold_b_yes)
            ]
        )
        self.assertEqual(traces.crm_partner_id, self.gold_yes | self.gold_b_yes)
        visible = Trace.with_user(self.marketing).search([("id", "in", traces.ids)])
        self.assertEqual(visible.crm_partner_id, self.gold_yes)

    def test_campaign_report(self):
        mailing = self._mailing(self.marketing)
        mailing.with_user(self.marketing).action_launch()
        self._send_queue()
        reached = self._traces(mailing)
        reached[0].set_opened()
        reached[0].set_clicked()
        template = self.env["crm.report.template"].create(
            {
                "name": "Campaign results (test)",
                "code": "test_campaigns",
                "retail_department_id": self.env.ref("crm_retail_compile.department_marketing").id,
                "dataset": "campaigns",
                "dimensions": "mailing,medium,branch,status",
                "measures": "recipients,sent,opened,clicked,bounced,opted_out,open_rate",
                "filter_domain": repr([("mass_mailing_id", "=", mailing.id)]),
                "date_range": "all",
            }
        )
        Run = self.env["crm.report.run"]
        run = Run.with_user(self.marketing)._create_for_template(template, user=self.marketing)
        run.with_user(self.marketing).action_run()
        self.assertEqual(run.state, "done", run.error)
        totals = json.loads(run.totals_json)
        self.assertEqual(totals["recipients"], 3)
        self.assertEqual(totals["sent"], 2)
        self.assertEqual(totals["opened"], 1)
        self.assertEqual(totals["clicked"], 1)
        self.assertEqual(totals["bounced"], 0)
        self.assertAlmostEqual(totals["open_rate"], 50.0)
