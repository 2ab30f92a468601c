"""Cross-branch status lookup: what a query may match, plain Python.

Staff of any branch may ask for the status of a custom order or repair by its
exact reference or by the customer's full phone number. Partial queries are
refused so that the lookup cannot be used to list other branches' customers.
"""

import re

from odoo.addons.crm_retail_compile.lib.data_quality import HK_LOCAL_DIGITS, phone_key

MIN_REFERENCE_LENGTH = 5
HK_PHONE_DIGITS = HK_LOCAL_DIGITS
MAX_RESULTS = 10


class LookupError_(ValueError):
    """The query is too vague to be answered."""


def phone_digits(value):
    """The phone key of a number (crm_retail_compile's one definition:
    digits, Hong Kong country code dropped)."""
    return phone_key(value)


def classify(query):
    """('phone', digits) or ('reference', text) for a query; raise when vague."""
    query = (query or "").strip()
    digits = phone_digits(query)
    if re.fullmatch(r"[\d\s()+-]+", query or "x") and len(digits) >= HK_PHONE_DIGITS:
        # the whole key (as the SQL function crm_phone_key gives it), so a
        # foreign number never matches a Hong Kong one ending the same way
        return "phone", digits
    if len(query) < MIN_REFERENCE_LENGTH:
        raise LookupError_(query)
    return "reference", query.upper()


def caller_key(number):
    """The phone key of a caller's number in any format (``9123 4567``,
    ``+852 9123-4567``, ``85291234567``, ``(852) 91234567``, a foreign number
    with its country code); raise when it is not a full phone number."""
    kind, value = classify(number)
    if kind != "phone":
        raise LookupError_(number)
    return value


def mask_phone(value):
    digits = phone_digits(value)
    if len(digits) < 4:
        return ""
    return "****" + digits[-4:]
