"""Input validation of the XML-RPC integration API (no ORM).

External systems send plain dicts; every value is checked here for its type,
size and format before anything is written, so that bad input gets one clear
message per record instead of a database error or a traceback.
"""

import datetime
import math

from .data_quality import is_valid_email, is_valid_phone, normalize_phone

MAX_BATCH = 5000
MAX_TEXT = 256
# Plausible values of a retail business. Dates outside the window (year 0001
# or 9999, say) are typing or encoding errors, not business events; amounts
# and quantities past the limits are overflows, never real orders (the
# dearest jewel sold in Hong Kong was below HK$ 1e9).
YEAR_MIN, YEAR_MAX = 1900, 2100
MAX_AMOUNT = 1e9  # a unit price, in the company's currency
MAX_QTY = 1e5  # units of one product on one order line
# String lengths, consistent with the database columns they end in
MAX_CODE = 32  # branch, district, tier, membership number
MAX_REF = 64  # external references, product codes, template codes
MAX_EVIDENCE = 2000  # consent evidence, order notes
MAX_CODES = 100  # branch codes of one report run


class ApiInputError(ValueError):
    """One record of the input is not acceptable; the message says why."""


def check_keys(payload, allowed, what):
    """Refuse the keys of ``payload`` that are not in ``allowed``."""
    unknown = set(payload) - set(allowed)
    if unknown:
        raise ApiInputError(
            f"{what}: unknown keys {', '.join(sorted(map(str, unknown)))[:200]}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _text(value, key, max_len=MAX_TEXT, required=False):
    if value is None or value is False or value == "":
        if required:
            raise ApiInputError(f"'{key}' is required")
        return False
    if not isinstance(value, str):
        raise ApiInputError(f"'{key}' must be a string, not {type(value).__name__}")
    value = value.strip()
    if "\x00" in value:
        raise ApiInputError(f"'{key}' contains a NUL character")
    if len(value) > max_len:
        raise ApiInputError(f"'{key}' is longer than {max_len} characters")
    if required and not value:
        raise ApiInputError(f"'{key}' is required")
    return value or False


def _choice(value, key, choices):
    if value in (None, False, ""):
        return False
    if value not in choices:
        raise ApiInputError(f"'{key}' must be one of {', '.join(choices)}, not {value!r:.40}")
    return value


def _bool(value, key):
    if value in (None, False):
        return False
    if not isinstance(value, bool):
        raise ApiInputError(f"'{key}' must be a boolean, not {type(value).__name__}")
    return value


def _number(value, key, low, high, default=0):
    """A finite number (int or float, never a bool) between low and high:
    NaN, infinities and overflows are refused."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiInputError(f"'{key}' must be a number, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ApiInputError(f"'{key}' must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise ApiInputError(f"'{key}' must be between {low:g} and {high:g}")
    return value


def _int(value, key, low, high):
    if value in (None, False):
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiInputError(f"'{key}' must be an integer")
    if not low <= value <= high:
        raise ApiInputError(f"'{key}' must be between {low} and {high}")
    return value


def _datetime(value, key):
    if value in (None, False, ""):
        return False
    if not isinstance(value, str):
        raise ApiInputError(f"'{key}' must be an ISO date-time string")
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ApiInputError(f"'{key}' is not an ISO date-time: {value[:40]!r}") from error
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise ApiInputError(f"'{key}' must be a date between {YEAR_MIN} and {YEAR_MAX}")
    if parsed.tzinfo:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


def _text_list(value, key, max_len=MAX_CODE, max_items=MAX_CODES):
    """A list of non-empty strings."""
    if value in (None, False):
        return []
    if not isinstance(value, list | tuple) or len(value) > max_items:
        raise ApiInputError(f"'{key}' must be a list of at most {max_items} strings")
    return [_text(item, f"{key}[{i}]", max_len, required=True) for i, item in enumerate(value)]


CUSTOMER_CHOICES = {
    "channel": ("store", "online", "both"),
    "preferred_language": ("en", "zh_HK"),
    "preferred_contact_channel": ("email", "sms", "phone", "whatsapp", "post"),
    "residency": ("resident", "visitor"),
}
CUSTOMER_KEYS = {
    "name",
    "membership_number",
    "phone",
    "mobile",
    "email",
    "district",
    "tier",
    "branch",
    "channel",
    "preferred_language",
    "preferred_contact_channel",
    "residency",
    "birthday_day",
    "birthday_month",
    "birthday_year",
    "online_account",
    "last_online_visit",
    "interests",
}


def _clean_contact(payload, values):
    for key in ("name", "membership_number", "online_account"):
        if key in payload:
            values[key] = _text(
                payload[key], key, MAX_CODE if key == "membership_number" else MAX_TEXT
            )
    for key in ("phone", "mobile"):
        if key in payload:
            number = _text(payload[key], key, 32)
            if number and not is_valid_phone(number):
                raise ApiInputError(f"'{key}' is not a valid phone number: {number!r}")
            values[key] = number
    if "email" in payload:
        email = _text(payload["email"], "email", 254)
        if email and not is_valid_email(email):
            raise ApiInputError(f"'email' is not a valid address: {email!r}")
        values["email"] = email


def _clean_profile(payload, values):
    for key, choices in CUSTOMER_CHOICES.items():
        if key in payload:
            target = "retail_channel" if key == "channel" else key
            values[target] = _choice(payload[key], key, choices)
    limits = {"birthday_day": (0, 31), "birthday_month": (0, 12), "birthday_year": (0, YEAR_MAX)}
    for key, (low, high) in limits.items():
        if key in payload:
            values[key] = _int(payload[key], key, low, high)
    if values.get("birthday_year") and values["birthday_year"] < YEAR_MIN:
        raise ApiInputError(f"'birthday_year' must be 0 (unknown) or from {YEAR_MIN}")
    if "last_online_visit" in payload:
        values["last_online_visit"] = _datetime(payload["last_online_visit"], "last_online_visit")


def _clean_references(payload):
    references = {}
    for key in ("district", "tier", "branch"):
        if key in payload:
            references[key] = _text(payload[key], key, MAX_CODE)
    if "interests" in payload:
        interests = payload["interests"]
        if not isinstance(interests, list) or len(interests) > 50:
            raise ApiInputError("'interests' must be a list of at most 50 names")
        references["interests"] = [_text(i, "interests", 64, required=True) for i in interests]
    return references


def clean_customer(payload):
    """Validate one customer payload.

    :return: (values, references) where ``values`` are res.partner values
        that need no lookup and ``references`` the codes to resolve
        ({"district": code, "tier": code, "branch": code, "interests": [..]}).
    :raise ApiInputError: with the reason
    """
    if not isinstance(payload, dict):
        raise ApiInputError("a customer must be a struct (dict)")
    check_keys(payload, CUSTOMER_KEYS, "customer")
    values = {}
    _clean_contact(payload, values)
    _clean_profile(payload, values)
    references = _clean_references(payload)
    if not any(values.get(k) for k in ("membership_number", "phone", "mobile", "email")):
        raise ApiInputError("a customer needs a membership_number, phone, mobile or email")
    return values, references


ORDER_KEYS = ("external_ref", "customer", "branch", "date", "confirm", "lines", "note", "channel")
# where the sale was made (sale.order.crm_sales_channel); not given: online
# on the online-store branch, in store elsewhere (what the e-shop and the
# shops' systems sent before the key existed)
ORDER_CHANNELS = ("store", "online", "wholesale", "phone")
ORDER_LINE_KEYS = ("product", "qty", "price_unit", "discount")
MAX_LINES = 500


def clean_order(order):
    """Validate an order's own values (its customer and lines are checked
    apart): {"external_ref", "branch", "date", "confirm", "note", "channel", "lines"}."""
    if not isinstance(order, dict):
        raise ApiInputError("an order must be a struct")
    check_keys(order, ORDER_KEYS, "order")
    lines = order.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise ApiInputError(f"'lines' must be a list of 1 to {MAX_LINES} lines")
    return {
        "external_ref": _text(order.get("external_ref"), "external_ref", MAX_REF, required=True),
        "branch": _text(order.get("branch"), "branch", MAX_CODE),
        "date": _datetime(order.get("date"), "date"),
        "confirm": _bool(order.get("confirm"), "confirm"),
        "channel": _choice(order.get("channel"), "channel", ORDER_CHANNELS),
        # accepted for the e-shops that send one, checked, not stored (as before)
        "note": _text(order.get("note"), "note", MAX_EVIDENCE),
        "lines": lines,
    }


def clean_order_line(line):
    """Validate one order line: {"product": code, "qty", "price_unit", "discount"}."""
    if not isinstance(line, dict):
        raise ApiInputError("a line must be a struct")
    check_keys(line, ORDER_LINE_KEYS, "line")
    _text(line.get("product"), "product", MAX_REF, required=True)
    qty = _number(line.get("qty"), "qty", 0, MAX_QTY, default=1)
    if qty <= 0:
        raise ApiInputError("'qty' must be a positive number")
    values = {"product_uom_qty": qty}
    if "price_unit" in line:
        values["price_unit"] = _number(line["price_unit"], "price_unit", 0, MAX_AMOUNT)
    if "discount" in line:
        values["discount"] = _number(line["discount"], "discount", 0, 100)
    return values


CONSENT_KEYS = ("customer", "purpose", "channel", "kind", "source", "use", "evidence")


def clean_consent(consent, choices):
    """Validate one consent; ``choices`` maps channel, kind, source and use
    to their allowed values. The customer and purpose are resolved apart."""
    if not isinstance(consent, dict):
        raise ApiInputError(f"a consent must be a struct with the keys {', '.join(CONSENT_KEYS)}")
    check_keys(consent, CONSENT_KEYS, "consent")
    purpose = consent.get("purpose")
    if isinstance(purpose, str):
        purpose = _text(purpose, "purpose", MAX_REF)
    elif purpose not in (None, False) and (
        isinstance(purpose, bool) or not isinstance(purpose, int)
    ):
        raise ApiInputError("'purpose' must be a purpose code or id")
    defaults = {"channel": None, "kind": "opt_in", "source": "web", "use": "own_use"}
    values = {"purpose": purpose or False}
    for key, default in defaults.items():
        value = consent.get(key, default)
        if not isinstance(value, str):
            raise ApiInputError(f"'{key}' must be a string, not {type(value).__name__}")
        if value not in choices[key]:
            raise ApiInputError(
                f"'{key}' must be one of {', '.join(choices[key])}, not {value[:40]!r}"
            )
        values[key] = value
    values["evidence"] = _text(consent.get("evidence"), "evidence", MAX_EVIDENCE)
    return values


def clean_report_args(template_code, date_from, date_to, branch_codes):
    """Validate the arguments of report_run."""
    return {
        "template_code": _text(template_code, "template_code", MAX_REF, required=True),
        "date_from": _datetime(date_from, "date_from"),
        "date_to": _datetime(date_to, "date_to"),
        "branch_codes": _text_list(branch_codes, "branch_codes"),
    }


def clean_activity(activity, kinds, products):
    """Validate one online activity; ``products`` maps default codes to ids."""
    if not isinstance(activity, dict):
        raise ApiInputError("an activity must be a struct")
    check_keys(activity, ("customer", "kind", "date", "detail", "product", "source"), "activity")
    kind = activity.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise ApiInputError(f"'kind' must be one of {', '.join(kinds)}")
    product = _text(activity.get("product"), "product", MAX_REF)
    if product and product not in products:
        raise ApiInputError(f"unknown product {product!r}")
    return {
        "kind": kind,
        "activity_date": _datetime(activity.get("date"), "date"),
        "detail": _text(activity.get("detail"), "detail"),
        "product_id": products.get(product, False),
        # the channel (e.g. "eshop", "app"); the e-shop when not given
        "source": (_text(activity.get("source"), "source", MAX_CODE) or "eshop").lower(),
    }


def identity_keys(values):
    """The keys that identify a customer, strongest first."""
    keys = []
    if values.get("membership_number"):
        keys.append(("membership", values["membership_number"]))
    for key in ("phone", "mobile"):
        if values.get(key):
            keys.append(("phone", normalize_phone(values[key])))
    if values.get("email"):
        keys.append(("email", values["email"].strip().lower()))
    return keys


def check_batch(records, what="records"):
    if not isinstance(records, list):
        raise ApiInputError(f"{what} must be a list")
    if len(records) > MAX_BATCH:
        raise ApiInputError(f"at most {MAX_BATCH} {what} per call")
    return records


def check_key(key):
    """An idempotency key: a short printable string, or nothing."""
    if key in (None, False, ""):
        return None
    if not isinstance(key, str) or not 8 <= len(key) <= 128 or not key.isprintable():
        raise ApiInputError("the idempotency key must be a printable string of 8-128 characters")
    return key
