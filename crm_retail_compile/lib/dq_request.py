"""Pure-Python core of the data-quality request to a customer (no ORM).

What a customer may be asked for each open issue, which channel reaches
them, how their answer on the portal page is read and checked, what the
page shows of the values on file, and when a request expires. The model
``crm.dq.request`` is a thin adapter: it reads the records, calls these
functions and writes the result.

As in :mod:`.data_quality`, nothing here is translated: an answer the
customer must correct raises :class:`AnswerError` with a ``code`` (and the
values of its message); the model turns the code into the translated
message (``crm.dq.request._answer_message``). The rules themselves are
those of :mod:`.data_quality` (e-mail syntax, phone numbers, placeholder
names) and of ``res.partner._birthday_error`` (passed in as a function).
"""

import secrets
from datetime import timedelta

from . import data_quality as dq

# What a customer can supply about themselves: key -> the customer fields it
# writes, in the order of the page. Internal fields (branch, tier,
# salesperson, scores) are never asked.
ASKABLE_FIELDS = {
    "name": ("name",),
    "email": ("email",),
    "mobile": ("mobile",),
    "phone": ("phone",),
    "district": ("district_id",),
    "birthday": ("birthday_day", "birthday_month", "birthday_year"),
    "address": ("street", "street2", "city"),
}
# The data-quality checks a customer can fix themselves, and what to ask.
# Duplicates (a merge), sales data and branch summaries are staff work.
CHECK_ASKS = {
    "no_contact": ("mobile", "email"),
    "no_district": ("district",),
    "invalid_phone": ("mobile",),
    "invalid_email": ("email",),
    "future_birthday": ("birthday",),
    "placeholder_name": ("name",),
}
ADDRESS_FIELDS = ASKABLE_FIELDS["address"]
PHONE_KEYS = ("mobile", "phone")
MAX_ID = 2**31  # ids are PostgreSQL integers
MAX_TOKEN = 64
TOKEN_BYTES = 24  # the signed link's access token: 32 characters
SHORT_CODE_BYTES = 9  # the SMS short link: 12 URL-safe characters, 72 random bits


# The vocabulary of a request (the model's selections) and its settings
STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
CHANNELS = [("email", "E-mail"), ("sms", "SMS")]
ORIGINS = [("clerk", "Staff"), ("scan", "Nightly scan")]
ANSWER_SOURCES = [
    ("portal_link", "Customer via portal (signed link)"),
    ("portal_login", "Customer via portal (logged in)"),
]
PARAM_RESEND_DAYS = "crm_retail_compile.dq_request_resend_days"
PARAM_VALID_DAYS = "crm_retail_compile.dq_request_valid_days"
PARAM_AUTO_SEND = "crm_retail_compile.dq_request_auto_send"
PARAM_AUTO_LIMIT = "crm_retail_compile.dq_request_auto_limit"
DEFAULT_RESEND_DAYS = 14
DEFAULT_VALID_DAYS = 30
DEFAULT_AUTO_LIMIT = 500


class AnswerError(ValueError):
    """A value of the customer's answer is not acceptable.

    ``code`` names the rule (``placeholder_name``, ``email``, ``phone``,
    ``district``, ``birthday_digits``, ``birthday``, ``empty``); ``params``
    are the values of its message."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# --- what to ask whom -----------------------------------------------------------


def asked_keys(field_keys):
    """The known keys of a request's comma-separated ``field_keys``."""
    return [k for k in (field_keys or "").split(",") if k in ASKABLE_FIELDS]


def keys_for_issues(rows):
    """``{partner id: asked keys in the page's order}`` for the issues
    ``rows`` of ``(partner_id, check, mobile, phone)``. For an invalid phone,
    the number(s) actually invalid are asked (the mobile when neither is)."""
    result = {}
    for partner_id, check, mobile, phone in rows:
        keys = list(CHECK_ASKS.get(check, ()))
        if check == "invalid_phone":
            numbers = {"mobile": mobile, "phone": phone}
            keys = [f for f in PHONE_KEYS if not dq.is_valid_phone(numbers[f])] or keys
        result.setdefault(partner_id, set()).update(keys)
    return {pid: [k for k in ASKABLE_FIELDS if k in keys] for pid, keys in result.items()}


