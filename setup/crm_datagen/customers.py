"""Retail customers: names, phones, e-mails, addresses and deliberate defects.

:func:`customer_batch` builds the res_partner COPY columns of one batch of
customers (its own random stream) and the arrays the orders need
(:class:`Customers`: home branch, channel, tier, enrolment day, buying
weight).  About 10 % are visitors (mainland China, Taiwan, Singapore, ...),
who favour Tsim Sha Tsui and have foreign numbers.

* Names (:class:`NameBook`): bilingual ``Chan Tai Man 陳大文``, some with an
  English first name, pinyin for mainland and Taiwanese visitors, and an
  e-mail local part in one of four styles.
* Phones (:class:`PhoneBook`): Hong Kong mobiles and fixed lines, distinct
  per partner id (a bijection, :func:`scramble`), with the E.164 form Odoo
  stores in ``phone_sanitized``; e-mails unique through :func:`email_tag`.
* Defects for the data-quality features: about 3 % invalid and 3 % missing
  phones and e-mails, 1 % with neither, placeholder names (``test``,
  ``xxx``) and near-duplicate pairs (:func:`special_rows`,
  :func:`duplicate_name`: the same person spelt another way, same phone).
* Addresses by district population, birthdays (75 %, with the year for 40 %
  of them), languages, contact channels, enrolment dates (before or during
  the period) and online accounts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from .database import copy_escape, date_strings, day_strings, nullable, nullable_ints
from .orders import seasonal_mass_before
from .refdata import (
    BAD_EMAIL_PATTERNS,
    DISTRICTS,
    EMAIL_DOMAINS,
    ENGLISH_NAMES_F,
    ENGLISH_NAMES_M,
    GIVEN_SYLLABLES,
    HK_FIXED_PREFIXES,
    HK_MOBILE_PREFIXES,
    PLACEHOLDER_NAMES,
    SURNAMES,
    TIER_ORDER_WEIGHT,
    TIER_SHARES,
    VISITOR_COUNTRIES,
)
from .settings import (
    CUSTOMER_BATCH,
    EPOCH,
    MEMBERSHIP_PREFIX,
    STREAM_CUSTOMERS,
    STREAM_SPECIALS,
    batch_rng,
)


def membership_number(partner_id):
    return f"{MEMBERSHIP_PREFIX}{partner_id:08d}"


def format_hk_number(digits):
    """'+852 9123 4567' for the eight digits 91234567."""
    return f"+852 {digits // 10000:04d} {digits % 10000:04d}"


def format_grouped(calling_code, national, layout):
    """'+86 138 0013 8000' for calling code 86 and national number 13800138000."""
    text = str(national)
    parts, pos = [], 0
    for size in layout:
        parts.append(text[pos : pos + size])
        pos += size
    return f"+{calling_code} " + " ".join(parts)


def scramble(values, space, multiplier=2_654_435_761):
    """A bijection of [0, space): distinct values below ``space`` stay distinct,
    in an order that does not look sequential."""
    multiplier %= space
    while math.gcd(multiplier, space) != 1:
        multiplier += 1
    return (np.asarray(values, dtype=np.int64) % space) * multiplier % space


def email_tag(partner_id):
    """Digits, unique per partner id, that make an e-mail address unique."""
    digits = len(str(partner_id))
    return f"{partner_id * 7919 % 10**digits:0{digits}d}"


@dataclass
class Customers:
    ids: list = field(default_factory=list)
    home: list = field(default_factory=list)
    channel: list = field(default_factory=list)
    tier: list = field(default_factory=list)
    enrol_day: list = field(default_factory=list)
    weight: list = field(default_factory=list)

    def finish(self):
        for name in ("ids", "home", "channel", "tier", "enrol_day", "weight"):
            values = getattr(self, name)
            setattr(self, name, np.concatenate(values) if values else np.zeros(0))
        return self


CHANNELS = np.array(["store", "online", "both"])
CONTACT_CHANNELS = np.array(["whatsapp", "sms", "email", "phone", "post"])


class NameBook:
    """Vectorised access to the name lists."""

    def __init__(self):
        weights = np.array([s[3] for s in SURNAMES], dtype=float)
        self.surname_p = weights / weights.sum()
        self.female = [g for g in GIVEN_SYLLABLES if g[3] in ("u", "f")]
        self.male = [g for g in GIVEN_SYLLABLES if g[3] in ("u", "m")]

    def draw(self, rng, n, visitor_cn):
        """Names and e-mail local parts of ``n`` people."""
        female = rng.random(n) < 0.55
        surname = rng.choice(len(SURNAMES), n, p=self.surname_p)
        g1 = rng.integers(0, 1 << 30, n)
        g2 = rng.integers(1, 1 << 30, n)
        single = rng.random(n) < 0.08
        english = (rng.random(n) < 0.22) & ~visitor_cn
        english_pick = rng.integers(0, 1 << 30, n)
        style = rng.integers(0, 4, n)
        names, romans, chinese, locals_ = [], [], [], []
        for i in range(n):
            s_en, s_zh, s_py, _w = SURNAMES[surname[i]]
            pool = self.female if female[i] else self.male
            a = pool[g1[i] % len(pool)]
            b = pool[(g1[i] + g2[i] % (len(pool) - 1) + 1) % len(pool)]
            given = [a] if single[i] else [a, b]
            zh = s_zh + "".join(g[1] for g in given)
            if visitor_cn[i]:
                roman = f"{s_py} " + "".join(g[2] for g in given).capitalize()
                compact = "".join(g[2] for g in given)
                surname_ascii = s_py.lower()
            else:
                roman = f"{s_en} " + " ".join(g[0] for g in given)
                compact = "".join(g[0].lower() for g in given)
                surname_ascii = s_en.lower()
            eng = ""
            if english[i]:
                eng_list = ENGLISH_NAMES_F if female[i] else ENGLISH_NAMES_M
                eng = eng_list[english_pick[i] % len(eng_list)]
            name = f"{eng} {roman} {zh}" if eng else f"{roman} {zh}"
            if style[i] == 0:
                local = f"{compact}.{surname_ascii}"
            elif style[i] == 1:
                initials = "".join(g[0][0].lower() for g in given)
                local = f"{surname_ascii}{initials}"
            elif style[i] == 2 and eng:
                local = f"{eng.lower()}.{surname_ascii}"
            else:
                local = f"{surname_ascii}.{compact}"
            names.append(name)
            romans.append(f"{eng} {roman}" if eng else roman)
            chinese.append(zh)
            locals_.append(local)
        return names, romans, chinese, locals_


def duplicate_name(roman, chinese, variant):
    """A near-duplicate spelling of a customer name."""
    if variant == 0:
        return f"{roman.upper()} {chinese}"
    if variant == 1:
        return roman
    if variant == 2:
        parts = roman.split(" ")
        return " ".join(parts[1:] + parts[:1])
    return chinese


class PhoneBook:
    """Phone numbers with their sanitised (E.164) form as Odoo stores it."""

    def __init__(self, env):
        self._format = None
        if env is not None:
            from odoo.addons.phone_validation.tools import phone_validation

            self._format = phone_validation.phone_format
        self.hk_mobile = np.array(HK_MOBILE_PREFIXES, dtype=np.int64)
        self.hk_fixed = np.array(HK_FIXED_PREFIXES, dtype=np.int64)

    def sanitize(self, number, country_code, phone_code):
        """E.164 form of an irregular number, as phone_validation computes it."""
        if not self._format or not number:
            return None
        try:
            return self._format(
                number, country_code, phone_code, force_format="E164", raise_exception=True
            )
        except Exception:  # noqa: BLE001 - UserError: not a valid number
            return None

    def hk_numbers(self, rng, ids, fixed_share):
        """Eight-digit Hong Kong numbers, distinct for distinct partner ids
        (one bijection for mobiles, one for fixed lines)."""
        fixed = rng.random(len(ids)) < fixed_share
        mobile = scramble(ids, len(self.hk_mobile) * 100_000)
        landline = scramble(ids, len(self.hk_fixed) * 100_000)
        return np.where(
            fixed,
            self.hk_fixed[landline // 100_000] * 100_000 + landline % 100_000,
            self.hk_mobile[mobile // 100_000] * 100_000 + mobile % 100_000,
        )

    @staticmethod
    def invalid_numbers(rng, n):
        kind = rng.integers(0, 6, n)
        a = rng.integers(0, 10_000, n)
        b = rng.integers(0, 100_000, n)
        out = []
        for i in range(n):
            k = kind[i]
            if k == 0:
                out.append(f"+852 {a[i]:04d}")
            elif k == 1:
                out.append("0000 0000")
            elif k == 2:
                out.append(f"{b[i]:05d}")
            elif k == 3:
                out.append(f"+852 1{a[i] % 1000:03d} {a[i]:04d}")
            elif k == 4:
                out.append(f"9{a[i] % 1000:03d} {b[i] % 1000:03d}")
            else:
                out.append("n/a")
        return out


def special_rows(seed, count):
    """Global positions of the placeholder customers and of the duplicates."""
    rng = batch_rng(seed, STREAM_SPECIALS)
    if count < 20:
        return set(), set()
    n_placeholder = max(3, count // 2000)
    n_duplicate = max(3, count // 250)
    picks = rng.choice(np.arange(1, count), n_placeholder + n_duplicate, replace=False)
    placeholders = set(picks[:n_placeholder].tolist())
    # a duplicate copies the previous row, which must not be a placeholder
    duplicates = {
        p
        for p in picks[n_placeholder:].tolist()
        if p - 1 not in placeholders and p % CUSTOMER_BATCH
    }
    return placeholders, duplicates


def contact_phones(ctx, ids, kind, visitor, v_country, rng):
    """Phone numbers (kind 0 Hong Kong, 1 foreign, 2 invalid, 3 missing) and
    their sanitised form as Odoo stores it in phone_sanitized."""
    n = len(ids)
    hk_digits = ctx.phones.hk_numbers(rng, ids, fixed_share=0.09)
    local_style = rng.random(n) < 0.15  # written without the country code
    foreign_prefix = rng.integers(0, 1 << 30, n)
    foreign_rest = rng.integers(0, 10**9, n)
    invalid = PhoneBook.invalid_numbers(rng, n)
    phones, sanitized = [], []
    for i in range(n):
        k = kind[i]
        if k == 0:
            digits = int(hk_digits[i])
            if local_style[i] and not visitor[i]:
                phones.append(f"{digits // 10000:04d} {digits % 10000:04d}")
            else:
                phones.append(format_hk_number(digits))
            sanitized.append(f"+852{digits:08d}")
        elif k == 1:
            _code, _share, cc, prefixes, length, layout = VISITOR_COUNTRIES[v_country[i]]
            prefix = prefixes[foreign_prefix[i] % len(prefixes)]
            rest_len = length - len(str(prefix))
            national = int(f"{prefix}{foreign_rest[i] % 10**rest_len:0{rest_len}d}")
            phones.append(format_grouped(cc, national, layout))
            sanitized.append(f"+{cc}{national}")
        elif k == 2:
            phones.append(invalid[i])
            code = VISITOR_COUNTRIES[v_country[i]][0] if visitor[i] else "HK"
            sanitized.append(ctx.phones.sanitize(invalid[i], code, ctx.phone_codes.get(code)))
        else:
            phones.append(None)
            sanitized.append(None)
    return phones, sanitized


def contact_emails(ctx, ids, kind, local_parts, rng):
    """E-mail addresses (kind 0 valid, 1 bad syntax, 2 missing), unique per
    partner, and their normalised form as Odoo stores it in email_normalized."""
    n = len(ids)
    domains = rng.choice(len(EMAIL_DOMAINS), n, p=[d[1] for d in EMAIL_DOMAINS])
    bad_pattern = rng.integers(0, len(BAD_EMAIL_PATTERNS), n)
    emails, normalized = [], []
    for i in range(n):
        if kind[i] == 0:
            email = f"{local_parts[i]}{email_tag(ids[i])}@{EMAIL_DOMAINS[domains[i]][0]}"
            emails.append(email)
            normalized.append(email)
        elif kind[i] == 1:
            email = BAD_EMAIL_PATTERNS[bad_pattern[i]].format(local_parts[i] + email_tag(ids[i]))
            emails.append(email)
            normalized.append(ctx.email_normalize(email) or None)
        else:
            emails.append(None)
            normalized.append(None)
    return emails, normalized


def addresses(ctx, visitor, rng, n):
    """District ids (COPY fields) and bilingual flat addresses of customers."""
    codes = list(ctx.district_p)
    district = rng.choice(len(codes), n, p=list(ctx.district_p.values()))
    no_district = np.where(visitor, rng.random(n) < 0.8, rng.random(n) < 0.05)
    district = np.where(visitor, codes.index("YT") if "YT" in codes else 0, district)
    has_address = (~visitor) & (~no_district) & (rng.random(n) < 0.6)
    estate_pick = rng.integers(0, 1 << 30, n)
    floor = rng.integers(1, 40, n)
    flat = rng.integers(0, 8, n)
    block = rng.integers(1, 6, n)
    district_ids, streets, streets_zh = [], [], []
    for i in range(n):
        code = codes[district[i]]
        district_ids.append("\\N" if no_district[i] else str(ctx.ref.district_ids[code]))
        if has_address[i] and code in DISTRICTS:
            estates = DISTRICTS[code][1]
            en, zh = estates[estate_pick[i] % len(estates)]
            letter = "ABCDEFGH"[flat[i]]
            streets.append(copy_escape(f"Flat {letter}, {floor[i]}/F, Block {block[i]}, {en}"))
            streets_zh.append(f"{zh}{block[i]}座{floor[i]}樓{letter}室")
        else:
            streets.append("\\N")
            streets_zh.append("\\N")
    return district_ids, streets, streets_zh


def customer_batch(ctx, b_index, ids, positions):
    """COPY columns of one batch of customers and the arrays the orders need."""
    ref, rng = ctx.ref, batch_rng(ctx.seed, STREAM_CUSTOMERS, ctx.ref.generated_before, b_index)
    n = len(ids)
    ids_arr = np.asarray(ids, dtype=np.int64)

    # residency, country, channel, tier, home branch
    visitor = rng.random(n) < 0.10
    v_codes = [c[0] for c in VISITOR_COUNTRIES]
    v_country = rng.choice(len(VISITOR_COUNTRIES), n, p=[c[1] for c in VISITOR_COUNTRIES])
    visitor_cn = visitor & np.isin(v_country, [v_codes.index("CN"), v_codes.index("TW")])
    channel = rng.choice(3, n, p=[0.60, 0.20, 0.20])
    channel = np.where(visitor, np.where(rng.random(n) < 0.85, 0, 2), channel)
    tier = rng.choice(4, n, p=TIER_SHARES)
    home = ctx.draw_branch(rng, n, visitor)
    if ref.online_index is not None:
        home = np.where(channel == 1, ref.online_index, home)

    # names and e-mails
    names, romans, chinese, local_parts = ctx.names.draw(rng, n, visitor_cn)
    email_kind = rng.choice(3, n, p=[0.94, 0.03, 0.03])  # valid, bad syntax, missing

    # phones
    phone_kind = np.where(  # 0 HK, 1 foreign, 2 invalid, 3 missing
        visitor,
        rng.choice(4, n, p=[0.25, 0.65, 0.03, 0.07]),
        rng.choice(4, n, p=[0.94, 0.0, 0.03, 0.03]),
    )
    neither = rng.random(n) < 0.01
    email_kind = np.where(neither, 2, email_kind)
    phone_kind = np.where(neither, 3, phone_kind)

    country_ids = [
        ref.country_ids.get(v_codes[c]) if v else ref.hk_country_id
        for v, c in zip(visitor.tolist(), v_country.tolist(), strict=True)
    ]
    phones, sanitized = contact_phones(ctx, ids, phone_kind, visitor, v_country, rng)
    emails, normalized = contact_emails(ctx, ids, email_kind, local_parts, rng)

    # placeholders and duplicate pairs
    weight_factor = np.ones(n)
    dup_variant = rng.integers(0, 4, n)
    for i, pos in enumerate(positions):
        if pos in ctx.placeholders:
            names[i] = PLACEHOLDER_NAMES[pos % len(PLACEHOLDER_NAMES)]
            weight_factor[i] = 0.2
        elif pos in ctx.duplicates and i > 0:
            names[i] = duplicate_name(romans[i - 1], chinese[i - 1], dup_variant[i])
            phones[i], sanitized[i] = phones[i - 1], sanitized[i - 1]
            if emails[i - 1] and dup_variant[i] % 2:
                emails[i] = emails[i - 1].capitalize()
                normalized[i] = normalized[i - 1]
            else:
                emails[i], normalized[i] = emails[i - 1], normalized[i - 1]
            country_ids[i] = country_ids[i - 1]

    district_ids, streets, streets_zh = addresses(ctx, visitor, rng, n)

    # language, contact channel, birthday
    zh_speaker = np.where(visitor, visitor_cn, True)
    language = np.where(rng.random(n) < np.where(zh_speaker, 0.70, 0.10), "zh_HK", "en")
    contact = rng.choice(5, n, p=[0.35, 0.20, 0.25, 0.12, 0.08])
    has_email = email_kind == 0
    has_phone = phone_kind <= 1
    contact = np.where((contact == 2) & ~has_email, 0, contact)
    contact = np.where(np.isin(contact, [0, 1, 3]) & ~has_phone, np.where(has_email, 2, 4), contact)
    contact_null = rng.random(n) < 0.10
    has_birthday = rng.random(n) < 0.75
    month = rng.integers(1, 13, n)
    month_len = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month - 1]
    day = (rng.random(n) * month_len).astype(np.int64) + 1
    has_year = has_birthday & (rng.random(n) < 0.4)
    year = rng.integers(1950, 2007, n)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where(has_year & (month == 2) & (day == 29) & ~leap, 28, day)

    # enrolment and activity dates
    enrol_before = rng.random(n) < np.where(visitor, 0.2, 0.7)
    old_start = (dt.date(2012, 1, 1) - EPOCH).days
    enrol_day = np.where(
        enrol_before,
        rng.integers(old_start, max(old_start + 1, ctx.start_day), n),
        rng.integers(ctx.start_day, ctx.today_day + 1, n),
    )
    created = enrol_day * 86400 + rng.integers(3 * 3600, 14 * 3600, n)
    created = np.minimum(created, ctx.now_seconds)
    online = channel >= 1
    last_visit = ctx.now_seconds - rng.integers(3600, 180 * 86400, n)
    online_account = [
        (emails[i] if email_kind[i] == 0 else f"member{ids[i]}") if online[i] else "\\N"
        for i in range(n)
    ]

    weight = np.array(TIER_ORDER_WEIGHT)[tier] * rng.lognormal(0.0, 0.8, n)
    weight *= np.where(visitor, 0.3, 1.0) * np.where(rng.random(n) < 0.10, 0.0, 1.0)
    weight *= weight_factor
    # customers enrolled during the period buy during the part they are members
    weight *= 1.0 - seasonal_mass_before(ctx, enrol_day) / ctx.day_cumw[-1]

    esc_names = [copy_escape(x) for x in names]
    columns = [
        ids,
        esc_names,
        esc_names,
        ids,
        nullable([copy_escape(x) if x else "" for x in emails], [bool(x) for x in emails]),
        nullable([copy_escape(x) if x else "" for x in normalized], [bool(x) for x in normalized]),
        nullable([copy_escape(x) if x else "" for x in phones], [bool(x) for x in phones]),
        nullable([x or "" for x in sanitized], [bool(x) for x in sanitized]),
        [str(c) if c else "\\N" for c in country_ids],
        streets,
        streets_zh,
        [membership_number(i) for i in ids],
        np.array(ref.tier_ids, dtype=np.int64)[tier].tolist(),
        np.array(ref.branch_ids, dtype=np.int64)[home].tolist(),
        day_strings(enrol_day),
        CHANNELS[channel].tolist(),
        language.tolist(),
        np.where(language == "zh_HK", ctx.lang_zh, ctx.lang_en).tolist(),
        nullable(CONTACT_CHANNELS[contact].tolist(), (~contact_null).tolist()),
        district_ids,
        np.where(visitor, "visitor", "resident").tolist(),
        nullable_ints(day, has_birthday),
        nullable_ints(month, has_birthday),
        nullable_ints(year, has_year),
        online_account,
        nullable(date_strings(last_visit), online.tolist()),
    ]
    created_s = date_strings(created)
    columns += [created_s, created_s]
    preferred = []
    has_pref = rng.random(n) < 0.30
    first_cat = rng.integers(0, len(ref.category_ids), n)
    second_cat = rng.integers(0, len(ref.category_ids), n)
    for i in np.flatnonzero(has_pref).tolist():
        preferred.append((ids[i], ref.category_ids[first_cat[i]]))
        if second_cat[i] != first_cat[i] and rng.random() < 0.4:
            preferred.append((ids[i], ref.category_ids[second_cat[i]]))
    summary = Customers(
        ids=[ids_arr],
        home=[home],
        channel=[channel],
        tier=[tier],
        enrol_day=[enrol_day],
        weight=[weight],
    )
    return columns, preferred, summary
