from odoo import api, models


class CrmPrivacyBlacklistMixin(models.AbstractModel):
    """Odoo's blacklists (mail and phone) as opt-outs of direct marketing:
    an entry that becomes active records an opt-out of all purposes for the
    channel (PDPO s.35G). Inheriting models set the three class attributes."""

    _name = "crm.privacy.blacklist.mixin"
    _description = "Blacklist entries recorded as marketing opt-outs"

    _crm_value_field = None  # the blacklisted value on the entry
    _crm_partner_field = None  # the matching normalised field on res.partner
    _crm_channel = None  # the marketing channel opted out of

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
        if not self or self.env.context.get("crm_privacy_from_consent"):
            return
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([(self._crm_partner_field, "in", self.mapped(self._crm_value_field))])
        )
        self.env["crm.privacy.consent"]._crm_record_blacklist_opt_out(partners, self._crm_channel)
