"""Branches, salespeople and the other configuration records (through the ORM).

:func:`prepare_reference` finds or creates what the bulk rows point to and
returns it as a :class:`Reference` of ids: the company and its currency (HKD
when no journal item exists yet), a pricelist, the sales team, the branches
(the six standard ones when the database has none), ``--salespeople`` branch
staff users ``sales.<branch code>.<n>`` per branch with bilingual names
(:func:`person_name`), membership tiers, districts, product categories and
the ``sale.order`` sequence the order names continue.
:func:`existing_generated_data` counts what an earlier run left (refused
unless ``--append``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .products import ensure_categories
from .refdata import BRANCHES, GIVEN_SYLLABLES, SURNAMES, TIER_CODES, VISITOR_COUNTRIES
from .settings import MEMBERSHIP_PREFIX, SALES_LOGIN, STREAM_SETUP, TZ_HK, batch_rng


@dataclass
class Reference:
    """Ids and settings of the database the bulk data refers to."""

    company_id: int = 0
    currency_id: int = 0
    currency_name: str = ""
    pricelist_id: int = 0
    team_id: int | None = None
    # the sales team of each channel of orders.SALES_CHANNEL_NAMES
    channel_team_ids: list = field(default_factory=lambda: [None] * 4)
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


# the teams of the channels other than the shops' (found by their channel,
# else created); the shops' team sells in store and takes telephone orders
CHANNEL_TEAMS = (("online", "Online Store"), ("wholesale", "Wholesale"))


def ensure_channel_teams(env, company, team):
    """The team id of each sales channel (store, online, wholesale, phone)."""
    Team = env["crm.team"]
    store = team.id if team else None
    if "crm_sales_channel" not in Team._fields:
        return [store] * 4
    if team and not team.crm_sales_channel:
        team.crm_sales_channel = "store"
    ids = {"store": store, "phone": store}
    for code, name in CHANNEL_TEAMS:
        found = Team.search(
            [("crm_sales_channel", "=", code), ("company_id", "in", [company.id, False])], limit=1
        )
        if not found:
            found = Team.create({"name": name, "crm_sales_channel": code, "company_id": company.id})
        ids[code] = found.id
    return [ids[code] for code in ("store", "online", "wholesale", "phone")]


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
    ref.channel_team_ids = ensure_channel_teams(env, company, team)
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
