"""The nightly forecast: BG/NBD and Gamma-Gamma fitted on all history
(lib/analytics/btyd.py), each customer's expected purchases, spend,
probability of being active and lifetime value upserted into
crm_customer_analytics (rows that change only; never res_partner)."""

import logging

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.analytics import btyd
from .crm_customer_analytics import FORECAST_FIELDS, TIME_UNIT_DAYS

_logger = logging.getLogger(__name__)


class CrmCustomerAnalytics(models.Model):
    _inherit = "crm.customer.analytics"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _analytics_fit(self, summary):
        """Fit BG/NBD (weeks) and Gamma-Gamma on a summary; returns both dicts."""
        x = summary["x"]
        t_x = summary["t_x"] / TIME_UNIT_DAYS
        T = summary["T"] / TIME_UNIT_DAYS
        bgnbd = btyd.fit_bgnbd(x, t_x, T)
        gg = None
        if np.count_nonzero((x > 0) & (summary["m"] > 0)) >= 2:
            gg = btyd.fit_gamma_gamma(x, summary["m"])
            if gg["q"] <= 1:
                gg = None  # no finite mean spend: the spend forecast is unavailable
        return bgnbd, gg

    @api.model
    def _analytics_refresh_forecast(self, today=None):
        """Fit on all history and store each customer's forecast; returns the
        crm.forecast.run of type forecast (or None without data)."""
        today = today or self._analytics_today()
        summary = self._analytics_summary(today)
        if not np.count_nonzero(summary["x"]):
            _logger.info("Customer forecast skipped: no repeat purchases yet.")
            return None
        bgnbd, gg = self._analytics_fit(summary)
        horizon = self._analytics_param("forecast_horizon_days")
        clv_horizon = self._analytics_param("clv_horizon_days")
        args = (
            summary["x"],
            summary["t_x"] / TIME_UNIT_DAYS,
            summary["T"] / TIME_UNIT_DAYS,
            summary["m"],
        )
        purchases, _each, spend, p_alive = btyd.predict(bgnbd, gg, *args, horizon / TIME_UNIT_DAYS)
        clv = btyd.predict(bgnbd, gg, *args, clv_horizon / TIME_UNIT_DAYS)[2]
        self._analytics_write_forecast(
            today,
            summary["ids"].tolist(),
            np.round(purchases, 4).tolist(),
            np.round(spend, 2).tolist(),
            np.round(p_alive, 4).tolist(),
            np.round(clv, 2).tolist(),
        )
        return self.env["crm.forecast.run"]._create_forecast_run(
            today, horizon, summary, bgnbd, gg, purchases, spend
        )

    @api.model
    def _analytics_write_forecast(self, today, ids, purchases, spend, p_alive, clv):
        """Store the forecasts of the customers ``ids`` (parallel lists) and
        clear those of the customers who have none any more: two set-based
        statements, writing only the rows whose figures change."""
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_customer_analytics
                   SET forecast_purchases = NULL, forecast_spend = NULL,
                       forecast_p_alive = NULL, forecast_clv = NULL, forecast_date = NULL,
                       write_uid = %(uid)s, write_date = %(now)s
                 WHERE forecast_date IS NOT NULL AND NOT partner_id = ANY(%(ids)s)
                """,
                ids=ids,
                uid=self.env.uid,
                now=now,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_analytics AS ca (
                       partner_id, forecast_purchases, forecast_spend, forecast_p_alive,
                       forecast_clv, forecast_date, create_uid, create_date, write_uid, write_date)
                SELECT v.id, v.purchases, v.spend, v.p_alive, v.clv, %(today)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(ids)s::int[], %(purchases)s::float8[], %(spend)s::float8[],
                              %(p_alive)s::float8[], %(clv)s::float8[])
                       AS v(id, purchases, spend, p_alive, clv)
                ON CONFLICT (partner_id) DO UPDATE
                   SET forecast_purchases = EXCLUDED.forecast_purchases,
                       forecast_spend = EXCLUDED.forecast_spend,
                       forecast_p_alive = EXCLUDED.forecast_p_alive,
                       forecast_clv = EXCLUDED.forecast_clv,
                       forecast_date = EXCLUDED.forecast_date,
                       write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                 WHERE (ca.forecast_purchases, ca.forecast_spend, ca.forecast_p_alive,
                        ca.forecast_clv, ca.forecast_date)
                       IS DISTINCT FROM
                       (EXCLUDED.forecast_purchases, EXCLUDED.forecast_spend,
                        EXCLUDED.forecast_p_alive, EXCLUDED.forecast_clv,
                        EXCLUDED.forecast_date)
                """,
                today=today,
                ids=ids,
                purchases=purchases,
                spend=spend,
                p_alive=p_alive,
                clv=clv,
                uid=self.env.uid,
                now=now,
            )
        )
        self._analytics_invalidate(list(FORECAST_FIELDS))
