"""Data-quality work a clerk can do: issues explain themselves and are
corrected in place (crm.dq.fix.wizard), within the user's rights."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestDataQualityFix(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.bad_phone = Partner.create(
            {
                "name": "Ng Chi Keung",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "district_id": cls.district.id,
                "email": "ng.ck@example.com",
            }
        )
        cls.bad_phone_b = Partner.create(
            {
                "name": "Mak Pui Shan",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_b.id,
                "district_id": cls.district.id,
            }
        )
        cls.env.flush_all()
        # bad data comes from old imports (the form refuses it)
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET mobile = '44786' WHERE id IN %s",
                (cls.bad_phone.id, cls.bad_phone_b.id),
            )
        )
        Partner.invalidate_model(["mobile"])
        cls.rule = cls.env.ref("crm_retail_compile.crm_dq_rule_invalid_phone")
        scan = cls.env["crm.dq.scan"]._create_scan(rules=cls.rule)
        scan._run_all()
        Issue = cls.env["crm.dq.issue"]
        cls.issue = Issue.search([("rule_id", "=", cls.rule.id), ("res_id", "=", cls.bad_phone.id)])
        cls.issue_b = Issue.search(
            [("rule_id", "=", cls.rule.id), ("res_id", "=", cls.bad_phone_b.id)]
        )

    def test_issue_explains_itself(self):
        issue = self.issue.with_user(self.staff_a)
        self.assertEqual(issue.detail, "44786")
        self.assertEqual(issue.explanation_field, "Phone, mobile")
        self.assertIn("44786 is not a valid phone number", issue.explanation_problem)
        self.assertIn("+852 9123 4567", issue.explanation_good)
        self.assertTrue(issue.can_fix)

    def wizard(self, user, issue=None):
        action = (issue or self.issue).with_user(user).action_fix()
        return self.env[action["res_model"]].with_user(user).browse(action["res_id"])

    def test_fix_in_place_resolves_the_issue(self):
        wizard = self.wizard(self.staff_a)
        self.assertEqual(wizard.field_name, "mobile")
        self.assertEqual(wizard.current_value, "44786")
        # a wrong correction is refused with the same rule's message
        wizard.new_value = "12345"
        with self.assertRaises(ValidationError):
            wizard.action_apply()
        wizard.new_value = "9123 4567"
        result = wizard.action_apply()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(self.bad_phone.mobile, "+852 9123 4567")
        self.assertEqual(self.issue.state, "resolved")
        self.assertTrue(self.issue.resolved_date)
        # the next scan agrees
        self.env["crm.dq.scan"]._create_scan(rules=self.rule)._run_all()
        self.assertEqual(self.issue.state, "resolved")

    def test_fix_only_the_allowed_fields(self):
        wizard = self.wizard(self.staff_a)
        wizard.field_name = "name"
        wizard.new_value = "Someone Else"
        with self.assertRaises(UserError):
            wizard.action_apply()
        self.assertEqual(self.bad_phone.name, "Ng Chi Keung")

    def test_fix_within_the_users_rights(self):
        # staff of branch A cannot open the issue of branch B's customer
        with self.assertRaises(AccessError):
            self.wizard(self.staff_a, self.issue_b)
        # an analyst reads issues but cannot correct customers
        with self.assertRaises(AccessError):
            wizard = self.wizard(self.analyst)
            wizard.new_value = "9123 4567"
            wizard.action_apply()
        self.assertEqual(self.issue.state, "open")
        self.assertEqual(self.bad_phone.mobile, "44786")

    def test_issue_fields_stay_system_set(self):
        with self.assertRaises(AccessError):
            self.issue.with_user(self.staff_a).write({"state": "resolved"})
