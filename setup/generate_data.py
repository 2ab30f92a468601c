#!/usr/bin/env python3
"""Generate a realistic, deterministic Retail CRM data set for load and feature tests.

The generator fills an Odoo 18 database where ``crm_retail_compile`` is installed
with Hong Kong retail / jewellery data:

* shop branches (the ``crm.retail.branch`` records of the database are reused;
  Central, Causeway Bay, Tsim Sha Tsui, Mong Kok, Sha Tin and the online store
  are created when the database has none);
* a few salespeople per branch (internal users ``sales.<branch code>.<n>``,
  branch staff restricted to their branch);
* jewellery and retail product categories and products;
* retail customers with bilingual names (``Chan Tai Man 陳大文``), membership
  numbers ``G<partner id>``, tiers, home branches, districts, birthdays, Hong
  Kong phone numbers and e-mail addresses, with a small share of deliberately
  bad data (invalid or missing phones and e-mails, placeholder names such as
  ``test``, duplicate pairs) for the data-quality features;
* sale orders (confirmed, quotations, cancelled) and their lines spread over
  the last months with seasonality (Christmas, Chinese New Year, weekends),
  discounts (some irregular, a few lines below cost) and the amounts and
  margins Odoo itself would compute.

The few configuration records (branches, users, categories, pricelist) go
through the ORM; customers, products, orders and lines are written set-based
with ``COPY FROM STDIN`` in batches, in a single transaction: an error leaves
the database untouched.  Columns the generator does not set itself get the
value the ORM gives a prototype record created (and rolled back) in the same
transaction, so every NOT NULL column and default is filled the way the
installed modules expect.

Usage::

    .venv/bin/python setup/generate_data.py --db crm_retail
    .venv/bin/python setup/generate_data.py --db crm_load --customers 1000000 \\
        --lines 10000000 --months 24 --seed 42
    .venv/bin/python setup/generate_data.py --db crm_retail --verify-only

Options (see ``--help``): ``--customers`` (2000), ``--lines`` sale order lines
(20000), ``--months`` (24), ``--products`` (200), ``--salespeople`` per branch
(4), ``--seed`` (42), ``--today`` (the last day of the period, default today in
Hong Kong), ``--config`` (the rendered Odoo configuration with db_host,
db_port, db_user and db_password, default .odoo-effective.conf of the
repository), ``--append`` (add data to a database that already has generated
data), ``--defer-indexes auto|yes|no`` (rebuild the non-unique indexes of the
big tables after the load; auto from 1,000,000 lines or 200,000 customers),
``--verify`` / ``--verify-only`` (recompute random orders and customers with
the ORM and compare them with the stored values; exit status 1 on a mismatch).

The same seed, sizes, ``--today`` and database state give the same data.

Notes:

* The generated rows carry what the ORM would store: line subtotals, unit
  prices after discount, costs (``purchase_price``), margins, order totals,
  ``invoice_status`` and ``qty_to_invoice`` are computed exactly (integer
  cents, Odoo's half-up rounding); no tax (Hong Kong has no sales tax, the
  generated products have none).  ``--verify`` recomputes them with the ORM
  for about 30 orders (always including below-cost, heavily discounted and
  not confirmed ones) and 200 customers and runs the model constraints.
* The bulk orders get no stock pickings, stock moves or invoices: confirmed
  orders are "to invoice" with nothing delivered (``qty_delivered`` 0), which
  is what the ORM computes for orders without pickings.  For demo sizes
  (``--jewellery auto``: up to 50,000 customers; ``yes`` / ``no`` force it),
  ``setup/gen_jewellery.py`` then adds in the same transaction: a manager and
  staff for every branch and a salesperson for every customer, collection
  notice acknowledgements and marketing consents (about half of the
  customers), custom orders and repairs at every status, certificates,
  anniversaries, wish lists, calls, online activity, and for a sample of the
  orders deliveries, invoices, payments (bank and cash), a refund and reviews.
* Membership numbers are ``G`` + the zero-padded partner id; order names
  continue the ``sale.order`` sequence, which is moved past them.  A database
  that already has ``G...`` members or ``sales.*`` users is refused unless
  ``--append`` is given (products and users are then reused).
* When the database user is a superuser, the row-by-row foreign key triggers
  are skipped for the transaction (``SET LOCAL session_replication_role``) and
  all foreign keys of the new rows are checked afterwards in one pass per
  table; otherwise the triggers run (slower).  With ``--defer-indexes`` the
  non-unique indexes of res_partner, sale_order and sale_order_line are
  dropped in the transaction and recreated from their own definitions before
  the commit (the tables stay locked meanwhile: use it on a database nobody
  else uses).  Nothing is left dropped or altered.
* Stored computed fields added by other modules (not known to the generator)
  are recomputed with the ORM after the load, and checked by ``--verify``.
* ``customer_lead``, partner ``lang`` (``zh_HK`` only when that language is
  installed) and the other columns follow the database; the company currency
  becomes HKD when no journal item exists yet (demo data has some: the
  currency is then kept).
"""

from __future__ import annotations

import argparse
import calendar
import configparser
import datetime as dt
import io
import json
import math
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_jewellery import generate_jewellery

DEFAULT_CONFIG = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".odoo-effective.conf"
)

# Fixed batch sizes: each batch has its own random stream, so the data does
# not depend on how it is cut into COPY statements.
CUSTOMER_BATCH = 50_000
ORDER_BATCH = 100_000
# the jewellery/clienteling part is generated up to this many customers (--jewellery auto)
JEWELLERY_AUTO_MAX_CUSTOMERS = 50_000

# Random streams (second element of the seed of each generator).
STREAM_SETUP, STREAM_PRODUCTS, STREAM_CUSTOMERS, STREAM_SPECIALS = 1, 2, 3, 4
STREAM_ORDER_PLAN, STREAM_ORDERS, STREAM_VERIFY = 5, 6, 7

MEMBERSHIP_PREFIX = "G"
SALES_LOGIN = "sales.{code}.{n}"
XMLID_MODULE = "__import__"
XMLID_PREFIX = "retail_gen_"
TZ_HK = "Asia/Hong_Kong"
HK_UTC_OFFSET = 8 * 3600
EPOCH = dt.date(1970, 1, 1)

# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------

# fmt: off

# code, name, Chinese name, district code, street, online, sequence
BRANCHES = [
    ("CEN", "Central", "中環", "CW", "Shop 101, 1 Queen's Road Central", False, 10),
    ("CWB", "Causeway Bay", "銅鑼灣", "WC", "G/F, 500 Hennessy Road", False, 20),
    ("TST", "Tsim Sha Tsui", "尖沙咀", "YT", "Shop 12, 30 Canton Road", False, 30),
    ("MK", "Mong Kok", "旺角", "YT", "G/F, 688 Nathan Road", False, 40),
    ("ST", "Sha Tin", "沙田", "ST", "Shop 3, New Town Plaza", False, 50),
    ("WEB", "Online Store", "網上商店", "CW", "", True, 60),
]
# Share of the home branches of in-store customers, residents and visitors.
BRANCH_WEIGHTS = {"CEN": 0.22, "CWB": 0.22, "TST": 0.24, "MK": 0.18, "ST": 0.14}
VISITOR_BRANCH_WEIGHTS = {"CEN": 0.15, "CWB": 0.25, "TST": 0.50, "MK": 0.07, "ST": 0.03}

# Romanised (Cantonese) surname, Chinese, pinyin, weight.
SURNAMES = [
    ("Chan", "陳", "Chen", 10), ("Wong", "黃", "Huang", 8), ("Lee", "李", "Li", 7),
    ("Cheung", "張", "Zhang", 6), ("Lau", "劉", "Liu", 5), ("Ho", "何", "He", 4),
    ("Ng", "吳", "Wu", 4), ("Leung", "梁", "Liang", 4), ("Lam", "林", "Lin", 4),
    ("Tang", "鄧", "Deng", 3), ("Yip", "葉", "Ye", 2), ("Cheng", "鄭", "Zheng", 2),
    ("Tsang", "曾", "Zeng", 2), ("Kwok", "郭", "Guo", 2), ("Chow", "周", "Zhou", 2),
    ("Lo", "盧", "Lu", 2), ("Mak", "麥", "Mai", 1.5), ("Fung", "馮", "Feng", 1.5),
    ("Yeung", "楊", "Yang", 2), ("Choi", "蔡", "Cai", 1.5), ("Wu", "胡", "Hu", 1.2),
    ("Siu", "蕭", "Xiao", 1), ("Tam", "譚", "Tan", 1.2), ("Poon", "潘", "Pan", 1),
    ("Yuen", "袁", "Yuan", 1), ("So", "蘇", "Su", 1), ("Chu", "朱", "Zhu", 1),
    ("Lui", "呂", "Lyu", 1), ("Hui", "許", "Xu", 1), ("Ma", "馬", "Ma", 1),
    ("Kwan", "關", "Guan", 0.8), ("Chung", "鍾", "Zhong", 0.8), ("Tse", "謝", "Xie", 1),
    ("Law", "羅", "Luo", 1), ("Au", "區", "Ou", 0.6), ("Fong", "方", "Fang", 0.8),
    ("Luk", "陸", "Lu", 0.6), ("Mok", "莫", "Mo", 0.6), ("Tong", "唐", "Tang", 0.6),
    ("Wan", "溫", "Wen", 0.6), ("Chiu", "趙", "Zhao", 0.8), ("Yiu", "姚", "Yao", 0.5),
    ("Kong", "江", "Jiang", 0.5), ("Pang", "彭", "Peng", 0.5), ("Shek", "石", "Shi", 0.4),
]
# Given-name syllables: romanised, Chinese, pinyin, gender (m, f or u).
GIVEN_SYLLABLES = [
    ("Tai", "大", "da", "m"), ("Man", "文", "wen", "m"), ("Ming", "明", "ming", "u"),
    ("Ka", "家", "jia", "u"), ("Ho", "豪", "hao", "m"), ("Wai", "偉", "wei", "m"),
    ("Kin", "健", "jian", "m"), ("Chi", "志", "zhi", "m"), ("Keung", "強", "qiang", "m"),
    ("Kwok", "國", "guo", "m"), ("Chun", "俊", "jun", "m"), ("Hung", "雄", "xiong", "m"),
    ("Kit", "傑", "jie", "m"), ("Lok", "樂", "le", "u"), ("Hei", "希", "xi", "u"),
    ("Tsz", "梓", "zi", "u"), ("On", "安", "an", "u"), ("Lun", "倫", "lun", "m"),
    ("Fai", "輝", "hui", "m"), ("Kwan", "鈞", "jun", "m"), ("Wah", "華", "hua", "u"),
    ("Yiu", "耀", "yao", "m"), ("Shing", "成", "cheng", "m"), ("Pak", "柏", "bo", "m"),
    ("Chung", "聰", "cong", "m"), ("Siu", "小", "xiao", "u"), ("Wing", "詠", "yong", "f"),
    ("Yan", "欣", "xin", "f"), ("Mei", "美", "mei", "f"), ("Ling", "玲", "ling", "f"),
    ("Fong", "芳", "fang", "f"), ("Yee", "儀", "yi", "f"), ("Hoi", "凱", "kai", "u"),
    ("Sze", "詩", "shi", "f"), ("Yu", "瑜", "yu", "f"), ("Ying", "瑩", "ying", "f"),
    ("Shan", "珊", "shan", "f"), ("Kei", "琪", "qi", "f"), ("Pui", "佩", "pei", "f"),
    ("Suk", "淑", "shu", "f"), ("Wai", "慧", "hui", "f"), ("Man", "敏", "min", "f"),
    ("Lai", "麗", "li", "f"), ("Yuk", "玉", "yu", "f"), ("Ching", "晴", "qing", "f"),
    ("Tung", "彤", "tong", "f"), ("Nga", "雅", "ya", "f"), ("Sum", "心", "xin", "f"),
]
ENGLISH_NAMES_F = [
    "Karen", "Mandy", "Winnie", "Carmen", "Vivian", "Joyce", "Cherry", "Kitty", "Fiona",
    "Iris", "Queenie", "Ivy", "Gigi", "Phoebe", "Chloe", "Angel", "Crystal", "Jessica",
    "Michelle", "Yoyo",
]
ENGLISH_NAMES_M = [
    "Peter", "Raymond", "Kelvin", "Jason", "Kenneth", "Alan", "Eric", "Tommy", "Ivan",
    "Marco", "Desmond", "Ken", "Wilson", "Jacky", "Samuel", "Ryan", "Dickson", "Terence",
    "Vincent", "Gary",
]
PLACEHOLDER_NAMES = ["test", "xxx", "Test", "TEST CUSTOMER", "abc", "XXX", "asdf", "N/A"]