def usable_channel(
    email, email_blacklisted, number, number_sanitized, number_blacklisted, preferred
):
    """The channel (``"email"``/``"sms"``) a request can reach a customer
    on, or None: a valid address or number that is not blacklisted (the
    customer objected to messages there); the preferred channel first."""
    email_ok = bool(email and dq.is_valid_email(email) and not email_blacklisted)
    sms_ok = bool(
        number and dq.is_valid_phone(number) and number_sanitized and not number_blacklisted
    )
    if preferred == "sms" and sms_ok:
        return "sms"
    if email_ok:
        return "email"
    if sms_ok:
        return "sms"
    return None


def plan_requests(partner_ids, keys_of, recent, channel_of):
    """Whom to ask: ``(channel_of_asked, skipped)`` where the first maps the
    customers to ask to their channel and ``skipped`` counts the others by
    reason: ``nothing`` (no key in ``keys_of``), ``recent`` (in ``recent``)
    or ``no_channel`` (``channel_of(partner_id)`` is None)."""
    asked, skipped = {}, {}
    for partner_id in partner_ids:
        if partner_id not in keys_of:
            reason = "nothing"
        elif partner_id in recent:
            reason = "recent"
        else:
            channel = channel_of(partner_id)
            if channel:
                asked[partner_id] = channel
                continue
            reason = "no_channel"
        skipped[reason] = skipped.get(reason, 0) + 1
    return asked, skipped


# --- links ------------------------------------------------------------------------


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code():
    return secrets.token_urlsafe(SHORT_CODE_BYTES)


def plausible_id(value):
    """Whether ``value`` can be the id of a record (before any query)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def plausible_token(value):
    """Whether ``value`` can be a token or a short code (before any query)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_TOKEN


def token_matches(stored, given):
    """Whether the ``given`` token is the ``stored`` one, in constant time."""
    return bool(stored) and secrets.compare_digest(stored.encode(), given.encode())


# --- configuration and dates ------------------------------------------------------


def param_int(value, default):
    """A non-negative integer setting, ``default`` when unset or unreadable."""
    if value in (None, False, ""):
        return default
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


def param_on(value):
    """Whether a yes/no setting is on (``1``, ``true``, ``yes``)."""
    return str(value).strip().lower() in ("1", "true", "yes")


def expiry_date(sent, valid_days):
    """When a request sent at ``sent`` expires (``valid_days`` days later)."""
    return sent + timedelta(days=valid_days)


def resend_cutoff(now, days):
    """Customers sent a request after this date are not asked again."""
    return now - timedelta(days=days)


def is_expired(state, expiry, now):
    """Whether a sent request is past its expiry date."""
    return bool(state == "sent" and expiry and expiry < now)


def preferred_lang(preferred_language, installed, partner_lang):
    """The language of the message: the customer's preferred one
    (``en``/``zh_HK``) when installed, else their language, else English."""
    preferred = {"en": "en_US", "zh_HK": "zh_HK"}.get(preferred_language)
    if preferred in installed:
        return preferred
    return partner_lang or "en_US"


# --- what the page shows ------------------------------------------------------------


def mask_email(email):
    """``chan.taiman@example.com`` -> ``c**********@example.com``."""
    local, _sep, domain = (email or "").strip().partition("@")
    if not local:
        return ""
    return local[0] + "*" * max(len(local) - 1, 3) + ("@" + domain if domain else "")


def mask_phone(number):
    """Every digit but the last two masked: ``+852 9123 4567`` -> ``+*** **** **67``."""
    digits = sum(c.isdigit() for c in number or "")
    seen, out = 0, []
    for char in number or "":
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - 2 else "*")
        else:
            out.append(char)
    return "".join(out)


