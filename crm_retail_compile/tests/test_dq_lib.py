"""Pure tests of lib/data_quality.py (no database)."""

import unittest

from ..lib import data_quality as dq


class TestDataQualityLib(unittest.TestCase):
    def test_hk_phone_numbers(self):
        for number in ("9123 4567", "+852 9123 4567", "85221234567", "2345-6789", "5123 4567"):
            self.assertTrue(dq.is_valid_phone(number), number)
        for number in ("1234 5678", "4123 4567", "123", "abc", "+852 1234", "9123 456"):
            self.assertFalse(dq.is_valid_phone(number), number)
        self.assertTrue(dq.is_valid_phone(""))
        self.assertTrue(dq.is_valid_phone(None))

    def test_foreign_numbers_use_their_region(self):
        self.assertTrue(dq.is_valid_phone("+44 20 7946 0958"))
        self.assertTrue(dq.is_valid_phone("+86 139 1234 5678"))
        self.assertFalse(dq.is_valid_phone("+44 123"))

    def test_fast_path_agrees_with_phonenumbers(self):
        for prefix in range(10):
            for rest in ("0000000", "1234567", "9999999", "5550123"):
                number = f"{prefix}{rest}"
                self.assertEqual(dq.is_valid_phone(number), dq._full_check(number), number)

    def test_normalize_phone(self):
        self.assertEqual(dq.normalize_phone("+852 6123-4567"), "61234567")
        self.assertEqual(dq.normalize_phone("61234567"), "61234567")
        self.assertEqual(dq.normalize_phone("+86 139 1234 5678"), "8613912345678")
        self.assertEqual(dq.normalize_phone(None), "")

    def test_invalid_phone_rows(self):
        rows = [(1, "9123 4567", None), (2, "1234 5678", "9123 4567"), (3, None, "abc")]
        self.assertEqual(dq.invalid_phone_rows(rows), [(2, "1234 5678"), (3, "abc")])

    def test_email(self):
        for email in ("a@b.hk", "tai.man+shop@example.com.hk", " x_y@mail.co "):
            self.assertTrue(dq.is_valid_email(email), email)
        for email in ("a@b", "no-at.example.com", "a@@b.com", "a b@c.com", "a@b.c"):
            self.assertFalse(dq.is_valid_email(email), email)

    def test_placeholders(self):
        words = dq.parse_placeholders(" Test, xxx ,n/a,, unknown")
        self.assertEqual(words, ["n/a", "test", "unknown", "xxx"])
        for name in ("test", "TEST 2", " xxx123", "N/A", "unknown"):
            self.assertTrue(dq.is_placeholder_name(name, words), name)
        for name in ("Testa Chan", "Chan Tai Man", "n-a", "xxxx y"):
            self.assertFalse(dq.is_placeholder_name(name, words), name)
        self.assertIsNone(dq.placeholder_regex([]))

    def test_quality_score(self):
        self.assertEqual(dq.quality_score([]), 100)
        self.assertEqual(dq.quality_score(["low", "high"]), 88)
        self.assertEqual(dq.quality_score({"critical": 3, "medium": 1}), 35)
        self.assertEqual(dq.quality_score(["critical"] * 10), 0)

    def test_supplement_channel(self):
        self.assertEqual(dq.supplement_channel(True, False), "call")
        self.assertEqual(dq.supplement_channel(False, True), "email")
        self.assertEqual(dq.supplement_channel(False, False), "visit")

    def test_reconciliation_plan_is_idempotent(self):
        current = {1: "a", 2: "b", 5: "e"}
        open_issues = {2: 20, 3: 30}
        create, refresh, resolve = dq.plan_reconciliation(current, open_issues)
        self.assertEqual((create, refresh, resolve), ([1, 5], [20], [30]))
        after = {2: 20, 1: 100, 5: 101}
        self.assertEqual(dq.plan_reconciliation(current, after), ([], [20, 100, 101], []))
