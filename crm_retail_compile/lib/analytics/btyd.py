"""BG/NBD and Gamma-Gamma models ("buy till you die"), fitted by maximum likelihood.

Sources (formula numbers refer to these papers and notes):

* Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way: An
  Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284
  (BG/NBD: likelihood eq. 6, E[X(t)] eq. 7, P(alive) and the conditional
  expectation eq. 10), and Fader and Hardie, "Implementing the BG/NBD Model
  for Customer Base Analysis in Excel" (2005 note).
* Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves for
  Customer Base Analysis", Journal of Marketing Research 42(4), 415-430, and
  Fader and Hardie, "The Gamma-Gamma Model of Monetary Value" (2013 note)
  (Gamma-Gamma: likelihood of the mean repeat spend and its conditional
  expectation).

Published reference values on the CDNOW sample (2357 customers, 39 weeks of
calibration): BG/NBD r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4;
Gamma-Gamma on the repeat buyers p=6.25, q=3.74, gamma=15.44.

Data are the aggregated arrays per customer: ``x`` repeat transactions,
``t_x`` time of the last repeat transaction and ``T`` age of the customer
(both measured from the first transaction, in any time unit: the rate
parameter ``alpha`` is in that unit), ``m`` mean spend per repeat
transaction. Optional ``weights`` count identical customers, so a large
customer base can be fitted on its distinct (x, t_x, T) rows.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1

BGNBD_PARAMS = ("r", "alpha", "a", "b")
GG_PARAMS = ("p", "q", "gamma")


def _as_arrays(*arrays):
    return [np.asarray(a, dtype=float) for a in arrays]


def compress(*columns):
    """Distinct rows of the given columns and their counts (weights)."""
    stacked = np.column_stack(_as_arrays(*columns))
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])] + [counts.astype(float)]


# ----------------------------------------------------------------------------
# BG/NBD
# ----------------------------------------------------------------------------


def bgnbd_loglik_terms(params, x, t_x, T):
    """Log-likelihood of each customer (eq. 6 of Fader, Hardie and Lee 2005).

    L = A1 * A2 * (A3 + [x > 0] A4) with
    A1 = Gamma(r + x) alpha^r / Gamma(r),  A2 = B(a, b + x) / B(a, b),
    A3 = (alpha + T)^-(r + x),  A4 = a / (b + x - 1) (alpha + t_x)^-(r + x).
    """
    r, alpha, a, b = params
    x, t_x, T = _as_arrays(x, t_x, T)
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = betaln(a, b + x) - betaln(a, b)
    ln_a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    ln_a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    ln_a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def bgnbd_loglik(params, x, t_x, T, weights=None):
    """Total log-likelihood of the sample."""
    terms = bgnbd_loglik_terms(params, x, t_x, T)
    return float(np.sum(terms if weights is None else terms * np.asarray(weights, float)))


def _bgnbd_neg_ll_and_grad(log_params, x, t_x, T, w, repeat, xr, t_xr):
    """Negative log-likelihood and its analytic gradient in log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    ln_a3 = -(r + x) * np.log(alpha + T)
    ln_a4 = np.full_like(x, -np.inf)
    ln_a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_xr)
    ln_mix = np.logaddexp(ln_a3, ln_a4)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b) + ln_mix
    # share of the A4 ("dropped out after the last purchase") branch
    share = np.exp(ln_a4 - ln_mix)
    ln_alpha_t = np.log(alpha + t_x)
    d_r = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        - (1 - share) * np.log(alpha + T)
        - share * ln_alpha_t
    )
    d_alpha = r / alpha - (r + x) * ((1 - share) / (alpha + T) + share / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + share / a
    inv_bx = np.zeros_like(x)
    inv_bx[repeat] = 1.0 / (b + xr - 1)
    d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - share * inv_bx
    grad = np.array([w @ d_r * r, w @ d_alpha * alpha, w @ d_a * a, w @ d_b * b])
    return -float(w @ ll), -grad


def _maximise_likelihood(neg_ll_and_grad, args, w, initial, names, bounds, options):
    """Maximise a log-likelihood over log-parameters (so they stay positive)
    with its analytic gradient; returns the parameters by name, the sample's
    log-likelihood, the customer count and whether the optimiser converged."""
    # scale the objective so the stopping rules do not depend on the sample size
    scale = float(w.sum())

    def objective(log_params):
        value, grad = neg_ll_and_grad(log_params, *args)
        return value / scale, grad / scale

    result = minimize(
        objective,
        np.log(np.asarray(initial, dtype=float)),
        jac=True,
        method="L-BFGS-B",
        bounds=[bounds] * len(names),
        options=options,
    )
    fitted = {name: float(value) for name, value in zip(names, np.exp(result.x), strict=True)}
    fitted.update(
        loglik=-float(result.fun) * scale, n=round(w.sum()), converged=bool(result.success)
    )
    return fitted


def fit_bgnbd(x, t_x, T, weights=None, initial=(1.0, 1.0, 1.0, 1.0), compress_rows=True):
    """Maximum-likelihood BG/NBD parameters.

    Returns a dict with r, alpha, a, b, loglik (of the whole sample), n
    (customers) and converged. The optimisation runs on log-parameters (so
    they stay positive) with the analytic gradient, on the distinct rows.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    if weights is None and compress_rows:
        x, t_x, T, weights = compress(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if not len(x):
        raise ValueError("No customers to fit.")
    repeat = x > 0
    args = (x, t_x, T, w, repeat, x[repeat], t_x[repeat])
    return _maximise_likelihood(
        _bgnbd_neg_ll_and_grad,
        args,
        w,
        initial,
        ("r", "alpha", "a", "b"),
        bounds=(-12, 12),
        options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-9},
    )


def _params(params, names):
    if isinstance(params, dict):
        return tuple(float(params[n]) for n in names)
    return tuple(float(v) for v in params)


def bgnbd_expected_transactions(params, t):
    """E[X(t)]: expected repeat transactions of a new customer in (0, t] (eq. 7).

    E[X(t)] = (a + b - 1) / (a - 1)
              * [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]
    """
    r, alpha, a, b = _params(params, BGNBD_PARAMS)
    t = np.asarray(t, dtype=float)
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)


def bgnbd_p_alive(params, x, t_x, T):
    """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    r, alpha, a, b = _params(params, BGNBD_PARAMS)
    x, t_x, T = _as_arrays(x, t_x, T)
    ln_ratio = np.zeros_like(x)
    repeat = x > 0
    xr = x[repeat]
    ln_ratio[repeat] = (
        np.log(a)
        - np.log(b + xr - 1)
        + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    p = np.ones_like(x)
    # 1 / (1 + e^z), stable for large z
    p[repeat] = np.exp(-np.logaddexp(0.0, ln_ratio[repeat]))
    return p


def bgnbd_conditional_expected(params, t, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected transactions in (T, T + t] (eq. 10).

    = (a + b + x - 1) / (a - 1)
      * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
             2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
      / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))
    """
    r, alpha, a, b = _params(params, BGNBD_PARAMS)
    x, t_x, T = _as_arrays(x, t_x, T)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return head * body * bgnbd_p_alive((r, alpha, a, b), x, t_x, T)


def simulate_bgnbd(params, T, rng):
    """Simulate (x, t_x) for customers of ages ``T`` from the BG/NBD process.

    Each customer buys at Poisson rate lambda ~ Gamma(r, 1/alpha) and, after
    each repeat purchase, drops out with probability p ~ Beta(a, b). Given
    N(T) = n purchases in (0, T], the purchase times are uniform order
    statistics, so the x-th one is T * Beta(x, n - x + 1).
    """
    r, alpha, a, b = _params(params, BGNBD_PARAMS)
    T = np.asarray(T, dtype=float)
    n = T.shape[0]
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    alive_purchases = rng.geometric(p)  # dies after this many repeat purchases
    poisson = rng.poisson(lam * T)
    x = np.minimum(alive_purchases, poisson)
    t_x = np.zeros(n)
    has = x > 0
    t_x[has] = T[has] * rng.beta(x[has], poisson[has] - x[has] + 1)
    return x.astype(float), t_x


# ----------------------------------------------------------------------------
# Gamma-Gamma
# ----------------------------------------------------------------------------


def gg_loglik_terms(params, x, m):
    """Log-likelihood of the mean repeat spend ``m`` over ``x`` transactions.

    f(m | p, q, gamma; x) = Gamma(p x + q) / (Gamma(p x) Gamma(q))
                            * gamma^q m^(p x - 1) x^(p x) / (gamma + m x)^(p x + q)
    """
    p, q, g = params
    x, m = _as_arrays(x, m)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


def gg_loglik(params, x, m, weights=None):
    terms = gg_loglik_terms(params, x, m)
    return float(np.sum(terms if weights is None else terms * np.asarray(weights, float)))


def _gg_neg_ll_and_grad(log_params, x, m, w, ln_m, ln_x):
    p, q, g = np.exp(log_params)
    px = p * x
    ln_gmx = np.log(g + m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * ln_m
        + px * ln_x
        - (px + q) * ln_gmx
    )
    psi_pxq = digamma(px + q)
    d_p = x * (psi_pxq - digamma(px) + ln_m + ln_x - ln_gmx)
    d_q = psi_pxq - digamma(q) + np.log(g) - ln_gmx
    d_g = q / g - (px + q) / (g + m * x)
    grad = np.array([w @ d_p * p, w @ d_q * q, w @ d_g * g])
    return -float(w @ ll), -grad


def fit_gamma_gamma(x, m, weights=None, initial=None):
    """Maximum-likelihood Gamma-Gamma parameters on the repeat buyers.

    Customers without repeat transactions or with a non-positive mean spend
    are left out (the model needs x > 0 and m > 0).
    """
    x, m = _as_arrays(x, m)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m, w = x[keep], m[keep], w[keep]
    if not len(x):
        raise ValueError("No repeat buyers to fit the spend model.")
    mean = float(np.average(m, weights=w))
    if initial is None:
        # p = 1, q = 2 and gamma matching the sample mean: E[M] = p gamma / (q - 1)
        initial = (1.0, 2.0, max(mean, 1e-3))
    args = (x, m, w, np.log(m), np.log(x))
    return _maximise_likelihood(
        _gg_neg_ll_and_grad,
        args,
        w,
        initial,
        ("p", "q", "gamma"),
        bounds=(-12, 15),
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
    )


def gg_expected_spend(params, x, m):
    """E[M | p, q, gamma, m_x, x] = (gamma + m_x x) p / (p x + q - 1).

    A weighted mean of the population mean p gamma / (q - 1) and the
    customer's own mean m_x; customers without repeat purchases (x = 0)
    get the population mean. Needs q > 1.
    """
    p, q, g = _params(params, GG_PARAMS)
    x, m = _as_arrays(x, m)
    m = np.where(x > 0, np.maximum(m, 0.0), 0.0)
    return (g + m * x) * p / (p * x + q - 1)


def simulate_gamma_gamma(params, x, rng):
    """Mean spend over ``x`` transactions (x > 0): nu ~ Gamma(q, 1/gamma),
    each spend ~ Gamma(p, 1/nu), so the sum is Gamma(p x, 1/nu)."""
    p, q, g = _params(params, GG_PARAMS)
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1.0 / g, x.shape[0])
    m = np.zeros_like(x)
    has = x > 0
    m[has] = rng.gamma(p * x[has], 1.0 / nu[has]) / x[has]
    return m


# ----------------------------------------------------------------------------
# Customer lifetime value over a horizon
# ----------------------------------------------------------------------------


def predict(bgnbd, gg, x, t_x, T, m, horizon):
    """Per-customer forecast over ``horizon`` time units.

    Returns (expected purchases, expected spend per purchase, expected spend,
    P(alive)). Expected spend = E[Y(horizon) | x, t_x, T] * E[M | x, m_x]:
    the undiscounted revenue value of the customer over the horizon (CLV).
    """
    purchases = bgnbd_conditional_expected(bgnbd, horizon, x, t_x, T)
    spend_each = gg_expected_spend(gg, x, m) if gg else np.zeros_like(purchases)
    p_alive = bgnbd_p_alive(bgnbd, x, t_x, T)
    return purchases, spend_each, purchases * spend_each, p_alive
