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
        return "phone", digits[-HK_PHONE_DIGITS:]
    if len(query) < MIN_REFERENCE_LENGTH:
        raise LookupError_(query)
    return "reference", query.upper()


def mask_phone(value):
    digits = phone_digits(value)
    if len(digits) < 4:
        return ""
    return "****" + digits[-4:]
