"""Sale orders and lines: seasonality, amounts and states.

:func:`plan_order_sizes` cuts ``--lines`` into orders of 1 to 5 lines.
:func:`day_weights` gives each day of the period its relative sales volume
(December and the weeks before Chinese New Year, weekends, Valentine's Day,
Mother's Day, Christmas Eve, a few percent growth a year);
:func:`order_batch` draws for each order a customer (by buying weight), a
day after the customer's enrolment, a branch, a time of day, a salesperson
and a state (recent orders are more often quotations), then the lines:
products (premium ones for the higher tiers), quantities, member discounts,
a few irregular discounts and below-cost prices, and the channel
(:func:`order_channels`).  :func:`line_amounts`
computes the stored amounts exactly as the ORM does (integer cents, half-up
rounding, no tax).
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np

from .database import copy_escape, date_strings, day_strings
from .refdata import (
    ANNUAL_GROWTH,
    CATEGORIES,
    CHINESE_NEW_YEAR,
    LINES_PER_ORDER,
    LINES_PER_ORDER_P,
    MONTH_FACTOR,
    TIER_DISCOUNT_RATE,
    TIER_PREMIUM_RATE,
)
from .settings import HK_UTC_OFFSET, STREAM_ORDERS, batch_rng

# where orders are made (sale.order.crm_sales_channel, in this order): the
# online store's orders online; in the shops most in store, a few taken by
# telephone, and the trade accounts' (one customer in TRADE_ACCOUNT_EVERY)
# wholesale
SALES_CHANNEL_NAMES = np.array(["store", "online", "wholesale", "phone"])
PHONE_ORDER_RATE = 0.06
TRADE_ACCOUNT_EVERY = 40


def order_channels(rng, is_web, partner_ids):
    """Index in SALES_CHANNEL_NAMES of each order's channel."""
    n = len(is_web)
    phone = rng.random(n) < PHONE_ORDER_RATE
    trade = np.asarray(partner_ids, dtype=np.int64) % TRADE_ACCOUNT_EVERY == 0
    return np.where(is_web, 1, np.where(trade, 2, np.where(phone, 3, 0)))


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

    # drawn last: the other figures stay those of the same seed before
    channels = order_channels(rng, is_web, cust.ids[c])
    teams = np.array(
        ["\\N" if team is None else str(team) for team in ref.channel_team_ids], dtype=object
    )[channels]

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
        teams.tolist(),
        SALES_CHANNEL_NAMES[channels].tolist(),
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
