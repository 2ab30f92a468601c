"""Category affinities from co-purchases (association rules on customer baskets).

A customer's basket is the set of product categories they bought, each with
a weight: 1 for a category bought (in a shop or online), less for one only
browsed online (its online score, see ``online.py``). Over the N customers
with a basket, for a rule A -> B (A != B), with w(c, X) the weight of X in
the basket of customer c (0 when absent):

* both(A, B) = sum over c of min(w(c, A), w(c, B)); single(A) = sum of w(c, A)
* support(A -> B) = both(A, B) / N
* confidence(A -> B) = both(A, B) / single(A)
* lift(A -> B) = confidence(A -> B) / (single(B) / N)
* customers(A -> B): the number of customers with both A and B in the basket

With purchases only (every weight 1) these are the classic counts of
customers. Lift above 1 means customers with A take B more often than
customers in general. The next best categories of a customer are the
consequents B they have not bought (weight below 1), of the rules whose
antecedent is in their basket, best first by the highest lift of those rules
times the antecedent's weight, then the highest confidence times that
weight, then category id; rules with lift <= 1 are not recommended.

The database refresh computes the same figures in one SQL statement; this
module is the reference implementation the tests compare it with.
"""

from collections import defaultdict


def baskets_from_pairs(pairs):
    """``{customer: {category: weight}}`` of ``(customer, category)`` pairs
    (weight 1) or ``(customer, category, weight)`` triples; a category given
    twice keeps its highest weight, at most 1."""
    baskets = defaultdict(dict)
    for customer, category, *weight in pairs:
        value = min(1.0, weight[0] if weight else 1.0)
        if value > 0:
            baskets[customer][category] = max(baskets[customer].get(category, 0.0), value)
    return baskets


def rules(pairs, min_customers=1):
    """{(A, B): {support, confidence, lift, customers}} of the baskets."""
    baskets = baskets_from_pairs(pairs)
    n = len(baskets)
    single = defaultdict(float)
    both = defaultdict(float)
    count = defaultdict(int)
    for categories in baskets.values():
        for a, weight_a in categories.items():
            single[a] += weight_a
            for b, weight_b in categories.items():
                if a != b:
                    both[a, b] += min(weight_a, weight_b)
                    count[a, b] += 1
    result = {}
    for (a, b), customers in count.items():
        if customers < min_customers:
            continue
        confidence = both[a, b] / single[a]
        result[a, b] = {
            "support": both[a, b] / n,
            "confidence": confidence,
            "lift": confidence / (single[b] / n),
            "customers": customers,
        }
    return result


def next_best(pairs, rule_table, limit=3):
    """{customer: [category, ...]} recommendations (see the module docstring)."""
    baskets = baskets_from_pairs(pairs)
    result = {}
    for customer, categories in baskets.items():
        best = {}
        for (a, b), figures in rule_table.items():
            if a in categories and categories.get(b, 0.0) < 1 and figures["lift"] > 1:
                weight = categories[a]
                lift, confidence = best.get(b, (0.0, 0.0))
                best[b] = (
                    max(lift, figures["lift"] * weight),
                    max(confidence, figures["confidence"] * weight),
                )
        ranked = sorted(best, key=lambda b: (-best[b][0], -best[b][1], b))
        if ranked:
            result[customer] = ranked[:limit]
    return result
