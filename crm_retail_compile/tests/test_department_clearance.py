from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestDepartmentClearance(RetailCommon):
    """An analyst reads customers' classified fields only up to its
    department's clearance, outside reports too (issue 14, finding 6)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dept_finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.analyst_fin = new_test_user(
            cls.env,
            login="t_analyst_fin",
            groups="crm_retail_compile.group_department_analyst",
        )
        cls.analyst_fin.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_a.ids)],
                "retail_department_id": cls.dept_finance.id,
            }
        )
        cls.cust_a.write(
            {
                "email": "a.customer@example.com",
                "phone": "+852 2123 4567",
                "street": "1 Queen's Road",
                "city": "Hong Kong",
            }
        )

    def test_marketing_analyst_reads_contact_fields_as_empty(self):
        self.assertEqual(self.dept_marketing.clearance, "internal")
        self.assertEqual(self.dept_finance.clearance, "confidential")
        [vals] = self.cust_a.with_user(self.analyst).read(
            ["name", "email", "phone", "street", "city"]
        )
        self.assertEqual(vals["name"], "Customer A")
        self.assertEqual(vals["city"], "Hong Kong")  # internal
        self.assertFalse(vals["email"] or vals["phone"] or vals["street"])
        [vals] = self.cust_a.with_user(self.analyst_fin).read(["email", "phone", "street"])
        self.assertEqual(
            (vals["email"], vals["phone"], vals["street"]),
            ("a.customer@example.com", "+852 2123 4567", "1 Queen's Road"),
        )

    def test_web_client_views_still_open(self):
        Partner = self.env["res.partner"].with_user(self.analyst)
        views = Partner.get_views([(False, "list"), (False, "form")])
        spec = {name: {} for name in ("name", "email", "phone", "street", "city")}
        result = Partner.web_search_read([("id", "=", self.cust_a.id)], spec)
        self.assertEqual(result["records"][0]["email"], False)
        [form] = self.cust_a.with_user(self.analyst).web_read(spec)
        self.assertEqual((form["name"], form["phone"]), ("Customer A", False))
        self.assertIn("form", views["views"])

    def test_hidden_fields_are_no_search_oracle(self):
        Partner = self.env["res.partner"].with_user(self.analyst)
        self.assertFalse(Partner.search([("email", "=", "a.customer@example.com")]))
        self.assertFalse(Partner.search([("phone", "ilike", "2123")]))
        self.assertFalse(Partner.name_search("a.customer@example.com"))
        # the name still finds the customer
        self.assertIn(self.cust_a.id, [r[0] for r in Partner.name_search("Customer A")])
        FinPartner = self.env["res.partner"].with_user(self.analyst_fin)
        self.assertEqual(FinPartner.search([("email", "=", "a.customer@example.com")]), self.cust_a)

    def test_explicit_export_and_grouping_refused(self):
        with self.assertRaises(AccessError):
            self.cust_a.with_user(self.analyst).export_data(["name", "email"])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.analyst).read_group([], ["__count"], ["phone"])
        # related path from another model
        with self.assertRaises(AccessError):
            self.lead_a_own.with_user(self.analyst).export_data(["partner_id/email"])

    def test_leads_contact_fields_capped_too(self):
        self.lead_a_own.write({"email_from": "lead@example.com", "partner_id": self.cust_a.id})
        [vals] = self.lead_a_own.with_user(self.analyst).read(["name", "email_from"])
        self.assertEqual((vals["name"], vals["email_from"]), ("A own", False))

    def test_clearance_follows_the_department(self):
        Classification = self.env["crm.privacy.field.classification"]
        self.assertEqual(Classification._get_user_clearance(self.analyst), "internal")
        self.assertEqual(Classification._get_user_clearance(self.analyst_fin), "confidential")
        self.analyst.retail_department_id = self.dept_finance
        [vals] = self.cust_a.with_user(self.analyst).read(["email"])
        self.assertEqual(vals["email"], "a.customer@example.com")
        self.dept_finance.clearance = "internal"
        [vals] = self.cust_a.with_user(self.analyst).read(["email"])
        self.assertFalse(vals["email"])

    def test_admin_officer_and_staff_not_capped(self):
        for user in (self.retail_admin, self.privacy_officer, self.staff_a):
            [vals] = self.cust_a.with_user(user).read(["email"])
            self.assertEqual(vals["email"], "a.customer@example.com", user.login)

    def test_display_name_carries_no_field_above_the_clearance(self):
        """Odoo's show_email / show_address contexts append the e-mail and
        the address to a customer's name: not for an analyst who may not read
        them."""
        for analyst, shown in ((self.analyst, False), (self.analyst_fin, True)):
            partner = self.cust_a.with_user(analyst)
            with_email = partner.with_context(show_email=True).display_name
            self.assertEqual("a.customer@example.com" in with_email, shown)
            with_address = partner.with_context(show_address=True).display_name
            self.assertEqual("Queen's Road" in with_address, shown)
            # Odoo reads a many2one's name in sudo: still the analyst's cap
            in_sudo = partner.sudo().with_context(show_email=True).display_name
            self.assertEqual("a.customer@example.com" in in_sudo, shown)
            [(_id, name)] = [
                (r["id"], r["display_name"])
                for r in partner.with_context(show_email=True).web_read({"display_name": {}})
            ]
            self.assertEqual("a.customer@example.com" in name, shown)
