from odoo import api, models


class CrmPrivacyConsent(models.Model):
    """A withdrawal is noted on the mailing the customer received just before
    (``mailing.trace._crm_mark_opted_out``), whichever way it was recorded:
    the unsubscribe link (through Odoo's blacklist), the preference centre,
    the API or a form."""

    _inherit = "crm.privacy.consent"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["mailing.trace"]._crm_mark_opted_out(records)
        return records