EMAIL_DOMAINS = [
    ("example.com", 0.35), ("mail.example.com", 0.2), ("example.net", 0.15),
    ("hk.example.org", 0.12), ("example.org", 0.1), ("biz.example.net", 0.08),
]
BAD_EMAIL_PATTERNS = ["{}@@example", "{}@", "{}.example.com", "{}@example,com", "@{}"]

# Mobile (5, 6, 7, 9) and fixed-line (2, 3) prefixes of Hong Kong numbers
# (first three of eight digits) that libphonenumber treats as valid.
HK_MOBILE_PREFIXES = (
    [510, 511, 512, 513, 516, 517, 518, 519, 520, 521, 522, 523, 527, 528, 529, 530, 531,
     532, 533, 537, 538, 539, 540, 541, 542, 543, 546, 547, 548, 549, 550, 551, 552, 553,
     556, 557, 558, 559, 560, 561, 562, 563, 590, 591, 592, 593, 594, 596, 597, 598, 599]
    + [p for p in range(601, 700) if p not in (626, 666, 678, 686)]
    + [720, 722, 723, 728, 729, 730, 731, 732, 733]
    + [p for p in range(901, 989) if p not in (911, 929, 939, 959)]
)
HK_FIXED_PREFIXES = [p for p in range(223, 300)] + [340, 341, 342, 344, 346, 347, 348, 349]

# Visitor countries: code, share, calling code, mobile prefixes, national length, layout.
VISITOR_COUNTRIES = [
    ("CN", 0.70, "86", [130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 158, 159, 186, 188],
     11, (3, 4, 4)),
    ("TW", 0.10, "886", [910, 912, 915, 918, 920, 921, 928], 9, (3, 3, 3)),
    ("SG", 0.08, "65", [81, 82, 85, 87, 90, 91, 93, 96, 97], 8, (4, 4)),
    ("GB", 0.06, "44", [7400, 7500, 7800, 7900], 10, (4, 6)),
    ("AU", 0.06, "61", [400, 410, 420, 430], 9, (3, 3, 3)),
]

# District code -> population share (thousands) and housing estates (English, Chinese).
DISTRICTS = {
    "CW": (235, [("Robinson Place", "雍景臺"), ("The Belcher's", "寶翠園")]),
    "WC": (167, [("Convention Plaza Apartments", "會展廣場"), ("The Zenith", "尚翹峰")]),
    "EA": (530, [("Taikoo Shing", "太古城"), ("Kornhill", "康怡花園"),
                 ("Heng Fa Chuen", "杏花邨")]),
    "SO": (263, [("South Horizons", "海怡半島"), ("Aberdeen Centre", "香港仔中心")]),
    "YT": (310, [("Sorrento", "擎天半島"), ("Park Avenue", "柏景灣")]),
    "SS": (431, [("Mei Foo Sun Chuen", "美孚新邨"), ("Banyan Garden", "泓景臺")]),
    "KC": (410, [("Whampoa Garden", "黃埔花園"), ("Grand Waterfront", "翔龍灣")]),
    "WT": (406, [("Lok Fu Estate", "樂富邨"), ("Galaxia", "星河明居")]),
    "KT": (673, [("Laguna City", "麗港城"), ("Amoy Gardens", "淘大花園")]),
    "KI": (495, [("Tierra Verde", "盈翠半島"), ("Kwai Chung Estate", "葵涌邨")]),
    "TW": (320, [("Luk Yeung Sun Chuen", "綠楊新邨"), ("Belvedere Garden", "麗城花園")]),
    "TM": (506, [("Siu Hong Court", "兆康苑"), ("Tuen Mun Town Plaza", "屯門市廣場")]),
    "YL": (668, [("Kingswood Villas", "嘉湖山莊"), ("Yoho Town", "形點")]),
    "NO": (310, [("Fanling Centre", "花都廣場"), ("Sheung Shui Centre", "上水中心")]),
    "TP": (316, [("Tai Po Centre", "大埔中心"), ("Uptown Plaza", "新達廣場")]),
    "ST": (692, [("City One Shatin", "沙田第一城"), ("Jubilee Garden", "銀禧花園")]),
    "SK": (489, [("Metro Town", "都會駅"), ("Park Central", "將軍澳中心")]),
    "IS": (185, [("Discovery Bay", "愉景灣"), ("Coastal Skyline", "藍天海岸")]),
}

TIER_CODES = ["classic", "silver", "gold", "diamond"]
TIER_SHARES = [0.70, 0.18, 0.09, 0.03]
TIER_ORDER_WEIGHT = [1.0, 2.0, 4.0, 8.0]
TIER_DISCOUNT_RATE = [0.12, 0.22, 0.32, 0.42]
TIER_PREMIUM_RATE = [0.05, 0.10, 0.20, 0.40]
PREMIUM_PRICE_CENTS = 20_000_00

# Product categories: name, code prefix, share of lines, list price range,
# cost ratio range, quantity profile, items (English, Chinese), variants.
JEWELLERY_QTY = (1, 2, 3), (0.90, 0.08, 0.02)
RETAIL_QTY = (1, 2, 3, 4), (0.55, 0.25, 0.12, 0.08)
CATEGORIES = [
    ("Gold Jewellery", "GJ", 0.30, (1_500, 80_000), (0.78, 0.88), JEWELLERY_QTY,
     [("999.9 Gold Bangle", "足金手鐲"), ("18K Gold Necklace", "18K金項鏈"),
      ("18K Rose Gold Pendant", "18K玫瑰金吊墜"), ("999.9 Gold Ring", "足金戒指"),
      ("18K Gold Earrings", "18K金耳環"), ("Dragon & Phoenix Wedding Bangle", "龍鳳鈪"),
      ("Baby Gold Bracelet", "BB金手鏈"), ("Zodiac Gold Charm", "生肖金飾"),
      ("999.9 Gold Bar", "足金金條")],
     ["1 mace", "2 mace", "5 mace", "1 tael", "2 taels", "3.75g", "7.5g"]),
    ("Diamond Rings", "DR", 0.10, (5_000, 400_000), (0.45, 0.62), JEWELLERY_QTY,
     [("Solitaire Diamond Ring", "單粒鑽石戒指"), ("Halo Diamond Ring", "光環鑽石戒指"),
      ("Eternity Diamond Band", "全環鑽石戒指"), ("Engagement Ring", "求婚鑽石戒指"),
      ("Diamond Wedding Band", "鑽石結婚戒指")],
     ["0.10ct", "0.30ct", "0.50ct", "0.70ct", "1.00ct", "1.50ct", "2.00ct"]),
    ("Diamond Jewellery", "DJ", 0.08, (3_000, 200_000), (0.45, 0.62), JEWELLERY_QTY,
     [("Diamond Pendant", "鑽石吊墜"), ("Diamond Stud Earrings", "鑽石耳環"),
      ("Diamond Tennis Bracelet", "鑽石手鏈"), ("Diamond Necklace", "鑽石項鏈")],
     ["18K White Gold", "18K Rose Gold", "PT950 Platinum"]),
    ("Jade", "JD", 0.12, (1_200, 250_000), (0.30, 0.50), JEWELLERY_QTY,
     [("Jadeite Bangle", "翡翠手鐲"), ("Jade Pendant", "翡翠吊墜"), ("Jade Ring", "翡翠戒指"),
      ("Jade Bead Bracelet", "翡翠珠手串"), ("Jade Earrings", "翡翠耳環")],
     ["Grade A", "Icy", "Imperial Green", "Lavender"]),
    ("Pearls", "PL", 0.10, (800, 60_000), (0.35, 0.50), JEWELLERY_QTY,
     [("Akoya Pearl Necklace", "Akoya珍珠項鏈"), ("South Sea Pearl Pendant", "南洋珍珠吊墜"),
      ("Freshwater Pearl Earrings", "淡水珍珠耳環"),
      ("Tahitian Pearl Bracelet", "大溪地黑珍珠手鏈")],
     ["6-7mm", "7-8mm", "8-9mm", "9-10mm", "11-12mm"]),
    ("Watches", "WT", 0.06, (2_500, 150_000), (0.65, 0.80), JEWELLERY_QTY,
     [("Ladies' Quartz Watch", "女裝石英錶"), ("Men's Automatic Watch", "男裝自動機械錶"),
      ("Diamond-set Watch", "鑲鑽腕錶"), ("Chronograph Watch", "計時腕錶")],
     ["Steel", "Leather Strap", "Ceramic", "Two-tone"]),
    ("Gifts & Accessories", "GA", 0.12, (150, 4_000), (0.35, 0.55), RETAIL_QTY,
     [("Jewellery Box", "首飾盒"), ("Sterling Silver Photo Frame", "純銀相架"),
      ("Red Packet Gift Set", "利是封禮盒"), ("Cufflinks", "袖口鈕"),
      ("Crystal Figurine", "水晶擺設"), ("Silk Scarf", "絲巾"),
      ("Jewellery Care Kit", "首飾清潔套裝")],
     ["Classic", "Deluxe", "Limited Edition"]),
    ("Cosmetics", "CS", 0.12, (120, 1_800), (0.28, 0.45), RETAIL_QTY,
     [("Pearl Essence Face Cream", "珍珠精華面霜"), ("Hydrating Serum", "保濕精華"),
      ("Brightening Mask", "亮白面膜"), ("Lipstick", "唇膏"), ("Eye Cream", "眼霜"),
      ("Sunscreen SPF50", "防曬霜"), ("Eau de Parfum", "香水")],
     ["30ml", "50ml", "100ml", "Travel Size", "Gift Set"]),
]

MONTH_FACTOR = {1: 1.10, 2: 1.05, 3: 0.90, 4: 0.95, 5: 1.05, 6: 0.90,
                7: 0.95, 8: 0.90, 9: 0.95, 10: 1.05, 11: 1.10, 12: 1.45}
CHINESE_NEW_YEAR = {
    2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10),
    2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3),
}
ANNUAL_GROWTH = 1.06

