from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PrivacyCommon


@tagged("post_install", "-at_install")
class TestRestrictedIdentifiers(PrivacyCommon):
    def test_hkid_requires_purpose(self):
        with self.assertRaises(ValidationError):
            self.cust_yes.write({"hkid_number": "A123456(3)"})
        self.cust_yes.write({"hkid_number": "a123456 3", "identifier_purpose": "aml_cdd"})
        self.assertEqual(self.cust_yes.hkid_number, "A123456(3)")
        self.assertEqual(self.cust_yes.hkid_masked, "A******(*)")

    def test_hkid_check_digit_validated(self):
        with self.assertRaises(ValidationError):
            self.cust_yes.write({"hkid_number": "A123456(4)", "identifier_purpose": "aml_cdd"})

    def test_restricted_field_invisible_to_retail_user(self):
        self.cust_yes.write({"hkid_number": "A123456(3)", "identifier_purpose": "aml_cdd"})
        partner = self.cust_yes.with_user(self.retail_user)
        # fields_get hides the field
        self.assertNotIn("hkid_number", partner.fields_get())
        self.assertNotIn("passport_number", partner.fields_get())
        self.assertIn("hkid_masked", partner.fields_get())
        # explicit read / search_read / search are refused
        with self.assertRaises(AccessError):
            partner.read(["hkid_number"])
        with self.assertRaises(AccessError):
            partner.search_read([("id", "=", partner.id)], ["hkid_number"])
        with self.assertRaises(AccessError):
            partner.search([("hkid_number", "=", "A123456(3)")])
        with self.assertRaises(AccessError):
            partner.write({"hkid_number": "B123456(0)"})
        # list export of the field is refused too
        with self.assertRaises(AccessError):
            partner.export_data(["name", "hkid_number"])
        # but the masked value is visible
        self.assertEqual(partner.read(["hkid_masked"])[0]["hkid_masked"], "A******(*)")
        # the privacy officer reads it
        self.assertEqual(
            self.cust_yes.with_user(self.officer).read(["hkid_number"])[0]["hkid_number"],
            "A123456(3)",
        )

    def test_restricted_fields_api(self):
        Classif = self.env["crm.privacy.field.classification"]
        restricted = Classif._get_restricted_fields("res.partner", self.retail_user)
        self.assertIn("hkid_number", restricted)
        self.assertIn("passport_number", restricted)
        self.assertNotIn("email", restricted)
        self.assertFalse(Classif._get_restricted_fields("res.partner", self.officer))
        self.assertEqual(Classif._get_user_clearance(self.officer), "restricted")
        self.assertEqual(Classif._get_user_clearance(self.retail_user), "confidential")
        plain = self.env["res.users"].create({"name": "Plain", "login": "plain_pdpo"})
        self.assertIn("email", Classif._get_restricted_fields("res.partner", plain))
        visible = Classif._get_visible_fields(
            "res.partner", ["name", "hkid_number"], self.retail_user
        )
        self.assertEqual(visible, ["name"])
        with self.assertRaises(UserError):
            Classif._get_restricted_fields("no.such.model", self.officer)
        with self.assertRaises(UserError):
            Classif._get_user_clearance("not a user")
