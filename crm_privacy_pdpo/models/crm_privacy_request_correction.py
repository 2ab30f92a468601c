from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .base import _SYSTEM_WRITE

CORRECTABLE_TYPES = ("char", "text", "date", "selection", "html")


class CrmPrivacyRequestCorrection(models.Model):
    """A field correction of a correction request, with its audit trail."""

    _name = "crm.privacy.request.correction"
    _description = "Data Correction"
    _order = "id"

    request_id = fields.Many2one("crm.privacy.request", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="request_id.partner_id", store=True)
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Corrected Field",
        required=True,
        ondelete="cascade",
        domain=[
            ("model", "=", "res.partner"),
            ("ttype", "in", CORRECTABLE_TYPES),
            ("store", "=", True),
        ],
    )
    old_value = fields.Char(readonly=True, crm_system=True)
    new_value = fields.Char()
    applied = fields.Boolean(readonly=True, crm_system=True)
    applied_date = fields.Datetime(readonly=True, crm_system=True)
    applied_by_id = fields.Many2one("res.users", readonly=True, crm_system=True)

    @api.constrains("field_id")
    def _check_field(self):
        for line in self:
            # the field's metadata (officers do not read ir.model.fields)
            field = line.field_id.sudo()
            if field.model != "res.partner" or field.ttype not in (CORRECTABLE_TYPES):
                raise UserError(_("Only the customer's text and date fields can be corrected."))

    def write(self, vals):
        # only the apply step itself (its system write, not any superuser
        # write) may complete an applied line
        applying = self.env.context.get("crm_system_write") is _SYSTEM_WRITE
        if any(line.applied for line in self) and not applying:
            raise UserError(_("An applied correction is part of the audit trail."))
        return super().write(vals)

    def unlink(self):
        if any(line.applied for line in self):
            raise UserError(_("An applied correction is part of the audit trail."))
        return super().unlink()

    def _apply(self):
        for line in self:
            partner = line.request_id.partner_id.sudo()
            fname = line.field_id.sudo().name  # after _check_officer
            old = partner[fname]
            partner.write({fname: line.new_value or False})
            line._crm_system_write().write(
                {
                    "old_value": "" if old is False else str(old),
                    "applied": True,
                    "applied_date": fields.Datetime.now(),
                    "applied_by_id": self.env.user.id,
                }
            )
