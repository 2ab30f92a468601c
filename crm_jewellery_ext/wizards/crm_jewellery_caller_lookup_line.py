from odoo import api, fields, models


class CrmJewelleryCallerLookupLine(models.TransientModel):
    """One customer found by a caller lookup (a wizard line: only its creator
    reads it). A customer of another branch has no ``partner_id`` and no
    personal data, only the branch to call."""

    _name = "crm.jewellery.caller.lookup.line"
    _description = "Caller Lookup Result"

    lookup_id = fields.Many2one("crm.jewellery.caller.lookup", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    own_branch = fields.Boolean(readonly=True)
    name = fields.Char(readonly=True)
    membership_number = fields.Char(readonly=True)
    branch = fields.Char(readonly=True)
    branch_phone = fields.Char(readonly=True)
    tier = fields.Char(readonly=True)
    salesperson = fields.Char(readonly=True)
    open_custom_orders = fields.Integer(readonly=True)
    open_repairs = fields.Integer(readonly=True)
    unpaid_invoices = fields.Integer(readonly=True)
    unpaid_amount = fields.Float(readonly=True)
    last_purchase = fields.Date(readonly=True)
    call_consent = fields.Boolean(string="Consents to Calls", readonly=True)
    call_consent_purposes = fields.Char(string="Call Purposes", readonly=True)

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_log_call(self):
        self.ensure_one()
        return self._log_call_action(
            self.partner_id, self.lookup_id.formatted_number or self.lookup_id.number
        )

    @api.model
    def _log_call_action(self, partner, number):
        """The quick call form, for an inbound call from ``number``."""
        return self.env["crm.jewellery.call"]._quick_form_action(partner, number, "inbound")