LINES_PER_ORDER = (1, 2, 3, 4, 5)
LINES_PER_ORDER_P = (0.42, 0.26, 0.16, 0.10, 0.06)
# fmt: on


# ---------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text):
    """Escape a string for PostgreSQL's COPY text format."""
    return text.translate(_COPY_ESCAPES)


def copy_literal(value):
    """Render a Python value as a field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return copy_escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return copy_escape(str(value))


def nullable(values, mask):
    """COPY fields of ``values`` (strings) with NULL where ``mask`` is false."""
    return [v if m else "\\N" for v, m in zip(values, mask, strict=True)]


def nullable_ints(values, mask):
    return [str(v) if m else "\\N" for v, m in zip(values.tolist(), mask.tolist(), strict=True)]


def months_back(day, months):
    """The same day ``months`` months before ``day`` (clamped to month ends)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mothers_day(year):
    """Second Sunday of May."""
    first = dt.date(year, 5, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7)


def day_weights(start, end):
    """Relative sales volume of each day from ``start`` to ``end`` (inclusive).

    December and the three weeks before Chinese New Year are the peaks,
    weekends sell more than weekdays, Valentine's Day, Mother's Day and
    Christmas Eve are spikes, and the business grows a few percent a year.
    """
    days = (end - start).days + 1
    weights = np.empty(days)
    for i in range(days):
        day = start + dt.timedelta(days=i)
        w = MONTH_FACTOR[day.month]
        if day.weekday() >= 5:
            w *= 1.3
        cny = CHINESE_NEW_YEAR.get(day.year + (1 if day.month == 12 else 0))
        if cny:
            cny_day = dt.date(day.year + (1 if day.month == 12 else 0), *cny)
            before = (cny_day - day).days
            if 0 < before <= 21:
                w *= 1.7
            elif -3 <= before <= 0:
                w *= 0.6
        if (day.month, day.day) in ((2, 14), (12, 24)):
            w *= 1.8
        md = mothers_day(day.year)
        if 0 <= (md - day).days <= 6:
            w *= 1.3
        w *= ANNUAL_GROWTH ** (i / 365.0)
        weights[i] = w
    return weights


def plan_order_sizes(rng, n_lines):
    """Number of lines of each order (1 to 5), adding up to ``n_lines``."""
    if n_lines <= 0:
        return np.zeros(0, dtype=np.int64)
    mean = float(np.dot(LINES_PER_ORDER, LINES_PER_ORDER_P))
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < n_lines:
        more = int((n_lines - sizes.sum()) / mean * 1.05) + 10
        sizes = np.concatenate([sizes, rng.choice(LINES_PER_ORDER, more, p=LINES_PER_ORDER_P)])
    cumulated = np.cumsum(sizes)
    last = int(np.searchsorted(cumulated, n_lines))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(cumulated[last]) - n_lines
    return sizes


def round_half_up_div(numerator, denominator):
    """Integer division rounded half away from zero (the ORM's HALF-UP), vectorised."""
    numerator = np.asarray(numerator, dtype=np.int64)
    sign = np.where(numerator < 0, -1, 1)
    return sign * ((2 * np.abs(numerator) + denominator) // (2 * denominator))


def line_amounts(price_cents, qty, discount, cost_cents):
    """Stored amounts of untaxed sale order lines, in cents, as the ORM computes them.

    ``discount`` is an integer percentage.  Returns the subtotal (= total, no
    tax), the unit price after discount and the margin, all in cents, and
    the margin ratio.
    """
    price_cents = np.asarray(price_cents, dtype=np.int64)
    qty = np.asarray(qty, dtype=np.int64)
    discount = np.asarray(discount, dtype=np.int64)
    subtotal = round_half_up_div(price_cents * qty * (100 - discount), 100)
    reduce_ = round_half_up_div(subtotal, qty)
    margin = subtotal - np.asarray(cost_cents, dtype=np.int64) * qty
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(subtotal != 0, (margin / 100.0) / (subtotal / 100.0), 0.0)
    return subtotal, reduce_, margin, ratio


def nice_price(value):
    """A shop price: whole dollars, ending in 0 below 1,000 and in 80 above."""
    if value < 1_000:
        return max(10, round(value / 10.0) * 10)
    return max(1_080, round(value / 100.0) * 100 - 20)


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


def ascii_slug(text):
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def batch_rng(seed, stream, *indexes):
    return np.random.default_rng([seed, stream, *indexes])


def day_strings(days):
    """'YYYY-MM-DD' strings of days since 1970-01-01."""
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").tolist()


def date_strings(seconds):
    """'YYYY-MM-DD HH:MM:SS' strings of UTC epoch seconds."""
    text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
    return np.char.replace(text, "T", " ").tolist()


# ---------------------------------------------------------------------------
# Odoo access
# ---------------------------------------------------------------------------


def read_db_config(path):
    """Connection options of the rendered Odoo configuration file."""
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path):
        raise SystemExit(f"Cannot read the configuration file {path} (run render_conf first).")
    options = parser["options"] if parser.has_section("options") else {}
    return {key: options.get(key) for key in ("db_host", "db_port", "db_user", "db_password")}


def open_registry(config_path, db_name):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", config_path, "--log-level=warn"])
    return odoo.modules.registry.Registry(db_name)


def orm_env(cr):
    import odoo

    return odoo.api.Environment(
        cr,
        odoo.SUPERUSER_ID,
        {
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "no_reset_password": True,
            "lang": "en_US",
            "tz": TZ_HK,
        },
    )


def quote_ident(cr, name):
    from psycopg2 import sql

    return sql.Identifier(name).as_string(cr.connection)


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def reserve_ids(cr, table, count):
    """Reserve ``count`` consecutive ids of ``table`` from its id sequence."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute(f"SELECT coalesce(max(id), 0) FROM {quote_ident(cr, table)}")
    max_id = cr.fetchone()[0]
    cr.execute("SELECT nextval(%s::regclass)", [sequence])
    first = max(cr.fetchone()[0], max_id + 1)
    if count:
        cr.execute("SELECT setval(%s::regclass, %s)", [sequence, first + count - 1])
    return first


def sync_sequence(cr, table):
    """Move the id sequence of ``table`` past its highest id."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute(
        f"SELECT setval(%s::regclass, greatest((SELECT coalesce(max(id), 1)"
        f" FROM {quote_ident(cr, table)}), coalesce(pg_sequence_last_value(%s::regclass), 1)))",
        [sequence, sequence],
    )


@dataclass
class TableSpec:
    """COPY layout of a table: the columns the generator sets (in order, with a
    printf format each) and constant values for all the other columns."""

    table: str
    variable: list
    constants: dict
    statement: str = ""
    row_format: str = ""

    def prepare(self, cr):
        # NULL constants of columns without a default are left out of the COPY
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s AND column_default IS NULL",
            [self.table],
        )
        no_default = {row[0] for row in cr.fetchall()}
        constants = {
            column: value
            for column, value in self.constants.items()
            if value is not None or column not in no_default
        }
        columns = [name for name, _fmt in self.variable] + list(constants)
        idents = ", ".join(quote_ident(cr, c) for c in columns)
        self.statement = f"COPY {quote_ident(cr, self.table)} ({idents}) FROM STDIN"
        fields_ = [fmt for _name, fmt in self.variable]
        fields_ += [copy_literal(v).replace("%", "%%") for v in constants.values()]
        self.row_format = "\t".join(fields_) + "\n"
        return self

    def render(self, columns):
        fmt = self.row_format
        return "".join([fmt % row for row in zip(*columns, strict=True)]).encode()


def bypass_fk_triggers(cr):
    """Skip the row-by-row foreign key triggers for this transaction.

    ``session_replication_role = replica`` (transaction-local, superuser
    only) turns off the triggers that check foreign keys one row at a
    time, which take most of the load time; :func:`check_foreign_keys`
    then checks every foreign key of the loaded rows in one pass per table.
    Returns False (triggers stay on) when the role cannot be changed.
    """
    savepoint = cr.savepoint(flush=False)
    try:
        cr.execute("SET LOCAL session_replication_role = replica", log_exceptions=False)
    except Exception:  # noqa: BLE001 - InsufficientPrivilege: keep the triggers
        savepoint.close(rollback=True)
        print("Not a superuser: foreign keys are checked row by row (slower).")
        return False
    savepoint.close(rollback=False)
    return True


def foreign_keys(cr, table):
    """(column, referenced table, referenced column) of the single-column
    foreign keys of ``table``."""
    cr.execute(
        """SELECT a.attname, cl.relname, pa.attname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
             JOIN pg_class cl ON cl.oid = c.confrelid
            WHERE c.contype = 'f' AND c.conrelid = %s::regclass
              AND array_length(c.conkey, 1) = 1
            ORDER BY 1""",
        [table],
    )
    return cr.fetchall()


def check_foreign_keys(cr, spec, key_column, first_key):
    """Check the foreign keys of the rows of ``spec.table`` whose ``key_column``
    is at least ``first_key``: constant columns once, the generated ones in a
    single scan with hashed look-ups.  Raises if a reference is dangling."""
    q = quote_ident
    variable = {name for name, _fmt in spec.variable}
    probes, problems = [], []
    for column, parent, parent_column in foreign_keys(cr, spec.table):
        if column in variable:
            probes.append(
                f"{q(cr, column)} NOT IN (SELECT {q(cr, parent_column)} FROM {q(cr, parent)})"
            )
        elif spec.constants.get(column) is not None:
            cr.execute(
                f"SELECT count(*) FROM {q(cr, parent)} WHERE {q(cr, parent_column)} = %s",
                [spec.constants[column]],
            )
            if not cr.fetchone()[0]:
                problems.append(f"{column} = {spec.constants[column]} not in {parent}")
    if probes:
        cr.execute("SET LOCAL work_mem = '1GB'")
        cr.execute(
            f"SELECT count(*) FROM {q(cr, spec.table)} WHERE {q(cr, key_column)} >= %s"
            f" AND ({' OR '.join(probes)})",
            [first_key],
        )
        dangling = cr.fetchone()[0]
        cr.execute("RESET work_mem")
        if dangling:
            problems.append(f"{dangling} rows with a dangling reference")
    if problems:
        raise RuntimeError(f"Foreign key check of {spec.table} failed: {'; '.join(problems)}")


BULK_TABLES = ("res_partner", "sale_order", "sale_order_line")


