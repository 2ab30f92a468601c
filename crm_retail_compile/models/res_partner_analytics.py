"""Customer analytics stored on the customer: RFM segment, age band,
forecasts and next best categories, refreshed nightly with set-based SQL.

The mathematics lives in ``lib/analytics`` (plain numpy/scipy); this model
reads the aggregated figures with one query and writes them back with one
statement for all customers.
"""

import datetime
import json
import logging

import numpy as np
import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import pg_settings
from ..lib.analytics import btyd
from ..lib.analytics import rfm as rfm_lib

_logger = logging.getLogger(__name__)

PARAM = "crm_retail_compile.analytics_"
RFM_DATE_PARAM = "crm_retail_compile.analytics_rfm_date"
# the last RFM refresh: its day, window and watermarks (incremental runs)
RFM_STATE_PARAM = "crm_retail_compile.analytics_rfm_state"
# the stored fields the RFM refresh writes
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
WINBACK_PURPOSE = "winback"
CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "post")
# days per time unit of the fitted models (weeks, as in the published work)
TIME_UNIT_DAYS = 7.0


# SQL of the operators the segment rules may use (never taken from data)
_SQL_OPERATORS = {op: SQL(op) for op in rfm_lib.SEGMENT_OPERATORS}


def _segment_case(r, f, m, frequency):
    """SQL CASE of rfm.segment(), generated from rfm.SEGMENT_RULES (the one
    definition of the rules, in the same order)."""
    # term: (SQL, factor): FM = (F + M) / 2 is compared as F + M against
    # twice the value, in integer arithmetic (exact, and as fast as before)
    terms = {"r": (r, 1), "fm": (SQL("(%s + %s)", f, m), 2), "frequency": (frequency, 1)}
    whens = [
        SQL(
            "WHEN %s THEN %s",
            SQL(" AND ").join(
                SQL("%s %s %s", terms[term][0], _SQL_OPERATORS[op], value * terms[term][1])
                for term, op, value in conditions
            ),
            code,
        )
        for code, conditions in rfm_lib.SEGMENT_RULES
    ]
    return SQL("CASE %s ELSE %s END", SQL(" ").join(whens), rfm_lib.DEFAULT_SEGMENT)


def _age_band_case(birth_year, year):
    """SQL CASE of rfm.age_band() (built from the same edges and codes)."""
    codes = [code for code, _label in rfm_lib.AGE_BANDS[:-1]]
    whens = [
        SQL("WHEN %s - %s < %s THEN %s", year, birth_year, edge, code)
        for edge, code in zip(rfm_lib.AGE_BAND_EDGES, codes, strict=False)
    ]
    return SQL(
        "CASE WHEN COALESCE(%s, 0) = 0 THEN %s %s ELSE %s END",
        birth_year,
        rfm_lib.AGE_BANDS[-1][0],
        SQL(" ").join(whens),
        codes[-1],
    )


