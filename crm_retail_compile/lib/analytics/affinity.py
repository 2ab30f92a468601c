"""Category affinities from co-purchases (association rules on customer baskets).

A customer's basket is the set of product categories they bought. Over the
N customers with a basket, for a rule A -> B (A != B):

* support(A -> B) = customers(A and B) / N
* confidence(A -> B) = customers(A and B) / customers(A)
* lift(A -> B) = confidence(A -> B) / (customers(B) / N)

Lift above 1 means buyers of A buy B more often than customers in general.
The next best categories of a customer are the consequents B they have not
bought, of the rules whose antecedent they have bought, best first by the
highest lift of those rules, then their highest confidence, then category id;
rules with lift <= 1 are not recommended.

The database refresh computes the same figures in one SQL statement; this
module is the reference implementation the tests compare it with.
"""

from collections import defaultdict


def baskets_from_pairs(pairs):
    baskets = defaultdict(set)
    for customer, category in pairs:
        baskets[customer].add(category)
    return baskets


def rules(pairs, min_customers=1):
    """{(A, B): {support, confidence, lift, customers}} of the baskets."""
    baskets = baskets_from_pairs(pairs)
    n = len(baskets)
    single = defaultdict(int)
    both = defaultdict(int)
    for categories in baskets.values():
        for a in categories:
            single[a] += 1
            for b in categories:
                if a != b:
                    both[a, b] += 1
    result = {}
    for (a, b), count in both.items():
        if count < min_customers:
            continue
        confidence = count / single[a]
        result[a, b] = {
            "support": count / n,
            "confidence": confidence,
            "lift": confidence / (single[b] / n),
            "customers": count,
        }
    return result


def next_best(pairs, rule_table, limit=3):
    """{customer: [category, ...]} recommendations (see the module docstring)."""
    baskets = baskets_from_pairs(pairs)
    result = {}
    for customer, categories in baskets.items():
        best = {}
        for (a, b), figures in rule_table.items():
            if a in categories and b not in categories and figures["lift"] > 1:
                lift, confidence = best.get(b, (0.0, 0.0))
                best[b] = (max(lift, figures["lift"]), max(confidence, figures["confidence"]))
        ranked = sorted(best, key=lambda b: (-best[b][0], -best[b][1], b))
        if ranked:
            result[customer] = ranked[:limit]
    return result