def drop_secondary_indexes(cr, tables=BULK_TABLES):
    """Drop the non-unique indexes of ``tables`` for this transaction only.

    Inserting millions of rows into random-order indexes is slow; building
    them once at the end is several times faster.  The definitions are kept
    (``pg_get_indexdef``) and :func:`restore_indexes` recreates them before
    the commit; a failure rolls the drop back with everything else.  The
    tables stay locked until the commit, so use this on a database nobody
    else is using.
    """
    cr.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT i.indisprimary AND NOT i.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY t.relname, 1""",
        [list(tables)],
    )
    definitions = cr.fetchall()
    savepoint = cr.savepoint(flush=False)
    try:
        cr.execute("SET LOCAL lock_timeout = '10s'")
        for name, _definition in definitions:
            # regclass text output: schema-qualified and quoted when needed
            cr.execute(f"DROP INDEX {name}", log_exceptions=False)
    except Exception as exc:  # noqa: BLE001 - tables in use or not owned: keep the indexes
        savepoint.close(rollback=True)
        print(f"Indexes kept ({str(exc).strip()}): the load will be slower.")
        return []
    savepoint.close(rollback=False)
    cr.execute("SET LOCAL lock_timeout = 0")
    print(f"{len(definitions)} secondary indexes of {', '.join(tables)} deferred.")
    return definitions


def restore_indexes(cr, definitions):
    """Recreate the indexes dropped by :func:`drop_secondary_indexes`."""
    started = time.monotonic()
    cr.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in definitions:
        cr.execute(definition)
    cr.execute("RESET maintenance_work_mem")
    print(f"{len(definitions)} indexes rebuilt in {time.monotonic() - started:.1f}s.", flush=True)


class CopyLoader:
    """Run COPY statements in a background thread while the next batch is built."""

    def __init__(self, cr, depth=2):
        self.cr = cr
        self.queue = queue.Queue(maxsize=depth)
        self.error = None
        self.counts = {}
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._work, name="copy-loader", daemon=True)
        self.thread.start()

    def _work(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            spec, payload, rows = item
            try:
                self.cr.copy_expert(spec.statement, io.BytesIO(payload), size=1 << 20)
            except Exception as exc:  # noqa: BLE001 - reported by submit()/close()
                self.error = exc
                continue
            total = self.counts[spec.table] = self.counts.get(spec.table, 0) + rows
            print(
                f"  {spec.table:<34} +{rows:>9,} rows  total {total:>11,}"
                f"  [{time.monotonic() - self.started:7.1f}s]",
                flush=True,
            )

    def submit(self, spec, columns):
        if self.error is not None:
            raise self.error
        rows = len(columns[0]) if columns else 0
        if rows:
            self.queue.put((spec, spec.render(columns), rows))

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


# ---------------------------------------------------------------------------
# Configuration records (ORM)
# ---------------------------------------------------------------------------


@dataclass
class Reference:
    """Ids and settings of the database the bulk data refers to."""

    company_id: int = 0
    currency_id: int = 0
    currency_name: str = ""
    pricelist_id: int = 0
    team_id: int | None = None
    uom_id: int = 0
    validity_days: int = 0
    require_signature: bool = False
    require_payment: bool = False
    hk_country_id: int | None = None
    country_ids: dict = field(default_factory=dict)
    branch_ids: list = field(default_factory=list)
    branch_codes: list = field(default_factory=list)
    online_index: int | None = None
    branch_users: list = field(default_factory=list)
    tier_ids: list = field(default_factory=list)
    district_ids: dict = field(default_factory=dict)
    category_ids: list = field(default_factory=list)
    order_prefix: str = "S"
    order_padding: int = 5
    order_first_number: int = 1
    sequence_id: int | None = None
    generated_before: int = 0


def planned_logins(env, per_branch):
    branches = env["crm.retail.branch"].search([])
    codes = [b.code for b in branches] or [b[0] for b in BRANCHES]
    return [
        SALES_LOGIN.format(code=code.lower(), n=n)
        for code in codes
        for n in range(1, per_branch + 1)
    ]


def existing_generated_data(env, per_branch):
    cr = env.cr
    cr.execute(
        "SELECT count(*) FROM res_partner WHERE membership_number LIKE %s",
        [MEMBERSHIP_PREFIX + "%"],
    )
    customers = cr.fetchone()[0]
    cr.execute(
        "SELECT count(*) FROM res_users WHERE login = ANY(%s)",
        [planned_logins(env, per_branch)],
    )
    return customers, cr.fetchone()[0]


def ensure_branches(env, company):
    Branch = env["crm.retail.branch"].with_context(active_test=True)
    branches = Branch.search([("company_id", "=", company.id)])
    if branches:
        return branches
    print("No branch found: creating the six standard branches.")
    districts = {d.code: d.id for d in env["crm.hk.district"].search([])}
    return Branch.create(
        [
            {
                "code": code,
                "name": name,
                "name_zh": name_zh,
                "district_id": districts.get(dcode),
                "street": street or False,
                "is_online": online,
                "sequence": seq,
                "company_id": company.id,
            }
            for code, name, name_zh, dcode, street, online, seq in BRANCHES
        ]
    )


def ensure_currency(env, company):
    """Make HKD the company currency when no journal item exists yet."""
    hkd = env.ref("base.HKD", raise_if_not_found=False)
    if not hkd or company.currency_id == hkd:
        return company.currency_id
    if "account.move.line" in env and env["account.move.line"].search_count(
        [("company_id", "=", company.id)], limit=1
    ):
        print(f"Journal items exist: keeping {company.currency_id.name} as company currency.")
        return company.currency_id
    try:
        with env.cr.savepoint():
            hkd.active = True
            company.currency_id = hkd
            env["crm.membership.tier"].search([]).write({"currency_id": hkd.id})
        print("Company currency set to HKD.")
    except Exception as exc:  # noqa: BLE001 - any refusal keeps the currency
        env.invalidate_all()
        print(f"Could not switch the company currency to HKD ({exc}); keeping it.")
    return company.currency_id


def ensure_pricelist(env, company, currency):
    Pricelist = env["product.pricelist"]
    pricelist = Pricelist.search(
        [("currency_id", "=", currency.id), ("company_id", "in", [company.id, False])], limit=1
    )
    return pricelist or Pricelist.create(
        {"name": f"Retail {currency.name}", "currency_id": currency.id, "company_id": company.id}
    )


def xmlid_record(env, name):
    return env.ref(f"{XMLID_MODULE}.{XMLID_PREFIX}{name}", raise_if_not_found=False)


def ensure_categories(env):
    parent = env.ref("product.product_category_all", raise_if_not_found=False)
    categories = []
    for cat in CATEGORIES:
        name = "categ_" + ascii_slug(cat[0])
        record = xmlid_record(env, name)
        if not record:
            record = env["product.category"].create(
                {"name": cat[0], "parent_id": parent.id if parent else False}
            )
            env["ir.model.data"].create(
                {
                    "module": XMLID_MODULE,
                    "name": XMLID_PREFIX + name,
                    "model": "product.category",
                    "res_id": record.id,
                    "noupdate": True,
                }
            )
        categories.append(record.id)
    return categories


def person_name(rng, female):
    """A bilingual Hong Kong name such as 'Chan Ka Yan 陳嘉欣'."""
    weights = np.array([s[3] for s in SURNAMES], dtype=float)
    surname = SURNAMES[rng.choice(len(SURNAMES), p=weights / weights.sum())]
    pool = [g for g in GIVEN_SYLLABLES if g[3] in ("u", "f" if female else "m")]
    first, second = rng.choice(len(pool), 2, replace=False)
    return (
        f"{surname[0]} {pool[first][0]} {pool[second][0]} {surname[1]}{pool[first][1]}"
        f"{pool[second][1]}"
    )


def ensure_salespeople(env, branches, company, per_branch, seed):
    """Branch staff users ``sales.<code>.<n>`` of every branch; returns user ids per branch."""
    groups = env["res.groups"]
    for xmlid in (
        "base.group_user",
        "sales_team.group_sale_salesman",
        "crm_retail_compile.group_branch_staff",
        "crm_privacy_pdpo.group_retail_user",
        "base.group_partner_manager",
    ):
        group = env.ref(xmlid, raise_if_not_found=False)
        if group:
            groups |= group
    department = env.ref("crm_retail_compile.department_sales", raise_if_not_found=False)
    Users = env["res.users"].with_context(active_test=False, no_reset_password=True)
    result, created = [], 0
    for b_index, branch in enumerate(branches):
        rng = batch_rng(seed, STREAM_SETUP, b_index)
        users = Users.browse()
        for n in range(1, per_branch + 1):
            login = SALES_LOGIN.format(code=branch.code.lower(), n=n)
            name = person_name(rng, female=bool(rng.random() < 0.6))
            user = Users.search([("login", "=", login)], limit=1)
            if not user:
                user = Users.create(
                    {
                        "name": name,
                        "login": login,
                        "email": f"{login}@example.com",
                        "company_id": company.id,
                        "company_ids": [(6, 0, [company.id])],
                        "groups_id": [(6, 0, groups.ids)],
                        "tz": TZ_HK,
                        "lang": "en_US",
                        "retail_branch_ids": [(6, 0, [branch.id])],
                        "retail_branch_id": branch.id,
                        "retail_department_id": department.id if department else False,
                    }
                )
                created += 1
            users |= user
        result.append(users)
    print(f"Salespeople: {sum(len(u) for u in result)} ({created} created).")
    return result


def add_team_members(env, team, users):
    if not team or "crm.team.member" not in env:
        return
    existing = set(team.crm_team_member_ids.user_id.ids)
    missing = [u.id for u in users if u.id not in existing]
    if missing:
        env["crm.team.member"].create([{"crm_team_id": team.id, "user_id": uid} for uid in missing])


def prepare_reference(env, args):
    """Create or find the configuration records; return the ids the bulk data uses."""
    ref = Reference()
    company = env.ref("base.main_company", raise_if_not_found=False) or env.company
    ref.company_id = company.id
    currency = ensure_currency(env, company)
    ref.currency_id, ref.currency_name = currency.id, currency.name
    if currency.decimal_places != 2:
        raise SystemExit(f"The company currency {currency.name} must have 2 decimals.")
    if env["decimal.precision"].precision_get("Product Price") != 2:
        raise SystemExit("The 'Product Price' decimal precision must be 2.")
    ref.pricelist_id = ensure_pricelist(env, company, currency).id
    team = env.ref("sales_team.team_sales_department", raise_if_not_found=False)
    team = team or env["crm.team"].search([("company_id", "in", [company.id, False])], limit=1)
    ref.team_id = team.id if team else None
    ref.uom_id = env.ref("uom.product_uom_unit").id
    ref.validity_days = company.quotation_validity_days or 0
    ref.require_signature = bool(company.portal_confirmation_sign)
    ref.require_payment = bool(company.portal_confirmation_pay)
    countries = env["res.country"].search(
        [("code", "in", ["HK"] + [c[0] for c in VISITOR_COUNTRIES])]
    )
    ref.country_ids = {c.code: c.id for c in countries}
    ref.hk_country_id = ref.country_ids.get("HK")

    branches = ensure_branches(env, company)
    ref.branch_ids = branches.ids
    ref.branch_codes = [b.code for b in branches]
    online = [i for i, b in enumerate(branches) if b.is_online]
    ref.online_index = online[0] if online else None
    users = ensure_salespeople(env, branches, company, args.salespeople, args.seed)
    ref.branch_users = [u.ids for u in users]
    add_team_members(env, team, env["res.users"].browse([i for u in users for i in u.ids]))

    tiers = env["crm.membership.tier"].search([])
    if not tiers:
        raise SystemExit("No membership tier found: is crm_retail_compile installed?")
    # classic, silver, gold, diamond by code, else the tiers in their order
    by_code = {t.code: t.id for t in tiers}
    ref.tier_ids = [
        by_code.get(code) or tiers[min(i, len(tiers) - 1)].id for i, code in enumerate(TIER_CODES)
    ]
    ref.district_ids = {d.code: d.id for d in env["crm.hk.district"].search([])}
    ref.category_ids = ensure_categories(env)

    sequence = env["ir.sequence"].search(
        [("code", "=", "sale.order"), ("company_id", "in", [company.id, False])],
        order="company_id",
        limit=1,
    )
    if sequence and "%" not in (sequence.prefix or "") and not sequence.use_date_range:
        ref.sequence_id = sequence.id
        ref.order_prefix = sequence.prefix or ""
        ref.order_padding = sequence.padding
        ref.order_first_number = sequence.number_next_actual
    else:
        ref.order_prefix, ref.order_padding = "SG", 7
        env.cr.execute("SELECT coalesce(max(id), 0) + 1 FROM sale_order")
        ref.order_first_number = env.cr.fetchone()[0]
    env.flush_all()
    return ref


def capture_prototypes(env, ref):
    """Rows the ORM writes for a customer, a product and an order with one line.

    The records are created in a savepoint that is rolled back: only their
    column values are kept, as defaults for the columns the generator does
    not set itself.
    """
    cr = env.cr
    savepoint = cr.savepoint()
    try:
        partner = env["res.partner"].create(
            {
                "name": "Prototype 原型",
                "is_retail_customer": True,
                "email": "proto@example.com",
                "phone": "+852 9123 4567",
                "country_id": ref.hk_country_id,
                "retail_branch_id": ref.branch_ids[0],
            }
        )
        product = env["product.product"].create(
            {
                "name": "Prototype",
                "type": "consu",
                "categ_id": ref.category_ids[0],
                "list_price": 100.0,
                "standard_price": 50.0,
                "default_code": "PROTO",
                "sale_ok": True,
                "invoice_policy": "order",
            }
        )
        order = env["sale.order"].create(
            {
                "name": "PROTO",
                "partner_id": partner.id,
                "company_id": ref.company_id,
                "user_id": ref.branch_users[0][0],
                "team_id": ref.team_id,
                "retail_branch_id": ref.branch_ids[0],
                "pricelist_id": ref.pricelist_id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        env.flush_all()
        rows = {}
        for table, record_id in (
            ("res_partner", partner.id),
            ("product_template", product.product_tmpl_id.id),
            ("product_product", product.id),
            ("sale_order", order.id),
            ("sale_order_line", order.order_line.id),
        ):
            cr.execute(f"SELECT * FROM {quote_ident(cr, table)} WHERE id = %s", [record_id])
            names = [d.name for d in cr.description]
            rows[table] = dict(zip(names, cr.fetchone(), strict=True))
    finally:
        savepoint.close(rollback=True)
    env.invalidate_all()
    return rows


def constants_for(prototype, variable, columns):
    """Prototype values of the columns not in ``variable`` (tokens never copied)."""
    names = {name for name, _fmt in variable}
    result = {}
    for column in columns:
        if column in names or column == "id":
            continue
        value = prototype.get(column)
        if "token" in column:
            value = None
        result[column] = value
    return result


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


@dataclass
class Products:
    ids: np.ndarray
    category: np.ndarray
    price_cents: np.ndarray
    cost_cents: np.ndarray
    line_names: list
    weights: np.ndarray


def plan_products(rng, count):
    """Names, categories and prices of ``count`` products (pure, deterministic)."""
    shares = np.array([c[2] for c in CATEGORIES])
    per_category = np.maximum(1, np.floor(shares / shares.sum() * count)).astype(int)
    while per_category.sum() > count and per_category.max() > 1:
        per_category[per_category.argmax()] -= 1
    per_category[0] += max(0, count - per_category.sum())
    items = []
    for c_index, (cat, n) in enumerate(zip(CATEGORIES, per_category, strict=True)):
        _name, prefix, _share, (low, high), (c_low, c_high), _qty, names, variants = cat
        for k in range(int(n)):
            item_en, item_zh = names[k % len(names)]
            variant = variants[int(rng.integers(len(variants)))]
            price = nice_price(math.exp(rng.uniform(math.log(low), math.log(high))))
            cost = round(price * rng.uniform(c_low, c_high), 2)
            items.append(
                {
                    "category": c_index,
                    "code": f"{prefix}-{k + 1:04d}",
                    "name": f"{item_en} {variant} {item_zh}",
                    "price_cents": price * 100,
                    "cost_cents": round(cost * 100),
                    "weight": 1.0 / math.sqrt(price) * rng.uniform(0.5, 1.5),
                }
            )
    return items[:count]


def create_products(loader, items, tmpl_first, prod_first, ref, specs, now):
    """Queue the COPY of the planned products; return what the order lines need."""
    n = len(items)
    tmpl_ids = list(range(tmpl_first, tmpl_first + n))
    prod_ids = list(range(prod_first, prod_first + n))
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    company_key = str(ref.company_id)
    loader.submit(
        specs["product_template"],
        [
            tmpl_ids,
            [copy_escape(json.dumps({"en_US": it["name"]}, ensure_ascii=False)) for it in items],
            [it["code"] for it in items],
            [ref.category_ids[it["category"]] for it in items],
            [it["price_cents"] / 100 for it in items],
            [stamp] * n,
        ],
    )
    loader.submit(
        specs["product_product"],
        [
            prod_ids,
            tmpl_ids,
            [it["code"] for it in items],
            [copy_escape(json.dumps({company_key: it["cost_cents"] / 100})) for it in items],
            [stamp] * n,
        ],
    )
    return Products(
        ids=np.array(prod_ids, dtype=np.int64),
        category=np.array([it["category"] for it in items], dtype=np.int64),
        price_cents=np.array([it["price_cents"] for it in items], dtype=np.int64),
        cost_cents=np.array([it["cost_cents"] for it in items], dtype=np.int64),
        line_names=[copy_escape(f"[{it['code']}] {it['name']}") for it in items],
        weights=np.array([it["weight"] for it in items]),
    )


def existing_products(env, ref):
    """Products of the generated categories (reused by --append)."""
    cr = env.cr
    cr.execute(
        """SELECT pp.id, pt.categ_id, pt.list_price, pp.standard_price ->> %s,
                  pp.default_code, pt.name ->> 'en_US'
             FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE pt.categ_id = ANY(%s) AND pp.active AND pt.sale_ok ORDER BY pp.id""",
        [str(ref.company_id), ref.category_ids],
    )
    rows = cr.fetchall()
    if not rows:
        return None
    index = {cid: i for i, cid in enumerate(ref.category_ids)}
    price = np.array([round(float(r[2]) * 100) for r in rows], dtype=np.int64)
    return Products(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        category=np.array([index[r[1]] for r in rows], dtype=np.int64),
        price_cents=price,
        cost_cents=np.array([round(float(r[3] or 0) * 100) for r in rows], dtype=np.int64),
        line_names=[copy_escape(f"[{r[4]}] {r[5]}" if r[4] else r[5]) for r in rows],
        weights=1.0 / np.sqrt(np.maximum(price, 100) / 100.0),
    )


# ---------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Orders and lines
# ---------------------------------------------------------------------------


def seasonal_mass_before(ctx, days):
    """Cumulated seasonal weight of the period's days before ``days``."""
    index = np.clip(np.asarray(days) - ctx.start_day, 0, len(ctx.day_cumw))
    return np.where(index > 0, ctx.day_cumw[np.maximum(index - 1, 0)], 0.0)


