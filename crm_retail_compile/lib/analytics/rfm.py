"""RFM scores, named segments and age bands.

Scores are tie-aware quintiles: with the customers ranked in ascending order
of the "better" direction (RANK(): equal values share the lowest rank),

    score = 1 + floor(5 * (rank - 1) / n)

so every score covers a fifth of the ranks, equal values always get the same
score, and a value shared by most customers gets the low score of its first
rank. For n distinct values divisible by 5 this is exactly NTILE(5). The
database refresh computes the same scores from four cut values of each sorted
figure (``quintile_cut_positions``).

* Recency: days since the last purchase; fewer days is better (5 = most
  recent).
* Frequency: purchase days in the scoring window; more is better.
* Monetary: net untaxed revenue in the scoring window; more is better.

Segments (a common mapping on the recency score R and the mean of the
frequency and monetary scores FM = (F + M) / 2), checked in this order:

=============  ==========================================================
champions      R >= 4 and FM >= 4: bought recently, often and a lot
new            R >= 4 and exactly one purchase: first purchase recently
loyal          R >= 3 and FM >= 3: buy regularly and spend well
potential      R >= 3 (and FM < 3): recent, can grow into loyal customers
at_risk        R <= 2 and FM >= 3: were good customers, not seen for long
hibernating    R == 2 (and FM < 3): low value, not seen for a while
lost           R == 1 (and FM < 3): lowest recency, low value
=============  ==========================================================

``SEGMENT_RULES`` is the one definition of these rules: the Python mapping
(``segment``) and the SQL CASE of the database refresh are both generated
from it.
"""

import numpy as np
from scipy.stats import rankdata

SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential", "Potential Loyalists"),
    ("new", "New Customers"),
    ("at_risk", "At Risk"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost"),
]

AGE_BANDS = [
    ("under_25", "Under 25"),
    ("25_34", "25-34"),
    ("35_44", "35-44"),
    ("45_54", "45-54"),
    ("55_64", "55-64"),
    ("65_plus", "65 and over"),
    ("unknown", "Unknown"),
]
# lower age bound of each band but the first (and unknown)
AGE_BAND_EDGES = [25, 35, 45, 55, 65]


def quintile_scores(values, higher_is_better=True):
    """Tie-aware quintile scores 1-5 of ``values`` (see the module docstring)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    if not n:
        return np.zeros(0, dtype=int)
    ranked = values if higher_is_better else -values
    rank = rankdata(ranked, method="min")
    return (1 + np.floor(5 * (rank - 1) / n)).astype(int)


def quintile_cut_positions(n):
    """Positions (1-based, in ascending order) of the four cut values of
    ``quintile_scores`` over ``n`` values.

    With ``c_k = ceil(k * n / 5)``: score >= k + 1 iff 5 * (rank - 1) / n >= k
    iff (values below) >= c_k iff the c_k-th smallest value is below the
    value. So a value scores 1 + the number of cut values strictly below it,
    and scoring needs four values of the sorted list instead of a rank for
    every customer. Integer arithmetic: exact for any ``n``.
    """
    return [-(-k * n // 5) for k in range(1, 5)]


def quintile_cuts(values):
    """The four cut values of ``values`` (see ``quintile_cut_positions``)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    if not ordered.shape[0]:
        return []
    return [ordered[pos - 1] for pos in quintile_cut_positions(ordered.shape[0])]


def scores_from_cuts(values, cuts):
    """Scores 1-5 of ``values`` given the cut values (higher is better)."""
    values = np.asarray(values, dtype=float)
    return 1 + sum((values > cut).astype(int) for cut in cuts)


# The segment rules, defined once: (segment, conditions), checked in this
# order; the first rule whose conditions all hold gives the segment, else
# DEFAULT_SEGMENT. A condition is (term, operator, value) over the terms
# "r" (recency score), "fm" ((F + M) / 2) and "frequency" (purchase days).
# ``segment`` evaluates them with numpy, and the database refresh generates
# its SQL CASE from the same list (res_partner_analytics._segment_case).
SEGMENT_RULES = (
    ("champions", (("r", ">=", 4), ("fm", ">=", 4))),
    ("new", (("r", ">=", 4), ("frequency", "=", 1))),
    ("loyal", (("r", ">=", 3), ("fm", ">=", 3))),
    ("potential", (("r", ">=", 3),)),
    ("at_risk", (("fm", ">=", 3),)),
    ("hibernating", (("r", "=", 2),)),
)
DEFAULT_SEGMENT = "lost"
SEGMENT_TERMS = ("r", "fm", "frequency")
SEGMENT_OPERATORS = {
    ">=": np.greater_equal,
    ">": np.greater,
    "=": np.equal,
    "<=": np.less_equal,
    "<": np.less,
}


def segment_terms(r, f, m, frequency):
    """The terms the segment rules compare, from the scores."""
    r, f, m, frequency = (np.asarray(v) for v in (r, f, m, frequency))
    return {"r": r, "fm": (f + m) / 2.0, "frequency": frequency}


def segment(r, f, m, frequency):
    """Segment code of each customer from the scores (vectorised), by
    SEGMENT_RULES."""
    terms = segment_terms(r, f, m, frequency)
    conditions = [
        np.logical_and.reduce(
            [SEGMENT_OPERATORS[op](terms[term], value) for term, op, value in rule]
        )
        for _code, rule in SEGMENT_RULES
    ]
    choices = [code for code, _rule in SEGMENT_RULES]
    return np.select(conditions, choices, default=DEFAULT_SEGMENT)


def score_customers(recency_days, frequency, monetary):
    """Scores, the 'RFM' string and the segment of each customer."""
    r = quintile_scores(recency_days, higher_is_better=False)
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    codes = np.char.add(np.char.add(r.astype(str), f.astype(str)), m.astype(str))
    return r, f, m, codes, segment(r, f, m, frequency)


def age_band(birth_year, this_year):
    """Age band from the birth year (age reached this calendar year)."""
    if not birth_year:
        return "unknown"
    age = this_year - birth_year
    labels = [code for code, _label in AGE_BANDS[:-1]]
    for edge, code in zip(AGE_BAND_EDGES, labels, strict=False):
        if age < edge:
            return code
    return labels[-1]
