"""Unit tests of the statutory rules: plain unittest, no database needed."""

import unittest
from datetime import date, datetime

from odoo.addons.crm_privacy_pdpo.models import pdpo_rules


class TestHkid(unittest.TestCase):
    def test_check_digit_single_letter(self):
        # Worked example: space*9 + A*8 + 1*7 ... 6*2 = 481, 11 - 481 % 11 = 3
        self.assertEqual(pdpo_rules.hkid_check_digit("A", "123456"), "3")
        self.assertTrue(pdpo_rules.is_valid_hkid("A123456(3)"))
        self.assertTrue(pdpo_rules.is_valid_hkid(" a123456 (3) "))
        self.assertTrue(pdpo_rules.is_valid_hkid("A1234563"))
        self.assertFalse(pdpo_rules.is_valid_hkid("A123456(4)"))

    def test_check_digit_two_letters_and_special_values(self):
        digit = pdpo_rules.hkid_check_digit("AB", "987654")
        self.assertTrue(pdpo_rules.is_valid_hkid(f"AB987654({digit})"))
        # Find cases where the check is 'A' (10) and '0' (11) and validate them
        seen = {}
        for n in range(200):
            digits = f"{n:06d}"
            seen.setdefault(pdpo_rules.hkid_check_digit("C", digits), digits)
        self.assertIn("A", seen)
        self.assertIn("0", seen)
        self.assertTrue(pdpo_rules.is_valid_hkid(f"C{seen['A']}(A)"))
        self.assertTrue(pdpo_rules.is_valid_hkid(f"C{seen['0']}(0)"))

    def test_bad_hkid_inputs(self):
        for value in (None, "", "123456(7)", "ABC123456(7)", "A12345(6)", "A123456(B)", 42):
            self.assertFalse(pdpo_rules.is_valid_hkid(value))
        with self.assertRaises(ValueError):
            pdpo_rules.hkid_check_digit("1", "123456")
        with self.assertRaises(ValueError):
            pdpo_rules.hkid_check_digit("A", "12345")

    def test_masking(self):
        # only the prefix letter(s): no digit, no check digit (issue 14)
        self.assertEqual(pdpo_rules.mask_hkid("A123456(3)"), "A******(*)")
        self.assertEqual(pdpo_rules.mask_hkid(" ab987654 (1) "), "AB******(*)")
        for value in ("A123456(3)", "Z683365(5)", "A1234563"):
            masked = pdpo_rules.mask_hkid(value)
            self.assertFalse(any(c.isdigit() for c in masked), masked)
        self.assertEqual(pdpo_rules.mask_hkid("12345"), "*****")
        self.assertEqual(pdpo_rules.mask_hkid(False), "")
        self.assertEqual(pdpo_rules.mask_identifier("K12345678"), "K12******")
        self.assertEqual(pdpo_rules.mask_identifier("AB"), "**")
        self.assertEqual(pdpo_rules.normalize_hkid(" a123456 3"), "A123456(3)")


class TestDeadlines(unittest.TestCase):
    def test_forty_day_deadline(self):
        self.assertEqual(pdpo_rules.statutory_due_date(date(2024, 1, 1)), date(2024, 2, 10))
        # leap year, month and year boundaries
        self.assertEqual(pdpo_rules.statutory_due_date(date(2024, 2, 20)), date(2024, 3, 31))
        self.assertEqual(pdpo_rules.statutory_due_date(date(2023, 12, 1)), date(2024, 1, 10))
        self.assertEqual(
            pdpo_rules.statutory_due_date(datetime(2024, 1, 1, 23, 59)), date(2024, 2, 10)
        )
        self.assertEqual(pdpo_rules.reminder_date(date(2024, 1, 1)), date(2024, 1, 31))
        with self.assertRaises(ValueError):
            pdpo_rules.statutory_due_date("2024-01-01")

    def test_overdue(self):
        due = date(2024, 2, 10)
        self.assertFalse(pdpo_rules.is_overdue(due, date(2024, 2, 10)))
        self.assertTrue(pdpo_rules.is_overdue(due, date(2024, 2, 11)))
        self.assertFalse(pdpo_rules.is_overdue(due, date(2024, 3, 1), complied=True))

    def test_refusal_log_locked_four_years(self):
        entry = date(2020, 3, 1)
        self.assertTrue(pdpo_rules.refusal_log_locked(entry, date(2024, 2, 29)))
        self.assertFalse(pdpo_rules.refusal_log_locked(entry, date(2024, 3, 1)))

    def test_disclosure_window(self):
        self.assertEqual(pdpo_rules.disclosure_window_start(date(2024, 6, 30)), date(2023, 6, 30))

    def test_retention_expiry(self):
        self.assertTrue(pdpo_rules.retention_expired(date(2020, 1, 1), date(2022, 1, 1), 24))
        self.assertFalse(pdpo_rules.retention_expired(date(2020, 1, 2), date(2022, 1, 1), 24))
        self.assertTrue(pdpo_rules.retention_expired(None, date(2022, 1, 1), 24))
        with self.assertRaises(ValueError):
            pdpo_rules.retention_expired(date(2020, 1, 1), date(2022, 1, 1), -1)


class TestFee(unittest.TestCase):
    def test_access_fee_direct_costs(self):
        fee = pdpo_rules.compute_request_fee(
            "access", pages=20, media=1, cost_per_page=1.0, cost_per_medium=10.0
        )
        self.assertEqual(fee, 30.0)

    def test_fee_cap(self):
        fee = pdpo_rules.compute_request_fee("access", pages=500, cost_per_page=1.0, cap=100.0)
        self.assertEqual(fee, 100.0)

    def test_correction_is_free(self):
        self.assertEqual(
            pdpo_rules.compute_request_fee("correction", pages=500, cost_per_page=5.0), 0.0
        )

    def test_bad_fee_input(self):
        with self.assertRaises(ValueError):
            pdpo_rules.compute_request_fee("access", pages=-1, cost_per_page=1.0)
        with self.assertRaises(ValueError):
            pdpo_rules.compute_request_fee("erasure")
