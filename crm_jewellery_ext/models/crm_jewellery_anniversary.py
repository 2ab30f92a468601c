from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

ANNIVERSARY_TYPES = [
    ("wedding", "Wedding"),
    ("engagement", "Engagement"),
    ("relationship", "Relationship"),
    ("other", "Other"),
]


class CrmJewelleryAnniversary(models.Model):
    """A customer's anniversary: clienteling reminds the salesperson ahead of
    it (with the customer's consent to birthday and anniversary offers)."""

    _name = "crm.jewellery.anniversary"
    _description = "Customer Anniversary"
    _order = "anniversary_month, anniversary_day, id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    anniversary_type = fields.Selection(
        ANNIVERSARY_TYPES, string="Type", required=True, default="wedding"
    )
    date = fields.Date(required=True)
    anniversary_month = fields.Integer(compute="_compute_month_day", store=True, index=True)
    anniversary_day = fields.Integer(compute="_compute_month_day", store=True)
    related_partner_id = fields.Many2one(
        "res.partner", string="With", help="The spouse or fiancé(e), when known."
    )
    reminder_days = fields.Integer(
        string="Remind Days Before",
        default=14,
        help="The salesperson gets an activity this many days before the date.",
    )
    note = fields.Char()
    active = fields.Boolean(default=True)

    @api.depends("date")
    def _compute_month_day(self):
        for rec in self:
            rec.anniversary_month = rec.date.month if rec.date else 0
            rec.anniversary_day = rec.date.day if rec.date else 0

    @api.constrains("reminder_days")
    def _check_reminder_days(self):
        if any(not 0 <= rec.reminder_days <= 60 for rec in self):
            raise ValidationError(_("Reminders go out 0 to 60 days before the date."))

    @api.depends("anniversary_type", "date", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["anniversary_type"]._description_selection(self.env))
        for rec in self:
            rec.display_name = f"{rec.partner_id.name or ''}: {labels.get(rec.anniversary_type)} "
            rec.display_name += fields.Date.to_string(rec.date) if rec.date else ""
