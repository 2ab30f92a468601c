"""Hong Kong reference data the generator draws from (plain tables, no code).

Branches and the share of customers each one serves, Cantonese surnames and
given-name syllables with their Chinese characters and pinyin, English first
names, placeholder names (the data-quality defects), e-mail domains and bad
e-mail patterns, the mobile and fixed-line prefixes libphonenumber accepts,
visitor countries, the 18 districts with their population and housing
estates, membership tiers, product categories (prices, costs, quantities,
item names in English and Chinese) and the sales calendar (month factors,
Chinese New Year dates, yearly growth, lines per order).
"""

from __future__ import annotations

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
