"""Unit tests of the pure helpers of setup/generate_data.py (no database needed).

Run with: .venv/bin/python -m pytest -p no:odoo tests/test_generate_data_unit.py
(setup/test.sh runs them too, with pytest-odoo and its database).
"""

import datetime as dt
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "setup" / "generate_data.py"


def _load():
    spec = importlib.util.spec_from_file_location("generate_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gd = _load()


def test_copy_escape_and_literal():
    assert gd.copy_escape("a\tb\nc\\d") == "a\\tb\\nc\\\\d"
    assert gd.copy_literal(None) == "\\N"
    assert gd.copy_literal(True) == "t"
    assert gd.copy_literal(False) == "f"
    assert gd.copy_literal(0) == "0"
    assert gd.copy_literal(1.5) == "1.5"
    assert gd.copy_literal({"en_US": "Jade 翡翠"}) == '{"en_US": "Jade 翡翠"}'
    assert gd.copy_literal(dt.date(2024, 2, 29)) == "2024-02-29"
    assert gd.copy_literal(dt.datetime(2024, 2, 29, 8, 5)) == "2024-02-29 08:05:00"


def test_months_back_clamps_month_ends():
    assert gd.months_back(dt.date(2026, 11, 22), 24) == dt.date(2024, 11, 22)
    assert gd.months_back(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert gd.months_back(dt.date(2025, 1, 15), 13) == dt.date(2023, 12, 15)


def test_day_weights_seasonality():
    weights = gd.day_weights(dt.date(2024, 11, 1), dt.date(2025, 10, 31))
    assert len(weights) == 365
    start = dt.date(2024, 11, 1)

    def w(day):
        return weights[(day - start).days]

    # December and the weeks before Chinese New Year (29 Jan 2025) sell more
    assert w(dt.date(2024, 12, 11)) > w(dt.date(2025, 6, 11))
    assert w(dt.date(2025, 1, 22)) > w(dt.date(2025, 3, 12))
    # weekends sell more than weekdays of the same month
    assert w(dt.date(2025, 6, 14)) > w(dt.date(2025, 6, 11))
    assert (weights > 0).all()


@pytest.mark.parametrize("n_lines", [0, 1, 7, 1000, 123_457])
def test_plan_order_sizes_adds_up(n_lines):
    sizes = gd.plan_order_sizes(np.random.default_rng(1), n_lines)
    assert int(sizes.sum()) == n_lines
    if n_lines:
        assert sizes.min() >= 1 and sizes.max() <= 5


def test_plan_order_sizes_is_deterministic():
    a = gd.plan_order_sizes(np.random.default_rng([42, 5]), 5000)
    b = gd.plan_order_sizes(np.random.default_rng([42, 5]), 5000)
    assert np.array_equal(a, b)


def test_round_half_up_div():
    assert gd.round_half_up_div([5, 15, 14, -5, 25], 10).tolist() == [1, 2, 1, -1, 3]


def test_line_amounts_match_orm_rounding():
    # 123.45 x 1 at 10 %: 111.105 -> 111.11 (Odoo rounds half up)
    subtotal, reduce_, margin, ratio = gd.line_amounts([12345], [1], [10], [10000])
    assert subtotal.tolist() == [11111]
    assert reduce_.tolist() == [11111]
    assert margin.tolist() == [1111]
    assert ratio[0] == pytest.approx((1111 / 100) / (11111 / 100))
    # 3 x 99.99 at 15 %: 254.9745 -> 254.97; unit 84.99
    subtotal, reduce_, margin, _ratio = gd.line_amounts([9999], [3], [15], [5000])
    assert subtotal.tolist() == [25497]
    assert reduce_.tolist() == [8499]
    assert margin.tolist() == [25497 - 15000]
    # below cost: negative margin
    subtotal, _r, margin, ratio = gd.line_amounts([8000], [1], [0], [10000])
    assert margin.tolist() == [-2000] and ratio[0] < 0


def test_line_amounts_agree_with_float_formula():
    rng = np.random.default_rng(7)
    price = rng.integers(100, 50_000_000, 2000)
    qty = rng.integers(1, 5, 2000)
    discount = rng.integers(0, 61, 2000)
    subtotal, *_rest = gd.line_amounts(price, qty, discount, price // 2)
    for p, q, d, s in zip(
        price.tolist(), qty.tolist(), discount.tolist(), subtotal.tolist(), strict=True
    ):
        exact = p / 100 * (1 - d / 100.0) * q
        assert abs(exact - s / 100) <= 0.005 + 1e-9


def test_formats():
    assert gd.format_hk_number(91234567) == "+852 9123 4567"
    assert gd.format_grouped("86", 13800138000, (3, 4, 4)) == "+86 138 0013 8000"
    assert gd.membership_number(82) == "G00000082"
    assert gd.nice_price(1234) == 1180
    assert gd.nice_price(456) == 460
    assert gd.date_strings([0, 86400 + 3661]) == ["1970-01-01 00:00:00", "1970-01-02 01:01:01"]
    assert gd.day_strings([0, 19782]) == ["1970-01-01", "2024-02-29"]


def test_hk_prefixes_are_valid_numbers():
    phonenumbers = pytest.importorskip("phonenumbers")
    rng = np.random.default_rng(3)
    for prefix in gd.HK_MOBILE_PREFIXES + gd.HK_FIXED_PREFIXES:
        for rest in rng.integers(0, 100_000, 3).tolist():
            number = phonenumbers.parse(f"+852{prefix}{rest:05d}")
            assert phonenumbers.is_valid_number(number), (prefix, rest)
    for code, _share, cc, prefixes, length, _layout in gd.VISITOR_COUNTRIES:
        for prefix in prefixes:
            rest_len = length - len(str(prefix))
            national = f"{prefix}{'5' * rest_len}"
            assert phonenumbers.is_valid_number(phonenumbers.parse(f"+{cc}{national}")), code


def test_invalid_numbers_are_invalid():
    phonenumbers = pytest.importorskip("phonenumbers")
    for number in gd.PhoneBook.invalid_numbers(np.random.default_rng(5), 200):
        try:
            parsed = phonenumbers.parse(number, "HK")
        except phonenumbers.NumberParseException:
            continue
        assert not phonenumbers.is_valid_number(parsed), number


def test_plan_products():
    items = gd.plan_products(np.random.default_rng(2), 200)
    assert len(items) == 200
    assert len({it["code"] for it in items}) == 200
    assert all(0 < it["cost_cents"] < it["price_cents"] for it in items)
    assert {it["category"] for it in items} == set(range(len(gd.CATEGORIES)))
    assert len(gd.plan_products(np.random.default_rng(2), 3)) == 3


def test_names_are_bilingual():
    book = gd.NameBook()
    names, romans, chinese, locals_ = book.draw(
        np.random.default_rng(4), 500, np.zeros(500, dtype=bool)
    )
    for name, roman, zh, local in zip(names, romans, chinese, locals_, strict=True):
        assert name == f"{roman} {zh}"
        assert roman.isascii() and not zh.isascii()
        assert local.isascii() and " " not in local
    assert gd.duplicate_name("Chan Tai Man", "陳大文", 0) == "CHAN TAI MAN 陳大文"
    assert gd.duplicate_name("Chan Tai Man", "陳大文", 2) == "Tai Man Chan"


def test_special_rows():
    placeholders, duplicates = gd.special_rows(42, 2000)
    assert len(placeholders) >= 3 and len(duplicates) >= 3
    assert not placeholders & duplicates
    assert all(p - 1 not in placeholders and p % gd.CUSTOMER_BATCH for p in duplicates)
    assert gd.special_rows(42, 2000) == (placeholders, duplicates)


def test_parse_args_defaults():
    args = gd.parse_args(["--db", "x"])
    assert (args.customers, args.lines, args.months, args.products, args.seed) == (
        2000,
        20000,
        24,
        200,
        42,
    )
    with pytest.raises(SystemExit):
        gd.parse_args(["--db", "x", "--months", "0"])


def test_scramble_is_a_bijection():
    space = 240 * 100_000
    values = gd.scramble(np.arange(0, 2_000_000), space)
    assert len(np.unique(values)) == 2_000_000
    assert values.min() >= 0 and values.max() < space
    assert gd.scramble([7], 10).tolist() == gd.scramble([7], 10).tolist()


def test_phone_numbers_and_email_tags_are_unique():
    book = gd.PhoneBook(None)
    ids = np.arange(1, 300_001)
    numbers = book.hk_numbers(np.random.default_rng(1), ids, fixed_share=0.09)
    assert len(np.unique(numbers)) == len(ids)
    assert ((numbers >= 20_000_000) & (numbers < 100_000_000)).all()
    tags = {gd.email_tag(i) for i in range(1, 200_001)}
    assert len(tags) == 200_000


# --- setup/gen_jewellery.py (the jewellery and clienteling part) -------------

gj = sys.modules["gen_jewellery"]


def test_jewellery_part_is_on_for_demo_sizes_only():
    args = gd.parse_args(["--db", "x"])
    assert args.jewellery == "auto" and gd.with_jewellery(args)
    big = gd.parse_args(["--db", "x", "--customers", "1000000", "--lines", "10000000"])
    assert not gd.with_jewellery(big)
    assert gd.with_jewellery(
        gd.parse_args(["--db", "x", "--customers", "1000000", "--jewellery", "yes"])
    )
    assert not gd.with_jewellery(gd.parse_args(["--db", "x", "--jewellery", "no"]))
    assert not gd.with_jewellery(gd.parse_args(["--db", "x", "--customers", "0", "--lines", "0"]))


def test_plan_volumes_scale_with_customers_and_are_capped():
    small, demo, huge = gj.plan_volumes(200), gj.plan_volumes(2000), gj.plan_volumes(10**6)
    assert gj.plan_volumes(0) == dict.fromkeys(gj.VOLUMES, 0)
    for name, (_share, cap) in gj.VOLUMES.items():
        assert 0 < small[name] <= demo[name] <= huge[name] == cap, name
    assert demo["custom_orders"] >= len(gj.CUSTOM_STATES)
    assert demo["repairs"] >= len(gj.REPAIR_STATES)


def test_spread_states_covers_every_state_deterministically():
    rng = gj.rng_for(42, 2)
    states = gj.spread_states(rng, gj.CUSTOM_STATES, gj.CUSTOM_STATE_WEIGHTS, 60)
    assert len(states) == 60 and set(states) == set(gj.CUSTOM_STATES)
    again = gj.spread_states(gj.rng_for(42, 2), gj.CUSTOM_STATES, gj.CUSTOM_STATE_WEIGHTS, 60)
    assert states == again
    assert len(gj.spread_states(rng, gj.REPAIR_STATES, gj.REPAIR_STATE_WEIGHTS, 3)) == 3
    assert gj.spread_states(rng, gj.REPAIR_STATES, gj.REPAIR_STATE_WEIGHTS, 0) == []


def test_consent_plan_gives_a_realistic_share_with_notice():
    notice, opt_in = gj.consent_plan(gj.rng_for(42, 1), 5000, 7)
    assert opt_in.shape == (5000, 7, len(gj.CONSENT_CHANNELS))
    shares = opt_in.mean(axis=0)
    assert shares.min() >= 0.35 and shares.max() <= 0.6, shares
    # nobody consents without having acknowledged the collection notice
    assert not (opt_in.any(axis=(1, 2)) & ~notice).any()
    assert 0.8 <= notice.mean() <= 0.95
    again = gj.consent_plan(gj.rng_for(42, 1), 5000, 7)
    assert (again[0] == notice).all() and (again[1] == opt_in).all()


def test_certificate_numbers_and_measurements():
    rng = gj.rng_for(1, 4)
    gia = gj.certificate_number("gia", rng)
    assert gia.isdigit() and len(gia) == 10
    assert gj.certificate_number("igi", rng).startswith("LG")
    assert gj.certificate_number("hrd", rng).isdigit()
    assert gj.certificate_number("other", rng).startswith("HKJL-")
    # a 1 ct round brilliant is about 6.5 mm across and 4 mm deep
    length, width, depth = (float(x) for x in gj.carat_measurements(1.0, "round").split(" x "))
    assert 6.4 <= length <= 6.6 and abs(width - length) < 0.1 and 3.8 <= depth <= 4.1
    oval = gj.carat_measurements(1.0, "oval").split(" x ")
    assert float(oval[0]) > float(oval[1])


def test_pick_weighted_and_dates():
    rng = gj.rng_for(3, 8)
    picks = gj.pick_weighted(rng, ["a", "b"], [9, 1], 1000)
    assert 850 <= picks.count("a") <= 950
    assert gj.day_before(dt.date(2024, 3, 1), 1) == dt.date(2024, 2, 29)


def test_order_channels_give_a_plausible_mix():
    rng = np.random.default_rng(7)
    n = 20_000
    is_web = rng.random(n) < 0.25
    partners = rng.integers(1, 1_000_000, n)
    channels = gd.order_channels(np.random.default_rng(1), is_web, partners)
    names = gd.SALES_CHANNEL_NAMES[channels]
    assert set(names[is_web]) == {"online"}
    shop = names[~is_web]
    share = {code: float(np.mean(shop == code)) for code in ("store", "wholesale", "phone")}
    assert share["store"] > 0.85
    assert 0.01 < share["wholesale"] < 0.05
    assert 0.03 < share["phone"] < 0.09
    # a trade account buys wholesale in every shop order
    trade = (~is_web) & (partners % 40 == 0)
    assert set(names[trade]) == {"wholesale"}
    again = gd.order_channels(np.random.default_rng(1), is_web, partners)
    assert np.array_equal(channels, again)
