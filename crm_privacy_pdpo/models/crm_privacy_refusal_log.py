from odoo import _, api, fields, models
from odoo.exceptions import UserError

from . import pdpo_rules
from .crm_privacy_request import REFUSAL_REASONS


class CrmPrivacyRefusalLog(models.Model):
    """Log book of refused requests (s.27): kept 4 years, never edited."""

    _name = "crm.privacy.refusal.log"
    _description = "Refusal Log Book Entry (s.27)"
    _order = "refusal_date desc, id desc"
    _rec_name = "request_ref"

    request_id = fields.Many2one("crm.privacy.request", ondelete="set null", readonly=True)
    request_ref = fields.Char(string="Request Reference", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Data Subject", ondelete="restrict", readonly=True
    )
    request_type = fields.Selection(
        [("access", "Data access request"), ("correction", "Data correction request")],
        readonly=True,
    )
    refusal_date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    reason_code = fields.Selection(REFUSAL_REASONS, required=True, readonly=True)
    reason_details = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    is_locked = fields.Boolean(compute="_compute_is_locked")

    def _compute_is_locked(self):
        now = fields.Datetime.now()
        for entry in self:
            entry.is_locked = pdpo_rules.refusal_log_locked(entry.refusal_date, now)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["refusal_date"] = fields.Datetime.now()
        return super().create(vals_list)

    def write(self, vals):
        if self and vals:
            raise UserError(_("Entries of the refusal log book (s.27) cannot be changed."))
        return super().write(vals)

    def unlink(self):
        now = fields.Datetime.now()
        if any(pdpo_rules.refusal_log_locked(entry.refusal_date, now) for entry in self):
            raise UserError(
                _("Entries of the refusal log book (s.27) are kept for at least 4 years.")
            )
        if not self.env.context.get("crm_privacy_retention"):
            raise UserError(_("Old log book entries are only removed by the retention job."))
        return super().unlink()
