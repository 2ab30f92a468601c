"""Statutory rules of the Personal Data (Privacy) Ordinance (Cap. 486).

Plain Python, no ORM: every function here can be unit tested without a
database (see tests/test_pdpo_rules.py). The models only call these helpers.
"""

import re
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

# s.19(1): a data access request is complied with not later than 40 days
# after receiving it; s.23(1) uses the same period for correction requests.
STATUTORY_DAYS = 40
# Internal reminder, 10 days before the statutory deadline.
REMINDER_DAYS = 30
# s.27(2)(b): the log book entries are kept for not less than 4 years.
REFUSAL_LOG_RETENTION_YEARS = 4
# s.23(1)(c): third parties who received the data in the previous 12 months.
DISCLOSURE_LOOKBACK_MONTHS = 12

HKID_RE = re.compile(r"^([A-Z]{1,2})([0-9]{6})\(?([0-9A])\)?$")


def normalize_hkid(value):
    """Upper-case the HKID and remove blanks: ' a123456 (3) ' -> 'A123456(3)'."""
    if not value:
        return ""
    compact = re.sub(r"\s+", "", str(value)).upper()
    match = HKID_RE.match(compact)
    if not match:
        return compact
    letters, digits, check = match.groups()
    return f"{letters}{digits}({check})"


def hkid_check_digit(letters, digits):
    """Check digit of an HKID: weights 9..2, space=36, A=10..Z=35, 11 - sum % 11."""
    letters = letters.upper()
    if len(letters) not in (1, 2) or not letters.isalpha() or not letters.isascii():
        raise ValueError("An HKID starts with one or two letters.")
    if len(digits) != 6 or not digits.isdigit() or not digits.isascii():
        raise ValueError("An HKID has six digits before its check digit.")
    chars = (" " + letters if len(letters) == 1 else letters) + digits
    values = [36 if c == " " else (ord(c) - 55 if c.isalpha() else int(c)) for c in chars]
    total = sum(weight * value for weight, value in zip(range(9, 1, -1), values, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "A"
    if check == 11:
        return "0"
    return str(check)


def is_valid_hkid(value):
    """True when ``value`` is a well-formed HKID with a correct check digit."""
    match = HKID_RE.match(re.sub(r"\s+", "", str(value or "")).upper())
    if not match:
        return False
    letters, digits, check = match.groups()
    return hkid_check_digit(letters, digits) == check


def mask_hkid(value):
    """Mask an HKID for display: 'A123456(3)' -> 'A******(*)'.

    Only the prefix letter(s) stay visible: every digit and the check digit
    are masked. A partial HKID number is still personal data that can
    identify its holder (the PCPD found the collection of partial HKID
    numbers for the MoneyBack programme excessive), and the check digit
    together with a few digits narrows the number down; the prefix letter
    only tells the document's series, which staff need to know which
    identifier is on file.
    """
    if not value:
        return ""
    compact = re.sub(r"\s+", "", str(value)).upper()
    match = HKID_RE.match(compact)
    if not match:
        # not a well-formed HKID: its leading letters at most
        letters = re.match(r"[A-Z]{0,2}", compact).group()
        return letters + "*" * max(len(compact) - len(letters), 1)
    letters, digits, _check = match.groups()
    return f"{letters}{'*' * len(digits)}(*)"


def mask_identifier(value, visible=3):
    """Generic mask (passport numbers...): keep the first characters only."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) <= visible:
        return "*" * len(value)
    return value[:visible] + "*" * (len(value) - visible)


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError("A date is required.")


def statutory_due_date(received, days=STATUTORY_DAYS):
    """Due date of an access or correction request: received + 40 calendar days."""
    return _as_date(received) + timedelta(days=days)


def reminder_date(received, days=REMINDER_DAYS):
    """Date of the internal reminder scheduled before the statutory deadline."""
    return _as_date(received) + timedelta(days=days)


def is_overdue(due, today, complied=False):
    """A request is overdue when not complied with and today is after its due date."""
    return not complied and _as_date(today) > _as_date(due)


def compute_request_fee(
    request_type, pages=0, media=0, cost_per_page=0.0, cost_per_medium=0.0, cap=None
):
    """Fee of a data access request (s.28): only the direct cost of complying.

    Correction requests are free. The fee never exceeds ``cap`` (the cost of
    the cheapest format, AAB 37/2009) when a cap is configured.
    """
    if request_type == "correction":
        return 0.0
    if request_type != "access":
        raise ValueError("Unknown request type.")
    for amount in (pages, media, cost_per_page, cost_per_medium):
        if amount is None or amount < 0:
            raise ValueError("Quantities and unit costs cannot be negative.")
    fee = pages * cost_per_page + media * cost_per_medium
    if cap is not None and cap >= 0:
        fee = min(fee, cap)
    return round(fee, 2)


def refusal_log_locked(entry_date, today, years=REFUSAL_LOG_RETENTION_YEARS):
    """s.27: an entry of the log book cannot be changed or removed for 4 years."""
    return _as_date(today) < _as_date(entry_date) + relativedelta(years=years)


def disclosure_window_start(today, months=DISCLOSURE_LOOKBACK_MONTHS):
    """First day of the 12-month window of s.23(1)(c) notifications."""
    return _as_date(today) - relativedelta(months=months)


def retention_expired(last_activity, today, months):
    """True when ``months`` have passed since ``last_activity`` (None = never active)."""
    if months is None or months < 0:
        raise ValueError("The retention period must be zero or more months.")
    if not last_activity:
        return True
    return _as_date(today) >= _as_date(last_activity) + relativedelta(months=months)


def anonymised_name(record_id):
    """Display name given to an anonymised customer."""
    return f"Anonymised customer #{record_id}"
