"""Pure tests of lib/analytics (no database): likelihoods, fitted parameters,
expectations, RFM scores and segments, evaluation arithmetic, affinities."""

import math
import unittest
import unittest.mock

import numpy as np
from scipy.special import hyp2f1

from ..lib.analytics import affinity, btyd, evaluation, rfm

TRUE_BGNBD = (0.25, 4.0, 0.8, 2.5)
TRUE_GG = (6.0, 4.0, 15.0)
# Published CDNOW estimates (Fader, Hardie and Lee 2005; Fader and Hardie's notes)
CDNOW_BGNBD = (0.243, 4.414, 0.793, 2.426)
CDNOW_GG = (6.25, 3.74, 15.44)


def bgnbd_ll_by_hand(r, alpha, a, b, x, t_x, T):
    """Equation 6 of Fader, Hardie and Lee (2005), term by term with math.lgamma."""
    ln_a1 = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
    ln_a2 = math.lgamma(a + b) + math.lgamma(b + x) - math.lgamma(b) - math.lgamma(a + b + x)
    a3 = (alpha + T) ** -(r + x)
    a4 = a / (b + x - 1) * (alpha + t_x) ** -(r + x) if x > 0 else 0.0
    return ln_a1 + ln_a2 + math.log(a3 + a4)


def gg_ll_by_hand(p, q, g, x, m):
    return (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(g)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(g + m * x)
    )


class TestBgNbdLikelihood(unittest.TestCase):
    def test_closed_form_values(self):
        # r = alpha = a = b = 1: x = 0, T = 1 -> L = 1/2;
        # x = 1, t_x = 1, T = 2 -> L = B(1,2)/B(1,1) (1/9 + 1/4) = 13/72
        terms = btyd.bgnbd_loglik_terms((1, 1, 1, 1), [0, 1], [0, 1], [1, 2])
        self.assertAlmostEqual(terms[0], math.log(0.5), places=12)
        self.assertAlmostEqual(terms[1], math.log(13 / 72), places=12)

    def test_against_hand_computation(self):
        data = [(0, 0.0, 38.86), (2, 30.43, 38.86), (1, 1.71, 38.86), (5, 35.0, 36.5)]
        x, t_x, T = (np.array(col) for col in zip(*data, strict=True))
        expected = sum(bgnbd_ll_by_hand(*CDNOW_BGNBD, *row) for row in data)
        self.assertAlmostEqual(btyd.bgnbd_loglik(CDNOW_BGNBD, x, t_x, T), expected, places=9)
        # weights count identical customers
        self.assertAlmostEqual(
            btyd.bgnbd_loglik(CDNOW_BGNBD, x, t_x, T, weights=[2, 1, 1, 1]),
            expected + bgnbd_ll_by_hand(*CDNOW_BGNBD, *data[0]),
            places=9,
        )

    def test_analytic_gradient(self):
        rng = np.random.default_rng(7)
        T = rng.integers(1, 40, 500).astype(float)
        x, t_x = btyd.simulate_bgnbd(TRUE_BGNBD, T, rng)
        repeat = x > 0
        w = np.ones_like(x)
        point = np.log([0.3, 3.0, 0.7, 2.0])
        _value, grad = btyd._bgnbd_neg_ll_and_grad(
            point, x, t_x, T, w, repeat, x[repeat], t_x[repeat]
        )
        for i in range(4):
            step = np.zeros(4)
            step[i] = 1e-6
            up = btyd._bgnbd_neg_ll_and_grad(
                point + step, x, t_x, T, w, repeat, x[repeat], t_x[repeat]
            )[0]
            down = btyd._bgnbd_neg_ll_and_grad(
                point - step, x, t_x, T, w, repeat, x[repeat], t_x[repeat]
            )[0]
            self.assertAlmostEqual(grad[i], (up - down) / 2e-6, delta=1e-3 * abs(grad[i]) + 1e-4)


