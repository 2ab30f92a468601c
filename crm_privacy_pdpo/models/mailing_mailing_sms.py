from odoo import api, models

from .res_partner_sms_link import LONGEST_CODE, SHORT_PATH


class MailingMailing(models.Model):
    """SMS campaigns to customers: each SMS carries the customer's short
    link to the preference centre in place of Odoo's opt-out link (see
    ``sms.composer``), counted in the SMS length the editor shows."""

    _inherit = "mailing.mailing"  # pylint: disable=consider-merging-classes-inherited

    def _send_sms_get_composer_values(self, res_ids):
        values = super()._send_sms_get_composer_values(res_ids)
        if self.privacy_scoped:
            # the preference link replaces Odoo's "STOP SMS" link
            values["mass_sms_allow_unsubscribe"] = False
        return values

    @api.onchange("mailing_type", "mailing_model_id", "privacy_direct_marketing")
    def _onchange_crm_privacy_sms_link(self):
        # the editor counts the opt-out line only when the box is ticked
        for mailing in self:
            if mailing.mailing_type == "sms" and mailing.privacy_scoped:
                mailing.sms_allow_unsubscribe = True

    def get_sms_link_replacements_placeholders(self):
        placeholders = super().get_sms_link_replacements_placeholders()
        if self and not self.privacy_scoped:
            return placeholders
        url = f"{self.get_base_url()}{SHORT_PATH}{'x' * LONGEST_CODE}"
        line = "\n" + self.env._("Preferences/opt-out: %(url)s", url=url)
        # a mailing not saved yet: the longer of both lines
        placeholders["unsubscribe"] = max(line, placeholders["unsubscribe"], key=len)
        return placeholders