def order_batch(ctx, b_index, order_ids, numbers, sizes):
    """COPY columns of one batch of orders and of their lines."""
    ref, cust, prod = ctx.ref, ctx.customers, ctx.products
    rng = batch_rng(ctx.seed, STREAM_ORDERS, ref.generated_before, b_index)
    n = len(order_ids)
    c = np.searchsorted(ctx.customer_cumw, rng.random(n) * ctx.customer_cumw[-1], side="right")
    c = np.minimum(c, len(cust.ids) - 1)
    # the order day follows the seasonal weights, from the customer's enrolment on
    low = seasonal_mass_before(ctx, cust.enrol_day[c])
    high = ctx.day_cumw[-1]
    day_index = np.searchsorted(ctx.day_cumw, low + rng.random(n) * (high - low), side="right")
    day = ctx.start_day + np.minimum(day_index, len(ctx.day_cumw) - 1)

    channel = cust.channel[c]
    branch = cust.home[c].copy()
    if ref.online_index is not None:
        to_web = (channel == 1) | ((channel == 2) & (rng.random(n) < 0.4))
        branch = np.where(to_web, ref.online_index, branch)
    elsewhere = (branch != (ref.online_index if ref.online_index is not None else -1)) & (
        rng.random(n) < 0.15
    )
    branch = np.where(elsewhere, ctx.draw_branch(rng, n, np.zeros(n, dtype=bool)), branch)
    is_web = branch == (ref.online_index if ref.online_index is not None else -1)
    hk_seconds = np.where(
        is_web,
        rng.choice(24, n, p=ctx.online_hours) * 3600 + rng.integers(0, 3600, n),
        rng.integers(11 * 3600, 21 * 3600 + 1800, n),
    )
    date_order = np.minimum(day * 86400 + hk_seconds - HK_UTC_OFFSET, ctx.now_seconds)

    age = ctx.today_day - day
    p_draft = 0.02 + 0.5 * np.exp(-age / 7.0)
    u = rng.random(n)
    state = np.where(u < p_draft, 0, np.where(u < p_draft + 0.04, 2, 1))  # draft, sale, cancel
    confirmed = state == 1
    created = np.where(confirmed, date_order - rng.integers(60, 1800, n), date_order)
    written = np.minimum(date_order + rng.integers(0, 3600, n), ctx.now_seconds)
    written = np.maximum(written, date_order)

    users = np.zeros(n, dtype=np.int64)
    for b, user_ids in enumerate(ref.branch_users):
        mask = branch == b
        if mask.any():
            users[mask] = rng.choice(user_ids, int(mask.sum()), p=ctx.user_p[b])

    # lines
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    total = int(sizes.sum())
    owner = np.repeat(np.arange(n), sizes)
    position = np.arange(total) - np.repeat(starts, sizes)
    tier = cust.tier[c][owner]
    premium = rng.random(total) < np.array(TIER_PREMIUM_RATE)[tier]
    pick_regular = np.searchsorted(
        ctx.product_cumw, rng.random(total) * ctx.product_cumw[-1], side="right"
    )
    pick_premium = np.searchsorted(
        ctx.premium_cumw, rng.random(total) * ctx.premium_cumw[-1], side="right"
    )
    p_index = np.where(
        premium & (len(ctx.premium_index) > 0),
        ctx.premium_index[np.minimum(pick_premium, len(ctx.premium_index) - 1)],
        np.minimum(pick_regular, len(prod.ids) - 1),
    )
    category = prod.category[p_index]
    qty = np.ones(total, dtype=np.int64)
    for c_index, cat in enumerate(CATEGORIES):
        mask = category == c_index
        if mask.any():
            values, probabilities = cat[5]
            qty[mask] = rng.choice(values, int(mask.sum()), p=probabilities)

    list_price = prod.price_cents[p_index]
    cost = prod.cost_cents[p_index]
    member = rng.random(total) < np.array(TIER_DISCOUNT_RATE)[tier]
    discount = np.where(member, rng.choice([5, 10, 15, 20], total, p=[0.4, 0.3, 0.2, 0.1]), 0)
    odd = rng.random(total)
    discount = np.where(odd < 0.025, rng.integers(21, 31, total), discount)
    discount = np.where(odd < 0.007, rng.integers(31, 61, total), discount)
    below_cost = rng.random(total) < 0.004
    price = np.where(
        below_cost,
        np.maximum(1, (cost * rng.uniform(0.55, 0.95, total)).astype(np.int64)),
        list_price,
    )
    discount = np.where(below_cost, 0, discount)
    subtotal, reduce_, margin, ratio = line_amounts(price, qty, discount, cost)

    line_state = state[owner]
    line_sale = line_state == 1
    amount = np.add.reduceat(subtotal, starts)
    margin_sum = np.add.reduceat(margin, starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        order_ratio = np.where(amount != 0, (margin_sum / 100.0) / (amount / 100.0), 0.0)

    state_names = np.array(["draft", "sale", "cancel"])
    partners = cust.ids[c].tolist()
    created_s, written_s = date_strings(created), date_strings(written)
    validity = day_strings((date_order + HK_UTC_OFFSET) // 86400 + ref.validity_days)
    order_cols = [
        order_ids,
        [copy_escape(f"{ref.order_prefix}{x:0{ref.order_padding}d}") for x in numbers],
        partners,
        partners,
        partners,
        users.tolist(),
        np.array(ref.branch_ids, dtype=np.int64)[branch].tolist(),
        state_names[state].tolist(),
        np.where(confirmed, "to invoice", "no").tolist(),
        date_strings(date_order),
        validity if ref.validity_days > 0 else ["\\N"] * n,
        created_s,
        written_s,
        users.tolist(),
        users.tolist(),
        (amount / 100).tolist(),
        (amount / 100).tolist(),
        (margin_sum / 100).tolist(),
        order_ratio.tolist(),
    ]
    first_line = ctx.next_line_id
    ctx.next_line_id += total
    line_cols = [
        range(first_line, first_line + total),
        np.asarray(order_ids, dtype=np.int64)[owner].tolist(),
        (10 + position).tolist(),
        cust.ids[c][owner].tolist(),
        users[owner].tolist(),
        prod.ids[p_index].tolist(),
        state_names[line_state].tolist(),
        np.where(line_sale, "to invoice", "no").tolist(),
        [prod.line_names[i] for i in p_index.tolist()],
        qty.tolist(),
        (price / 100).tolist(),
        (list_price / 100).tolist(),
        discount.tolist(),
        (subtotal / 100).tolist(),
        (subtotal / 100).tolist(),
        (reduce_ / 100).tolist(),
        (reduce_ / 100).tolist(),
        np.where(line_sale, qty, 0).tolist(),
        (np.where(line_sale, subtotal, 0) / 100).tolist(),
        [created_s[i] for i in owner.tolist()],
        [written_s[i] for i in owner.tolist()],
        users[owner].tolist(),
        users[owner].tolist(),
        (cost / 100).tolist(),
        (margin / 100).tolist(),
        ratio.tolist(),
        np.array(ref.branch_ids, dtype=np.int64)[branch][owner].tolist(),
    ]
    return order_cols, line_cols


# ---------------------------------------------------------------------------
# Table layouts
# ---------------------------------------------------------------------------

PARTNER_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("complete_name", "%s"),
    ("commercial_partner_id", "%d"),
    ("email", "%s"),
    ("email_normalized", "%s"),
    ("phone", "%s"),
    ("phone_sanitized", "%s"),
    ("country_id", "%s"),
    ("street", "%s"),
    ("street2", "%s"),
    ("membership_number", "%s"),
    ("membership_tier_id", "%d"),
    ("retail_branch_id", "%d"),
    ("enrolment_date", "%s"),
    ("retail_channel", "%s"),
    ("preferred_language", "%s"),
    ("lang", "%s"),
    ("preferred_contact_channel", "%s"),
    ("district_id", "%s"),
    ("residency", "%s"),
    ("birthday_day", "%s"),
    ("birthday_month", "%s"),
    ("birthday_year", "%s"),
    ("online_account", "%s"),
    ("last_online_visit", "%s"),
    ("create_date", "%s"),
    ("write_date", "%s"),
]
PARTNER_FIXED = {
    "active": True,
    "type": "contact",
    "is_company": False,
    "tz": TZ_HK,
    "is_retail_customer": True,
    "partner_share": True,
    "company_id": None,
    "parent_id": None,
    "user_id": None,
    "create_uid": 1,
    "write_uid": 1,
    "mobile": None,
    "city": None,
    "zip": None,
    "ref": None,
    "vat": None,
    "function": None,
    "comment": None,
    "commercial_company_name": None,
    "company_name": None,
    "barcode": None,
    "message_bounce": 0,
}
TEMPLATE_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("default_code", "%s"),
    ("categ_id", "%d"),
    ("list_price", "%.2f"),
    ("create_date", "%s"),
]
PRODUCT_VARIABLE = [
    ("id", "%d"),
    ("product_tmpl_id", "%d"),
    ("default_code", "%s"),
    ("standard_price", "%s"),
    ("create_date", "%s"),
]
ORDER_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("partner_id", "%d"),
    ("partner_invoice_id", "%d"),
    ("partner_shipping_id", "%d"),
    ("user_id", "%d"),
    ("retail_branch_id", "%d"),
    ("state", "%s"),
    ("invoice_status", "%s"),
    ("date_order", "%s"),
    ("validity_date", "%s"),
    ("create_date", "%s"),
    ("write_date", "%s"),
    ("create_uid", "%d"),
    ("write_uid", "%d"),
    ("amount_untaxed", "%.2f"),
    ("amount_total", "%.2f"),
    ("margin", "%.2f"),
    ("margin_percent", "%r"),
]
LINE_VARIABLE = [
    ("id", "%d"),
    ("order_id", "%d"),
    ("sequence", "%d"),
    ("order_partner_id", "%d"),
    ("salesman_id", "%d"),
    ("product_id", "%d"),
    ("state", "%s"),
    ("invoice_status", "%s"),
    ("name", "%s"),
    ("product_uom_qty", "%d"),
    ("price_unit", "%.2f"),
    ("technical_price_unit", "%r"),
    ("discount", "%d"),
    ("price_subtotal", "%.2f"),
    ("price_total", "%.2f"),
    ("price_reduce_taxexcl", "%.2f"),
    ("price_reduce_taxinc", "%.2f"),
    ("qty_to_invoice", "%d"),
    ("untaxed_amount_to_invoice", "%.2f"),
    ("create_date", "%s"),
    ("write_date", "%s"),
    ("create_uid", "%d"),
    ("write_uid", "%d"),
    ("purchase_price", "%.2f"),
    ("margin", "%.2f"),
    ("margin_percent", "%r"),
    ("retail_branch_id", "%d"),
]