class TestParameterRecovery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = np.random.default_rng(2024)
        n = 100_000
        # ages in whole days, in weeks (up to a year)
        cls.T = rng.integers(7, 365, n) / 7.0
        cls.x, cls.t_x = btyd.simulate_bgnbd(TRUE_BGNBD, cls.T, rng)
        cls.m = btyd.simulate_gamma_gamma(TRUE_GG, cls.x, rng)

    def test_bgnbd_recovers_parameters(self):
        fit = btyd.fit_bgnbd(self.x, self.t_x, self.T)
        self.assertTrue(fit["converged"])
        for name, true in zip(btyd.BGNBD_PARAMS, TRUE_BGNBD, strict=True):
            self.assertAlmostEqual(fit[name], true, delta=0.12 * true, msg=name)
        # the maximum is at least as high as the likelihood of the true parameters
        self.assertGreaterEqual(
            fit["loglik"], btyd.bgnbd_loglik(TRUE_BGNBD, self.x, self.t_x, self.T) - 1e-6
        )
        # fitting the distinct rows gives the same answer as fitting every row
        full = btyd.fit_bgnbd(self.x, self.t_x, self.T, compress_rows=False)
        self.assertAlmostEqual(full["r"], fit["r"], places=4)
        self.assertAlmostEqual(full["loglik"], fit["loglik"], delta=1e-3)

    def test_gamma_gamma_recovers_parameters(self):
        fit = btyd.fit_gamma_gamma(self.x, self.m)
        self.assertTrue(fit["converged"])
        self.assertEqual(fit["n"], int(np.count_nonzero(self.x)))
        for name, true in zip(btyd.GG_PARAMS, TRUE_GG, strict=True):
            self.assertAlmostEqual(fit[name], true, delta=0.15 * true, msg=name)
        self.assertGreaterEqual(fit["loglik"], btyd.gg_loglik(TRUE_GG, *self._repeat()) - 1e-6)

    def _repeat(self):
        keep = self.x > 0
        return self.x[keep], self.m[keep]

    def test_cdnow_like_sample(self):
        """A CDNOW-shaped sample (ages 27-39 weeks) simulated from the published
        estimates gives them back, and a log-likelihood per customer close to the
        published -9582.4 / 2357."""
        rng = np.random.default_rng(39)
        T = rng.integers(27 * 7, 39 * 7, 2357 * 20) / 7.0
        x, t_x = btyd.simulate_bgnbd(CDNOW_BGNBD, T, rng)
        fit = btyd.fit_bgnbd(x, t_x, T)
        for name, true in zip(btyd.BGNBD_PARAMS, CDNOW_BGNBD, strict=True):
            self.assertAlmostEqual(fit[name], true, delta=0.15 * true, msg=name)
        self.assertAlmostEqual(fit["loglik"] / len(x), -9582.4 / 2357, delta=0.4)


class TestGammaGamma(unittest.TestCase):
    def test_likelihood_by_hand(self):
        self.assertAlmostEqual(btyd.gg_loglik((1, 1, 1), [1], [2]), math.log(1 / 9), places=12)
        data = [(1, 20.5), (3, 44.0), (10, 12.25)]
        x, m = (np.array(col) for col in zip(*data, strict=True))
        expected = sum(gg_ll_by_hand(*CDNOW_GG, *row) for row in data)
        self.assertAlmostEqual(btyd.gg_loglik(CDNOW_GG, x, m), expected, places=9)

    def test_expected_spend(self):
        p, q, g = CDNOW_GG
        population = p * g / (q - 1)
        # no repeat purchase: the population mean
        self.assertAlmostEqual(btyd.gg_expected_spend(CDNOW_GG, [0], [0])[0], population)
        # a weighted mean of the population mean and the customer's own mean
        x, m = 4, 50.0
        weight = p * x / (p * x + q - 1)
        self.assertAlmostEqual(
            btyd.gg_expected_spend(CDNOW_GG, [x], [m])[0],
            (1 - weight) * population + weight * m,
            places=9,
        )


