"""Calibration/holdout evaluation of the purchase forecasts.

The model is fitted on the calibration period, forecasts the holdout period
and is compared with what the customers actually did, next to a naive
baseline, per customer group and overall.

* Forecast (BG/NBD): E[Y(t) | x, t_x, T] of each customer for the holdout
  length t; per period (month) the difference of the cumulative forecast at
  the period's end and start.
* Naive baseline: each customer repeats their calibration-period purchase
  rate, x / T repeat purchases per time unit since their first purchase
  (0 when T = 0), times the length of the period.
* Spend: the purchase forecast times the Gamma-Gamma expected spend per
  purchase; the naive spend is the naive count times the customer's mean
  spend per purchase in the calibration period.
* Error measures over the customers of a group:
  MAE = sum |forecast - actual| / n,  WAPE = sum |forecast - actual| / sum actual
  (undefined, None, when the group bought nothing).
* Sales channels: each customer's forecast, naive baseline and their spends
  are split across the channels by the customer's share of calibration
  purchases per channel; the actual of a channel is what the customer bought
  there in the holdout (channel_lines).
"""

import numpy as np

from . import btyd


def naive_rate(x, T):
    x, T = (np.asarray(v, dtype=float) for v in (x, T))
    rate = np.zeros_like(x)
    np.divide(x, T, out=rate, where=T > 0)
    return rate


def errors(forecast, actual):
    """(MAE, WAPE) of the forecasts; WAPE is None when nothing was bought."""
    forecast, actual = (np.asarray(v, dtype=float) for v in (forecast, actual))
    if not forecast.shape[0]:
        return 0.0, None
    abs_err = np.abs(forecast - actual)
    total = actual.sum()
    return float(abs_err.mean()), (float(abs_err.sum() / total) if total else None)


def group_line(group_type, key, forecast, actual, naive, forecast_spend, actual_spend, naive_spend):
    mae, wape = errors(forecast, actual)
    naive_mae, naive_wape = errors(naive, actual)
    _mae, spend_wape = errors(forecast_spend, actual_spend)
    _mae, naive_spend_wape = errors(naive_spend, actual_spend)
    return {
        "group_type": group_type,
        "key": key,
        "customers": int(np.asarray(actual).shape[0]),
        "forecast": float(np.sum(forecast)),
        "actual": float(np.sum(actual)),
        "naive": float(np.sum(naive)),
        "mae": mae,
        "wape": wape,
        "naive_mae": naive_mae,
        "naive_wape": naive_wape,
        "forecast_spend": float(np.sum(forecast_spend)),
        "actual_spend": float(np.sum(actual_spend)),
        "naive_spend": float(np.sum(naive_spend)),
        "spend_wape": spend_wape,
        "naive_spend_wape": naive_spend_wape,
    }


def evaluate(
    calibration,
    holdout,
    bgnbd,
    gg,
    groups,
    period_bounds=(),
    period_keys=(),
    period_actual=None,
    period_spend=None,
):
    """Forecast-versus-actual report.

    ``calibration``: dict of arrays x, t_x, T, m (mean repeat spend) and
    spend_each (mean spend per purchase, first one included).
    ``holdout``: dict with t (holdout length), purchases and spend (actual
    arrays). ``groups``: {group_type: array of keys per customer}.
    ``period_bounds``: cumulative period ends within the holdout (same unit,
    last one = t), ``period_keys`` their labels and ``period_actual`` the
    matrix customers x periods of actual purchases (``period_spend``: spend).
    Returns (per-customer dict, list of group lines).
    """
    x, t_x, T = calibration["x"], calibration["t_x"], calibration["T"]
    t = holdout["t"]
    forecast = btyd.bgnbd_conditional_expected(bgnbd, t, x, t_x, T)
    spend_each = btyd.gg_expected_spend(gg, x, calibration["m"]) if gg else np.zeros_like(forecast)
    rate = naive_rate(x, T)
    naive = rate * t
    per_customer = {
        "forecast": forecast,
        "naive": naive,
        "forecast_spend": forecast * spend_each,
        "naive_spend": naive * np.asarray(calibration["spend_each"], dtype=float),
        "actual": np.asarray(holdout["purchases"], dtype=float),
        "actual_spend": np.asarray(holdout["spend"], dtype=float),
        "p_alive": btyd.bgnbd_p_alive(bgnbd, x, t_x, T),
    }
    columns = ("forecast", "actual", "naive", "forecast_spend", "actual_spend", "naive_spend")

    def line(group_type, key, mask=None):
        values = [per_customer[c] if mask is None else per_customer[c][mask] for c in columns]
        return group_line(group_type, key, *values)

    lines = [line("overall", None)]
    for group_type, keys in groups.items():
        keys = np.asarray(keys, dtype=object)
        for key in sorted(set(keys.tolist()), key=lambda k: (k is None, str(k))):
            lines.append(line(group_type, key, keys == key))
    if len(period_bounds):
        cumulative = [np.zeros_like(forecast)] + [
            btyd.bgnbd_conditional_expected(bgnbd, end, x, t_x, T) for end in period_bounds
        ]
        starts = [0.0] + list(period_bounds[:-1])
        for i, key in enumerate(period_keys):
            f = cumulative[i + 1] - cumulative[i]
            n = rate * (period_bounds[i] - starts[i])
            a = np.asarray(period_actual[:, i], dtype=float)
            a_spend = (
                np.zeros_like(a) if period_spend is None else np.asarray(period_spend[:, i], float)
            )
            n_spend = n * np.asarray(calibration["spend_each"], dtype=float)
            lines.append(group_line("month", key, f, a, n, f * spend_each, a_spend, n_spend))
    return per_customer, lines


def channel_lines(
    channels,
    shares,
    forecast,
    naive,
    forecast_spend,
    naive_spend,
    actual=None,
    actual_spend=None,
):
    """Group lines per sales channel.

    ``channels``: the channel keys (columns); ``shares``: matrix customers x
    channels of calibration purchases per channel (counts or shares; each row
    is normalised, a row of zeros gets no share). ``forecast``, ``naive`` and
    their spends are per customer and split by the row's shares, so the
    channel forecasts sum to the overall forecast of the customers with a
    share. ``actual``/``actual_spend``: matrices customers x channels of the
    holdout (None: zeros, a forecast run). A channel line counts the
    customers with a share or an actual purchase in the channel.
    """
    shares = np.asarray(shares, dtype=float).reshape(len(forecast), len(channels))
    totals = shares.sum(axis=1, keepdims=True)
    weights = np.zeros_like(shares)
    np.divide(shares, totals, out=weights, where=totals > 0)
    zeros = np.zeros_like(shares)
    actual = zeros if actual is None else np.asarray(actual, dtype=float)
    actual_spend = zeros if actual_spend is None else np.asarray(actual_spend, dtype=float)
    per_customer = [
        np.asarray(v, dtype=float) for v in (forecast, naive, forecast_spend, naive_spend)
    ]
    lines = []
    for j, channel in enumerate(channels):
        w = weights[:, j]
        mask = (w > 0) | (actual[:, j] > 0)
        f, n, fs, ns = (v[mask] * w[mask] for v in per_customer)
        lines.append(
            group_line("channel", channel, f, actual[mask, j], n, fs, actual_spend[mask, j], ns)
        )
    return lines