# Stored computed fields the generator leaves to the prototype value because
# that value is right for every generated row (checked on Odoo 18.0).
PROTOTYPE_COMPUTED_OK = {
    "res.partner": {
        "commercial_company_name",
        "company_registry",
        "partner_share",
        "peppol_eas",
        "peppol_endpoint",
        "user_id",
    },
    "sale.order": {
        "amount_tax",
        "currency_id",
        "currency_rate",
        "delivery_status",
        "effective_date",
        "fiscal_position_id",
        "journal_id",
        "note",
        "payment_term_id",
        "prepayment_percent",
        "pricelist_id",
        "require_payment",
        "require_signature",
        "sale_order_template_id",
        "team_id",
        "warehouse_id",
    },
    "sale.order.line": {
        "analytic_distribution",
        "company_id",
        "currency_id",
        "customer_lead",
        "price_tax",
        "product_packaging_id",
        "product_packaging_qty",
        "product_uom",
        "qty_delivered",
        "qty_delivered_method",
        "qty_invoiced",
        "untaxed_amount_invoiced",
        "warehouse_id",
    },
    "product.template": {
        "can_image_1024_be_zoomed",
        "expense_policy",
        "has_configurable_attributes",
        "invoice_policy",
        "is_storable",
        "lot_valuated",
        "product_properties",
        "purchase_ok",
        "service_tracking",
        "service_type",
        "tracking",
        "uom_po_id",
        "volume",
        "weight",
    },
    "product.product": {"can_image_variant_1024_be_zoomed", "combination_indices"},
}


def other_computed_fields(env, model, generated):
    """Stored computed fields of ``model`` that are neither generated nor known
    to be right with the prototype's value (added by modules the generator
    does not know)."""
    return sorted(
        f.name
        for f in env[model]._fields.values()
        if f.store
        and f.compute
        and f.column_type
        and f.name not in generated
        and f.name not in PROTOTYPE_COMPUTED_OK[model]
        and f.name not in ("id", "write_date", "write_uid")
    )


def unknown_computed_fields(env, specs):
    """Stored computed fields that would get the prototype's value on every
    row: {model: [field names]}."""
    unknown = {}
    for model in PROTOTYPE_COMPUTED_OK:
        spec = specs[env[model]._table]
        names = other_computed_fields(env, model, {name for name, _fmt in spec.variable})
        if names:
            unknown[model] = names
            print(f"Note: {model} {', '.join(names)}: recomputed with the ORM after the load.")
    return unknown


def recompute_fields(env, model, fnames, first_id, count, batch=50_000):
    """Recompute stored fields of the generated rows with the ORM, in batches
    (computed in memory, written back with one UPDATE per batch)."""
    started = time.monotonic()
    Model = env[model]
    fields_ = [Model._fields[name] for name in fnames]
    for start in range(first_id, first_id + count, batch):
        records = Model.browse(range(start, min(first_id + count, start + batch)))
        for field_ in fields_:
            env.add_to_compute(field_, records)
        Model.flush_model(fnames)
        env.invalidate_all()
    print(
        f"{model} {', '.join(fnames)} recomputed for {count:,} records "
        f"in {time.monotonic() - started:.1f}s.",
        flush=True,
    )


def build_specs(cr, ref, prototypes):
    """COPY layouts of the bulk tables: generated columns + ORM prototype values."""

    def spec(table, variable, fixed):
        columns = table_columns(cr, table)
        missing = [name for name, _fmt in variable if name not in columns]
        if missing:
            raise SystemExit(f"Columns {missing} missing in {table}: is the suite installed?")
        constants = constants_for(prototypes[table], variable, columns)
        for column in list(constants):
            if column in fixed:
                constants[column] = fixed[column]
        return TableSpec(table, variable, constants).prepare(cr)

    partner = spec("res_partner", PARTNER_VARIABLE, PARTNER_FIXED)
    product_fixed = {
        "type": "consu",
        "sale_ok": True,
        "purchase_ok": True,
        "active": True,
        "uom_id": ref.uom_id,
        "uom_po_id": ref.uom_id,
        "invoice_policy": "order",
        "tracking": "none",
        "is_storable": False,
        "company_id": None,
        "description": None,
        "description_sale": None,
        "description_purchase": None,
        "create_uid": 1,
        "write_uid": 1,
        "weight": 0,
        "volume": 0,
    }
    template = spec("product_template", TEMPLATE_VARIABLE, product_fixed)
    product = spec(
        "product_product",
        PRODUCT_VARIABLE,
        {
            "active": True,
            "barcode": None,
            "create_uid": 1,
            "write_uid": 1,
            "weight": 0,
            "volume": 0,
        },
    )
    common = {
        "company_id": ref.company_id,
        "currency_id": ref.currency_id,
        "display_type": None,
    }
    order = spec(
        "sale_order",
        ORDER_VARIABLE,
        {
            **common,
            "pricelist_id": ref.pricelist_id,
            "team_id": ref.team_id,
            "currency_rate": 1.0,
            "amount_tax": 0.0,
            "locked": False,
            "require_signature": ref.require_signature,
            "require_payment": ref.require_payment,
            "client_order_ref": None,
            "origin": None,
            "reference": None,
            "signed_by": None,
            "signed_on": None,
            "commitment_date": None,
            "delivery_status": None,
            "effective_date": None,
            "procurement_group_id": None,
            "opportunity_id": None,
            "journal_id": None,
        },
    )
    line = spec(
        "sale_order_line",
        LINE_VARIABLE,
        {
            **common,
            "product_uom": ref.uom_id,
            "price_tax": 0.0,
            "qty_delivered": 0,
            "qty_invoiced": 0,
            "untaxed_amount_invoiced": 0,
            "is_downpayment": False,
            "is_expense": False,
            "linked_line_id": None,
            "combo_item_id": None,
            "product_packaging_id": None,
            "product_packaging_qty": 0.0,
            "route_id": None,
            "analytic_distribution": None,
            # the lead time of the products (all generated with the same)
            "customer_lead": float(prototypes["product_template"].get("sale_delay") or 0),
        },
    )
    return {
        "res_partner": partner,
        "product_template": template,
        "product_product": product,
        "sale_order": order,
        "sale_order_line": line,
    }


