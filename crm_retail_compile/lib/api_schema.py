"""Input validation of the XML-RPC integration API (no ORM).

External systems send plain dicts; every value is checked here for its type,
size and format before anything is written, so that bad input gets one clear
message per record instead of a database error or a traceback.
"""

import datetime

from .data_quality import is_valid_email, is_valid_phone, normalize_phone

MAX_BATCH = 5000
MAX_TEXT = 256


class ApiInputError(ValueError):
    """One record of the input is not acceptable; the message says why."""


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
        raise ApiInputError(f"'{key}' must be one of {', '.join(choices)}, not {value!r}")
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
    if parsed.tzinfo:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


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
            values[key] = _text(payload[key], key, 32 if key == "membership_number" else MAX_TEXT)
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
    limits = {"birthday_day": (0, 31), "birthday_month": (0, 12), "birthday_year": (0, 2100)}
    for key, (low, high) in limits.items():
        if key in payload:
            values[key] = _int(payload[key], key, low, high)
    if "last_online_visit" in payload:
        values["last_online_visit"] = _datetime(payload["last_online_visit"], "last_online_visit")


def _clean_references(payload):
    references = {}
    for key in ("district", "tier", "branch"):
        if key in payload:
            references[key] = _text(payload[key], key, 32)
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
    unknown = set(payload) - CUSTOMER_KEYS
    if unknown:
        raise ApiInputError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    values = {}
    _clean_contact(payload, values)
    _clean_profile(payload, values)
    references = _clean_references(payload)
    if not any(values.get(k) for k in ("membership_number", "phone", "mobile", "email")):
        raise ApiInputError("a customer needs a membership_number, phone, mobile or email")
    return values, references


def clean_order_line(line):
    """Validate one order line: {"product": code, "qty", "price_unit", "discount"}."""
    if not isinstance(line, dict):
        raise ApiInputError("a line must be a struct")
    unknown = set(line) - {"product", "qty", "price_unit", "discount"}
    if unknown:
        raise ApiInputError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    qty = line.get("qty", 1)
    if isinstance(qty, bool) or not isinstance(qty, int | float) or qty <= 0:
        raise ApiInputError("'qty' must be a positive number")
    values = {"product_uom_qty": qty}
    for key in ("price_unit", "discount"):
        if key in line:
            value = line[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 0
                or (key == "discount" and value > 100)
            ):
                raise ApiInputError(f"'{key}' is not a valid amount")
            values[key] = value
    return values


def clean_activity(activity, kinds, products):
    """Validate one online activity; ``products`` maps default codes to ids."""
    if not isinstance(activity, dict):
        raise ApiInputError("an activity must be a struct")
    unknown = set(activity) - {"customer", "kind", "date", "detail", "product"}
    if unknown:
        raise ApiInputError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    kind = activity.get("kind")
    if kind not in kinds:
        raise ApiInputError(f"'kind' must be one of {', '.join(kinds)}")
    product = activity.get("product")
    if product and product not in products:
        raise ApiInputError(f"unknown product {product!r}")
    return {
        "kind": kind,
        "activity_date": _datetime(activity.get("date"), "date"),
        "detail": _text(activity.get("detail"), "detail"),
        "product_id": products.get(product, False),
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
