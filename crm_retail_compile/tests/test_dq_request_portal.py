"""The customer's answer to a data-quality request on the portal, over HTTP
(issue 17): the signed link shows only the fields asked, a valid answer
updates the customer, resolves the issue and is logged with its source; a
bad phone number shows the back office's error and writes nothing; a wrong
token gets 404, a second answer or an expired link a clear page."""

import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestDqRequestPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env["crm.retail.branch"].create({"code": "TP", "name": "Test Portal"})
        cls.staff = new_test_user(
            cls.env, login="t.dq.staff", groups="crm_retail_compile.group_branch_staff"
        )
        cls.staff.write(
            {"retail_branch_ids": [(6, 0, cls.branch.ids)], "retail_branch_id": cls.branch.id}
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tse Hoi Yan",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch.id,
                "email": "tse.hy@example.com",
                "preferred_language": "en",
            }
        )
        cls.env.flush_all()
        # an invalid mobile from an old import, no district
        cls.env.cr.execute(
            SQL("UPDATE res_partner SET mobile = '44786' WHERE id = %s", cls.customer.id)
        )
        cls.customer.invalidate_recordset(["mobile"])
        cls.rules = cls.env.ref("crm_retail_compile.crm_dq_rule_no_district") | cls.env.ref(
            "crm_retail_compile.crm_dq_rule_invalid_phone"
        )
        cls.env["crm.dq.scan"]._create_scan(rules=cls.rules)._run_all()
        cls.customer.with_user(cls.staff).action_ask_customer()
        cls.req = cls.env["crm.dq.request"].search([("partner_id", "=", cls.customer.id)])
        cls.district = cls.env.ref("crm_retail_compile.district_cw")

    def issues(self):
        return self.env["crm.dq.issue"].search(
            [("partner_id", "=", self.customer.id), ("rule_id", "in", self.rules.ids)]
        )

    def url(self, token=None):
        token = self.req.sudo().access_token if token is None else token
        return f"/my/data-request/{self.req.id}?access_token={token}"

    def get_form(self):
        response = self.url_open(self.url())
        self.assertEqual(response.status_code, 200)
        return response, CSRF_RE.search(response.text).group(1)

    def post(self, data, csrf):
        return self.url_open(
            f"/my/data-request/{self.req.id}",
            data={"csrf_token": csrf, "access_token": self.req.sudo().access_token, **data},
        )

    def test_answer_through_the_signed_link(self):
        self.assertEqual(self.req.state, "sent")
        self.assertEqual(self.req._asked_keys(), ["mobile", "district"])
        response, csrf = self.get_form()
        page = response.text
        # only the fields asked; the known mobile masked
        self.assertIn('name="district_id"', page)
        self.assertIn('name="mobile"', page)
        self.assertNotIn('name="email"', page)
        self.assertNotIn("44786", page)
        self.assertIn("***86", page)
        response = self.post({"mobile": "9876 5432", "district_id": str(self.district.id)}, csrf)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_dq_request_done", response.text)
        self.assertEqual(self.customer.mobile, "+852 9876 5432")
        self.assertEqual(self.customer.district_id, self.district)
        self.assertEqual(self.req.state, "answered")
        self.assertEqual(self.req.answer_source, "portal_link")
        issues = self.issues()
        self.assertEqual(set(issues.mapped("state")), {"resolved"})
        self.assertEqual(set(issues.mapped("resolution")), {"customer_portal"})
        log = self.customer.message_ids[0]
        self.assertIn(self.req.name, log.body)
        self.assertIn("signed link", log.body)
        # a second answer: a clear page, nothing written
        response = self.post({"mobile": "9111 2222"}, csrf)
        self.assertEqual(response.status_code, 410)
        self.assertIn("already answered", response.text)
        self.assertEqual(self.customer.mobile, "+852 9876 5432")

    def test_bad_phone_shows_the_error_and_writes_nothing(self):
        _response, csrf = self.get_form()
        response = self.post({"mobile": "12345", "district_id": str(self.district.id)}, csrf)
        self.assertEqual(response.status_code, 400)
        self.assertIn("o_dq_request_error", response.text)
        self.assertIn("is not a valid phone number", response.text)
        self.assertEqual(self.customer.mobile, "44786")
        self.assertFalse(self.customer.district_id)
        self.assertEqual(self.req.state, "sent")
        self.assertEqual(set(self.issues().mapped("state")), {"open"})

    def test_wrong_token_csrf_and_expiry(self):
        self.assertEqual(self.url_open(self.url("x" * 32)).status_code, 404)
        self.assertEqual(self.url_open(self.url("")).status_code, 404)
        self.assertEqual(
            self.url_open("/my/data-request/999999999?access_token=abc").status_code, 404
        )
        self.assertEqual(self.url_open("/dq/not-a-code").status_code, 404)
        # without the CSRF token the POST is refused
        response = self.url_open(
            f"/my/data-request/{self.req.id}",
            data={"access_token": self.req.sudo().access_token, "mobile": "9876 5432"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.customer.mobile, "44786")
        # the short link of the SMS leads to the signed page
        response = self.url_open(f"/dq/{self.req.sudo().short_code}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn(self.url(), response.headers["Location"])
        # an expired link: a clear page, no form
        self.req._crm_system_write().write(
            {"expiry_date": fields.Datetime.now() - timedelta(days=1)}
        )
        response = self.url_open(self.url())
        self.assertEqual(response.status_code, 410)
        self.assertIn("no longer valid", response.text)
        self.assertNotIn("o_dq_request_form", response.text)

    def test_portal_customer_logged_in(self):
        portal = new_test_user(
            self.env,
            login="tse.portal",
            password="tse.portal-pw",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        other = new_test_user(
            self.env, login="other.portal", password="other.portal-pw", groups="base.group_portal"
        )
        self.assertEqual(portal.partner_id, self.customer)
        self.authenticate("other.portal", "other.portal-pw")
        self.assertEqual(self.url_open(f"/my/data-request/{self.req.id}").status_code, 404)
        self.assertNotIn(self.req.name, self.url_open("/my/data-requests").text)
        self.assertFalse(self.env["crm.dq.request"].with_user(other).search([]))
        self.authenticate("tse.portal", "tse.portal-pw")
        self.assertIn(self.req.name, self.url_open("/my/data-requests").text)
        response = self.url_open(f"/my/data-request/{self.req.id}")
        self.assertEqual(response.status_code, 200)
        csrf = CSRF_RE.search(response.text).group(1)
        response = self.url_open(
            f"/my/data-request/{self.req.id}",
            data={"csrf_token": csrf, "district_id": str(self.district.id)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.customer.district_id, self.district)
        self.assertEqual(self.req.answer_source, "portal_login")
