"""Pure tests of lib/api_schema.py (no database): every value an XML-RPC
client can send that Python or PostgreSQL cannot hold, or that no business
means, is refused with a message naming the field."""

import unittest

from ..lib import api_schema as schema
from ..lib.api_schema import ApiInputError

NAN, INF = float("nan"), float("inf")
CONSENT_CHOICES = {
    "channel": ("email", "sms", "phone", "whatsapp", "post"),
    "kind": ("opt_in", "opt_out"),
    "source": ("form", "pos", "web", "phone", "email", "blacklist", "app"),
    "use": ("own_use", "third_party", "third_party_gain"),
}
ORDER = {"external_ref": "WEB-1", "customer": 1, "lines": [{"product": "RING"}]}


class TestApiSchema(unittest.TestCase):
    def assertRefused(self, func, *args, field):
        with self.assertRaises(ApiInputError) as info:
            func(*args)
        self.assertIn(field, str(info.exception))
        return str(info.exception)

    def test_non_finite_and_overflowing_numbers_are_refused(self):
        for key in ("qty", "price_unit", "discount"):
            for value in (NAN, INF, -INF, 1e300 * 1e300, 1e16, 10**40):
                with self.subTest(key=key, value=value):
                    self.assertRefused(
                        schema.clean_order_line, {"product": "RING", key: value}, field=key
                    )
        line = schema.clean_order_line({"product": "RING", "qty": 2, "price_unit": 4800.5})
        self.assertEqual(line, {"product_uom_qty": 2, "price_unit": 4800.5})
        self.assertRefused(schema.clean_order_line, {"product": "RING", "qty": 0}, field="qty")

    def test_wrong_types_are_refused(self):
        self.assertRefused(schema.clean_order_line, {"product": "RING", "qty": True}, field="qty")
        self.assertRefused(schema.clean_order_line, {"product": "RING", "qty": "2"}, field="qty")
        self.assertRefused(schema.clean_order_line, {"product": {"a": 1}}, field="product")
        self.assertRefused(schema.clean_order_line, "RING", field="line")
        self.assertRefused(schema.clean_order, dict(ORDER, confirm=1), field="confirm")
        self.assertRefused(schema.clean_order, dict(ORDER, external_ref=[1]), field="external_ref")
        self.assertRefused(schema.clean_order, dict(ORDER, branch={"a": 1}), field="branch")
        self.assertRefused(schema.clean_order, dict(ORDER, lines={"a": 1}), field="lines")
        self.assertRefused(
            schema.clean_customer, {"email": "a@example.com", "birthday_day": True}, field="day"
        )
        self.assertRefused(schema.clean_customer, {"email": {"a": 1}}, field="email")
        self.assertRefused(
            schema.clean_report_args, "code", None, None, [1, {"a": 1}], field="branch_codes[0]"
        )
        self.assertRefused(
            schema.clean_report_args, "code", None, None, "CEN", field="branch_codes"
        )
        self.assertRefused(
            schema.clean_report_args, {"a": 1}, None, None, [], field="template_code"
        )
        self.assertEqual(
            schema.clean_report_args("code", None, None, ["CEN", "MK"])["branch_codes"],
            ["CEN", "MK"],
        )

    def test_over_long_strings_are_refused(self):
        consent = {"customer": 1, "channel": "email"}
        self.assertRefused(
            schema.clean_consent, dict(consent, source="x" * 300), CONSENT_CHOICES, field="source"
        )
        self.assertRefused(
            schema.clean_consent,
            dict(consent, evidence="x" * 2001),
            CONSENT_CHOICES,
            field="evidence",
        )
        kept = schema.clean_consent(dict(consent, evidence="x" * 2000), CONSENT_CHOICES)
        self.assertEqual(len(kept["evidence"]), 2000)
        self.assertRefused(
            schema.clean_order, dict(ORDER, external_ref="R" * 65), field="external_ref"
        )
        self.assertRefused(schema.clean_order, dict(ORDER, note="n" * 2001), field="note")
        self.assertRefused(
            schema.clean_customer, {"email": "a@example.com", "name": "x" * 257}, field="name"
        )
        self.assertRefused(
            schema.clean_customer, {"membership_number": "M" * 33}, field="membership_number"
        )
        self.assertRefused(
            schema.clean_customer, {"email": "a@example.com", "branch": "B" * 33}, field="branch"
        )
        self.assertRefused(schema.clean_order_line, {"product": "P" * 65}, field="product")

    def test_absurd_dates_are_refused(self):
        for value in (
            "0001-01-01",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59Z",
            "1899-12-31",
        ):
            with self.subTest(value=value):
                self.assertRefused(schema.clean_order, dict(ORDER, date=value), field="date")
                self.assertRefused(
                    schema.clean_report_args, "c", value, None, [], field="date_from"
                )
        self.assertEqual(
            schema.clean_order(dict(ORDER, date="2026-03-01T09:00:00Z"))["date"].hour, 9
        )
        self.assertRefused(
            schema.clean_customer,
            {"email": "a@example.com", "birthday_year": 1},
            field="birthday_year",
        )
        self.assertRefused(
            schema.clean_customer,
            {"email": "a@example.com", "birthday_year": 9999},
            field="birthday_year",
        )
        values, _refs = schema.clean_customer({"email": "a@example.com", "birthday_year": 0})
        self.assertEqual(values["birthday_year"], 0, "0: year unknown")

    def test_order_channel(self):
        # not given: decided by the order's branch (crm_retail_api_order.py)
        self.assertFalse(schema.clean_order(ORDER)["channel"])
        for channel in ("store", "online", "wholesale", "phone"):
            self.assertEqual(schema.clean_order(dict(ORDER, channel=channel))["channel"], channel)
        for bad in ("fax", "Online", 7, True, ["store"], {"a": 1}):
            with self.subTest(channel=bad):
                message = self.assertRefused(
                    schema.clean_order, dict(ORDER, channel=bad), field="channel"
                )
                self.assertIn("must be one of store, online, wholesale, phone", message)

    def test_unknown_keys_are_refused_with_the_allowed_ones(self):
        message = self.assertRefused(schema.clean_order, dict(ORDER, shoe=1), field="shoe")
        self.assertIn(
            "allowed: branch, channel, confirm, customer, date, external_ref, lines, note",
            message,
        )
        self.assertRefused(schema.clean_order_line, {"product": "RING", "tax": 1}, field="tax")
        message = self.assertRefused(
            schema.clean_consent,
            {"customer": 1, "channel": "sms", "x": 1},
            CONSENT_CHOICES,
            field="x",
        )
        self.assertIn("allowed:", message)
        self.assertRefused(
            schema.clean_customer,
            {"email": "a@example.com", "hkid_number": "A1"},
            field="hkid_number",
        )
        self.assertRefused(
            schema.clean_activity, {"kind": "visit", "pwd": 1}, {"visit": "Visit"}, {}, field="pwd"
        )

    def test_consent_choices(self):
        self.assertRefused(
            schema.clean_consent, {"channel": "pigeon"}, CONSENT_CHOICES, field="channel"
        )
        self.assertRefused(
            schema.clean_consent, {"kind": "opt_in"}, CONSENT_CHOICES, field="channel"
        )
        self.assertRefused(
            schema.clean_consent, {"channel": "sms", "use": 1}, CONSENT_CHOICES, field="use"
        )
        self.assertRefused(
            schema.clean_consent,
            {"channel": "sms", "purpose": 1.5},
            CONSENT_CHOICES,
            field="purpose",
        )
        self.assertEqual(
            schema.clean_consent({"channel": "sms", "purpose": "promotions"}, CONSENT_CHOICES),
            {
                "purpose": "promotions",
                "channel": "sms",
                "kind": "opt_in",
                "source": "web",
                "use": "own_use",
                "evidence": False,
            },
        )
