from odoo import api, models


class PhoneBlacklist(models.Model):
    _inherit = "phone.blacklist"

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
        """A blacklisted number is an opt-out of all SMS marketing."""
        if not self or self.env.context.get("crm_privacy_from_consent"):
            return
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("phone_sanitized", "in", self.mapped("number"))])
        )
        self.env["crm.privacy.consent"]._crm_record_blacklist_opt_out(partners, "sms")
