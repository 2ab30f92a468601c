"""Customer analytics in a table of their own: one row per customer with
the RFM figures, scores and segment, the age band and the forecasts
(issue 19).

The figures used to be columns of ``res_partner``, the widest and most
indexed table: the nightly refresh rewrote customer rows, and every new
customer paid for the columns and their indexes. A customer has no row until
the nightly refresh computes one; ``res.partner`` keeps fields of the same
names, related through ``crm_analytics_id`` (models/res_partner_analytics.py).

The refresh lives in files of its own, by concern: the RFM scores
(crm_customer_analytics_rfm.py), the forecasts
(crm_customer_analytics_forecast.py) and the win-back activities
(crm_customer_analytics_winback.py). The mathematics stays in
``lib/analytics`` (plain numpy/scipy, no ORM).
"""

import datetime

import numpy as np
import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.analytics import rfm as rfm_lib

PARAM = "crm_retail_compile.analytics_"
RFM_DATE_PARAM = "crm_retail_compile.analytics_rfm_date"
DEFAULTS = {
    "rfm_window_days": 730,
    "forecast_horizon_days": 90,
    "clv_horizon_days": 365,
    "winback_p_alive": 0.5,
    "winback_min_clv": 0.0,
    "affinity_min_customers": 2,
    # the business day of the nightly jobs: Hong Kong time, whatever the
    # time zone of the user the scheduler runs them as
    "tz": "Asia/Hong_Kong",
}
# days per time unit of the fitted models (weeks, as in the published work)
TIME_UNIT_DAYS = 7.0
# the stored figures the RFM refresh writes
RFM_FIELDS = (
    "rfm_last_purchase_date",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_r_score",
    "rfm_f_score",
    "rfm_m_score",
    "rfm_score",
    "rfm_segment",
    "age_band",
)
# the stored figures the forecast refresh writes
FORECAST_FIELDS = (
    "forecast_purchases",
    "forecast_spend",
    "forecast_p_alive",
    "forecast_clv",
    "forecast_date",
)
# every figure res.partner shows through a related field of the same name
ANALYTICS_FIELDS = (*RFM_FIELDS, "rfm_recency_days", "rfm_date", *FORECAST_FIELDS)