# The analytics fields live in a file of their own (one file per feature, as
# res_partner_dq.py for data quality).
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

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
    next_categ_ids = fields.Many2many(
        "product.category",
        "res_partner_next_categ_rel",
        "partner_id",
        "categ_id",
        string="Next Best Categories",
        readonly=True,
        help="Categories the customer has not bought and is most likely to buy, from the "
        "category affinities (highest lift first).",
    )

    @api.depends("rfm_last_purchase_date")
    @api.depends_context("tz")
    def _compute_rfm_recency_days(self):
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.rfm_last_purchase_date
            partner.rfm_recency_days = (today - last).days if last else 0

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
        for partner in self:
            partner.rfm_date = day if partner.rfm_segment else False

    # ------------------------------------------------------------------
    # Helpers
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
                       SUM(e.revenue) AS revenue
                  FROM crm_sales_event e
                  JOIN res_partner rp ON rp.id = e.partner_id
                 WHERE %(where)s
                 GROUP BY rp.commercial_partner_id, COALESCE(e.order_id, -e.id)
            ), purchases AS (
                SELECT pid, day, SUM(revenue) AS revenue
                  FROM docs
                 WHERE day IS NOT NULL AND revenue > 0
                 GROUP BY pid, day
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
        self.flush_model(["commercial_partner_id", "is_retail_customer", "retail_branch_id"])
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

    # ------------------------------------------------------------------
    # RFM and age band
    # ------------------------------------------------------------------
    @api.model
    def _analytics_refresh_rfm(self, today=None, full=False):
        """Score every retail customer; returns the number of customers
        whose RFM figures, scores, segment or age band changed.

        Two set-based steps, then one UPDATE of the rows that change:

        1. the base figures (last purchase day, purchases and revenue in the
           window) of the customers whose purchases may have changed since
           the last run (see ``_analytics_rfm_changed``), or of all
           customers when ``full`` or when there is no usable last run;
        2. the scores of all customers from the stored figures and the new
           ones: a quintile score needs only four cut values of each sorted
           figure (``rfm.quintile_cut_positions``), not a rank per customer.

        A customer row is written at most once (res_partner has dozens of
        indexes: every row written costs an entry in each).

        Safe to run twice, and after a crash: the state of the last run is
        saved in the same transaction as its results.
        """
        today = today or self._analytics_today()
        window_days = self._analytics_param("rfm_window_days")
        window_start = today - datetime.timedelta(days=window_days)
        self.env["crm.sales.event"].flush_model()
        self.flush_model()
        cr = self.env.cr
        cr.execute(
            SQL("SELECT COALESCE(MAX(id), 0), now() AT TIME ZONE 'UTC' FROM crm_sales_event")
        )
        event_id, started = cr.fetchone()
        state = self._analytics_rfm_state()
        incremental = (
            not full and state and state["window_days"] == window_days and state["date"] <= today
        )
        with pg_settings.local_settings(cr, jit="off"):
            changed = self._analytics_rfm_changed(state, today) if incremental else None
            self._analytics_rfm_figures(today, window_start, changed)
            ids = self._analytics_rfm_scores(today)
        self._analytics_rfm_save_state(
            {
                "date": today,
                "window_days": window_days,
                "event_id": event_id,
                "started": started,
                # the next run looks back one run further, for the
                # transactions still open while this one read (see below)
                "scan_event_id": state["event_id"] if state else event_id,
                "scan_started": state["started"] if state else started,
            }
        )
        self.env["ir.config_parameter"].sudo().set_param(RFM_DATE_PARAM, str(today))
        self.invalidate_model([*RFM_FIELDS, "rfm_recency_days", "rfm_date"])
        _logger.info(
            "RFM refresh for %s (%s): %s customers changed",
            today,
            "incremental" if incremental else "full",
            len(ids),
        )
        return len(ids)

    @api.model
    def _analytics_rfm_state(self):
        """The last run of the RFM refresh, or None."""
        raw = self.env["ir.config_parameter"].sudo().get_param(RFM_STATE_PARAM)
        try:
            state = json.loads(raw) if raw else None
            return {
                "date": fields.Date.to_date(state["date"]),
                "window_days": int(state["window_days"]),
                "event_id": int(state["event_id"]),
                "started": fields.Datetime.to_datetime(state["started"]),
                "scan_event_id": int(state["scan_event_id"]),
                "scan_started": fields.Datetime.to_datetime(state["scan_started"]),
            }
        except (TypeError, ValueError, KeyError):
            return None  # none yet, or unreadable: a full run

    @api.model
    def _analytics_rfm_save_state(self, state):
        # dates and datetimes in Odoo's string format (what _analytics_rfm_state reads)
        value = json.dumps(state, default=fields.Datetime.to_string)
        self.env["ir.config_parameter"].sudo().set_param(RFM_STATE_PARAM, value)

    @api.model
    def _analytics_rfm_changed(self, state, today):
        """Fill a temporary table with the customers whose base figures may
        have changed since the run of ``state``, and return its SQL:

        - customers with revenue events recorded since the run before it
          (one run of overlap: an event written by a transaction that was
          still open when the last run read is seen by this one);
        - customers with revenue events dated on the days since that run
          (orders dated ahead), or on the days that left the window;
        - customers edited since the run before it (a customer who became
          a retail customer, contacts moved between customers).
        """
        cr = self.env.cr
        window_days = state["window_days"]
        left_from = state["date"] - datetime.timedelta(days=window_days)
        left_to = today - datetime.timedelta(days=window_days)
        days_from = state["date"] + datetime.timedelta(days=1)
        days_to = today + datetime.timedelta(days=1)
        cr.execute(
            SQL(
                """
                DROP TABLE IF EXISTS crm_rfm_changed;
                CREATE TEMP TABLE crm_rfm_changed (pid int PRIMARY KEY) ON COMMIT DROP;
                INSERT INTO crm_rfm_changed
                SELECT rp.commercial_partner_id
                  FROM crm_sales_event e
                  JOIN res_partner rp ON rp.id = e.partner_id
                 WHERE e.is_revenue
                   AND (e.id > %(scan_event_id)s
                        OR (e.event_date >= %(days_from)s AND e.event_date < %(days_to)s)
                        OR (e.event_date >= %(left_from)s AND e.event_date < %(left_to)s))
                 UNION
                SELECT commercial_partner_id FROM res_partner
                 WHERE write_date >= %(scan_started)s AND commercial_partner_id IS NOT NULL;
                ANALYZE crm_rfm_changed;
                """,
                scan_event_id=state["scan_event_id"],
                scan_started=state["scan_started"],
                days_from=self._analytics_utc(days_from),
                days_to=self._analytics_utc(max(days_from, days_to)),
                left_from=self._analytics_utc(left_from),
                left_to=self._analytics_utc(max(left_from, left_to)),
            )
        )
        return SQL("SELECT pid FROM crm_rfm_changed")

    @api.model
    def _analytics_rfm_figures(self, today, window_start, changed=None):
        """Step 1: last purchase day, purchases and net revenue in the window
        of the ``changed`` customers (SQL of their ids; all if None), into the
        temporary table ``crm_rfm_figures``: only the customers whose figures
        differ from the stored ones."""
        restrict = SQL("AND rp.id IN (%s)", changed) if changed is not None else SQL()
        self.env.cr.execute(
            SQL(
                """
                DROP TABLE IF EXISTS crm_rfm_figures;
                CREATE TEMP TABLE crm_rfm_figures ON COMMIT DROP AS
                WITH %(ctes)s, agg AS (
                    SELECT p.pid, MAX(p.day) AS last_day,
                           COUNT(*) FILTER (WHERE p.day >= %(start)s) AS frequency,
                           COALESCE(SUM(p.revenue) FILTER (WHERE p.day >= %(start)s), 0)
                               AS monetary
                      FROM purchases p GROUP BY p.pid
                ), refunds AS (
                    SELECT pid, SUM(revenue) AS revenue FROM docs
                     WHERE day IS NULL AND first_day >= %(start)s GROUP BY pid
                )
                SELECT rp.id, a.last_day, a.frequency::int AS frequency,
                       ROUND((a.monetary + COALESCE(f.revenue, 0))::numeric, 2)::float8
                           AS monetary
                  FROM res_partner rp
                  LEFT JOIN agg a ON a.pid = rp.id
                  LEFT JOIN refunds f ON f.pid = rp.id
                 WHERE rp.is_retail_customer %(restrict)s
                   AND (rp.rfm_last_purchase_date IS DISTINCT FROM a.last_day
                        OR rp.rfm_frequency IS DISTINCT FROM a.frequency
                        OR rp.rfm_monetary IS DISTINCT FROM
                           ROUND((a.monetary + COALESCE(f.revenue, 0))::numeric, 2)::float8);
                ALTER TABLE crm_rfm_figures ADD PRIMARY KEY (id);
                ANALYZE crm_rfm_figures;
                """,
                ctes=self._analytics_purchase_ctes(today, partners=changed),
                start=window_start,
                restrict=restrict,
            )
        )

    @api.model
    def _analytics_rfm_scores(self, today):
        """Step 2: figures (the stored ones, or the new ones of step 1),
        scores, segment and age band of every retail customer, written with
        one UPDATE of the rows that change. Returns their ids."""
        cr = self.env.cr
        # the current figures: a customer in crm_rfm_figures has new ones
        figures = SQL(
            """
            SELECT rp.id, rp.birthday_year, rp.rfm_score, rp.rfm_segment, rp.age_band,
                   rp.rfm_r_score, rp.rfm_f_score, rp.rfm_m_score, t.id IS NOT NULL AS changed,
                   CASE WHEN t.id IS NULL THEN rp.rfm_last_purchase_date ELSE t.last_day END
                       AS last_day,
                   CASE WHEN t.id IS NULL THEN rp.rfm_frequency ELSE t.frequency END
                       AS frequency,
                   CASE WHEN t.id IS NULL THEN rp.rfm_monetary ELSE t.monetary END AS monetary
              FROM res_partner rp
              LEFT JOIN crm_rfm_figures t ON t.id = rp.id
             WHERE rp.is_retail_customer
            """
        )
        # the four cut values of each figure (positions: quintile_cut_positions,
        # ceil(k * n / 5) = (k * n + 4) / 5 in integers), in one scan
        cr.execute(
            SQL(
                """
                SELECT r[(n + 4) / 5], r[(2 * n + 4) / 5], r[(3 * n + 4) / 5], r[(4 * n + 4) / 5],
                       f[(n + 4) / 5], f[(2 * n + 4) / 5], f[(3 * n + 4) / 5], f[(4 * n + 4) / 5],
                       m[(n + 4) / 5], m[(2 * n + 4) / 5], m[(3 * n + 4) / 5], m[(4 * n + 4) / 5]
                  FROM (SELECT COUNT(*) AS n,
                               ARRAY_AGG(last_day ORDER BY last_day) AS r,
                               ARRAY_AGG(frequency ORDER BY frequency) AS f,
                               ARRAY_AGG(monetary ORDER BY monetary) AS m
                          FROM (%s) current WHERE last_day IS NOT NULL) sorted
                """,
                figures,
            )
        )
        row = cr.fetchone()
        cuts = {"r": row[0:4], "f": row[4:8], "m": row[8:12]}

        def score(column, values, cast):
            # a later last purchase, more purchases, more revenue: a higher score
            return SQL(" + ").join(
                [SQL("1")]
                + [SQL("(%s > %s::%s)::int", column, value, SQL(cast)) for value in values]
            )

        # the rows that change, first into a table of their own (a few
        # thousand on most nights: the update then reads them by id)
        cr.execute(
            SQL(
                """
                DROP TABLE IF EXISTS crm_rfm_scores;
                CREATE TEMP TABLE crm_rfm_scores ON COMMIT DROP AS
                WITH scored AS (
                    SELECT c.id, c.changed, c.last_day, c.frequency, c.monetary, c.rfm_score,
                           c.rfm_segment, c.age_band AS old_age_band, c.rfm_r_score,
                           c.rfm_f_score, c.rfm_m_score,
                           CASE WHEN c.last_day IS NOT NULL THEN %(r)s END AS r,
                           CASE WHEN c.last_day IS NOT NULL THEN %(f)s END AS f,
                           CASE WHEN c.last_day IS NOT NULL THEN %(m)s END AS m,
                           %(age_band)s AS age_band
                      FROM (%(figures)s) c
                ), final AS (
                    SELECT s.*, s.r::text || s.f::text || s.m::text AS score,
                           CASE WHEN s.r IS NOT NULL THEN %(segment)s END AS segment
                      FROM scored s
                )
                SELECT id, last_day, frequency, monetary, r, f, m, score, segment, age_band
                  FROM final
                 WHERE changed
                    OR rfm_score IS DISTINCT FROM score
                    OR rfm_segment IS DISTINCT FROM segment
                    OR old_age_band IS DISTINCT FROM age_band
                    OR rfm_r_score IS DISTINCT FROM r
                    OR rfm_f_score IS DISTINCT FROM f
                    OR rfm_m_score IS DISTINCT FROM m;
                ANALYZE crm_rfm_scores;
                UPDATE res_partner p
                   SET rfm_last_purchase_date = s.last_day, rfm_frequency = s.frequency,
                       rfm_monetary = s.monetary,
                       rfm_r_score = s.r, rfm_f_score = s.f, rfm_m_score = s.m,
                       rfm_score = s.score, rfm_segment = s.segment, age_band = s.age_band
                  FROM crm_rfm_scores s
                 WHERE p.id = s.id
                RETURNING p.id
                """,
                figures=figures,
                r=score(SQL("c.last_day"), cuts["r"], "date"),
                f=score(SQL("c.frequency"), cuts["f"], "int"),
                m=score(SQL("c.monetary"), cuts["m"], "float8"),
                age_band=_age_band_case(SQL("c.birthday_year"), today.year),
                segment=_segment_case(SQL("s.r"), SQL("s.f"), SQL("s.m"), SQL("s.frequency")),
            )
        )
        return {row[0] for row in cr.fetchall()}

    # ------------------------------------------------------------------
    # Forecasts
    # ------------------------------------------------------------------
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
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET forecast_purchases = NULL, forecast_spend = NULL,
                       forecast_p_alive = NULL, forecast_clv = NULL, forecast_date = NULL
                 WHERE p.forecast_date IS NOT NULL AND NOT p.id = ANY(%s)
                """,
                summary["ids"].tolist(),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET forecast_purchases = v.purchases, forecast_spend = v.spend,
                       forecast_p_alive = v.p_alive, forecast_clv = v.clv,
                       forecast_date = %(today)s
                  FROM unnest(%(ids)s::int[], %(purchases)s::float8[], %(spend)s::float8[],
                              %(p_alive)s::float8[], %(clv)s::float8[])
                       AS v(id, purchases, spend, p_alive, clv)
                 WHERE p.id = v.id
                """,
                today=today,
                ids=summary["ids"].tolist(),
                purchases=np.round(purchases, 4).tolist(),
                spend=np.round(spend, 2).tolist(),
                p_alive=np.round(p_alive, 4).tolist(),
                clv=np.round(clv, 2).tolist(),
            )
        )
        self.invalidate_model(
            [
                "forecast_purchases",
                "forecast_spend",
                "forecast_p_alive",
                "forecast_clv",
                "forecast_date",
            ]
        )
        return self.env["crm.forecast.run"]._create_forecast_run(
            today, horizon, summary, bgnbd, gg, purchases, spend
        )

    # ------------------------------------------------------------------
    # Win-back
    # ------------------------------------------------------------------
    @api.model
    def _analytics_winback_candidates(self):
        """Valuable customers (top monetary quintile or CLV above the threshold)
        whose probability of being active fell below the threshold."""
        threshold = self._analytics_param("winback_p_alive")
        min_clv = self._analytics_param("winback_min_clv")
        valuable = [("rfm_m_score", "=", 5)]
        if min_clv > 0:
            valuable = ["|", ("forecast_clv", ">=", min_clv)] + valuable
        return self.search(
            [
                ("is_retail_customer", "=", True),
                ("forecast_date", "!=", False),
                ("forecast_p_alive", "<", threshold),
            ]
            + valuable
        )

    @api.model
    def _analytics_create_winback_activities(self, partners=None):
        """One win-back activity per valuable customer at risk who consented to
        win-back marketing on at least one channel, for the home branch's
        manager (else the salesperson); never two open ones. Returns them."""
        partners = self._analytics_winback_candidates() if partners is None else partners
        activity_type = self.env.ref(
            "crm_retail_compile.mail_activity_type_winback", raise_if_not_found=False
        )
        if not partners or not activity_type:
            return self.env["mail.activity"]
        Activity = self.env["mail.activity"]
        open_ids = set(
            Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            ).mapped("res_id")
        )
        partners = partners.filtered(lambda p: p.id not in open_ids)
        if not partners:
            return Activity
        channels = {}
        labels = dict(
            self.env["crm.privacy.consent"]._fields["channel"]._description_selection(self.env)
        )
        for channel in CONSENT_CHANNELS:
            consenting = self._crm_filter_consenting(partners, WINBACK_PURPOSE, channel)
            for partner in consenting:
                channels.setdefault(partner.id, []).append(labels.get(channel, channel))
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = self._analytics_today()
        vals_list = []
        for partner in partners:
            if partner.id not in channels:
                continue
            user = partner.retail_branch_id.manager_id or partner.user_id or self.env.user
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": today + datetime.timedelta(days=7),
                    "summary": _("Win back %(name)s", name=partner.name),
                    "note": _(
                        "<p>Valuable customer (segment %(segment)s, lifetime value "
                        "%(clv).2f) with a probability of being active of %(p_alive).0f%%.</p>"
                        "<p>Contact only through the consented channel(s): "
                        "<b>%(channels)s</b>.</p>",
                        segment=dict(rfm_lib.SEGMENTS).get(partner.rfm_segment, "-"),
                        clv=partner.forecast_clv,
                        p_alive=100 * partner.forecast_p_alive,
                        channels=", ".join(channels[partner.id]),
                    ),
                }
            )
        return Activity.create(vals_list)

    # ------------------------------------------------------------------
    # Scheduled job and actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_customer_analytics(self, full=False):
        """Scheduled job: only queues the refresh (a queue job on the
        nightly channel, OCA queue_job); one already queued is not queued
        twice."""
        return self._enqueue_customer_analytics(full=full)

    @api.model
    def _enqueue_customer_analytics(self, full=False):
        return self.with_delay(
            channel="root.crm_nightly",
            identity_key=f"res.partner.analytics,{bool(full)}",
            description=_("Customer analytics refresh"),
        )._job_customer_analytics(full=full)

    @api.model
    def _job_customer_analytics(self, full=False):
        """The queue job of the refresh (safe to run twice: every figure is
        recomputed from the sales, and a win-back activity is not added
        twice)."""
        self.sudo()._refresh_customer_analytics(full=full)
        return _("Customer analytics refreshed.")

    @api.model
    def _refresh_customer_analytics(self, full=False):
        """RFM and age bands, affinities and next best categories,
        forecasts, then the win-back activities. ``full``: recompute the RFM
        figures of every customer, not only of those whose purchases may
        have changed."""
        self._analytics_refresh_rfm(full=full)
        self.env["crm.category.affinity"]._refresh()
        try:
            with self.env.cr.savepoint():
                run = self._analytics_refresh_forecast()
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            _logger.exception("Customer forecast failed; segments are up to date.")
            run = None
        if run:
            self._analytics_create_winback_activities()
        return True

    @api.model
    def action_refresh_customer_analytics(self):
        self.env["crm.forecast.run"]._check_analytics_admin()
        # after the check: the job runs as the scheduled refresh does
        self.sudo()._enqueue_customer_analytics(full=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Customer analytics"),
                "message": _(
                    "Segments, forecasts and affinities are being refreshed in the background."
                ),
                "sticky": False,
                "type": "success",
            },
        }
