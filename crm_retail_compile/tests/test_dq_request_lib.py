"""Pure tests of lib/dq_request.py, the rules of the data-quality request to
a customer (no database)."""

import unittest
from datetime import datetime

from ..lib import data_quality as dq
from ..lib import dq_request as dqr

PLACEHOLDERS = dq.parse_placeholders(dq.DEFAULT_PLACEHOLDERS)


def no_birthday_error(day, month, year):
    return None


def parse(keys, form, districts=(7,), birthday_error=no_birthday_error):
    return dqr.parse_answer(keys, form, PLACEHOLDERS, lambda d: d in districts, birthday_error)


class TestWhatToAsk(unittest.TestCase):
    def test_each_fixable_check_asks_only_customer_fields(self):
        for check, keys in dqr.CHECK_ASKS.items():
            self.assertTrue(keys, check)
            self.assertTrue(set(keys) <= set(dqr.ASKABLE_FIELDS), check)
        self.assertNotIn("duplicate_phone", dqr.CHECK_ASKS)

    def test_keys_in_page_order_merged_per_customer(self):
        rows = [
            (1, "no_district", False, False),
            (1, "placeholder_name", False, False),
            (1, "no_contact", False, False),
            (2, "invalid_email", False, False),
            (3, "duplicate_phone", False, False),  # staff work
        ]
        self.assertEqual(
            dqr.keys_for_issues(rows),
            {1: ["name", "email", "mobile", "district"], 2: ["email"], 3: []},
        )

    def test_invalid_phone_asks_the_invalid_number(self):
        rows = [
            (1, "invalid_phone", "9123 4567", "1234"),  # the phone is wrong
            (2, "invalid_phone", "1234", "2345 6789"),  # the mobile
            (3, "invalid_phone", "1234", "4123 4567"),  # both
            (4, "invalid_phone", "9123 4567", False),  # fixed since: the mobile
        ]
        self.assertEqual(
            dqr.keys_for_issues(rows),
            {1: ["phone"], 2: ["mobile"], 3: ["mobile", "phone"], 4: ["mobile"]},
        )

    def test_asked_keys_drop_unknown_keys(self):
        self.assertEqual(dqr.asked_keys("name,tier,email,,x"), ["name", "email"])
        self.assertEqual(dqr.asked_keys(False), [])

    def test_plan_counts_the_customers_not_asked_by_reason(self):
        keys_of = {1: ["email"], 2: ["email"], 3: ["mobile"]}
        channels = {1: "email", 3: None}
        asked, skipped = dqr.plan_requests([1, 2, 3, 4], keys_of, {2}, channels.get)
        self.assertEqual(asked, {1: "email"})
        self.assertEqual(skipped, {"recent": 1, "no_channel": 1, "nothing": 1})


class TestChannel(unittest.TestCase):
    def channel(self, email="a@example.com", email_bl=False, number="9123 4567", **kw):
        return dqr.usable_channel(
            email,
            email_bl,
            number,
            kw.get("sanitized", "+85291234567"),
            kw.get("number_bl", False),
            kw.get("preferred", False),
        )

    def test_email_first_unless_sms_preferred(self):
        self.assertEqual(self.channel(), "email")
        self.assertEqual(self.channel(preferred="sms"), "sms")
        self.assertEqual(self.channel(preferred="sms", number_bl=True), "email")

    def test_invalid_or_blacklisted_contacts_are_not_used(self):
        self.assertEqual(self.channel(email="not-an-email"), "sms")
        self.assertEqual(self.channel(email_bl=True), "sms")
        self.assertIsNone(self.channel(email=False, number="1234"))
        self.assertIsNone(self.channel(email=False, sanitized=False))
        self.assertIsNone(self.channel(email=False, number=False))
        self.assertIsNone(self.channel(email=False, number_bl=True))


class TestMasksAndPrefill(unittest.TestCase):
    def test_masks(self):
        self.assertEqual(dqr.mask_email("chan.taiman@example.com"), "c**********@example.com")
        self.assertEqual(dqr.mask_email("ab@x.hk"), "a***@x.hk")
        self.assertEqual(dqr.mask_email(False), "")
        self.assertEqual(dqr.mask_phone("+852 9123 4567"), "+*** **** **67")
        self.assertEqual(dqr.mask_phone(False), "")

    def test_masked_current_shows_only_what_is_asked_and_known(self):
        values = {"email": "chan@example.com", "mobile": "+852 9123 4567", "phone": False}
        self.assertEqual(
            dqr.masked_current(["email", "mobile", "phone", "birthday"], values),
            {"email": "c***@example.com", "mobile": "+*** **** **67"},
        )
        self.assertEqual(
            dqr.masked_current(["birthday"], {"birthday_month": 5}), {"birthday": "** / ** / ****"}
        )

    def test_prefill_only_district_and_address(self):
        address = {"street": "1 Queen's Road", "street2": False, "city": "Central"}
        self.assertEqual(
            dqr.prefill(["district", "address", "email"], 7, address),
            {"district_id": "7", "street": "1 Queen's Road", "street2": "", "city": "Central"},
        )
        self.assertEqual(dqr.prefill(["district"], False, address), {})


