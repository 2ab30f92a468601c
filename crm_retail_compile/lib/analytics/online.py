"""Preferences derived from online behaviour (pure Python, no database).

What a customer does in the e-shop on a product says that its product
category interests them, less surely than a purchase does. Per customer and
category, over the analytics window:

* an online order of the category is a purchase: weight 1 (``PURCHASE``);
* otherwise each product view, wish-list addition and cart addition adds the
  weight of its kind (``KIND_WEIGHTS``: a view counts least), and the sum is
  capped at ``BROWSE_CAP``: no amount of browsing counts as much as buying.

Visits, searches and reviews name no category of interest and weigh nothing.

The score (0 to 1) is the customer's online preference for the category
(``crm.online.preference``), and the category's weight in the customer's
basket for the category affinities (``affinity.rules``): 1 when the customer
bought the category in a shop or online, else its online score.

The nightly refresh computes the same scores in one SQL statement from these
constants (``crm.online.preference._refresh``); this module is the reference
the tests compare it with.
"""

from collections import defaultdict

PURCHASE = 1.0
BROWSE_CAP = 0.8
# weight of one activity of each kind; kinds of weight PURCHASE are purchases
KIND_WEIGHTS = {
    "product_view": 0.2,
    "wishlist": 0.4,
    "cart": 0.5,
    "order": PURCHASE,
}
PURCHASE_KINDS = tuple(kind for kind, weight in KIND_WEIGHTS.items() if weight >= PURCHASE)
BROWSE_KINDS = tuple(kind for kind in KIND_WEIGHTS if kind not in PURCHASE_KINDS)
DIGITS = 4


def score(counts):
    """Score of one customer and category from ``{kind: number of activities}``."""
    if any(counts.get(kind) for kind in PURCHASE_KINDS):
        return PURCHASE
    total = sum(KIND_WEIGHTS[kind] * counts.get(kind, 0) for kind in BROWSE_KINDS)
    return round(min(BROWSE_CAP, total), DIGITS)


def category_counts(activities):
    """``{(customer, category): {kind: count}}`` of ``(customer, category,
    kind)`` activities (activities of unweighted kinds or without a category
    are left out)."""
    counts = defaultdict(lambda: defaultdict(int))
    for customer, category, kind in activities:
        if category and kind in KIND_WEIGHTS:
            counts[customer, category][kind] += 1
    return counts


def category_scores(activities):
    """``{(customer, category): score}`` of ``(customer, category, kind)`` activities."""
    return {key: score(kinds) for key, kinds in category_counts(activities).items()}


def basket_weights(purchases, scores):
    """Weighted baskets: ``[(customer, category, weight)]`` of the bought
    ``(customer, category)`` pairs (weight 1) and the online ``scores``
    (their score, unless bought)."""
    weights = {(customer, category): PURCHASE for customer, category in purchases}
    for key, value in scores.items():
        if value > 0:
            weights[key] = max(weights.get(key, 0.0), value)
    return [(customer, category, weight) for (customer, category), weight in weights.items()]
