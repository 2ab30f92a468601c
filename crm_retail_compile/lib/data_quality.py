"""Pure-Python core of the data-quality engine (no ORM, no database).

The Odoo models (``crm.dq.rule``, ``crm.dq.scan``...) are thin adapters
around these functions, which the tests exercise without a database.
"""

import re
from functools import lru_cache

import phonenumbers

# Weight of one open issue in the customer quality score, by severity.
SEVERITY_WEIGHTS = {"low": 2, "medium": 5, "high": 10, "critical": 20}

# Syntax of an email address, in the subset of regular expressions that
# Python and PostgreSQL (POSIX ARE, operator ``~``) read the same way.
EMAIL_REGEX = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
_EMAIL_RE = re.compile(EMAIL_REGEX)

DEFAULT_PLACEHOLDERS = "test, xxx, asdf, n/a, na, unknown, none, null, abc, customer, -, ?"

HK_REGION = "HK"
HK_COUNTRY_CODE = "852"
# Rows fetched per batch by the Python checks (phone numbers).
PHONE_BATCH_SIZE = 50000


# --- phone numbers -----------------------------------------------------------


def _hk_fast_pattern():
    """One regular expression for every valid type of Hong Kong number.

    ``phonenumbers.parse`` + ``is_valid_number`` costs tens of microseconds;
    most numbers of a Hong Kong customer file are plain 8-digit local
    numbers, which this pattern (built from the same phonenumbers metadata,
    so exactly as strict) validates in under a microsecond.
    """
    meta = phonenumbers.PhoneMetadata.metadata_for_region(HK_REGION)
    patterns = []
    for desc in (
        meta.fixed_line,
        meta.mobile,
        meta.toll_free,
        meta.premium_rate,
        meta.shared_cost,
        meta.personal_number,
        meta.voip,
        meta.pager,
        meta.uan,
        meta.voicemail,
    ):
        if desc is not None and desc.national_number_pattern:
            patterns.append(f"(?:{desc.national_number_pattern})")
    return re.compile("|".join(patterns))


_HK_FAST_RE = _hk_fast_pattern()
_SEPARATORS_RE = re.compile(r"[\s\-().]")
_LOCAL_8_RE = re.compile(r"^(?:\+?852)?(\d{8})$")


