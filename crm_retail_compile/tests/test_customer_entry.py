"""Forms that help: contact details validated and normalised at entry, one
phone key in Python and SQL, unknown values shown empty, the retail
profile first."""

import unittest

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..lib import data_quality as dq
from ..models.crm_dq_rule import phone_key_of_digits
from .common import RetailCommon

# (as typed, phone key, as stored by the form); None: refused
PHONE_FORMATS = [
    ("91234567", "91234567", "+852 9123 4567"),
    ("9123 4567", "91234567", "+852 9123 4567"),
    ("+852 9123-4567", "91234567", "+852 9123 4567"),
    ("(852) 2123 4567", "21234567", "+852 2123 4567"),
    ("85251234567", "51234567", "+852 5123 4567"),
    ("+852-3123-4567", "31234567", "+852 3123 4567"),
    ("+86 139 1234 5678", "8613912345678", "+86 139 1234 5678"),
    ("+44 20 7946 0958", "442079460958", "+44 20 7946 0958"),
    ("12345", "12345", None),
    ("1234 5678", "12345678", None),
    ("not a number", "", None),
    ("", "", ""),
]


class TestPhoneKeyLib(unittest.TestCase):
    def test_format_phone(self):
        for typed, _key, stored in PHONE_FORMATS:
            self.assertEqual(dq.format_phone(typed), stored, typed)

    def test_phone_key(self):
        for typed, key, _stored in PHONE_FORMATS:
            self.assertEqual(dq.phone_key(typed), key, typed)


