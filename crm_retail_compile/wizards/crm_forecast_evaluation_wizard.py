from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmForecastEvaluationWizard(models.TransientModel):
    """Evaluate the forecasts: fit on a calibration period, forecast the
    holdout period and compare with what the customers actually bought."""

    _name = "crm.forecast.evaluation.wizard"
    _description = "Evaluate Customer Forecasts"

    calibration_start = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=24),
    )
    calibration_end = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=6),
    )
    holdout_end = fields.Date(required=True, default=lambda self: fields.Date.context_today(self))

    @api.constrains("calibration_start", "calibration_end", "holdout_end")
    def _check_dates(self):
        for wizard in self:
            if not (wizard.calibration_start < wizard.calibration_end < wizard.holdout_end):
                raise UserError(
                    _("The calibration period must end after it starts and before the holdout.")
                )

    def action_run(self):
        self.ensure_one()
        Run = self.env["crm.forecast.run"]
        # administrators, and analysts within their clearance and branches
        Run._check_evaluation_access()
        run = Run._run_evaluation(self.calibration_start, self.calibration_end, self.holdout_end)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.forecast.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