class TestAnswer(unittest.TestCase):
    def test_valid_answer_is_normalised(self):
        form = {
            "name": "  Chan Tai Man ",
            "email": " chan@example.com ",
            "mobile": "91234567",
            "district_id": "7",
            "birthday_day": "29",
            "birthday_month": "2",
            "birthday_year": "",
            "street": "1 Queen's Road",
            "city": " ",
        }
        vals, errors = parse(list(dqr.ASKABLE_FIELDS), form)
        self.assertEqual(errors, {})
        self.assertEqual(
            vals,
            {
                "name": "Chan Tai Man",
                "email": "chan@example.com",
                "mobile": "+852 9123 4567",
                "district_id": 7,
                "birthday_day": 29,
                "birthday_month": 2,
                "birthday_year": 0,
                "street": "1 Queen's Road",
            },
        )

    def test_only_asked_keys_are_read(self):
        vals, errors = parse(["email"], {"email": "a@example.com", "name": "Eve"})
        self.assertEqual((vals, errors), ({"email": "a@example.com"}, {}))

    def test_each_invalid_value_names_its_rule(self):
        form = {
            "name": "Test 2",
            "email": "chan@",
            "mobile": "1234",
            "phone": "x" * 100,
            "district_id": "99",
            "birthday_day": "3a",
        }
        vals, errors = parse(["name", "email", "mobile", "phone", "district", "birthday"], form)
        self.assertEqual(vals, {})
        codes = {key: error.code for key, error in errors.items()}
        self.assertEqual(
            codes,
            {
                "name": "placeholder_name",
                "email": "email",
                "mobile": "phone",
                "phone": "phone",
                "district": "district",
                "birthday": "birthday_digits",
            },
        )
        self.assertEqual(errors["email"].params, {"email": "chan@"})
        self.assertEqual(errors["mobile"].params, {"number": "1234"})
        # the texts are cut before being checked (40 characters for a number)
        self.assertEqual(errors["phone"].params, {"number": "x" * 40})

    def test_district_must_be_a_plausible_id(self):
        for raw in ("abc", "-1", "99999999999", "1.5"):
            _vals, errors = parse(["district"], {"district_id": raw}, districts=())
            self.assertEqual(errors["district"].code, "district", raw)

    def test_birthday_uses_the_given_rule(self):
        calls = []

        def rule(day, month, year):
            calls.append((day, month, year))
            return "the month must be between 1 and 12" if month > 12 else None

        form = {"birthday_day": "1", "birthday_month": "13", "birthday_year": "1990"}
        _vals, errors = parse(["birthday"], form, birthday_error=rule)
        self.assertEqual(errors["birthday"].code, "birthday")
        self.assertEqual(errors["birthday"].params, {"error": "the month must be between 1 and 12"})
        self.assertEqual(calls, [(1, 13, 1990)])

    def test_an_empty_answer_is_refused(self):
        vals, errors = parse(["name", "address"], {"name": " ", "street": ""})
        self.assertEqual(vals, {})
        self.assertEqual(list(errors), ["form"])
        self.assertEqual(errors["form"].code, "empty")

    def test_non_text_values_are_ignored(self):
        vals, errors = parse(["email", "address"], {"email": ["a@b.hk"], "street": 5})
        self.assertEqual((vals, list(errors)), ({}, ["form"]))

    def test_given_keys(self):
        vals = {"email": "a@example.com", "city": "Central"}
        self.assertEqual(dqr.given_keys(["name", "email", "address"], vals), ["email", "address"])


class TestLinksAndDates(unittest.TestCase):
    def test_tokens(self):
        token, code = dqr.new_token(), dqr.new_short_code()
        self.assertEqual((len(token), len(code)), (32, 12))
        self.assertNotEqual(token, dqr.new_token())
        self.assertTrue(dqr.token_matches(token, token))
        self.assertFalse(dqr.token_matches(token, token[:-1] + "?"))
        self.assertFalse(dqr.token_matches(False, token))

    def test_plausible_ids_and_tokens(self):
        self.assertTrue(dqr.plausible_id(5))
        for value in (0, -1, 2**31, True, "5", None):
            self.assertFalse(dqr.plausible_id(value), value)
        self.assertTrue(dqr.plausible_token("a" * 64))
        for value in ("", "a" * 65, None, 5):
            self.assertFalse(dqr.plausible_token(value), value)

    def test_settings(self):
        self.assertEqual(dqr.param_int("7", 14), 7)
        self.assertEqual(dqr.param_int("-3", 14), 0)
        for value in (None, False, "", "seven"):
            self.assertEqual(dqr.param_int(value, 14), 14, value)
        for value in ("1", "True", " yes "):
            self.assertTrue(dqr.param_on(value), value)
        for value in ("0", "no", "", None, False):
            self.assertFalse(dqr.param_on(value), value)

    def test_dates(self):
        sent = datetime(2026, 1, 31, 9, 0)
        self.assertEqual(dqr.expiry_date(sent, 30), datetime(2026, 3, 2, 9, 0))
        self.assertEqual(dqr.resend_cutoff(sent, 14), datetime(2026, 1, 17, 9, 0))
        now = datetime(2026, 3, 3)
        self.assertTrue(dqr.is_expired("sent", datetime(2026, 3, 2), now))
        self.assertFalse(dqr.is_expired("sent", datetime(2026, 3, 4), now))
        self.assertFalse(dqr.is_expired("answered", datetime(2026, 3, 2), now))
        self.assertFalse(dqr.is_expired("sent", False, now))

    def test_language(self):
        installed = {"en_US": "English", "zh_HK": "Chinese"}
        self.assertEqual(dqr.preferred_lang("zh_HK", installed, "en_US"), "zh_HK")
        self.assertEqual(dqr.preferred_lang("zh_HK", {"en_US": "English"}, False), "en_US")
        self.assertEqual(dqr.preferred_lang(False, installed, "zh_HK"), "zh_HK")
