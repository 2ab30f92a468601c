"""Which contacts get the retail customers' phone and e-mail rule (issue 18).

A retail customer (flagged *Retail Customer*: the retail customer forms, the
integration API, enrolment, a customer created from a lead of a branch) has
its phone numbers checked and stored as "+852 9123 4567" (foreign numbers
with their country code, in the international format, only when they are
valid numbers). Every other contact keeps Odoo's behaviour: what Odoo's own
flows create (a lead without a branch converted to a customer, a vendor, a
contact of a company) is stored as entered, never refused.
"""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RetailCommon

US_PHONE = "678-728-0949"
US_INTERNATIONAL = "+1 202 555 9999"


@tagged("post_install", "-at_install")
class TestContactBoundary(RetailCommon):
    def convert(self, lead):
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
            .create({})
        )
        wizard.write({"action": "create", "name": "convert"})
        wizard.action_apply()
        return lead.partner_id

    def test_lead_without_branch_creates_an_ordinary_contact(self):
        """Odoo's flow (crm's own tests): the numbers are kept as entered."""
        lead = self.env["crm.lead"].create(
            {
                "name": "B2B enquiry",
                "contact_name": "Amy Wong",
                "email_from": "amy.wong@example.com",
                "phone": US_INTERNATIONAL,
                "mobile": US_PHONE,
                "country_id": self.env.ref("base.us").id,
                "retail_branch_id": False,
            }
        )
        self.assertFalse(lead.retail_branch_id)
        partner = self.convert(lead)
        self.assertTrue(partner)
        self.assertFalse(partner.is_retail_customer)
        self.assertEqual(partner.phone, US_INTERNATIONAL)
        self.assertEqual(partner.mobile, US_PHONE)
        # the suggested-recipient values of such a lead create a contact too
        values = lead._prepare_customer_values("Amy Wong")
        self.assertNotIn("is_retail_customer", values)

    def test_lead_of_a_branch_creates_a_retail_customer(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Ring enquiry",
                "contact_name": "Chan Tai Man",
                "email_from": "chan.taiman@example.com",
                "phone": "9123 4567",
                "mobile": US_INTERNATIONAL,
                "retail_branch_id": self.branch_a.id,
            }
        )
        partner = self.convert(lead)
        self.assertTrue(partner.is_retail_customer)
        self.assertEqual(partner.retail_branch_id, self.branch_a)
        self.assertEqual(partner.phone, "+852 9123 4567")
        # a valid foreign number with its country code: international format
        self.assertEqual(partner.mobile, "+1 202-555-9999")
        # a number that is no valid number is refused with what good looks like
        with self.assertRaises(ValidationError) as caught:
            partner.write({"mobile": US_PHONE})
        self.assertIn("+86 139 1234 5678", str(caught.exception))
        with self.assertRaises(ValidationError):
            partner.write({"mobile": "+1 999"})

    def test_lead_of_a_branch_refuses_a_bad_number_for_a_person_only(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Corporate gifts",
                "partner_name": "Gift Co Ltd",
                "phone": "12345",
                "retail_branch_id": self.branch_a.id,
            }
        )
        # a company is no retail customer: Odoo's behaviour, kept as entered
        values = lead._prepare_customer_values("Gift Co Ltd", is_company=True)
        self.assertNotIn("is_retail_customer", values)
        company = self.env["res.partner"].create(values)
        self.assertEqual(company.phone, "12345")
        # the person of that lead is a retail customer of the branch
        values = lead._prepare_customer_values("Mr Ho", parent_id=company.id)
        self.assertTrue(values["is_retail_customer"])
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(values)

    def test_staff_lead_is_a_retail_flow(self):
        """Leads of branch staff get their default branch, so their customers
        are retail customers checked like the ones of the customer form."""
        lead = (
            self.env["crm.lead"]
            .with_user(self.staff_a)
            .create({"name": "Walk-in", "contact_name": "Lee Siu Ming", "phone": "6123 4567"})
        )
        self.assertEqual(lead.retail_branch_id, self.branch_a)
        values = lead._prepare_customer_values("Lee Siu Ming")
        self.assertTrue(values["is_retail_customer"])
        self.assertEqual(values["retail_branch_id"], self.branch_a.id)

    def test_ordinary_contacts_keep_foreign_numbers(self):
        Partner = self.env["res.partner"]
        contact = Partner.create(
            {"name": "US Supplier", "phone": US_PHONE, "country_id": self.env.ref("base.us").id}
        )
        self.assertEqual(contact.phone, US_PHONE)
        contact.write({"mobile": US_INTERNATIONAL})
        self.assertEqual(contact.mobile, US_INTERNATIONAL)
        # once flagged as a retail customer, the rule applies to new numbers
        with self.assertRaises(ValidationError):
            contact.write({"is_retail_customer": True, "phone": US_PHONE})
        contact.write({"is_retail_customer": True, "phone": "+1 678-728-0949"})
        self.assertEqual(contact.phone, "+1 678-728-0949")
