"""Jewellery and clienteling part of the demo data set (imported by crm_datagen/generate.py).

Fills, for the customers and orders ``generate_data.py`` has just written, every
feature of the suite with deterministic Hong Kong data:

* a branch manager and the salespeople as staff of every branch, a salesperson
  of the home branch for every customer (owners of data-quality to-dos and
  win-back activities);
* collection-notice acknowledgements and marketing consents given by a
  realistic share of customers (about half of them, 35-60% per purpose and
  channel);
* custom orders and repairs at every status, gem certificates, anniversaries,
  wish lists, telephone calls, online activity and reviews;
* deliveries, invoices (some overdue, one refunded) and payments for a sample
  of the confirmed orders, so that the abnormal-invoice scan finds cases that
  belong to real customers.

Volumes follow the number of customers with caps (``plan_volumes``): the part
is meant for demo and feature databases; ``--jewellery auto`` in
generate_data.py skips it for the large load-test sizes.  Records are created
with one ORM ``create`` per model and batch (the models' constraints, computed
fields, branch checks and sequences apply), customers' salespeople with one
``UPDATE ... FROM``.  All draws come from ``numpy`` generators seeded with
``(seed, stream)``: the same seed, ``--today`` and database state give the same
data.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import numpy as np
from gen_privacy import gen_privacy_requests

STREAM_JEWELLERY = 40  # streams 40..59 (generate_data.py uses 1..7)
CREATE_BATCH = 2000

# Share of customers per feature and the cap (records) at large sizes.
VOLUMES = {
    "custom_orders": (0.03, 700),
    "repairs": (0.04, 900),
    "certificates": (0.03, 700),
    "anniversaries": (0.08, 2000),
    "wishes": (0.06, 1500),
    "calls": (0.08, 2000),
    "online": (0.5, 12000),
    "reviews": (0.05, 1200),
    "invoiced_orders": (0.04, 120),
}
MIN_PER_FEATURE = 12
# Customers who agree to direct marketing at all, and per purpose/channel among them.
CONSENT_SHARE = 0.58
CONSENT_PER_PURPOSE = 0.82
NOTICE_SHARE = 0.9  # acknowledged the collection notice (every consenting customer does)
CONSENT_CHANNELS = ("email", "sms", "whatsapp")
CHANNEL_SHARE = {"email": 1.0, "sms": 0.88, "whatsapp": 0.78}

CUSTOM_STATES = [
    "quotation",
    "design_approved",
    "in_production",
    "quality_check",
    "ready",
    "collected",
    "cancelled",
]
CUSTOM_STATE_WEIGHTS = [0.14, 0.12, 0.18, 0.08, 0.12, 0.30, 0.06]
CUSTOM_DESIGNS = [
    ("Platinum wedding bands with a row of five diamonds", "鉑金結婚對戒，鑲五粒鑽石"),
    ("18K rose gold pendant with the baby's name in Chinese", "18K玫瑰金吊墜，刻上寶寶中文名"),
    ("Jadeite bangle reset in a yellow gold frame", "翡翠手鐲配黃金鑲邊"),
    ("Solitaire engagement ring, 1 ct round diamond", "一卡圓鑽求婚戒指"),
    ("Dragon and phoenix wedding bangles (龍鳳鈪), 999.9 gold", "足金龍鳳鈪一對"),
    ("Pearl necklace re-strung with a white gold clasp", "珍珠項鏈重穿，配白金扣"),
    ("Family birthstone ring with four sapphires", "家庭誕生石戒指，鑲四粒藍寶石"),
    ("Matching cufflinks for the groom in platinum", "新郎鉑金袖口鈕"),
]
REPAIR_STATES = ["draft", "confirmed", "under_repair", "done", "collected", "cancel"]
REPAIR_STATE_WEIGHTS = [0.12, 0.14, 0.2, 0.14, 0.34, 0.06]
REPAIR_SERVICES = [
    ("resize", 0.35, 380, "Ring resized 戒指改圈"),
    ("repair", 0.3, 850, "Broken chain soldered 斷鏈焊接"),
    ("clean", 0.25, 180, "Cleaning and polishing 清洗及拋光"),
    ("appraisal", 0.1, 600, "Appraisal for insurance 保險估價"),
]
ANNIVERSARY_TYPES = [("wedding", 0.5), ("engagement", 0.2), ("relationship", 0.22), ("other", 0.08)]
ANNIVERSARY_NOTES = {
    "wedding": "結婚週年 Wedding anniversary",
    "engagement": "訂婚週年 Engagement anniversary",
    "relationship": "拍拖紀念日 Dating anniversary",
    "other": "父母結婚紀念 Parents' anniversary",
}
WISH_NOTES = [
    "Wants it for Chinese New Year 新年想買",
    "Birthday present for wife 太太生日禮物",
    "Waiting for a smaller size 等細碼",
    "Asked to be told when back in stock 到貨通知",
    "",
]
CALL_TOPICS = [
    ("order_status", "Asked when the custom order will be ready 查詢訂製首飾進度"),
    ("repair", "Asked about the repair quotation 查詢維修報價"),
    ("enquiry", "Asked about gold prices today 查詢今日金價"),
    ("appointment", "Booked a viewing at the branch 預約到店睇貨"),
    ("payment", "Asked to pay the balance by FPS 以轉數快繳付餘款"),
    ("complaint", "Clasp broke after two weeks 扣環兩星期後斷咗"),
    ("other", "Changed the delivery address 更改送貨地址"),
]
CALL_OUTCOMES = [
    ("answered", 0.45),
    ("resolved", 0.25),
    ("follow_up", 0.12),
    ("no_answer", 0.1),
    ("voicemail", 0.08),
]
ONLINE_KINDS = [
    ("visit", 0.3, "Visited the e-shop"),
    ("product_view", 0.3, "Viewed a product"),
    ("search", 0.15, "Searched: {}"),
    ("cart", 0.1, "Added to cart"),
    ("wishlist", 0.07, "Added to wish list"),
    ("order", 0.05, "Online order"),
    ("review", 0.03, "Wrote a review"),
]
SEARCH_TERMS = ["鑽石戒指", "jade bangle", "結婚對戒", "pearl earrings", "999.9 gold", "手鏈"]
CERT_LABS = [("gia", 0.7), ("igi", 0.15), ("hrd", 0.1), ("other", 0.05)]
CERT_SHAPES = [("round", 0.6), ("oval", 0.1), ("princess", 0.1), ("cushion", 0.1), ("pear", 0.1)]
CERT_COLOURS = ["D", "E", "F", "G", "H", "I"]
CERT_CLARITIES = ["IF", "VVS1", "VVS2", "VS1", "VS2", "SI1"]
REVIEW_COMMENTS = {
    5: "Beautiful ring, excellent service 服務一流",
    4: "Nice design, a little long to wait 款式好，等得耐咗少少",
    3: "OK 一般",
    2: "The clasp is loose 扣環鬆",
    1: "Stone fell out after a week 一星期就甩石",
}
MANAGER_LOGIN = "manager.{code}"


# ---------------------------------------------------------------------------
# Pure helpers (unit-tested)
# ---------------------------------------------------------------------------


def rng_for(seed, stream):
    return np.random.default_rng([seed, STREAM_JEWELLERY + stream])


def plan_volumes(customers):
    """Records per feature for a number of customers (share, capped; at least
    ``MIN_PER_FEATURE`` so that tiny data sets show every status)."""
    return {
        name: min(cap, max(MIN_PER_FEATURE, round(customers * share))) if customers else 0
        for name, (share, cap) in VOLUMES.items()
    }


def pick_weighted(rng, choices, weights, n):
    """``n`` draws of ``choices`` with the (not necessarily normalised) weights."""
    w = np.asarray(weights, dtype=float)
    return [choices[i] for i in rng.choice(len(choices), size=n, p=w / w.sum())]


def spread_states(rng, states, weights, n):
    """``n`` states: each state at least once when ``n`` allows, the rest weighted."""
    base = list(states[: min(n, len(states))])
    rest = pick_weighted(rng, states, weights, max(0, n - len(base)))
    out = base + rest
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def consent_plan(rng, n_customers, n_purposes, channels=CONSENT_CHANNELS):
    """Boolean arrays: notice acknowledged per customer, and opt-in per
    (customer, purpose, channel); opt-in implies the notice."""
    agrees = rng.random(n_customers) < CONSENT_SHARE
    notice = agrees | (
        rng.random(n_customers) < (NOTICE_SHARE - CONSENT_SHARE) / (1 - CONSENT_SHARE)
    )
    share = np.array([CHANNEL_SHARE.get(c, 1.0) for c in channels])
    draws = rng.random((n_customers, n_purposes, len(channels)))
    opt_in = agrees[:, None, None] & (draws < CONSENT_PER_PURPOSE * share[None, None, :])
    return notice, opt_in


def certificate_number(lab, rng):
    """A plausible report number of the laboratory."""
    if lab == "gia":
        return str(int(rng.integers(1_100_000_000, 7_500_000_000)))
    if lab == "igi":
        return f"LG{int(rng.integers(500_000_000, 699_999_999))}"
    if lab == "hrd":
        return str(int(rng.integers(210_000_000_00, 240_000_000_00)))
    return f"HKJL-{int(rng.integers(10_000, 99_999))}"


def carat_measurements(carat, shape):
    """Millimetre measurements of a stone of ``carat`` (round-brilliant proportions)."""
    diameter = 6.5 * (carat ** (1 / 3))
    if shape == "round":
        return f"{diameter:.2f} x {diameter * 1.005:.2f} x {diameter * 0.615:.2f}"
    return f"{diameter * 1.3:.2f} x {diameter * 0.9:.2f} x {diameter * 0.6:.2f}"


def day_before(today, days):
    return today - dt.timedelta(days=int(days))


# ---------------------------------------------------------------------------
# Database part
# ---------------------------------------------------------------------------


def _create(env, model, vals_list):
    Model = env[model].with_context(
        tracking_disable=True,
        mail_create_nolog=True,
        mail_notrack=True,
        no_reset_password=True,
        lang=env.context.get("lang") or "en_US",
    )
    records = Model.browse()
    for start in range(0, len(vals_list), CREATE_BATCH):
        records |= Model.create(vals_list[start : start + CREATE_BATCH])
    return records


def load_customers(cr, first_partner, count):
    """(ids, home branch ids, phones) of the generated customers, by id."""
    cr.execute(
        """SELECT id, retail_branch_id, phone FROM res_partner
            WHERE id >= %s AND id < %s AND active AND retail_branch_id IS NOT NULL
              AND membership_number IS NOT NULL ORDER BY id""",
        [first_partner, first_partner + count],
    )
    rows = cr.fetchall()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def load_products(cr, category_ids):
    cr.execute(
        """SELECT pp.id, pt.list_price FROM product_product pp
             JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE pt.categ_id = ANY(%s) AND pt.sale_ok AND pp.active ORDER BY pp.id""",
        [list(category_ids)],
    )
    rows = cr.fetchall()
    return [r[0] for r in rows], np.array([float(r[1] or 0) for r in rows])


def ensure_branch_staff(env, ref, seed, person_name):
    """A manager for every branch without one, the salespeople as branch staff,
    and a salesperson of the home branch for every customer without one
    (``person_name(rng, female)`` names the new managers)."""
    Users = env["res.users"].with_context(active_test=False, no_reset_password=True)
    groups = env.ref("crm_retail_compile.group_branch_manager")
    department = env.ref("crm_retail_compile.department_sales", raise_if_not_found=False)
    branches = env["crm.retail.branch"].browse(ref.branch_ids)
    rng = rng_for(seed, 0)
    created = 0
    for branch, users in zip(branches, ref.branch_users, strict=True):
        if not branch.manager_id:
            login = MANAGER_LOGIN.format(code=branch.code.lower())
            # a branch manager of the branch already there (demo's manager.central)
            manager = Users.search(
                [
                    ("groups_id", "in", groups.ids),
                    ("retail_branch_id", "=", branch.id),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            ) or Users.search([("login", "=", login)], limit=1)
            if not manager:
                manager = Users.create(
                    {
                        "name": person_name(rng, female=bool(rng.random() < 0.55)),
                        "login": login,
                        "email": f"{login}@example.com",
                        "company_id": ref.company_id,
                        "company_ids": [(6, 0, [ref.company_id])],
                        "groups_id": [(6, 0, groups.ids)],
                        "tz": "Asia/Hong_Kong",
                        "retail_branch_ids": [(6, 0, [branch.id])],
                        "retail_branch_id": branch.id,
                        "retail_department_id": department.id if department else False,
                    }
                )
                created += 1
            branch.manager_id = manager
        branch.user_ids = [(4, uid) for uid in users + [branch.manager_id.id]]
    # customers' salesperson: the n-th salesperson of the home branch, by id
    env.flush_all()
    for branch_id, users in zip(ref.branch_ids, ref.branch_users, strict=True):
        env.cr.execute(
            """UPDATE res_partner p SET user_id = (%s::int[])[1 + p.id %% %s]
                WHERE p.retail_branch_id = %s AND p.user_id IS NULL
                  AND p.membership_number IS NOT NULL""",
            [users, len(users), branch_id],
        )
    env.invalidate_all()
    return created


def _branch_user(ref, branch_id, k):
    users = ref.branch_users[ref.branch_ids.index(branch_id)] if branch_id in ref.branch_ids else []
    return users[k % len(users)] if users else None


def gen_consents(env, seed, customers, homes, today):
    """Notice acknowledgements and marketing consents."""
    pics = env["crm.privacy.pics"].search([("state", "=", "active")], limit=1)
    purposes = env["crm.privacy.marketing.purpose"].search([], order="id")
    if not pics or not purposes:
        return 0, 0
    rng = rng_for(seed, 1)
    notice, opt_in = consent_plan(rng, len(customers), len(purposes))
    days = rng.integers(1, 700, size=len(customers))
    sources = pick_weighted(rng, ["pos", "form", "web"], [0.5, 0.3, 0.2], len(customers))
    branches = {b.id: b.name for b in env["crm.retail.branch"].search([])}
    online = {b.id for b in env["crm.retail.branch"].search([("is_online", "=", True)])}
    acks, consents = [], []
    for i, pid in enumerate(customers):
        if not notice[i]:
            continue
        when = f"{day_before(today, days[i])} 0{2 + i % 8}:{i % 60:02d}:00"
        acks.append(
            {
                "partner_id": pid,
                "pics_id": pics.id,
                "given_date": when,
                "channel": "online" if homes[i] in online else "store",
                "branch_ref": branches.get(homes[i], ""),
            }
        )
        for p_index, purpose in enumerate(purposes):
            for c_index, channel in enumerate(CONSENT_CHANNELS):
                if opt_in[i, p_index, c_index]:
                    consents.append(
                        {
                            "partner_id": pid,
                            "purpose_id": purpose.id,
                            "channel": channel,
                            "use": "own_use",
                            "kind": "opt_in",
                            "source": "web" if homes[i] in online else sources[i],
                            "consent_date": when,
                            "pics_id": pics.id,
                        }
                    )
    _create(env, "crm.privacy.pics.acknowledgement", acks)
    _create(env, "crm.privacy.consent", consents)
    return len(acks), len(consents)


def gen_custom_orders(env, seed, ref, customers, homes, n, today):
    rng = rng_for(seed, 2)
    metals = env["crm.jewellery.metal"].search([]).ids
    stones = env["crm.jewellery.gemstone"].search([]).ids
    idx = rng.choice(len(customers), size=n, replace=n > len(customers))
    states = spread_states(rng, CUSTOM_STATES, CUSTOM_STATE_WEIGHTS, n)
    vals = []
    for k, (i, state) in enumerate(zip(idx, states, strict=True)):
        design = CUSTOM_DESIGNS[int(rng.integers(len(CUSTOM_DESIGNS)))]
        budget = float(rng.choice([12000, 18000, 28000, 38000, 58000, 88000, 128000]))
        amount = round(budget * float(rng.uniform(0.85, 1.05)), -2)
        deposit = round(amount * 0.3, -2)
        age = (
            int(rng.integers(5, 240))
            if state in ("collected", "cancelled")
            else int(rng.integers(1, 60))
        )
        paid = amount if state in ("ready", "collected") and rng.random() < 0.7 else deposit
        if state == "quotation":
            paid, deposit = 0.0, 0.0
        vals.append(
            {
                "partner_id": customers[i],
                "retail_branch_id": homes[i],
                "user_id": _branch_user(ref, homes[i], k),
                "state": state,
                "design_description": f"<p>{design[0]}. {design[1]}。</p>",
                "metal_id": metals[int(rng.integers(len(metals)))] if metals else False,
                "gemstone_ids": [(6, 0, [stones[int(rng.integers(len(stones)))]])]
                if stones
                else [],
                "budget": budget,
                "service_amount": amount,
                "deposit_amount": deposit,
                "amount_paid": paid,
                "payment_date": str(day_before(today, age)) if paid else False,
                "ready_date": str(today + dt.timedelta(days=int(rng.integers(-20, 45)))),
                "collected_date": str(day_before(today, age - 3))
                if state == "collected"
                else False,
            }
        )
    return _create(env, "crm.jewellery.custom.order", vals)


def gen_repairs(env, seed, ref, customers, homes, products, n, today):
    rng = rng_for(seed, 3)
    idx = rng.choice(len(customers), size=n, replace=n > len(customers))
    states = spread_states(rng, REPAIR_STATES, REPAIR_STATE_WEIGHTS, n)
    services = pick_weighted(rng, REPAIR_SERVICES, [s[1] for s in REPAIR_SERVICES], n)
    vals = []
    for k, (i, state, service) in enumerate(zip(idx, states, services, strict=True)):
        amount = float(round(service[2] * rng.uniform(0.8, 1.6), -1))
        done = state in ("done", "collected")
        paid = amount if state == "collected" else (round(amount * 0.5, -1) if k % 2 else 0.0)
        vals.append(
            {
                "partner_id": customers[i],
                "retail_branch_id": homes[i],
                "user_id": _branch_user(ref, homes[i], k),
                "product_id": int(products[int(rng.integers(len(products)))]),
                "jewellery_service_type": service[0],
                "internal_notes": f"<p>{service[3]}</p>",
                "state": "done" if state == "collected" else state,
                "service_amount": amount,
                "deposit_amount": round(amount * 0.5, -1),
                "amount_paid": paid,
                "ready_date": str(today + dt.timedelta(days=int(rng.integers(-10, 21)))),
                "collected_date": str(day_before(today, int(rng.integers(1, 90))))
                if state == "collected"
                else False,
                "schedule_date": f"{day_before(today, int(rng.integers(0, 30)))} 03:00:00"
                if not done
                else f"{day_before(today, int(rng.integers(30, 120)))} 03:00:00",
            }
        )
    return _create(env, "repair.order", vals)


def gen_certificates(env, seed, customers, homes, products, prices, n, today):
    rng = rng_for(seed, 4)
    diamond = env.ref("crm_jewellery_ext.gemstone_diamond", raise_if_not_found=False)
    premium = np.flatnonzero(prices >= np.quantile(prices, 0.6)) if len(prices) else []
    idx = rng.choice(len(customers), size=n, replace=n > len(customers))
    labs = pick_weighted(rng, [c[0] for c in CERT_LABS], [c[1] for c in CERT_LABS], n)
    shapes = pick_weighted(rng, [c[0] for c in CERT_SHAPES], [c[1] for c in CERT_SHAPES], n)
    vals = []
    for i, lab, shape in zip(idx, labs, shapes, strict=True):
        carat = float(round(rng.choice([0.3, 0.5, 0.7, 1.0, 1.5, 2.0]) * rng.uniform(1, 1.1), 2))
        vals.append(
            {
                "name": certificate_number(lab, rng),
                "laboratory": lab,
                "laboratory_other": "Hong Kong Jewellery Laboratory" if lab == "other" else False,
                "report_date": str(day_before(today, int(rng.integers(30, 900)))),
                "gemstone_id": diamond.id if diamond else False,
                "carat": carat,
                "colour": CERT_COLOURS[int(rng.integers(len(CERT_COLOURS)))],
                "clarity": CERT_CLARITIES[int(rng.integers(len(CERT_CLARITIES)))],
                "cut": "excellent" if rng.random() < 0.7 else "very_good",
                "shape": shape,
                "measurements": carat_measurements(carat, shape),
                "product_id": int(products[int(rng.choice(premium))]) if len(premium) else False,
                "partner_id": customers[i],
                "retail_branch_id": homes[i],
            }
        )
    return _create(env, "crm.jewellery.certificate", vals)


def gen_anniversaries(env, seed, customers, n, today):
    rng = rng_for(seed, 5)
    idx = rng.choice(len(customers), size=min(n, len(customers)), replace=False)
    types = pick_weighted(
        rng, [t[0] for t in ANNIVERSARY_TYPES], [t[1] for t in ANNIVERSARY_TYPES], len(idx)
    )
    vals = []
    for k, (i, kind) in enumerate(zip(idx, types, strict=True)):
        # a tenth falls in the next three weeks, so reminders show at once
        if k % 10 == 0:
            date = today + dt.timedelta(days=int(rng.integers(1, 21)))
            date = date.replace(year=date.year - int(rng.integers(1, 30)))
        else:
            date = day_before(today, int(rng.integers(365, 365 * 30)))
        related = customers[(i + 1) % len(customers)] if k % 3 == 0 else False
        vals.append(
            {
                "partner_id": customers[i],
                "related_partner_id": related,
                "anniversary_type": kind,
                "date": str(date),
                "note": ANNIVERSARY_NOTES[kind],
            }
        )
    return _create(env, "crm.jewellery.anniversary", vals)


def gen_wishes(env, seed, customers, products, n, today):
    rng = rng_for(seed, 6)
    pairs = set()
    vals = []
    tries = 0
    while len(vals) < n and tries < n * 4:
        tries += 1
        pid = customers[int(rng.integers(len(customers)))]
        prod = int(products[int(rng.integers(len(products)))])
        if (pid, prod) in pairs:
            continue
        pairs.add((pid, prod))
        vals.append(
            {
                "partner_id": pid,
                "product_id": prod,
                "date": str(day_before(today, int(rng.integers(0, 300)))),
                "note": WISH_NOTES[int(rng.integers(len(WISH_NOTES)))] or False,
            }
        )
    return _create(env, "crm.jewellery.wish", vals)


def gen_calls(env, seed, ref, customers, homes, phones, n, today):
    rng = rng_for(seed, 7)
    idx = rng.choice(len(customers), size=n, replace=n > len(customers))
    outcomes = pick_weighted(rng, [o[0] for o in CALL_OUTCOMES], [o[1] for o in CALL_OUTCOMES], n)
    vals = []
    for k, (i, outcome) in enumerate(zip(idx, outcomes, strict=True)):
        topic, summary = CALL_TOPICS[int(rng.integers(len(CALL_TOPICS)))]
        user = _branch_user(ref, homes[i], k) or env.uid
        when = day_before(today, int(rng.integers(0, 180)))
        vals.append(
            {
                "call_date": f"{when} {1 + int(rng.integers(0, 10)):02d}:{k % 60:02d}:00",
                "direction": "inbound" if rng.random() < 0.65 else "outbound",
                "partner_id": customers[i],
                "phone": phones[i] or False,
                "user_id": user,
                "topic": topic,
                "summary": summary,
                "outcome": outcome,
                "duration": float(round(rng.uniform(0.5, 12), 1)),
                "retail_branch_id": homes[i],
                "follow_up_date": str(today + dt.timedelta(days=int(rng.integers(1, 10))))
                if outcome == "follow_up"
                else False,
                "follow_up_user_id": user if outcome == "follow_up" else False,
            }
        )
    return _create(env, "crm.jewellery.call", vals)


def gen_online(env, seed, customers, products, n, now):
    rng = rng_for(seed, 8)
    idx = rng.choice(len(customers), size=n, replace=True)
    kinds = pick_weighted(rng, ONLINE_KINDS, [k[1] for k in ONLINE_KINDS], n)
    seconds = rng.integers(0, 180 * 86400, size=n)
    vals = []
    for i, kind, sec in zip(idx, kinds, seconds, strict=True):
        product = int(products[int(rng.integers(len(products)))]) if kind[0] != "visit" else False
        detail = kind[2].format(SEARCH_TERMS[int(rng.integers(len(SEARCH_TERMS)))])
        vals.append(
            {
                "partner_id": customers[i],
                "activity_date": (now - dt.timedelta(seconds=int(sec))).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "kind": kind[0],
                "detail": detail,
                "product_id": product if kind[0] != "search" else False,
                "source": "app" if rng.random() < 0.3 else "eshop",
            }
        )
    return _create(env, "crm.online.activity", vals)


def gen_reviews(env, seed, orders_lines, n, today):
    """Reviews of delivered orders: (order id, partner id, branch id, product id) rows."""
    rng = rng_for(seed, 9)
    rows = orders_lines[:n]
    vals = []
    for k, (order_id, partner_id, branch_id, product_id) in enumerate(rows):
        received = k % 4 != 0
        rating = int(rng.choice([5, 4, 3, 2, 1], p=[0.55, 0.25, 0.1, 0.06, 0.04]))
        vals.append(
            {
                "partner_id": partner_id,
                "product_id": product_id,
                "sale_order_id": order_id,
                "retail_branch_id": branch_id,
                "source": "delivery",
                "channel": "email" if k % 3 else "sms",
                "state": "received" if received else "requested",
                "rating": rating if received else 0,
                "comment": REVIEW_COMMENTS[rating] if received else False,
                "request_date": str(day_before(today, int(rng.integers(3, 120)))),
                "review_date": str(day_before(today, int(rng.integers(0, 3))))
                if received
                else False,
            }
        )
    reviews = _create(env, "crm.jewellery.review", vals)
    return reviews


def sample_orders(cr, first_order, n_orders, n, seed):
    """Confirmed generated orders to deliver and invoice: the latest ``n``, one per customer."""
    cr.execute(
        """SELECT DISTINCT ON (partner_id) id, partner_id, retail_branch_id
             FROM sale_order WHERE id >= %s AND id < %s AND state = 'sale'
            ORDER BY partner_id, date_order DESC""",
        [first_order, first_order + n_orders],
    )
    rows = cr.fetchall()
    rng = rng_for(seed, 10)
    if len(rows) > n:
        rows = [rows[i] for i in sorted(rng.choice(len(rows), size=n, replace=False))]
    return rows


def deliver_and_invoice(env, order_ids, today):
    """Deliveries (validated), invoices (posted; about two thirds paid, the rest
    overdue) and one refund, through the ORM as a shop would."""
    orders = env["sale.order"].browse(order_ids)
    counts = {"deliveries": 0, "invoices": 0, "payments": 0, "refunds": 0}
    if not orders:
        return counts
    orders.order_line._action_launch_stock_rule()
    pickings = orders.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
    to_validate = pickings[: max(1, len(pickings) * 4 // 5)]
    for move in to_validate.move_ids:
        move.quantity = move.product_uom_qty
    to_validate.move_ids.picked = True
    to_validate.with_context(skip_backorder=True, skip_sms=True).button_validate()
    counts["deliveries"] = len(to_validate)
    # invoiced a few days after the order, 30 days to pay: the unpaid old ones are overdue
    invoices = orders._create_invoices()
    for move in invoices:
        order = move.line_ids.sale_line_ids.order_id[:1]
        date = min((order.date_order.date() if order else today) + dt.timedelta(days=2), today)
        move.write({"invoice_date": date, "invoice_date_due": date + dt.timedelta(days=30)})
    invoices.action_post()
    counts["invoices"] = len(invoices)
    paid = invoices.filtered(lambda m: m.id % 3 != 0)
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", invoices[:1].company_id.id)], limit=1
    )
    cash = env["account.journal"].search(
        [("type", "=", "cash"), ("company_id", "=", invoices[:1].company_id.id)], limit=1
    )
    # about a third paid in cash at the counter, the largest too (large cash
    # payments need customer due diligence)
    by_cash = paid.browse()
    if cash:
        by_cash = paid.filtered(lambda m: m.id % 3 == 1) | paid.sorted("amount_total")[-1:]
    for moves, pay_journal in ((paid - by_cash, journal), (by_cash, cash)):
        if moves and pay_journal:
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=moves.ids
            ).create({"journal_id": pay_journal.id, "group_payment": False})._create_payments()
            counts["payments"] += len(moves)
    refund_of = (paid - by_cash).sorted("amount_total")[-1:]  # the largest bank-paid one
    if refund_of:
        reversal = (
            env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=refund_of.ids)
            .create(
                {
                    "reason": "Returned within 7 days 七日內退貨",
                    "journal_id": refund_of.journal_id.id,
                    "date": str(today),
                }
            )
        )
        reversal.refund_moves()
        refunds = refund_of.reversal_move_ids.filtered(lambda m: m.state == "draft")
        refunds.action_post()
        counts["refunds"] = len(refund_of.reversal_move_ids)
    return counts


def generate_jewellery(env, args, ref, dates, generated, person_name):
    """Everything above for the customers and orders just generated; returns counts.

    ``dates`` is (today, now); ``generated`` is (first partner id, first order id,
    number of orders).  Runs in Odoo's demo-loading mode (the thread's ``testing``
    flag, as ``odoo.modules.loading.load_data`` sets for demo files): the review
    requests and notices the workflows send are recorded, not mailed or texted."""
    thread = threading.current_thread()
    testing = getattr(thread, "testing", False)
    thread.testing = True
    try:
        return _generate_jewellery(env, args, ref, dates, generated, person_name)
    finally:
        thread.testing = testing


def _generate_jewellery(env, args, ref, dates, generated, person_name):
    cr = env.cr
    today, now = dates
    first_partner, first_order, n_orders = generated
    counts = {}
    counts["branch managers created"] = ensure_branch_staff(env, ref, args.seed, person_name)
    customers, homes, phones = load_customers(cr, first_partner, args.customers)
    products, prices = load_products(cr, ref.category_ids)
    if not customers or not products:
        return counts
    vol = plan_volumes(len(customers))
    clock = [time.monotonic()]

    def step(label):
        now_ = time.monotonic()
        print(f"  {label}: {now_ - clock[0]:.1f}s", flush=True)
        clock[0] = now_

    acks, consents = gen_consents(env, args.seed, customers, homes, today)
    counts["notice acknowledgements"], counts["consents"] = acks, consents
    counts["access and correction requests"] = len(gen_privacy_requests(env, customers, today))
    step("consents and notice acknowledgements")
    counts["custom orders"] = len(
        gen_custom_orders(env, args.seed, ref, customers, homes, vol["custom_orders"], today)
    )
    counts["repairs"] = len(
        gen_repairs(env, args.seed, ref, customers, homes, products, vol["repairs"], today)
    )
    counts["certificates"] = len(
        gen_certificates(
            env, args.seed, customers, homes, products, prices, vol["certificates"], today
        )
    )
    counts["anniversaries"] = len(
        gen_anniversaries(env, args.seed, customers, vol["anniversaries"], today)
    )
    counts["wishes"] = len(gen_wishes(env, args.seed, customers, products, vol["wishes"], today))
    counts["calls"] = len(
        gen_calls(env, args.seed, ref, customers, homes, phones, vol["calls"], today)
    )
    counts["online activity"] = len(
        gen_online(env, args.seed, customers, products, vol["online"], now)
    )
    step("custom orders, repairs, certificates, anniversaries, wishes, calls, online")
    sample = sample_orders(cr, first_order, n_orders, vol["invoiced_orders"], args.seed)
    counts.update(deliver_and_invoice(env, [r[0] for r in sample], today))
    step("deliveries, invoices and payments")
    cr.execute(
        """SELECT DISTINCT ON (so.id) so.id, so.partner_id, so.retail_branch_id, sol.product_id
             FROM sale_order so JOIN sale_order_line sol ON sol.order_id = so.id
            WHERE so.id = ANY(%s) AND sol.product_id IS NOT NULL ORDER BY so.id, sol.id""",
        [[r[0] for r in sample]],
    )
    counts["reviews"] = len(gen_reviews(env, args.seed, cr.fetchall(), vol["reviews"], today))
    env.flush_all()
    return counts