class CrmCustomerAnalytics(models.Model):
    _name = "crm.customer.analytics"
    _description = "Customer Analytics"
    _order = "id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    # the customer's side, for grouping and filtering (not copied: read
    # through the customer)
    retail_branch_id = fields.Many2one(related="partner_id.retail_branch_id", string="Home Branch")
    membership_tier_id = fields.Many2one(related="partner_id.membership_tier_id")
    district_id = fields.Many2one(related="partner_id.district_id")
    is_retail_customer = fields.Boolean(related="partner_id.is_retail_customer")

    rfm_last_purchase_date = fields.Date(
        string="Last Purchase",
        readonly=True,
        help="Local day of the customer's most recent purchase (any time, not only in the "
        "RFM window).",
    )
    # Recency and the segment date are derived, not stored: storing them made
    # the nightly refresh rewrite every customer every day although their
    # scores did not change (ranks of "days since" are those of the dates).
    rfm_recency_days = fields.Integer(
        string="Days Since Last Purchase",
        compute="_compute_rfm_recency_days",
        search="_search_rfm_recency_days",
    )
    rfm_frequency = fields.Integer(string="Purchases (RFM Window)", readonly=True, aggregator="avg")
    rfm_monetary = fields.Float(
        string="Revenue (RFM Window)", readonly=True, digits=(16, 2), aggregator="sum"
    )
    rfm_r_score = fields.Integer(string="Recency Score", readonly=True, aggregator="avg")
    rfm_f_score = fields.Integer(string="Frequency Score", readonly=True, aggregator="avg")
    rfm_m_score = fields.Integer(string="Monetary Score", readonly=True, aggregator="avg")
    rfm_score = fields.Char(string="RFM Score", readonly=True, index=True)
    rfm_segment = fields.Selection(rfm_lib.SEGMENTS, string="Segment", readonly=True, index=True)
    rfm_date = fields.Date(
        string="Segment Date",
        compute="_compute_rfm_date",
        help="Day of the last segment refresh, which scored every customer at once.",
    )
    age_band = fields.Selection(rfm_lib.AGE_BANDS, readonly=True, index=True)
    forecast_purchases = fields.Float(
        string="Expected Purchases",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Expected number of purchases in the forecast horizon (BG/NBD).",
    )
    forecast_spend = fields.Float(
        string="Expected Spend",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Expected untaxed revenue in the forecast horizon (BG/NBD x Gamma-Gamma).",
    )
    forecast_p_alive = fields.Float(
        string="Probability Active",
        readonly=True,
        digits=(16, 3),
        aggregator="avg",
        help="Probability that the customer is still an active buyer (BG/NBD).",
    )
    forecast_clv = fields.Float(
        string="Customer Lifetime Value",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Expected untaxed revenue over the lifetime-value horizon (undiscounted).",
    )
    forecast_date = fields.Date(readonly=True)

    _sql_constraints = [
        (
            "partner_unique",
            "UNIQUE(partner_id)",
            "A customer has one row of analytics.",
        )
    ]

    def init(self):
        # the nightly forecast rewrites most rows without touching an indexed
        # column: room left in each page keeps those updates out of the
        # indexes (heap-only tuples)
        self.env.cr.execute(SQL("ALTER TABLE crm_customer_analytics SET (fillfactor = 85)"))

    @api.depends("rfm_last_purchase_date")
    @api.depends_context("tz")
    def _compute_rfm_recency_days(self):
        today = fields.Date.context_today(self)
        for row in self:
            last = row.rfm_last_purchase_date
            row.rfm_recency_days = (today - last).days if last else 0

    @api.model
    def _search_rfm_recency_days(self, operator, value):
        """Days since the last purchase, as a condition on its date (more days
        is an earlier date, so the comparison turns round)."""
        flipped = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
        if operator not in flipped or isinstance(value, bool) or not isinstance(value, int):
            raise UserError(
                _("Days since last purchase can only be compared with a whole number of days.")
            )
        day = fields.Date.context_today(self) - datetime.timedelta(days=value)
        return [("rfm_last_purchase_date", flipped[operator], day)]

    @api.depends("rfm_segment")
    def _compute_rfm_date(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RFM_DATE_PARAM)
        day = fields.Date.to_date(value) if value else False
        for row in self:
            row.rfm_date = day if row.rfm_segment else False

    def _analytics_invalidate(self, fnames):
        """Drop the cached figures after a refresh wrote them with SQL, here
        and on the customers' related fields."""
        self.invalidate_model(fnames)
        self.env["res.partner"].invalidate_model(
            [fname for fname in fnames if fname in ANALYTICS_FIELDS] + ["crm_analytics_id"]
        )

    # ------------------------------------------------------------------
    # Parameters, business day, the customers' purchases
    # ------------------------------------------------------------------
    @api.model
    def _analytics_param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM + key)
        default = DEFAULTS[key]
        try:
            return type(default)(value) if value not in (None, False, "") else default
        except ValueError:
            return default

    @api.model
    def _analytics_tz(self):
        tz = self._analytics_param("tz")
        return tz if tz in pytz.all_timezones_set else DEFAULTS["tz"]

    @api.model
    def _analytics_today(self):
        """Today in the business time zone (the scheduler's user may be in
        another one)."""
        return datetime.datetime.now(pytz.timezone(self._analytics_tz())).date()

    @api.model
    def _analytics_utc(self, day):
        """UTC datetime of the local midnight starting ``day``."""
        tz = pytz.timezone(self._analytics_tz())
        local = tz.localize(datetime.datetime.combine(day, datetime.time()))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _analytics_purchase_ctes(self, date_to, date_from=None, partners=None):
        """CTEs ``docs`` and ``purchases(pid, day, revenue)`` of the customers.

        A purchase is an order (its revenue events grouped, so adjustments and
        cancellations recorded before ``date_to`` are netted) with a positive
        net revenue, dated by its confirmation; the purchases of one customer
        on one local day count as one transaction. Revenue events without an
        order or confirmation (refunds) stay in ``docs`` with day NULL.
        Bounds are local days: ``date_from`` included, ``date_to`` included.
        ``partners``: SQL of a set of customer ids to restrict the CTEs to.

        ``docs.channel`` is the order's sales channel (MIN over its events);
        orders recorded before events carried a channel count as in store,
        the channel the suite assumes for steps without one (POS, counter
        sales). ``channel_purchases(pid, day, channel, revenue)`` are the
        purchases per channel: a customer's orders of one day in two channels
        are one purchase but one per channel there. Unused CTEs are not
        evaluated by PostgreSQL, so callers of ``purchases`` pay nothing.
        """
        conditions = [
            SQL("e.is_revenue"),
            SQL("e.event_date < %s", self._analytics_utc(date_to + datetime.timedelta(days=1))),
        ]
        if date_from:
            # orders confirmed before date_from are left out below
            conditions.append(SQL("e.event_date >= %s", self._analytics_utc(date_from)))
        if partners is not None:
            conditions.append(SQL("rp.commercial_partner_id IN (%s)", partners))
        return SQL(
            """
            docs AS (
                SELECT rp.commercial_partner_id AS pid,
                       (MIN(e.event_date) FILTER (WHERE e.event_type = 'order_confirmed')
                           AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                       (MIN(e.event_date) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                           AS first_day,
                       SUM(e.revenue) AS revenue,
                       COALESCE(MIN(e.sales_channel), 'store') AS channel
                  FROM crm_sales_event e
                  JOIN res_partner rp ON rp.id = e.partner_id
                 WHERE %(where)s
                 GROUP BY rp.commercial_partner_id, COALESCE(e.order_id, -e.id)
            ), purchases AS (
                SELECT pid, day, SUM(revenue) AS revenue
                  FROM docs
                 WHERE day IS NOT NULL AND revenue > 0
                 GROUP BY pid, day
            ), channel_purchases AS (
                SELECT pid, day, channel, SUM(revenue) AS revenue
                  FROM docs
                 WHERE day IS NOT NULL AND revenue > 0
                 GROUP BY pid, day, channel
            )
            """,
            tz=self._analytics_tz(),
            where=SQL(" AND ").join(conditions),
        )

    @api.model
    def _analytics_summary(self, date_to, date_from=None):
        """Per retail customer with purchases in [date_from, date_to]: arrays
        ids, x, t_x, T (days), m (mean repeat spend), spend_each (mean spend
        per purchase), recency (days), frequency, monetary, branch."""
        self.env["crm.sales.event"].flush_model()
        self.env["res.partner"].flush_model(
            ["commercial_partner_id", "is_retail_customer", "retail_branch_id"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                WITH %(ctes)s, cust AS (
                    SELECT pid, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS n,
                           SUM(revenue) AS total,
                           (ARRAY_AGG(revenue ORDER BY day))[1] AS first_revenue
                      FROM purchases GROUP BY pid
                )
                SELECT c.pid, c.n - 1, c.last_day - c.first_day, %(end)s::date - c.first_day,
                       c.total - c.first_revenue, c.total, %(end)s::date - c.last_day,
                       c.n, COALESCE(rp.retail_branch_id, 0)
                  FROM cust c
                  JOIN res_partner rp ON rp.id = c.pid
                 WHERE rp.is_retail_customer
                 ORDER BY c.pid
                """,
                ctes=self._analytics_purchase_ctes(date_to, date_from),
                end=date_to,
            )
        )
        data = np.array(rows, dtype=float).reshape(-1, 9)
        x = data[:, 1]
        repeat_spend = data[:, 4]
        m = np.zeros_like(x)
        np.divide(repeat_spend, x, out=m, where=x > 0)
        return {
            "ids": data[:, 0].astype(int),
            "x": x,
            "t_x": data[:, 2],
            "T": data[:, 3],
            "m": m,
            "spend_each": data[:, 5] / np.maximum(data[:, 7], 1),
            "recency": data[:, 6],
            "frequency": data[:, 7],
            "monetary": data[:, 5],
            "branch": data[:, 8].astype(int),
        }