class TestExpectations(unittest.TestCase):
    def test_expected_transactions_against_monte_carlo(self):
        rng = np.random.default_rng(11)
        n = 400_000
        for t in (4.0, 39.0, 78.0):
            x, _t_x = btyd.simulate_bgnbd(CDNOW_BGNBD, np.full(n, t), rng)
            formula = float(btyd.bgnbd_expected_transactions(CDNOW_BGNBD, t))
            standard_error = x.std() / math.sqrt(n)
            self.assertAlmostEqual(x.mean(), formula, delta=4 * standard_error, msg=t)

    def test_expected_transactions_closed_form(self):
        r, alpha, a, b = CDNOW_BGNBD
        t = 39.0
        expected = (
            (a + b - 1)
            / (a - 1)
            * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        )
        self.assertAlmostEqual(
            float(btyd.bgnbd_expected_transactions(CDNOW_BGNBD, t)), expected, places=12
        )
        self.assertAlmostEqual(float(btyd.bgnbd_expected_transactions(CDNOW_BGNBD, 0)), 0.0)

    def test_conditional_expectation_of_a_new_customer(self):
        # no history (x = t_x = T = 0): the unconditional E[X(t)]
        cond = btyd.bgnbd_conditional_expected(CDNOW_BGNBD, 39.0, [0], [0], [0])[0]
        self.assertAlmostEqual(
            cond, float(btyd.bgnbd_expected_transactions(CDNOW_BGNBD, 39.0)), places=10
        )

    def test_conditional_expectation_against_monte_carlo(self):
        """Simulate purchases on (0, T + t], split at T: the mean holdout count of
        the customers matches the mean of their E[Y(t) | x, t_x, T]."""
        rng = np.random.default_rng(5)
        n, cap, T, t = 100_000, 80, 20.0, 20.0
        r, alpha, a, b = CDNOW_BGNBD
        lam = rng.gamma(r, 1.0 / alpha, n)
        alive = rng.geometric(rng.beta(a, b, n))  # repeat purchases before dropping out
        times = np.cumsum(rng.exponential(1.0, (n, cap)) / lam[:, None], axis=1)
        made = (np.arange(cap)[None, :] < alive[:, None]) & (times <= T + t)
        in_cal = made & (times <= T)
        x = in_cal.sum(axis=1).astype(float)
        t_x = np.where(in_cal, times, 0.0).max(axis=1)
        y = (made & (times > T)).sum(axis=1)
        cond = btyd.bgnbd_conditional_expected(CDNOW_BGNBD, t, x, t_x, np.full(n, T))
        for group in (x == 0, x == 1, x >= 2):
            standard_error = y[group].std() / math.sqrt(group.sum())
            self.assertAlmostEqual(
                y[group].mean(), cond[group].mean(), delta=4 * standard_error + 1e-3
            )

    def test_p_alive(self):
        r, alpha, a, b = CDNOW_BGNBD
        # no repeat purchase: alive for sure (the BG/NBD drop-out follows a purchase)
        self.assertEqual(btyd.bgnbd_p_alive(CDNOW_BGNBD, [0], [0], [30])[0], 1.0)
        # the formula
        x, t_x, T = 2, 30.43, 38.86
        expected = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        self.assertAlmostEqual(btyd.bgnbd_p_alive(CDNOW_BGNBD, [x], [t_x], [T])[0], expected)
        # bought at the end of the period: 1 / (1 + a / (b + x - 1))
        self.assertAlmostEqual(
            btyd.bgnbd_p_alive(CDNOW_BGNBD, [x], [T], [T])[0], 1 / (1 + a / (b + x - 1))
        )
        # a frequent buyer not seen for a very long time: almost surely gone
        self.assertLess(btyd.bgnbd_p_alive(CDNOW_BGNBD, [20], [10], [1000])[0], 1e-6)
        # decreasing in T - t_x
        p = btyd.bgnbd_p_alive(CDNOW_BGNBD, [3, 3, 3], [30, 20, 10], [40, 40, 40])
        self.assertTrue(p[0] > p[1] > p[2])


