"""The customer's side of the analytics: the figures of its
crm.customer.analytics row as related fields of the same names (read-only,
searchable, groupable), the next best categories, and the entry points of
the nightly refresh (cron, queue job, the administrators' button).

The figures live in crm_customer_analytics (models/crm_customer_analytics*.py),
not on res_partner: the nightly refresh never rewrites customers, and a new
customer carries none of them until the refresh computes its row.
"""

import logging

import numpy as np

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .crm_customer_analytics import ANALYTICS_FIELDS

_logger = logging.getLogger(__name__)


# The analytics fields live in a file of their own (one file per feature, as
# res_partner_dq.py for data quality).
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    crm_analytics_id = fields.Many2one(
        "crm.customer.analytics",
        string="Customer Analytics",
        compute="_compute_crm_analytics_id",
        search="_search_crm_analytics_id",
        compute_sudo=True,
        help="The customer's row of analytics, once the nightly refresh has computed it.",
    )
    rfm_last_purchase_date = fields.Date(related="crm_analytics_id.rfm_last_purchase_date")
    rfm_recency_days = fields.Integer(related="crm_analytics_id.rfm_recency_days")
    rfm_frequency = fields.Integer(related="crm_analytics_id.rfm_frequency")
    rfm_monetary = fields.Float(related="crm_analytics_id.rfm_monetary")
    rfm_r_score = fields.Integer(related="crm_analytics_id.rfm_r_score")
    rfm_f_score = fields.Integer(related="crm_analytics_id.rfm_f_score")
    rfm_m_score = fields.Integer(related="crm_analytics_id.rfm_m_score")
    rfm_score = fields.Char(related="crm_analytics_id.rfm_score")
    rfm_segment = fields.Selection(related="crm_analytics_id.rfm_segment")
    rfm_date = fields.Date(related="crm_analytics_id.rfm_date")
    age_band = fields.Selection(related="crm_analytics_id.age_band")
    forecast_purchases = fields.Float(related="crm_analytics_id.forecast_purchases")
    forecast_spend = fields.Float(related="crm_analytics_id.forecast_spend")
    forecast_p_alive = fields.Float(related="crm_analytics_id.forecast_p_alive")
    forecast_clv = fields.Float(related="crm_analytics_id.forecast_clv")
    forecast_date = fields.Date(related="crm_analytics_id.forecast_date")
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

    def _compute_crm_analytics_id(self):
        # one query for the rows and their figures (read next, as a rule)
        Analytics = self.env["crm.customer.analytics"]
        rows = Analytics.search_fetch(
            [("partner_id", "in", self.ids)],
            ["partner_id", *(f for f in ANALYTICS_FIELDS if Analytics._fields[f].store)],
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            partner.crm_analytics_id = by_partner.get(partner.id, Analytics)

    @api.model
    def _search_crm_analytics_id(self, operator, value):
        """Customers by their analytics row (the related fields search through
        it: ``('rfm_segment', '=', 'lost')`` is ``crm_analytics_id in (rows
        of that segment)``). The row follows the customer: no rule of its own
        applies here."""
        Analytics = self.env["crm.customer.analytics"].sudo()
        if operator in ("=", "!=") and value is False:
            query = Analytics._search([])
            positive = operator == "!="
        elif operator in ("in", "not in", "=", "!="):
            if isinstance(value, int | str) and not isinstance(value, bool):
                value = [value]
            query = Analytics._search([("id", "in", value)])
            positive = operator in ("in", "=")
        else:
            raise UserError(_("Customer analytics cannot be searched this way."))
        partners = query.subselect(SQL.identifier(query.table, "partner_id"))
        return [("id", "in" if positive else "not in", partners)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The analytics fields in SQL (group by, order by, reports): one
        LEFT JOIN of the customer's row, NULL without one."""
        field = self._fields.get(fname)
        if fname == "crm_analytics_id" or (
            fname in ANALYTICS_FIELDS
            and field is not None
            and field.related == f"crm_analytics_id.{fname}"
        ):
            if query is None:
                raise ValueError(f"Cannot convert {field} to SQL without a query")
            row = query.make_alias(alias, "crm_analytics")
            query.add_join(
                "LEFT JOIN",
                row,
                "crm_customer_analytics",
                SQL("%s = %s", SQL.identifier(row, "partner_id"), SQL.identifier(alias, "id")),
            )
            target = "id" if fname == "crm_analytics_id" else fname
            Analytics = self.env["crm.customer.analytics"].sudo()
            return Analytics._field_to_sql(row, target, query, flush)
        return super()._field_to_sql(alias, fname, query, flush)

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
        Analytics = self.env["crm.customer.analytics"]
        Analytics._analytics_refresh_rfm(full=full)
        self.env["crm.category.affinity"]._refresh()
        try:
            with self.env.cr.savepoint():
                run = Analytics._analytics_refresh_forecast()
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            _logger.exception("Customer forecast failed; segments are up to date.")
            run = None
        if run:
            Analytics._analytics_create_winback_activities()
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
