"""Asking customers to supplement their data (crm.dq.request): a clerk asks
from the issues or the customer, one request per customer, by e-mail or SMS,
never twice within N days, never through a blacklisted address; the wrong
role is refused; the customer's answer is checked with the back office's
rules before anything is written (issue 17)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestDqRequest(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # no district, reachable by e-mail
        cls.cust_mail = Partner.create(
            {
                "name": "Lam Ka Yan",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "email": "lam.ky@example.com",
            }
        )
        # no district, reachable by SMS only
        cls.cust_sms = Partner.create(
            {
                "name": "Ho Wing Sze",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "mobile": "9123 4501",
            }
        )
        # no district, the e-mail is blacklisted (the customer objected)
        cls.cust_blocked = Partner.create(
            {
                "name": "Yip Man Kit",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "email": "yip.mk@example.com",
            }
        )
        cls.env["mail.blacklist"].sudo()._add("yip.mk@example.com")
        # branch B's customer
        cls.cust_other = Partner.create(
            {
                "name": "Cheung Siu Fan",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_b.id,
                "email": "cheung.sf@example.com",
            }
        )
        cls.rule = cls.env.ref("crm_retail_compile.crm_dq_rule_no_district")
        cls.env["crm.dq.scan"]._create_scan(rules=cls.rule)._run_all()
        cls.Issue = cls.env["crm.dq.issue"]
        cls.Request = cls.env["crm.dq.request"]

    def issue_of(self, partner):
        return self.Issue.search([("rule_id", "=", self.rule.id), ("res_id", "=", partner.id)])

    def test_clerk_asks_from_the_issues(self):
        issues = (
            self.issue_of(self.cust_mail)
            | self.issue_of(self.cust_sms)
            | self.issue_of(self.cust_blocked)
        )
        self.assertEqual(len(issues), 3)
        queued_mails = self.env["mail.mail"].sudo().search_count([])
        result = issues.with_user(self.staff_a).action_ask_customer()
        self.assertEqual(result["tag"], "display_notification")
        requests = self.Request.search(
            [("partner_id", "in", (self.cust_mail | self.cust_sms | self.cust_blocked).ids)]
        )
        # one per reachable customer; the blacklisted one is not asked
        self.assertEqual(requests.partner_id, self.cust_mail | self.cust_sms)
        by_partner = {r.partner_id: r for r in requests}
        mail_req, sms_req = by_partner[self.cust_mail], by_partner[self.cust_sms]
        self.assertEqual(mail_req.channel, "email")
        self.assertEqual(sms_req.channel, "sms")
        for req in requests:
            self.assertEqual(req.state, "sent")
            self.assertEqual(req.origin, "clerk")
            self.assertEqual(req.user_id, self.staff_a)
            self.assertEqual(req.field_keys, "district")
            self.assertEqual(req.retail_branch_id, self.branch_a)
            self.assertTrue(req.expiry_date > req.sent_date)
        self.assertEqual(mail_req.issue_ids, self.issue_of(self.cust_mail))
        self.assertEqual(self.issue_of(self.cust_mail).dq_request_state, "sent")
        # the e-mail with the signed link is queued
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), queued_mails + 1)
        mail = self.env["mail.mail"].sudo().search([], order="id desc", limit=1)
        self.assertIn(
            f"/my/data-request/{mail_req.id}?access_token={mail_req.sudo().access_token}",
            mail.body_html,
        )
        self.assertEqual(mail.recipient_ids, self.cust_mail)
        # the SMS with the short link
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.cust_sms.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn(f"/dq/{sms_req.sudo().short_code}", sms.body)
        self.assertEqual(sms.number, "+85291234501")
        # logged on the customer's chatter
        self.assertIn(mail_req.name, self.cust_mail.message_ids[0].body)
        # the links' secrets are not readable by staff
        with self.assertRaises(AccessError):
            mail_req.with_user(self.staff_a).read(["access_token"])

    def test_message_in_the_customers_language(self):
        """The e-mail and SMS are rendered in the customer's preferred
        language through Odoo's template translations (zh_HK terms come
        from the add-on's .po file; one is set here)."""
        Lang = self.env["res.lang"].with_context(active_test=False)
        if not Lang.search([("code", "=", "zh_HK"), ("active", "=", True)]):
            Lang._activate_lang("zh_HK")
        template = self.env.ref("crm_retail_compile.mail_template_dq_request")
        template.with_context(lang="zh_HK").subject = "請協助我們更新您的資料"
        self.cust_mail.preferred_language = "zh_HK"
        self.cust_sms.preferred_language = "en"
        (self.cust_mail | self.cust_sms).with_user(self.staff_a).action_ask_customer()
        mail = self.env["mail.mail"].sudo().search([], order="id desc", limit=1)
        self.assertEqual(mail.subject, "請協助我們更新您的資料")
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.cust_sms.id)])
        self.assertIn("please complete your customer details", sms.body)

    def test_no_second_request_within_n_days(self):
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        self.assertEqual(self.Request.search_count([("partner_id", "=", self.cust_mail.id)]), 1)
        result = self.cust_mail.with_user(self.staff_a).action_ask_customer()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("already asked", result["params"]["message"])
        self.assertEqual(self.Request.search_count([("partner_id", "=", self.cust_mail.id)]), 1)
        # still within N days once answered or expired: not asked again
        req = self.Request.search([("partner_id", "=", self.cust_mail.id)])
        req._crm_system_write().write({"state": "expired"})
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        self.assertEqual(self.Request.search_count([("partner_id", "=", self.cust_mail.id)]), 1)
        # past N days (config parameter), the customer is asked again
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_retail_compile.dq_request_resend_days", "3"
        )
        req._crm_system_write().write({"sent_date": fields.Datetime.now() - timedelta(days=4)})
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        self.assertEqual(self.Request.search_count([("partner_id", "=", self.cust_mail.id)]), 2)

    def test_wrong_role_or_branch_refused(self):
        # an analyst reads the issues but cannot ask the customers
        with self.assertRaises(AccessError):
            self.issue_of(self.cust_mail).with_user(self.analyst).action_ask_customer()
        with self.assertRaises(AccessError):
            self.cust_mail.with_user(self.internal).action_ask_customer()
        # staff of branch A do not reach branch B's customer
        with self.assertRaises(AccessError):
            self.cust_other.with_user(self.staff_a).action_ask_customer()
        self.assertFalse(self.Request.search([("partner_id", "=", self.cust_other.id)]))
        # the request's fields are set by the system only
        with self.assertRaises(AccessError):
            self.Request.with_user(self.staff_a).create(
                {"partner_id": self.cust_mail.id, "channel": "email", "state": "answered"}
            )
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        req = self.Request.search([("partner_id", "=", self.cust_mail.id)])
        with self.assertRaises(AccessError):
            req.with_user(self.staff_a).write({"state": "answered"})
        with self.assertRaises(AccessError):
            req.with_user(self.analyst).action_cancel()
        req.with_user(self.staff_a).action_cancel()
        self.assertEqual(req.state, "cancelled")

    def test_answer_validated_before_writing(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_retail_compile.dq_request_resend_days", "0"
        )
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        req = self.Request.search([("partner_id", "=", self.cust_mail.id)]).sudo()
        # an unknown district, nothing given: errors, nothing written
        self.assertIn("district", req._apply_answer({"district_id": "999999"}))
        self.assertIn("district", req._apply_answer({"district_id": "1; DROP TABLE"}))
        self.assertIn("form", req._apply_answer({}))
        self.assertFalse(self.cust_mail.district_id)
        self.assertEqual(req.state, "sent")
        # fields that were not asked are ignored
        errors = req._apply_answer({"district_id": str(self.district.id), "email": "x"})
        self.assertEqual(errors, {})
        self.assertEqual(self.cust_mail.district_id, self.district)
        self.assertEqual(self.cust_mail.email, "lam.ky@example.com")
        self.assertEqual(req.state, "answered")
        self.assertEqual(req.answer_source, "portal_link")
        issue = self.issue_of(self.cust_mail)
        self.assertEqual(issue.state, "resolved")
        self.assertEqual(issue.resolution, "customer_portal")
        # a second answer is refused
        with self.assertRaises(UserError):
            req._apply_answer({"district_id": str(self.district.id)})

    def test_phone_answer_uses_the_back_office_rule(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE res_partner SET mobile = '44786' WHERE id = %s", self.cust_mail.id)
        )
        self.cust_mail.invalidate_recordset(["mobile"])
        rule = self.env.ref("crm_retail_compile.crm_dq_rule_invalid_phone")
        self.env["crm.dq.scan"]._create_scan(rules=rule)._run_all()
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        req = self.Request.search([("partner_id", "=", self.cust_mail.id)]).sudo()
        self.assertEqual(req._asked_keys(), ["mobile", "district"])
        errors = req._apply_answer({"mobile": "12345"})
        self.assertIn("not a valid phone number", errors["mobile"])
        self.assertEqual(self.cust_mail.mobile, "44786")
        self.assertEqual(req._apply_answer({"mobile": "6123-4567"}), {})
        self.assertEqual(self.cust_mail.mobile, "+852 6123 4567")
        phone_issue = self.Issue.search(
            [("rule_id", "=", rule.id), ("res_id", "=", self.cust_mail.id)]
        )
        self.assertEqual(phone_issue.state, "resolved")
        # the district was not given: its issue stays open
        self.assertEqual(self.issue_of(self.cust_mail).state, "open")

    def test_expired_request_cannot_be_answered(self):
        self.cust_mail.with_user(self.staff_a).action_ask_customer()
        req = self.Request.search([("partner_id", "=", self.cust_mail.id)]).sudo()
        req._crm_system_write().write({"expiry_date": fields.Datetime.now() - timedelta(days=1)})
        self.assertFalse(req._is_open_for_answer())
        self.assertEqual(req.state, "expired")
        with self.assertRaises(UserError):
            req._apply_answer({"district_id": str(self.district.id)})
        self.assertFalse(self.cust_mail.district_id)

    def test_nightly_scan_asks_when_enabled_and_twice_is_safe(self):
        ICP = self.env["ir.config_parameter"].sudo()
        mine = self.cust_mail | self.cust_sms | self.cust_other | self.cust_blocked
        mine |= self.all_customers
        ICP.set_param("crm_retail_compile.dq_request_auto_send", "0")
        self.env["crm.dq.scan"]._create_scan(rules=self.rule)._run_all()
        self.assertFalse(self.Request.search([("partner_id", "in", mine.ids)]))
        # the newest issues first, batched
        ICP.set_param("crm_retail_compile.dq_request_auto_send", "1")
        ICP.set_param("crm_retail_compile.dq_request_auto_limit", str(len(mine)))
        for _run in range(2):
            self.env["crm.dq.scan"]._create_scan(rules=self.rule)._run_all()
        requests = self.Request.search([("partner_id", "in", mine.ids)])
        self.assertEqual(requests.partner_id, self.cust_mail | self.cust_sms | self.cust_other)
        self.assertEqual(set(requests.mapped("origin")), {"scan"})
