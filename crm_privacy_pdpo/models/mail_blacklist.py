from odoo import api, models


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("active")._crm_privacy_record_opt_outs()
        return records

    def write(self, vals):
        newly_active = self.browse()
        if vals.get("active"):
            newly_active = self.filtered(lambda r: not r.active)
        res = super().write(vals)
        newly_active._crm_privacy_record_opt_outs()
        return res

    def _crm_privacy_record_opt_outs(self):
        """Unsubscribing through Odoo's blacklist is an opt-out of all email marketing."""
        if not self or self.env.context.get("crm_privacy_from_consent"):
            return
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "in", self.mapped("email"))])
        )
        self.env["crm.privacy.consent"]._crm_record_blacklist_opt_out(partners, "email")
