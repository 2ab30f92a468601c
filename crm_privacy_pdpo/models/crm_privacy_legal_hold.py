from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmPrivacyLegalHold(models.Model):
    """Keeps a customer's data (restricted, not erased) while the law requires it."""

    _name = "crm.privacy.legal.hold"
    _description = "Legal Hold"
    _inherit = ["mail.thread"]
    _order = "date_until desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="restrict", index=True
    )
    reason = fields.Selection(
        [
            ("aml", "AML record keeping (cash transactions >= HK$120,000)"),
            ("accounting", "Accounting records (7 years)"),
            ("litigation", "Litigation or complaint"),
            ("regulator", "Regulator or law enforcement request"),
            ("other", "Other legal requirement"),
        ],
        required=True,
        default="accounting",
        tracking=True,
    )
    description = fields.Text()
    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_until = fields.Date(tracking=True, help="Empty: until released.")
    released = fields.Boolean(tracking=True)
    is_active = fields.Boolean(compute="_compute_is_active")
    source_ref = fields.Char(string="Source Document")

    @api.constrains("date_from", "date_until")
    def _check_dates(self):
        for hold in self:
            if hold.date_until and hold.date_until < hold.date_from:
                raise ValidationError(_("A legal hold cannot end before it starts."))

    def _compute_is_active(self):
        today = fields.Date.context_today(self)
        for hold in self:
            hold.is_active = not hold.released and (not hold.date_until or hold.date_until >= today)

    @api.model
    def _get_active_holds(self, partner_ids):
        today = fields.Date.context_today(self)
        return self.search(
            [
                ("partner_id", "in", list(partner_ids)),
                ("released", "=", False),
                ("date_from", "<=", today),
                "|",
                ("date_until", "=", False),
                ("date_until", ">=", today),
            ]
        )