class TestRfm(unittest.TestCase):
    def test_quintile_edges(self):
        self.assertEqual(rfm.quintile_scores(range(1, 11)).tolist(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        # n = 7: score = 1 + floor(5 (rank - 1) / 7)
        self.assertEqual(rfm.quintile_scores(range(7)).tolist(), [1, 1, 2, 3, 3, 4, 5])
        # ties share the score of their first rank
        self.assertEqual(rfm.quintile_scores([5, 5, 5, 5, 1]).tolist(), [2, 2, 2, 2, 1])
        self.assertEqual(rfm.quintile_scores([3, 3, 3]).tolist(), [1, 1, 1])
        # recency: fewer days is better
        self.assertEqual(
            rfm.quintile_scores([1, 100, 10, 50, 5], higher_is_better=False).tolist(),
            [5, 1, 3, 2, 4],
        )
        self.assertEqual(rfm.quintile_scores([]).tolist(), [])

    def test_cut_values_give_the_ranked_scores(self):
        """Four cut values (what the database refresh reads) score exactly
        as ranking every customer does, ties included."""
        rng = np.random.default_rng(7)
        for n in (1, 2, 4, 5, 7, 10, 11, 99, 1000):
            for values in (
                rng.integers(0, 4, n),  # heavy ties
                rng.integers(0, 10**6, n),
                np.round(rng.gamma(2.0, 500.0, n), 2),
                np.zeros(n),
            ):
                expected = rfm.quintile_scores(values)
                got = rfm.scores_from_cuts(values, rfm.quintile_cuts(values))
                self.assertEqual(got.tolist(), expected.tolist(), (n, values[:10]))
        self.assertEqual(rfm.quintile_cut_positions(10), [2, 4, 6, 8])
        self.assertEqual(rfm.quintile_cut_positions(1_000_006), [200002, 400003, 600004, 800005])

    def test_segment_mapping(self):
        cases = [
            ((5, 5, 5, 9), "champions"),
            ((4, 4, 4, 4), "champions"),
            ((5, 1, 5, 1), "new"),
            ((4, 1, 1, 1), "new"),
            ((5, 3, 3, 3), "loyal"),
            ((3, 5, 5, 8), "loyal"),
            ((3, 2, 3, 2), "potential"),
            ((5, 2, 2, 2), "potential"),
            ((2, 5, 5, 9), "at_risk"),
            ((1, 3, 3, 4), "at_risk"),
            ((2, 2, 2, 2), "hibernating"),
            ((1, 2, 3, 2), "lost"),
            ((1, 1, 1, 1), "lost"),
        ]
        for (r, f, m, n), expected in cases:
            self.assertEqual(rfm.segment([r], [f], [m], [n])[0], expected, (r, f, m, n))

    def test_segment_rules_are_the_one_definition(self):
        codes = [code for code, _rules in rfm.SEGMENT_RULES] + [rfm.DEFAULT_SEGMENT]
        self.assertEqual(sorted(codes), sorted(code for code, _label in rfm.SEGMENTS))
        for _code, conditions in rfm.SEGMENT_RULES:
            for term, op, value in conditions:
                self.assertIn(term, rfm.SEGMENT_TERMS)
                self.assertIn(op, rfm.SEGMENT_OPERATORS)
                self.assertIsInstance(value, int)
        # segment() follows the rules it is given (no second copy of them)
        with unittest.mock.patch.object(rfm, "SEGMENT_RULES", (("vip", (("r", "=", 5),)),)):
            self.assertEqual(rfm.segment([5, 4], [1, 5], [1, 5], [1, 9]).tolist(), ["vip", "lost"])

    def test_score_customers(self):
        _r, _f, _m, codes, segments = rfm.score_customers(
            [1, 2, 300, 400, 5], [10, 8, 9, 1, 1], [1000, 800, 900, 10, 20]
        )
        # R ranks -400, -300, -5, -2, -1; F ties 1, 1 share rank 1; M ranks by value
        self.assertEqual(codes.tolist(), ["555", "433", "244", "111", "312"])
        self.assertEqual(segments.tolist(), ["champions", "loyal", "at_risk", "lost", "potential"])

    def test_age_band(self):
        self.assertEqual(rfm.age_band(None, 2025), "unknown")
        self.assertEqual(rfm.age_band(0, 2025), "unknown")
        self.assertEqual(rfm.age_band(2001, 2025), "under_25")
        self.assertEqual(rfm.age_band(2000, 2025), "25_34")
        self.assertEqual(rfm.age_band(1991, 2025), "25_34")
        self.assertEqual(rfm.age_band(1990, 2025), "35_44")
        self.assertEqual(rfm.age_band(1961, 2025), "55_64")
        self.assertEqual(rfm.age_band(1960, 2025), "65_plus")


class TestEvaluationArithmetic(unittest.TestCase):
    def test_errors(self):
        mae, wape = evaluation.errors([1.0, 2.0, 4.0], [2.0, 2.0, 1.0])
        self.assertAlmostEqual(mae, 4 / 3)
        self.assertAlmostEqual(wape, 4 / 5)
        self.assertEqual(evaluation.errors([1.0], [0.0]), (1.0, None))

    def test_naive_rate(self):
        self.assertEqual(evaluation.naive_rate([2, 0, 3], [4, 5, 0]).tolist(), [0.5, 0.0, 0.0])

    def test_report(self):
        cal = {
            "x": np.array([2.0, 0.0, 1.0]),
            "t_x": np.array([3.0, 0.0, 1.0]),
            "T": np.array([4.0, 2.0, 2.0]),
            "m": np.array([10.0, 0.0, 20.0]),
            "spend_each": np.array([10.0, 5.0, 20.0]),
        }
        hold = {"t": 2.0, "purchases": np.array([1.0, 0.0, 2.0]), "spend": np.array([10, 0, 40.0])}
        per_customer, lines = evaluation.evaluate(
            cal, hold, CDNOW_BGNBD, CDNOW_GG, {"segment": ["a", "b", "a"]}
        )
        forecast = btyd.bgnbd_conditional_expected(CDNOW_BGNBD, 2.0, cal["x"], cal["t_x"], cal["T"])
        np.testing.assert_allclose(per_customer["forecast"], forecast)
        np.testing.assert_allclose(per_customer["naive"], [1.0, 0.0, 1.0])
        overall = lines[0]
        self.assertEqual(overall["actual"], 3.0)
        self.assertEqual(overall["naive"], 2.0)
        self.assertAlmostEqual(overall["naive_mae"], (0 + 0 + 1) / 3)
        self.assertAlmostEqual(overall["naive_wape"], 1 / 3)
        self.assertAlmostEqual(overall["mae"], float(np.abs(forecast - [1, 0, 2]).mean()))
        self.assertAlmostEqual(overall["wape"], float(np.abs(forecast - [1, 0, 2]).sum() / 3))
        self.assertEqual(overall["naive_spend"], 10.0 + 20.0)
        seg_a = next(line for line in lines if line["key"] == "a")
        self.assertEqual((seg_a["customers"], seg_a["actual"], seg_a["naive"]), (2, 3.0, 2.0))

    def test_channel_lines(self):
        # customer 0: 3 store, 1 online purchases; 1: online only; 2: no share
        shares = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
        forecast = np.array([2.0, 1.0, 5.0])
        naive = np.array([4.0, 2.0, 1.0])
        actual = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
        store, online, phone = evaluation.channel_lines(
            ["store", "online", "phone"],
            shares,
            forecast,
            naive,
            forecast * 10,
            naive * 10,
            actual=actual,
            actual_spend=actual * 10,
        )
        self.assertEqual((store["group_type"], store["key"]), ("channel", "store"))
        self.assertEqual(store["customers"], 1)
        self.assertAlmostEqual(store["forecast"], 1.5)
        self.assertAlmostEqual(online["forecast"], 0.5 + 1.0)
        self.assertAlmostEqual(store["naive"] + online["naive"], 6.0)
        self.assertAlmostEqual(store["forecast_spend"], 15.0)
        self.assertEqual((online["customers"], online["actual"]), (2, 2.0))
        self.assertAlmostEqual(online["mae"], (0.5 + 1.0) / 2)
        # the channel forecasts sum to the forecast of the customers with a share
        self.assertAlmostEqual(store["forecast"] + online["forecast"] + phone["forecast"], 3.0)
        # a purchase without a calibration share: actual, no forecast
        self.assertEqual((phone["customers"], phone["forecast"], phone["actual"]), (1, 0.0, 1.0))
        # a forecast run: no actuals
        lines = evaluation.channel_lines(
            ["store"], [[1.0], [2.0]], [1.0, 2.0], [0, 0], [0, 0], [0, 0]
        )
        self.assertEqual((lines[0]["forecast"], lines[0]["actual"]), (3.0, 0.0))


class TestAffinity(unittest.TestCase):
    # C1 {A, B}, C2 {A, B, C}, C3 {A, C}, C4 {B}, C5 {A}
    PAIRS = [
        (1, "A"),
        (1, "B"),
        (2, "A"),
        (2, "B"),
        (2, "C"),
        (3, "A"),
        (3, "C"),
        (4, "B"),
        (5, "A"),
    ]

    def test_rules(self):
        table = affinity.rules(self.PAIRS)
        expected = {
            ("A", "B"): (0.4, 0.5, 0.5 / 0.6, 2),
            ("B", "A"): (0.4, 2 / 3, (2 / 3) / 0.8, 2),
            ("A", "C"): (0.4, 0.5, 1.25, 2),
            ("C", "A"): (0.4, 1.0, 1.25, 2),
            ("B", "C"): (0.2, 1 / 3, (1 / 3) / 0.4, 1),
            ("C", "B"): (0.2, 0.5, 0.5 / 0.6, 1),
        }
        self.assertEqual(set(table), set(expected))
        for key, (support, confidence, lift, customers) in expected.items():
            figures = table[key]
            self.assertAlmostEqual(figures["support"], support, msg=key)
            self.assertAlmostEqual(figures["confidence"], confidence, msg=key)
            self.assertAlmostEqual(figures["lift"], lift, msg=key)
            self.assertEqual(figures["customers"], customers, msg=key)
        self.assertEqual(
            set(affinity.rules(self.PAIRS, min_customers=2)),
            set(expected) - {("B", "C"), ("C", "B")},
        )

    def test_next_best(self):
        table = affinity.rules(self.PAIRS)
        self.assertEqual(affinity.next_best(self.PAIRS, table), {1: ["C"], 5: ["C"]})
