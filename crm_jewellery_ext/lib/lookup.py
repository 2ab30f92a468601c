"""Cross-branch status lookup: what a query may match, plain Python.

Staff of any branch may ask for the status of a custom order or repair by its
exact reference or by the customer's full phone number. Partial queries are
refused so that the lookup cannot be used to list other branches' customers.
"""

import re

MIN_REFERENCE_LENGTH = 5
HK_PHONE_DIGITS = 8
MAX_RESULTS = 10


class LookupError_(ValueError):
    """The query is too vague to be answered."""


def phone_digits(value):
    """The last 8 digits of a Hong Kong phone number (country code dropped)."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("852") and len(digits) == HK_PHONE_DIGITS + 3:
        digits = digits[3:]
    return digits


def classify(query):
    """('phone', digits) or ('reference', text) for a query; raise when vague."""
    query = (query or "").strip()
    digits = phone_digits(query)
    if re.fullmatch(r"[\d\s()+-]+", query or "x") and len(digits) >= HK_PHONE_DIGITS:
        return "phone", digits[-HK_PHONE_DIGITS:]
    if len(query) < MIN_REFERENCE_LENGTH:
        raise LookupError_(query)
    return "reference", query.upper()


def mask_phone(value):
    digits = phone_digits(value)
    if len(digits) < 4:
        return ""
    return "****" + digits[-4:]
