from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestRetailProfile(RetailCommon):
    def test_enrolment_assigns_unique_number_from_sequence(self):
        customers = self.env["res.partner"].create([{"name": "New 1"}, {"name": "New 2"}])
        customers.with_user(self.staff_a).action_enrol()
        numbers = customers.mapped("membership_number")
        self.assertTrue(all(n and n.startswith("M") for n in numbers))
        self.assertEqual(len(set(numbers)), 2)
        self.assertTrue(all(customers.mapped("is_retail_customer")))
        self.assertTrue(all(customers.mapped("enrolment_date")))
        self.assertEqual(
            customers.membership_tier_id, self.env.ref("crm_retail_compile.membership_tier_classic")
        )
        # enrolling again keeps the number
        customers.action_enrol()
        self.assertEqual(customers.mapped("membership_number"), numbers)

    def test_duplicate_membership_number_is_refused(self):
        self.cust_a.membership_number = "M-DUP-1"
        with self.assertRaises(ValidationError):
            self.cust_b.membership_number = "M-DUP-1"
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "Dup", "membership_number": "M-DUP-1"})

    def test_impossible_birthdays_are_refused(self):
        for day, month, year in [
            (31, 4, 0),  # 31 April
            (30, 2, 0),  # 30 February
            (29, 2, 2023),  # not a leap year
            (1, 13, 0),  # month 13
            (0, 5, 0),  # month without day
            (12, 5, 2999),  # born in the future
            (12, 5, 1800),
        ]:
            with (
                self.subTest(day=day, month=month, year=year),
                self.assertRaises(ValidationError),
            ):
                self.cust_a.write(
                    {"birthday_day": day, "birthday_month": month, "birthday_year": year}
                )

    def test_possible_birthdays_are_accepted(self):
        for day, month, year in [(29, 2, 0), (29, 2, 2000), (31, 12, 1990), (1, 1, 0)]:
            self.cust_a.write({"birthday_day": day, "birthday_month": month, "birthday_year": year})
        self.cust_a.write({"birthday_day": 29, "birthday_month": 2, "birthday_year": 0})
        self.assertEqual(str(self.cust_a._get_birthday_date(2023)), "2023-02-28")
        self.assertEqual(str(self.cust_a._get_birthday_date(2024)), "2024-02-29")

    def test_unknown_district_is_refused(self):
        with self.assertRaises(ValidationError):
            self.cust_a.write({"district_id": 987654321})
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "X", "district_id": 987654321})
        self.cust_a.write({"district_id": self.district.id})
        self.assertEqual(self.cust_a.district_id.name_zh, "中西區")

    def test_all_eighteen_districts_are_there(self):
        self.assertEqual(self.env["crm.hk.district"].search_count([]), 18)

    def test_lead_conversion_creates_retail_customer_in_lead_branch(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.staff_a)
            .create(
                {
                    "name": "Wedding bands",
                    "contact_name": "Ho Man Yee 何文儀",
                    "type": "opportunity",
                }
            )
        )
        partner = lead._create_customer()
        self.assertTrue(partner.is_retail_customer)
        self.assertEqual(partner.retail_branch_id, self.branch_a)