@lru_cache(maxsize=65536)
def _full_check(number):
    try:
        if number.startswith("+"):
            parsed = phonenumbers.parse(number, None)
        else:
            parsed = phonenumbers.parse(number, HK_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def is_valid_phone(number):
    """Whether ``number`` is a valid phone number.

    Numbers without a ``+`` prefix are read as Hong Kong numbers; numbers
    with a ``+`` prefix are validated for the region of their country code.
    An empty value is not invalid (it is *missing*, another rule).
    """
    if not number or not number.strip():
        return True
    compact = _SEPARATORS_RE.sub("", number.strip())
    local = _LOCAL_8_RE.match(compact)
    if local:
        return _HK_FAST_RE.fullmatch(local.group(1)) is not None
    return _full_check(compact)


# --- the phone key: one definition, Python and SQL ----------------------------
#
# Two customers have the same number when their *phone keys* are equal: the
# digits of the number, without the Hong Kong country code when what follows
# it is a local number of HK_LOCAL_DIGITS digits. The SQL function
# ``crm_phone_key`` (expression indexes of the API lookups), the duplicate
# phone rule and the jewellery status lookup all use this rule: the SQL side
# is generated from these constants (``phone_key_sql_body``), and a test
# compares both on a table of formats.

HK_LOCAL_DIGITS = 8
# digits written with the country code: "852" + 8 local digits
HK_INTERNATIONAL_DIGITS = len(HK_COUNTRY_CODE) + HK_LOCAL_DIGITS
_NON_DIGIT_RE = re.compile(r"\D")


def phone_key(number):
    """Digits only, without the Hong Kong country code (852): the key that
    finds two customers with the same number written differently."""
    digits = _NON_DIGIT_RE.sub("", number or "")
    if len(digits) == HK_INTERNATIONAL_DIGITS and digits.startswith(HK_COUNTRY_CODE):
        digits = digits[len(HK_COUNTRY_CODE) :]
    return digits


normalize_phone = phone_key  # historical name, used by the API schema


def phone_key_sql_body():
    """Body of the SQL function ``crm_phone_key(text)``, generated from the
    constants above (the digits are extracted once, then the country code
    dropped as :func:`phone_key` does)."""
    return (
        f"SELECT CASE WHEN length(d) = {HK_INTERNATIONAL_DIGITS} "
        f"AND left(d, {len(HK_COUNTRY_CODE)}) = '{HK_COUNTRY_CODE}' "
        f"THEN right(d, {HK_LOCAL_DIGITS}) ELSE d END "
        "FROM (SELECT regexp_replace(coalesce($1, ''), '\\D', '', 'g') AS d) s"
    )


# --- entry of phone numbers (forms, imports) ----------------------------------

HK_PHONE_EXAMPLE = "+852 9123 4567"


def format_phone(number):
    """The number as staff should store it, or None when it is invalid.

    A Hong Kong number (no ``+``, or ``+852``) becomes ``+852 9123 4567``;
    a foreign number keeps its country code, in the international format
    (``+86 139 1234 5678``). An empty value stays empty.
    """
    if not number or not number.strip():
        return number
    if not is_valid_phone(number):
        return None
    compact = _SEPARATORS_RE.sub("", number.strip())
    local = _LOCAL_8_RE.match(compact)
    if local:
        digits = local.group(1)
        return f"+{HK_COUNTRY_CODE} {digits[:4]} {digits[4:]}"
    region = None if compact.startswith("+") else HK_REGION
    parsed = phonenumbers.parse(compact, region)
    if parsed.country_code == int(HK_COUNTRY_CODE):
        national = str(parsed.national_number)
        if len(national) == HK_LOCAL_DIGITS:
            return f"+{HK_COUNTRY_CODE} {national[:4]} {national[4:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def invalid_phone_rows(rows):
    """Violations among ``rows`` of ``(partner_id, phone, mobile)``.

    Return a list of ``(partner_id, detail)`` for the partners with at
    least one invalid number.
    """
    result = []
    for partner_id, phone, mobile in rows:
        bad = [n.strip() for n in (phone, mobile) if n and not is_valid_phone(n)]
        if bad:
            result.append((partner_id, ", ".join(bad)))
    return result


# --- emails and names --------------------------------------------------------


def is_valid_email(email):
    """Whether ``email`` has the syntax of an address (empty is not invalid)."""
    if not email or not email.strip():
        return True
    return _EMAIL_RE.match(email.strip()) is not None


def parse_placeholders(text):
    """The placeholder names of a rule parameter ``"test, xxx, n/a"``."""
    return sorted({p.strip().lower() for p in (text or "").split(",") if p.strip()})


def _regex_escape(text):
    """Escape ``text`` for Python and PostgreSQL regular expressions alike."""
    return "".join("\\" + c if not c.isalnum() and c != " " else c for c in text)


def placeholder_regex(placeholders):
    """A regular expression (Python and PostgreSQL) matching a lower-cased,
    trimmed name that is only a placeholder, optionally numbered
    (``test``, ``Test 2``, ``xxx123``). None when there is no placeholder."""
    words = [_regex_escape(p) for p in placeholders if p]
    if not words:
        return None
    return "^(" + "|".join(words) + ")[ 0-9]*$"


def is_placeholder_name(name, placeholders):
    regex = placeholder_regex(placeholders)
    if not regex or not name:
        return not (name or "").strip()
    return re.match(regex, " ".join(name.lower().split())) is not None


# --- quality score -----------------------------------------------------------


def quality_score(open_issue_severities, weights=None):
    """Quality score (0-100) of a customer from the severities of their open
    issues: 100 minus the weight of each issue, never below 0.

    ``open_issue_severities`` is an iterable of severities or a mapping
    ``{severity: count}``.
    """
    weights = weights or SEVERITY_WEIGHTS
    if isinstance(open_issue_severities, dict):
        penalty = sum(weights.get(s, 0) * n for s, n in open_issue_severities.items())
    else:
        penalty = sum(weights.get(s, 0) for s in open_issue_severities)
    return max(0, 100 - penalty)


# --- activities --------------------------------------------------------------


def supplement_channel(has_phone, has_email):
    """How staff should ask a customer to supplement missing information:
    ``"call"`` (call or SMS), ``"email"`` or ``"visit"`` (next store visit)."""
    if has_phone:
        return "call"
    if has_email:
        return "email"
    return "visit"


# --- reconciliation ----------------------------------------------------------


def plan_reconciliation(current, open_issues):
    """Plan how the issues of one rule follow its current violations.

    :param current: ``{res_id: detail}`` of the records violating the rule now
    :param open_issues: ``{res_id: issue_id}`` of its open (or ignored) issues
    :return: ``(to_create, to_refresh, to_resolve)``: res_ids to open an issue
        for, issue ids still violating, issue ids to resolve.

    This is the reference for the set-based SQL of ``crm.dq.scan``: running
    it twice on the same data creates nothing the second time (idempotent).
    """
    to_create = sorted(set(current) - set(open_issues))
    to_refresh = sorted(issue for res_id, issue in open_issues.items() if res_id in current)
    to_resolve = sorted(issue for res_id, issue in open_issues.items() if res_id not in current)
    return to_create, to_refresh, to_resolve
