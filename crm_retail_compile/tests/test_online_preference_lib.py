"""Pure tests of lib/analytics/online.py, the weighted baskets of
lib/analytics/affinity.py and the online activity report dataset (no
database)."""

import unittest

from odoo.tools import SQL

from ..lib import report_engine
from ..lib.analytics import affinity, online


class TestOnlineScore(unittest.TestCase):
    def test_a_view_counts_less_than_a_purchase(self):
        self.assertAlmostEqual(online.score({"product_view": 1}), 0.2)
        self.assertAlmostEqual(online.score({"wishlist": 1}), 0.4)
        self.assertAlmostEqual(online.score({"cart": 1}), 0.5)
        self.assertEqual(online.score({"order": 1}), 1.0)
        self.assertLess(online.score({"product_view": 1}), online.score({"order": 1}))

    def test_browsing_adds_up_to_the_cap_and_never_equals_a_purchase(self):
        self.assertAlmostEqual(online.score({"product_view": 3}), 0.6)
        self.assertAlmostEqual(online.score({"product_view": 1, "cart": 1}), 0.7)
        self.assertEqual(online.score({"product_view": 50, "cart": 9}), online.BROWSE_CAP)
        self.assertLess(online.BROWSE_CAP, online.PURCHASE)
        # an order makes the category bought, whatever the browsing
        self.assertEqual(online.score({"product_view": 2, "order": 1}), 1.0)

    def test_unweighted_kinds_and_activities_without_category_are_ignored(self):
        activities = [
            (1, "rings", "product_view"),
            (1, "rings", "visit"),
            (1, "rings", "search"),
            (1, "rings", "review"),
            (1, False, "product_view"),
            (1, "rings", "product_view"),
            (2, "jade", "cart"),
            (2, "jade", "order"),
        ]
        self.assertEqual(online.category_scores(activities), {(1, "rings"): 0.4, (2, "jade"): 1.0})
        counts = online.category_counts(activities)
        self.assertEqual(dict(counts[1, "rings"]), {"product_view": 2})

    def test_basket_weights_a_purchase_wins(self):
        weights = online.basket_weights(
            [(1, "rings"), (2, "jade")], {(1, "rings"): 0.2, (1, "pearls"): 0.6, (3, "x"): 0.0}
        )
        self.assertEqual(sorted(weights), [(1, "pearls", 0.6), (1, "rings", 1.0), (2, "jade", 1.0)])


class TestWeightedAffinity(unittest.TestCase):
    def test_unweighted_pairs_give_the_classic_rules(self):
        pairs = [(1, "A"), (1, "B"), (2, "A"), (3, "B")]
        weighted = [(c, x, 1.0) for c, x in pairs]
        self.assertEqual(affinity.rules(pairs), affinity.rules(weighted))

    def test_a_category_only_viewed_online_enters_with_its_weight(self):
        # customer 1 bought A and viewed B once (0.2); customer 2 bought B
        table = affinity.rules([(1, "A", 1.0), (1, "B", 0.2), (2, "B", 1.0)])
        rule = table["A", "B"]
        # both(A, B) = min(1, 0.2) = 0.2 over N = 2 customers
        self.assertAlmostEqual(rule["support"], 0.1)
        self.assertAlmostEqual(rule["confidence"], 0.2)  # 0.2 / single(A) = 1
        self.assertAlmostEqual(rule["lift"], 0.2 / (1.2 / 2))  # single(B) = 1.2
        self.assertEqual(rule["customers"], 1)
        reverse = table["B", "A"]
        self.assertAlmostEqual(reverse["confidence"], 0.2 / 1.2)

    def test_next_best_recommends_browsed_not_bought_categories(self):
        pairs = [
            (1, "A", 1.0),
            (1, "B", 1.0),
            (2, "A", 1.0),
            (2, "B", 0.4),  # viewed twice, not bought: still worth recommending
            (3, "C", 1.0),
        ]
        table = affinity.rules(pairs)
        best = affinity.next_best(pairs, table)
        self.assertEqual(best.get(2), ["B"])
        self.assertNotIn(1, best)  # customer 1 bought both


class TestOnlineDataset(unittest.TestCase):
    def test_count_value_and_conversion_measures(self):
        dataset = report_engine.BASE_DATASETS["online_activity"]
        sessions = dataset.measures["sessions"]
        self.assertEqual(report_engine.measure_kind(sessions), "integer")
        query = report_engine._aggregate(
            sessions.agg, lambda path: SQL.identifier("a", path), None, None
        )
        self.assertEqual(query.code, 'COUNT(*) FILTER (WHERE "a"."kind" = %s)')
        self.assertEqual(query.params, ["visit"])
        conversion = dataset.measures["conversion_pct"]
        self.assertEqual(conversion.agg, ("ratio", "orders", "sessions", 100))
        self.assertEqual(report_engine.measure_aggregation(conversion), "ratio")