@tagged("post_install", "-at_install")
class TestCustomerEntry(RetailCommon):
    def retail_form(self, user=None):
        Partner = self.env["res.partner"]
        if user:
            Partner = Partner.with_user(user)
        return Form(Partner.with_context(default_is_retail_customer=True))

    # --- one phone key ---------------------------------------------------------

    def test_sql_phone_key_is_generated_from_python(self):
        """The SQL function is the Python rule's generated body, and both
        agree on a table of formats (stored as typed, and as normalised)."""
        self.env.cr.execute(
            "SELECT prosrc FROM pg_proc WHERE proname = 'crm_phone_key' AND pronargs = 1"
        )
        self.assertEqual(self.env.cr.fetchone()[0], dq.phone_key_sql_body())
        values = [typed for typed, __, __ in PHONE_FORMATS]
        values += [stored for __, __, stored in PHONE_FORMATS if stored]
        values += [None, "852", "852 1234 5678 9", "+852 9123 45678"]
        rows = self.env.execute_query(
            SQL("SELECT v, crm_phone_key(v) FROM unnest(%s::text[]) AS v", values)
        )
        for value, key in rows:
            self.assertEqual(key, dq.phone_key(value), value)
        # the duplicate-phone rule's expression over extracted digits
        digits = [dq._NON_DIGIT_RE.sub("", v or "") for v in values]
        rows = self.env.execute_query(
            SQL(
                "SELECT n, %s FROM unnest(%s::text[]) AS d(n)",
                phone_key_of_digits(SQL("d.n")),
                digits,
            )
        )
        for value, key in rows:
            self.assertEqual(key, dq.phone_key(value), value)

    def test_jewellery_lookup_uses_the_same_key(self):
        try:
            from odoo.addons.crm_jewellery_ext.lib import lookup
        except ImportError:
            self.skipTest("crm_jewellery_ext is not installed")
        for typed, key, __ in PHONE_FORMATS:
            self.assertEqual(lookup.phone_digits(typed), key, typed)

    # --- phone and e-mail at entry ----------------------------------------------

    def test_bad_phone_refused_with_what_good_looks_like(self):
        form = self.retail_form(self.staff_a)
        form.name = "Chan Siu Ming"
        form.retail_branch_id = self.branch_a
        form.phone = "12345"
        with self.assertRaises(ValidationError) as caught:
            form.save()
        message = str(caught.exception)
        self.assertIn("'12345'", message)
        self.assertIn("+852 9123 4567", message)
        self.assertIn("8 digits", message)
        # corrected: normalised and saved
        form.phone = "9876 5432"
        partner = form.save()
        self.assertEqual(partner.phone, "+852 9876 5432")

    def test_numbers_normalised_foreign_kept(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Lau Ka Man",
                "is_retail_customer": True,
                "phone": "2123-4567",
                "mobile": "+86 139 1234 5678",
                "email": "  lau.ka.man@example.com ",
            }
        )
        self.assertEqual(partner.phone, "+852 2123 4567")
        self.assertEqual(partner.mobile, "+86 139 1234 5678")
        self.assertEqual(partner.email, "lau.ka.man@example.com")
        partner.write({"mobile": "61234567"})
        self.assertEqual(partner.mobile, "+852 6123 4567")
        with self.assertRaises(ValidationError):
            partner.write({"mobile": "+852 1234"})

    def test_bad_email_refused(self):
        form = self.retail_form()
        form.name = "Ho Mei"
        form.email = "not-an-email"
        with self.assertRaises(ValidationError) as caught:
            form.save()
        self.assertIn("'not-an-email'", str(caught.exception))
        self.assertIn("@example.com", str(caught.exception))

    def test_other_contacts_untouched(self):
        """Suppliers and Odoo's own contacts keep Odoo's behaviour."""
        vendor = self.env["res.partner"].create({"name": "Gold Ltd", "phone": "12345"})
        self.assertEqual(vendor.phone, "12345")

    def test_import_normalises_and_refuses(self):
        Partner = self.env["res.partner"]
        result = Partner.load(
            ["name", "is_retail_customer", "mobile"],
            [["Import One", "1", "9123 0001"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(Partner.browse(result["ids"]).mobile, "+852 9123 0001")
        result = Partner.load(
            ["name", "is_retail_customer", "mobile"], [["Import Two", "1", "12345"]]
        )
        self.assertFalse(result["ids"])
        self.assertIn("8 digits", str(result["messages"]))

    def test_duplicate_warning_only_for_visible_customers(self):
        self.cust_a.write({"mobile": "+852 6111 2222", "email": "dup.a@example.com"})
        self.cust_b.write({"mobile": "+852 6333 4444"})
        form = self.retail_form(self.staff_a)
        form.name = "New Customer"
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.mobile = "61112222"
        self.assertIn(self.cust_a.name, "\n".join(logs.output))
        self.assertEqual(form.mobile, "+852 6111 2222")
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.email = "DUP.A@example.com"
        self.assertIn(self.cust_a.name, "\n".join(logs.output))
        # a warning, not a refusal
        self.assertTrue(form.save())
        # staff of branch A cannot see branch B's customer: no warning naming them
        form = self.retail_form(self.staff_a)
        form.name = "Other Customer"
        with self.assertNoLogs("odoo.tests.form.onchange", "WARNING"):
            form.mobile = "6333 4444"

    def test_invalid_phone_warned_while_typing(self):
        form = self.retail_form()
        form.name = "Typing"
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.phone = "12345"
        self.assertIn("+852 9123 4567", "\n".join(logs.output))

    # --- unknown values and layout ---------------------------------------------

    def test_unknown_birthday_is_empty(self):
        form = self.retail_form(self.staff_a)
        form.name = "No Birthday"
        partner = form.save()
        self.assertEqual((partner.birthday_day, partner.birthday_month), (0, 0))
        self.assertFalse(partner.birthday_day_choice)
        self.assertFalse(partner.birthday_month_choice)
        self.assertFalse(partner.birthday_year_choice)
        with Form(partner.with_user(self.staff_a)) as form:
            form.birthday_day_choice = "29"
            form.birthday_month_choice = "2"
        self.assertEqual((partner.birthday_day, partner.birthday_month), (29, 2))
        self.assertEqual(partner.birthday_year, 0)
        with self.assertRaises(ValidationError), Form(partner) as form:
            form.birthday_day_choice = "31"
            form.birthday_month_choice = "4"

    def test_birthday_choices_hidden_like_the_birthday(self):
        classified = self.env["crm.privacy.field.classification"]._get_registry_map()
        for fname in ("birthday_day_choice", "birthday_month_choice", "birthday_year_choice"):
            self.assertIn(fname, classified["res.partner"])

    def test_retail_profile_is_the_first_tab(self):
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        pages = etree.fromstring(arch).xpath("//notebook/page")
        self.assertEqual(pages[0].get("name"), "retail_profile")