# ---------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------


@dataclass
class Context:
    ref: Reference
    seed: int
    start_day: int
    today_day: int
    now_seconds: int
    names: NameBook
    phones: PhoneBook
    email_normalize: object
    phone_codes: dict
    district_p: dict
    lang_en: str = "en_US"
    lang_zh: str = "en_US"
    defer_indexes: bool = False
    branch_p: np.ndarray = None
    visitor_branch_p: np.ndarray = None
    placeholders: set = field(default_factory=set)
    duplicates: set = field(default_factory=set)
    customers: Customers = None
    products: Products = None
    customer_cumw: np.ndarray = None
    product_cumw: np.ndarray = None
    premium_cumw: np.ndarray = None
    premium_index: np.ndarray = None
    day_cumw: np.ndarray = None
    user_p: list = field(default_factory=list)
    online_hours: np.ndarray = None
    next_line_id: int = 0

    def draw_branch(self, rng, n, visitor):
        """Home branch indexes of in-store customers (visitors favour Tsim Sha Tsui)."""
        resident = rng.choice(len(self.branch_p), n, p=self.branch_p)
        if not visitor.any():
            return resident
        tourist = rng.choice(len(self.visitor_branch_p), n, p=self.visitor_branch_p)
        return np.where(visitor, tourist, resident)


def branch_distribution(ref, weights):
    values = np.array(
        [
            0.0 if i == ref.online_index else weights.get(code, 0.1)
            for i, code in enumerate(ref.branch_codes)
        ]
    )
    if values.sum() == 0:
        values = np.ones(len(ref.branch_codes))
    return values / values.sum()


def make_context(env, ref, args, today, now):
    from odoo.tools import email_normalize

    start = months_back(today, args.months)
    codes = [code for code in DISTRICTS if code in ref.district_ids]
    codes += [code for code in ref.district_ids if code not in DISTRICTS]
    pops = np.array([DISTRICTS.get(code, (100, []))[0] for code in codes], dtype=float)
    env.cr.execute(
        "SELECT code, phone_code FROM res_country WHERE code = ANY(%s)",
        [["HK"] + [c[0] for c in VISITOR_COUNTRIES]],
    )
    ctx = Context(
        ref=ref,
        seed=args.seed,
        start_day=(start - EPOCH).days,
        today_day=(today - EPOCH).days,
        now_seconds=int(now.timestamp()),
        names=NameBook(),
        phones=PhoneBook(env),
        email_normalize=email_normalize,
        phone_codes=dict(env.cr.fetchall()),
        district_p=dict(zip(codes, pops / pops.sum(), strict=True)),
    )
    # partner languages must be installed ones: zh_HK only if it is loaded
    env.cr.execute("SELECT code FROM res_lang WHERE active ORDER BY id")
    languages = [row[0] for row in env.cr.fetchall()]
    ctx.lang_en = "en_US" if "en_US" in languages else languages[0]
    ctx.lang_zh = "zh_HK" if "zh_HK" in languages else ctx.lang_en
    ctx.defer_indexes = args.defer_indexes == "yes" or (
        args.defer_indexes == "auto" and (args.lines >= 1_000_000 or args.customers >= 200_000)
    )
    ctx.branch_p = branch_distribution(ref, BRANCH_WEIGHTS)
    ctx.visitor_branch_p = branch_distribution(ref, VISITOR_BRANCH_WEIGHTS)
    ctx.day_cumw = np.cumsum(day_weights(start, today))
    hours = np.array(
        [
            0.5,
            0.3,
            0.2,
            0.1,
            0.1,
            0.1,
            0.2,
            0.4,
            0.6,
            0.8,
            1.0,
            1.1,
            1.2,
            1.1,
            1.0,
            1.0,
            1.0,
            1.1,
            1.2,
            1.4,
            1.8,
            2.0,
            1.8,
            1.0,
        ]
    )
    ctx.online_hours = hours / hours.sum()
    for b, users in enumerate(ref.branch_users):
        weights = batch_rng(args.seed, STREAM_SETUP, 100 + b).uniform(0.5, 1.5, len(users))
        ctx.user_p.append(weights / weights.sum())
    return ctx


def generate(env, args, today, now):
    """Create everything in the cursor's transaction; returns the row counts."""
    cr = env.cr
    cr.execute("SET LOCAL synchronous_commit = off")
    ref = prepare_reference(env, args)
    customers_before, _users = existing_generated_data(env, args.salespeople)
    ref.generated_before = customers_before
    prototypes = capture_prototypes(env, ref)
    specs = build_specs(cr, ref, prototypes)
    unknown = unknown_computed_fields(env, specs)
    ctx = make_context(env, ref, args, today, now)
    print(
        f"Company currency {ref.currency_name}, {len(ref.branch_ids)} branches "
        f"({', '.join(ref.branch_codes)}), period {months_back(today, args.months)} to {today}.",
        flush=True,
    )

    # everything that queries the database happens before the COPY thread starts
    products = existing_products(env, ref) if args.append else None
    items = [] if products else plan_products(batch_rng(args.seed, STREAM_PRODUCTS), args.products)
    tmpl_first = reserve_ids(cr, "product_template", len(items))
    prod_first = reserve_ids(cr, "product_product", len(items))
    first_partner = reserve_ids(cr, "res_partner", args.customers)
    sizes = plan_order_sizes(
        batch_rng(args.seed, STREAM_ORDER_PLAN, ref.generated_before), args.lines
    )
    n_orders = len(sizes)
    first_order = reserve_ids(cr, "sale_order", n_orders)
    first_line = ctx.next_line_id = reserve_ids(cr, "sale_order_line", args.lines)
    number0 = max(ref.order_first_number, 1)
    pref_field = env["res.partner"]._fields["preferred_categ_ids"]
    pref_spec = TableSpec(
        pref_field.relation, [(pref_field.column1, "%d"), (pref_field.column2, "%d")], {}
    ).prepare(cr)
    ctx.placeholders, ctx.duplicates = special_rows(args.seed, args.customers)

    fast = bypass_fk_triggers(cr)
    deferred = drop_secondary_indexes(cr) if ctx.defer_indexes else []
    loader = CopyLoader(cr)
    try:
        if items:
            products = create_products(loader, items, tmpl_first, prod_first, ref, specs, now)

        summaries = Customers()
        for b_index, start in enumerate(range(0, args.customers, CUSTOMER_BATCH)):
            stop = min(args.customers, start + CUSTOMER_BATCH)
            ids = list(range(first_partner + start, first_partner + stop))
            columns, preferred, summary = customer_batch(ctx, b_index, ids, range(start, stop))
            loader.submit(specs["res_partner"], columns)
            if preferred:
                loader.submit(pref_spec, [list(x) for x in zip(*preferred, strict=True)])
            for name in ("ids", "home", "channel", "tier", "enrol_day", "weight"):
                getattr(summaries, name).extend(getattr(summary, name))
        ctx.customers = summaries.finish()

        ctx.products = products
        weights = ctx.customers.weight
        if len(weights) and weights.sum() <= 0:
            weights = np.ones(len(weights))
        ctx.customer_cumw = np.cumsum(weights)
        ctx.product_cumw = np.cumsum(products.weights)
        ctx.premium_index = np.flatnonzero(products.price_cents >= PREMIUM_PRICE_CENTS)
        ctx.premium_cumw = (
            np.cumsum(products.weights[ctx.premium_index] ** 0.5)
            if len(ctx.premium_index)
            else np.ones(1)
        )
        for b_index, start in enumerate(range(0, n_orders, ORDER_BATCH)):
            stop = min(n_orders, start + ORDER_BATCH)
            order_cols, line_cols = order_batch(
                ctx,
                b_index,
                list(range(first_order + start, first_order + stop)),
                range(number0 + start, number0 + stop),
                sizes[start:stop],
            )
            loader.submit(specs["sale_order"], order_cols)
            loader.submit(specs["sale_order_line"], line_cols)
    finally:
        loader.close()

    # computed fields the generator does not know: recomputed by the ORM while
    # the secondary indexes are still deferred (much cheaper updates)
    generated = {
        "res.partner": (first_partner, args.customers),
        "product.template": (tmpl_first, len(items)),
        "product.product": (prod_first, len(items)),
        "sale.order": (first_order, n_orders),
        "sale.order.line": (first_line, args.lines),
    }
    for model, fnames in unknown.items():
        first, count = generated[model]
        if count:
            recompute_fields(env, model, fnames, first, count)
    if deferred:
        restore_indexes(cr, deferred)
    if fast:
        cr.execute("SET LOCAL session_replication_role = origin")
        started = time.monotonic()
        for spec, key, first in (
            (specs["product_template"], "id", tmpl_first),
            (specs["product_product"], "id", prod_first),
            (specs["res_partner"], "id", first_partner),
            (pref_spec, pref_field.column1, first_partner),
            (specs["sale_order"], "id", first_order),
            (specs["sale_order_line"], "id", first_line),
        ):
            check_foreign_keys(cr, spec, key, first)
        print(f"Foreign keys checked in {time.monotonic() - started:.1f}s.", flush=True)
    for table in (
        "res_partner",
        "product_template",
        "product_product",
        "sale_order",
        "sale_order_line",
    ):
        sync_sequence(cr, table)
    if ref.sequence_id and n_orders:
        env["ir.sequence"].browse(ref.sequence_id).write({"number_next": number0 + n_orders})
    env.flush_all()
    vacuum = [env[model]._table for model in unknown if generated[model][1]]
    counts = {
        "salespeople": sum(len(u) for u in ref.branch_users),
        "product_product": len(items),
        "res_partner": args.customers,
        "sale_order": n_orders,
        "sale_order_line": args.lines,
        "preferred categories": loader.counts.get(pref_spec.table, 0),
    }
    if with_jewellery(args):
        started = time.monotonic()
        counts.update(
            generate_jewellery(
                env,
                args,
                ref,
                (today, now),
                (first_partner, first_order, n_orders),
                person_name,
            )
        )
        print(f"Jewellery and clienteling data in {time.monotonic() - started:.1f}s.", flush=True)
    return vacuum, counts


def with_jewellery(args):
    """The jewellery/clienteling part (gen_jewellery.py): on for demo sizes."""
    if args.jewellery == "auto":
        return 0 < args.customers <= JEWELLERY_AUTO_MAX_CUSTOMERS
    return args.jewellery == "yes" and args.customers > 0


