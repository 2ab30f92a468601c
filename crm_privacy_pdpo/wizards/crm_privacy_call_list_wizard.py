from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmPrivacyCallListWizard(models.TransientModel):
    """Keeps only the customers who consented to marketing calls for a purpose."""

    _name = "crm.privacy.call.list.wizard"
    _description = "Marketing Call List"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    purpose_id = fields.Many2one("crm.privacy.marketing.purpose", required=True)
    channel = fields.Selection(
        [
            ("phone", "Phone call"),
            ("whatsapp", "WhatsApp"),
            ("sms", "SMS"),
            ("email", "Email"),
            ("post", "Post"),
        ],
        default="phone",
        required=True,
    )

    def _get_consenting(self):
        self.ensure_one()
        if not self.partner_ids:
            raise UserError(_("Select the customers of the call list."))
        return self.env["res.partner"]._crm_filter_consenting(
            self.partner_ids, self.purpose_id, self.channel
        )

    def action_generate(self):
        consenting = self._get_consenting()
        excluded = self.partner_ids - consenting
        if excluded:
            self.env["crm.privacy.blocked.send"].sudo().create(
                [
                    {
                        "partner_id": partner.id,
                        "res_model": "res.partner",
                        "res_id": partner.id,
                        "channel": self.channel,
                        "purpose_id": self.purpose_id.id,
                        "reason": "call_list",
                    }
                    for partner in excluded
                ]
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Call List: %(purpose)s", purpose=self.purpose_id.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", consenting.ids)],
        }
