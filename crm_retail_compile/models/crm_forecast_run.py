"""Forecast runs: fitted parameters and forecast-versus-actual per group.

An evaluation run fits the models on a calibration period, forecasts the
holdout period and compares with the actual purchases, next to a naive
baseline (lib/analytics/evaluation.py). A forecast run records the models
fitted on all history by the nightly refresh and the forecast per group.
Runs are kept so managers can compare periods and models.
"""

import datetime

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib import report_engine
from ..lib.analytics import btyd, evaluation
from ..lib.analytics import rfm as rfm_lib
from .crm_customer_analytics import TIME_UNIT_DAYS
from .crm_team import SALES_CHANNEL_CODES, SALES_CHANNELS

FORECAST_SENSITIVITY_PARAM = "crm_retail_compile.forecast_sensitivity"

GROUP_TYPES = [
    ("overall", "Overall"),
    ("segment", "Segment"),
    ("branch", "Branch"),
    ("month", "Month"),
    ("channel", "Sales Channel"),
]


class CrmForecastRun(models.Model):
    _name = "crm.forecast.run"
    _description = "Customer Forecast Run"
    _order = "create_date desc, id desc"

    name = fields.Char(required=True, readonly=True)
    run_type = fields.Selection(
        [("evaluation", "Evaluation"), ("forecast", "Forecast")],
        required=True,
        readonly=True,
        default="evaluation",
    )
    calibration_start = fields.Date(readonly=True)
    calibration_end = fields.Date(readonly=True, required=True)
    holdout_end = fields.Date(readonly=True)
    horizon_days = fields.Integer(readonly=True)
    time_unit = fields.Char(readonly=True, default="week")
    customers = fields.Integer(readonly=True)
    repeat_buyers = fields.Integer(readonly=True)
    r = fields.Float(readonly=True)
    alpha = fields.Float(readonly=True)
    a = fields.Float(readonly=True)
    b = fields.Float(readonly=True)
    bgnbd_loglik = fields.Float(string="BG/NBD Log-likelihood", readonly=True, digits=(16, 2))
    p = fields.Float(readonly=True)
    q = fields.Float(readonly=True)
    gamma = fields.Float(readonly=True)
    gg_loglik = fields.Float(string="Gamma-Gamma Log-likelihood", readonly=True, digits=(16, 2))
    converged = fields.Boolean(readonly=True)
    forecast_purchases = fields.Float(readonly=True, digits=(16, 2))
    actual_purchases = fields.Float(readonly=True, digits=(16, 2))
    naive_purchases = fields.Float(readonly=True, digits=(16, 2))
    mae = fields.Float(string="MAE", readonly=True, digits=(16, 4))
    wape = fields.Float(string="WAPE", readonly=True, digits=(16, 4))
    naive_mae = fields.Float(string="Naive MAE", readonly=True, digits=(16, 4))
    naive_wape = fields.Float(string="Naive WAPE", readonly=True, digits=(16, 4))
    line_ids = fields.One2many("crm.forecast.run.line", "run_id", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    scope_branch_ids = fields.Many2many(
        "crm.retail.branch",
        "crm_forecast_run_scope_branch_rel",
        "run_id",
        "branch_id",
        string="Branches",
        readonly=True,
        help="The customers of these branches (and those without a home branch) only; "
        "empty: every customer. A branch-limited run is seen by its requester only.",
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )
    is_latest = fields.Boolean(
        string="Latest Evaluation",
        readonly=True,
        crm_system=True,
        index=True,
        copy=False,
        help="The newest evaluation of its scope: of every branch (per company), or the "
        "newest branch-limited evaluation of its requester. Set by the system when an "
        "evaluation is created or deleted; dashboards show the latest evaluation only.",
    )

    # ------------------------------------------------------------------
    # Latest evaluation of each scope
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        if any(run.run_type == "evaluation" for run in runs):
            self._update_latest()
        return runs

    def unlink(self):
        evaluations = any(run.run_type == "evaluation" for run in self)
        result = super().unlink()
        if evaluations:
            self._update_latest()
        return result

    @api.model
    def _update_latest(self):
        """Flag the newest evaluation of each scope, unflag the others, in one
        query and two writes. A scope is every branch of a company (runs
        without branch limit), or the branch-limited runs of one requester
        (only they see them, see the record rules)."""
        self.flush_model(["run_type", "user_id", "company_id", "is_latest"])
        latest = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (run.company_id, scope.requester) run.id
                      FROM crm_forecast_run run
                     CROSS JOIN LATERAL (
                           SELECT CASE WHEN EXISTS (
                                      SELECT 1 FROM crm_forecast_run_scope_branch_rel rel
                                       WHERE rel.run_id = run.id)
                                  THEN run.user_id ELSE 0 END AS requester) scope
                     WHERE run.run_type = 'evaluation'
                     ORDER BY run.company_id, scope.requester,
                              run.create_date DESC NULLS LAST, run.id DESC
                    """
                )
            )
        ]
        Run = self.sudo().with_context(active_test=False)
        stale = Run.search([("is_latest", "=", True), ("id", "not in", latest)])
        fresh = Run.browse(latest).filtered(lambda run: not run.is_latest)
        if stale:
            stale._crm_system_write().write({"is_latest": False})
        if fresh:
            fresh._crm_system_write().write({"is_latest": True})

    @api.model
    def _latest_for_user(self):
        """The latest evaluations the current user's forecast dashboards show,
        one per company: their own latest branch-limited evaluation when they
        are limited to branches and made one, else the latest evaluation of
        every branch. Read with the user's record rules."""
        runs = self.search(
            [
                ("run_type", "=", "evaluation"),
                ("is_latest", "=", True),
                ("company_id", "in", [*self.env.companies.ids, False]),
            ]
        )
        user = self.env.user
        own = user.retail_branch_scoped
        chosen = {}
        # newest first (_order): the first run of a company wins
        for run in runs:
            mine = bool(run.scope_branch_ids) and run.user_id == user
            if not (mine and own) and run.scope_branch_ids:
                continue  # another scope
            current = chosen.get(run.company_id.id)
            if current is None or (mine and not current.scope_branch_ids):
                chosen[run.company_id.id] = run
        return self.browse([run.id for run in chosen.values()])

    @api.model
    def _check_analytics_admin(self):
        if not self.env.user.has_group("crm_retail_compile.group_retail_admin"):
            raise AccessError(_("Only Retail CRM administrators can run customer analytics."))

    @api.model
    def _evaluation_sensitivity(self):
        """Sensitivity of a forecast evaluation (aggregated purchases and
        spend of customer groups): ``crm_retail_compile.forecast_sensitivity``,
        'internal' by default."""
        value = (
            self.env["ir.config_parameter"].sudo().get_param(FORECAST_SENSITIVITY_PARAM)
            or "internal"
        ).strip()
        return value if value in report_engine.SENSITIVITY_ORDER else "confidential"

    @api.model
    def _check_evaluation_access(self):
        """Who may evaluate the forecasts, and on which customers: Retail CRM
        administrators on every customer; department analysts whose
        clearance (their groups', capped by their department's) reaches the
        evaluation's sensitivity, on the customers of their branches.
        Returns the branches (None: every customer)."""
        user = self.env.user
        if self.env.su or user.has_group("crm_retail_compile.group_retail_admin"):
            return None
        if not user.has_group("crm_retail_compile.group_department_analyst"):
            raise AccessError(
                _("Only department analysts and administrators can evaluate forecasts.")
            )
        clearance = self.env["crm.privacy.field.classification"]._get_user_clearance(user)
        needed = self._evaluation_sensitivity()
        order = report_engine.SENSITIVITY_ORDER
        if order.index(clearance) < order.index(needed):
            raise AccessError(
                _(
                    "Forecast evaluations are %(needed)s data: above the clearance of your "
                    "department (%(clearance)s).",
                    needed=needed,
                    clearance=clearance,
                )
            )
        if not user.retail_branch_scoped:
            return None
        branches = user.sudo().retail_branch_ids
        if not branches:
            raise AccessError(_("You have no branch: there are no customers to evaluate."))
        return branches

    @api.model
    def _param_vals(self, bgnbd, gg):
        vals = {
            "r": bgnbd["r"],
            "alpha": bgnbd["alpha"],
            "a": bgnbd["a"],
            "b": bgnbd["b"],
            "bgnbd_loglik": bgnbd["loglik"],
            "converged": bgnbd["converged"] and (gg is None or gg["converged"]),
        }
        if gg:
            vals.update(p=gg["p"], q=gg["q"], gamma=gg["gamma"], gg_loglik=gg["loglik"])
        return vals

    @api.model
    def _line_vals(self, line, keep_errors=True):
        key = line["key"]
        vals = {
            "group_type": line["group_type"],
            "customers": line["customers"],
            "forecast_purchases": line["forecast"],
            "actual_purchases": line["actual"],
            "naive_purchases": line["naive"],
            "forecast_spend": line["forecast_spend"],
            "actual_spend": line["actual_spend"],
            "naive_spend": line["naive_spend"],
            "retail_branch_id": False,
        }
        if keep_errors:
            for field in (
                "mae",
                "wape",
                "naive_mae",
                "naive_wape",
                "spend_wape",
                "naive_spend_wape",
            ):
                vals[field] = line[field] if line[field] is not None else False
        if line["group_type"] == "segment":
            vals["segment"] = key
        elif line["group_type"] == "branch":
            vals["retail_branch_id"] = key or False
        elif line["group_type"] == "month":
            vals["month"] = key
        elif line["group_type"] == "channel":
            vals["sales_channel"] = key
        return vals

    @api.model
    def _segments(self, summary):
        return rfm_lib.score_customers(
            summary["recency"], summary["frequency"], summary["monetary"]
        )[4]

    @api.model
    def _month_bounds(self, start, end):
        """Month periods of the days (start, end]: keys (first day of the
        month) and cumulative ends in days from ``start``."""
        keys, bounds = [], []
        month = (start + datetime.timedelta(days=1)).replace(day=1)
        while month <= end:
            next_month = month + relativedelta(months=1)
            last = min(next_month - datetime.timedelta(days=1), end)
            keys.append(month)
            bounds.append((last - start).days)
            month = next_month
        return keys, bounds

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    @api.model
    def _run_evaluation(self, calibration_start, calibration_end, holdout_end):
        """Fit on [calibration_start, calibration_end], forecast
        (calibration_end, holdout_end] and compare with the actuals."""
        if not (calibration_start < calibration_end < holdout_end):
            raise UserError(
                _("The calibration period must start before it ends, and end before the holdout.")
            )
        # checked before anything is read; the figures are then read as
        # superuser, limited to the customers of the user's branches
        branches = self._check_evaluation_access()
        Analytics = self.env["crm.customer.analytics"].sudo()
        cal = Analytics._analytics_summary(calibration_end, calibration_start)
        if branches is not None:
            # customers of the branches, and those without a home branch (0),
            # as the branch rules let the user read
            keep = np.isin(cal["branch"], [0, *branches.ids])
            cal = {key: values[keep] for key, values in cal.items()}
        if not np.count_nonzero(cal["x"]):
            raise UserError(
                _("No customer bought more than once in the calibration period: nothing to fit.")
            )
        bgnbd, gg = Analytics._analytics_fit(cal)
        keys, bounds = self._month_bounds(calibration_end, holdout_end)
        actual, actual_spend, month_actual, month_spend = self._holdout_actuals(
            cal["ids"], calibration_end, holdout_end, keys
        )
        scaled = dict(cal, t_x=cal["t_x"] / TIME_UNIT_DAYS, T=cal["T"] / TIME_UNIT_DAYS)
        t = (holdout_end - calibration_end).days / TIME_UNIT_DAYS
        per_customer, lines = evaluation.evaluate(
            scaled,
            {"t": t, "purchases": actual, "spend": actual_spend},
            bgnbd,
            gg,
            {"segment": self._segments(cal), "branch": cal["branch"]},
            period_bounds=np.array(bounds, dtype=float) / TIME_UNIT_DAYS,
            period_keys=keys,
            period_actual=month_actual,
            period_spend=month_spend,
        )
        shares = self._channel_purchases(cal["ids"], calibration_end, calibration_start)[0]
        channel_actual, channel_spend = self._channel_purchases(
            cal["ids"], holdout_end, calibration_end, holdout=True
        )
        lines += evaluation.channel_lines(
            SALES_CHANNEL_CODES,
            shares,
            per_customer["forecast"],
            per_customer["naive"],
            per_customer["forecast_spend"],
            per_customer["naive_spend"],
            actual=channel_actual,
            actual_spend=channel_spend,
        )
        overall = lines[0]
        vals = self._param_vals(bgnbd, gg)
        vals.update(
            name=_(
                "Evaluation %(start)s - %(end)s, holdout to %(holdout)s",
                start=calibration_start,
                end=calibration_end,
                holdout=holdout_end,
            ),
            run_type="evaluation",
            calibration_start=calibration_start,
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            horizon_days=(holdout_end - calibration_end).days,
            customers=len(cal["ids"]),
            repeat_buyers=int(np.count_nonzero(cal["x"])),
            forecast_purchases=overall["forecast"],
            actual_purchases=overall["actual"],
            naive_purchases=overall["naive"],
            mae=overall["mae"],
            wape=overall["wape"] if overall["wape"] is not None else False,
            naive_mae=overall["naive_mae"],
            naive_wape=overall["naive_wape"] if overall["naive_wape"] is not None else False,
            line_ids=[(0, 0, self._line_vals(line)) for line in lines],
            scope_branch_ids=[(6, 0, branches.ids if branches is not None else [])],
        )
        return self.sudo().create(vals)

    @api.model
    def _holdout_actuals(self, ids, calibration_end, holdout_end, month_keys):
        """Actual purchases and spend of the customers ``ids`` in the holdout,
        in total and per month (matrices customers x months)."""
        Analytics = self.env["crm.customer.analytics"]
        rows = self.env.execute_query(
            SQL(
                """
                WITH %(ctes)s
                SELECT pid, date_trunc('month', day)::date, COUNT(*), SUM(revenue)
                  FROM purchases
                 WHERE day > %(start)s AND pid = ANY(%(ids)s)
                 GROUP BY 1, 2
                """,
                ctes=Analytics._analytics_purchase_ctes(holdout_end, calibration_end),
                start=calibration_end,
                ids=ids.tolist(),
            )
        )
        index = {pid: i for i, pid in enumerate(ids.tolist())}
        months = {key: j for j, key in enumerate(month_keys)}
        counts = np.zeros((len(ids), len(month_keys)))
        spend = np.zeros((len(ids), len(month_keys)))
        for pid, month, count, revenue in rows:
            counts[index[pid], months[month]] = count
            spend[index[pid], months[month]] = revenue
        return counts.sum(axis=1), spend.sum(axis=1), counts, spend

    @api.model
    def _channel_purchases(self, ids, date_to, date_from=None, holdout=False):
        """Purchases and spend of the customers ``ids`` per sales channel in
        (``date_from``, ``date_to``] when ``holdout`` (the holdout actuals),
        else in [``date_from``, ``date_to``] (the calibration shares): two
        matrices customers x SALES_CHANNEL_CODES, in one query. Orders
        without a channel count as in store (_analytics_purchase_ctes)."""
        Analytics = self.env["crm.customer.analytics"]
        rows = self.env.execute_query(
            SQL(
                """
                WITH %(ctes)s
                SELECT pid, channel, COUNT(*), SUM(revenue)
                  FROM channel_purchases
                 WHERE pid = ANY(%(ids)s) AND %(after)s
                 GROUP BY 1, 2
                """,
                ctes=Analytics._analytics_purchase_ctes(date_to, date_from),
                ids=ids.tolist(),
                after=SQL("day > %s", date_from) if holdout else SQL("TRUE"),
            )
        )
        index = {pid: i for i, pid in enumerate(ids.tolist())}
        columns = {code: j for j, code in enumerate(SALES_CHANNEL_CODES)}
        counts = np.zeros((len(ids), len(columns)))
        spend = np.zeros((len(ids), len(columns)))
        for pid, channel, count, revenue in rows:
            counts[index[pid], columns[channel]] = count
            spend[index[pid], columns[channel]] = revenue
        return counts, spend

    # ------------------------------------------------------------------
    # Forecast (nightly)
    # ------------------------------------------------------------------
    @api.model
    def _create_forecast_run(self, today, horizon, summary, bgnbd, gg, purchases, spend):
        """Record the nightly fit and the forecast by segment, branch and month."""
        x = summary["x"]
        t_x = summary["t_x"] / TIME_UNIT_DAYS
        T = summary["T"] / TIME_UNIT_DAYS
        naive = evaluation.naive_rate(x, T) * horizon / TIME_UNIT_DAYS
        zeros = np.zeros_like(purchases)
        naive_spend = naive * summary["spend_each"]
        each = spend / np.where(purchases > 0, purchases, 1)
        lines = [
            evaluation.group_line(
                "overall", None, purchases, zeros, naive, spend, zeros, naive_spend
            )
        ]
        self.env["crm.customer.analytics"].flush_model(["rfm_segment"])
        segment_of = dict(
            self.env.execute_query(
                SQL(
                    "SELECT partner_id, rfm_segment FROM crm_customer_analytics "
                    "WHERE partner_id = ANY(%s)",
                    summary["ids"].tolist(),
                )
            )
        )
        segments = [segment_of.get(pid) for pid in summary["ids"].tolist()]
        for group_type, keys in (
            ("segment", np.array(segments, dtype=object)),
            ("branch", summary["branch"]),
        ):
            for key in sorted(set(keys.tolist()), key=lambda k: (not k, str(k))):
                mask = keys == key
                lines.append(
                    evaluation.group_line(
                        group_type,
                        key or None,
                        purchases[mask],
                        zeros[mask],
                        naive[mask],
                        spend[mask],
                        zeros[mask],
                        naive_spend[mask],
                    )
                )
        keys, bounds = self._month_bounds(today, today + datetime.timedelta(days=horizon))
        previous = zeros
        start = 0.0
        for key, bound in zip(keys, bounds, strict=True):
            cumulative = btyd.bgnbd_conditional_expected(bgnbd, bound / TIME_UNIT_DAYS, x, t_x, T)
            month = cumulative - previous
            month_naive = naive * (bound - start) / horizon
            lines.append(
                evaluation.group_line(
                    "month",
                    key,
                    month,
                    zeros,
                    month_naive,
                    month * each,
                    zeros,
                    month_naive * summary["spend_each"],
                )
            )
            previous, start = cumulative, bound
        # the channel shares of the window of the summary (all history to today)
        shares = self._channel_purchases(summary["ids"], today)[0]
        lines += evaluation.channel_lines(
            SALES_CHANNEL_CODES, shares, purchases, naive, spend, naive_spend
        )
        vals = self._param_vals(bgnbd, gg)
        vals.update(
            name=_("Forecast of %(date)s, next %(days)s days", date=today, days=horizon),
            run_type="forecast",
            calibration_end=today,
            horizon_days=horizon,
            customers=len(x),
            repeat_buyers=int(np.count_nonzero(x)),
            forecast_purchases=float(purchases.sum()),
            naive_purchases=float(naive.sum()),
            line_ids=[(0, 0, self._line_vals(line, keep_errors=False)) for line in lines],
        )
        return self.sudo().create(vals)


class CrmForecastRunLine(models.Model):
    _name = "crm.forecast.run.line"
    _inherit = ["crm.branch.mixin"]
    _description = "Customer Forecast by Group"
    _order = "run_id desc, group_type, month, segment, retail_branch_id, sales_channel"

    run_id = fields.Many2one(
        "crm.forecast.run", required=True, ondelete="cascade", index=True, readonly=True
    )
    run_type = fields.Selection(related="run_id.run_type", store=True)
    calibration_end = fields.Date(related="run_id.calibration_end", store=True)
    is_latest = fields.Boolean(
        related="run_id.is_latest",
        store=True,
        crm_system=True,
        help="A line of the newest evaluation of its scope (see the evaluation).",
    )
    shown_latest = fields.Boolean(
        string="Latest Evaluation Shown to Me",
        compute="_compute_shown_latest",
        search="_search_shown_latest",
        help="A line of the latest evaluation your dashboards show: your own latest "
        "branch-limited evaluation if you are limited to branches and made one, else the "
        "latest evaluation of every branch. Never the sum of several evaluations.",
    )
    group_type = fields.Selection(GROUP_TYPES, required=True, readonly=True)
    segment = fields.Selection(rfm_lib.SEGMENTS, readonly=True)
    retail_branch_id = fields.Many2one(readonly=True, default=False)
    month = fields.Date(readonly=True)
    sales_channel = fields.Selection(
        SALES_CHANNELS,
        readonly=True,
        help="The channel of a sales channel line: the customers' forecast split by their "
        "share of purchases per channel in the calibration period, against their purchases "
        "in the channel.",
    )
    customers = fields.Integer(readonly=True)
    forecast_purchases = fields.Float(readonly=True, digits=(16, 2))
    actual_purchases = fields.Float(readonly=True, digits=(16, 2))
    naive_purchases = fields.Float(readonly=True, digits=(16, 2))
    mae = fields.Float(string="MAE", readonly=True, digits=(16, 4), aggregator="avg")
    wape = fields.Float(string="WAPE", readonly=True, digits=(16, 4), aggregator="avg")
    naive_mae = fields.Float(string="Naive MAE", readonly=True, digits=(16, 4), aggregator="avg")
    naive_wape = fields.Float(string="Naive WAPE", readonly=True, digits=(16, 4), aggregator="avg")
    forecast_spend = fields.Float(readonly=True, digits=(16, 2))
    actual_spend = fields.Float(readonly=True, digits=(16, 2))
    naive_spend = fields.Float(readonly=True, digits=(16, 2))
    spend_wape = fields.Float(string="Spend WAPE", readonly=True, digits=(16, 4), aggregator="avg")
    naive_spend_wape = fields.Float(
        string="Naive Spend WAPE", readonly=True, digits=(16, 4), aggregator="avg"
    )

    @api.depends("run_id.is_latest")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_shown_latest(self):
        shown = self.env["crm.forecast.run"]._latest_for_user()
        for line in self:
            line.shown_latest = line.run_id in shown

    def _search_shown_latest(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search the latest evaluation with = True or = False only."))
        shown = self.env["crm.forecast.run"]._latest_for_user()
        positive = (operator == "=") == value
        return [("run_id", "in" if positive else "not in", shown.ids)]