def analyze(registry, vacuum=()):
    """ANALYZE the loaded tables; VACUUM those whose new rows were updated
    (recomputed fields) to clear the dead row versions right away."""
    started = time.monotonic()
    with registry.cursor() as cr:
        connection = cr.connection
        connection.autocommit = True  # VACUUM cannot run in a transaction
        try:
            for table in (
                "res_partner",
                "product_template",
                "product_product",
                "sale_order",
                "sale_order_line",
                "res_partner_preferred_categ_rel",
            ):
                command = "VACUUM ANALYZE" if table in vacuum else "ANALYZE"
                cr.execute(f"{command} {quote_ident(cr, table)}")
        finally:
            connection.autocommit = False
    print(f"Tables analyzed in {time.monotonic() - started:.1f}s.", flush=True)


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------

# Stored fields recomputed by --verify with the ORM's own compute methods.
LINE_RECOMPUTED = [
    "name", "company_id", "currency_id", "order_partner_id", "salesman_id", "state",
    "retail_branch_id", "price_subtotal", "price_tax", "price_total", "price_reduce_taxexcl",
    "price_reduce_taxinc", "purchase_price", "margin", "margin_percent", "customer_lead",
    "qty_delivered_method", "qty_to_invoice", "invoice_status", "untaxed_amount_to_invoice",
]  # fmt: skip
ORDER_RECOMPUTED = [
    "currency_rate", "amount_untaxed", "amount_tax", "amount_total", "margin",
    "margin_percent", "invoice_status",
]  # fmt: skip
PARTNER_RECOMPUTED = [
    "complete_name", "commercial_partner_id", "email_normalized", "phone_sanitized",
    "partner_share",
]  # fmt: skip


def same_value(expected, stored):
    if hasattr(expected, "_name"):  # records
        expected = expected.id or None
        stored = stored.id if hasattr(stored, "_name") else stored
        return (expected or None) == (stored or None)
    if isinstance(expected, float) or isinstance(stored, float):
        return abs(float(expected or 0) - float(stored or 0)) <= 1e-6 * max(
            1.0, abs(float(stored or 0))
        )
    return (expected or None) == (stored or None)


def compare_recomputed(records, fnames, label):
    """Recompute ``fnames`` of ``records`` with the ORM (in cache only: the
    compute methods run in protected mode, nothing calls write()) and return
    the differences with the stored values."""
    stored = {r.id: {f: r[f] for f in fnames} for r in records}
    records.env.invalidate_all()
    for fname in fnames:
        records._fields[fname].compute_value(records)
    problems = []
    for record in records:
        for fname in fnames:
            value = record[fname]
            if not same_value(value, stored[record.id][fname]):
                problems.append(
                    f"{label(record)} {fname}: stored {stored[record.id][fname]!r} ORM {value!r}"
                )
    return problems, len(records) * len(fnames)


def check_prices(lines):
    """List prices come from the pricelist; manually set prices are the
    deliberately below-cost ones."""
    problems = []
    for line in lines:
        manual = line.currency_id.compare_amounts(line.technical_price_unit, line.price_unit)
        if not manual:
            expected = line.with_company(line.company_id)._get_display_price()
            if not same_value(float(expected), line.price_unit):
                problems.append(f"line {line.id} price_unit {line.price_unit} ORM {expected}")
        elif line.price_unit >= line.purchase_price:
            problems.append(f"line {line.id}: manual price {line.price_unit} not below cost")
    return problems


def sample_ids(cr, rng, query, size):
    cr.execute(query, [MEMBERSHIP_PREFIX + "%"])
    ids = [row[0] for row in cr.fetchall()]
    return ids, sorted(rng.choice(ids, min(size, len(ids)), replace=False).tolist())


def verify(registry, seed, sample=20):
    """Recompute stored fields of random generated records with the ORM and compare."""
    with registry.cursor() as cr:
        env = orm_env(cr)
        rng = batch_rng(seed, STREAM_VERIFY)
        order_ids, picked = sample_ids(
            cr,
            rng,
            """SELECT so.id FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                WHERE p.membership_number LIKE %s ORDER BY so.id""",
            sample,
        )
        if not order_ids:
            print("verify: no generated order found.")
            return False
        _ids, partner_ids = sample_ids(
            cr, rng, "SELECT id FROM res_partner WHERE membership_number LIKE %s ORDER BY id", 200
        )
        # make sure some below-cost, heavily discounted and unconfirmed orders are in
        window = order_ids[:200_000]
        cr.execute(
            """(SELECT order_id FROM sale_order_line WHERE order_id = ANY(%s)
                 AND price_unit < purchase_price ORDER BY order_id LIMIT 3)
               UNION (SELECT order_id FROM sale_order_line WHERE order_id = ANY(%s)
                 AND discount > 30 ORDER BY order_id LIMIT 3)
               UNION (SELECT id FROM sale_order WHERE id = ANY(%s) AND state <> 'sale'
                 ORDER BY id LIMIT 4)""",
            [window, window, window],
        )
        picked = sorted(set(picked) | {row[0] for row in cr.fetchall()})
        orders = env["sale.order"].browse(picked)
        lines = orders.order_line
        partners = env["res.partner"].browse(partner_ids)

        mismatches = check_prices(lines)
        checked = len(lines)
        for records, fnames, variable, label in (
            (lines, LINE_RECOMPUTED, LINE_VARIABLE, lambda r: f"{r.order_id.name} line {r.id}"),
            (orders, ORDER_RECOMPUTED, ORDER_VARIABLE, lambda r: r.name),
            (partners, PARTNER_RECOMPUTED, PARTNER_VARIABLE, lambda r: f"partner {r.id}"),
        ):
            # plus the computed fields of other modules, recomputed after the load
            fnames = fnames + other_computed_fields(
                env, records._name, {name for name, _fmt in variable}
            )
            problems, count = compare_recomputed(records, fnames, label)
            mismatches += problems
            checked += count
        for records in (partners, orders, lines):
            try:
                records._validate_fields(list(records._fields))
            except Exception as exc:  # noqa: BLE001 - reported as a mismatch
                mismatches.append(f"{records._name} constraint: {exc}")

        staff = env["res.users"].search([("login", "=", SALES_LOGIN.format(code="cen", n=1))])
        if staff:
            as_staff = env(user=staff.id)
            print(
                f"verify: {staff.login} ({staff.retail_branch_id.code}) sees "
                f"{as_staff['res.partner'].search_count([('is_retail_customer', '=', True)]):,} "
                f"customers and {as_staff['sale.order'].search_count([]):,} orders."
            )
        env.transaction.clear()
        cr.rollback()
    print(
        f"verify: {len(orders)} orders ({len(lines)} lines) and {len(partners)} customers, "
        f"{checked} values compared with the ORM."
    )
    if mismatches:
        print(f"verify: {len(mismatches)} MISMATCHES")
        for line in mismatches[:50]:
            print("  " + line)
        return False
    print("verify: OK")
    return True


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Generate deterministic Hong Kong retail CRM data (customers, products, "
        "sale orders) in an Odoo database where crm_retail_compile is installed.",
    )
    parser.add_argument("--db", required=True, help="database name")
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        help="rendered Odoo configuration (db_host, db_port, db_user, "
        "db_password); default %(default)s",
    )
    parser.add_argument("--customers", type=int, default=2000, help="default %(default)s")
    parser.add_argument(
        "--lines", type=int, default=20000, help="sale order lines, default %(default)s"
    )
    parser.add_argument(
        "--months",
        type=int,
        default=24,
        help="orders spread over the last N months, default %(default)s",
    )
    parser.add_argument("--products", type=int, default=200, help="default %(default)s")
    parser.add_argument(
        "--salespeople", type=int, default=4, help="salespeople per branch, default %(default)s"
    )
    parser.add_argument("--seed", type=int, default=42, help="default %(default)s")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        help="last day of the period (YYYY-MM-DD), default today in Hong Kong",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add data although the database already has generated data",
    )
    parser.add_argument(
        "--verify", action="store_true", help="after generating, compare random orders with the ORM"
    )
    parser.add_argument(
        "--defer-indexes",
        choices=["auto", "yes", "no"],
        default="auto",
        help="drop the non-unique indexes of res_partner, sale_order and sale_order_line "
        "during the load and rebuild them before the commit (same transaction; the tables "
        "stay locked meanwhile); auto: when generating at least 1,000,000 lines or "
        "200,000 customers",
    )
    parser.add_argument(
        "--jewellery",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also generate branch managers, consents, custom orders, repairs, certificates, "
        "anniversaries, wish lists, calls, online activity, reviews, deliveries, invoices "
        "and payments (setup/gen_jewellery.py); auto: up to "
        f"{JEWELLERY_AUTO_MAX_CUSTOMERS:,} customers",
    )
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="only compare already generated orders with the ORM",
    )
    args = parser.parse_args(argv)
    for name in ("customers", "lines", "products", "salespeople"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must not be negative")
    if args.months < 1:
        parser.error("--months must be at least 1")
    if args.products < 1:
        parser.error("--products must be at least 1")
    if args.salespeople < 1:
        parser.error("--salespeople must be at least 1")
    if args.lines and not args.customers:
        parser.error("sale order lines are generated for new customers: use --customers > 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    db_options = read_db_config(args.config)
    print(
        f"Database {args.db} on {db_options['db_host'] or 'local socket'}:"
        f"{db_options['db_port'] or 5432} as {db_options['db_user'] or 'current user'}."
    )
    started = time.monotonic()
    import psycopg2

    try:
        registry = open_registry(args.config, args.db)
    except psycopg2.OperationalError as exc:
        raise SystemExit(f"Cannot open database {args.db}: {exc}") from exc
    if "crm.retail.branch" not in registry:
        raise SystemExit(f"crm_retail_compile is not installed in {args.db}.")
    if args.verify_only:
        return 0 if verify(registry, args.seed) else 1

    from zoneinfo import ZoneInfo

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    today = args.today or now.astimezone(ZoneInfo(TZ_HK)).date()
    if today > now.astimezone(ZoneInfo(TZ_HK)).date():
        raise SystemExit("--today cannot be in the future.")
    if args.today:
        end_of_day = dt.datetime.combine(today, dt.time(23, 59, 59), ZoneInfo(TZ_HK))
        now = min(now, end_of_day.astimezone(dt.timezone.utc))

    with registry.cursor() as cr:
        env = orm_env(cr)
        customers, users = existing_generated_data(env, args.salespeople)
        if (customers or users) and not args.append:
            print(
                f"{args.db} already has generated data ({customers} customers with a "
                f"{MEMBERSHIP_PREFIX}... membership number, {users} sales.* users). "
                "Use --append to add more, or start from a fresh database.",
                file=sys.stderr,
            )
            return 2
        vacuum, counts = generate(env, args, today, now)
        print("Committing...", flush=True)
        cr.commit()  # commit: writing the generated data is the purpose of this script
    analyze(registry, vacuum)
    elapsed = time.monotonic() - started
    print(f"Done in {elapsed:.1f}s:")
    for table, count in counts.items():
        print(f"  {table:<22} {count:>12,}")
    with registry.cursor() as cr:
        cr.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size          {cr.fetchone()[0]:>12}")
    if args.verify:
        return 0 if verify(registry, args.seed) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