def masked_current(keys, values):
    """{key: the value on file, masked} for the page's hints; ``values``
    holds the customer's email, mobile, phone and birthday_month."""
    current = {}
    for key in keys:
        if key == "email" and values.get("email"):
            current[key] = mask_email(values["email"])
        elif key in PHONE_KEYS and values.get(key):
            current[key] = mask_phone(values[key])
        elif key == "birthday" and values.get("birthday_month"):
            current[key] = "** / ** / ****"
    return current


def prefill(keys, district_id, address):
    """What the page shows in the fields asked: the known values that are
    not personal identifiers (district, address); ``address`` maps
    street, street2 and city to their values."""
    form = {}
    if "district" in keys and district_id:
        form["district_id"] = str(district_id)
    if "address" in keys:
        form.update({f: address.get(f) or "" for f in ADDRESS_FIELDS})
    return form


# --- the customer's answer ---------------------------------------------------------


def form_text(form, name, limit=120):
    """The trimmed text of a form field (cut at ``limit``), "" if absent."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def answer_name(form, placeholders):
    name = form_text(form, "name")
    if not name:
        return {}
    if dq.is_placeholder_name(name, placeholders):
        raise AnswerError("placeholder_name")
    return {"name": name}


def answer_email(form):
    email = form_text(form, "email", 254)
    if email and not dq.is_valid_email(email):
        raise AnswerError("email", email=email)
    return {"email": email} if email else {}


def answer_number(form, fname):
    """A phone number in the stored format (``+852 9123 4567``)."""
    number = form_text(form, fname, 40)
    if not number:
        return {}
    formatted = dq.format_phone(number)
    if not formatted:
        raise AnswerError("phone", number=number)
    return {fname: formatted}


def answer_district(form, district_exists):
    raw = form_text(form, "district_id", 12)
    if not raw:
        return {}
    if not (raw.isdigit() and int(raw) < MAX_ID and district_exists(int(raw))):
        raise AnswerError("district")
    return {"district_id": int(raw)}


def answer_birthday(form, birthday_error):
    """Day, month and year (each optional); ``birthday_error(day, month,
    year)`` says why a birthday is impossible (``res.partner``'s rule)."""
    parts = [form_text(form, f"birthday_{p}", 4) for p in ("day", "month", "year")]
    if not any(parts):
        return {}
    if not all(p.isdigit() for p in parts if p):
        raise AnswerError("birthday_digits")
    day, month, year = (int(p) if p else 0 for p in parts)
    error = birthday_error(day, month, year)
    if error:
        raise AnswerError("birthday", error=error)
    return {"birthday_day": day, "birthday_month": month, "birthday_year": year}


def answer_address(form):
    return {f: form_text(form, f) for f in ADDRESS_FIELDS if form_text(form, f)}


def parse_answer(keys, form, placeholders, district_exists, birthday_error):
    """Read and check the customer's answer for the asked ``keys``.

    Return ``(vals, errors)``: the customer values to write, and
    {key: AnswerError} for the invalid ones (nothing is written then);
    ``errors["form"]`` when nothing at all was given."""
    readers = {
        "name": lambda: answer_name(form, placeholders),
        "email": lambda: answer_email(form),
        "mobile": lambda: answer_number(form, "mobile"),
        "phone": lambda: answer_number(form, "phone"),
        "district": lambda: answer_district(form, district_exists),
        "birthday": lambda: answer_birthday(form, birthday_error),
        "address": lambda: answer_address(form),
    }
    vals, errors = {}, {}
    for key in keys:
        try:
            vals.update(readers[key]())
        except AnswerError as exc:
            errors[key] = exc
    if not vals and not errors:
        errors["form"] = AnswerError("empty")
    return vals, errors


def given_keys(keys, vals):
    """The asked keys the answer ``vals`` gives a value for."""
    return [k for k in keys if set(ASKABLE_FIELDS[k]) & set(vals)]
