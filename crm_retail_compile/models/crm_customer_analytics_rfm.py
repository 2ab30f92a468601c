"""The nightly RFM refresh: figures, quintile scores, segment and age band
of every retail customer, written set-based into crm_customer_analytics
(one INSERT ... ON CONFLICT of the rows that change; never res_partner)."""

import datetime
import json
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import pg_settings
from ..lib.analytics.rfm_sql import age_band_case, segment_case
from .crm_customer_analytics import RFM_DATE_PARAM, RFM_FIELDS

_logger = logging.getLogger(__name__)

# the last RFM refresh: its day, window and watermarks (incremental runs)
RFM_STATE_PARAM = "crm_retail_compile.analytics_rfm_state"


class CrmCustomerAnalytics(models.Model):
    _inherit = "crm.customer.analytics"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _analytics_refresh_rfm(self, today=None, full=False):
        """Score every retail customer; returns the number of customers
        whose RFM figures, scores, segment or age band changed.

        Two set-based steps, then one upsert of the rows that change:

        1. the base figures (last purchase day, purchases and revenue in the
           window) of the customers whose purchases may have changed since
           the last run (see ``_analytics_rfm_changed``), or of all
           customers when ``full`` or when there is no usable last run;
        2. the scores of all customers from the stored figures and the new
           ones: a quintile score needs only four cut values of each sorted
           figure (``rfm.quintile_cut_positions``), not a rank per customer.

        A row is written at most once, and only when it changes; a customer
        without a row gets one. res_partner is only read.

        Safe to run twice, and after a crash: the state of the last run is
        saved in the same transaction as its results.
        """
        today = today or self._analytics_today()
        window_days = self._analytics_param("rfm_window_days")
        window_start = today - datetime.timedelta(days=window_days)
        self.env["crm.sales.event"].flush_model()
        self.env["res.partner"].flush_model()
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
        self._analytics_invalidate([*RFM_FIELDS, "rfm_recency_days", "rfm_date"])
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
                  LEFT JOIN crm_customer_analytics ca ON ca.partner_id = rp.id
                  LEFT JOIN agg a ON a.pid = rp.id
                  LEFT JOIN refunds f ON f.pid = rp.id
                 WHERE rp.is_retail_customer %(restrict)s
                   AND (ca.rfm_last_purchase_date IS DISTINCT FROM a.last_day
                        OR ca.rfm_frequency IS DISTINCT FROM a.frequency
                        OR ca.rfm_monetary IS DISTINCT FROM
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
        scores, segment and age band of every retail customer, upserted into
        crm_customer_analytics for the rows that change. Returns their
        customer ids."""
        cr = self.env.cr
        # the current figures: a customer in crm_rfm_figures has new ones
        figures = SQL(
            """
            SELECT rp.id, rp.birthday_year, ca.rfm_score, ca.rfm_segment, ca.age_band,
                   ca.rfm_r_score, ca.rfm_f_score, ca.rfm_m_score, t.id IS NOT NULL AS changed,
                   CASE WHEN t.id IS NULL THEN ca.rfm_last_purchase_date ELSE t.last_day END
                       AS last_day,
                   CASE WHEN t.id IS NULL THEN ca.rfm_frequency ELSE t.frequency END
                       AS frequency,
                   CASE WHEN t.id IS NULL THEN ca.rfm_monetary ELSE t.monetary END AS monetary
              FROM res_partner rp
              LEFT JOIN crm_customer_analytics ca ON ca.partner_id = rp.id
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
        # thousand on most nights), then one upsert of them
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
                INSERT INTO crm_customer_analytics AS ca (
                       partner_id, rfm_last_purchase_date, rfm_frequency, rfm_monetary,
                       rfm_r_score, rfm_f_score, rfm_m_score, rfm_score, rfm_segment, age_band,
                       create_uid, create_date, write_uid, write_date)
                SELECT s.id, s.last_day, s.frequency, s.monetary, s.r, s.f, s.m, s.score,
                       s.segment, s.age_band, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_rfm_scores s
                 ORDER BY s.id
                ON CONFLICT (partner_id) DO UPDATE
                   SET rfm_last_purchase_date = EXCLUDED.rfm_last_purchase_date,
                       rfm_frequency = EXCLUDED.rfm_frequency,
                       rfm_monetary = EXCLUDED.rfm_monetary,
                       rfm_r_score = EXCLUDED.rfm_r_score, rfm_f_score = EXCLUDED.rfm_f_score,
                       rfm_m_score = EXCLUDED.rfm_m_score, rfm_score = EXCLUDED.rfm_score,
                       rfm_segment = EXCLUDED.rfm_segment, age_band = EXCLUDED.age_band,
                       write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                RETURNING ca.partner_id
                """,
                figures=figures,
                r=score(SQL("c.last_day"), cuts["r"], "date"),
                f=score(SQL("c.frequency"), cuts["f"], "int"),
                m=score(SQL("c.monetary"), cuts["m"], "float8"),
                age_band=age_band_case(SQL("c.birthday_year"), today.year),
                segment=segment_case(SQL("s.r"), SQL("s.f"), SQL("s.m"), SQL("s.frequency")),
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        return {row[0] for row in cr.fetchall()}
